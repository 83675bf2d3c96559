package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
)

func (t *Tx) putAssignments(ctx context.Context, op string, c *liaison.Case) error {
	if err := t.exec(ctx, op, false, "DELETE FROM case_assignments WHERE case_id = $1", uid(c.ID)); err != nil {
		return err
	}
	if len(c.Assigned) == 0 {
		return nil
	}
	return t.exec(ctx, op, false, "INSERT INTO case_assignments (case_id, user_id) SELECT $1, unnest($2::uuid[])",
		uid(c.ID), uids(c.Assigned))
}

// CreateCase implements liaison.Tx.
func (t *Tx) CreateCase(ctx context.Context, c *liaison.Case) error {
	const op = "postgres.CreateCase"
	if err := t.exec(ctx, op, false, "INSERT INTO cases (id, title, agency_id, created, updated) VALUES ($1, $2, $3, $4, $5)",
		uid(c.ID), c.Title, uid(c.AgencyID), c.Created, c.Updated); err != nil {
		return err
	}
	return t.putAssignments(ctx, op, c)
}

// UpdateCase implements liaison.Tx.
func (t *Tx) UpdateCase(ctx context.Context, c *liaison.Case) error {
	const op = "postgres.UpdateCase"
	if err := t.exec(ctx, op, true, "UPDATE cases SET title = $1, updated = $2 WHERE id = $3", c.Title, c.Updated, uid(c.ID)); err != nil {
		return err
	}
	return t.putAssignments(ctx, op, c)
}

// FindCaseByID implements liaison.Tx.
func (t *Tx) FindCaseByID(ctx context.Context, id liaison.ID) (*liaison.Case, error) {
	const op = "postgres.FindCaseByID"
	var c liaison.Case
	err := t.tx.QueryRow(ctx, `SELECT id::text, title, agency_id::text, created, updated,
		ARRAY(SELECT user_id::text FROM case_assignments WHERE case_id = cases.id ORDER BY user_id::text)
		FROM cases WHERE id = $1`, uid(id)).Scan(&c.ID, &c.Title, &c.AgencyID, &c.Created, &c.Updated, &c.Assigned)
	if err != nil {
		return nil, translate(op, err)
	}
	return &c, nil
}

// ListUserCases implements liaison.Tx.
func (t *Tx) ListUserCases(ctx context.Context, userID liaison.ID) ([]liaison.ID, error) {
	rows, err := t.tx.Query(ctx, "SELECT case_id::text FROM case_assignments WHERE user_id = $1 ORDER BY case_id::text", uid(userID))
	if err != nil {
		return nil, translate("postgres.ListUserCases", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate("postgres.ListUserCases", err)
	}
	return orEmpty(out), nil
}

func (t *Tx) putIntelSets(ctx context.Context, op string, r *liaison.IntelRecord) error {
	for _, q := range []string{"DELETE FROM intel_shares WHERE record_id = $1", "DELETE FROM intel_recipients WHERE record_id = $1"} {
		if err := t.exec(ctx, op, false, q, uid(r.ID)); err != nil {
			return err
		}
	}
	if err := t.exec(ctx, op, false, "INSERT INTO intel_shares (record_id, community_id) SELECT $1, unnest($2::text[])",
		uid(r.ID), orEmpty(r.SharedWith)); err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO intel_recipients (record_id, user_id) SELECT $1, unnest($2::text[])",
		uid(r.ID), orEmpty(r.Recipients))
}

