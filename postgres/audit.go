package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
)

// auditLockID is the advisory lock that serialises audit appends.
const auditLockID = 0x6c69616973 // "liais"

// parseEntry decodes a stored canonical entry.
func parseEntry(op string, b []byte) (*liaison.AuditEvent, error) {
	e, err := liaison.ParseAuditEntry(b)
	if err != nil {
		return nil, &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	return e, nil
}

// QueueAuditEvent implements liaison.Tx.
func (t *Tx) QueueAuditEvent(ctx context.Context, e *liaison.AuditEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "postgres.QueueAuditEvent", Err: err}
	}
	return t.exec(ctx, "postgres.QueueAuditEvent", false, "INSERT INTO audit_queue (id, event) VALUES ($1, $2)", uid(e.ID), b)
}

// ListQueuedAuditEvents implements liaison.Tx.
func (t *Tx) ListQueuedAuditEvents(ctx context.Context, limit int) ([]*liaison.AuditEvent, error) {
	return list(ctx, t, "postgres.ListQueuedAuditEvents", "SELECT event FROM audit_queue ORDER BY id LIMIT $1", []any{limit},
		func(s scanner) (*liaison.AuditEvent, error) {
			var b []byte
			if err := s.Scan(&b); err != nil {
				return nil, err
			}
			var e liaison.AuditEvent
			return &e, json.Unmarshal(b, &e)
		})
}

// DeleteQueuedAuditEvents implements liaison.Tx.
func (t *Tx) DeleteQueuedAuditEvents(ctx context.Context, ids []liaison.ID) error {
	return t.exec(ctx, "postgres.DeleteQueuedAuditEvents", false, "DELETE FROM audit_queue WHERE id = ANY($1)", uids(ids))
}

// LockAuditLog implements liaison.Tx with a transaction-scoped advisory
// lock: appends from every connection and node queue here until commit.
func (t *Tx) LockAuditLog(ctx context.Context) error {
	_, err := t.tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(auditLockID))
	return translate("postgres.LockAuditLog", err)
}

// AuditLogSize implements liaison.Tx.
func (t *Tx) AuditLogSize(ctx context.Context) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, "SELECT coalesce(max(idx) + 1, 0) FROM audit_events").Scan(&n)
	return n, translate("postgres.AuditLogSize", err)
}

// ReadAuditHashes implements liaison.Tx.
func (t *Tx) ReadAuditHashes(ctx context.Context, indexes []int64) ([]liaison.Hash, error) {
	const op = "postgres.ReadAuditHashes"
	out := make([]liaison.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx = ANY($1)", indexes)
	if err != nil {
		return nil, translate(op, err)
	}
	got := make(map[int64][]byte, len(indexes))
	var idx int64
	var h []byte
	_, err = pgx.ForEachRow(rows, []any{&idx, &h}, func() error {
		got[idx] = append([]byte(nil), h...)
		return nil
	})
	if err != nil {
		return nil, translate(op, err)
	}
	for i, x := range indexes {
		h, ok := got[x]
		if !ok || len(h) != len(out[i]) {
			return nil, &liaison.Error{Code: liaison.ENOTFOUND, Op: op, Message: "audit tree hash " + strconv.FormatInt(x, 10) + " is missing"}
		}
		copy(out[i][:], h)
	}
	return out, nil
}

// AppendAuditEvents implements liaison.Tx: two COPYs, one round trip each.
func (t *Tx) AppendAuditEvents(ctx context.Context, entries []liaison.AuditAppend) error {
	const op = "postgres.AppendAuditEvents"
	events := make([][]any, len(entries))
	var hashes, objects [][]any
	for i, a := range entries {
		e := a.Event
		if len(a.Hashes) == 0 || len(a.Entry) == 0 {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Message: "an audit leaf needs its entry and hash"}
		}
		events[i] = []any{e.Index, e.At, e.UserID, e.AgencyID, e.Action, e.ObjectType, e.ObjectID, e.Outcome, a.Entry, a.Hashes[0][:]}
		for j, h := range a.Hashes {
			hashes = append(hashes, []any{a.FirstHash + int64(j), h[:]})
		}
		for _, id := range auditObjects(e) {
			objects = append(objects, []any{id, e.Index})
		}
	}
	cols := []string{"idx", "at", "user_id", "agency_id", "action", "object_type", "object_id", "outcome", "entry", "leaf"}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, cols, pgx.CopyFromRows(events)); err != nil {
		return translate(op, err)
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"audit_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(hashes)); err != nil {
		return translate(op, err)
	}
	if len(objects) > 0 {
		if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"audit_objects"}, []string{"object_id", "idx"}, pgx.CopyFromRows(objects)); err != nil {
			return translate(op, err)
		}
	}
	return nil
}

