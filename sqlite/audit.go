package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

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
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "sqlite.QueueAuditEvent", Err: err}
	}
	return t.exec(ctx, "sqlite.QueueAuditEvent", "id", "", false, "INSERT INTO audit_queue (id, event) VALUES (?, ?)", e.ID, b)
}

// ListQueuedAuditEvents implements liaison.Tx.
func (t *Tx) ListQueuedAuditEvents(ctx context.Context, limit int) ([]*liaison.AuditEvent, error) {
	return list(ctx, t, "sqlite.ListQueuedAuditEvents", "SELECT event FROM audit_queue ORDER BY id LIMIT ?", []any{limit},
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
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i := range n {
			args[i] = ids[i]
		}
		if err := t.exec(ctx, "sqlite.DeleteQueuedAuditEvents", "", "", false,
			"DELETE FROM audit_queue WHERE id IN (?"+strings.Repeat(", ?", n-1)+")", args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// LockAuditLog implements liaison.Tx: the single writer connection already
// serialises appends.
func (t *Tx) LockAuditLog(ctx context.Context) error { return nil }

// AuditLogSize implements liaison.Tx.
func (t *Tx) AuditLogSize(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := t.tx.QueryRowContext(ctx, "SELECT max(idx) FROM audit_events").Scan(&n)
	if err != nil {
		return 0, translate("sqlite.AuditLogSize", err, "", "")
	}
	if !n.Valid {
		return 0, nil
	}
	return n.Int64 + 1, nil
}

// ReadAuditHashes implements liaison.Tx.
func (t *Tx) ReadAuditHashes(ctx context.Context, indexes []int64) ([]liaison.Hash, error) {
	const op = "sqlite.ReadAuditHashes"
	out := make([]liaison.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	args := make([]any, len(indexes))
	for i, x := range indexes {
		args[i] = x
	}
	rows, err := t.tx.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx IN (?"+
		strings.Repeat(", ?", len(indexes)-1)+")", args...)
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	defer rows.Close()
	got := make(map[int64][]byte, len(indexes))
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, translate(op, err, "", "")
		}
		got[idx] = h
	}
	if err := rows.Err(); err != nil {
		return nil, translate(op, err, "", "")
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

// AppendAuditEvents implements liaison.Tx.
func (t *Tx) AppendAuditEvents(ctx context.Context, entries []liaison.AuditAppend) error {
	const op = "sqlite.AppendAuditEvents"
	for _, a := range entries {
		e := a.Event
		if len(a.Hashes) == 0 || len(a.Entry) == 0 {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Message: "an audit leaf needs its entry and hash"}
		}
		if err := t.exec(ctx, op, "index", "", false,
			`INSERT INTO audit_events (idx, at, user_id, agency_id, action, object_type, object_id, outcome, entry, leaf)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Index, us(e.At), e.UserID, e.AgencyID, e.Action, e.ObjectType, e.ObjectID, e.Outcome, a.Entry, a.Hashes[0][:]); err != nil {
			return err
		}
		for i, h := range a.Hashes {
			if err := t.exec(ctx, op, "index", "", false, "INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)",
				a.FirstHash+int64(i), h[:]); err != nil {
				return err
			}
		}
		for _, id := range auditObjects(e) {
			if err := t.exec(ctx, op, "", "", false, "INSERT INTO audit_objects (object_id, idx) VALUES (?, ?)", id, e.Index); err != nil {
				return err
			}
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
		q.add("user_id = ?", f.UserID)
	}
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	if strings.HasSuffix(f.Action, ".") {
		q.add("substr(action, 1, ?) = ?", len(f.Action), f.Action)
	} else if f.Action != "" {
		q.add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		q.add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q.add("(object_id = ? OR idx IN (SELECT idx FROM audit_objects WHERE object_id = ?))", f.ObjectID, f.ObjectID)
	}
	if f.Outcome != "" {
		q.add("outcome = ?", f.Outcome)
	}
	if !f.Since.IsZero() {
		q.add("at >= ?", us(f.Since))
	}
	if !f.Until.IsZero() {
		q.add("at < ?", us(f.Until))
	}
	return q
}

// ListAuditEvents implements liaison.Tx.
func (t *Tx) ListAuditEvents(ctx context.Context, f liaison.AuditFilter, p liaison.Page) ([]*liaison.AuditEvent, error) {
	const op = "sqlite.ListAuditEvents"
	q := auditWhere(f)
	p = p.Clamp()
	if p.After != "" {
		after, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, &liaison.Error{Code: liaison.EINVALID, Op: op, Message: "cursor: not an audit index",
				Fields: []liaison.FieldError{{Field: "cursor", Message: "is not an audit index"}}}
		}
		if f.Newest {
			q.add("idx < ?", after)
		} else {
			q.add("idx > ?", after)
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
	s += order + " LIMIT ?"
	return list(ctx, t, op, s, append(q.args, p.Limit), func(s scanner) (*liaison.AuditEvent, error) {
		var b []byte
		if err := s.Scan(&b); err != nil {
			return nil, err
		}
		return parseEntry(op, b)
	})
}

// ScanAuditEntries implements liaison.Tx.
func (t *Tx) ScanAuditEntries(ctx context.Context, from, to int64, fn func(int64, []byte, liaison.Hash) error) error {
	const op = "sqlite.ScanAuditEntries"
	rows, err := t.tx.QueryContext(ctx, "SELECT idx, entry, leaf FROM audit_events WHERE idx >= ? AND idx < ? ORDER BY idx", from, to)
	if err != nil {
		return translate(op, err, "", "")
	}
	defer rows.Close()
	var idx int64
	var entry, leaf []byte
	for rows.Next() {
		if err := rows.Scan(&idx, &entry, &leaf); err != nil {
			return translate(op, err, "", "")
		}
		var h liaison.Hash
		copy(h[:], leaf)
		if err := fn(idx, entry, h); err != nil {
			return err
		}
	}
	return translate(op, rows.Err(), "", "")
}

// ScanAuditIndex implements liaison.Tx: the objects an entry is indexed
// under (audit_objects) come back as its objects detail, in no set order.
func (t *Tx) ScanAuditIndex(ctx context.Context, fn func(int64, []byte, *liaison.AuditEvent) error) error {
	const op = "sqlite.ScanAuditIndex"
	rows, err := t.tx.QueryContext(ctx, `SELECT e.idx, e.entry, e.at, e.user_id, e.agency_id, e.action, e.object_type, e.object_id,
		e.outcome, coalesce(o.ids, '')
		FROM audit_events e LEFT JOIN (SELECT idx, group_concat(object_id, ' ') AS ids
			FROM audit_objects GROUP BY idx) o ON o.idx = e.idx
		ORDER BY e.idx`)
	if err != nil {
		return translate(op, err, "", "")
	}
	defer rows.Close()
	var entry []byte
	for rows.Next() {
		var e liaison.AuditEvent
		var at int64
		var ids string
		if err := rows.Scan(&e.Index, &entry, &at, &e.UserID, &e.AgencyID, &e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &ids); err != nil {
			return translate(op, err, "", "")
		}
		e.At = fromUS(at)
		if ids != "" {
			e.Details = map[string]string{liaison.AuditObjectsDetail: ids}
		}
		if err := fn(e.Index, entry, &e); err != nil {
			return err
		}
	}
	return translate(op, rows.Err(), "", "")
}

// ScanAuditHashes implements liaison.Tx.
func (t *Tx) ScanAuditHashes(ctx context.Context, to int64, fn func(int64, liaison.Hash) error) error {
	const op = "sqlite.ScanAuditHashes"
	rows, err := t.tx.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx < ? ORDER BY idx", to)
	if err != nil {
		return translate(op, err, "", "")
	}
	defer rows.Close()
	var idx int64
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&idx, &b); err != nil {
			return translate(op, err, "", "")
		}
		var h liaison.Hash
		copy(h[:], b)
		if err := fn(idx, h); err != nil {
			return err
		}
	}
	return translate(op, rows.Err(), "", "")
}

// CountAuditActions implements liaison.Tx.
func (t *Tx) CountAuditActions(ctx context.Context, since, until time.Time) ([]liaison.ActionCount, error) {
	const op = "sqlite.CountAuditActions"
	rows, err := t.tx.QueryContext(ctx, `SELECT strftime('%Y-%m', at / 1000000, 'unixepoch') AS month, action, outcome, count(*)
		FROM audit_events WHERE at >= ? AND at < ? GROUP BY month, action, outcome ORDER BY month, action, outcome`,
		us(since), us(until))
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	defer rows.Close()
	out := []liaison.ActionCount{}
	for rows.Next() {
		var c liaison.ActionCount
		if err := rows.Scan(&c.Month, &c.Action, &c.Outcome, &c.Count); err != nil {
			return nil, translate(op, err, "", "")
		}
		out = append(out, c)
	}
	return out, translate(op, rows.Err(), "", "")
}

// AddCheckpoint implements liaison.Tx.
func (t *Tx) AddCheckpoint(ctx context.Context, c *liaison.Checkpoint) error {
	return t.exec(ctx, "sqlite.AddCheckpoint", "size", "", false,
		"INSERT INTO audit_checkpoints (size, root, note, created) VALUES (?, ?, ?, ?)", c.Size, c.Root[:], c.Note, us(c.Created))
}

// UpdateCheckpointNote implements liaison.Tx.
func (t *Tx) UpdateCheckpointNote(ctx context.Context, size int64, note string) error {
	return t.exec(ctx, "sqlite.UpdateCheckpointNote", "", "", true, "UPDATE audit_checkpoints SET note = ? WHERE size = ?", note, size)
}

func scanCheckpoint(s scanner) (*liaison.Checkpoint, error) {
	var c liaison.Checkpoint
	var root []byte
	var created int64
	if err := s.Scan(&c.Size, &root, &c.Note, &created); err != nil {
		return nil, err
	}
	copy(c.Root[:], root)
	c.Created = fromUS(created)
	return &c, nil
}

// FindCheckpoint implements liaison.Tx.
func (t *Tx) FindCheckpoint(ctx context.Context, size int64) (*liaison.Checkpoint, error) {
	q, args := "SELECT size, root, note, created FROM audit_checkpoints WHERE size = ?", []any{size}
	if size < 0 {
		q, args = "SELECT size, root, note, created FROM audit_checkpoints ORDER BY size DESC LIMIT 1", nil
	}
	c, err := scanCheckpoint(t.tx.QueryRowContext(ctx, q, args...))
	return c, translate("sqlite.FindCheckpoint", err, "", "")
}

// ListCheckpoints implements liaison.Tx.
func (t *Tx) ListCheckpoints(ctx context.Context, before int64, limit int) ([]*liaison.Checkpoint, error) {
	if before <= 0 {
		before = 1 << 62
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	return list(ctx, t, "sqlite.ListCheckpoints",
		"SELECT size, root, note, created FROM audit_checkpoints WHERE size < ? ORDER BY size DESC LIMIT ?",
		[]any{before, limit}, scanCheckpoint)
}

// PutAuditKey implements liaison.Tx.
func (t *Tx) PutAuditKey(ctx context.Context, key string, at time.Time) error {
	return t.exec(ctx, "sqlite.PutAuditKey", "", "", false,
		"INSERT INTO audit_keys (verifier_key, created) VALUES (?, ?) ON CONFLICT DO NOTHING", key, us(at))
}

// ListAuditKeys implements liaison.Tx.
func (t *Tx) ListAuditKeys(ctx context.Context) ([]string, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT verifier_key FROM audit_keys ORDER BY created, verifier_key")
	if err != nil {
		return nil, translate("sqlite.ListAuditKeys", err, "", "")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, translate("sqlite.ListAuditKeys", err, "", "")
		}
		out = append(out, k)
	}
	return out, translate("sqlite.ListAuditKeys", rows.Err(), "", "")
}

const disseminationCols = `id, at, item_kind, item_id, recipient_user_id, recipient_agency_id, tlp, handling,
	sensitivity, originator_id, purpose, redacted, audit_event_id`

func scanDissemination(s scanner) (*liaison.Dissemination, error) {
	var d liaison.Dissemination
	var at int64
	if err := s.Scan(&d.ID, &at, &d.ItemKind, &d.ItemID, &d.RecipientUserID, &d.RecipientAgencyID, &d.Labels.TLP,
		&d.Labels.Handling, &d.Labels.Sensitivity, &d.Labels.Originator, &d.Purpose, &d.Redacted, &d.AuditEventID); err != nil {
		return nil, err
	}
	d.At = fromUS(at)
	return &d, nil
}

// CreateDissemination implements liaison.Tx.
func (t *Tx) CreateDissemination(ctx context.Context, d *liaison.Dissemination) error {
	const op = "sqlite.CreateDissemination"
	var one int
	err := t.tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = ? AND agency_id = ?", d.RecipientUserID, d.RecipientAgencyID).Scan(&one)
	if err == sql.ErrNoRows {
		return missingRef(op, "recipient_user_id", err)
	} else if err != nil {
		return translate(op, err, "", "")
	}
	return t.exec(ctx, op, "", "recipient_user_id", false,
		"INSERT INTO disseminations ("+disseminationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, us(d.At), d.ItemKind, d.ItemID, d.RecipientUserID, d.RecipientAgencyID, d.Labels.TLP, d.Labels.Handling,
		d.Labels.Sensitivity, d.Labels.Originator, d.Purpose, d.Redacted, d.AuditEventID)
}

// CreateDisseminations implements liaison.Tx.
func (t *Tx) CreateDisseminations(ctx context.Context, ds []*liaison.Dissemination) error {
	const op = "sqlite.CreateDisseminations"
	checked := map[[2]liaison.ID]bool{}
	for _, d := range ds {
		k := [2]liaison.ID{d.RecipientUserID, d.RecipientAgencyID}
		if !checked[k] {
			var one int
			err := t.tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = ? AND agency_id = ?", d.RecipientUserID, d.RecipientAgencyID).Scan(&one)
			if err == sql.ErrNoRows {
				return missingRef(op, "recipient_user_id", err)
			} else if err != nil {
				return translate(op, err, "", "")
			}
			checked[k] = true
		}
		if err := t.exec(ctx, op, "", "recipient_user_id", false,
			"INSERT INTO disseminations ("+disseminationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			d.ID, us(d.At), d.ItemKind, d.ItemID, d.RecipientUserID, d.RecipientAgencyID, d.Labels.TLP, d.Labels.Handling,
			d.Labels.Sensitivity, d.Labels.Originator, d.Purpose, d.Redacted, d.AuditEventID); err != nil {
			return err
		}
	}
	return nil
}

// ListDisseminations implements liaison.Tx.
func (t *Tx) ListDisseminations(ctx context.Context, f liaison.DisseminationFilter, p liaison.Page) ([]*liaison.Dissemination, error) {
	var q query
	if f.ItemID != "" {
		q.add("item_id = ?", f.ItemID)
	}
	if f.RecipientAgencyID != "" {
		q.add("recipient_agency_id = ?", f.RecipientAgencyID)
	}
	if f.OriginatorID != "" {
		q.add("originator_id = ?", f.OriginatorID)
	}
	if !f.Since.IsZero() {
		q.add("at >= ?", us(f.Since))
	}
	if !f.Until.IsZero() {
		q.add("at < ?", us(f.Until))
	}
	s, args := q.page("SELECT "+disseminationCols+" FROM disseminations", p)
	return list(ctx, t, "sqlite.ListDisseminations", s, args, scanDissemination)
}
