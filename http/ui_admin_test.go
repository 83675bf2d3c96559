package http_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

// adminUI is a fixture with a frozen clock, an admin and an analyst
// signed in to the web UI.
type adminUI struct {
	*fixture
	now            time.Time
	sys            context.Context
	admin, analyst *browser
}

func newAdminUI(t *testing.T, f *fixture) *adminUI {
	w := &adminUI{fixture: f, now: time.Now().UTC().Truncate(time.Second), sys: liaison.NewContext(context.Background(), liaison.Actor{System: "test"})}
	f.svc.Now = func() time.Time { return w.now }
	w.admin, w.analyst = uiSignIn(t, f.srv.URL, "admin", w.now), uiSignIn(t, f.srv.URL, "analyst", w.now)
	return w
}

func (w *adminUI) count(t *testing.T) (agencies, users, communities, agreements int) {
	t.Helper()
	a, _, err1 := w.svc.ListAgencies(w.sys, liaison.AgencyFilter{}, liaison.Page{Limit: 500})
	u, _, err2 := w.svc.ListUsers(w.sys, liaison.UserFilter{}, liaison.Page{Limit: 500})
	c, _, err3 := w.svc.ListCommunities(w.sys, liaison.CommunityFilter{}, liaison.Page{Limit: 500})
	g, _, err4 := w.svc.ListAgreements(w.sys, liaison.AgreementFilter{}, liaison.Page{Limit: 500})
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return len(a), len(u), len(c), len(g)
}

// post fetches page (for its CSRF token) and posts form to path.
func (b *browser) post(page, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	_, _, body := b.do("GET", page, nil)
	form.Set("csrf", csrfOf(b.t, body))
	return b.do("POST", path, form)
}

var idRE = regexp.MustCompile(`/admin/[a-z]+/([0-9a-f-]{36})`)

func idFrom(t *testing.T, loc string) string {
	t.Helper()
	m := idRE.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("no id in %q", loc)
	}
	return m[1]
}

