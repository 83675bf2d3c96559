package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"liaison/service"
)

// demoKeys returns the demo users' TOTP keys from the serve --demo output.
func demoKeys(t *testing.T, out string) map[string]string {
	t.Helper()
	keys := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\s+\S+\s+\S+\s+([A-Z2-7]{32})$`).FindAllStringSubmatch(out, -1) {
		keys[m[1]] = m[2]
	}
	for _, login := range []string{"officer", "supervisor", "analyst"} {
		if keys[login] == "" {
			t.Fatalf("no TOTP key for %s in the demo output:\n%s", login, out)
		}
	}
	return keys
}

// browserSignIn signs in with password and second factor and waits for the home page.
func browserSignIn(t *testing.T, ctx context.Context, base, login, key string) {
	t.Helper()
	code, err := service.TOTPCode(key, service.TOTPStep(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		waitVisible(chromedp.CSS("#login")),
		sendKeys(chromedp.CSS("#login"), login),
		sendKeys(chromedp.CSS("#password"), "liaison-demo-2026"),
		submit(chromedp.CSS("#password")),
		waitVisible(chromedp.CSS("#code")),
		sendKeys(chromedp.CSS("#code"), code),
		submit(chromedp.CSS("#code")),
		waitVisible(chromedp.CSS("#my-agency")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", login, err)
	}
}

func browserSignOut(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, click(chromedp.CSS("header button.link")), waitVisible(chromedp.CSS("#login"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}

// TestBrowserSarFiledVettedShared: an officer files a SAR through the form
// (after being told what to fix), the supervisor does step 1, and a fusion
// center analyst shares it as an ISE-SAR; each sees what their role allows.
func TestBrowserSarFiledVettedShared(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := chromium(t)
	type css = chromedp.CSS
	const title = "Man filming the Riverton substation gate"

	// The officer: the home page links the reports; a first try with a bad
	// latitude and no category comes back with both errors and the typed values.
	browserSignIn(t, ctx, base, "officer", keys["officer"])
	when := time.Now().UTC().Add(-3 * time.Hour).Format("2006-01-02T15:04")
	err := chromedp.Do(ctx,
		waitVisible(css("#home-sars")),
		screenshot(t, "sar-home-officer"),
		click(css("#home-new-sar")),
		waitVisible(css("#sar-form")),
		sendKeys(css("#title"), title),
		setValue(css("#when"), when),
		sendKeys(css("#address"), "400 Harbor Point Rd, Riverton"),
		sendKeys(css("#lat"), "139.29"),
		sendKeys(css("#lon"), "-76.6122"),
		sendKeys(css("#why"), "He noted the guard's rounds and left when approached."),
		sendKeys(css("#narrative"), "A man filmed the substation gate and camera poles for 25 minutes from a grey sedan, plate RVT2290."),
		setValue(css("#involved-1-kind"), "person"),
		sendKeys(css("#involved-1-desc"), "white male, about 40, red jacket"),
		setValue(css("#involved-2-kind"), "vehicle"),
		sendKeys(css("#involved-2-ident"), "RVT2290"),
		sendKeys(css("#involved-2-desc"), "grey sedan"),
		screenshot(t, "sar-form"),
		click(css("#submit-report")),
		waitVisible(css("#error-summary")),
		screenshot(t, "sar-form-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-form-errors")
	summary := text(t, ctx, "#error-summary")
	for _, want := range []string{"2 things need fixing", "Latitude must be a latitude between -90 and 90", "Behaviour categories", "name at least one"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary %q lacks %q", summary, want)
		}
	}
	if got := text(t, ctx, "#err-lat"); !strings.Contains(got, "Latitude") {
		t.Errorf("latitude field error = %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(css("#title")))
	if err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil {
		t.Fatal(err)
	}
	if kept != title || focused != "error-summary" {
		t.Errorf("after the refusal: title %q, focus on %q; want the title kept and focus on the summary", kept, focused)
	}
	err = chromedp.Do(ctx,
		setValue(css("#lat"), "39.2904"),
		click(css("#cat-photography")),
		click(css("#cat-observation_surveillance")),
		click(css("#submit-report")),
		waitVisible(css("#banner-top")),
		screenshot(t, "sar-view-officer"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-view-officer")
	if got := text(t, ctx, "#sar-title"); got != title {
		t.Fatalf("report page title = %q", got)
	}
	for sel, want := range map[string]string{"#sar-state": "submitted", "#done": "A supervisor of your agency reviews it next",
		"#banner-top": "NOT SHARED", "#banner-bottom": "NOT SHARED", "#no-actions": "awaits step 1", "#sar-involved": "RVT2290",
		"#sar-categories": "Part B only", "#sar-history": "Officer Luis Ortega"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("officer sees %s = %q, want %q", sel, got, want)
		}
	}
	reportURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	reportURL = reportURL[:strings.Index(reportURL, "?")]
	browserSignOut(t, ctx)

	// The supervisor: step 1 from the queue.
	browserSignIn(t, ctx, base, "supervisor", keys["supervisor"])
	err = chromedp.Do(ctx,
		click(css("#nav-sars")),
		waitVisible(css("#queue-table")),
		screenshot(t, "sar-queue-step1"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-queue-step1")
	if got := text(t, ctx, "#tab-awaiting_step1"); got != "Awaiting step 1" {
		t.Errorf("supervisor's queue tab = %q", got)
	}
	if got := text(t, ctx, "#queue-table"); !strings.Contains(got, title) || !strings.Contains(got, "questions about the water plant") {
		t.Fatalf("supervisor's step-1 queue = %q", got)
	}
	err = chromedp.Do(ctx,
		click(chromedp.Search(`//a[normalize-space(.)="`+title+`"]`)),
		waitVisible(css("#form-step1")),
		screenshot(t, "sar-step1"),
		click(css("#decision")),
		click(css("#do-step1")),
		waitVisible(css("#done")),
		screenshot(t, "sar-step1-done"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-step1-done")
	for sel, want := range map[string]string{"#sar-state": "reviewed", "#done": "Forwarded", "#sar-history": "Sgt. Karen Boyd",
		"#no-actions": "awaits step 2"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("supervisor sees %s = %q, want %q", sel, got, want)
		}
	}
	browserSignOut(t, ctx)

	// The analyst: step 2. Sharing a Part-B-only report needs corroborating facts.
	browserSignIn(t, ctx, base, "analyst", keys["analyst"])
	err = chromedp.Do(ctx,
		click(css("#nav-sars")),
		waitVisible(css("#queue-table")),
		screenshot(t, "sar-queue-step2"),
		click(chromedp.Search(`//a[normalize-space(.)="`+title+`"]`)),
		waitVisible(css("#form-step2")),
		click(css("#decision")),
		click(chromedp.Search(`//label[contains(normalize-space(.), "Columbia Fusion Area")]`)),
		click(css("#do-step2")),
		waitVisible(css("#err-corroboration")),
		screenshot(t, "sar-step2-error"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-step2-error")
	if got := text(t, ctx, "#err-corroboration"); !strings.Contains(got, "only categories are Part B") {
		t.Errorf("corroboration error = %q", got)
	}
	if got := text(t, ctx, "#sar-state"); got != "reviewed" {
		t.Errorf("after the refused share the state is %q", got)
	}
	err = chromedp.Do(ctx,
		sendKeys(css("#corroboration"), "The same sedan was recorded at the water treatment plant on 12 November."),
		click(css("#do-step2")),
		waitVisible(css("#done")),
		screenshot(t, "sar-view-shared"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-view-shared")
	for sel, want := range map[string]string{"#sar-state": "shared", "#done": "Shared as an ISE-SAR",
		"#banner-top": "TLP:AMBER · H0 law-enforcement use only · ISE-SAR", "#banner-bottom": "TLP:AMBER",
		"#sar-shared-with": "Columbia Fusion Area", "#sar-corroboration": "water treatment plant", "#sar-history": "Dana Whitfield",
		"#no-actions": "Only its originator may withdraw it"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("analyst sees %s = %q, want %q", sel, got, want)
		}
	}
	// It is in the shared space of the analyst's communities.
	err = chromedp.Do(ctx,
		click(css("#nav-sars")),
		waitVisible(css("#tab-shared_with_us")),
		click(css("#tab-shared_with_us")),
		waitVisible(css("#queue-table")),
		screenshot(t, "sar-queue-shared"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-queue-shared")
	if got := text(t, ctx, "#queue-table"); !strings.Contains(got, title) || !strings.Contains(got, "TLP:AMBER") {
		t.Errorf("shared space = %q", got)
	}

	// On a tablet the report page fits the width.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(reportURL+"?purpose=counterterrorism"),
		waitVisible(css("#banner-top")),
		screenshot(t, "sar-view-tablet"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-view-tablet")
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/sars/new"),
		waitVisible(css("#sar-form")),
		screenshot(t, "sar-form-tablet"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sar-form-tablet")
	if overflow {
		t.Error("the report page scrolls sideways at tablet width")
	}
}
