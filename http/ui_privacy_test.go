package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/storetest"
)

// privacyWorld is the fixture's fusion center with a privacy officer, a
// trained writer and two records due for review, a partner agency whose
// analyst read one of them (a ledger row), and a frozen clock.
type privacyWorld struct {
	*fixture
	now               time.Time
	partner           *liaison.Agency
	writer, po, staff *liaison.User
	due1, due2        *liaison.IntelRecord
}

func newPrivacyWorld(t *testing.T, open storetest.Opener) *privacyWorld {
	f := newFixture(t, open)
	w := &privacyWorld{fixture: f, now: time.Now().UTC().Truncate(time.Second)}
	f.svc.Now = func() time.Time { return w.now }
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	trained := liaison.Attributes{Part23Trained: true}
	user := func(a *liaison.Agency, login, name string, roles ...liaison.Role) *liaison.User {
		return must(f.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: name, Email: login + "@example.gov", AgencyID: a.ID,
			Roles: roles, Attributes: trained, Password: testPassword}))(t)
	}
	w.partner = must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: "PARTNER", Name: "Partner Police", Kind: liaison.AgencyLocal, Country: "US"}))(t)
	w.writer = user(f.agency, "writer", "Wren Writer", liaison.RoleAnalyst)
	w.po = user(f.agency, "po", "Pat Privacy", liaison.RolePrivacyOfficer)
	w.staff = user(w.partner, "reader", "Remy Reader", liaison.RoleAnalyst)
	comm := must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther,
		Members: []liaison.ID{f.agency.ID, w.partner.ID}}))(t)
	must(f.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: w.partner.ID, CommunityID: comm.ID, LegalBasis: "Regional MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence},
		Expires: w.now.AddDate(1, 0, 0)}))(t)
	wctx := liaison.NewContext(context.Background(), liaison.Actor{User: w.writer})
	c := must(f.svc.CreateCase(wctx, liaison.CaseInput{Title: "Harbour"}))(t)
	rec := func(title string, retain time.Duration) *liaison.IntelRecord {
		return must(f.svc.CreateIntelRecord(wctx, liaison.IntelInput{Title: title, Narrative: "Viktor Baranov photographed the gate.",
			Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Viktor Baranov"}}},
			Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
			TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: c.ID, SharedWith: []liaison.ID{comm.ID}, RetainUntil: w.now.Add(retain)}))(t)
	}
	w.due1 = rec("Baranov at the harbour gate", 10*24*time.Hour)
	w.due2 = rec("Baranov buys fertilizer", 20*24*time.Hour)
	rec("Baranov's boat (not due)", 400*24*time.Hour)
	_, _, err := f.svc.GetIntelRecord(liaison.NewContext(context.Background(), liaison.Actor{User: w.staff}), w.due1.ID, liaison.PurposeCounterterrorism)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// record reads a record straight from the store.
