package postgres

import (
	"context"
	"time"

	"liaison"
)

// ScoreSearch implements liaison.Tx: ts_rank with the title weighted A,
// names B and the body D, computed for the given documents only.
func (t *Tx) ScoreSearch(ctx context.Context, terms []liaison.TextTerm, seqs []int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if len(terms) == 0 || len(seqs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT seq, ts_rank('{0.1, 0.2, 0.5, 1.0}', tsv, q) FROM search_docs, to_tsquery('english', $1) AS q
		WHERE seq = ANY($2) AND tsv @@ q`, TSQuery(terms), seqs)
	if err != nil {
		return nil, translate("postgres.ScoreSearch", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var score float32
		if err := rows.Scan(&seq, &score); err != nil {
			return nil, translate("postgres.ScoreSearch", err)
		}
		out[seq] = float64(score)
	}
	return out, translate("postgres.ScoreSearch", rows.Err())
}

// DeletePointers implements liaison.Tx.
func (t *Tx) DeletePointers(ctx context.Context, before time.Time) (int64, error) {
	tag, err := t.tx.Exec(ctx, "DELETE FROM pointers WHERE created < $1", before)
	if err != nil {
		return 0, translate("postgres.DeletePointers", err)
	}
	return tag.RowsAffected(), nil
}

// FindSARs implements liaison.Tx.
func (t *Tx) FindSARs(ctx context.Context, ids []liaison.ID) ([]*liaison.SAR, error) {
	return list(ctx, t, "postgres.FindSARs", "SELECT body FROM sars WHERE id = ANY($1::uuid[])", []any{uids(ids)}, scanSAR)
}

// FindIntelRecords implements liaison.Tx.
func (t *Tx) FindIntelRecords(ctx context.Context, ids []liaison.ID) ([]*liaison.IntelRecord, error) {
	return list(ctx, t, "postgres.FindIntelRecords", "SELECT body FROM intel_records WHERE id = ANY($1::uuid[])", []any{uids(ids)}, scanIntel)
}
