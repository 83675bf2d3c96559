package postgres

import (
	"context"
	"time"

	"liaison"
)

// PutImportJob implements liaison.Tx.
func (t *Tx) PutImportJob(ctx context.Context, j *liaison.ImportJob) error {
	const op = "postgres.PutImportJob"
	b, err := body(op, j)
	if err != nil {
		return err
	}
	return t.exec(ctx, op, false,
		`INSERT INTO import_jobs (id, owner_id, updated, body) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (id) DO UPDATE SET updated = excluded.updated, body = excluded.body`,
		uid(j.ID), uid(j.OwnerID), j.Updated, b)
}

// FindImportJob implements liaison.Tx.
func (t *Tx) FindImportJob(ctx context.Context, id liaison.ID) (*liaison.ImportJob, error) {
	j, err := scanBody[liaison.ImportJob](t.tx.QueryRow(ctx, "SELECT body FROM import_jobs WHERE id = $1", uid(id)))
	return j, translate("postgres.FindImportJob", err)
}

// DeleteImportJobs implements liaison.Tx.
func (t *Tx) DeleteImportJobs(ctx context.Context, before time.Time) (int64, error) {
	tag, err := t.tx.Exec(ctx, "DELETE FROM import_jobs WHERE updated < $1", before)
	if err != nil {
		return 0, translate("postgres.DeleteImportJobs", err)
	}
	return tag.RowsAffected(), nil
}
