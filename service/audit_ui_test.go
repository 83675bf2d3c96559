package service_test

import (
	"testing"

	"liaison"
)

// TestAuditEntry: the auditor's entry page reads one entry by index; only
// auditors and privacy officers may, refusals and reads are audited, and
// an index past the log names the field and the log's size.
func TestAuditEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("SFC")
	auditor := e.userIn(ag, "aud", liaison.RoleAuditor)
	privacy := e.userIn(ag, "priv", liaison.RolePrivacyOfficer)
	analyst := e.userIn(ag, "ana", liaison.RoleAnalyst)
	admin := e.userIn(ag, "adm", liaison.RoleAdmin)

	for _, u := range []*liaison.User{auditor, privacy} {
		ev, size, err := e.svc.AuditEntry(e.as(u), 0)
		must(t, err)
		if ev.Index != 0 || size < 1 {
			t.Fatalf("%s: entry 0 = %+v, size %d", u.Login, ev, size)
		}
		ev, _, err = e.svc.AuditEntry(e.as(u), 2)
		must(t, err)
		if ev.Index != 2 {
			t.Fatalf("entry 2 has index %d", ev.Index)
		}
	}
	if got := e.audit(liaison.AuditFilter{UserID: auditor.ID, Action: "audit.read", ObjectID: "2"}); len(got) != 1 {
		t.Fatalf("the auditor's read of entry 2 left %d entries, want 1", len(got))
	}
	_, _, err := e.svc.AuditEntry(e.as(auditor), 1_000_000)
	wantErr(t, err, liaison.EINVALID, "index")
	_, _, err = e.svc.AuditEntry(e.as(auditor), -1)
	wantErr(t, err, liaison.EINVALID, "index")

	for _, u := range []*liaison.User{analyst, admin} {
		_, _, err := e.svc.AuditEntry(e.as(u), 0)
		wantErr(t, err, liaison.EFORBIDDEN, "")
		if err := e.svc.RequireAuditor(e.as(u), "audit.checkpoints"); liaison.ErrorCode(err) != liaison.EFORBIDDEN {
			t.Fatalf("%s passes RequireAuditor: %v", u.Login, err)
		}
		for _, action := range []string{"audit.read", "audit.checkpoints"} {
			if got := e.audit(liaison.AuditFilter{UserID: u.ID, Action: action, Outcome: liaison.OutcomeDenied}); len(got) != 1 {
				t.Fatalf("%s refused %s: %d denied entries, want 1", u.Login, action, len(got))
			}
		}
	}
	if err := e.svc.RequireAuditor(e.as(privacy), "audit.checkpoints"); err != nil {
		t.Fatal(err)
	}
}
