package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"liaison"
)

// scanBody decodes a row whose one column is an item as JSON.
func scanBody[T any](s scanner) (*T, error) {
	var body string
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var v T
	return &v, json.Unmarshal([]byte(body), &v)
}

// in adds "col IN (?, ...)" for a non-empty list.
func in[T ~string](q *query, col string, vs []T) {
	if len(vs) == 0 {
		return
	}
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = string(v)
	}
	q.add(col+" IN (?"+strings.Repeat(", ?", len(vs)-1)+")", args...)
}

// CreateOperation implements liaison.Tx.
func (t *Tx) CreateOperation(ctx context.Context, o *liaison.Operation) error {
	return t.exec(ctx, "sqlite.CreateOperation", "id", "agency_id", false,
		"INSERT INTO operations (id, agency_id, state, ends, body, created, updated, seq, kind, area_lat, area_lon, area_radius, starts) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{o.ID, o.AgencyID, o.State, us(o.End), mustJSON(o), us(o.Created), us(o.Updated), o.Seq}, areaArgs(o)...)...)
}

// UpdateOperation implements liaison.Tx.
func (t *Tx) UpdateOperation(ctx context.Context, o *liaison.Operation) error {
	return t.exec(ctx, "sqlite.UpdateOperation", "", "", true,
		"UPDATE operations SET state = ?, ends = ?, body = ?, updated = ?, seq = ?, kind = ?, area_lat = ?, area_lon = ?, area_radius = ?, starts = ? WHERE id = ?",
		append(append([]any{o.State, us(o.End), mustJSON(o), us(o.Updated), o.Seq}, areaArgs(o)...), o.ID)...)
}

// FindOperation implements liaison.Tx.
func (t *Tx) FindOperation(ctx context.Context, id liaison.ID) (*liaison.Operation, error) {
	o, err := scanBody[liaison.Operation](t.tx.QueryRowContext(ctx, "SELECT body FROM operations WHERE id = ?", id))
	return o, translate("sqlite.FindOperation", err, "", "")
}

// ListOperations implements liaison.Tx.
func (t *Tx) ListOperations(ctx context.Context, f liaison.OperationFilter, p liaison.Page) ([]*liaison.Operation, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	in(&q, "state", f.States)
	s, args := q.page("SELECT body FROM operations", p)
	return list(ctx, t, "sqlite.ListOperations", s, args, scanBody[liaison.Operation])
}

// areaArgs are the kind, check area and start of o, NULL without an area.
func areaArgs(o *liaison.Operation) []any {
	if o.CheckArea == nil {
		return []any{string(o.Kind), nil, nil, nil, us(o.Start)}
	}
	return []any{string(o.Kind), o.CheckArea.Lat, o.CheckArea.Lon, o.CheckArea.RadiusM, us(o.Start)}
}

// ListActiveAreas implements liaison.Tx.
func (t *Tx) ListActiveAreas(ctx context.Context, p liaison.Page) ([]*liaison.OperationArea, error) {
	var q query
	q.add("state = ?", string(liaison.OpActive))
	s, args := q.page("SELECT id, agency_id, kind, area_lat, area_lon, area_radius, starts, ends FROM operations", p)
	return list(ctx, t, "sqlite.ListActiveAreas", s, args, func(s scanner) (*liaison.OperationArea, error) {
		var a liaison.OperationArea
		var start, end int64
		var lat, lon, radius sql.NullFloat64
		if err := s.Scan(&a.ID, &a.AgencyID, &a.Kind, &lat, &lon, &radius, &start, &end); err != nil {
			return nil, err
		}
		if lat.Valid && lon.Valid && radius.Valid {
			a.Area = &liaison.Circle{Lat: lat.Float64, Lon: lon.Float64, RadiusM: radius.Float64}
		}
		a.Start, a.End = fromUS(start), fromUS(end)
		return &a, nil
	})
}

func nullID(id liaison.ID) any {
	if id == "" {
		return nil
	}
	return id
}

// CreateTarget implements liaison.Tx.
func (t *Tx) CreateTarget(ctx context.Context, g *liaison.Target) error {
	ref := "agency_id"
	if g.OperationID != "" {
		ref = "operation_id"
	}
	return t.exec(ctx, "sqlite.CreateTarget", "id", ref, false,
		"INSERT INTO targets (id, agency_id, operation_id, active, body, created, seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
		g.ID, g.AgencyID, nullID(g.OperationID), g.Active, mustJSON(g), us(g.Created), g.Seq)
}

// UpdateTarget implements liaison.Tx.
func (t *Tx) UpdateTarget(ctx context.Context, g *liaison.Target) error {
	return t.exec(ctx, "sqlite.UpdateTarget", "", "", true,
		"UPDATE targets SET active = ?, body = ?, seq = ? WHERE id = ?", g.Active, mustJSON(g), g.Seq, g.ID)
}

// FindTarget implements liaison.Tx.
func (t *Tx) FindTarget(ctx context.Context, id liaison.ID) (*liaison.Target, error) {
	g, err := scanBody[liaison.Target](t.tx.QueryRowContext(ctx, "SELECT body FROM targets WHERE id = ?", id))
	return g, translate("sqlite.FindTarget", err, "", "")
}

// ListTargets implements liaison.Tx.
func (t *Tx) ListTargets(ctx context.Context, f liaison.TargetFilter, p liaison.Page) ([]*liaison.Target, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	if f.OperationID != "" {
		q.add("operation_id = ?", f.OperationID)
	}
	if f.ActiveOnly {
		q.add("active = 1")
	}
	s, args := q.page("SELECT body FROM targets", p)
	return list(ctx, t, "sqlite.ListTargets", s, args, scanBody[liaison.Target])
}

// TickDeconflictionClock implements liaison.Tx. SQLite's single writer
// already serialises the writes.
func (t *Tx) TickDeconflictionClock(ctx context.Context) (int64, error) {
	var seq int64
	err := t.tx.QueryRowContext(ctx, "UPDATE deconfliction_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq)
	return seq, translate("sqlite.TickDeconflictionClock", err, "", "")
}

// DeconflictionClock implements liaison.Tx.
func (t *Tx) DeconflictionClock(ctx context.Context) (int64, error) {
	var seq int64
	err := t.tx.QueryRowContext(ctx, "SELECT seq FROM deconfliction_clock WHERE id = 1").Scan(&seq)
	return seq, translate("sqlite.DeconflictionClock", err, "", "")
}

// ListDeconflictionChanges implements liaison.Tx.
func (t *Tx) ListDeconflictionChanges(ctx context.Context, after, upTo int64) ([]*liaison.Operation, []*liaison.Target, error) {
	const op = "sqlite.ListDeconflictionChanges"
	withSeq := func(s scanner, seq *int64, body *string) error { return s.Scan(body, seq) }
	ops, err := list(ctx, t, op, "SELECT body, seq FROM operations WHERE seq > ? AND seq <= ? ORDER BY seq", []any{after, upTo},
		func(s scanner) (*liaison.Operation, error) {
			var o liaison.Operation
			var body string
			if err := withSeq(s, &o.Seq, &body); err != nil {
				return nil, err
			}
			seq := o.Seq
			err := json.Unmarshal([]byte(body), &o)
			o.Seq = seq
			return &o, err
		})
	if err != nil {
		return nil, nil, err
	}
	ts, err := list(ctx, t, op, "SELECT body, seq FROM targets WHERE seq > ? AND seq <= ? ORDER BY seq", []any{after, upTo},
		func(s scanner) (*liaison.Target, error) {
			var g liaison.Target
			var body string
			if err := withSeq(s, &g.Seq, &body); err != nil {
				return nil, err
			}
			seq := g.Seq
			err := json.Unmarshal([]byte(body), &g)
			g.Seq = seq
			return &g, err
		})
	return ops, ts, err
}

// refPair orders a conflict's two items so a pair is stored once.
func refPair(c *liaison.Conflict) (lo, hi liaison.ID) {
	if c.A.Ref < c.B.Ref {
		return c.A.Ref, c.B.Ref
	}
	return c.B.Ref, c.A.Ref
}

// CreateConflict implements liaison.Tx.
func (t *Tx) CreateConflict(ctx context.Context, c *liaison.Conflict) error {
	const op = "sqlite.CreateConflict"
	lo, hi := refPair(c)
	if err := t.exec(ctx, op, "ref", "", false,
		"INSERT INTO conflicts (id, kind, state, ref_lo, ref_hi, body, detected, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Kind, c.State, lo, hi, mustJSON(c), us(c.Detected), us(c.Updated)); err != nil {
		return err
	}
	for _, a := range []liaison.ID{c.A.AgencyID, c.B.AgencyID} {
		if err := t.exec(ctx, op, "", "", false,
			"INSERT OR IGNORE INTO conflict_parties (agency_id, conflict_id) VALUES (?, ?)", a, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateConflict implements liaison.Tx.
func (t *Tx) UpdateConflict(ctx context.Context, c *liaison.Conflict) error {
	return t.exec(ctx, "sqlite.UpdateConflict", "", "", true,
		"UPDATE conflicts SET state = ?, body = ?, updated = ? WHERE id = ?", c.State, mustJSON(c), us(c.Updated), c.ID)
}

// FindConflict implements liaison.Tx.
func (t *Tx) FindConflict(ctx context.Context, id liaison.ID) (*liaison.Conflict, error) {
	c, err := scanBody[liaison.Conflict](t.tx.QueryRowContext(ctx, "SELECT body FROM conflicts WHERE id = ?", id))
	return c, translate("sqlite.FindConflict", err, "", "")
}

// ListConflicts implements liaison.Tx.
func (t *Tx) ListConflicts(ctx context.Context, f liaison.ConflictFilter, p liaison.Page) ([]*liaison.Conflict, error) {
	var q query
	if len(f.AgencyIDs) > 0 {
		var sub query
		in(&sub, "cp.agency_id", f.AgencyIDs)
		q.add("EXISTS (SELECT 1 FROM conflict_parties cp WHERE cp.conflict_id = conflicts.id AND "+sub.where[0]+")", sub.args...)
	}
	in(&q, "state", f.States)
	s, args := q.page("SELECT body FROM conflicts", p)
	return list(ctx, t, "sqlite.ListConflicts", s, args, scanBody[liaison.Conflict])
}

// CreateInboxMessage implements liaison.Tx.
func (t *Tx) CreateInboxMessage(ctx context.Context, m *liaison.InboxMessage) error {
	return t.exec(ctx, "sqlite.CreateInboxMessage", "id", "user_id", false,
		"INSERT INTO inbox (id, user_id, body, created) VALUES (?, ?, ?, ?)", m.ID, m.UserID, mustJSON(m), us(m.Created))
}

func scanInbox(s scanner) (*liaison.InboxMessage, error) {
	var body string
	var read sql.NullInt64
	if err := s.Scan(&body, &read); err != nil {
		return nil, err
	}
	var m liaison.InboxMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return nil, err
	}
	if read.Valid {
		m.Read = fromUS(read.Int64)
	}
	return &m, nil
}

// ListInbox implements liaison.Tx: newest first.
func (t *Tx) ListInbox(ctx context.Context, userID liaison.ID, f liaison.InboxFilter, p liaison.Page) ([]*liaison.InboxMessage, error) {
	p = p.Clamp()
	q := "SELECT body, read_at FROM inbox WHERE user_id = ?"
	args := []any{userID}
	if f.UnreadOnly {
		q += " AND read_at IS NULL"
	}
	if p.After != "" {
		q += " AND id < ?"
		args = append(args, p.After)
	}
	args = append(args, p.Limit)
	return list(ctx, t, "sqlite.ListInbox", q+" ORDER BY id DESC LIMIT ?", args, scanInbox)
}

// MarkInboxRead implements liaison.Tx.
func (t *Tx) MarkInboxRead(ctx context.Context, userID, id liaison.ID, at time.Time) error {
	return t.exec(ctx, "sqlite.MarkInboxRead", "", "", true,
		"UPDATE inbox SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", us(at), id, userID)
}

// CountUnread implements liaison.Tx.
func (t *Tx) CountUnread(ctx context.Context, userID liaison.ID) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM inbox WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n)
	return n, translate("sqlite.CountUnread", err, "", "")
}

// AddOutboxEvent implements liaison.Tx.
func (t *Tx) AddOutboxEvent(ctx context.Context, e *liaison.OutboxEvent) error {
	return t.exec(ctx, "sqlite.AddOutboxEvent", "id", "", false,
		"INSERT INTO outbox (id, subject, data, created) VALUES (?, ?, ?, ?)", e.ID, e.Subject, e.Data, us(e.Created))
}

func scanOutbox(s scanner) (*liaison.OutboxEvent, error) {
	var e liaison.OutboxEvent
	var created int64
	if err := s.Scan(&e.ID, &e.Subject, &e.Data, &created); err != nil {
		return nil, err
	}
	e.Created = fromUS(created)
	return &e, nil
}

// ListOutboxEvents implements liaison.Tx.
func (t *Tx) ListOutboxEvents(ctx context.Context, limit int) ([]*liaison.OutboxEvent, error) {
	return list(ctx, t, "sqlite.ListOutboxEvents", "SELECT id, subject, data, created FROM outbox ORDER BY id LIMIT ?",
		[]any{limit}, scanOutbox)
}

// DeleteOutboxEvents implements liaison.Tx.
func (t *Tx) DeleteOutboxEvents(ctx context.Context, ids []liaison.ID) error {
	if len(ids) == 0 {
		return nil
	}
	var q query
	in(&q, "id", ids)
	return t.exec(ctx, "sqlite.DeleteOutboxEvents", "", "", false, "DELETE FROM outbox WHERE "+q.where[0], q.args...)
}
