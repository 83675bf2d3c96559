package http_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

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
