package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// failSignIns sends n sign-ins with a wrong password for login, as a
// forgetful user would, through the real sign-in form.
func failSignIns(t *testing.T, base, login string, n int) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for range n {
		resp, err := client.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no csrf on the sign-in page:\n%.400s", body)
		}
		form := url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {"not the password at all"}, "next": {"/"}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range resp.Cookies() {
			req.AddCookie(c)
		}
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password for %s = %d", login, resp.StatusCode)
		}
	}
}

// TestBrowserAdminAgencyUserAgreement: the administrator opens Admin,
// adds an agency (told first which field to fix), adds a user to it with
// roles, puts the agency in a community and records its agreement, then
// unlocks a locked account and resets its second factor.
func TestBrowserAdminAgencyUserAgreement(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS

	browserSignIn(t, ctx, base, "admin", keys["admin"])
	err := chromedp.Do(ctx,
		chromedp.Click(css("#nav-admin")),
		chromedp.WaitVisible(css("#admin-overview")),
		screenshot(t, "admin-home"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-overview"); !strings.Contains(s, "Agencies") || !strings.Contains(s, "in force") {
		t.Fatalf("overview:\n%s", s)
	}
	checkA11y(t, ctx, "admin home")

	// An agency: a bad code first, then fixed.
	err = chromedp.Do(ctx,
		chromedp.Click(css("#admin-tab-agencies")),
		chromedp.WaitVisible(css("#agencies")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agencies")
	err = chromedp.Do(ctx,
		chromedp.Click(css("#agency-new")),
		chromedp.WaitVisible(css("#agency-form")),
		chromedp.SendKeys(css("#agency-code"), "harbor pd!"),
		chromedp.SendKeys(css("#agency-name"), "Harbor Police Department"),
		chromedp.SetValue(css("#agency-kind"), "local"),
		chromedp.SendKeys(css("#agency-contact0-name"), "Harbor duty desk"),
		chromedp.SendKeys(css("#agency-contact0-phone"), "+1 410 555 0199"),
		chromedp.Click(css("#agency-submit")),
		chromedp.WaitVisible(css("#error-summary")),
		screenshot(t, "admin-agency-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Code must be 2-24 upper-case letters") || !strings.Contains(s, "Nothing was saved") {
		t.Fatalf("error summary: %s", s)
	}
	if s := text(t, ctx, "#err-agency-code"); !strings.Contains(s, "Code") {
		t.Fatalf("field error: %s", s)
	}
	checkA11y(t, ctx, "admin agency form with errors")
	err = chromedp.Do(ctx,
		chromedp.Click(css(`#error-summary a[href="#agency-code"]`)),
		chromedp.SetValue(css("#agency-code"), "HPD-01"),
		chromedp.Click(css("#agency-submit")),
		chromedp.WaitVisible(css("#admin-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-done"); !strings.Contains(s, "Created") {
		t.Fatalf("after creating the agency: %s", s)
	}
	agencyURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	agencyID := regexp.MustCompile(`/admin/agencies/([0-9a-f-]{36})`).FindStringSubmatch(agencyURL)[1]

	// A user in it, with roles and attributes.
	err = chromedp.Do(ctx,
		chromedp.Click(css("#agency-add-user")),
		chromedp.WaitVisible(css("#user-form")),
		chromedp.SendKeys(css("#user-login"), "h.reyes"),
		chromedp.SendKeys(css("#user-name"), "Sgt. Hana Reyes"),
		chromedp.SendKeys(css("#user-email"), "h.reyes@harbor.example.gov"),
		chromedp.SendKeys(css("#user-password"), "harbor-patrol-2026-long"),
		chromedp.Click(css("#user-role-officer")),
		chromedp.Click(css("#user-role-supervisor")),
		chromedp.Click(css("#user-sworn")),
		chromedp.SetValue(css("#user-clearance"), "confidential"),
		screenshot(t, "admin-user-new"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin new user form")
	err = chromedp.Do(ctx,
		chromedp.Click(css("#user-submit")),
		chromedp.WaitVisible(css("#admin-done")),
		chromedp.Navigate(base+"/admin/users?agency="+agencyID),
		chromedp.WaitVisible(css("#users")),
		screenshot(t, "admin-users"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#users"); !strings.Contains(s, "Sgt. Hana Reyes") || !strings.Contains(s, "Officer, Supervisor") ||
		!strings.Contains(s, "No second factor yet") || !strings.Contains(s, "HPD-01") {
		t.Fatalf("users of the new agency:\n%s", s)
	}
	checkA11y(t, ctx, "admin users")

	// The agency joins the Capital JTTF and gets an agreement with it.
	err = chromedp.Do(ctx,
		chromedp.Click(css("#admin-tab-communities")),
		chromedp.WaitVisible(css("#communities")),
	)
	if err != nil {
		t.Fatal(err)
	}
	jttf, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#communities a')].find(a => a.text === 'Capital JTTF').href`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(jttf),
		chromedp.WaitVisible(css("#community-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin community form")
	err = chromedp.Do(ctx,
		chromedp.Click(css("#community-member-HPD-01")),
		chromedp.Click(css("#community-submit")),
		chromedp.WaitVisible(css("#admin-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css("#admin-tab-agreements")),
		chromedp.WaitVisible(css("#agreements")),
		chromedp.Click(css("#agreement-new")),
		chromedp.WaitVisible(css("#agreement-form")),
		chromedp.SetValue(css("#agreement-agency"), agencyID),
	)
	if err != nil {
		t.Fatal(err)
	}
	commID, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#agreement-community option')].find(o => o.text === 'Capital JTTF').value`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(css("#agreement-community"), commID),
		chromedp.SendKeys(css("#agreement-legal-basis"), "JTTF Memorandum of Understanding (Capital, 2025), Harbor annex"),
		chromedp.Click(css("#agreement-purpose-counterterrorism")),
		chromedp.Click(css("#agreement-purpose-officer_safety")),
		chromedp.Click(css("#agreement-kind-sar")),
		chromedp.Click(css("#agreement-kind-intelligence")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agreement form")
	err = chromedp.Do(ctx,
		chromedp.Click(css("#agreement-submit")),
		chromedp.WaitVisible(css("#admin-done")),
		chromedp.Navigate(base+"/admin/agreements"),
		chromedp.WaitVisible(css("#agreements")),
		screenshot(t, "admin-agreements"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#agreements"); !strings.Contains(s, "Harbor Police Department") || !strings.Contains(s, "In force") {
		t.Fatalf("agreements:\n%s", s)
	}
	checkA11y(t, ctx, "admin agreements")

	// End it early: it stays on record, marked expired in words.
	agrURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#agreements a')].find(a => a.text === 'Harbor Police Department').href`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(agrURL),
		chromedp.WaitVisible(css("#agreement-end-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agreement page")
	err = chromedp.Do(ctx,
		chromedp.Click(css("#agreement-end-confirm")),
		chromedp.Click(css("#agreement-end")),
		chromedp.WaitVisible(css("#agreement-expired-note")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#agreement-state"); !strings.Contains(s, "Expired") {
		t.Fatalf("ended agreement: %s", s)
	}
	checkA11y(t, ctx, "admin expired agreement")

	// The auditor forgets their password five times: locked. Unlock, then
	// reset the second factor (a lost phone).
	failSignIns(t, base, "auditor", 5)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(css("#admin-locked")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-locked"); !strings.Contains(s, "Locked accounts: 1") || !strings.Contains(s, "auditor") {
		t.Fatalf("locked accounts:\n%s", s)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css("#admin-locked a")),
		chromedp.WaitVisible(css("#user-unlock")),
		chromedp.Click(css("#user-unlock")),
		chromedp.WaitVisible(css("#admin-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-done"); !strings.Contains(s, "unlocked") {
		t.Fatalf("after unlock: %s", s)
	}
	userURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(strings.Split(userURL, "?")[0]),
		chromedp.WaitVisible(css("#user-reset-mfa")),
		chromedp.Click(css("#user-reset-mfa")),
		chromedp.WaitVisible(css("#admin-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-done"); !strings.Contains(s, "enrol a new authenticator app at their next sign-in") {
		t.Fatalf("after the reset: %s", s)
	}
	if s := text(t, ctx, "#user-state"); !strings.Contains(s, "No second factor yet") || strings.Contains(s, "Locked") {
		t.Fatalf("auditor's state: %s", s)
	}
	checkA11y(t, ctx, "admin user page")
}
