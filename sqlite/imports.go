package sqlite

import (
	"context"
	"time"

	"liaison"
)

// PutImportJob implements liaison.Tx.
func (t *Tx) PutImportJob(ctx context.Context, j *liaison.ImportJob) error {
	return t.exec(ctx, "sqlite.PutImportJob", "", "owner_id", false,
		`INSERT INTO import_jobs (id, owner_id, updated, body) VALUES (?, ?, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET updated = excluded.updated, body = excluded.body`,
		j.ID, j.OwnerID, us(j.Updated), mustJSON(j))
}

// FindImportJob implements liaison.Tx.
func (t *Tx) FindImportJob(ctx context.Context, id liaison.ID) (*liaison.ImportJob, error) {
	j, err := scanBody[liaison.ImportJob](t.tx.QueryRowContext(ctx, "SELECT body FROM import_jobs WHERE id = ?", id))
	return j, translate("sqlite.FindImportJob", err, "", "")
}

// DeleteImportJobs implements liaison.Tx.
func (t *Tx) DeleteImportJobs(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.execContext(ctx, "DELETE FROM import_jobs WHERE updated < ?", us(before))
	if err != nil {
		return 0, translate("sqlite.DeleteImportJobs", err, "", "")
	}
	n, err := res.RowsAffected()
	return n, translate("sqlite.DeleteImportJobs", err, "", "")
}
