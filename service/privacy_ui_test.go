package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
)

// TestExplainAccessDetail: the privacy officer's explanation names the
// rules with their reasons, the agreement that applied and what a release
// would mask; the title shows only to the originator's officers.
func TestExplainAccessDetail(t *testing.T) {
	w := newSearchWorld(t)
	r := w.record("Baranov note", "Viktor Baranov called +1 202 555 0111.", liaison.TLPAmber, true,
		map[string]string{"name": "Viktor Baranov", "colour": "blue"}, nil)
	po := w.userIn(w.holder, "po", liaison.RolePrivacyOfficer)
	other := w.userIn(w.seeker, "po2", liaison.RolePrivacyOfficer)

	x, err := w.svc.ExplainAccessDetail(w.as(po), r.ID, "analyst", liaison.PurposeCounterterrorism)
	must(t, err)
	if !x.Decision.Allow || len(x.Rules) != 1 || x.Rules[0].ID != "partner-under-agreement" || x.Rules[0].Effect != "permit" ||
		!strings.Contains(x.Rules[0].Reason, "agreement in force") {
		t.Fatalf("decision %+v rules %+v", x.Decision, x.Rules)
	}
	if len(x.Agreements) != 1 || !x.Agreements[0].Applies || x.Record.Title != "Baranov note" || x.Communities[w.community.ID] != "Region" {
		t.Fatalf("agreements %+v record %+v", x.Agreements, x.Record)
	}
	if !strings.Contains(x.RedactionWhy, "in full") || x.Redacted != nil {
		t.Fatalf("full release expected: %q %v", x.RedactionWhy, x.Redacted)
	}
	// Another purpose: the agreement does not cover it, so nothing permits.
	x, err = w.svc.ExplainAccessDetail(w.as(po), r.ID, "analyst", liaison.PurposeCyberDefense)
	must(t, err)
	if x.Decision.Allow || x.Agreements[0].Applies || !strings.Contains(x.Agreements[0].Why, "purpose") {
		t.Fatalf("cyber_defense: %+v %+v %+v", x.Decision, x.Agreements, x.Record)
	}
	// Another agency's privacy officer explains only its own agency's
	// records: this one is answered exactly as a missing one.
	_, hidden := w.svc.ExplainAccessDetail(w.as(other), r.ID, "analyst", liaison.PurposeCounterterrorism)
	_, missing := w.svc.ExplainAccessDetail(w.as(other), liaison.NewID(), "analyst", liaison.PurposeCounterterrorism)
	wantErr(t, hidden, liaison.ENOTFOUND, "")
	if hidden.Error() != missing.Error() {
		t.Errorf("another agency's record answers %q, a missing one %q", hidden, missing)
	}

	wantErr(t, errOf(w.svc.ExplainAccessDetail(w.as(po), r.ID, "nobody", "")), liaison.EINVALID, "as")
	wantErr(t, errOf(w.svc.ExplainAccessDetail(w.as(po), liaison.NewID(), "analyst", "")), liaison.ENOTFOUND, "")
	wantErr(t, errOf(w.svc.ExplainAccessDetail(w.as(po), r.ID, "analyst", "gossip")), liaison.EINVALID, "purpose")
	wantErr(t, errOf(w.svc.ExplainAccessDetail(w.as(w.analyst), r.ID, "analyst", "")), liaison.EFORBIDDEN, "")
	if n := len(w.audit(liaison.AuditFilter{Action: "intel.explain"})); n != 6 {
		t.Errorf("%d intel.explain entries, want 6 (two answers, one refusal, three answered as missing)", n)
	}
}

func errOf[T any](_ T, err error) error { return err }

