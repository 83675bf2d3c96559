package service_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

// waitImport polls a job as its owner until it has finished.
func waitImport(t *testing.T, e *env, ctx context.Context, id liaison.ID) *liaison.ImportJob {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		j, err := e.svc.ImportJob(ctx, id)
		must(t, err)
		if j.Finished != nil {
			return j
		}
	}
	t.Fatal("the import never finished")
	return nil
}

// TestImportJob: an import started in the background records its progress
// while it runs and its report at the end, is audited, is its owner's
// alone, shows as interrupted when its node stopped, and is forgotten a
// week after its last progress.
func TestImportJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("PD-JOB")
	officer, other := e.userIn(ag, "o.job"), e.userIn(ag, "o.other")
	ctx := e.as(officer)

	// The file arrives slowly: the job shows what has been read so far.
	pr, pw := io.Pipe()
	head := "title,narrative,why,when,address,lat,lon,categories\n" +
		"One,Narrative one,why,2026-11-20T10:00:00Z,1 Main St,,,photography\n"
	j, err := e.svc.StartSARImport(ctx, "../uploads/reports\x07.csv", "csv", 1000, pr)
	must(t, err)
	if j.Name != "reports.csv" || j.OwnerID != officer.ID || j.Finished != nil {
		t.Fatalf("started job %+v", j)
	}
	if _, err := pw.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := e.svc.ImportJob(ctx, j.ID)
		must(t, err)
		if got.Read == int64(len(head)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running job never recorded its progress: %+v", got)
		}
	}
	_, _ = pw.Write([]byte(",Narrative two,why,2026-11-20T11:00:00Z,2 Main St,,,photography\n"))
	pw.Close()
	done := waitImport(t, e, ctx, j.ID)
	if done.Report == nil || done.Report.Imported != 1 || len(done.Report.Errors) != 1 || done.Report.Errors[0].Field != "title" ||
		done.Rows != 2 || done.Error != "" || done.Interrupted {
		t.Fatalf("finished job %+v, report %+v", done, done.Report)
	}
	evs := e.audit(liaison.AuditFilter{Action: "sar.import"})
	if len(evs) != 1 || evs[0].Details["imported"] != "1" || evs[0].Details["row_errors"] != "1" || evs[0].UserID != officer.ID {
		t.Fatalf("audit of the import: %+v", evs)
	}

	// Nobody else sees it, and a bad format or missing sign-in starts nothing.
	_, err = e.svc.ImportJob(e.as(other), j.ID)
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.ImportJob(ctx, "not-an-id")
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.StartSARImport(ctx, "x.xml", "xml", 1, io.NopCloser(nil))
	wantErr(t, err, liaison.EINVALID, "format")
	_, err = e.svc.StartSARImport(e.anon, "x.csv", "csv", 1, io.NopCloser(nil))
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	// A job whose node stopped: it comes back interrupted.
	stale := &liaison.ImportJob{ID: liaison.NewID(), OwnerID: officer.ID, Name: "big.csv", Format: "csv", Size: 1 << 20, Read: 4096, Rows: 500,
		Started: e.clock.Now().Add(-10 * time.Minute), Updated: e.clock.Now().Add(-2 * time.Minute)}
	must(t, e.store.Update(context.Background(), func(tx liaison.Tx) error { return tx.PutImportJob(context.Background(), stale) }))
	got, err := e.svc.ImportJob(ctx, stale.ID)
	must(t, err)
	if !got.Interrupted || got.Error == "" || got.Finished != nil {
		t.Fatalf("stale job %+v", got)
	}

	// A week after its last progress, the next import forgets it.
	e.clock.Add(service.ImportJobTTL + time.Minute)
	j2, err := e.svc.StartSARImport(ctx, "again.csv", "csv", int64(len(head)), io.NopCloser(strings.NewReader(head)))
	must(t, err)
	waitImport(t, e, ctx, j2.ID)
	for _, id := range []liaison.ID{j.ID, stale.ID} {
		_, err = e.svc.ImportJob(ctx, id)
		wantErr(t, err, liaison.ENOTFOUND, "")
	}
}
