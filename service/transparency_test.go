package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// auditWorld is a holding agency and a seeking one that may ask it for
// access: enough to do every act the audit reports count.
type auditWorld struct {
	*env
	holder, seeker          *liaison.Agency
	community               *liaison.Community
	writer, sup, analyst    *liaison.User
	holderCase, seekerCase  liaison.ID
	auditor, privacy, admin *liaison.User
}

func newAuditWorld(t *testing.T, store liaison.Store) *auditWorld {
	e := newEnvOn(t, store)
	w := &auditWorld{env: e, holder: e.agency("HOLDER-PD"), seeker: e.agency("SEEKER-FC")}
	var err error
	w.community, err = e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther,
		Members: []liaison.ID{w.holder.ID, w.seeker.ID}})
	must(t, err)
	for _, a := range []*liaison.Agency{w.holder, w.seeker} {
		_, err = e.svc.CreateAgreement(e.sys, liaison.AgreementInput{AgencyID: a.ID, CommunityID: w.community.ID, LegalBasis: "MOU",
			Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR},
			PIIAllowed: true, Expires: e.clock.Now().AddDate(2, 0, 0)})
		must(t, err)
	}
	trained := e.trained
	w.writer = trained(w.holder, "writer", liaison.RoleAnalyst, liaison.RoleOfficer)
	w.sup = trained(w.holder, "sup", liaison.RoleSupervisor)
	w.privacy = trained(w.holder, "privacy", liaison.RolePrivacyOfficer)
	w.analyst = trained(w.seeker, "analyst", liaison.RoleAnalyst)
	w.auditor = trained(w.seeker, "auditor", liaison.RoleAuditor)
	w.admin = trained(w.seeker, "admin", liaison.RoleAdmin)
	c, err := e.svc.CreateCase(e.as(w.writer), liaison.CaseInput{Title: "Port investigation"})
	must(t, err)
	w.holderCase = c.ID
	c, err = e.svc.CreateCase(e.as(w.analyst), liaison.CaseInput{Title: "Regional threat picture"})
	must(t, err)
	w.seekerCase = c.ID
	return w
}

// record writes an intelligence record for the holder, shared with the
// region when shared, else hidden from the seeker.
func (w *auditWorld) record(name string, shared bool) *liaison.IntelRecord {
	w.t.Helper()
	in := liaison.IntelInput{Title: "Sighting at the harbour gate", Narrative: name + " photographed the harbour gate.",
		Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": name}}},
		Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true,
		Grading: liaison.Grading{Source: "B", Information: 2}, TLP: liaison.TLPAmber, Handling: liaison.H1,
		CaseID: w.holderCase, RetainUntil: w.clock.Now().AddDate(1, 0, 0)}
	if shared {
		in.SharedWith = []liaison.ID{w.community.ID}
	}
	r, err := w.svc.CreateIntelRecord(w.as(w.writer), in)
	must(w.t, err)
	return r
}

// requestAccess has the seeker find a hidden record by its subject's name
// and ask the holder for it.
func (w *auditWorld) requestAccess(name string) *liaison.AccessRequest {
	w.t.Helper()
	if _, err := w.svc.IndexSearch(w.sys); err != nil {
		w.t.Fatal(err)
	}
	resp, err := w.svc.Search(w.as(w.analyst), service.SearchRequest{Q: name, Purpose: liaison.PurposeCounterterrorism})
	must(w.t, err)
	if len(resp.Pointers) != 1 {
		w.t.Fatalf("search %q: %d pointers, want 1", name, len(resp.Pointers))
	}
	req, err := w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: resp.Pointers[0].ID,
		Purpose: liaison.PurposeCounterterrorism, CaseID: w.seekerCase, Justification: "Needed for the regional threat picture this week."})
	must(w.t, err)
	return req
}

