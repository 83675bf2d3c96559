package storetest

import (
	"context"
	"testing"
	"time"

	"liaison"
)

// testImportJobs: a job is stored, overwritten as it progresses, found
// whole, refused for an unknown owner and deleted once stale.
func testImportJobs(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	u := NewUser("importer", a)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		return tx.CreateUser(ctx, u)
	}))
	j := &liaison.ImportJob{ID: liaison.NewID(), OwnerID: u.ID, Name: "reports.csv", Format: "csv", Size: 2048,
		Node: "node-a", Started: epoch, Updated: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.PutImportJob(ctx, j) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindImportJob(ctx, j.ID)
		must(t, err)
		equal(t, "started job", got, j)
		return nil
	})
	done := epoch.Add(time.Minute)
	j.Read, j.Rows, j.Updated, j.Finished = 2048, 12, done, &done
	j.Report = &liaison.ImportReport{Imported: 10, Skipped: 1, Errors: []liaison.RowError{{Row: 7, Field: "when", Message: "must be a time"}}}
	j.Error = "row 12: stopped"
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.PutImportJob(ctx, j) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindImportJob(ctx, j.ID)
		must(t, err)
		equal(t, "finished job", got, j)
		_, err = tx.FindImportJob(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		_, err = tx.FindImportJob(ctx, "not-an-id")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
	stranger := &liaison.ImportJob{ID: liaison.NewID(), OwnerID: liaison.NewID(), Started: epoch, Updated: epoch}
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.PutImportJob(ctx, stranger) }), liaison.EINVALID, "owner_id")

	other := &liaison.ImportJob{ID: liaison.NewID(), OwnerID: u.ID, Name: "old.json", Format: "json", Started: epoch, Updated: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.PutImportJob(ctx, other) }))
	must(t, update(t, s, func(tx liaison.Tx) error {
		n, err := tx.DeleteImportJobs(ctx, epoch.Add(time.Second))
		must(t, err)
		if n != 1 {
			t.Errorf("deleted %d stale jobs, want 1", n)
		}
		return nil
	}))
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindImportJob(ctx, other.ID)
		wantErr(t, err, liaison.ENOTFOUND, "")
		_, err = tx.FindImportJob(ctx, j.ID)
		must(t, err)
		return nil
	})
}
