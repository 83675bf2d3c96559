package http_test

import (
	"context"
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/storetest"
)

// casesUIWorld is the records world with Riverton PD's supervisor and an
// unassigned Riverton colleague, signed in, and one record in the case.
type casesUIWorld struct {
	*recordsUIWorld
	sgtUser, colleague *liaison.User
	analystUser        *liaison.User // the fusion center's analyst (w.analyst is her browser)
	sgt, coll          *browser
	colleagueTok       string
	recordID           liaison.ID
}

func newCasesUIWorld(t *testing.T, open storetest.Opener) *casesUIWorld {
	w := &casesUIWorld{recordsUIWorld: newRecordsUIWorld(t, open)}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	person := func(login, name string, roles ...liaison.Role) *liaison.User {
		return must(w.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: name, Email: login + "@example.gov", AgencyID: w.officer.AgencyID,
			Roles: roles, Attributes: liaison.Attributes{SwornOfficer: true, Part23Trained: true}, Password: testPassword}))(t)
	}
	w.sgtUser = person("sgt", "Sgt Karen Boyd", liaison.RoleSupervisor, liaison.RoleOfficer)
	w.colleague = person("colleague", "Officer Sam Chen", liaison.RoleOfficer)
	w.colleagueTok = must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: w.colleague.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t).Secret
	w.analystUser = w.intelWorld.analyst
	w.recordID = w.record(t, liaison.TLPAmber)
	w.sgt, w.coll = uiSignIn(t, w.srv.URL, "sgt", w.now), uiSignIn(t, w.srv.URL, "colleague", w.now)
	return w
}

// assigned reads the case's assignments from the store directly.
func (w *casesUIWorld) assigned(t *testing.T) []liaison.ID {
	t.Helper()
	var out []liaison.ID
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		c, err := tx.FindCaseByID(context.Background(), w.caseID)
		if err == nil {
			out = c.Assigned
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// colleagueReads reports whether the colleague reads the record with no
// declared purpose: need-to-know then rests on the case assignment alone
// (policy: own-agency-need-to-know, need-to-know; context.case_assigned).
func (w *casesUIWorld) colleagueReads(t *testing.T) bool {
	t.Helper()
	status, _, body := w.do("GET", "/api/v1/records/"+w.recordID, w.colleagueTok, "")
	if status != 200 && status != 404 {
		t.Fatalf("colleague's read = %d %s", status, body)
	}
	return status == 200
}

func (w *casesUIWorld) page(t *testing.T, b *browser, path string) string {
	t.Helper()
	status, _, page := b.do("GET", path, nil)
	if status != 200 {
		t.Fatalf("GET %s = %d:\n%.2000s", path, status, page)
	}
	return html.UnescapeString(page)
}

func TestUICaseAssignAndRemove(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newCasesUIWorld(t, be.Open)
			path := "/cases/" + w.caseID
			page := w.page(t, w.sgt, path)
			for _, want := range []string{"Operation Lantern", `id="case-lead">RIVPD<`, `href="/records/` + w.recordID + `?purpose=counterterrorism"`,
				"TLP:AMBER", ">H0<", `id="staff-` + w.officer.ID + `"`, `id="assign-form"`, `id="remove-` + w.officer.ID + `"`,
				`<option value="` + w.analystUser.ID + `">Dana Analyst (analyst) · Test Fusion Center · Analyst</option>`,
				`<option value="` + w.colleague.ID + `">`} {
				if !strings.Contains(page, want) {
					t.Errorf("case page lacks %q", want)
				}
			}
			// The bank (private sector) is never offered; nor is anyone assigned already.
			if strings.Contains(page, "banker") || strings.Contains(page, `<option value="`+w.officer.ID+`"`) {
				t.Error("case page offers the banker or the assigned detective")
			}
			page = w.page(t, w.sgt, path+"?q=DANA")
			if !strings.Contains(page, `<option value="`+w.analystUser.ID+`">`) || strings.Contains(page, `<option value="`+w.colleague.ID+`">`) {
				t.Errorf("search for dana offers:\n%s", page[strings.Index(page, `id="assign-user"`):][:600])
			}

			// Assigning the colleague gives need-to-know; removing takes it away.
			if w.colleagueReads(t) {
				t.Fatal("the unassigned colleague reads the record without a purpose")
			}
			csrf := csrfOf(t, page)
			status, loc, _ := w.sgt.do("POST", path+"/assign?purpose=counterterrorism", url.Values{"csrf": {csrf}, "user": {w.colleague.ID}})
			if status != 303 || !strings.Contains(loc, "done=assigned") {
				t.Fatalf("assign = %d %s", status, loc)
			}
			page = w.page(t, w.sgt, loc)
			if !strings.Contains(page, `id="staff-`+w.colleague.ID+`"`) || !strings.Contains(page, "Officer Sam Chen") || !strings.Contains(page, `id="done"`) ||
				!strings.Contains(page, "Assigned Officer Sam Chen. They now have need-to-know") {
				t.Fatalf("after assigning, the colleague is not listed:\n%.3000s", page)
			}
			if !slices.Contains(w.assigned(t), w.colleague.ID) || !w.colleagueReads(t) {
				t.Fatalf("assigned %v; colleague reads %v", w.assigned(t), w.colleagueReads(t))
			}
			// Assigned, the colleague may change assignments too.
			if page := w.page(t, w.coll, path); !strings.Contains(page, `id="assign-form"`) {
				t.Error("the assigned colleague is not offered the assignment form")
			}
			status, loc, _ = w.sgt.do("POST", path+"/unassign?purpose=counterterrorism", url.Values{"csrf": {csrf}, "user": {w.colleague.ID}})
			if status != 303 || !strings.Contains(loc, "done=removed") {
				t.Fatalf("remove = %d %s", status, loc)
			}
			if slices.Contains(w.assigned(t), w.colleague.ID) || w.colleagueReads(t) {
				t.Fatalf("after removal: assigned %v; colleague reads %v", w.assigned(t), w.colleagueReads(t))
			}
			if n := w.outcomeCount("case.assign", liaison.OutcomeSuccess); n != 2 {
				t.Errorf("case.assign audited %d times, want 2", n)
			}

			// Removing yourself asks first.
			page = w.page(t, w.det, path)
			if !strings.Contains(page, "Remove yourself") {
				t.Fatal("the detective is not offered to remove himself")
			}
			status, _, page = w.det.do("POST", path+"/unassign?purpose=counterterrorism", url.Values{"csrf": {csrfOf(t, page)}, "user": {w.officer.ID}})
			if status != 200 || !strings.Contains(page, `id="leave-form"`) || !strings.Contains(page, `name="confirm" value="yes"`) ||
				!slices.Contains(w.assigned(t), w.officer.ID) {
				t.Fatalf("removing yourself without confirming = %d, assigned %v:\n%.2000s", status, w.assigned(t), page)
			}
			status, loc, _ = w.det.do("POST", path+"/unassign?purpose=counterterrorism", url.Values{"csrf": {csrfOf(t, page)}, "user": {w.officer.ID}, "confirm": {"yes"}})
			if status != 303 || !strings.Contains(loc, "done=left") || slices.Contains(w.assigned(t), w.officer.ID) {
				t.Fatalf("confirmed = %d %s, assigned %v", status, loc, w.assigned(t))
			}
			// Still of the lead agency, he sees the case, but no longer changes it.
			page = w.page(t, w.det, loc)
			if strings.Contains(page, `id="assign-form"`) || !strings.Contains(page, `id="assign-who"`) || !strings.Contains(page, "no longer assigned") {
				t.Errorf("after leaving, the detective's page:\n%.3000s", page)
			}
		})
	}
}