// TestUIAdminRefusedToOthers: an analyst gets the forbidden page on every
// administration page and every administration form, even with a valid
// CSRF token, and nothing changes; signed out, the pages ask for sign-in.
func TestUIAdminRefusedToOthers(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		w := newAdminUI(t, f)
		comm := must(w.svc.CreateCommunity(w.sys, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther, Members: []liaison.ID{f.agency.ID}}))(t)
		agr := must(w.svc.CreateAgreement(w.sys, liaison.AgreementInput{AgencyID: f.agency.ID, CommunityID: comm.ID, LegalBasis: "MOU 2026",
			Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: w.now.AddDate(1, 0, 0)}))(t)
		tok := must(w.svc.CreateToken(w.sys, liaison.TokenInput{UserID: f.admin.ID, Name: "script", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t)
		before := [4]int{}
		before[0], before[1], before[2], before[3] = w.count(t)

		gets := []string{"/admin", "/admin/agencies", "/admin/agencies/new", "/admin/agencies/" + f.agency.ID, "/admin/users",
			"/admin/users/new", "/admin/users/" + f.admin.ID, "/admin/communities", "/admin/communities/new",
			"/admin/communities/" + comm.ID, "/admin/agreements", "/admin/agreements/new", "/admin/agreements/" + agr.ID}
		for _, p := range gets {
			status, _, page := w.analyst.do("GET", p, nil)
			if status != 403 || !strings.Contains(page, "for administrators") || strings.Contains(page, f.admin.Email) {
				t.Errorf("analyst GET %s = %d:\n%.600s", p, status, page)
			}
			if status, loc, _ := newBrowser(t, f.srv.URL).do("GET", p, nil); status != 303 || !strings.HasPrefix(loc, "/login") {
				t.Errorf("signed out GET %s = %d %q", p, status, loc)
			}
		}
		_, _, home := w.analyst.do("GET", "/", nil)
		if strings.Contains(home, `id="nav-admin"`) {
			t.Error("the analyst's menu offers Admin")
		}
		csrf := csrfOf(t, home)
		posts := map[string]url.Values{
			"/admin/agencies":                {"code": {"EVIL"}, "name": {"Evil"}, "kind": {"local"}, "country": {"US"}},
			"/admin/agencies/" + f.agency.ID: {"name": {"Renamed"}, "kind": {"local"}, "country": {"US"}},
			"/admin/users": {"login": {"mole"}, "name": {"Mole"}, "email": {"m@example.gov"}, "agency_id": {f.agency.ID},
				"roles": {"admin"}, "password": {testPassword}},
			"/admin/users/" + f.analyst.ID:                                       {"name": {"Dana"}, "email": {"analyst@example.gov"}, "agency_id": {f.agency.ID}, "roles": {"admin", "analyst"}},
			"/admin/users/" + f.admin.ID + "/unlock":                             {},
			"/admin/users/" + f.admin.ID + "/reset-mfa":                          {},
			"/admin/users/" + f.admin.ID + "/tokens/" + tok.Token.ID + "/revoke": {},
			"/admin/communities":                                                 {"name": {"Cabal"}, "kind": {"other"}},
			"/admin/communities/" + comm.ID:                                      {"name": {"Cabal"}, "kind": {"other"}},
			"/admin/agreements": {"agency_id": {f.agency.ID}, "community_id": {comm.ID}, "legal_basis": {"none"},
				"purposes": {"counterterrorism"}, "record_kinds": {"sar"}, "expires": {w.now.AddDate(1, 0, 0).Format("2006-01-02")}},
			"/admin/agreements/" + agr.ID:          {"legal_basis": {"changed"}, "purposes": {"counterterrorism"}, "record_kinds": {"sar"}, "expires": {w.now.AddDate(2, 0, 0).Format("2006-01-02")}},
			"/admin/agreements/" + agr.ID + "/end": {"confirm": {"1"}},
		}
		for p, form := range posts {
			form.Set("csrf", csrf)
			if status, _, page := w.analyst.do("POST", p, form); status != 403 || !strings.Contains(page, "for administrators") {
				t.Errorf("analyst POST %s = %d:\n%.600s", p, status, page)
			}
		}
		if n, want := f.deniedCount("ui.admin"), len(gets)+len(posts); n != want {
			t.Errorf("%d refusals audited, want %d", n, want)
		}
		after := [4]int{}
		after[0], after[1], after[2], after[3] = w.count(t)
		if before != after {
			t.Errorf("counts changed: %v -> %v", before, after)
		}
		an := must(w.svc.FindUser(w.sys, f.analyst.ID))(t)
		ad := must(w.svc.FindUser(w.sys, f.admin.ID))(t)
		ag := must(w.svc.FindAgency(w.sys, f.agency.ID))(t)
		a2 := must(w.svc.FindAgreement(w.sys, agr.ID))(t)
		toks, _, err := w.svc.ListTokens(w.sys, f.admin.ID, liaison.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if an.Has(liaison.RoleAdmin) || ad.MFAEnrolled == nil || ag.Name != f.agency.Name || a2.LegalBasis != "MOU 2026" ||
			!a2.Expires.Equal(agr.Expires) || toks[0].Revoked != nil {
			t.Errorf("a refused request changed something: analyst roles %v, admin MFA %v, agency %q, agreement %q %v, token revoked %v",
				an.Roles, ad.MFAEnrolled, ag.Name, a2.LegalBasis, a2.Expires, toks[0].Revoked)
		}
		// The admin's own session still works: the reset was refused.
		if status, _, _ := w.admin.do("GET", "/admin", nil); status != 200 {
			t.Errorf("admin GET /admin = %d", status)
		}
	})
}

// TestUIAdminCSRFRequired: an admin's form without its CSRF token, or with
// another session's, is refused and creates nothing.
func TestUIAdminCSRFRequired(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	w := newAdminUI(t, f)
	a0, u0, _, _ := w.count(t)
	form := url.Values{"code": {"NEWAG"}, "name": {"New Agency"}, "kind": {"local"}, "country": {"US"}}
	if status, _, page := w.admin.do("POST", "/admin/agencies", form); status != 403 || !strings.Contains(page, "security token") {
		t.Fatalf("POST without CSRF = %d:\n%.500s", status, page)
	}
	_, _, other := w.analyst.do("GET", "/", nil)
	form.Set("csrf", csrfOf(t, other))
	if status, _, _ := w.admin.do("POST", "/admin/agencies", form); status != 403 {
		t.Fatalf("POST with another session's CSRF = %d", status)
	}
	userForm := url.Values{"login": {"newbie"}, "name": {"New"}, "email": {"n@example.gov"}, "agency_id": {f.agency.ID}, "password": {testPassword}}
	if status, _, _ := w.admin.do("POST", "/admin/users", userForm); status != 403 {
		t.Fatalf("user POST without CSRF = %d", status)
	}
	if status, _, _ := w.admin.do("POST", "/admin/users/"+f.analyst.ID+"/reset-mfa", url.Values{}); status != 403 {
		t.Fatalf("reset-mfa without CSRF = %d", status)
	}
	if a1, u1, _, _ := w.count(t); a1 != a0 || u1 != u0 {
		t.Fatalf("created without a CSRF token: agencies %d -> %d, users %d -> %d", a0, a1, u0, u1)
	}
	if u := must(w.svc.FindUser(w.sys, f.analyst.ID))(t); u.MFAEnrolled == nil {
		t.Fatal("second factor reset without a CSRF token")
	}
}

