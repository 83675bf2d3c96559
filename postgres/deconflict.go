package postgres

import (
	"context"
	"encoding/json"
	"time"

	"liaison"
)

// scanBody decodes a row whose one column is an item as JSON.
func scanBody[T any](s scanner) (*T, error) {
	var body []byte
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var v T
	return &v, json.Unmarshal(body, &v)
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func body(op string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	return b, nil
}

// CreateOperation implements liaison.Tx.
func (t *Tx) CreateOperation(ctx context.Context, o *liaison.Operation) error {
	const op = "postgres.CreateOperation"
	b, err := body(op, o)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, false,
		"INSERT INTO operations (id, agency_id, state, ends, body, created, updated, seq, kind, area_lat, area_lon, area_radius, starts) "+
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		append([]any{uid(o.ID), uid(o.AgencyID), string(o.State), o.End, b, o.Created, o.Updated, o.Seq}, areaArgs(o)...)...)
}

// UpdateOperation implements liaison.Tx.
func (t *Tx) UpdateOperation(ctx context.Context, o *liaison.Operation) error {
	const op = "postgres.UpdateOperation"
	b, err := body(op, o)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, true, "UPDATE operations SET state = $1, ends = $2, body = $3, updated = $4, seq = $5, "+
		"kind = $6, area_lat = $7, area_lon = $8, area_radius = $9, starts = $10 WHERE id = $11",
		append(append([]any{string(o.State), o.End, b, o.Updated, o.Seq}, areaArgs(o)...), uid(o.ID))...)
}

// FindOperation implements liaison.Tx.
func (t *Tx) FindOperation(ctx context.Context, id liaison.ID) (*liaison.Operation, error) {
	o, err := scanBody[liaison.Operation](t.tx.QueryRow(ctx, "SELECT body FROM operations WHERE id = $1", uid(id)))
	return o, translate("postgres.FindOperation", err)
}

// ListOperations implements liaison.Tx.
func (t *Tx) ListOperations(ctx context.Context, f liaison.OperationFilter, p liaison.Page) ([]*liaison.Operation, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = $%d", uid(f.AgencyID))
	}
	if len(f.States) > 0 {
		q.add("state = ANY($%d)", strs(f.States))
	}
	s, args := q.page("SELECT body FROM operations", p)
	return list(ctx, t, "postgres.ListOperations", s, args, scanBody[liaison.Operation])
}

// areaArgs are the kind, check area and start of o, NULL without an area.
func areaArgs(o *liaison.Operation) []any {
	if o.CheckArea == nil {
		return []any{string(o.Kind), nil, nil, nil, o.Start}
	}
	return []any{string(o.Kind), o.CheckArea.Lat, o.CheckArea.Lon, o.CheckArea.RadiusM, o.Start}
}

// ListActiveAreas implements liaison.Tx.
func (t *Tx) ListActiveAreas(ctx context.Context, p liaison.Page) ([]*liaison.OperationArea, error) {
	var q query
	q.add("state = $%d", string(liaison.OpActive))
	s, args := q.page("SELECT id::text, agency_id::text, kind, area_lat, area_lon, area_radius, starts, ends FROM operations", p)
	return list(ctx, t, "postgres.ListActiveAreas", s, args, func(s scanner) (*liaison.OperationArea, error) {
		var a liaison.OperationArea
		var kind string
		var lat, lon, radius *float64
		if err := s.Scan(&a.ID, &a.AgencyID, &kind, &lat, &lon, &radius, &a.Start, &a.End); err != nil {
			return nil, err
		}
		if lat != nil && lon != nil && radius != nil {
			a.Area = &liaison.Circle{Lat: *lat, Lon: *lon, RadiusM: *radius}
		}
		a.Kind, a.Start, a.End = liaison.OperationKind(kind), a.Start.UTC(), a.End.UTC()
		return &a, nil
	})
}

// CreateTarget implements liaison.Tx.
func (t *Tx) CreateTarget(ctx context.Context, g *liaison.Target) error {
	const op = "postgres.CreateTarget"
	b, err := body(op, g)
	if err != nil {
		return err
	}
	var opID any
	if g.OperationID != "" {
		opID = uid(g.OperationID)
	}
	return t.exec(ctx, op, false,
		"INSERT INTO targets (id, agency_id, operation_id, active, body, created, seq) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		uid(g.ID), uid(g.AgencyID), opID, g.Active, b, g.Created, g.Seq)
}

// UpdateTarget implements liaison.Tx.
func (t *Tx) UpdateTarget(ctx context.Context, g *liaison.Target) error {
	const op = "postgres.UpdateTarget"
	b, err := body(op, g)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, true, "UPDATE targets SET active = $1, body = $2, seq = $3 WHERE id = $4", g.Active, b, g.Seq, uid(g.ID))
}

