package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// uiSignIn enrols login's second factor and returns a browser signed in as them.
func uiSignIn(t *testing.T, base, login string, now time.Time) *browser {
	t.Helper()
	b := newBrowser(t, base)
	_, loc, _ := b.signIn(login, testPassword)
	_, _, page := b.do("GET", loc, nil)
	m := regexp.MustCompile(`id="totp-secret" class="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s: no enrolment key on %s:\n%.400s", login, loc, page)
	}
	code, _ := service.TOTPCode(strings.ReplaceAll(m[1], " ", ""), service.TOTPStep(now))
	if status, _, _ := b.do("POST", "/login/enrol", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}, "next": {"/"}}); status != 200 {
		t.Fatalf("%s: enrolment = %d", login, status)
	}
	return b
}

// sarUIWorld is the intelligence world with a Riverton supervisor, a
// frozen clock and browsers signed in as officer, supervisor and analyst.
type sarUIWorld struct {
	*intelWorld
	now                    time.Time
	officerB, sgt, analyst *browser
}

func newSARUIWorld(t *testing.T) *sarUIWorld {
	w := newIntelWorld(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	w.svc.Now = func() time.Time { return now }
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	_ = must(w.svc.CreateUser(ctx, liaison.UserInput{Login: "sgt", Name: "Sgt Boyd", Email: "sgt@example.gov", AgencyID: w.officer.AgencyID,
		Roles: []liaison.Role{liaison.RoleSupervisor, liaison.RoleOfficer}, Attributes: liaison.Attributes{SwornOfficer: true, Part23Trained: true},
		Password: testPassword}))(t)
	return &sarUIWorld{intelWorld: w, now: now,
		officerB: uiSignIn(t, w.srv.URL, "det", now), sgt: uiSignIn(t, w.srv.URL, "sgt", now), analyst: uiSignIn(t, w.srv.URL, "analyst", now)}
}

// reports returns every report of an agency, read from the store directly.
func (w *sarUIWorld) reports(t *testing.T, agency liaison.ID) []*liaison.SAR {
	t.Helper()
	var out []*liaison.SAR
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListSARs(context.Background(), liaison.SARFilter{AgencyID: agency}, liaison.Page{Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *sarUIWorld) report(t *testing.T, id liaison.ID) *liaison.SAR {
	t.Helper()
	var out *liaison.SAR
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		out, err = tx.FindSAR(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sarForm is a complete, valid report as the form posts it.
func (w *sarUIWorld) sarForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "title": {"Man photographing substation"},
		"when": {w.now.Add(-2 * time.Hour).Format("2006-01-02T15:04")}, "address": {"12 Grid Road, Riverton"}, "lat": {"38.9"}, "lon": {"-77.0"},
		"why":             {"Took notes on camera positions\r\nand asked about shift changes."},
		"narrative":       {"Robert Vance photographed the substation fence for 20 minutes; phone +1 410 555 0111."},
		"categories":      {"photography", "observation_surveillance"},
		"involved-1-kind": {"person"}, "involved-1-ident": {"Robert Vance"}, "involved-1-desc": {"about 40, red jacket"},
		"involved-2-kind": {"vehicle"}, "involved-2-ident": {"RVT2290"}, "involved-2-desc": {"grey sedan"},
		"action": {"submit"}}
}

func TestUISarFormFieldErrors(t *testing.T) {
	w := newSARUIWorld(t)
	status, _, page := w.officerB.do("GET", "/sars/new", nil)
	if status != 200 || !strings.Contains(page, "<legend>Part A") || !strings.Contains(page, "<legend>Part B") ||
		strings.Count(page, `name="categories"`) != 16 || !strings.Contains(page, `for="involved-5-ident"`) {
		t.Fatalf("form = %d: want 16 categories in two fieldsets and 5 involved rows:\n%.600s", status, page)
	}
	csrf := csrfOf(t, page)
	pd := w.officer.AgencyID
	for name, c := range map[string]struct {
		set  map[string][]string
		want []string // element id of the error and what it says
	}{
		"latitude out of range": {map[string][]string{"lat": {"138.9"}}, []string{`id="err-lat"`, "Latitude must be a latitude between -90 and 90"}},
		"latitude not a number": {map[string][]string{"lat": {"north"}}, []string{`id="err-lat"`, "must be a number in decimal degrees"}},
		"no category":           {map[string][]string{"categories": nil}, []string{`id="err-categories"`, "name at least one ISE-SAR behaviour category"}},
		"unknown category":      {map[string][]string{"categories": {"loitering"}}, []string{`id="err-categories"`, "is not an ISE-SAR behaviour category"}},
		"future date":           {map[string][]string{"when": {w.now.AddDate(0, 0, 2).Format("2006-01-02")}}, []string{`id="err-when"`, "When is in the future"}},
		"unreadable date":       {map[string][]string{"when": {"yesterday"}}, []string{`id="err-when"`, "give a date such as 2026-11-24"}},
		"row without a kind":    {map[string][]string{"involved-3-ident": {"Jane Roe"}}, []string{`id="err-involved-3-kind"`, "Involved 3, kind"}},
		"no title":              {map[string][]string{"title": {""}}, []string{`id="err-title"`, "Title is required"}},
		"half a coordinate":     {map[string][]string{"lon": {""}}, []string{`id="err-address"`, "give both lat and lon, or neither"}},
		"several at once": {map[string][]string{"lat": {"138.9"}, "categories": nil, "when": {"yesterday"}},
			[]string{"3 things need fixing", `href="#lat"`, `href="#when"`, `href="#cat-breach_attempted_intrusion"`}},
	} {
		form := w.sarForm(csrf)
		for k, v := range c.set {
			if v == nil {
				form.Del(k)
			} else {
				form[k] = v
			}
		}
		status, _, page := w.officerB.do("POST", "/sars", form)
		if status != 400 || !strings.Contains(page, `id="error-summary"`) {
			t.Errorf("%s = %d, want 400 with an error summary:\n%.800s", name, status, page)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", name, want)
			}
		}
		// What was typed comes back.
		for _, kept := range []string{"Robert Vance photographed the substation", `value="RVT2290"`, `value="grey sedan"`, `<option value="vehicle" selected>`} {
			if !strings.Contains(page, kept) {
				t.Errorf("%s: the form lost %q", name, kept)
			}
		}
		if c.set["categories"] == nil && name != "no category" && name != "several at once" && !strings.Contains(page, `value="photography" checked`) {
			t.Errorf("%s: the ticked categories were lost", name)
		}
		if got := len(w.reports(t, pd)); got != 0 {
			t.Fatalf("%s: %d report(s) filed, want none", name, got)
		}
	}
	// Browsers send CRLF line ends; they are not control characters to refuse.
	status, loc, _ := w.officerB.do("POST", "/sars", w.sarForm(csrf))
	if status != 303 || !strings.HasPrefix(loc, "/sars/") {
		t.Fatalf("valid report = %d %q", status, loc)
	}
}

func TestUISarCSRFRefused(t *testing.T) {
	w := newSARUIWorld(t)
	pd := w.officer.AgencyID
	_, _, page := w.officerB.do("GET", "/sars/new", nil)
	for name, csrf := range map[string]string{"missing": "", "stale": "not-the-token"} {
		form := w.sarForm(csrf)
		if csrf == "" {
			form.Del("csrf")
		}
		status, _, body := w.officerB.do("POST", "/sars", form)
		if status != 403 || !strings.Contains(body, "security token") {
			t.Errorf("%s token = %d, want 403 saying to reload:\n%.300s", name, status, body)
		}
	}
	if got := len(w.reports(t, pd)); got != 0 {
		t.Fatalf("%d report(s) filed without a valid token", got)
	}
	status, loc, _ := w.officerB.do("POST", "/sars", w.sarForm(csrfOf(t, page)))
	if status != 303 {
		t.Fatalf("file = %d", status)
	}
	id := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/sars/")
	// The supervisor's step without the token changes nothing.
	status, _, _ = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"step": {"forward"}})
	if status != 403 || w.report(t, id).State != liaison.SARSubmitted {
		t.Fatalf("step without a token = %d, state %s", status, w.report(t, id).State)
	}
}

func TestUISarVetting(t *testing.T) {
	w := newSARUIWorld(t)
	pd := w.officer.AgencyID

	// The officer files and submits; the report page says what comes next.
	status, _, home := w.officerB.do("GET", "/", nil)
	if status != 200 || !strings.Contains(home, `href="/sars"`) || !strings.Contains(home, `href="/sars/new"`) {
		t.Fatalf("officer's home has no link to the reports:\n%.600s", home)
	}
	_, _, page := w.officerB.do("GET", "/sars/new", nil)
	status, loc, _ := w.officerB.do("POST", "/sars", w.sarForm(csrfOf(t, page)))
	if status != 303 || !strings.Contains(loc, "done=submitted") {
		t.Fatalf("file = %d %q", status, loc)
	}
	id := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/sars/")
	status, _, view := w.officerB.do("GET", loc, nil)
	for _, want := range []string{`id="banner-top"`, `id="banner-bottom"`, "NOT SHARED", "A supervisor of your agency reviews it next",
		"Robert Vance", "RVT2290", "Photography", "Observation / surveillance", "Part B only", `id="no-actions"`, "draft → submitted"} {
		if !strings.Contains(view, want) {
			t.Errorf("officer's view lacks %q", want)
		}
	}
	if status != 200 || strings.Contains(view, `id="form-step1"`) {
		t.Fatalf("officer's view = %d, offers step 1", status)
	}
	r := w.report(t, id)
	if r.Why != "Took notes on camera positions\nand asked about shift changes." || len(r.Involved) != 2 || r.Involved[1].Attributes["plate"] != "RVT2290" {
		t.Fatalf("filed report = %+v", r)
	}

	// A role that may not act: the officer posting step 1 is refused, nothing changes.
	status, _, body := w.officerB.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"forward"}})
	if status != 403 || !strings.Contains(body, "supervisor") || w.report(t, id).State != liaison.SARSubmitted {
		t.Fatalf("officer doing step 1 = %d, state %s:\n%.300s", status, w.report(t, id).State, body)
	}
	// A privacy officer cannot file: no form, and a posted one is refused.
	privacy := uiSignIn(t, w.srv.URL, "privacy", w.now)
	if status, _, _ := privacy.do("GET", "/sars/new", nil); status != 403 {
		t.Errorf("privacy officer's form = %d, want 403", status)
	}
	_, _, ph := privacy.do("GET", "/", nil)
	if strings.Contains(ph, `id="nav-sars"`) {
		t.Error("the privacy officer's navigation links the SAR pages")
	}
	if status, _, _ := privacy.do("POST", "/sars", w.sarForm(csrfOf(t, ph))); status != 403 {
		t.Errorf("privacy officer filing = %d, want 403", status)
	}
	// The analyst cannot see it before step 1.
	if status, _, _ := w.analyst.do("GET", "/sars/"+id, nil); status != 404 {
		t.Errorf("analyst before step 1 = %d, want 404", status)
	}
	if got := len(w.reports(t, pd)); got != 1 {
		t.Fatalf("%d reports, want 1", got)
	}

	// The supervisor lands on the step-1 queue and reviews.
	status, _, q := w.sgt.do("GET", "/sars", nil)
	if status != 200 || !strings.Contains(q, `aria-current="page"`) || !strings.Contains(q, "Awaiting step 1") || !strings.Contains(q, "/sars/"+id) {
		t.Fatalf("supervisor's queue = %d:\n%.800s", status, q)
	}
	_, _, view = w.sgt.do("GET", "/sars/"+id, nil)
	if !strings.Contains(view, `id="form-step1"`) {
		t.Fatalf("supervisor is not offered step 1:\n%.800s", view)
	}
	csrf := csrfOf(t, view)
	// Returning needs a reason: the field says so, and nothing changes.
	status, _, body = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrf}, "step": {"return"}, "reason": {"no"}})
	if status != 400 || !strings.Contains(body, `id="err-reason"`) || !strings.Contains(body, "say why (at least 5 characters)") ||
		!strings.Contains(body, `value="return" checked`) || w.report(t, id).State != liaison.SARSubmitted {
		t.Fatalf("return without a reason = %d, state %s:\n%.800s", status, w.report(t, id).State, body)
	}
	status, _, body = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrf}})
	if status != 400 || !strings.Contains(body, "Decision: choose one") {
		t.Fatalf("no decision = %d", status)
	}
	status, loc, _ = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrf}, "step": {"forward"}})
	if status != 303 || w.report(t, id).State != liaison.SARReviewed {
		t.Fatalf("forward = %d, state %s", status, w.report(t, id).State)
	}
	_, _, view = w.sgt.do("GET", loc, nil)
	if !strings.Contains(view, "Forwarded") || !strings.Contains(view, "submitted → reviewed") || !strings.Contains(view, "Sgt Boyd (sgt)") {
		t.Fatalf("after step 1 the page shows:\n%.1500s", view)
	}

	// The analyst finds it in the step-2 queue; a Part-B-only report needs corroborating facts.
	_, _, q = w.analyst.do("GET", "/sars", nil)
	if !strings.Contains(q, "Awaiting step 2") || !strings.Contains(q, "/sars/"+id) {
		t.Fatalf("analyst's queue:\n%.800s", q)
	}
	_, _, view = w.analyst.do("GET", "/sars/"+id, nil)
	if !strings.Contains(view, `id="form-step2"`) || !strings.Contains(view, "required: this report has only Part B categories") {
		t.Fatalf("analyst is not offered step 2:\n%.800s", view)
	}
	csrf = csrfOf(t, view)
	share := url.Values{"csrf": {csrf}, "step": {"share"}, "tlp": {"AMBER"}, "communities": {w.community.ID}}
	status, _, body = w.analyst.do("POST", "/sars/"+id+"/steps", share)
	if status != 400 || !strings.Contains(body, `id="err-corroboration"`) || w.report(t, id).State != liaison.SARReviewed {
		t.Fatalf("share without corroboration = %d:\n%.600s", status, body)
	}
	share.Set("corroboration", "Same man seen at two other substations this month.")
	status, loc, _ = w.analyst.do("POST", "/sars/"+id+"/steps", share)
	if status != 303 || w.report(t, id).State != liaison.SARShared {
		t.Fatalf("share = %d, state %s", status, w.report(t, id).State)
	}
	// The fusion center has no agreement covering SARs yet: it may not read the ISE-SAR.
	status, loc2, _ := w.analyst.do("GET", loc, nil)
	if status != 303 || !strings.HasPrefix(loc2, "/sars?done=share") {
		t.Fatalf("after sharing without an agreement = %d %q", status, loc2)
	}
	if _, _, q := w.analyst.do("GET", loc2, nil); !strings.Contains(q, "Shared as an ISE-SAR") {
		t.Errorf("the queue page does not say the share went through")
	}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	_ = must(w.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: w.agency.ID, CommunityID: w.community.ID, LegalBasis: "SAR MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: w.now.AddDate(1, 0, 0)}))(t)
	_, _, q = w.analyst.do("GET", "/sars?queue=shared_with_us&purpose=counterterrorism", nil)
	if !strings.Contains(q, "/sars/"+id+"?purpose=counterterrorism") || strings.Contains(q, "Robert Vance") {
		t.Fatalf("shared space:\n%.1200s", q)
	}
	status, _, view = w.analyst.do("GET", "/sars/"+id+"?purpose=counterterrorism", nil)
	if status != 200 || strings.Count(view, "TLP:AMBER · H0 law-enforcement use only · ISE-SAR") != 2 ||
		!strings.Contains(view, `id="redacted"`) || strings.Contains(view, "Robert Vance") || strings.Contains(view, "555 0111") {
		t.Fatalf("analyst's view of the ISE-SAR = %d:\n%.1500s", status, view)
	}
	// The originator sees the history and may withdraw; the analyst may not.
	if strings.Contains(view, `id="form-withdraw"`) {
		t.Error("the analyst is offered withdrawal")
	}
	_, _, view = w.sgt.do("GET", "/sars/"+id, nil)
	if !strings.Contains(view, `id="form-withdraw"`) || !strings.Contains(view, "reviewed → shared") || !strings.Contains(view, "Dana Analyst (analyst)") ||
		!strings.Contains(view, "Test Fusion Center") || !strings.Contains(view, "Same man seen at two other substations") {
		t.Fatalf("originator's view after sharing:\n%.2500s", view)
	}
	status, _, _ = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"withdraw"}, "reason": {"identified as a utility surveyor"}})
	if status != 303 || w.report(t, id).State != liaison.SARWithdrawn {
		t.Fatalf("withdraw = %d", status)
	}
	_, _, q = w.sgt.do("GET", "/sars?queue=withdrawn", nil)
	if !strings.Contains(q, "/sars/"+id) {
		t.Fatalf("withdrawn queue:\n%.800s", q)
	}
	// Empty queues say what they are for.
	_, _, q = w.officerB.do("GET", "/sars?queue=my_drafts", nil)
	if !strings.Contains(q, `id="queue-empty"`) || !strings.Contains(q, "A draft is a report you saved without submitting it") {
		t.Fatalf("empty drafts queue:\n%.800s", q)
	}
}

func TestUISarDraftReturnedAndResubmitted(t *testing.T) {
	w := newSARUIWorld(t)
	_, _, page := w.officerB.do("GET", "/sars/new", nil)
	form := w.sarForm(csrfOf(t, page))
	form.Set("action", "draft")
	status, loc, _ := w.officerB.do("POST", "/sars", form)
	if status != 303 || !strings.Contains(loc, "done=draft") {
		t.Fatalf("save draft = %d %q", status, loc)
	}
	id := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/sars/")
	_, _, q := w.officerB.do("GET", "/sars?queue=my_drafts", nil)
	if !strings.Contains(q, "/sars/"+id) {
		t.Fatalf("my drafts:\n%.800s", q)
	}
	// Not yet the supervisor's: a draft is the author's until submitted.
	if _, _, q := w.sgt.do("GET", "/sars?queue=awaiting_step1", nil); strings.Contains(q, "/sars/"+id) || !strings.Contains(q, `id="queue-empty"`) {
		t.Fatalf("a draft is in the step-1 queue:\n%.800s", q)
	}
	_, _, view := w.officerB.do("GET", loc, nil)
	if !strings.Contains(view, "Saved as a draft") || !strings.Contains(view, `id="form-submit"`) {
		t.Fatalf("draft page:\n%.800s", view)
	}
	if status, _, _ := w.officerB.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"submit"}}); status != 303 {
		t.Fatalf("submit the draft = %d", status)
	}
	// The supervisor returns it saying what to fix; the reason is in its history.
	_, _, view = w.sgt.do("GET", "/sars/"+id, nil)
	status, _, _ = w.sgt.do("POST", "/sars/"+id+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"return"}, "reason": {"Add the time he left."}})
	if status != 303 || w.report(t, id).State != liaison.SARDraft {
		t.Fatalf("return = %d, state %s", status, w.report(t, id).State)
	}
	_, _, view = w.officerB.do("GET", "/sars/"+id, nil)
	if !strings.Contains(view, "submitted → draft") || !strings.Contains(view, "Add the time he left.") || !strings.Contains(view, `id="form-submit"`) {
		t.Fatalf("returned draft:\n%.2500s", view)
	}
	// The author edits the returned draft: the form comes filled in, with
	// the supervisor's reason; a bad edit changes nothing; a good one is
	// submitted again.
	if !strings.Contains(view, `href="/sars/`+id+`/edit"`) {
		t.Fatalf("no edit link on the returned draft:\n%.2500s", view)
	}
	_, _, edit := w.officerB.do("GET", "/sars/"+id+"/edit", nil)
	before := w.report(t, id)
	if !strings.Contains(edit, `id="returned-reason"`) || !strings.Contains(edit, "Add the time he left.") ||
		!strings.Contains(edit, `value="`+before.Title+`"`) || !strings.Contains(edit, `action="/sars/`+id+`/edit"`) {
		t.Fatalf("edit form:\n%.3000s", edit)
	}
	bad := w.sarForm(csrfOf(t, edit))
	bad.Set("title", "")
	bad.Set("action", "submit")
	if status, _, page := w.officerB.do("POST", "/sars/"+id+"/edit", bad); status != 400 || !strings.Contains(page, `id="err-title"`) {
		t.Fatalf("edit without a title = %d\n%.1500s", status, page)
	}
	if after := w.report(t, id); after.Title != before.Title || after.State != liaison.SARDraft {
		t.Fatalf("a refused edit changed the report: %q %s", after.Title, after.State)
	}
	// Nobody outside the agency edits it; a CSRF-less post is refused.
	if status, _, _ := w.analyst.do("GET", "/sars/"+id+"/edit", nil); status != 404 {
		t.Fatalf("another agency's analyst opens the edit form: %d", status)
	}
	good := w.sarForm(csrfOf(t, edit))
	good.Set("title", "Man photographing substation; left at 18:40")
	good.Set("action", "submit")
	noCSRF := w.sarForm("")
	noCSRF.Set("action", "submit")
	if status, _, _ := w.officerB.do("POST", "/sars/"+id+"/edit", noCSRF); status != 403 {
		t.Fatalf("edit without CSRF = %d", status)
	}
	status, loc, _ = w.officerB.do("POST", "/sars/"+id+"/edit", good)
	if after := w.report(t, id); status != 303 || after.Title != "Man photographing substation; left at 18:40" || after.State != liaison.SARSubmitted {
		t.Fatalf("edit and submit = %d %q: %q %s", status, loc, after.Title, after.State)
	}
	// Once submitted, it is what the vetting chain sees: no more edits.
	if status, _, _ := w.officerB.do("GET", "/sars/"+id+"/edit", nil); status != 409 {
		t.Fatalf("editing a submitted report = %d, want 409", status)
	}
}

func TestUIFormBodyIsBounded(t *testing.T) {
	w := newSARUIWorld(t)
	_, _, page := w.officerB.do("GET", "/sars/new", nil)
	form := w.sarForm(csrfOf(t, page))
	form.Set("narrative", strings.Repeat("x", 200<<10))
	if status, _, body := w.officerB.do("POST", "/sars", form); status != 413 || !strings.Contains(body, "its limit of 64 KiB") {
		t.Fatalf("a 200 KiB form = %d, want 413 saying the limit:\n%.2000s", status, body)
	}
	_, _, q := w.officerB.do("GET", "/sars?queue=my_drafts", nil)
	if !strings.Contains(q, `id="queue-empty"`) {
		t.Fatal("an oversized form filed a report")
	}
}