// TestUIAdminDirectoryForms: the admin creates an agency (told first what
// to fix, then that the code is taken), a user with roles (a role outside
// the list and a taken login are refused by field), a community and an
// agreement; edits and ends it; unlocks an account, resets a second factor
// and revokes a token. Nothing is created on bad input.
func TestUIAdminDirectoryForms(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		w := newAdminUI(t, f)
		b := w.admin
		status, _, page := b.do("GET", "/admin", nil)
		if status != 200 || !strings.Contains(page, `id="count-agencies">1<`) || !strings.Contains(page, `id="count-users">2<`) ||
			!strings.Contains(page, "No account is locked") {
			t.Fatalf("overview = %d:\n%.3000s", status, page)
		}

		// Agency: bad input names each field; nothing is created.
		a0, u0, c0, g0 := w.count(t)
		form := url.Values{"code": {"x"}, "name": {""}, "kind": {"cartel"}, "country": {"USA"},
			"contact0_name": {"Duty desk"}, "contact0_email": {"not an address"}}
		status, _, page = b.post("/admin/agencies/new", "/admin/agencies", form)
		for _, want := range []string{`href="#agency-code"`, `id="err-agency-code"`, "Code must be 2-24", `id="err-agency-name"`, "Name is required",
			`id="err-agency-kind"`, `id="err-agency-country"`, `id="err-agency-contact0-email"`, "Contact 1 email", "Nothing was saved"} {
			if !strings.Contains(page, want) {
				t.Errorf("bad agency form lacks %q", want)
			}
		}
		if status != 400 || !strings.Contains(page, `value="Duty desk"`) {
			t.Fatalf("bad agency = %d:\n%.4000s", status, page)
		}
		// A taken code names the field.
		form = url.Values{"code": {"sfc-t"}, "name": {"Copy"}, "kind": {"local"}, "country": {"us"}, "contact0_name": {"Desk"}, "contact0_phone": {"+1 202 555 0100"}}
		status, _, page = b.post("/admin/agencies/new", "/admin/agencies", form)
		if status != 400 || !strings.Contains(page, `id="err-agency-code"`) || !strings.Contains(page, "already taken") {
			t.Fatalf("duplicate code = %d:\n%.3000s", status, page)
		}
		if a1, _, _, _ := w.count(t); a1 != a0 {
			t.Fatal("a bad agency form created an agency")
		}
		form.Set("code", "RIV-PD")
		form.Set("name", "Riverton Police")
		status, loc, _ := b.post("/admin/agencies/new", "/admin/agencies", form)
		if status != 303 || !strings.HasSuffix(loc, "?done=created") {
			t.Fatalf("create agency = %d %q", status, loc)
		}
		agencyID := idFrom(t, loc)
		_, _, page = b.do("GET", loc, nil)
		if !strings.Contains(page, `id="admin-done"`) || !strings.Contains(page, "RIV-PD") || !strings.Contains(page, "202 555 0100") ||
			!strings.Contains(page, "No user has this as their home agency") {
			t.Fatalf("new agency page:\n%.3000s", page)
		}
		// Edit: a bad country names the field; a good edit saves.
		edit := url.Values{"name": {"Riverton Police Department"}, "kind": {"local"}, "country": {"U5"}, "contact_rows": {"3"},
			"contact0_name": {"Desk"}, "contact0_phone": {"+1 202 555 0100"}}
		status, _, page = b.post(loc, "/admin/agencies/"+agencyID, edit)
		if status != 400 || !strings.Contains(page, `id="err-agency-country"`) {
			t.Fatalf("bad agency edit = %d:\n%.2000s", status, page)
		}
		edit.Set("country", "US")
		if status, loc, _ := b.post(loc, "/admin/agencies/"+agencyID, edit); status != 303 || !strings.HasSuffix(loc, "?done=saved") {
			t.Fatalf("agency edit = %d %q", status, loc)
		}
		if a := must(w.svc.FindAgency(w.sys, agencyID))(t); a.Name != "Riverton Police Department" || a.Code != "RIV-PD" {
			t.Fatalf("agency after edit: %+v", a)
		}
		status, _, page = b.do("GET", "/admin/agencies?kind=local", nil)
		if status != 200 || !strings.Contains(page, "Riverton Police Department") || strings.Contains(page, "Test Fusion Center") {
			t.Fatalf("agencies filtered by kind = %d:\n%.2000s", status, page)
		}
		if status, _, page := b.do("GET", "/admin/agencies?kind=cartel", nil); status != 400 || !strings.Contains(page, `id="err-filter-kind"`) {
			t.Fatalf("bad kind filter = %d", status)
		}

		// User: a role outside the list is refused by field; so is a taken login.
		user := url.Values{"login": {"k.boyd"}, "name": {"Karen Boyd"}, "email": {"kb@example.gov"}, "agency_id": {agencyID},
			"roles": {"officer", "superuser"}, "clearance": {"secret"}, "sworn_officer": {"1"}, "password": {testPassword}}
		status, _, page = b.post("/admin/users/new", "/admin/users", user)
		if status != 400 || !strings.Contains(page, `id="err-user-roles"`) || !strings.Contains(page, "Roles must be one of") ||
			!strings.Contains(page, `href="#user-role-officer"`) {
			t.Fatalf("unknown role = %d:\n%.3000s", status, page)
		}
		user["roles"] = []string{"officer", "supervisor"}
		user.Set("login", "Analyst")
		status, _, page = b.post("/admin/users/new", "/admin/users", user)
		if status != 400 || !strings.Contains(page, `id="err-user-login"`) || !strings.Contains(page, "already taken") {
			t.Fatalf("taken login = %d:\n%.3000s", status, page)
		}
		user.Set("login", "k.boyd")
		user.Set("password", "short")
		status, _, page = b.post("/admin/users/new", "/admin/users", user)
		if status != 400 || !strings.Contains(page, `id="err-user-password"`) {
			t.Fatalf("short password = %d:\n%.3000s", status, page)
		}
		if _, u1, _, _ := w.count(t); u1 != u0 {
			t.Fatal("a bad user form created a user")
		}
		user.Set("password", testPassword)
		status, loc, _ = b.post("/admin/users/new", "/admin/users", user)
		if status != 303 {
			t.Fatalf("create user = %d %q", status, loc)
		}
		userID := idFrom(t, loc)
		u := must(w.svc.FindUser(w.sys, userID))(t)
		if !u.Has(liaison.RoleOfficer) || !u.Has(liaison.RoleSupervisor) || !u.Attributes.SwornOfficer || u.Attributes.Clearance != liaison.ClearanceSecret || u.AgencyID != agencyID {
			t.Fatalf("created user: %+v", u)
		}
		_, _, page = b.do("GET", "/admin/users?agency="+agencyID, nil)
		if !strings.Contains(page, "Karen Boyd") || strings.Contains(page, "Dana Analyst") || !strings.Contains(page, "No second factor yet") {
			t.Fatalf("users of the new agency:\n%.3000s", page)
		}
		_, _, page = b.do("GET", "/admin/users?role=analyst", nil)
		if strings.Contains(page, "Karen Boyd") || !strings.Contains(page, "Dana Analyst") {
			t.Fatalf("users by role:\n%.3000s", page)
		}
		// Edit roles and attributes; a role outside the list is refused.
		upd := url.Values{"name": {"Karen Boyd"}, "email": {"kb@example.gov"}, "agency_id": {agencyID}, "roles": {"supervisor", "root"},
			"clearance": {"secret"}, "part23_trained": {"1"}}
		status, _, page = b.post("/admin/users/"+userID, "/admin/users/"+userID, upd)
		if status != 400 || !strings.Contains(page, "Roles must be one of") {
			t.Fatalf("edit with unknown role = %d:\n%.2000s", status, page)
		}
		upd["roles"] = []string{"supervisor"}
		if status, loc, _ := b.post("/admin/users/"+userID, "/admin/users/"+userID, upd); status != 303 || !strings.HasSuffix(loc, "done=saved") {
			t.Fatalf("edit user = %d %q", status, loc)
		}
		u = must(w.svc.FindUser(w.sys, userID))(t)
		if u.Has(liaison.RoleOfficer) || !u.Attributes.Part23Trained || u.Attributes.SwornOfficer {
			t.Fatalf("edited user: %+v", u)
		}
		// Disable and enable.
		upd.Set("disabled", "1")
		b.post("/admin/users/"+userID, "/admin/users/"+userID, upd)
		if u := must(w.svc.FindUser(w.sys, userID))(t); !u.Disabled {
			t.Fatal("not disabled")
		}
		upd.Del("disabled")
		b.post("/admin/users/"+userID, "/admin/users/"+userID, upd)
		if u := must(w.svc.FindUser(w.sys, userID))(t); u.Disabled {
			t.Fatal("not enabled again")
		}

		// Unlock: five wrong passwords lock the analyst.
		w.now = w.now.Add(time.Second)
		for range liaison.LockoutFailures {
			_, _ = w.svc.Login(w.sys, "analyst", "wrong password entirely")
		}
		_, _, page = b.do("GET", "/admin", nil)
		if !strings.Contains(page, "Locked accounts: 1") || !strings.Contains(page, "Dana Analyst") {
			t.Fatalf("overview with a locked account:\n%.3000s", page)
		}
		status, loc, _ = b.post("/admin/users/"+f.analyst.ID, "/admin/users/"+f.analyst.ID+"/unlock", url.Values{})
		if status != 303 || !strings.HasSuffix(loc, "done=unlocked") {
			t.Fatalf("unlock = %d %q", status, loc)
		}
		if u := must(w.svc.FindUser(w.sys, f.analyst.ID))(t); u.Locked != nil {
			t.Fatal("still locked")
		}
		// Reset the second factor: the user enrols again at the next sign-in.
		_, _, page = b.do("GET", "/admin/users/"+f.analyst.ID, nil)
		if !strings.Contains(page, "enrol a new authenticator app at their next sign-in") {
			t.Fatalf("user page does not explain the reset:\n%.3000s", page)
		}
		status, loc, _ = b.post("/admin/users/"+f.analyst.ID, "/admin/users/"+f.analyst.ID+"/reset-mfa", url.Values{})
		if status != 303 || !strings.HasSuffix(loc, "done=mfa-reset") {
			t.Fatalf("reset MFA = %d %q", status, loc)
		}
		if u := must(w.svc.FindUser(w.sys, f.analyst.ID))(t); u.MFAEnrolled != nil {
			t.Fatal("second factor still enrolled")
		}
		if status, loc, _ := w.analyst.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
			t.Fatalf("the analyst's session survived the reset: %d %q", status, loc)
		}
		// Tokens: listed and revoked.
		tok := must(w.svc.CreateToken(w.sys, liaison.TokenInput{UserID: userID, Name: "nightly export", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t)
		_, _, page = b.do("GET", "/admin/users/"+userID, nil)
		if !strings.Contains(page, "nightly export") || !strings.Contains(page, tok.Token.Prefix) || strings.Contains(page, tok.Secret) {
			t.Fatalf("token list:\n%.4000s", page)
		}
		status, loc, _ = b.post("/admin/users/"+userID, "/admin/users/"+userID+"/tokens/"+tok.Token.ID+"/revoke", url.Values{})
		if status != 303 || !strings.Contains(loc, "done=token-revoked") {
			t.Fatalf("revoke = %d %q", status, loc)
		}
		if _, _, err := w.svc.AuthenticateToken(context.Background(), tok.Secret); liaison.ErrorCode(err) != liaison.EUNAUTHORIZED {
			t.Fatalf("revoked token still works: %v", err)
		}
		// A token of another user is not revoked through this user's page.
		other := must(w.svc.CreateToken(w.sys, liaison.TokenInput{UserID: f.analyst.ID, Name: "other", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t)
		if status, _, _ := b.post("/admin/users/"+userID, "/admin/users/"+userID+"/tokens/"+other.Token.ID+"/revoke", url.Values{}); status != 404 {
			t.Fatalf("revoke through the wrong user = %d", status)
		}
		if _, _, err := w.svc.AuthenticateToken(context.Background(), other.Secret); err != nil {
			t.Fatalf("another user's token was revoked through the wrong page: %v", err)
		}

		// Community.
		status, _, page = b.post("/admin/communities/new", "/admin/communities", url.Values{"name": {""}, "kind": {"gang"}})
		if status != 400 || !strings.Contains(page, `id="err-community-name"`) || !strings.Contains(page, `id="err-community-kind"`) {
			t.Fatalf("bad community = %d:\n%.2000s", status, page)
		}
		status, loc, _ = b.post("/admin/communities/new", "/admin/communities", url.Values{"name": {"Riverton Area"}, "kind": {"fusion_area"},
			"description": {"Local partners"}, "members": {agencyID, f.agency.ID}})
		if status != 303 {
			t.Fatalf("create community = %d %q", status, loc)
		}
		commID := idFrom(t, loc)
		status, _, page = b.post("/admin/communities/new", "/admin/communities", url.Values{"name": {"Riverton Area"}, "kind": {"other"}})
		if status != 400 || !strings.Contains(page, `id="err-community-name"`) || !strings.Contains(page, "already taken") {
			t.Fatalf("duplicate community = %d:\n%.2000s", status, page)
		}
		if _, _, c1, _ := w.count(t); c1 != c0+1 {
			t.Fatalf("communities %d -> %d", c0, c1)
		}

		// Agreement: missing purposes, kinds and expiry are named; nothing recorded.
		agr := url.Values{"agency_id": {agencyID}, "community_id": {commID}, "legal_basis": {"Riverton MOU 2026"}, "expires": {""}}
		status, _, page = b.post("/admin/agreements/new", "/admin/agreements", agr)
		for _, want := range []string{`id="err-agreement-expires"`, `id="err-agreement-purposes"`, `id="err-agreement-kinds"`, `href="#agreement-purpose-counterterrorism"`} {
			if !strings.Contains(page, want) {
				t.Errorf("bad agreement lacks %q", want)
			}
		}
		if status != 400 {
			t.Fatalf("bad agreement = %d:\n%.3000s", status, page)
		}
		agr.Set("expires", w.now.AddDate(0, 0, -1).Format("2006-01-02"))
		agr["purposes"] = []string{"counterterrorism", "officer_safety"}
		agr["record_kinds"] = []string{"sar", "intelligence"}
		status, _, page = b.post("/admin/agreements/new", "/admin/agreements", agr)
		if status != 400 || !strings.Contains(page, `id="err-agreement-expires"`) || !strings.Contains(page, "in the past") {
			t.Fatalf("past expiry = %d:\n%.3000s", status, page)
		}
		if _, _, _, g1 := w.count(t); g1 != g0 {
			t.Fatal("a bad agreement form recorded an agreement")
		}
		agr.Set("expires", w.now.AddDate(0, 0, 20).Format("2006-01-02"))
		agr.Set("pii_allowed", "1")
		status, loc, _ = b.post("/admin/agreements/new", "/admin/agreements", agr)
		if status != 303 {
			t.Fatalf("create agreement = %d %q", status, loc)
		}
		agrID := idFrom(t, loc)
		_, _, page = b.do("GET", "/admin/agreements?state=expiring", nil)
		if !strings.Contains(page, "Riverton Police Department") || !strings.Contains(page, "Expires in") {
			t.Fatalf("expiring agreements:\n%.3000s", page)
		}
		// Extend it.
		ext := url.Values{"legal_basis": {"Riverton MOU 2026, renewed"}, "purposes": {"counterterrorism"}, "record_kinds": {"sar"},
			"expires": {w.now.AddDate(1, 0, 0).Format("2006-01-02")}}
		if status, loc, _ := b.post("/admin/agreements/"+agrID, "/admin/agreements/"+agrID, ext); status != 303 || !strings.HasSuffix(loc, "done=saved") {
			t.Fatalf("extend = %d %q", status, loc)
		}
		if a := must(w.svc.FindAgreement(w.sys, agrID))(t); a.LegalBasis != "Riverton MOU 2026, renewed" || a.PIIAllowed || a.Expires.Before(w.now.AddDate(0, 11, 0)) {
			t.Fatalf("extended agreement: %+v", a)
		}
		// End it early: asked to confirm first.
		status, _, page = b.post("/admin/agreements/"+agrID, "/admin/agreements/"+agrID+"/end", url.Values{})
		if status != 400 || !strings.Contains(page, `id="err-agreement-end-confirm"`) {
			t.Fatalf("end without confirming = %d:\n%.2000s", status, page)
		}
		if status, loc, _ := b.post("/admin/agreements/"+agrID, "/admin/agreements/"+agrID+"/end", url.Values{"confirm": {"1"}}); status != 303 || !strings.HasSuffix(loc, "done=ended") {
			t.Fatalf("end = %d %q", status, loc)
		}
		w.now = w.now.Add(time.Second)
		_, _, page = b.do("GET", "/admin/agreements/"+agrID, nil)
		if !strings.Contains(page, "Expired "+w.now.Format("2006-01-02")) || !strings.Contains(page, `id="agreement-expired-note"`) || strings.Contains(page, `id="agreement-submit"`) {
			t.Fatalf("ended agreement page:\n%.3000s", page)
		}
		_, _, page = b.do("GET", "/admin/agreements?agency="+agencyID+"&state=expired", nil)
		if !strings.Contains(page, "admin-row-expired") || !strings.Contains(page, "Expired ") {
			t.Fatalf("expired agreements:\n%.3000s", page)
		}
		_, _, page = b.do("GET", "/admin/agreements?state=active&agency="+agencyID, nil)
		if !strings.Contains(page, `id="agreements-empty"`) {
			t.Fatalf("in-force agreements of the agency:\n%.3000s", page)
		}
		// An expired agreement cannot change.
		status, _, page = b.post("/admin/agreements/"+agrID, "/admin/agreements/"+agrID, ext)
		if status != 400 || !strings.Contains(page, "can no longer change") {
			t.Fatalf("edit an expired agreement = %d:\n%.2000s", status, page)
		}
	})
}

// TestUIAdminOwnAdminRole: the service lets an administrator drop their
// own admin role unless nobody else could administer; the page asks for a
// confirmation first, and once confirmed the change ends the admin's
// session and their access.
func TestUIAdminOwnAdminRole(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	w := newAdminUI(t, f)
	me := f.admin.ID
	// Disabling one's own account is refused by field.
	form := url.Values{"name": {"Admin"}, "email": {"admin@example.gov"}, "agency_id": {f.agency.ID}, "roles": {"admin"}, "clearance": {"none"}, "disabled": {"1"}}
	status, _, page := w.admin.post("/admin/users/"+me, "/admin/users/"+me, form)
	if status != 400 || !strings.Contains(page, `id="err-user-disabled"`) || !strings.Contains(page, "your own account") {
		t.Fatalf("self-disable = %d:\n%.3000s", status, page)
	}
	if u := must(w.svc.FindUser(w.sys, me))(t); u.Disabled {
		t.Fatal("the admin disabled their own account")
	}
	form = url.Values{"name": {"Admin"}, "email": {"admin@example.gov"}, "agency_id": {f.agency.ID}, "roles": {"analyst"}, "clearance": {"none"}}
	status, _, page = w.admin.post("/admin/users/"+me, "/admin/users/"+me, form)
	if status != 400 || !strings.Contains(page, "removing your own administrator role") || !strings.Contains(page, `id="user-confirm-self"`) {
		t.Fatalf("self-demotion without confirming = %d:\n%.3000s", status, page)
	}
	if u := must(w.svc.FindUser(w.sys, me))(t); !u.Has(liaison.RoleAdmin) {
		t.Fatal("admin role removed without confirmation")
	}
	form.Set("confirm_self", "1")
	// The only administrator may not step down, even when they confirm.
	status, _, page = w.admin.post("/admin/users/"+me, "/admin/users/"+me, form)
	if status != 400 || !strings.Contains(page, "no enabled administrator") || !strings.Contains(page, `href="#user-role-`) {
		t.Fatalf("last admin's confirmed self-demotion = %d:\n%.3000s", status, page)
	}
	if u := must(w.svc.FindUser(w.sys, me))(t); !u.Has(liaison.RoleAdmin) {
		t.Fatal("the last admin removed their own admin role")
	}
	must(w.svc.CreateUser(w.sys, liaison.UserInput{Login: "admin2", Name: "Second Admin", Email: "admin2@example.gov",
		AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAdmin}, Password: testPassword}))(t)
	status, loc, _ := w.admin.post("/admin/users/"+me, "/admin/users/"+me, form)
	if status != 303 || loc != "/login" {
		t.Fatalf("confirmed self-demotion = %d %q", status, loc)
	}
	if u := must(w.svc.FindUser(w.sys, me))(t); u.Has(liaison.RoleAdmin) || !u.Has(liaison.RoleAnalyst) {
		t.Fatalf("roles after self-demotion: %v", u.Roles)
	}
	if status, loc, _ := w.admin.do("GET", "/admin", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("old session after self-demotion = %d %q", status, loc)
	}
}

