package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

// TestSearchAccessRequestOverHTTP: a search gives a pointer to a partner's
// record, the searcher asks for access, the holder approves, the searcher
// reads the record; every bad request is a problem naming its field.
func TestSearchAccessRequestOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
		metro := must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: "METRO", Name: "Metro Police", Kind: liaison.AgencyLocal, Country: "US",
			Contacts: []liaison.Contact{{Name: "Intel desk", Phone: "+1 202 555 0100"}}}))(t)
		trained := liaison.Attributes{Part23Trained: true}
		writer := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "writer", Name: "Wren Writer", Email: "w@example.gov", AgencyID: metro.ID,
			Roles: []liaison.Role{liaison.RoleAnalyst, liaison.RoleSupervisor}, Attributes: trained, Password: testPassword}))(t)
		seeker := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "seeker", Name: "Sam Seeker", Email: "s@example.gov", AgencyID: f.agency.ID,
			Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: trained, Password: testPassword}))(t)
		tok := func(u *liaison.User) string {
			return must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
		}
		wTok, sTok := tok(writer), tok(seeker)
		wctx := liaison.NewContext(context.Background(), liaison.Actor{User: writer})
		mcase := must(f.svc.CreateCase(wctx, liaison.CaseInput{Title: "Harbour"}))(t)
		rec := must(f.svc.CreateIntelRecord(wctx, liaison.IntelInput{Title: "Baranov at the harbour gate", Narrative: "Viktor Baranov photographed the gate.",
			Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Viktor Baranov", "plate": "CPX-4471"}}},
			Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
			TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: mcase.ID, RetainUntil: time.Now().AddDate(1, 0, 0)}))(t)
		scase := must(f.svc.CreateCase(liaison.NewContext(context.Background(), liaison.Actor{User: seeker}), liaison.CaseInput{Title: "Threat picture"}))(t)
		if _, err := f.svc.IndexSearch(ctx); err != nil {
			t.Fatal(err)
		}

		for body, field := range map[string]string{
			`{}`:                                 "q",
			`{"q":"x","kinds":["operation"]}`:    "kinds[0]",
			`{"identifier":"ab"}`:                "identifier",
			`{"q":"x","near":{"lat":1,"lon":1}}`: "near.radius_m",
			`{"q":"x","purpose":"curiosity"}`:    "purpose",
			`{"q":"x","cursor":"zz"}`:            "cursor",
			`{"q":"x","from":"yesterday"}`:       "from",
		} {
			status, hdr, b := f.do("POST", "/api/v1/search", sTok, body)
			if p := parseProblem(t, hdr, b); status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != field {
				t.Errorf("search %s: %d %s, want a problem naming %s", body, status, b, field)
			}
		}
		// A read-only token may search; it may not ask for access.
		readTok := must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: seeker.ID, Name: "r", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t).Secret
		if status, _, b := f.do("POST", "/api/v1/search", readTok, `{"q":"nothing","purpose":"counterterrorism"}`); status != 200 {
			t.Errorf("search with a read-only token = %d %s", status, b)
		}
		if status, _, _ := f.do("POST", "/api/v1/access-requests", readTok, `{}`); status != 403 {
			t.Errorf("access request with a read-only token = %d", status)
		}
		status, _, b := f.do("POST", "/api/v1/search", sTok, `{"q":"baranov","purpose":"counterterrorism"}`)
		var resp service.SearchResponse
		if status != 200 || json.Unmarshal(b, &resp) != nil || len(resp.Results) != 0 || len(resp.Pointers) != 1 {
			t.Fatalf("search = %d %s", status, b)
		}
		for _, leak := range []string{rec.ID, "harbour", "photographed", "CPX"} {
			if strings.Contains(strings.ToLower(string(b)), strings.ToLower(leak)) {
				t.Errorf("the pointer response carries %q: %s", leak, b)
			}
		}
		if !strings.Contains(string(b), "Metro Police") || !strings.Contains(string(b), "Intel desk") {
			t.Errorf("the pointer does not say who to call: %s", b)
		}
		handle := resp.Pointers[0].ID

		req := fmt.Sprintf(`{"pointer":%q,"purpose":"counterterrorism","case_id":%q,"justification":"Baranov is named in our regional threat picture."}`, handle, scase.ID)
		status, hdr, b := f.do("POST", "/api/v1/access-requests", sTok, strings.Replace(req, `"purpose":"counterterrorism",`, "", 1))
		if p := parseProblem(t, hdr, b); status != 400 || p.Errors[0].Field != "purpose" {
			t.Errorf("request without a purpose: %d %s", status, b)
		}
		// The handle is the seeker's: the holder's own writer cannot use it.
		if status, _, b := f.do("POST", "/api/v1/access-requests", wTok, strings.Replace(req, scase.ID, mcase.ID, 1)); status != 404 {
			t.Errorf("someone else's handle: %d %s", status, b)
		}
		status, _, b = f.do("POST", "/api/v1/access-requests", sTok, req)
		var ar liaison.AccessRequest
		if status != 201 || json.Unmarshal(b, &ar) != nil || ar.State != liaison.RequestPending || len(ar.Items) != 0 {
			t.Fatalf("request = %d %s", status, b)
		}
		status, _, b = f.do("GET", "/api/v1/access-requests?box=incoming", wTok, "")
		if status != 200 || !strings.Contains(string(b), rec.ID) {
			t.Fatalf("incoming = %d %s: the holder sees which items are asked for", status, b)
		}
		if status, _, b := f.do("POST", "/api/v1/access-requests/"+ar.ID+"/decision", sTok, `{"decision":"approve"}`); status != 404 {
			t.Errorf("the requester decides: %d %s", status, b)
		}
		status, hdr, b = f.do("POST", "/api/v1/access-requests/"+ar.ID+"/decision", wTok, `{"decision":"maybe"}`)
		if p := parseProblem(t, hdr, b); status != 400 || p.Errors[0].Field != "decision" {
			t.Errorf("decision maybe: %d %s", status, b)
		}
		status, _, b = f.do("POST", "/api/v1/access-requests/"+ar.ID+"/decision", wTok, `{"decision":"approve","reason":"ok"}`)
		if status != 200 || !strings.Contains(string(b), `"state":"approved"`) {
			t.Fatalf("approve = %d %s", status, b)
		}
		status, _, b = f.do("GET", "/api/v1/records/"+rec.ID+"?purpose=counterterrorism", sTok, "")
		if status != 200 || !strings.Contains(string(b), "Viktor Baranov") {
			t.Fatalf("granted read = %d %s", status, b)
		}
		if status, _, _ := f.do("GET", "/api/v1/records/"+rec.ID+"?purpose=criminal_investigation", sTok, ""); status != 404 {
			t.Errorf("read for another purpose: %d", status)
		}
		status, _, b = f.do("GET", "/api/v1/grants", sTok, "")
		var grants struct{ Items []liaison.Grant }
		if status != 200 || json.Unmarshal(b, &grants) != nil || len(grants.Items) != 1 {
			t.Fatalf("grants = %d %s", status, b)
		}
		if status, _, b := f.do("POST", "/api/v1/grants/"+grants.Items[0].ID+"/revoke", wTok, `{"reason":"case closed"}`); status != 200 {
			t.Fatalf("revoke = %d %s", status, b)
		}
		if status, _, _ := f.do("GET", "/api/v1/records/"+rec.ID+"?purpose=counterterrorism", sTok, ""); status != 404 {
			t.Errorf("read after revocation: %d", status)
		}

		// Saved searches.
		status, _, b = f.do("POST", "/api/v1/saved-searches", sTok, `{"name":"Baranov","query":{"q":"baranov","purpose":"counterterrorism"}}`)
		if status != 201 {
			t.Fatalf("save = %d %s", status, b)
		}
		status, hdr, b = f.do("POST", "/api/v1/saved-searches", sTok, `{"name":"x","query":{"identifier":"a"}}`)
		if p := parseProblem(t, hdr, b); status != 400 || p.Errors[0].Field != "query.identifier" {
			t.Errorf("bad saved search: %d %s", status, b)
		}
		if status, _, b := f.do("GET", "/api/v1/saved-searches", sTok, ""); status != 200 || strings.Count(string(b), `"name":"Baranov"`) != 1 {
			t.Errorf("saved searches = %d %s", status, b)
		}
	})
}
