package postgres

import (
	"context"
	"encoding/json"

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
	return t.putSARShares(ctx, op, r)
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