// TestUIAdminUserSearchAndPaging: the users list finds by part of a login,
// name or e-mail address, shows a hundred users a page with a link to the
// next, and names a search it cannot run.
func TestUIAdminUserSearchAndPaging(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	w := newAdminUI(t, f)
	for i := range 120 {
		login := fmt.Sprintf("clerk%03d", i)
		must(w.svc.CreateUser(w.sys, liaison.UserInput{Login: login, Name: "Clerk " + login, Email: login + "@records.example.gov",
			AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleOfficer}, Password: testPassword}))(t)
	}
	must(w.svc.CreateUser(w.sys, liaison.UserInput{Login: "zoe.q", Name: "Zoë Quinlan", Email: "zq@example.gov",
		AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAuditor}, Password: testPassword}))(t)

	status, _, page := w.admin.do("GET", "/admin/users?q=QUINLAN", nil)
	if status != 200 || !strings.Contains(page, `id="user-zoe.q"`) || strings.Contains(page, `id="user-clerk000"`) || strings.Contains(page, `id="users-next"`) {
		t.Fatalf("find by name = %d:\n%.3000s", status, page)
	}
	if _, _, page = w.admin.do("GET", "/admin/users?q=zq%40&role=auditor", nil); !strings.Contains(page, `id="user-zoe.q"`) {
		t.Fatalf("find by e-mail and role:\n%.3000s", page)
	}
	if _, _, page = w.admin.do("GET", "/admin/users?q=zq%40&role=officer", nil); !strings.Contains(page, `id="users-empty"`) {
		t.Fatalf("find by e-mail and another role:\n%.3000s", page)
	}

	// 123 users in all: a first page of 100, then the rest.
	_, _, page = w.admin.do("GET", "/admin/users?q=clerk", nil)
	if n := strings.Count(page, `<tr id="user-`); n != 100 || !strings.Contains(page, `id="users-next"`) || strings.Contains(page, `id="users-first"`) {
		t.Fatalf("first page: %d rows:\n%.1000s", n, page)
	}
	next := regexp.MustCompile(`href="([^"]+)" id="users-next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no next link")
	}
	nextURL := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(nextURL, "q=clerk") {
		t.Errorf("the next link drops the search: %s", nextURL)
	}
	_, _, page = w.admin.do("GET", nextURL, nil)
	if n := strings.Count(page, `<tr id="user-`); n != 20 || strings.Contains(page, `id="users-next"`) || !strings.Contains(page, `id="users-first"`) {
		t.Fatalf("second page: %d rows:\n%.1000s", n, page)
	}

	// A search too long is named, and the list is shown without it.
	status, _, page = w.admin.do("GET", "/admin/users?q="+strings.Repeat("x", 101), nil)
	if status != 400 || !strings.Contains(page, `id="err-filter-q"`) || !strings.Contains(page, "at most 100") || !strings.Contains(page, `id="user-clerk000"`) {
		t.Fatalf("long search = %d:\n%.3000s", status, page)
	}
	// A mangled cursor starts again; an unknown parameter is named.
	if status, _, page = w.admin.do("GET", "/admin/users?after=nonsense", nil); status != 200 || !strings.Contains(page, `id="user-admin"`) {
		t.Fatalf("mangled cursor = %d", status)
	}
	if status, _, page = w.admin.do("GET", "/admin/users?page=2", nil); status != 400 || !strings.Contains(page, "page") {
		t.Fatalf("unknown parameter = %d:\n%.1000s", status, page)
	}
	// The analyst cannot search the directory here.
	if status, _, _ := w.analyst.do("GET", "/admin/users?q=clerk", nil); status != 403 {
		t.Fatalf("analyst's search = %d", status)
	}
}
