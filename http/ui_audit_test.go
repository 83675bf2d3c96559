package http_test

import (
	"context"
	"crypto/rand"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/audit"
)

// TestUIAudit: the auditor's pages. Only those who may read the audit log
// (auditors and privacy officers, as the JSON API) see them; everyone else
// is refused on every page and the refusal is audited. Searches name the
// field to fix; an entry's inclusion proof verifies against the latest
// checkpoint and against a pasted copy, but not against a tampered copy
// or one signed by a stranger's key; consistency between checkpoints
// verifies.
func TestUIAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		skey, vkey, _ := note.GenerateKey(rand.Reader, "node-test")
		signer, err := audit.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		signer.VerifierKey = vkey
		f.svc.Signer = signer
		now := time.Now().UTC().Truncate(time.Second)
		f.svc.Now = func() time.Time { return now }
		sys := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
		must(f.svc.CreateUser(sys, liaison.UserInput{Login: "auditor", Name: "Morgan Hale", Email: "aud@example.gov",
			AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAuditor}, Password: testPassword}))(t)
		must(f.svc.CreateUser(sys, liaison.UserInput{Login: "privacy", Name: "Priya", Email: "priv@example.gov",
			AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RolePrivacyOfficer}, Password: testPassword}))(t)
		aud := uiSignIn(t, f.srv.URL, "auditor", now)

		// Refused: analyst and admin, on every page, GET and POST; each refusal audited.
		for _, u := range []*liaison.User{f.analyst, f.admin} {
			b := uiSignIn(t, f.srv.URL, u.Login, now)
			_, _, home := b.do("GET", "/", nil)
			csrf := csrfOf(t, home)
			if strings.Contains(home, `id="nav-audit"`) {
				t.Fatalf("%s sees the Audit link", u.Login)
			}
			before := deniedCount(t, f, u.ID)
			pages := []string{"/audit", "/audit?action=login.", "/audit/entries/0", "/audit/verify", "/audit/consistency?old=0&new=1", "/audit/checkpoints"}
			for _, p := range pages {
				if status, _, page := b.do("GET", p, nil); status != 403 || strings.Contains(page, "login.success") {
					t.Fatalf("%s GET %s = %d", u.Login, p, status)
				}
			}
			for _, p := range []string{"/audit/verify", "/audit/checkpoints"} {
				if status, _, _ := b.do("POST", p, url.Values{"csrf": {csrf}, "index": {"0"}, "checkpoint": {"x"}}); status != 403 {
					t.Fatalf("%s POST %s = %d", u.Login, p, status)
				}
			}
			if got := deniedCount(t, f, u.ID) - before; got != len(pages)+2 {
				t.Fatalf("%s: %d refusals audited, want %d", u.Login, got, len(pages)+2)
			}
		}
		cps := func() []*liaison.Checkpoint { return must(f.svc.Checkpoints(sys, 0, 10))(t) }
		if len(cps()) != 0 {
			t.Fatal("a checkpoint was signed by a refused user")
		}
		// The privacy officer may read the log, as with the API.
		priv := uiSignIn(t, f.srv.URL, "privacy", now)
		if status, _, _ := priv.do("GET", "/audit", nil); status != 200 {
			t.Fatalf("privacy officer /audit = %d", status)
		}

		// Search.
		status, _, page := aud.do("GET", "/audit", nil)
		if status != 200 || !strings.Contains(page, `id="audit-intro"`) || !strings.Contains(page, `id="audit-review"`) {
			t.Fatalf("/audit = %d:\n%.2000s", status, page)
		}
		status, _, page = aud.do("GET", "/audit?action=login.&user=&agency=&object_type=&object_id=&outcome=&since=&until=", nil)
		if status != 200 || !strings.Contains(page, "login.success") || !strings.Contains(page, `href="/audit/entries/`) {
			t.Fatalf("login. search = %d:\n%.3000s", status, page)
		}
		status, _, page = aud.do("GET", "/audit?object_id="+f.agency.ID, nil)
		if status != 200 || !strings.Contains(page, "agency.create") {
			t.Fatalf("who touched the agency = %d", status)
		}
		status, _, page = aud.do("GET", "/audit?user=analyst&outcome=denied", nil)
		if status != 200 || !strings.Contains(page, "audit.query") || !strings.Contains(page, "Dana Analyst") {
			t.Fatalf("analyst's refusals = %d:\n%.3000s", status, page)
		}
		for q, id := range map[string]string{"since=last+tuesday": "audit-since", "user=nobody": "audit-user", "action=Login+X": "audit-action",
			"since=2026-02-01&until=2026-01-01": "audit-until", "outcome=maybe": "audit-outcome", "agency=unknown": "audit-agency"} {
			status, _, page = aud.do("GET", "/audit?"+q, nil)
			if status != 400 || !strings.Contains(page, `id="err-`+id+`"`) || !strings.Contains(page, `href="#`+id+`"`) {
				t.Fatalf("%s = %d, want a message on %s:\n%.2000s", q, status, id, page)
			}
		}
		if evs, _, err := f.svc.QueryAudit(sys, liaison.AuditFilter{Action: "audit.query"}, liaison.Page{Limit: 500}); err != nil || len(evs) == 0 {
			t.Fatal("the auditor's searches are not audited")
		}

		// An entry before any checkpoint: offer to sign one (CSRF needed).
		_, _, page = aud.do("GET", "/audit/entries/1", nil)
		if !strings.Contains(page, `id="audit-uncovered"`) {
			t.Fatalf("entry 1 without a checkpoint:\n%.3000s", page)
		}
		if status, _, _ := aud.do("POST", "/audit/checkpoints", url.Values{"entry": {"1"}}); status != 403 {
			t.Fatalf("sign without CSRF = %d", status)
		}
		status, loc, _ := aud.do("POST", "/audit/checkpoints", url.Values{"csrf": {csrfOf(t, page)}, "entry": {"1"}})
		if status != 303 || !strings.HasPrefix(loc, "/audit/entries/1?signed=") {
			t.Fatalf("sign = %d %s", status, loc)
		}
		status, _, page = aud.do("GET", loc, nil)
		if status != 200 || !strings.Contains(page, "✓ Verified") || !strings.Contains(page, `id="audit-computed-root"`) ||
			strings.Contains(page, "NOT verified") {
			t.Fatalf("entry 1 proof = %d:\n%.5000s", status, page)
		}
		first := cps()[0]
		for p, want := range map[string]string{"/audit/entries/abc": "whole number", "/audit/entries/99999999": "must be below"} {
			if status, _, page := aud.do("GET", p, nil); status != 400 || !strings.Contains(html.UnescapeString(page), want) {
				t.Fatalf("%s = %d:\n%.1500s", p, status, page)
			}
		}

		// Pasted checkpoints.
		csrf := csrfOf(t, page)
		verify := func(index, cp string) (int, string) {
			status, _, page := aud.do("POST", "/audit/verify", url.Values{"csrf": {csrf}, "index": {index}, "checkpoint": {cp}})
			return status, html.UnescapeString(page)
		}
		if status, page := verify("1", strings.ReplaceAll(first.Note, "\n", "\r\n")); status != 200 || !strings.Contains(page, "✓ Verified") {
			t.Fatalf("pasted checkpoint = %d:\n%.4000s", status, page)
		}
		lines := strings.Split(first.Note, "\n")
		c := byte('A')
		if lines[2][0] == 'A' {
			c = 'B'
		}
		lines[2] = string(c) + lines[2][1:]
		status, page = verify("1", strings.Join(lines, "\n"))
		if status != 200 || !strings.Contains(page, "NOT verified") || strings.Contains(page, "✓ Verified") || !strings.Contains(page, "changed after it was signed") {
			t.Fatalf("tampered checkpoint = %d:\n%.4000s", status, page)
		}
		sk, _, _ := note.GenerateKey(rand.Reader, "stranger")
		stranger, _ := note.NewSigner(sk)
		forged, err := note.Sign(&note.Note{Text: first.Note[:strings.Index(first.Note, "\n\n")+1]}, stranger)
		if err != nil {
			t.Fatal(err)
		}
		status, page = verify("1", string(forged))
		if status != 200 || !strings.Contains(page, "NOT verified") || strings.Contains(page, "✓ Verified") || !strings.Contains(page, "does not trust (stranger+") {
			t.Fatalf("stranger's checkpoint = %d:\n%.4000s", status, page)
		}
		for _, bad := range []struct{ index, cp, field string }{
			{"one", first.Note, "verify-index"},
			{"", first.Note, "verify-index"},
			{strconv.FormatInt(first.Size, 10), first.Note, "verify-index"},
			{"1", "hello", "verify-checkpoint"},
			{"1", "", "verify-checkpoint"},
		} {
			if status, page := verify(bad.index, bad.cp); status != 400 || !strings.Contains(page, `id="err-`+bad.field+`"`) {
				t.Fatalf("verify %q = %d, want a message on %s:\n%.2000s", bad.index, status, bad.field, page)
			}
		}

		// A second checkpoint, the list and the consistency check.
		aud.do("GET", "/audit?action=sar.", nil)
		_, _, page = aud.do("GET", "/audit/checkpoints", nil)
		if status, _, _ := aud.do("POST", "/audit/checkpoints", url.Values{"csrf": {csrfOf(t, page)}}); status != 303 {
			t.Fatalf("second sign = %d", status)
		}
		second := cps()[0]
		status, _, page = aud.do("GET", "/audit/checkpoints", nil)
		link := "/audit/consistency?old=" + strconv.FormatInt(first.Size, 10) + "&amp;new=" + strconv.FormatInt(second.Size, 10)
		if status != 200 || !strings.Contains(page, link) || !strings.Contains(page, "verified with a trusted key") {
			t.Fatalf("checkpoints = %d:\n%.4000s", status, page)
		}
		status, _, page = aud.do("GET", html.UnescapeString(link), nil)
		if status != 200 || !strings.Contains(page, "✓ Verified") {
			t.Fatalf("consistency = %d:\n%.4000s", status, page)
		}
		for q, id := range map[string]string{"old=x&new=1": "consistency-old", "old=1&new=": "consistency-new", "old=999999&new=1": "consistency-old",
			"old=" + strconv.FormatInt(second.Size, 10) + "&new=" + strconv.FormatInt(first.Size, 10): "consistency-old"} {
			if status, _, page := aud.do("GET", "/audit/consistency?"+q, nil); status != 400 || !strings.Contains(page, `id="err-`+id+`"`) {
				t.Fatalf("consistency %s = %d, want a message on %s", q, status, id)
			}
		}
		if regexp.MustCompile(`style=|onclick=|<script>`).MatchString(page) {
			t.Fatal("inline script or style on an audit page")
		}
	})
}

// deniedCount counts the audit log's refusals of a user.
func deniedCount(t *testing.T, f *fixture, userID string) int {
	t.Helper()
	sys := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	evs, _, err := f.svc.QueryAudit(sys, liaison.AuditFilter{UserID: userID, Outcome: liaison.OutcomeDenied}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}
