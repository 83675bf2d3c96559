package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"liaison"
)

func (t *Tx) putSARShares(ctx context.Context, op string, r *liaison.SAR) error {
	if err := t.exec(ctx, op, false, "DELETE FROM sar_shares WHERE sar_id = $1", uid(r.ID)); err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO sar_shares (sar_id, community_id) SELECT $1, unnest($2::text[])", uid(r.ID), orEmpty(r.SharedWith))
}

// CreateSAR implements liaison.Tx.
func (t *Tx) CreateSAR(ctx context.Context, r *liaison.SAR) error {
	const op = "postgres.CreateSAR"
	body, err := json.Marshal(r)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	if err := t.exec(ctx, op, false,
		"INSERT INTO sars (id, agency_id, author_id, state, tlp_rank, body, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		uid(r.ID), uid(r.AgencyID), r.AuthorID, string(r.State), r.TLP.Rank(), body, r.Created, r.Updated); err != nil {
		return err
	}
	if len(r.SharedWith) == 0 { // a new report has no earlier shares to clear
		return nil
	}
	return t.exec(ctx, op, false, "INSERT INTO sar_shares (sar_id, community_id) SELECT $1, unnest($2::text[])", uid(r.ID), r.SharedWith)
}

// CreateSARs implements liaison.Tx: one COPY for the reports, one
// statement for their shares.
func (t *Tx) CreateSARs(ctx context.Context, rs []*liaison.SAR) error {
	const op = "postgres.CreateSARs"
	rows := make([][]any, len(rs))
	var shareIDs []pgtype.UUID
	var shareComms []liaison.ID
	for i, r := range rs {
		body, err := json.Marshal(r)
		if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
		}
		id := uid(r.ID)
		if !id.Valid {
			return missingRef(op, "id", nil)
		}
		rows[i] = []any{id, uid(r.AgencyID), r.AuthorID, string(r.State), r.TLP.Rank(), body, r.Created, r.Updated}
		for _, c := range r.SharedWith {
			shareIDs, shareComms = append(shareIDs, id), append(shareComms, c)
		}
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"sars"},
		[]string{"id", "agency_id", "author_id", "state", "tlp_rank", "body", "created", "updated"}, pgx.CopyFromRows(rows)); err != nil {
		return translate(op, err)
	}
	if len(shareIDs) == 0 {
		return nil
	}
	return t.exec(ctx, op, false, "INSERT INTO sar_shares (sar_id, community_id) SELECT * FROM unnest($1::uuid[], $2::text[])",
		shareIDs, shareComms)
}

// UpdateSAR implements liaison.Tx.
func (t *Tx) UpdateSAR(ctx context.Context, r *liaison.SAR) error {
	const op = "postgres.UpdateSAR"
	body, err := json.Marshal(r)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	if err := t.exec(ctx, op, true, "UPDATE sars SET state = $1, tlp_rank = $2, body = $3, updated = $4 WHERE id = $5",
		string(r.State), r.TLP.Rank(), body, r.Updated, uid(r.ID)); err != nil {
		return err
	}
	return t.putSARShares(ctx, op, r)
}

func scanSAR(s scanner) (*liaison.SAR, error) {
	var body []byte
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var r liaison.SAR
	return &r, json.Unmarshal(body, &r)
}

// FindSAR implements liaison.Tx.
func (t *Tx) FindSAR(ctx context.Context, id liaison.ID) (*liaison.SAR, error) {
	r, err := scanSAR(t.tx.QueryRow(ctx, "SELECT body FROM sars WHERE id = $1", uid(id)))
	return r, translate("postgres.FindSAR", err)
}

// ListSARs implements liaison.Tx.
func (t *Tx) ListSARs(ctx context.Context, f liaison.SARFilter, p liaison.Page) ([]*liaison.SAR, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = $%d", uid(f.AgencyID))
	}
	if f.AuthorID != "" {
		q.add("author_id = $%d", f.AuthorID)
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		q.add("state = ANY($%d)", states)
	}
	if len(f.SharedWith) > 0 {
		q.add("tlp_rank <= 2 AND EXISTS (SELECT 1 FROM sar_shares s WHERE s.sar_id = sars.id AND s.community_id = ANY($%d))", f.SharedWith)
	}
	s, args := q.page("SELECT body FROM sars", p)
	return list(ctx, t, "postgres.ListSARs", s, args, scanSAR)
}

// PutSARReceipt implements liaison.Tx.
func (t *Tx) PutSARReceipt(ctx context.Context, hash string, sarID liaison.ID) error {
	return t.exec(ctx, "postgres.PutSARReceipt", false, "INSERT INTO sar_receipts (receipt_hash, sar_id) VALUES ($1, $2)", hash, uid(sarID))
}

// FindSARByReceipt implements liaison.Tx.
func (t *Tx) FindSARByReceipt(ctx context.Context, hash string) (*liaison.SAR, error) {
	r, err := scanSAR(t.tx.QueryRow(ctx,
		"SELECT s.body FROM sar_receipts r JOIN sars s ON s.id = r.sar_id WHERE r.receipt_hash = $1", hash))
	return r, translate("postgres.FindSARByReceipt", err)
}

// AttachToSAR implements liaison.Tx.
func (t *Tx) AttachToSAR(ctx context.Context, sarID liaison.ID, a *liaison.Attachment, data []byte) error {
	const op = "postgres.AttachToSAR"
	if err := t.exec(ctx, op, false,
		"INSERT INTO blobs (hash, content_type, size, data) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
		a.Hash, a.ContentType, a.Size, data); err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO sar_attachments (sar_id, hash, name, added, added_by) VALUES ($1, $2, $3, $4, $5)",
		uid(sarID), a.Hash, a.Name, a.Added, uid(a.AddedBy)) // uid: NULL when unknown
}

// ListSARAttachments implements liaison.Tx.
func (t *Tx) ListSARAttachments(ctx context.Context, sarID liaison.ID) ([]*liaison.Attachment, error) {
	return list(ctx, t, "postgres.ListSARAttachments", `SELECT a.hash, a.name, b.content_type, b.size, a.added, COALESCE(a.added_by::text, '')
		FROM sar_attachments a JOIN blobs b ON b.hash = a.hash WHERE a.sar_id = $1 ORDER BY a.added, a.hash`, []any{uid(sarID)},
		func(s scanner) (*liaison.Attachment, error) {
			var a liaison.Attachment
			return &a, s.Scan(&a.Hash, &a.Name, &a.ContentType, &a.Size, &a.Added, &a.AddedBy)
		})
}

// ReadSARAttachment implements liaison.Tx.
func (t *Tx) ReadSARAttachment(ctx context.Context, sarID liaison.ID, hash string) (*liaison.Attachment, []byte, error) {
	var a liaison.Attachment
	var data []byte
	err := t.tx.QueryRow(ctx, `SELECT a.hash, a.name, b.content_type, b.size, a.added, COALESCE(a.added_by::text, ''), b.data
		FROM sar_attachments a JOIN blobs b ON b.hash = a.hash WHERE a.sar_id = $1 AND a.hash = $2`, uid(sarID), hash).
		Scan(&a.Hash, &a.Name, &a.ContentType, &a.Size, &a.Added, &a.AddedBy, &data)
	if err != nil {
		return nil, nil, translate("postgres.ReadSARAttachment", err)
	}
	return &a, data, nil
}
