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

// TestUIPasswordChange: a user changes their own password only knowing
// the current one, and is told what to fix; the change ends their
// sessions. An administrator sets another user's; a non-administrator
// cannot, and the refusal changes nothing.
func TestUIPasswordChange(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	f.svc.Now = func() time.Time { return now }
	an := uiSignIn(t, f.srv.URL, "analyst", now)
	_, _, page := an.do("GET", "/account/password", nil)
	csrf := csrfOf(t, page)
	const next = "four words make a passphrase"
	status, _, page := an.do("POST", "/account/password", url.Values{"csrf": {csrf}, "current_password": {"wrong one entirely"},
		"new_password": {"short"}, "confirm_password": {"other"}})
	if status != 422 || !strings.Contains(page, `href="#confirm_password"`) || !strings.Contains(page, "must be the same") {
		t.Fatalf("mismatch = %d:\n%.1500s", status, page)
	}
	status, _, page = an.do("POST", "/account/password", url.Values{"csrf": {csrf}, "current_password": {"wrong one entirely"},
		"new_password": {next}, "confirm_password": {next}})
	if status != 422 || !strings.Contains(page, "is not your current password") {
		t.Fatalf("wrong current = %d:\n%.1500s", status, page)
	}
	status, _, page = an.do("POST", "/account/password", url.Values{"csrf": {csrf}, "current_password": {testPassword},
		"new_password": {"short"}, "confirm_password": {"short"}})
	if status != 422 || !strings.Contains(page, "at least 12 characters") {
		t.Fatalf("short = %d:\n%.1500s", status, page)
	}
	// The analyst may not set the admin's password.
	if status, _, _ := an.do("POST", "/admin/users/"+f.admin.ID+"/password", url.Values{"csrf": {csrf},
		"new_password": {next}, "confirm_password": {next}}); status != 403 {
		t.Fatalf("analyst setting the admin's password = %d", status)
	}
	if n := f.deniedCount("ui.admin"); n != 1 {
		t.Errorf("refusal audited %d times", n)
	}
	status, loc, _ := an.do("POST", "/account/password", url.Values{"csrf": {csrf}, "current_password": {testPassword},
		"new_password": {next}, "confirm_password": {next}})
	if status != 303 || loc != "/login?changed=1" {
		t.Fatalf("change = %d %q", status, loc)
	}
	if status, loc, _ := an.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("the session outlived the change: %d %q", status, loc)
	}
	if status, loc, _ := newBrowser(t, f.srv.URL).signIn("analyst", next); status != 303 || !strings.HasPrefix(loc, "/login/") {
		t.Fatalf("sign-in with the new password = %d %q", status, loc)
	}

	// The administrator sets it back.
	ad := uiSignIn(t, f.srv.URL, "admin", now)
	_, _, page = ad.do("GET", "/admin/users/"+f.analyst.ID+"/password", nil)
	if !strings.Contains(page, "Set a new password for Dana Analyst") || strings.Contains(page, `id="current_password"`) {
		t.Fatalf("admin's password page:\n%.1500s", page)
	}
	status, loc, _ = ad.do("POST", "/admin/users/"+f.analyst.ID+"/password", url.Values{"csrf": {csrfOf(t, page)},
		"new_password": {testPassword}, "confirm_password": {testPassword}})
	if status != 303 || !strings.Contains(loc, "done=password") {
		t.Fatalf("admin sets = %d %q", status, loc)
	}
	if n := f.auditCount("password.change"); n != 2 {
		t.Errorf("password changes audited %d times, want 2", n)
	}
}

// TestUIOwnAPITokens: a user creates a token (told first what to fix), sees
// its secret once, uses it, and revokes it; another user's token cannot be
// revoked from here.
func TestUIOwnAPITokens(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	f.svc.Now = func() time.Time { return now }
	an := uiSignIn(t, f.srv.URL, "analyst", now)
	_, _, page := an.do("GET", "/account/tokens", nil)
	csrf := csrfOf(t, page)
	status, _, page := an.do("POST", "/account/tokens", url.Values{"csrf": {csrf}, "name": {"nightly import"}, "days": {"900"}})
	if status != 422 || !strings.Contains(page, `href="#token-scope-read"`) || !strings.Contains(page, `href="#token-days"`) {
		t.Fatalf("bad token form = %d:\n%.1500s", status, page)
	}
	status, _, page = an.do("POST", "/account/tokens", url.Values{"csrf": {csrf}, "name": {"nightly import"}, "days": {"30"}, "scopes": {"read", "admin"}})
	if status != 422 || !strings.Contains(page, "admin role") {
		t.Fatalf("admin scope without the role = %d:\n%.1500s", status, page)
	}
	status, _, page = an.do("POST", "/account/tokens", url.Values{"csrf": {csrf}, "name": {"nightly import"}, "days": {"30"}, "scopes": {"read"}})
	m := regexp.MustCompile(`id="token-secret" class="secret" readonly value="([^"]+)"`).FindStringSubmatch(page)
	if status != 201 || m == nil {
		t.Fatalf("create = %d:\n%.1500s", status, page)
	}
	if status, _, _ := f.do("GET", "/api/v1/me", m[1], ""); status != 200 {
		t.Fatalf("the new token = %d", status)
	}
	if _, _, again := an.do("GET", "/account/tokens", nil); strings.Contains(again, m[1]) {
		t.Fatal("the secret is shown again")
	}
	// The admin's own token (made by the fixture) cannot be revoked by the analyst.
	toks, _, err := f.svc.ListTokens(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), f.admin.ID, liaison.Page{})
	if err != nil || len(toks) == 0 {
		t.Fatal(err)
	}
	if status, _, _ := an.do("POST", "/account/tokens/"+toks[0].ID+"/revoke", url.Values{"csrf": {csrf}}); status != 404 {
		t.Fatalf("revoking another's token = %d, want 404", status)
	}
	mine, _, _ := f.svc.ListTokens(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), f.analyst.ID, liaison.Page{})
	var id string
	for _, tk := range mine {
		if tk.Name == "nightly import" {
			id = tk.ID
		}
	}
	if status, loc, _ := an.do("POST", "/account/tokens/"+id+"/revoke", url.Values{"csrf": {csrf}}); status != 303 || !strings.Contains(loc, "done=revoked") {
		t.Fatalf("revoke = %d %q", status, loc)
	}
	if status, _, _ := f.do("GET", "/api/v1/me", m[1], ""); status != 401 {
		t.Fatalf("the revoked token = %d, want 401", status)
	}
}
