package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"liaison"
)

func (t *Tx) putAssignments(ctx context.Context, op string, c *liaison.Case) error {
	if err := t.exec(ctx, op, "", "", false, "DELETE FROM case_assignments WHERE case_id = ?", c.ID); err != nil {
		return err
	}
	for _, u := range c.Assigned {
		if err := t.exec(ctx, op, "assigned", "assigned", false,
			"INSERT INTO case_assignments (case_id, user_id) VALUES (?, ?)", c.ID, u); err != nil {
			return err
		}
	}
	return nil
}

// CreateCase implements liaison.Tx.
func (t *Tx) CreateCase(ctx context.Context, c *liaison.Case) error {
	const op = "sqlite.CreateCase"
	if err := t.exec(ctx, op, "id", "agency_id", false,
		"INSERT INTO cases (id, title, agency_id, created, updated) VALUES (?, ?, ?, ?, ?)",
		c.ID, c.Title, c.AgencyID, us(c.Created), us(c.Updated)); err != nil {
		return err
	}
	return t.putAssignments(ctx, op, c)
}

// UpdateCase implements liaison.Tx.
func (t *Tx) UpdateCase(ctx context.Context, c *liaison.Case) error {
	const op = "sqlite.UpdateCase"
	if err := t.exec(ctx, op, "", "", true, "UPDATE cases SET title = ?, updated = ? WHERE id = ?",
		c.Title, us(c.Updated), c.ID); err != nil {
		return err
	}
	return t.putAssignments(ctx, op, c)
}

// FindCaseByID implements liaison.Tx.
func (t *Tx) FindCaseByID(ctx context.Context, id liaison.ID) (*liaison.Case, error) {
	const op = "sqlite.FindCaseByID"
	var c liaison.Case
	var created, updated int64
	err := t.tx.QueryRowContext(ctx, "SELECT id, title, agency_id, created, updated FROM cases WHERE id = ?", id).
		Scan(&c.ID, &c.Title, &c.AgencyID, &created, &updated)
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	c.Created, c.Updated = fromUS(created), fromUS(updated)
	c.Assigned, err = t.ids(ctx, op, "SELECT user_id FROM case_assignments WHERE case_id = ? ORDER BY user_id", id)
	return &c, err
}

// ListUserCases implements liaison.Tx.
func (t *Tx) ListUserCases(ctx context.Context, userID liaison.ID) ([]liaison.ID, error) {
	return t.ids(ctx, "sqlite.ListUserCases", "SELECT case_id FROM case_assignments WHERE user_id = ? ORDER BY case_id", userID)
}

// ids runs a query returning one text column.
func (t *Tx) ids(ctx context.Context, op, q string, args ...any) ([]liaison.ID, error) {
	return listValues(ctx, t, op, q, args)
}

func listValues(ctx context.Context, t *Tx, op, q string, args []any) ([]liaison.ID, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	defer rows.Close()
	out := []liaison.ID{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, translate(op, err, "", "")
		}
		out = append(out, v)
	}
	return out, translate(op, rows.Err(), "", "")
}

func (t *Tx) putIntelSets(ctx context.Context, op string, r *liaison.IntelRecord) error {
	for _, q := range []string{"DELETE FROM intel_shares WHERE record_id = ?", "DELETE FROM intel_recipients WHERE record_id = ?"} {
		if err := t.exec(ctx, op, "", "", false, q, r.ID); err != nil {
			return err
		}
	}
	for _, c := range r.SharedWith {
		if err := t.exec(ctx, op, "shared_with", "", false, "INSERT INTO intel_shares (record_id, community_id) VALUES (?, ?)", r.ID, c); err != nil {
			return err
		}
	}
	for _, u := range r.Recipients {
		if err := t.exec(ctx, op, "recipients", "", false, "INSERT INTO intel_recipients (record_id, user_id) VALUES (?, ?)", r.ID, u); err != nil {
			return err
		}
	}
	return nil
}

