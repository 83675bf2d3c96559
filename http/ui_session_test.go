package http_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison/storetest"
)

// get sends a GET with extra headers through b's cookies.
func (b *browser) get(path string, hdr map[string]string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

var idleRE = regexp.MustCompile(`data-idle-deadline="([^"]+)"`)

// TestUISessionClock: every page says when the session ends; a live
// page's own refreshes and badge reads do not count as activity, so a
// browser left open on a live page still signs out after 30 idle
// minutes; "Stay signed in" (a keep-alive with the CSRF header) does count.
func TestUISessionClock(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	start := time.Now().UTC().Truncate(time.Second)
	now := start
	f.svc.Now = func() time.Time { return now }
	b := uiSignIn(t, f.srv.URL, "analyst", now)
	_, _, page := b.do("GET", "/", nil)
	m := idleRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `id="session-timer"`) || !strings.Contains(page, `id="session-warning"`) {
		t.Fatalf("home has no session clock:\n%.2000s", page)
	}
	if want := start.Add(30 * time.Minute).Format(time.RFC3339); m[1] != want {
		t.Fatalf("idle deadline %s, want %s", m[1], want)
	}

	now = start.Add(20 * time.Minute)
	status, page := b.get("/", map[string]string{"X-Liaison-Live": "1"})
	if status != 200 || idleRE.FindStringSubmatch(page)[1] != m[1] {
		t.Fatalf("a live refresh moved the idle deadline: %d %v", status, idleRE.FindStringSubmatch(page))
	}
	if status, page = b.get("/inbox/badge", nil); status != 200 || !strings.Contains(page, `id="nav-inbox"`) {
		t.Fatalf("badge = %d %q", status, page)
	}
	now = start.Add(31 * time.Minute)
	if status, loc, _ := b.do("GET", "/", nil); status != 303 || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("31 minutes after the last use (live refreshes only since) = %d %q; want the sign-in page", status, loc)
	}

	// Keep-alive: needs the CSRF token, counts as use, answers the new times.
	now = time.Now().UTC().Truncate(time.Second)
	start = now
	b = uiSignIn(t, f.srv.URL, "admin", now)
	_, _, page = b.do("GET", "/", nil)
	csrf := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no csrf meta for scripts")
	}
	now = start.Add(20 * time.Minute)
	post := func(token string) (int, []byte) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/session/keepalive", nil)
		req.Header.Set("X-CSRF-Token", token)
		for _, c := range b.cookies {
			req.AddCookie(c)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	if status, _ := post("forged"); status != 403 {
		t.Fatalf("keep-alive with a wrong token = %d, want 403", status)
	}
	status, raw := post(csrf[1])
	var clock struct {
		IdleDeadline time.Time `json:"idle_deadline"`
		End          time.Time `json:"end"`
	}
	if err := json.Unmarshal(raw, &clock); status != 200 || err != nil {
		t.Fatalf("keep-alive = %d %s", status, raw)
	}
	if !clock.IdleDeadline.Equal(now.Add(30*time.Minute)) || !clock.End.Equal(start.Add(12*time.Hour)) {
		t.Fatalf("keep-alive times %+v; want idle %s, end %s", clock, now.Add(30*time.Minute), start.Add(12*time.Hour))
	}
	now = start.Add(45 * time.Minute)
	if status, _, _ := b.do("GET", "/", nil); status != 200 {
		t.Fatalf("25 minutes after a keep-alive = %d, want still signed in", status)
	}
}

// TestUIDashboardCounts: the home page counts what waits for the user's
// roles and says so when nothing does.
func TestUIDashboardCounts(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	f.svc.Now = func() time.Time { return now }
	b := uiSignIn(t, f.srv.URL, "analyst", now)
	_, _, page := b.do("GET", "/", nil)
	for _, want := range []string{`id="dashboard"`, `id="dash-access"`, `id="dash-inbox"`, `id="dash-drafts"`, `id="dash-empty"`} {
		if !strings.Contains(page, want) {
			t.Errorf("analyst's home lacks %s", want)
		}
	}
	if strings.Contains(page, `id="dash-step1"`) || strings.Contains(page, `id="dash-watch"`) {
		t.Error("analyst's home counts a supervisor's or watch officer's queue")
	}
}

// TestTemplatesKeepTheCSP: no page may need what the Content-Security-
// Policy forbids (inline script, inline styles, event-handler attributes,
// javascript: URLs), and every form that posts carries the CSRF token
// (the sign-in forms carry the pre-session one).
func TestTemplatesKeepTheCSP(t *testing.T) {
	bad := []*regexp.Regexp{
		regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`), // a script with a body
		regexp.MustCompile(`<script(?:\s[^>]*)?>`),        // checked below for src
		regexp.MustCompile(`\sstyle\s*=`),
		regexp.MustCompile(`\son[a-z]+\s*=`),
		regexp.MustCompile(`(?i)javascript:`),
	}
	form := regexp.MustCompile(`(?s)<form\b[^>]*method="post"[^>]*>.*?</form>`)
	n := 0
	err := fs.WalkDir(os.DirFS("templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(filepath.Join("templates", p))
		if err != nil {
			return err
		}
		src := string(raw)
		n++
		if bad[0].MatchString(src) {
			t.Errorf("%s: inline script", p)
		}
		for _, tag := range bad[1].FindAllString(src, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: script without src: %s", p, tag)
			}
		}
		for _, re := range bad[2:] {
			if loc := re.FindStringIndex(src); loc != nil {
				t.Errorf("%s: %q is refused by the CSP", p, src[loc[0]:min(loc[1]+20, len(src))])
			}
		}
		for _, f := range form.FindAllString(src, -1) {
			if !strings.Contains(f, `name="csrf"`) {
				t.Errorf("%s: a form that posts has no CSRF token: %.120s", p, f)
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("walked %d templates: %v", n, err)
	}
}