// auditObjects returns the ids an entry names in its objects detail, once each.
func auditObjects(e *liaison.AuditEvent) []string {
	ids := strings.Fields(e.Details[liaison.AuditObjectsDetail])
	slices.Sort(ids)
	return slices.Compact(ids)
}

// auditWhere builds the filter shared by listing and counting.
func auditWhere(f liaison.AuditFilter) query {
	var q query
	if f.UserID != "" {
		q.add("user_id = $%d", f.UserID)
	}
	if f.AgencyID != "" {
		q.add("agency_id = $%d", f.AgencyID)
	}
	if strings.HasSuffix(f.Action, ".") {
		q.add("starts_with(action, $%d)", f.Action)
	} else if f.Action != "" {
		q.add("action = $%d", f.Action)
	}
	if f.ObjectType != "" {
		q.add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		q.add("(object_id = $%[1]d OR idx IN (SELECT idx FROM audit_objects WHERE object_id = $%[1]d))", f.ObjectID)
	}
	if f.Outcome != "" {
		q.add("outcome = $%d", f.Outcome)
	}
	if !f.Since.IsZero() {
		q.add("at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		q.add("at < $%d", f.Until)
	}
	return q
}

// ListAuditEvents implements liaison.Tx.
func (t *Tx) ListAuditEvents(ctx context.Context, f liaison.AuditFilter, p liaison.Page) ([]*liaison.AuditEvent, error) {
	const op = "postgres.ListAuditEvents"
	q := auditWhere(f)
	p = p.Clamp()
	if p.After != "" {
		after, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, &liaison.Error{Code: liaison.EINVALID, Op: op, Message: "cursor: not an audit index",
				Fields: []liaison.FieldError{{Field: "cursor", Message: "is not an audit index"}}}
		}
		if f.Newest {
			q.add("idx < $%d", after)
		} else {
			q.add("idx > $%d", after)
		}
	}
	order := " ORDER BY idx"
	if f.Newest {
		order += " DESC"
	}
	s := "SELECT entry FROM audit_events"
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	q.args = append(q.args, p.Limit)
	s += order + " LIMIT $" + strconv.Itoa(len(q.args))
	return list(ctx, t, op, s, q.args, func(s scanner) (*liaison.AuditEvent, error) {
		var b []byte
		if err := s.Scan(&b); err != nil {
			return nil, err
		}
		return parseEntry(op, b)
	})
}