// FindTarget implements liaison.Tx.
func (t *Tx) FindTarget(ctx context.Context, id liaison.ID) (*liaison.Target, error) {
	g, err := scanBody[liaison.Target](t.tx.QueryRow(ctx, "SELECT body FROM targets WHERE id = $1", uid(id)))
	return g, translate("postgres.FindTarget", err)
}

// ListTargets implements liaison.Tx.
func (t *Tx) ListTargets(ctx context.Context, f liaison.TargetFilter, p liaison.Page) ([]*liaison.Target, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = $%d", uid(f.AgencyID))
	}
	if f.OperationID != "" {
		q.add("operation_id = $%d", uid(f.OperationID))
	}
	if f.ActiveOnly {
		q.add("active = $%d", true)
	}
	s, args := q.page("SELECT body FROM targets", p)
	return list(ctx, t, "postgres.ListTargets", s, args, scanBody[liaison.Target])
}

// TickDeconflictionClock implements liaison.Tx: the row lock serialises
// deconfliction writes across nodes until the transaction ends.
func (t *Tx) TickDeconflictionClock(ctx context.Context) (int64, error) {
	var seq int64
	err := t.tx.QueryRow(ctx, "UPDATE deconfliction_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq)
	return seq, translate("postgres.TickDeconflictionClock", err)
}

// DeconflictionClock implements liaison.Tx.
func (t *Tx) DeconflictionClock(ctx context.Context) (int64, error) {
	var seq int64
	err := t.tx.QueryRow(ctx, "SELECT seq FROM deconfliction_clock WHERE id = 1").Scan(&seq)
	return seq, translate("postgres.DeconflictionClock", err)
}

// withSeq decodes a row of (body, seq) and keeps the seq, which the body does not carry.
func withSeq[T any](set func(*T, int64)) func(scanner) (*T, error) {
	return func(s scanner) (*T, error) {
		var b []byte
		var seq int64
		if err := s.Scan(&b, &seq); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		set(&v, seq)
		return &v, nil
	}
}

// ListDeconflictionChanges implements liaison.Tx.
func (t *Tx) ListDeconflictionChanges(ctx context.Context, after, upTo int64) ([]*liaison.Operation, []*liaison.Target, error) {
	const op = "postgres.ListDeconflictionChanges"
	ops, err := list(ctx, t, op, "SELECT body, seq FROM operations WHERE seq > $1 AND seq <= $2 ORDER BY seq", []any{after, upTo},
		withSeq(func(o *liaison.Operation, seq int64) { o.Seq = seq }))
	if err != nil {
		return nil, nil, err
	}
	ts, err := list(ctx, t, op, "SELECT body, seq FROM targets WHERE seq > $1 AND seq <= $2 ORDER BY seq", []any{after, upTo},
		withSeq(func(g *liaison.Target, seq int64) { g.Seq = seq }))
	return ops, ts, err
}

// CreateConflict implements liaison.Tx.
func (t *Tx) CreateConflict(ctx context.Context, c *liaison.Conflict) error {
	const op = "postgres.CreateConflict"
	b, err := body(op, c)
	if err != nil {
		return err
	}
	lo, hi := c.A.Ref, c.B.Ref
	if hi < lo {
		lo, hi = hi, lo
	}
	if err := t.exec(ctx, op, false,
		"INSERT INTO conflicts (id, kind, state, ref_lo, ref_hi, body, detected, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		uid(c.ID), string(c.Kind), string(c.State), uid(lo), uid(hi), b, c.Detected, c.Updated); err != nil {
		return err
	}
	return t.exec(ctx, op, false,
		"INSERT INTO conflict_parties (agency_id, conflict_id) SELECT DISTINCT unnest($1::uuid[]), $2::uuid ON CONFLICT DO NOTHING",
		uids([]liaison.ID{c.A.AgencyID, c.B.AgencyID}), uid(c.ID))
}

// UpdateConflict implements liaison.Tx.
func (t *Tx) UpdateConflict(ctx context.Context, c *liaison.Conflict) error {
	const op = "postgres.UpdateConflict"
	b, err := body(op, c)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, true, "UPDATE conflicts SET state = $1, body = $2, updated = $3 WHERE id = $4",
		string(c.State), b, c.Updated, uid(c.ID))
}

