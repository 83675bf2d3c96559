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
	"liaison/service"
	"liaison/storetest"
)

// browser is a minimal cookie-keeping client. It keeps Secure cookies on
// plain-HTTP loopback, as browsers do for localhost, which Go's cookiejar does not.
type browser struct {
	t       *testing.T
	base    string
	cookies map[string]*http.Cookie
	client  *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	return &browser{t: t, base: base, cookies: map[string]*http.Cookie{},
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns status, Location and body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
			b.t.Errorf("cookie %s lacks HttpOnly, Secure or SameSite=Strict", c.Name)
		}
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%.400s", page)
	}
	return m[1]
}

// signIn runs the password step and returns where it sent the browser.
func (b *browser) signIn(login, password string) (int, string, string) {
	b.t.Helper()
	_, _, page := b.do("GET", "/login", nil)
	return b.do("POST", "/login", url.Values{"csrf": {csrfOf(b.t, page)}, "login": {login}, "password": {password}, "next": {"/"}})
}

func TestUISignInWithEnrolment(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			f := newFixture(t, be.Open)
			now := time.Now()
			f.svc.Now = func() time.Time { return now }
			b := newBrowser(t, f.srv.URL)

			// Not signed in: the home page sends the browser to sign in.
			if status, loc, _ := b.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
				t.Fatalf("GET / signed out = %d %q, want a redirect to /login", status, loc)
			}
			status, loc, _ := b.signIn("analyst", testPassword)
			if status != 303 || !strings.HasPrefix(loc, "/login/enrol") {
				t.Fatalf("password step = %d %q, want enrolment", status, loc)
			}
			// The password alone opens nothing.
			if status, loc, _ := b.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
				t.Fatalf("home with a password-only session = %d %q", status, loc)
			}
			if status, _, _ := f.do("GET", "/api/v1/me", "", ""); status != 401 {
				t.Fatal("API answered without credentials")
			}
			_, _, page := b.do("GET", "/login/enrol?next=/", nil)
			m := regexp.MustCompile(`id="totp-secret" class="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("enrol page shows no key:\n%.600s", page)
			}
			secret := strings.ReplaceAll(m[1], " ", "")
			csrf := csrfOf(t, page)
			// A wrong code is refused with a message saying what to fix.
			status, _, page = b.do("POST", "/login/enrol", url.Values{"csrf": {csrf}, "code": {"000000"}, "next": {"/"}})
			if status != 401 || !strings.Contains(page, "authenticator app") {
				t.Fatalf("wrong enrolment code = %d:\n%.400s", status, page)
			}
			code, _ := service.TOTPCode(secret, service.TOTPStep(now))
			status, _, page = b.do("POST", "/login/enrol", url.Values{"csrf": {csrf}, "code": {code}, "next": {"/"}})
			if status != 200 || strings.Count(page, "<li><code>") != liaison.RecoveryCodeCount {
				t.Fatalf("enrolment = %d, want recovery codes:\n%.600s", status, page)
			}
			recovery := regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`).FindStringSubmatch(page)[1]
			status, _, page = b.do("GET", "/", nil)
			if status != 200 || !strings.Contains(page, "Welcome, Dana Analyst") || !strings.Contains(page, "Test Fusion Center") {
				t.Fatalf("home after sign-in = %d:\n%.600s", status, page)
			}

			// Sign out; sign in again with the second factor, then with a recovery code.
			_, _, page = b.do("GET", "/", nil)
			if status, loc, _ := b.do("POST", "/logout", url.Values{"csrf": {csrfOf(t, page)}}); status != 303 || loc != "/login" {
				t.Fatalf("logout = %d %q", status, loc)
			}
			if status, _, _ := b.do("GET", "/", nil); status != 303 {
				t.Fatal("still signed in after logout")
			}
			now = now.Add(time.Minute)
			status, loc, _ = b.signIn("analyst", testPassword)
			if status != 303 || !strings.HasPrefix(loc, "/login/mfa") {
				t.Fatalf("second sign-in = %d %q, want the MFA step", status, loc)
			}
			_, _, page = b.do("GET", "/login/mfa", nil)
			status, _, _ = b.do("POST", "/login/mfa", url.Values{"csrf": {csrfOf(t, page)}, "code": {recovery}, "next": {"/"}})
			if status != 303 {
				t.Fatalf("recovery code sign-in = %d", status)
			}
			if status, _, _ := b.do("GET", "/", nil); status != 200 {
				t.Fatalf("home after recovery sign-in = %d", status)
			}

			// Idle for 31 minutes: the session is over.
			now = now.Add(31 * time.Minute)
			if status, loc, _ := b.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
				t.Fatalf("after 31 idle minutes = %d %q, want sign-in again", status, loc)
			}
		})
	}
}

