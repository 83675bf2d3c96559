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
		click(css("#nav-admin")),
		waitVisible(css("#admin-overview")),
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
		click(css("#admin-tab-agencies")),
		waitVisible(css("#agencies")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agencies")
	err = chromedp.Do(ctx,
		click(css("#agency-new")),
		waitVisible(css("#agency-form")),
		sendKeys(css("#agency-code"), "harbor pd!"),
		sendKeys(css("#agency-name"), "Harbor Police Department"),
		setValue(css("#agency-kind"), "local"),
		sendKeys(css("#agency-contact0-name"), "Harbor duty desk"),
		sendKeys(css("#agency-contact0-phone"), "+1 410 555 0199"),
		click(css("#agency-submit")),
		waitVisible(css("#error-summary")),
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
		click(css(`#error-summary a[href="#agency-code"]`)),
		setValue(css("#agency-code"), "HPD-01"),
		click(css("#agency-submit")),
		waitVisible(css("#admin-done")),
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
		click(css("#agency-add-user")),
		waitVisible(css("#user-form")),
		sendKeys(css("#user-login"), "h.reyes"),
		sendKeys(css("#user-name"), "Sgt. Hana Reyes"),
		sendKeys(css("#user-email"), "h.reyes@harbor.example.gov"),
		sendKeys(css("#user-password"), "harbor-patrol-2026-long"),
		click(css("#user-role-officer")),
		click(css("#user-role-supervisor")),
		click(css("#user-sworn")),
		setValue(css("#user-clearance"), "confidential"),
		screenshot(t, "admin-user-new"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin new user form")
	err = chromedp.Do(ctx,
		click(css("#user-submit")),
		waitVisible(css("#admin-done")),
		chromedp.Navigate(base+"/admin/users?agency="+agencyID),
		waitVisible(css("#users")),
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
		click(css("#admin-tab-communities")),
		waitVisible(css("#communities")),
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
		waitVisible(css("#community-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin community form")
	err = chromedp.Do(ctx,
		click(css("#community-member-HPD-01")),
		click(css("#community-submit")),
		waitVisible(css("#admin-done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		click(css("#admin-tab-agreements")),
		waitVisible(css("#agreements")),
		click(css("#agreement-new")),
		waitVisible(css("#agreement-form")),
		setValue(css("#agreement-agency"), agencyID),
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
		setValue(css("#agreement-community"), commID),
		sendKeys(css("#agreement-legal-basis"), "JTTF Memorandum of Understanding (Capital, 2025), Harbor annex"),
		click(css("#agreement-purpose-counterterrorism")),
		click(css("#agreement-purpose-officer_safety")),
		click(css("#agreement-kind-sar")),
		click(css("#agreement-kind-intelligence")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agreement form")
	err = chromedp.Do(ctx,
		click(css("#agreement-submit")),
		waitVisible(css("#admin-done")),
		chromedp.Navigate(base+"/admin/agreements"),
		waitVisible(css("#agreements")),
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
		waitVisible(css("#agreement-end-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "admin agreement page")
	err = chromedp.Do(ctx,
		click(css("#agreement-end-confirm")),
		click(css("#agreement-end")),
		waitVisible(css("#agreement-expired-note")),
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
		waitVisible(css("#admin-locked")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#admin-locked"); !strings.Contains(s, "Locked accounts: 1") || !strings.Contains(s, "auditor") {
		t.Fatalf("locked accounts:\n%s", s)
	}
	err = chromedp.Do(ctx,
		click(css("#admin-locked a")),
		waitVisible(css("#user-unlock")),
		click(css("#user-unlock")),
		waitVisible(css("#admin-done")),
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
		waitVisible(css("#user-reset-mfa")),
		click(css("#user-reset-mfa")),
		waitVisible(css("#admin-done")),
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