// FindConflict implements liaison.Tx.
func (t *Tx) FindConflict(ctx context.Context, id liaison.ID) (*liaison.Conflict, error) {
	c, err := scanBody[liaison.Conflict](t.tx.QueryRow(ctx, "SELECT body FROM conflicts WHERE id = $1", uid(id)))
	return c, translate("postgres.FindConflict", err)
}

// ListConflicts implements liaison.Tx.
func (t *Tx) ListConflicts(ctx context.Context, f liaison.ConflictFilter, p liaison.Page) ([]*liaison.Conflict, error) {
	var q query
	if len(f.AgencyIDs) > 0 {
		q.add("EXISTS (SELECT 1 FROM conflict_parties cp WHERE cp.conflict_id = conflicts.id AND cp.agency_id = ANY($%d))", uids(f.AgencyIDs))
	}
	if len(f.States) > 0 {
		q.add("state = ANY($%d)", strs(f.States))
	}
	s, args := q.page("SELECT body FROM conflicts", p)
	return list(ctx, t, "postgres.ListConflicts", s, args, scanBody[liaison.Conflict])
}

// CreateInboxMessage implements liaison.Tx.
func (t *Tx) CreateInboxMessage(ctx context.Context, m *liaison.InboxMessage) error {
	const op = "postgres.CreateInboxMessage"
	b, err := body(op, m)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO inbox (id, user_id, body, created) VALUES ($1, $2, $3, $4)",
		uid(m.ID), uid(m.UserID), b, m.Created)
}

func scanInbox(s scanner) (*liaison.InboxMessage, error) {
	var b []byte
	var read *time.Time
	if err := s.Scan(&b, &read); err != nil {
		return nil, err
	}
	var m liaison.InboxMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if read != nil {
		m.Read = read.UTC()
	}
	return &m, nil
}

// ListInbox implements liaison.Tx: newest first.
func (t *Tx) ListInbox(ctx context.Context, userID liaison.ID, f liaison.InboxFilter, p liaison.Page) ([]*liaison.InboxMessage, error) {
	p = p.Clamp()
	q := "SELECT body, read_at FROM inbox WHERE user_id = $1"
	args := []any{uid(userID)}
	if f.UnreadOnly {
		q += " AND read_at IS NULL"
	}
	if p.After != "" {
		args = append(args, uid(p.After))
		q += " AND id < $2"
	}
	args = append(args, p.Limit)
	if len(args) == 3 {
		q += " ORDER BY id DESC LIMIT $3"
	} else {
		q += " ORDER BY id DESC LIMIT $2"
	}
	return list(ctx, t, "postgres.ListInbox", q, args, scanInbox)
}

// MarkInboxRead implements liaison.Tx.
func (t *Tx) MarkInboxRead(ctx context.Context, userID, id liaison.ID, at time.Time) error {
	return t.exec(ctx, "postgres.MarkInboxRead", true,
		"UPDATE inbox SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL", at, uid(id), uid(userID))
}

// CountUnread implements liaison.Tx.
func (t *Tx) CountUnread(ctx context.Context, userID liaison.ID) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, "SELECT count(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL", uid(userID)).Scan(&n)
	return n, translate("postgres.CountUnread", err)
}

// AddOutboxEvent implements liaison.Tx.
func (t *Tx) AddOutboxEvent(ctx context.Context, e *liaison.OutboxEvent) error {
	return t.exec(ctx, "postgres.AddOutboxEvent", false,
		"INSERT INTO outbox (id, subject, data, created) VALUES ($1, $2, $3, $4)", uid(e.ID), e.Subject, e.Data, e.Created)
}

func scanOutbox(s scanner) (*liaison.OutboxEvent, error) {
	var e liaison.OutboxEvent
	var id string
	if err := s.Scan(&id, &e.Subject, &e.Data, &e.Created); err != nil {
		return nil, err
	}
	e.ID, e.Created = id, e.Created.UTC()
	return &e, nil
}

// ListOutboxEvents implements liaison.Tx.
func (t *Tx) ListOutboxEvents(ctx context.Context, limit int) ([]*liaison.OutboxEvent, error) {
	return list(ctx, t, "postgres.ListOutboxEvents", "SELECT id::text, subject, data, created FROM outbox ORDER BY id LIMIT $1",
		[]any{limit}, scanOutbox)
}

// DeleteOutboxEvents implements liaison.Tx.
func (t *Tx) DeleteOutboxEvents(ctx context.Context, ids []liaison.ID) error {
	return t.exec(ctx, "postgres.DeleteOutboxEvents", false, "DELETE FROM outbox WHERE id = ANY($1)", uids(ids))
}