func (w *privacyWorld) record(t *testing.T, id liaison.ID) *liaison.IntelRecord {
	t.Helper()
	var r *liaison.IntelRecord
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		r, err = tx.FindIntelRecord(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// backdate moves a record's deadline into the past, as the demo does.
func (w *privacyWorld) backdate(t *testing.T, id liaison.ID) {
	t.Helper()
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	err := w.store.Update(ctx, func(tx liaison.Tx) error {
		old, err := tx.FindIntelRecord(ctx, id)
		if err != nil {
			return err
		}
		back := *old
		back.Version, back.RetainUntil = old.Version+1, w.now.AddDate(0, 0, -3)
		if err := tx.UpdateIntelRecord(ctx, &back); err != nil {
			return err
		}
		return audit.Append(ctx, tx, liaison.NewAuditEvent(ctx, w.now, "test.backdate", "intel", id))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// headers fetches path and returns the status, headers and body.
func (b *browser) headers(path string) (int, http.Header, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// TestUIPrivacyForbiddenToOthers: an untrained analyst gets the forbidden
// page on every privacy page and form, with a valid CSRF token, and nothing
// changes; a trained analyst gets the review pages but not the privacy
// officer's (explain, ledger); the privacy officer's purge without the
// CSRF token is refused.
func TestUIPrivacyForbiddenToOthers(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newPrivacyWorld(t, be.Open)
			must(w.svc.CreateUser(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), liaison.UserInput{Login: "clerk",
				Name: "Cleo Clerk", Email: "clerk@example.gov", AgencyID: w.agency.ID, Roles: []liaison.Role{liaison.RoleAnalyst}, Password: testPassword}))(t)
			clerk := uiSignIn(t, w.srv.URL, "clerk", w.now) // an analyst of the same agency, not trained in Part 23
			_, _, home := clerk.do("GET", "/", nil)
			csrf := csrfOf(t, home)
			if strings.Contains(home, `id="nav-privacy"`) {
				t.Error("the untrained analyst's navigation offers the privacy pages")
			}
			id := w.due1.ID
			for _, path := range []string{"/privacy", "/privacy/explain", "/privacy/explain?record=" + id + "&user=reader&purpose=counterterrorism",
				"/privacy/review", "/privacy/review?within=365", "/privacy/review/" + id + "/purge", "/privacy/retention",
				"/privacy/ledger", "/privacy/ledger.csv"} {
				status, _, page := clerk.do("GET", path, nil)
				if status != 403 || !strings.Contains(page, "privacy officers") || strings.Contains(page, w.due1.Title) {
					t.Errorf("GET %s as an untrained analyst = %d:\n%.500s", path, status, page)
				}
			}
			posts := map[string]url.Values{
				"/privacy/review/" + id + "/retain": {"retain_until": {w.now.AddDate(1, 0, 0).Format("2006-01-02")}, "reason": {"Still an open investigation."}},
				"/privacy/review/" + id + "/purge":  {"reason": {"No longer meets the standard."}, "confirm": {"yes"}},
				"/privacy/retention":                {"id": {id}, "confirm": {"yes"}},
			}
			for path, form := range posts {
				form.Set("csrf", csrf)
				if status, _, page := clerk.do("POST", path, form); status != 403 || !strings.Contains(page, "privacy officers") {
					t.Errorf("POST %s as an untrained analyst = %d:\n%.500s", path, status, page)
				}
			}
			if r := w.record(t, id); r.Purged || r.ReviewedAt != nil || r.Version != w.due1.Version {
				t.Fatalf("the untrained analyst's posts changed the record: %+v", r)
			}
			if n := w.deniedCount("ui.privacy"); n != 9+len(posts) {
				t.Errorf("%d refusals audited, want %d", n, 9+len(posts))
			}

			// The trained analyst reviews; the officer's pages stay closed.
			analyst := uiSignIn(t, w.srv.URL, "writer", w.now)
			_, _, home = analyst.do("GET", "/", nil)
			if !strings.Contains(home, `href="/privacy/review" id="nav-privacy"`) {
				t.Errorf("the trained analyst's navigation lacks record review:\n%.3000s", home)
			}
			if status, loc, _ := analyst.do("GET", "/privacy", nil); status != 303 || loc != "/privacy/review" {
				t.Errorf("GET /privacy as a trained analyst = %d %q, want the review queue", status, loc)
			}
			status, _, page := analyst.do("GET", "/privacy/review", nil)
			if status != 200 || !strings.Contains(page, w.due1.Title) || strings.Contains(page, "/privacy/explain") || strings.Contains(page, "privacy-tab-ledger") {
				t.Fatalf("review queue as a trained analyst = %d:\n%.3000s", status, page)
			}
			for _, path := range []string{"/privacy/explain", "/privacy/ledger", "/privacy/ledger.csv"} {
				if status, _, page := analyst.do("GET", path, nil); status != 403 || !strings.Contains(page, "privacy officers") {
					t.Errorf("GET %s as a trained analyst = %d:\n%.500s", path, status, page)
				}
			}
			acsrf := csrfOf(t, page)
			until := w.now.AddDate(1, 0, 0).Format("2006-01-02")
			status, loc, _ := analyst.do("POST", "/privacy/review/"+w.due2.ID+"/retain", url.Values{"csrf": {acsrf}, "within": {"30"},
				"retain_until": {until}, "reason": {"Still tied to the open harbour case."}})
			if r := w.record(t, w.due2.ID); status != 303 || r.ReviewedBy != w.writer.ID {
				t.Fatalf("the trained analyst's review = %d %q, reviewed by %q", status, loc, r.ReviewedBy)
			}

			// A trained analyst of another agency sees none of this agency's
			// records and cannot review one.
			reader := uiSignIn(t, w.srv.URL, "reader", w.now)
			status, _, page = reader.do("GET", "/privacy/review?within=365", nil)
			if status != 200 || strings.Contains(page, w.due1.Title) || !strings.Contains(page, `id="review-empty"`) {
				t.Fatalf("another agency's trained analyst's queue = %d:\n%.3000s", status, page)
			}
			status, _, _ = reader.do("POST", "/privacy/review/"+id+"/retain", url.Values{"csrf": {csrfOf(t, page)}, "within": {"30"},
				"retain_until": {until}, "reason": {"Still tied to the open harbour case."}})
			if r := w.record(t, id); status != 404 || r.ReviewedAt != nil {
				t.Fatalf("another agency's review = %d, reviewed at %v", status, r.ReviewedAt)
			}

			po := uiSignIn(t, w.srv.URL, "po", w.now)
			_, _, page = po.do("GET", "/privacy/review/"+id+"/purge", nil)
			if !strings.Contains(page, w.due1.Title) {
				t.Fatalf("confirm page:\n%.2000s", page)
			}
			form := url.Values{"reason": {"No longer meets the standard."}, "confirm": {"yes"}}
			if status, _, _ := po.do("POST", "/privacy/review/"+id+"/purge", form); status != 403 {
				t.Errorf("purge without the CSRF token = %d, want 403", status)
			}
			form.Set("csrf", "not-the-token")
			if status, _, _ := po.do("POST", "/privacy/review/"+id+"/purge", form); status != 403 {
				t.Errorf("purge with a wrong CSRF token = %d, want 403", status)
			}
			if w.record(t, id).Purged {
				t.Fatal("a purge without the CSRF token went through")
			}
		})
	}
}

// TestUIPrivacyReviewPurgeExplainLedger: the privacy officer's workflows
// over HTTP, with every refusal naming what to fix.
func TestUIPrivacyReviewPurgeExplainLedger(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newPrivacyWorld(t, be.Open)
			po := uiSignIn(t, w.srv.URL, "po", w.now)

			// The dashboard counts the queues.
			status, _, page := po.do("GET", "/privacy", nil)
			if status != 200 || !regexp.MustCompile(`id="privacy-due-count">2<`).MatchString(page) ||
				!regexp.MustCompile(`id="privacy-past-count">0<`).MatchString(page) || !regexp.MustCompile(`id="privacy-diss-count">1<`).MatchString(page) {
				t.Fatalf("dashboard = %d:\n%.4000s", status, page)
			}

			// Explain: errors name the field; a partner is allowed without personal data.
			status, _, page = po.do("GET", "/privacy/explain?record=&user=&purpose=", nil)
			for _, id := range []string{"err-explain-record", "err-explain-user", "err-explain-purpose"} {
				if status != 400 || !strings.Contains(page, `id="`+id+`"`) {
					t.Errorf("empty explain = %d, no %s", status, id)
				}
			}
			status, _, page = po.do("GET", "/privacy/explain?record="+liaison.NewID()+"&user=reader&purpose=counterterrorism", nil)
			if status != 400 || !strings.Contains(page, "no intelligence record has this id") || !strings.Contains(page, `href="#explain-record"`) {
				t.Errorf("explain an unknown record = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("GET", "/privacy/explain?record="+w.due1.ID+"&user=nobody&purpose=counterterrorism", nil)
			if status != 400 || !strings.Contains(page, `id="err-explain-user"`) || !strings.Contains(page, "no user has this login") {
				t.Errorf("explain for an unknown user = %d", status)
			}
			status, _, page = po.do("GET", "/privacy/explain?record="+w.due1.ID+"&user=reader&purpose=counterterrorism", nil)
			if status != 200 || !strings.Contains(page, "Allowed") || !strings.Contains(page, "released without personal data") ||
				!strings.Contains(page, "partner-under-agreement") || !strings.Contains(page, "agreement in force covers") ||
				!strings.Contains(page, "subject 1 (person): name") || !strings.Contains(page, "Regional MOU") || strings.Contains(page, "Viktor") {
				t.Errorf("explain = %d:\n%.6000s", status, page)
			}
			status, _, page = po.do("GET", "/privacy/explain?record="+w.due1.ID+"&user=reader&purpose=cyber_defense", nil)
			if status != 200 || !strings.Contains(page, "Denied") || !strings.Contains(page, "does not allow the purpose cyber_defense") {
				t.Errorf("explain for another purpose = %d:\n%.6000s", status, page)
			}

			// The queue lists both records with links to explain them.
			status, _, page = po.do("GET", "/privacy/review", nil)
			if status != 200 || !strings.Contains(page, w.due1.Title) || !strings.Contains(page, w.due2.Title) || strings.Contains(page, "not due") ||
				!strings.Contains(page, `href="/privacy/explain?record=`+w.due1.ID+`"`) {
				t.Fatalf("review queue = %d:\n%.4000s", status, page)
			}
			csrf := csrfOf(t, page)
			// Retain without a reason and with a date too far: both named, nothing changed.
			status, _, page = po.do("POST", "/privacy/review/"+w.due1.ID+"/retain", url.Values{"csrf": {csrf}, "within": {"30"},
				"retain_until": {w.now.AddDate(6, 0, 0).Format("2006-01-02")}, "reason": {""}})
			if status != 400 || !strings.Contains(page, `id="err-reason-`+w.due1.ID+`"`) {
				t.Errorf("retain without a reason = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("POST", "/privacy/review/"+w.due1.ID+"/retain", url.Values{"csrf": {csrf}, "within": {"30"},
				"retain_until": {w.now.AddDate(6, 0, 0).Format("2006-01-02")}, "reason": {"Still tied to the open harbour case."}})
			if status != 400 || !strings.Contains(page, `id="err-retain-until-`+w.due1.ID+`"`) || !strings.Contains(page, "five years") ||
				!strings.Contains(page, "Still tied to the open harbour case.") {
				t.Errorf("retain for six years = %d:\n%.3000s", status, page)
			}
			if w.record(t, w.due1.ID).ReviewedAt != nil {
				t.Fatal("a refused review changed the record")
			}
			until := w.now.AddDate(2, 0, 0).Format("2006-01-02")
			status, loc, _ := po.do("POST", "/privacy/review/"+w.due1.ID+"/retain", url.Values{"csrf": {csrf}, "within": {"30"},
				"retain_until": {until}, "reason": {"Still tied to the open harbour case."}})
			if status != 303 || !strings.HasPrefix(loc, "/privacy/review?") {
				t.Fatalf("retain = %d %q", status, loc)
			}
			_, _, page = po.do("GET", loc, nil)
			if !strings.Contains(page, `id="privacy-done"`) || !strings.Contains(page, "retained until "+until) || strings.Contains(page, `id="record-`+w.due1.ID+`"`) {
				t.Errorf("after retaining:\n%.3000s", page)
			}

			// Purge: the reason is required and named; then it goes, leaving a tombstone.
			status, _, page = po.do("POST", "/privacy/review/"+w.due2.ID+"/purge", url.Values{"csrf": {csrf}, "reason": {""}, "confirm": {"yes"}})
			if status != 400 || !strings.Contains(page, `id="err-purge-reason"`) || !strings.Contains(page, "Reason is required") {
				t.Errorf("purge without a reason = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("POST", "/privacy/review/"+w.due2.ID+"/purge", url.Values{"csrf": {csrf}, "reason": {"No longer meets the standard."}})
			if status != 400 || !strings.Contains(page, `id="err-purge-confirm"`) {
				t.Errorf("purge without the confirmation = %d", status)
			}
			if w.record(t, w.due2.ID).Purged {
				t.Fatal("a refused purge purged the record")
			}
			status, loc, _ = po.do("POST", "/privacy/review/"+w.due2.ID+"/purge", url.Values{"csrf": {csrf}, "reason": {"No longer meets the standard."}, "confirm": {"yes"}})
			if status != 303 || !strings.Contains(loc, "done=purged") {
				t.Fatalf("purge = %d %q", status, loc)
			}
			_, _, page = po.do("GET", loc, nil)
			if !w.record(t, w.due2.ID).Purged || !strings.Contains(page, `id="purged-`+w.due2.ID+`"`) || !strings.Contains(page, "tombstone") ||
				strings.Contains(page, `id="record-`+w.due2.ID+`"`) {
				t.Errorf("after the purge:\n%.4000s", page)
			}

			// Past retention: the dry run lists it and purges nothing; the real run does.
			late := must(w.svc.CreateIntelRecord(liaison.NewContext(context.Background(), liaison.Actor{User: w.writer}), liaison.IntelInput{
				Title: "Old threat calls", Predicate: "x", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
				TLP: liaison.TLPGreen, Handling: liaison.H1, CaseID: w.due1.CaseID, RetainUntil: w.now.AddDate(0, 0, 1)}))(t)
			w.backdate(t, late.ID)
			status, _, page = po.do("GET", "/privacy/retention", nil)
			if status != 200 || !strings.Contains(page, "Old threat calls") || w.record(t, late.ID).Purged {
				t.Fatalf("dry run = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("POST", "/privacy/retention", url.Values{"csrf": {csrf}, "id": {late.ID}})
			if status != 400 || !strings.Contains(page, `id="err-retention-confirm"`) || w.record(t, late.ID).Purged {
				t.Errorf("purge past retention without the confirmation = %d", status)
			}
			status, loc, _ = po.do("POST", "/privacy/retention", url.Values{"csrf": {csrf}, "id": {late.ID}, "confirm": {"yes"}})
			if status != 303 || !w.record(t, late.ID).Purged {
				t.Fatalf("purge past retention = %d %q", status, loc)
			}
			_, _, page = po.do("GET", loc, nil)
			if !strings.Contains(page, "Purged 1 record past retention.") {
				t.Errorf("after purging past retention:\n%.2000s", page)
			}

			// The ledger: agency names, filters that name what to fix, CSV.
			status, _, page = po.do("GET", "/privacy/ledger", nil)
			if status != 200 || !strings.Contains(page, "Partner Police") || !strings.Contains(page, "Remy Reader") || !strings.Contains(page, w.due1.ID) {
				t.Fatalf("ledger = %d:\n%.4000s", status, page)
			}
			status, _, page = po.do("GET", "/privacy/ledger?item_id=nope&since=yesterday&until=", nil)
			if status != 400 || !strings.Contains(page, `id="err-ledger-item"`) || !strings.Contains(page, `id="err-ledger-since"`) {
				t.Errorf("bad ledger filter = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("GET", "/privacy/ledger?since=2026-05-02&until=2026-05-01", nil)
			if status != 400 || !strings.Contains(page, "must be a later date than From") {
				t.Errorf("until before since = %d", status)
			}
			status, _, page = po.do("GET", "/privacy/ledger?recipient_agency_id="+w.agency.ID, nil)
			if status != 200 || !strings.Contains(page, `id="ledger-empty"`) {
				t.Errorf("ledger for an agency that received nothing = %d:\n%.3000s", status, page)
			}
			status, _, page = po.do("GET", "/privacy/ledger?recipient_agency_id="+w.partner.ID, nil)
			if status != 200 || !strings.Contains(page, w.due1.ID) || !strings.Contains(page, `href="/privacy/ledger.csv?recipient_agency_id=`+w.partner.ID+`"`) {
				t.Fatalf("ledger for the partner = %d:\n%.3000s", status, page)
			}
			status, hdr, csv := po.headers("/privacy/ledger.csv?recipient_agency_id=" + w.partner.ID)
			if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") ||
				!strings.Contains(hdr.Get("Content-Disposition"), "attachment") || !strings.Contains(csv, w.due1.ID) {
				t.Errorf("CSV = %d %v:\n%s", status, hdr, csv)
			}
			if status, _, page := po.do("GET", "/privacy/ledger.csv?item_id=nope", nil); status != 400 || !strings.Contains(page, `id="err-ledger-item"`) {
				t.Errorf("CSV with a bad filter = %d", status)
			}
		})
	}
}
