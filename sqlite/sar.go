package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"liaison"
)

func (t *Tx) putSARShares(ctx context.Context, op string, r *liaison.SAR) error {
	if err := t.exec(ctx, op, "", "", false, "DELETE FROM sar_shares WHERE sar_id = ?", r.ID); err != nil {
		return err
	}
	for _, c := range r.SharedWith {
		if err := t.exec(ctx, op, "shared_with", "", false, "INSERT INTO sar_shares (sar_id, community_id) VALUES (?, ?)", r.ID, c); err != nil {
			return err
		}
	}
	return nil
}

// insertSAR writes a new report and its shares (a new report has no
// earlier shares to clear).
func (t *Tx) insertSAR(ctx context.Context, op string, r *liaison.SAR) error {
	if err := t.exec(ctx, op, "id", "agency_id", false,
		"INSERT INTO sars (id, agency_id, author_id, state, tlp_rank, body, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.AgencyID, r.AuthorID, r.State, r.TLP.Rank(), mustJSON(r), us(r.Created), us(r.Updated)); err != nil {
		return err
	}
	for _, c := range r.SharedWith {
		if err := t.exec(ctx, op, "shared_with", "", false, "INSERT INTO sar_shares (sar_id, community_id) VALUES (?, ?)", r.ID, c); err != nil {
			return err
		}
	}
	return nil
}

// CreateSAR implements liaison.Tx.
func (t *Tx) CreateSAR(ctx context.Context, r *liaison.SAR) error {
	return t.insertSAR(ctx, "sqlite.CreateSAR", r)
}

// CreateSARs implements liaison.Tx: the statements are prepared once for
// the transaction.
func (t *Tx) CreateSARs(ctx context.Context, rs []*liaison.SAR) error {
	for _, r := range rs {
		if err := t.insertSAR(ctx, "sqlite.CreateSARs", r); err != nil {
			return err
		}
	}
	return nil
}

// UpdateSAR implements liaison.Tx.
func (t *Tx) UpdateSAR(ctx context.Context, r *liaison.SAR) error {
	const op = "sqlite.UpdateSAR"
	if err := t.exec(ctx, op, "", "", true, "UPDATE sars SET state = ?, tlp_rank = ?, body = ?, updated = ? WHERE id = ?",
		r.State, r.TLP.Rank(), mustJSON(r), us(r.Updated), r.ID); err != nil {
		return err
	}
	return t.putSARShares(ctx, op, r)
}

func scanSAR(s scanner) (*liaison.SAR, error) {
	var body string
	if err := s.Scan(&body); err != nil {
		return nil, err
	}
	var r liaison.SAR
	return &r, json.Unmarshal([]byte(body), &r)
}

// FindSAR implements liaison.Tx.
func (t *Tx) FindSAR(ctx context.Context, id liaison.ID) (*liaison.SAR, error) {
	r, err := scanSAR(t.queryRowContext(ctx, "SELECT body FROM sars WHERE id = ?", id))
	return r, translate("sqlite.FindSAR", err, "", "")
}

// ListSARs implements liaison.Tx.
func (t *Tx) ListSARs(ctx context.Context, f liaison.SARFilter, p liaison.Page) ([]*liaison.SAR, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	if f.AuthorID != "" {
		q.add("author_id = ?", f.AuthorID)
	}
	if len(f.States) > 0 {
		args := make([]any, len(f.States))
		for i, st := range f.States {
			args[i] = st
		}
		q.add("state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")", args...)
	}
	if len(f.SharedWith) > 0 {
		args := make([]any, len(f.SharedWith))
		for i, c := range f.SharedWith {
			args[i] = c
		}
		q.add("tlp_rank <= 2 AND EXISTS (SELECT 1 FROM sar_shares s WHERE s.sar_id = sars.id AND s.community_id IN (?"+
			strings.Repeat(", ?", len(f.SharedWith)-1)+"))", args...)
	}
	s, args := q.page("SELECT body FROM sars", p)
	return list(ctx, t, "sqlite.ListSARs", s, args, scanSAR)
}

// PutSARReceipt implements liaison.Tx.
func (t *Tx) PutSARReceipt(ctx context.Context, hash string, sarID liaison.ID) error {
	return t.exec(ctx, "sqlite.PutSARReceipt", "receipt", "sar_id", false,
		"INSERT INTO sar_receipts (receipt_hash, sar_id) VALUES (?, ?)", hash, sarID)
}

// FindSARByReceipt implements liaison.Tx.
func (t *Tx) FindSARByReceipt(ctx context.Context, hash string) (*liaison.SAR, error) {
	r, err := scanSAR(t.tx.QueryRowContext(ctx,
		"SELECT s.body FROM sar_receipts r JOIN sars s ON s.id = r.sar_id WHERE r.receipt_hash = ?", hash))
	return r, translate("sqlite.FindSARByReceipt", err, "", "")
}

// AttachToSAR implements liaison.Tx.
func (t *Tx) AttachToSAR(ctx context.Context, sarID liaison.ID, a *liaison.Attachment, data []byte) error {
	const op = "sqlite.AttachToSAR"
	if err := t.exec(ctx, op, "", "", false,
		"INSERT INTO blobs (hash, content_type, size, data) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
		a.Hash, a.ContentType, a.Size, data); err != nil {
		return err
	}
	var by any // NULL when unknown
	if a.AddedBy != "" {
		by = a.AddedBy
	}
	return t.exec(ctx, op, "sha256", "sar_id", false, "INSERT INTO sar_attachments (sar_id, hash, name, added, added_by) VALUES (?, ?, ?, ?, ?)",
		sarID, a.Hash, a.Name, us(a.Added), by)
}

// ListSARAttachments implements liaison.Tx.
func (t *Tx) ListSARAttachments(ctx context.Context, sarID liaison.ID) ([]*liaison.Attachment, error) {
	return list(ctx, t, "sqlite.ListSARAttachments", `SELECT a.hash, a.name, b.content_type, b.size, a.added, COALESCE(a.added_by, '')
		FROM sar_attachments a JOIN blobs b ON b.hash = a.hash WHERE a.sar_id = ? ORDER BY a.added, a.hash`, []any{sarID},
		func(s scanner) (*liaison.Attachment, error) {
			var a liaison.Attachment
			var added int64
			if err := s.Scan(&a.Hash, &a.Name, &a.ContentType, &a.Size, &added, &a.AddedBy); err != nil {
				return nil, err
			}
			a.Added = fromUS(added)
			return &a, nil
		})
}

// ReadSARAttachment implements liaison.Tx.
func (t *Tx) ReadSARAttachment(ctx context.Context, sarID liaison.ID, hash string) (*liaison.Attachment, []byte, error) {
	var a liaison.Attachment
	var added int64
	var data []byte
	err := t.tx.QueryRowContext(ctx, `SELECT a.hash, a.name, b.content_type, b.size, a.added, COALESCE(a.added_by, ''), b.data
		FROM sar_attachments a JOIN blobs b ON b.hash = a.hash WHERE a.sar_id = ? AND a.hash = ?`, sarID, hash).
		Scan(&a.Hash, &a.Name, &a.ContentType, &a.Size, &added, &a.AddedBy, &data)
	if err != nil {
		return nil, nil, translate("sqlite.ReadSARAttachment", err, "", "")
	}
	a.Added = fromUS(added)
	return &a, data, nil
}