// CreateIntelRecord implements liaison.Tx.
func (t *Tx) CreateIntelRecord(ctx context.Context, r *liaison.IntelRecord) error {
	const op = "postgres.CreateIntelRecord"
	body, err := json.Marshal(r)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	if err := t.exec(ctx, op, false,
		`INSERT INTO intel_records (id, version, originator_id, case_id, tlp_rank, retain_until, body, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		uid(r.ID), r.Version, uid(r.Originator), uid(r.CaseID), r.TLP.Rank(), r.RetainUntil, body, r.Created, r.Updated); err != nil {
		return err
	}
	if err := t.exec(ctx, op, false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES ($1, $2, $3, $4)",
		uid(r.ID), r.Version, body, r.Updated); err != nil {
		return err
	}
	return t.putIntelSets(ctx, op, r)
}

// UpdateIntelRecord implements liaison.Tx.
func (t *Tx) UpdateIntelRecord(ctx context.Context, r *liaison.IntelRecord) error {
	const op = "postgres.UpdateIntelRecord"
	var version int
	if err := t.tx.QueryRow(ctx, "SELECT version FROM intel_records WHERE id = $1 FOR UPDATE", uid(r.ID)).Scan(&version); err != nil {
		return translate(op, err)
	}
	if r.Version != version+1 {
		return conflict(op, "version", nil)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	if err := t.exec(ctx, op, true,
		"UPDATE intel_records SET version = $1, case_id = $2, tlp_rank = $3, retain_until = $4, body = $5, updated = $6 WHERE id = $7",
		r.Version, uid(r.CaseID), r.TLP.Rank(), r.RetainUntil, body, r.Updated, uid(r.ID)); err != nil {
		return err
	}
	if err := t.exec(ctx, op, false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES ($1, $2, $3, $4)",
		uid(r.ID), r.Version, body, r.Updated); err != nil {
		return err
	}
	return t.putIntelSets(ctx, op, r)
}

func scanIntel(s scanner) (*liaison.IntelRecord, error) {
	var body []byte
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var r liaison.IntelRecord
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindIntelRecord implements liaison.Tx.
func (t *Tx) FindIntelRecord(ctx context.Context, id liaison.ID) (*liaison.IntelRecord, error) {
	r, err := scanIntel(t.tx.QueryRow(ctx, "SELECT body FROM intel_records WHERE id = $1", uid(id)))
	return r, translate("postgres.FindIntelRecord", err)
}

// ListIntelVersions implements liaison.Tx.
func (t *Tx) ListIntelVersions(ctx context.Context, id liaison.ID) ([]*liaison.IntelRecord, error) {
	return list(ctx, t, "postgres.ListIntelVersions", "SELECT body FROM intel_versions WHERE record_id = $1 ORDER BY version", []any{uid(id)}, scanIntel)
}

// ListIntelRecords implements liaison.Tx.
func (t *Tx) ListIntelRecords(ctx context.Context, f liaison.IntelFilter, p liaison.Page) ([]*liaison.IntelRecord, error) {
	var q query
	if f.Originator != "" {
		q.add("originator_id = $%d", uid(f.Originator))
	}
	if f.CaseID != "" {
		q.add("case_id = $%d", uid(f.CaseID))
	}
	if v := f.Visible; v != nil {
		var or []string
		q.args = append(q.args, uid(v.Agency))
		or = append(or, "originator_id = $"+itoa(len(q.args)))
		q.args = append(q.args, orEmpty(v.Communities))
		or = append(or, "(tlp_rank <= 2 AND EXISTS (SELECT 1 FROM intel_shares s WHERE s.record_id = intel_records.id AND s.community_id = ANY($"+itoa(len(q.args))+")))")
		q.args = append(q.args, v.UserID)
		or = append(or, "EXISTS (SELECT 1 FROM intel_recipients r WHERE r.record_id = intel_records.id AND r.user_id = $"+itoa(len(q.args))+")")
		q.args = append(q.args, uids(orEmpty(v.Granted)))
		or = append(or, "id = ANY($"+itoa(len(q.args))+")")
		q.where = append(q.where, "("+strings.Join(or, " OR ")+")")
	}
	s, args := q.page("SELECT body FROM intel_records", p)
	return list(ctx, t, "postgres.ListIntelRecords", s, args, scanIntel)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// ListIntelDue implements liaison.Tx.
func (t *Tx) ListIntelDue(ctx context.Context, before time.Time, limit int) ([]*liaison.IntelRecord, error) {
	return list(ctx, t, "postgres.ListIntelDue",
		"SELECT body FROM intel_records WHERE retain_until < $1 AND coalesce((body->>'purged')::boolean, false) = false ORDER BY retain_until, id LIMIT $2",
		[]any{before, limit}, scanIntel)
}

// PurgeIntelRecord implements liaison.Tx.
func (t *Tx) PurgeIntelRecord(ctx context.Context, tomb *liaison.IntelRecord) error {
	const op = "postgres.PurgeIntelRecord"
	body, err := json.Marshal(tomb)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	if err := t.exec(ctx, op, true, "UPDATE intel_records SET version = $1, body = $2, updated = $3 WHERE id = $4",
		tomb.Version, body, tomb.Updated, uid(tomb.ID)); err != nil {
		return err
	}
	if err := t.exec(ctx, op, false, "UPDATE intel_versions SET body = $1 WHERE record_id = $2", body, uid(tomb.ID)); err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO intel_versions (record_id, version, body, created) VALUES ($1, $2, $3, $4)",
		uid(tomb.ID), tomb.Version, body, tomb.Updated)
}
