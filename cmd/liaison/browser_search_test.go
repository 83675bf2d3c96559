package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSearchPointerAccessRequest: the fusion center analyst searches
// for Marsh and sees what the policy allows plus a pointer to Riverton PD
// (never the no-pointer record); asks for access, being told first what to
// fix; Riverton's supervisor approves without personal data; the analyst
// then finds the record.
func TestBrowserSearchPointerAccessRequest(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 90*time.Second)
	sup := browserFor(t, 90*time.Second) // a second browser: a TOTP code is accepted once
	type css = chromedp.CSS

	browserSignIn(t, ctx, base, "analyst", keys["analyst"])
	err := chromedp.Do(ctx,
		click(css("#nav-search")),
		waitVisible(css("#search-form")),
		sendKeys(css("#search-q"), "Marsh"),
		click(css("#search-submit")),
		waitVisible(css("#search-results")),
		screenshot(t, "search-results"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "search-results")
	results, pointers := text(t, ctx, "#search-results"), text(t, ctx, "#search-pointers")
	if !strings.Contains(results, "Bulk ammonium nitrate purchases") || strings.Contains(results, "cash withdrawals") ||
		strings.Contains(results+pointers, "Undercover") {
		t.Fatalf("results:\n%s\npointers:\n%s", results, pointers)
	}
	if !strings.Contains(pointers, "Riverton") || !strings.Contains(pointers, "Request access") {
		t.Fatalf("no pointer to Riverton PD:\n%s", pointers)
	}
	err = chromedp.Do(ctx,
		click(css("#search-pointers a.request-access")),
		waitVisible(css("#access-form")),
		click(css("#access-submit")),
		waitVisible(css("#error-summary")),
		screenshot(t, "search-access-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "search-access-errors")
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Case") || !strings.Contains(s, "Justification") {
		t.Fatalf("error summary: %s", s)
	}
	caseID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#access-case-id').options[1].value`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		setValue(css("#access-case-id"), caseID),
		sendKeys(css("#access-justification"), "Marsh is central to our critical infrastructure threat picture."),
		click(css("#access-submit")),
		waitVisible(css("#access-done")),
		screenshot(t, "search-access-requested"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "search-access-requested")
	browserSignIn(t, sup, base, "supervisor", keys["supervisor"])
	err = chromedp.Do(sup,
		click(css("#nav-access")),
		waitVisible(css("#access-requests")),
		screenshot(t, "search-access-incoming"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, sup, "search-access-incoming")
	if s := text(t, sup, "#access-requests"); !strings.Contains(s, "critical infrastructure threat picture") || !strings.Contains(s, "pending") {
		t.Fatalf("incoming requests:\n%s", s)
	}
	err = chromedp.Do(sup,
		click(css("#access-requests .decide-button")),
		waitVisible(css("#access-done")),
		screenshot(t, "search-access-decided"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, sup, "search-access-decided")
	if s := text(t, sup, "#access-grants"); !strings.Contains(s, "without personal data") {
		t.Fatalf("grants issued:\n%s", s)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/search?q=withdrawals&purpose=counterterrorism"),
		waitVisible(css("#search-results")),
		screenshot(t, "search-after-grant"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "search-after-grant")
	if s := text(t, ctx, "#search-results"); !strings.Contains(s, "cash withdrawals") || !strings.Contains(s, "redacted") {
		t.Fatalf("after the grant:\n%s", s)
	}
}
