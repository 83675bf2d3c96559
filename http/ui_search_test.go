package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

// TestUISearchPointerRequestDecide: a fusion-center analyst searches in
// the web UI, sees a result and a pointer, asks for access through a form
// that names what to fix, and the holder's supervisor approves on the
// access-requests page; the analyst then sees the record in the results.
func TestUISearchPointerRequestDecide(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	f.svc.Now = func() time.Time { return now }
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	metro := must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: "METRO", Name: "Metro Police", Kind: liaison.AgencyLocal, Country: "US",
		Contacts: []liaison.Contact{{Name: "Intel desk", Phone: "+1 202 555 0100"}}}))(t)
	trained := liaison.Attributes{Part23Trained: true}
	writer := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "writer", Name: "Wren Writer", Email: "w@example.gov", AgencyID: metro.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst, liaison.RoleSupervisor}, Attributes: trained, Password: testPassword}))(t)
	seeker := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "seeker", Name: "Sam Seeker", Email: "s@example.gov", AgencyID: f.agency.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: trained, Password: testPassword}))(t)
	comm := must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther, Members: []liaison.ID{metro.ID, f.agency.ID}}))(t)
	must(f.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: f.agency.ID, CommunityID: comm.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence}, PIIAllowed: true,
		Expires: now.AddDate(1, 0, 0)}))(t)
	wctx := liaison.NewContext(context.Background(), liaison.Actor{User: writer})
	mcase := must(f.svc.CreateCase(wctx, liaison.CaseInput{Title: "Harbour"}))(t)
	rec := func(title string, shared bool) *liaison.IntelRecord {
		in := liaison.IntelInput{Title: title, Narrative: "Viktor Baranov photographed the gate.",
			Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Viktor Baranov"}}},
			Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
			TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: mcase.ID, RetainUntil: now.AddDate(1, 0, 0)}
		if shared {
			in.SharedWith = []liaison.ID{comm.ID}
		}
		return must(f.svc.CreateIntelRecord(wctx, in))(t)
	}
	shared := rec("Baranov buys fertilizer", true)
	hidden := rec("Baranov at the harbour gate", false)
	must(f.svc.CreateCase(liaison.NewContext(context.Background(), liaison.Actor{User: seeker}), liaison.CaseInput{Title: "Threat picture"}))(t)
	if _, err := f.svc.IndexSearch(ctx); err != nil {
		t.Fatal(err)
	}
	sam := uiSignIn(t, f.srv.URL, "seeker", now)
	wren := uiSignIn(t, f.srv.URL, "writer", now)

	status, _, page := sam.do("GET", "/search", nil)
	if status != 200 || !strings.Contains(page, `id="search-intro"`) {
		t.Fatalf("empty search page = %d", status)
	}
	status, _, page = sam.do("GET", "/search?identifier=ab", nil)
	if status != 400 || !strings.Contains(page, `id="err-search-identifier"`) || !strings.Contains(page, `href="#search-identifier"`) {
		t.Fatalf("bad identifier = %d:\n%.2000s", status, page)
	}
	status, _, page = sam.do("GET", "/search?q=baranov&purpose=counterterrorism", nil)
	if status != 200 || !strings.Contains(page, shared.Title) || strings.Contains(page, hidden.Title) || strings.Contains(page, hidden.ID) {
		t.Fatalf("search = %d:\n%.3000s", status, page)
	}
	m := regexp.MustCompile(`href="/access-requests/new\?pointer=([0-9a-f-]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Metro Police") || !strings.Contains(page, "Intel desk") {
		t.Fatalf("no pointer to Metro Police:\n%.3000s", page)
	}
	_, _, page = sam.do("GET", "/access-requests/new?pointer="+m[1], nil)
	form := url.Values{"csrf": {csrfOf(t, page)}, "pointer": {m[1]}, "purpose": {"counterterrorism"}, "case_id": {""}, "justification": {"short"}}
	status, _, page = sam.do("POST", "/access-requests", form)
	if status != 400 || !strings.Contains(page, `id="err-access-case-id"`) || !strings.Contains(page, `id="err-access-justification"`) ||
		!strings.Contains(page, "short") {
		t.Fatalf("bad request form = %d:\n%.3000s", status, page)
	}
	caseID := regexp.MustCompile(`<option value="([0-9a-f-]{36})"`).FindStringSubmatch(page)
	form.Set("case_id", caseID[1])
	form.Set("justification", "Baranov is named in our regional threat picture.")
	form.Set("csrf", "wrong")
	if status, _, _ := sam.do("POST", "/access-requests", form); status != 403 {
		t.Fatalf("request without the CSRF token = %d", status)
	}
	form.Set("csrf", csrfOf(t, page))
	status, loc, _ := sam.do("POST", "/access-requests", form)
	if status != 303 || loc != "/access-requests?box=mine&done=requested" {
		t.Fatalf("request = %d %s", status, loc)
	}
	_, _, page = sam.do("GET", loc, nil)
	if !strings.Contains(page, "pending") || strings.Contains(page, hidden.ID) {
		t.Fatalf("my requests:\n%.3000s", page)
	}
	_, _, page = wren.do("GET", "/access-requests", nil)
	if !strings.Contains(page, hidden.ID) || !strings.Contains(page, "regional threat picture") {
		t.Fatalf("incoming:\n%.3000s", page)
	}
	id := regexp.MustCompile(`action="/access-requests/([0-9a-f-]+)/decision"`).FindStringSubmatch(page)[1]
	status, loc, _ = wren.do("POST", "/access-requests/"+id+"/decision", url.Values{"csrf": {csrfOf(t, page)}, "decision": {"deny"}})
	if status != 303 || !strings.Contains(loc, "error=") {
		t.Fatalf("deny without a reason = %d %s", status, loc)
	}
	status, _, _ = wren.do("POST", "/access-requests/"+id+"/decision", url.Values{"csrf": {csrfOf(t, page)}, "decision": {"approve"}, "days": {"7"}})
	if status != 303 {
		t.Fatalf("approve = %d", status)
	}
	_, _, page = sam.do("GET", "/search?q=harbour&purpose=counterterrorism", nil)
	if !strings.Contains(page, hidden.Title) {
		t.Fatalf("after approval the record is a result:\n%.3000s", page)
	}
}