// ScanAuditEntries implements liaison.Tx.
func (t *Tx) ScanAuditEntries(ctx context.Context, from, to int64, fn func(int64, []byte, liaison.Hash) error) error {
	const op = "postgres.ScanAuditEntries"
	rows, err := t.tx.Query(ctx, "SELECT idx, entry, leaf FROM audit_events WHERE idx >= $1 AND idx < $2 ORDER BY idx", from, to)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	var idx int64
	var entry, leaf []byte
	for rows.Next() {
		if err := rows.Scan(&idx, &entry, &leaf); err != nil {
			return translate(op, err)
		}
		var h liaison.Hash
		copy(h[:], leaf)
		if err := fn(idx, entry, h); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

// ScanAuditIndex implements liaison.Tx: the objects an entry is indexed
// under (audit_objects) come back as its objects detail, in no set order.
func (t *Tx) ScanAuditIndex(ctx context.Context, fn func(int64, []byte, *liaison.AuditEvent) error) error {
	const op = "postgres.ScanAuditIndex"
	rows, err := t.tx.Query(ctx, `SELECT e.idx, e.entry, e.at, e.user_id, e.agency_id, e.action, e.object_type, e.object_id,
		e.outcome, coalesce(o.ids, '')
		FROM audit_events e LEFT JOIN (SELECT idx, string_agg(object_id, ' ') AS ids
			FROM audit_objects GROUP BY idx) o ON o.idx = e.idx
		ORDER BY e.idx`)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	var entry []byte
	for rows.Next() {
		var e liaison.AuditEvent
		var ids string
		if err := rows.Scan(&e.Index, &entry, &e.At, &e.UserID, &e.AgencyID, &e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &ids); err != nil {
			return translate(op, err)
		}
		if ids != "" {
			e.Details = map[string]string{liaison.AuditObjectsDetail: ids}
		}
		if err := fn(e.Index, entry, &e); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

// ScanAuditHashes implements liaison.Tx.
func (t *Tx) ScanAuditHashes(ctx context.Context, to int64, fn func(int64, liaison.Hash) error) error {
	const op = "postgres.ScanAuditHashes"
	rows, err := t.tx.Query(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx < $1 ORDER BY idx", to)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	var idx int64
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&idx, &b); err != nil {
			return translate(op, err)
		}
		var h liaison.Hash
		copy(h[:], b)
		if err := fn(idx, h); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

// CountAuditActions implements liaison.Tx.
func (t *Tx) CountAuditActions(ctx context.Context, since, until time.Time) ([]liaison.ActionCount, error) {
	const op = "postgres.CountAuditActions"
	rows, err := t.tx.Query(ctx, `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, action, outcome, count(*)
		FROM audit_events WHERE at >= $1 AND at < $2 GROUP BY month, action, outcome ORDER BY month, action, outcome`,
		since, until)
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (liaison.ActionCount, error) {
		var c liaison.ActionCount
		err := r.Scan(&c.Month, &c.Action, &c.Outcome, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, translate(op, err)
	}
	return orEmpty(out), nil
}

// AddCheckpoint implements liaison.Tx.
func (t *Tx) AddCheckpoint(ctx context.Context, c *liaison.Checkpoint) error {
	return t.exec(ctx, "postgres.AddCheckpoint", false,
		"INSERT INTO audit_checkpoints (size, root, note, created) VALUES ($1, $2, $3, $4)", c.Size, c.Root[:], c.Note, c.Created)
}

// UpdateCheckpointNote implements liaison.Tx.
func (t *Tx) UpdateCheckpointNote(ctx context.Context, size int64, note string) error {
	return t.exec(ctx, "postgres.UpdateCheckpointNote", true, "UPDATE audit_checkpoints SET note = $1 WHERE size = $2", note, size)
}

func scanCheckpoint(s scanner) (*liaison.Checkpoint, error) {
	var c liaison.Checkpoint
	var root []byte
	if err := s.Scan(&c.Size, &root, &c.Note, &c.Created); err != nil {
		return nil, err
	}
	copy(c.Root[:], root)
	return &c, nil
}

// FindCheckpoint implements liaison.Tx.
func (t *Tx) FindCheckpoint(ctx context.Context, size int64) (*liaison.Checkpoint, error) {
	q, args := "SELECT size, root, note, created FROM audit_checkpoints WHERE size = $1", []any{size}
	if size < 0 {
		q, args = "SELECT size, root, note, created FROM audit_checkpoints ORDER BY size DESC LIMIT 1", nil
	}
	c, err := scanCheckpoint(t.tx.QueryRow(ctx, q, args...))
	return c, translate("postgres.FindCheckpoint", err)
}

// ListCheckpoints implements liaison.Tx.
func (t *Tx) ListCheckpoints(ctx context.Context, before int64, limit int) ([]*liaison.Checkpoint, error) {
	if before <= 0 {
		before = 1 << 62
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	return list(ctx, t, "postgres.ListCheckpoints",
		"SELECT size, root, note, created FROM audit_checkpoints WHERE size < $1 ORDER BY size DESC LIMIT $2",
		[]any{before, limit}, scanCheckpoint)
}

// PutAuditKey implements liaison.Tx.
func (t *Tx) PutAuditKey(ctx context.Context, key string, at time.Time) error {
	return t.exec(ctx, "postgres.PutAuditKey", false,
		"INSERT INTO audit_keys (verifier_key, created) VALUES ($1, $2) ON CONFLICT DO NOTHING", key, at)
}

// ListAuditKeys implements liaison.Tx.
func (t *Tx) ListAuditKeys(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, "SELECT verifier_key FROM audit_keys ORDER BY created, verifier_key")
	if err != nil {
		return nil, translate("postgres.ListAuditKeys", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate("postgres.ListAuditKeys", err)
	}
	return orEmpty(out), nil
}

const disseminationCols = `id::text, at, item_kind, item_id, recipient_user_id::text, recipient_agency_id::text, tlp,
	handling, sensitivity, originator_id, purpose, redacted, audit_event_id`

func scanDissemination(s scanner) (*liaison.Dissemination, error) {
	var d liaison.Dissemination
	if err := s.Scan(&d.ID, &d.At, &d.ItemKind, &d.ItemID, &d.RecipientUserID, &d.RecipientAgencyID, &d.Labels.TLP,
		&d.Labels.Handling, &d.Labels.Sensitivity, &d.Labels.Originator, &d.Purpose, &d.Redacted, &d.AuditEventID); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateDissemination implements liaison.Tx.
func (t *Tx) CreateDissemination(ctx context.Context, d *liaison.Dissemination) error {
	const op = "postgres.CreateDissemination"
	var ok bool
	err := t.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND agency_id = $2)",
		uid(d.RecipientUserID), uid(d.RecipientAgencyID)).Scan(&ok)
	if err != nil {
		return translate(op, err)
	}
	if !ok {
		return missingRef(op, "recipient_user_id", nil)
	}
	return t.exec(ctx, op, false, "INSERT INTO disseminations (id, at, item_kind, item_id, recipient_user_id, "+
		"recipient_agency_id, tlp, handling, sensitivity, originator_id, purpose, redacted, audit_event_id) "+
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		uid(d.ID), d.At, d.ItemKind, d.ItemID, uid(d.RecipientUserID), uid(d.RecipientAgencyID), d.Labels.TLP,
		d.Labels.Handling, d.Labels.Sensitivity, d.Labels.Originator, d.Purpose, d.Redacted, d.AuditEventID)
}

// CreateDisseminations implements liaison.Tx: one COPY.
func (t *Tx) CreateDisseminations(ctx context.Context, ds []*liaison.Dissemination) error {
	const op = "postgres.CreateDisseminations"
	if len(ds) == 0 {
		return nil
	}
	checked := map[[2]liaison.ID]bool{}
	rows := make([][]any, len(ds))
	for i, d := range ds {
		k := [2]liaison.ID{d.RecipientUserID, d.RecipientAgencyID}
		if !checked[k] {
			var ok bool
			if err := t.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND agency_id = $2)",
				uid(d.RecipientUserID), uid(d.RecipientAgencyID)).Scan(&ok); err != nil {
				return translate(op, err)
			}
			if !ok {
				return missingRef(op, "recipient_user_id", nil)
			}
			checked[k] = true
		}
		rows[i] = []any{uid(d.ID), d.At, d.ItemKind, d.ItemID, uid(d.RecipientUserID), uid(d.RecipientAgencyID), d.Labels.TLP,
			d.Labels.Handling, d.Labels.Sensitivity, d.Labels.Originator, string(d.Purpose), d.Redacted, d.AuditEventID}
	}
	cols := []string{"id", "at", "item_kind", "item_id", "recipient_user_id", "recipient_agency_id", "tlp", "handling",
		"sensitivity", "originator_id", "purpose", "redacted", "audit_event_id"}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"disseminations"}, cols, pgx.CopyFromRows(rows))
	return translate(op, err)
}

// ListDisseminations implements liaison.Tx.
func (t *Tx) ListDisseminations(ctx context.Context, f liaison.DisseminationFilter, p liaison.Page) ([]*liaison.Dissemination, error) {
	var q query
	if f.ItemID != "" {
		q.add("item_id = $%d", f.ItemID)
	}
	if f.RecipientAgencyID != "" {
		q.add("recipient_agency_id = $%d", uid(f.RecipientAgencyID))
	}
	if f.OriginatorID != "" {
		q.add("originator_id = $%d", f.OriginatorID)
	}
	if !f.Since.IsZero() {
		q.add("at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		q.add("at < $%d", f.Until)
	}
	s, args := q.page("SELECT "+disseminationCols+" FROM disseminations", p)
	return list(ctx, t, "postgres.ListDisseminations", s, args, scanDissemination)
}