// TestTransparencyCountsExactActs does, in one month, acts that the report
// counts and page views that it must not count, then reads the report once
// the month has closed.
func TestTransparencyCountsExactActs(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newAuditWorld(t, be.Open(t))
			month := w.clock.Now().Format("2006-01") // 2026-11
			// Five purges, and many views of the review queue and of the purge list.
			for i := range 5 {
				r := w.record(fmt.Sprintf("Purged Person%c", 'A'+i), false)
				must(t, w.svc.PurgeIntelRecord(w.as(w.privacy), r.ID, "no longer relevant to any case"))
			}
			for range 6 {
				_, err := w.svc.DueForReview(w.as(w.privacy), 0)
				must(t, err)
				_, err = w.svc.RecentPurges(w.as(w.privacy), time.Time{}, 10)
				must(t, err)
			}
			// Five access requests approved (three in full, two without
			// personal data) and five denied.
			for i := range 10 {
				name := fmt.Sprintf("Zorin%c", 'A'+i)
				w.record(name, false)
				req := w.requestAccess(name)
				d := service.AccessDecision{Decision: []string{"approve", "approve", "approve", "approve_redacted", "approve_redacted"}[i%5]}
				if i >= 5 {
					d = service.AccessDecision{Decision: "deny", Reason: "not needed for that case"}
				}
				_, err := w.svc.DecideAccessRequest(w.as(w.sup), req.ID, d)
				must(t, err)
			}
			// Six reports filed and submitted in one batch: one audit entry.
			batch := service.GenerateSARs(6, 7)
			for i := range batch {
				batch[i].Submit, batch[i].When = true, liaison.SARTime{Time: w.clock.Now().Add(-24 * time.Hour)}
			}
			_, errs, err := w.svc.CreateSARs(w.as(w.writer), batch)
			must(t, err)
			if len(errs) != 0 {
				t.Fatalf("batch errors %v", errs)
			}
			// The month closes.
			w.clock.Add(8 * 24 * time.Hour) // 2026-12-03
			current := w.clock.Now().Format("2006-01")
			r, err := w.svc.TransparencyReport(w.anon, 3)
			must(t, err)
			if got, want := r.Months, []string{"2026-09", "2026-10", month}; !slices.Equal(got, want) {
				t.Errorf("months = %v, want %v (closed months only)", got, want)
			}
			for _, row := range r.Rows {
				if row.Month == current {
					t.Errorf("the current month is published: %+v", row)
				}
			}
			if slices.Contains(r.Measures, "Redress requests") {
				t.Errorf("the report counts redress requests, which nothing files: %v", r.Measures)
			}
			cell := func(r *service.Transparency, month, measure string) string {
				for _, row := range r.Rows {
					if row.Month == month && row.Measure == measure {
						if row.Suppressed {
							return "suppressed"
						}
						return fmt.Sprint(*row.Count)
					}
				}
				return "absent"
			}
			for _, c := range []struct{ measure, want string }{
				{"SARs received", "6"},
				{"Intelligence records purged", "5"},
				{"Intelligence records reviewed", "0"},
				{"Access requests granted", "5"},
				{"Access requests denied", "5"},
			} {
				if got := cell(r, month, c.measure); got != c.want {
					t.Errorf("%s in %s = %s, want %s", c.measure, month, got, c.want)
				}
			}
			// In the current month, page views and refused reads move nothing published.
			hidden := w.record("Refused Person", false)
			for range 6 {
				_, err := w.svc.DueForReview(w.as(w.privacy), 0)
				must(t, err)
				_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, liaison.PurposeCounterterrorism)
				wantErr(t, err, liaison.ENOTFOUND, "")
			}
			if n := len(w.audit(liaison.AuditFilter{Outcome: liaison.OutcomeDenied, Since: w.clock.Now().Add(-time.Hour)})); n < 6 {
				t.Fatalf("the refused reads left %d denied entries, want at least 6", n)
			}
			again, err := w.svc.TransparencyReport(w.anon, 3)
			must(t, err)
			if got, want := figures(again), figures(r); got != want {
				t.Errorf("views and refused reads this month moved the report:\nbefore %s\nafter  %s", want, got)
			}
		})
	}
}

// figures renders a report's table, to compare two reports.
func figures(r *service.Transparency) string {
	var b strings.Builder
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "%s %s=", row.Month, row.Measure)
		if row.Count != nil {
			fmt.Fprint(&b, *row.Count)
		} else {
			b.WriteString("suppressed")
		}
		b.WriteString("; ")
	}
	return b.String()
}