func TestUICaseRefusals(t *testing.T) {
	w := newCasesUIWorld(t, storetest.OpenSQLite)
	path := "/cases/" + w.caseID
	before := w.assigned(t)
	unchanged := func(what string) {
		t.Helper()
		if got := w.assigned(t); !slices.Equal(got, before) {
			t.Fatalf("%s changed the assignments: %v, was %v", what, got, before)
		}
	}
	csrfFor := func(b *browser) string {
		_, _, page := b.do("GET", "/records", nil)
		return csrfOf(t, page)
	}

	// Outsiders: the page a missing case gets, for the page and the forms.
	_, _, gone := w.bank.do("GET", "/cases/"+liaison.NewID(), nil)
	for _, b := range []*browser{w.bank, w.analyst} {
		status, _, page := b.do("GET", path, nil)
		if status != 404 || strings.Contains(page, "Operation Lantern") || detail(page) != detail(gone) {
			t.Errorf("outsider's case page = %d %q, want the missing case's %q", status, detail(page), detail(gone))
		}
		for _, act := range []string{"/assign", "/unassign"} {
			if status, _, _ := b.do("POST", path+act, url.Values{"csrf": {csrfFor(b)}, "user": {w.analystUser.ID}}); status != 404 {
				t.Errorf("outsider POST %s = %d, want 404", act, status)
			}
		}
	}
	if status, _, _ := w.sgt.do("GET", "/cases/not-an-id", nil); status != 404 {
		t.Errorf("malformed case id = %d, want 404", status)
	}
	unchanged("outsiders")

	// A colleague of the lead agency, neither supervisor nor assigned, sees
	// the case but is offered no change, and the service refuses (audited).
	page := w.page(t, w.coll, path)
	if strings.Contains(page, `id="assign-form"`) || strings.Contains(page, `id="remove-`) || !strings.Contains(page, `id="assign-who"`) {
		t.Error("the unassigned colleague is offered to change assignments")
	}
	denied := w.deniedCount("case.assign")
	for _, c := range []struct {
		act  string
		user liaison.ID
	}{{"/assign", w.colleague.ID}, {"/assign", ""}, {"/unassign", w.officer.ID}, {"/unassign", "nobody"}} {
		if status, _, _ := w.coll.do("POST", path+c.act, url.Values{"csrf": {csrfFor(w.coll)}, "user": {c.user}}); status != 403 {
			t.Errorf("colleague POST %s %q = %d, want 403", c.act, c.user, status)
		}
	}
	if n := w.deniedCount("case.assign"); n != denied+4 {
		t.Errorf("refusals audited %d times, want 4", n-denied)
	}
	unchanged("a colleague who may not assign")

	// Another agency's analyst, once assigned, sees the case, may not change it.
	csrf := csrfFor(w.sgt)
	if status, _, _ := w.sgt.do("POST", path+"/assign", url.Values{"csrf": {csrf}, "user": {w.analystUser.ID}}); status != 303 {
		t.Fatalf("assigning the analyst = %d", status)
	}
	before = w.assigned(t)
	if page := w.page(t, w.analyst, path); strings.Contains(page, `id="assign-form"`) || strings.Contains(page, `id="remove-`) {
		t.Error("another agency's analyst is offered to change assignments")
	}
	denied = w.deniedCount("case.assign")
	for _, act := range []string{"/assign", "/unassign"} {
		user := w.colleague.ID
		if act == "/unassign" {
			user = w.analystUser.ID // no confirmation step: the service refuses
		}
		if status, _, _ := w.analyst.do("POST", path+act, url.Values{"csrf": {csrfFor(w.analyst)}, "user": {user}}); status != 403 {
			t.Errorf("other agency's POST %s = %d, want 403", act, status)
		}
	}
	if n := w.deniedCount("case.assign"); n != denied+2 {
		t.Errorf("other agency's refusals audited %d times, want 2", n-denied)
	}
	unchanged("another agency's analyst")

	// No CSRF token: refused before anything is read.
	for _, act := range []string{"/assign", "/unassign"} {
		if status, _, _ := w.sgt.do("POST", path+act, url.Values{"user": {w.colleague.ID}}); status != 403 {
			t.Errorf("POST %s without csrf = %d, want 403", act, status)
		}
	}
	unchanged("forms without a token")

	// Bad input: the field is named, nothing changes, nothing is audited as done.
	done := w.outcomeCount("case.assign", liaison.OutcomeSuccess)
	bank := must(w.svc.FindUser(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), "banker"))(t)
	for _, c := range []struct{ user, want string }{
		{"", "Staff member is required"},
		{"not-an-id", "Staff member must be a user id"},
		{liaison.NewID(), "no account has this id"},
		{bank.ID, "must work for the lead agency or an agency that shares a community with it, and not for a private-sector partner"},
		{w.officer.ID, "is assigned to this case already"},
	} {
		status, _, page := w.sgt.do("POST", path+"/assign", url.Values{"csrf": {csrf}, "user": {c.user}})
		page = html.UnescapeString(page)
		if status != 400 || !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, `href="#assign-user"`) ||
			!strings.Contains(page, `id="err-assign-user"`) || !strings.Contains(page, c.want) || !strings.Contains(page, `aria-invalid="true"`) {
			t.Errorf("assign %q = %d, want 400 naming the staff member: %q", c.user, status, c.want)
		}
	}
	status, _, page := w.sgt.do("POST", path+"/unassign", url.Values{"csrf": {csrf}, "user": {w.colleague.ID}})
	if status != 400 || !strings.Contains(page, `id="err-staff"`) || !strings.Contains(page, `href="#staff"`) {
		t.Errorf("removing someone not assigned = %d", status)
	}
	if status, _, page := w.sgt.do("GET", path+"?q="+strings.Repeat("x", 101), nil); status != 400 || !strings.Contains(page, `id="err-staff-q"`) {
		t.Errorf("an overlong search = %d", status)
	}
	if status, _, _ := w.sgt.do("GET", path+"?bogus=1", nil); status != 400 {
		t.Errorf("an unknown query parameter = %d", status)
	}
	unchanged("bad input")
	if n := w.outcomeCount("case.assign", liaison.OutcomeSuccess); n != done {
		t.Errorf("bad input audited as %d assignments", n-done)
	}
}

// The record page and the records list link to the case page.
func TestUICaseLinked(t *testing.T) {
	w := newCasesUIWorld(t, storetest.OpenSQLite)
	link := `href="/cases/` + w.caseID + `?purpose=counterterrorism"`
	if page := w.page(t, w.det, "/records/"+w.recordID+"?purpose=counterterrorism"); !strings.Contains(page, link) {
		t.Error("the record page does not link its case")
	}
	if page := w.page(t, w.det, "/records?case="+w.caseID); !strings.Contains(page, link) {
		t.Error("the records list does not link the case page")
	}
}