func TestUICSRFAndLockout(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	b := newBrowser(t, f.srv.URL)
	// A sign-in form posted without the page's token is refused.
	if status, _, page := b.do("POST", "/login", url.Values{"login": {"analyst"}, "password": {testPassword}}); status != 403 || !strings.Contains(page, "reload") {
		t.Fatalf("login without csrf = %d, want 403 telling to reload:\n%.300s", status, page)
	}
	// Four wrong passwords: still open. The fifth locks the account.
	for i := 1; i <= 5; i++ {
		status, _, page := b.signIn("analyst", "wrong password "+strings.Repeat("x", i))
		if status != 401 {
			t.Fatalf("wrong password %d = %d", i, status)
		}
		if i == 5 && !strings.Contains(page, "locked") {
			t.Fatalf("fifth failure does not say the account is locked:\n%.400s", page)
		}
	}
	if status, _, page := b.signIn("analyst", testPassword); status != 401 || !strings.Contains(page, "locked") {
		t.Fatalf("right password on a locked account = %d:\n%.300s", status, page)
	}
	// An unknown login fails the same way as a wrong password.
	_, _, unknown := b.signIn("nobody", testPassword)
	_, _, wrong := b.signIn("admin", "not the password at all")
	if !strings.Contains(unknown, "wrong login or password") || !strings.Contains(wrong, "wrong login or password") {
		t.Fatal("unknown login and wrong password answer differently")
	}
	// An admin unlocks; the password works again.
	if status, _, body := f.do("POST", "/api/v1/users/analyst/unlock", f.adminTok, ""); status != 200 {
		t.Fatalf("unlock = %d %s", status, body)
	}
	if status, loc, _ := b.signIn("analyst", testPassword); status != 303 || !strings.HasPrefix(loc, "/login/enrol") {
		t.Fatalf("after unlock = %d %q", status, loc)
	}
	var actions []string
	sequence(f.t, f.store)
	_ = f.store.View(context.Background(), func(tx liaison.Tx) error {
		ev, _ := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{ObjectID: f.analyst.ID}, liaison.Page{Limit: 100})
		for _, e := range ev {
			actions = append(actions, e.Action)
		}
		return nil
	})
	got := strings.Join(actions, " ")
	for _, want := range []string{"login.failure", "account.lock", "login.refused", "account.unlock", "login.password"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit trail %q lacks %s", got, want)
		}
	}
	// Open redirects are refused.
	_, _, page := b.do("GET", "/login?next=//evil.example/x", nil)
	if strings.Contains(page, "evil.example") {
		t.Error("login page carries an off-site next URL")
	}
}

func TestStaticAssetsUnderContentHash(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	b := newBrowser(t, f.srv.URL)
	_, _, page := b.do("GET", "/login", nil)
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{16}/app\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("login page links no hashed stylesheet:\n%.400s", page)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+m[1], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet = %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	if status, _, _ := b.do("GET", "/static/0000000000000000/app.css", nil); status != 404 {
		t.Errorf("stale hash = %d, want 404", status)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, "onclick") {
		t.Error("page has inline script or style, which the CSP forbids")
	}
}

func TestAdminSeesAlerts(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	f.svc.Alert("audit", "an audit entry could not be written, so the act (agency.create) was refused: disk full")
	now := time.Now()
	f.svc.Now = func() time.Time { return now }
	for _, who := range []struct {
		user  *liaison.User
		alert bool
	}{{f.admin, true}, {f.analyst, false}} {
		b := newBrowser(t, f.srv.URL)
		_, loc, _ := b.signIn(who.user.Login, testPassword)
		_, _, page := b.do("GET", loc, nil)
		secret := strings.ReplaceAll(regexp.MustCompile(`id="totp-secret" class="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(page)[1], " ", "")
		code, _ := service.TOTPCode(secret, service.TOTPStep(now))
		b.do("POST", "/login/enrol", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}, "next": {"/"}})
		_, _, home := b.do("GET", "/", nil)
		if got := strings.Contains(home, "disk full"); got != who.alert {
			t.Errorf("%s sees the alert: %v, want %v", who.user.Login, got, who.alert)
		}
	}
}
