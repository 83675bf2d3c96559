package service_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/audit"
	"liaison/service"
)

func TestQueryAuditOnlyForAuditors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("SFC")
	auditor := e.userIn(ag, "aud", liaison.RoleAuditor)
	privacy := e.userIn(ag, "priv", liaison.RolePrivacyOfficer)
	analyst := e.userIn(ag, "ana", liaison.RoleAnalyst)
	admin := e.userIn(ag, "adm", liaison.RoleAdmin)

	for _, u := range []*liaison.User{auditor, privacy} {
		evs, _, err := e.svc.QueryAudit(e.as(u), liaison.AuditFilter{ObjectID: ag.ID}, liaison.Page{})
		must(t, err)
		if len(evs) == 0 || evs[0].Action != "agency.create" {
			t.Fatalf("%s: who touched the agency = %v", u.Login, actions(evs))
		}
	}
	// Even an admin is refused: the audit log is for auditors.
	for _, u := range []*liaison.User{analyst, admin} {
		_, _, err := e.svc.QueryAudit(e.as(u), liaison.AuditFilter{}, liaison.Page{})
		wantErr(t, err, liaison.EFORBIDDEN, "")
		denied := e.audit(liaison.AuditFilter{UserID: u.ID, Action: "audit.query", Outcome: liaison.OutcomeDenied})
		if len(denied) != 1 {
			t.Fatalf("%s's refused query left %d denied entries, want 1", u.Login, len(denied))
		}
	}
	_, _, err := e.svc.QueryAudit(e.anon, liaison.AuditFilter{}, liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	// The auditors' own queries are audited, with what they asked.
	own := e.audit(liaison.AuditFilter{UserID: auditor.ID, Action: "audit.query"})
	if len(own) != 1 || own[0].Details["object_id"] != ag.ID || own[0].Outcome != liaison.OutcomeSuccess {
		t.Fatalf("auditor's query audit = %+v", own)
	}
}

func TestQueryAuditFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("SFC")
	auditor := e.userIn(ag, "aud", liaison.RoleAuditor)
	admin := e.userIn(ag, "adm", liaison.RoleAdmin)
	weekAgo := e.clock.Now()
	e.clock.Add(24 * time.Hour)
	for i := range 3 {
		_, err := e.svc.CreateAgency(e.as(admin), liaison.AgencyInput{Code: "PD" + string(rune('A'+i)), Name: "PD", Kind: liaison.AgencyLocal, Country: "US"})
		must(t, err)
	}
	e.clock.Add(8 * 24 * time.Hour)
	ctx := e.as(auditor)

	// Everything the admin did last week.
	evs, next, err := e.svc.QueryAudit(ctx, liaison.AuditFilter{UserID: admin.ID, Since: weekAgo, Until: weekAgo.AddDate(0, 0, 7)}, liaison.Page{Limit: 2})
	must(t, err)
	if len(evs) != 2 || next == "" {
		t.Fatalf("first page = %v, next %q", actions(evs), next)
	}
	rest, next2, err := e.svc.QueryAudit(ctx, liaison.AuditFilter{UserID: admin.ID, Since: weekAgo, Until: weekAgo.AddDate(0, 0, 7)}, liaison.Page{Limit: 2, After: next})
	must(t, err)
	if len(rest) != 1 || next2 != "" || rest[0].Index <= evs[1].Index {
		t.Fatalf("second page = %+v, next %q", rest, next2)
	}
	// A range with no entries is an empty answer, not an error.
	none, _, err := e.svc.QueryAudit(ctx, liaison.AuditFilter{Since: weekAgo.AddDate(-1, 0, 0), Until: weekAgo.AddDate(-1, 0, 1)}, liaison.Page{})
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("empty range = %#v", none)
	}
	_, _, err = e.svc.QueryAudit(ctx, liaison.AuditFilter{Since: weekAgo, Until: weekAgo.Add(-time.Hour)}, liaison.Page{})
	wantErr(t, err, liaison.EINVALID, "until")
	_, _, err = e.svc.QueryAudit(ctx, liaison.AuditFilter{}, liaison.Page{After: "not-a-cursor"})
	wantErr(t, err, liaison.EINVALID, "cursor")
}

func TestAuditReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("SFC")
	auditor := e.userIn(ag, "aud", liaison.RoleAuditor)
	admin := e.userIn(ag, "adm", liaison.RoleAdmin)
	officer := e.userIn(ag, "off", liaison.RoleOfficer)
	for range 5 {
		_, _ = e.svc.Login(e.anon, "off", "wrong password again")
	}
	_, err := e.svc.UpdateUser(e.as(admin), officer.ID, liaison.UserUpdate{Roles: &[]liaison.Role{liaison.RoleSupervisor}})
	must(t, err)
	_, _ = e.svc.CreateAgency(e.as(officer), liaison.AgencyInput{Code: "NOPE", Name: "x", Kind: liaison.AgencyLocal, Country: "US"})

	r, err := e.svc.AuditReview(e.as(auditor), time.Time{}, time.Time{})
	must(t, err)
	got := strings.Join(actions(r.Notable), " ")
	for _, want := range []string{"login.failure", "account.lock", "user.permissions", "agency.create"} {
		if !strings.Contains(got, want) {
			t.Errorf("review lacks %s: %s", want, got)
		}
	}
	var failures int64
	for _, c := range r.Totals {
		if c.Action == "login.failure" {
			failures += c.Count
		}
	}
	if failures != 5 {
		t.Errorf("review counts %d login failures, want 5", failures)
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "audit.review", UserID: auditor.ID})); n != 1 {
		t.Errorf("the review itself left %d audit entries, want 1", n)
	}
	_, err = e.svc.AuditReview(e.as(admin), time.Time{}, time.Time{})
	wantErr(t, err, liaison.EFORBIDDEN, "")
}

// TestReleaseWritesTheLedger: every read path hands items over through
// the one release function, which names every released item in its audit
// entry (so the auditor's query by item finds reads through lists, graphs
// and searches too) and ledgers each release outside the originator.
func TestReleaseWritesTheLedger(t *testing.T) {
	t.Parallel()
	w := newGraphWorld(t)
	rec := w.a
	purpose := liaison.PurposeCounterterrorism
	reads := []struct {
		name, action string
		read         func(u *liaison.User) error
	}{
		{"get", "intel.read", func(u *liaison.User) error { _, _, err := w.svc.GetIntelRecord(w.as(u), rec.ID, purpose); return err }},
		{"list", "intel.list", func(u *liaison.User) error {
			_, _, err := w.svc.ListIntelRecords(w.as(u), "", purpose, liaison.Page{})
			return err
		}},
		{"history", "intel.history", func(u *liaison.User) error { _, err := w.svc.IntelHistory(w.as(u), rec.ID, purpose); return err }},
		{"graph", "intel.graph", func(u *liaison.User) error { _, err := w.graph(u, rec, 0, 1); return err }},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			before := len(w.ledger(rec.ID))
			must(t, r.read(w.writer))  // the originator's own staff: audited, not a dissemination
			must(t, r.read(w.partner)) // a partner without PII rights: a redacted dissemination
			evs := w.audit(liaison.AuditFilter{Action: r.action, ObjectID: rec.ID})
			var byWriter, byPartner *liaison.AuditEvent
			for _, e := range evs {
				switch e.UserID {
				case w.writer.ID:
					byWriter = e
				case w.partner.ID:
					byPartner = e
				}
			}
			if byWriter == nil || byPartner == nil {
				t.Fatalf("the audit log's query by item finds %d %s entries (writer %v, partner %v), want both reads", len(evs), r.action, byWriter != nil, byPartner != nil)
			}
			ledger := w.ledger(rec.ID)
			if len(ledger) != before+1 {
				t.Fatalf("ledger rows %d -> %d, want one more (the partner's)", before, len(ledger))
			}
			got := ledger[len(ledger)-1]
			if got.RecipientUserID != w.partner.ID || !got.Redacted || got.Labels.TLP != "AMBER" || got.AuditEventID != byPartner.ID {
				t.Fatalf("ledger row = %+v, want the partner's redacted release pointing at audit entry %s", got, byPartner.ID)
			}
		})
	}
}

func TestTransparencyReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	skey, vkey, _ := note.GenerateKey(rand.Reader, "node")
	signer, err := audit.NewSigner(skey)
	must(t, err)
	signer.VerifierKey = vkey
	e.svc.Signer = signer
	add := func(action string, n int, at time.Time) {
		for range n {
			must(t, e.store.Update(context.Background(), func(tx liaison.Tx) error {
				ev := &liaison.AuditEvent{ID: liaison.NewID(), At: at, Actor: "officer.secret.name", UserID: "u-secret",
					Action: action, ObjectID: "sar-secret", Outcome: liaison.OutcomeSuccess}
				return audit.Append(context.Background(), tx, ev)
			}))
		}
	}
	now := e.clock.Now()
	add("sar.submit", 7, now)
	add("sar.share", 2, now)
	add("sar.reject", 5, now.AddDate(0, -1, 0))
	_, err = e.svc.SignCheckpoint(e.sys)
	must(t, err)

	e.clock.Add(10 * 24 * time.Hour) // the month closes: only closed months are published
	r, err := e.svc.TransparencyReport(e.anon, 3)
	must(t, err)
	cell := func(month, measure string) service.TransparencyRow {
		for _, row := range r.Rows {
			if row.Month == month && row.Measure == measure {
				return row
			}
		}
		t.Fatalf("no row %s %s", month, measure)
		return service.TransparencyRow{}
	}
	this, last := now.Format("2006-01"), now.AddDate(0, -1, 0).Format("2006-01")
	if c := cell(this, "SARs received"); c.Count == nil || *c.Count != 7 {
		t.Errorf("SARs received this month = %+v, want 7", c)
	}
	if c := cell(this, "SARs shared"); !c.Suppressed || c.Count != nil {
		t.Errorf("2 SARs shared = %+v, want suppressed", c)
	}
	if c := cell(last, "SARs rejected"); c.Count == nil || *c.Count != 5 {
		t.Errorf("SARs rejected last month = %+v, want 5", c)
	}
	if c := cell(last, "SARs received"); c.Count == nil || *c.Count != 0 || c.Suppressed {
		t.Errorf("zero = %+v, want a shown 0", c)
	}
	if len(r.Checkpoints) != 1 || len(r.VerifierKeys) != 1 {
		t.Fatalf("checkpoints %d, keys %d, want 1 each", len(r.Checkpoints), len(r.VerifierKeys))
	}
	b, _ := json.Marshal(r)
	for _, secret := range []string{"officer.secret.name", "u-secret", "sar-secret"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the public report contains %q", secret)
		}
	}
}

// failingStore refuses every audit append, as a full disk would.
type failingStore struct{ liaison.Store }

type failingTx struct{ liaison.Tx }

func (s failingStore) Update(ctx context.Context, fn func(liaison.Tx) error) error {
	return s.Store.Update(ctx, func(tx liaison.Tx) error { return fn(failingTx{tx}) })
}

func (failingTx) QueueAuditEvent(context.Context, *liaison.AuditEvent) error {
	return &liaison.Error{Code: liaison.EINTERNAL, Err: errors.New("disk full")}
}

func TestAuditWriteFailureFailsTheActAndAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := service.New(failingStore{e.store})
	svc.Now = e.svc.Now
	_, err := svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "GHOST", Name: "Ghost", Kind: liaison.AgencyLocal, Country: "US"})
	wantErr(t, err, liaison.EINTERNAL, "")
	if _, err := e.svc.FindAgency(e.sys, "GHOST"); liaison.ErrorCode(err) != liaison.ENOTFOUND {
		t.Fatalf("the agency exists although its audit entry failed: %v", err)
	}
	alerts, total := svc.Alerts.Recent()
	if total != 1 || !strings.Contains(alerts[0].Message, "agency.create") {
		t.Fatalf("alerts = %+v (%d)", alerts, total)
	}
}