// TestAuditReviewShowsWhatAReviewerMustSee: the weekly review lists
// refusals, privileged acts, exports, reads of the audit log and releases
// outside the agency, and none of the reads the home page makes each time
// it opens.
func TestAuditReviewShowsWhatAReviewerMustSee(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newAuditWorld(t, be.Open(t))
			w.clock.Add(time.Hour)
			since := w.clock.Now()
			ct := liaison.PurposeCounterterrorism
			// The home page, opened three times by the analyst: routine reads.
			for range 3 {
				ctx := w.as(w.analyst)
				_, err := w.svc.FindAgency(ctx, w.seeker.ID)
				must(t, err)
				_, _, err = w.svc.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: w.seeker.ID}, liaison.Page{})
				must(t, err)
				_, _, err = w.svc.ListAgreements(ctx, liaison.AgreementFilter{AgencyID: w.seeker.ID, ActiveAt: w.clock.Now()}, liaison.Page{})
				must(t, err)
				_, _, err = w.svc.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{})
				must(t, err)
			}
			// Reads inside the agency are routine too.
			own := w.record("Routine Person", false)
			_, _, err := w.svc.GetIntelRecord(w.as(w.writer), own.ID, ct)
			must(t, err)
			// A release outside the agency: the seeker reads a shared record.
			shared := w.record("Shared Person", true)
			_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), shared.ID, ct)
			must(t, err)
			// Refusals: an act the rules refuse and a refused read.
			_, err = w.svc.CreateAgency(w.as(w.analyst), liaison.AgencyInput{Code: "NOPE", Name: "x", Kind: liaison.AgencyLocal, Country: "US"})
			wantErr(t, err, liaison.EFORBIDDEN, "")
			_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), own.ID, ct)
			wantErr(t, err, liaison.ENOTFOUND, "")
			// Privileged acts: a permission change, a token, a purge, a grant.
			_, err = w.svc.UpdateUser(w.as(w.admin), w.analyst.ID, liaison.UserUpdate{Roles: &[]liaison.Role{liaison.RoleAnalyst, liaison.RoleSupervisor}})
			must(t, err)
			_, err = w.svc.CreateToken(w.as(w.analyst), liaison.TokenInput{Name: "script", Scopes: []liaison.Scope{liaison.ScopeRead}})
			must(t, err)
			must(t, w.svc.PurgeIntelRecord(w.as(w.privacy), w.record("Purged Person", false).ID, "no longer relevant to any case"))
			w.record("Zorin Person", false)
			req := w.requestAccess("Zorin")
			_, err = w.svc.DecideAccessRequest(w.as(w.sup), req.ID, service.AccessDecision{Decision: "approve"})
			must(t, err)
			// An export and reads of the audit log.
			_, err = w.svc.ExportSARs(w.as(w.writer), func(*service.ReleasedSAR) error { return nil })
			must(t, err)
			_, _, err = w.svc.QueryAudit(w.as(w.auditor), liaison.AuditFilter{ObjectID: shared.ID}, liaison.Page{})
			must(t, err)
			_, _, err = w.svc.ListDisseminations(w.as(w.auditor), liaison.DisseminationFilter{ItemID: shared.ID}, liaison.Page{})
			must(t, err)

			r, err := w.svc.AuditReview(w.as(w.auditor), since, time.Time{})
			must(t, err)
			type act struct{ action, outcome string }
			got := map[act]bool{}
			for _, e := range r.Notable {
				got[act{e.Action, e.Outcome}] = true
			}
			ok, denied := liaison.OutcomeSuccess, liaison.OutcomeDenied
			for _, routine := range []act{{"agency.read", ok}, {"community.list", ok}, {"agreement.list", ok}, {"agency.list", ok},
				{"intel.read", ok}, {"search", ok}} {
				if got[routine] {
					t.Errorf("the review lists the routine %s", routine.action)
				}
				if !slices.ContainsFunc(r.Totals, func(c liaison.ActionCount) bool { return c.Action == routine.action && c.Outcome == routine.outcome }) {
					t.Errorf("no routine %s happened, so the test proves nothing of it", routine.action)
				}
			}
			for _, want := range []act{{"agency.create", denied}, {"intel.read", denied}, {"user.permissions", ok}, {"token.create", ok},
				{"intel.purge", ok}, {"access.decide", ok}, {"sar.export", ok}, {"audit.query", ok}, {"dissemination.query", ok}} {
				if !got[want] {
					t.Errorf("the review lacks %s (%s)", want.action, want.outcome)
				}
			}
			released := false
			for _, d := range r.Releases {
				if d.ItemID == shared.ID && d.RecipientAgencyID == w.seeker.ID && d.Labels.Originator == w.holder.ID {
					released = true
				}
				if d.RecipientAgencyID == d.Labels.Originator {
					t.Errorf("the review lists a release inside the agency: %+v", d)
				}
			}
			if !released {
				t.Errorf("the review lacks the release of the shared record to the seeker: %+v", r.Releases)
			}
			if r.Truncated {
				t.Error("a short review is marked truncated")
			}
		})
	}
}