// CreateIntelRecord implements liaison.Tx.
func (t *Tx) CreateIntelRecord(ctx context.Context, r *liaison.IntelRecord) error {
	const op = "sqlite.CreateIntelRecord"
	for _, ref := range []struct{ field, q, id string }{
		{"originator_agency_id", "SELECT 1 FROM agencies WHERE id = ?", r.Originator},
		{"case_id", "SELECT 1 FROM cases WHERE id = ?", r.CaseID}} {
		var one int
		if err := t.tx.QueryRowContext(ctx, ref.q, ref.id).Scan(&one); err == sql.ErrNoRows {
			return missingRef(op, ref.field, err)
		} else if err != nil {
			return translate(op, err, "", "")
		}
	}
	body := mustJSON(r)
	if err := t.exec(ctx, op, "id", "case_id", false,
		`INSERT INTO intel_records (id, version, originator_id, case_id, tlp_rank, retain_until, body, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Version, r.Originator, r.CaseID, r.TLP.Rank(), us(r.RetainUntil), body, us(r.Created), us(r.Updated)); err != nil {
		return err
	}
	if err := t.exec(ctx, op, "version", "", false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES (?, ?, ?, ?)",
		r.ID, r.Version, body, us(r.Updated)); err != nil {
		return err
	}
	return t.putIntelSets(ctx, op, r)
}

// UpdateIntelRecord implements liaison.Tx.
func (t *Tx) UpdateIntelRecord(ctx context.Context, r *liaison.IntelRecord) error {
	const op = "sqlite.UpdateIntelRecord"
	var version int
	if err := t.tx.QueryRowContext(ctx, "SELECT version FROM intel_records WHERE id = ?", r.ID).Scan(&version); err != nil {
		return translate(op, err, "", "")
	}
	if r.Version != version+1 {
		return conflict(op, "version", nil)
	}
	body := mustJSON(r)
	if err := t.exec(ctx, op, "", "case_id", true,
		"UPDATE intel_records SET version = ?, case_id = ?, tlp_rank = ?, retain_until = ?, body = ?, updated = ? WHERE id = ?",
		r.Version, r.CaseID, r.TLP.Rank(), us(r.RetainUntil), body, us(r.Updated), r.ID); err != nil {
		return err
	}
	if err := t.exec(ctx, op, "version", "", false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES (?, ?, ?, ?)",
		r.ID, r.Version, body, us(r.Updated)); err != nil {
		return err
	}
	return t.putIntelSets(ctx, op, r)
}

func scanIntel(s scanner) (*liaison.IntelRecord, error) {
	var body string
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var r liaison.IntelRecord
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindIntelRecord implements liaison.Tx.
func (t *Tx) FindIntelRecord(ctx context.Context, id liaison.ID) (*liaison.IntelRecord, error) {
	r, err := scanIntel(t.queryRowContext(ctx, "SELECT body FROM intel_records WHERE id = ?", id))
	return r, translate("sqlite.FindIntelRecord", err, "", "")
}

// ListIntelVersions implements liaison.Tx.
func (t *Tx) ListIntelVersions(ctx context.Context, id liaison.ID) ([]*liaison.IntelRecord, error) {
	return list(ctx, t, "sqlite.ListIntelVersions", "SELECT body FROM intel_versions WHERE record_id = ? ORDER BY version", []any{id}, scanIntel)
}

// ListIntelRecords implements liaison.Tx.
func (t *Tx) ListIntelRecords(ctx context.Context, f liaison.IntelFilter, p liaison.Page) ([]*liaison.IntelRecord, error) {
	var q query
	if f.Originator != "" {
		q.add("originator_id = ?", f.Originator)
	}
	if f.CaseID != "" {
		q.add("case_id = ?", f.CaseID)
	}
	if v := f.Visible; v != nil {
		var or []string
		var args []any
		or, args = append(or, "originator_id = ?"), append(args, v.Agency)
		if len(v.Communities) > 0 {
			// Correlated EXISTS: a primary-key probe per candidate row, so a page
			// costs the rows it scans, not every record ever shared.
			or = append(or, "(tlp_rank <= 2 AND EXISTS (SELECT 1 FROM intel_shares s WHERE s.record_id = intel_records.id AND s.community_id IN (?"+strings.Repeat(", ?", len(v.Communities)-1)+")))")
			for _, c := range v.Communities {
				args = append(args, c)
			}
		}
		or, args = append(or, "EXISTS (SELECT 1 FROM intel_recipients r WHERE r.record_id = intel_records.id AND r.user_id = ?)"), append(args, v.UserID)
		for _, g := range v.Granted {
			or, args = append(or, "id = ?"), append(args, g)
		}
		q.add("("+strings.Join(or, " OR ")+")", args...)
	}
	s, args := q.page("SELECT body FROM intel_records", p)
	return list(ctx, t, "sqlite.ListIntelRecords", s, args, scanIntel)
}

// ListIntelDue implements liaison.Tx.
func (t *Tx) ListIntelDue(ctx context.Context, before time.Time, limit int) ([]*liaison.IntelRecord, error) {
	return list(ctx, t, "sqlite.ListIntelDue",
		"SELECT body FROM intel_records WHERE retain_until < ? AND json_extract(body, '$.purged') IS NOT 1 ORDER BY retain_until, id LIMIT ?",
		[]any{us(before), limit}, scanIntel)
}

// PurgeIntelRecord implements liaison.Tx.
func (t *Tx) PurgeIntelRecord(ctx context.Context, tomb *liaison.IntelRecord) error {
	const op = "sqlite.PurgeIntelRecord"
	body := mustJSON(tomb)
	if err := t.exec(ctx, op, "", "", true, "UPDATE intel_records SET version = ?, body = ?, updated = ? WHERE id = ?",
		tomb.Version, body, us(tomb.Updated), tomb.ID); err != nil {
		return err
	}
	// Earlier versions hold the content too: they become the tombstone.
	if err := t.exec(ctx, op, "", "", false, "UPDATE intel_versions SET body = ? WHERE record_id = ?", body, tomb.ID); err != nil {
		return err
	}
	return t.exec(ctx, op, "version", "", false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES (?, ?, ?, ?)",
		tomb.ID, tomb.Version, body, us(tomb.Updated))
}
