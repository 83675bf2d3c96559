package service_test

import (
	"context"
	"slices"
	"testing"

	"liaison"
	"liaison/audit"
	"liaison/service"
)

// TestBulkFilingIsAuditedPerReport: a batch of reports is one audit entry
// per state (and one sar.submit entry for those submitted at once) naming
// every report, yet "who touched report X" finds it for each X, the log
// verifies, and the index over the named reports verifies.
func TestBulkFilingIsAuditedPerReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("PD-BULK")
	officer := e.userIn(ag, "o.bulk")
	auditor := e.userIn(ag, "a.bulk", liaison.RoleAuditor)
	in := service.GenerateSARs(5, 3)
	in[1].Submit, in[3].Submit = true, true
	filed, errs, err := e.svc.CreateSARs(e.as(officer), in)
	must(t, err)
	if len(errs) != 0 || len(filed) != 5 {
		t.Fatalf("filed %d, errors %v", len(filed), errs)
	}
	one, err := e.svc.CreateSAR(e.as(officer), in[0])
	must(t, err)

	all, _, err := e.svc.QueryAudit(e.as(auditor), liaison.AuditFilter{ObjectType: "sar"}, liaison.Page{})
	must(t, err)
	if got := actions(all); len(got) != 4 {
		t.Fatalf("entries = %v, want sar.create (drafts), sar.create and sar.submit (submitted), sar.create (single)", got)
	}
	for _, r := range filed {
		evs, _, err := e.svc.QueryAudit(e.as(auditor), liaison.AuditFilter{ObjectID: r.ID}, liaison.Page{})
		must(t, err)
		want := []string{"sar.create"}
		if r.State == liaison.SARSubmitted {
			want = append(want, "sar.submit")
		}
		if got := actions(evs); !slices.Equal(got, want) {
			t.Errorf("who touched %s (%s): %v, want %v", r.ID, r.State, got, want)
		}
		for _, ev := range evs {
			if ev.UserID != officer.ID || ev.Details["count"] == "" {
				t.Errorf("entry %+v: want the officer and a count", ev)
			}
		}
	}
	evs, _, err := e.svc.QueryAudit(e.as(auditor), liaison.AuditFilter{ObjectID: one.ID}, liaison.Page{})
	must(t, err)
	if len(evs) != 1 || evs[0].ObjectID != one.ID || evs[0].Details[liaison.AuditObjectsDetail] != "" {
		t.Fatalf("a single report's entry names it as its object: %+v", evs)
	}

	ctx := context.Background()
	if r, err := audit.Verify(ctx, e.store); err != nil || !r.OK {
		t.Fatalf("verify: %+v, %v", r, err)
	}
	if r, err := audit.VerifyIndex(ctx, e.store); err != nil || !r.OK {
		t.Fatalf("verify index: %+v, %v", r, err)
	}
}