// TestRedactedFieldsNamed: a release without personal data names the
// masked attributes and texts, never their values.
func TestRedactedFieldsNamed(t *testing.T) {
	w := newSearchWorld(t)
	_, err := w.svc.UpdateAgreement(w.sys, mustAgreement(t, w), liaison.AgreementUpdate{PIIAllowed: new(false)})
	must(t, err)
	r := w.record("Baranov note", "Viktor Baranov called +1 202 555 0111.", liaison.TLPAmber, true,
		map[string]string{"name": "Viktor Baranov", "colour": "blue"}, nil)
	po := w.userIn(w.holder, "po", liaison.RolePrivacyOfficer)
	x, err := w.svc.ExplainAccessDetail(w.as(po), r.ID, "analyst", liaison.PurposeCounterterrorism)
	must(t, err)
	got := strings.Join(x.Redacted, " | ")
	if !x.Decision.Allow || !strings.Contains(got, "subject 1 (person): name") || strings.Contains(got, "colour") ||
		!strings.Contains(got, "narrative") || strings.Contains(got, "Baranov") || !strings.Contains(x.RedactionWhy, "removed") {
		t.Fatalf("redacted %q why %q", got, x.RedactionWhy)
	}
}

func mustAgreement(t *testing.T, w *searchWorld) liaison.ID {
	t.Helper()
	as, _, err := w.svc.ListAgreements(w.sys, liaison.AgreementFilter{AgencyID: w.seeker.ID}, liaison.Page{Limit: 10})
	must(t, err)
	return as[0].ID
}

// TestPurgePastRetentionOwnAgency: the dry run lists only the caller's
// agency's expired records; the purge takes exactly those, skipping one
// reviewed in between; purges are listed with their tombstones.
func TestPurgePastRetentionOwnAgency(t *testing.T) {
	w := newSearchWorld(t)
	po := w.userIn(w.holder, "po", liaison.RolePrivacyOfficer)
	a := w.record("Old note A", "Old.", liaison.TLPAmber, false, map[string]string{"name": "A"}, nil)
	b := w.record("Old note B", "Old.", liaison.TLPAmber, false, map[string]string{"name": "B"}, nil)
	c, err := w.svc.CreateCase(w.as(w.outside), liaison.CaseInput{Title: "Other"})
	must(t, err)
	_, err = w.svc.CreateIntelRecord(w.as(w.outside), liaison.IntelInput{Title: "Other agency's", Predicate: "x", LawfulCollection: true,
		Grading: liaison.Grading{Source: "B", Information: 2}, TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: c.ID,
		RetainUntil: w.clock.Now().AddDate(1, 0, 0)})
	must(t, err)
	w.clock.Add(366 * 24 * time.Hour)

	due, err := w.svc.PastRetention(w.as(po))
	must(t, err)
	if len(due) != 2 || due[0].ID != a.ID || due[1].ID != b.ID {
		t.Fatalf("past retention %+v", due)
	}
	wantErr(t, errOf(w.svc.PastRetention(w.as(w.holderOfficer))), liaison.EFORBIDDEN, "")
	wantErr(t, errOf(w.svc.PurgePastRetention(w.as(w.holderOfficer), []liaison.ID{a.ID})), liaison.EFORBIDDEN, "")

	_, err = w.svc.ReviewIntelRecord(w.as(po), b.ID, "Still tied to an open investigation.", w.clock.Now().AddDate(1, 0, 0))
	must(t, err)
	res, err := w.svc.PurgePastRetention(w.as(po), []liaison.ID{a.ID, b.ID, "not-an-id"})
	must(t, err)
	if !slices.Equal(res.Purged, []liaison.ID{a.ID}) || len(res.Skipped) != 2 {
		t.Fatalf("purge %+v", res)
	}
	purges, err := w.svc.RecentPurges(w.as(po), w.clock.Now().AddDate(0, 0, -1), 10)
	must(t, err)
	if len(purges) != 1 || purges[0].Tombstone.ID != a.ID || !purges[0].Tombstone.Purged || !strings.Contains(purges[0].Reason, "23.20(h)") {
		t.Fatalf("purges %+v", purges)
	}
	// A trained analyst of the agency, who may purge, sees its purges too;
	// an officer does not.
	if purges, err := w.svc.RecentPurges(w.as(w.writer), time.Time{}, 10); err != nil || len(purges) != 1 {
		t.Fatalf("the trained analyst's purges: %v %+v", err, purges)
	}
	wantErr(t, errOf(w.svc.RecentPurges(w.as(w.holderOfficer), time.Time{}, 10)), liaison.EFORBIDDEN, "")
}
