package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPrivacyExplainReviewLedger: the fusion center's privacy
// officer opens Privacy, explains a partner analyst's access to a record
// from the review queue, validates one record (it leaves the queue),
// purges another through the confirmation step (it shows as a tombstone)
// and filters the dissemination ledger by a recipient agency.
func TestBrowserPrivacyExplainReviewLedger(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	run, eval := stepsIn(t, ctx)

	browserSignIn(t, ctx, base, "privacy", keys["privacy"])
	run(click(css("#nav-privacy")), waitVisible(css("#privacy-due")), screenshot(t, "privacy-home"))
	checkA11y(t, ctx, "privacy home")
	if n := text(t, ctx, "#privacy-due-count"); n != "2" {
		t.Fatalf("due for review in 30 days: %q, want the demo's 2\n%s", n, text(t, ctx, "#privacy-due"))
	}

	// The queue, oldest deadline first; explain the first record for a partner analyst.
	run(click(css("#privacy-open-review")), waitVisible(css("#review-queue")))
	ids := strings.Fields(eval(`Array.from(document.querySelectorAll("#review-queue li.privacy-record")).map(li => li.id.slice(7)).join(" ")`))
	if len(ids) != 2 || !strings.Contains(text(t, ctx, "#record-"+ids[0]), "Drone flights") {
		t.Fatalf("review queue %v:\n%s", ids, text(t, ctx, "#review-queue"))
	}
	run(
		click(css("#record-"+ids[0]+" a.explain-link")),
		waitVisible(css("#explain-form")),
		sendKeys(css("#explain-user"), "dhp.analyst"),
		setValue(css("#explain-purpose"), "counterterrorism"),
		click(css("#explain-submit")),
		waitVisible(css("#explain-result")),
		screenshot(t, "privacy-explain"),
	)
	checkA11y(t, ctx, "privacy explain")
	if v, rules := text(t, ctx, "#explain-verdict"), text(t, ctx, "#explain-rules"); !strings.Contains(v, "Allowed") ||
		!strings.Contains(rules, "partner-under-agreement") || !strings.Contains(rules, "an agreement in force covers the item's kind and the declared purpose") {
		t.Fatalf("explanation: %q\n%s", v, rules)
	}
	if s := text(t, ctx, "#explain-agreements"); !strings.Contains(s, "Columbia Fusion Area") || !strings.Contains(s, "yes") {
		t.Errorf("agreements: %s", s)
	}

	// Validate the first record: it leaves the queue.
	run(
		click(css("#privacy-tab-review")),
		waitVisible(css("#review-queue")),
		screenshot(t, "privacy-review"),
	)
	checkA11y(t, ctx, "privacy review queue")
	run(
		sendKeys(css("#reason-"+ids[0]), "Drone flights continue; the investigation is open."),
		click(css("#record-"+ids[0]+" .retain-button")),
		waitVisible(css("#privacy-done")),
	)
	if s := text(t, ctx, "#privacy-done"); !strings.Contains(s, "retained until") {
		t.Errorf("after retaining: %s", s)
	}
	if gone := eval(`String(document.getElementById("record-` + ids[0] + `") === null)`); gone != "true" {
		t.Fatal("the validated record is still in the queue")
	}

	// Purge the second, through the confirmation step.
	run(
		click(css("#record-"+ids[1]+" a.purge-link")),
		waitVisible(css("#purge-form")),
		screenshot(t, "privacy-purge-confirm"),
	)
	checkA11y(t, ctx, "privacy purge confirmation")
	run(click(css("#purge-submit")), waitVisible(css("#error-summary")))
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Reason") || !strings.Contains(s, "Confirmation") {
		t.Fatalf("purge without reason or confirmation: %s", s)
	}
	run(
		sendKeys(css("#purge-reason"), "The phishing campaign was attributed and closed; no criminal predicate remains."),
		click(css("#purge-confirm")),
		click(css("#purge-submit")),
		waitVisible(css("#privacy-done")),
	)
	if s := text(t, ctx, "#purged-"+ids[1]); !strings.Contains(s, "tombstone") {
		t.Errorf("purged record: %s", s)
	}
	if s := text(t, ctx, "#review-queue"); strings.Contains(s, "Phishing") {
		t.Errorf("the purged record is still in the queue:\n%s", s)
	}

	// The ledger, filtered by the receiving agency.
	run(click(css("#privacy-tab-ledger")), waitVisible(css("#ledger-form")))
	dhp := eval(`Array.from(document.querySelectorAll("#ledger-recipient option")).find(o => o.textContent.startsWith("Department of Homeland")).value`)
	run(
		setValue(css("#ledger-recipient"), dhp),
		click(css("#ledger-submit")),
		waitVisible(css("#ledger-table")),
		screenshot(t, "privacy-ledger"),
	)
	checkA11y(t, ctx, "privacy ledger")
	if s := text(t, ctx, "#ledger-table"); !strings.Contains(s, "Robin Achebe") || !strings.Contains(s, "Columbia State Fusion Center") ||
		strings.Contains(s, "Casey Rowan") {
		t.Errorf("ledger for DHP:\n%s", s)
	}
	if href := eval(`document.getElementById("ledger-csv").getAttribute("href")`); !strings.Contains(href, "recipient_agency_id="+dhp) {
		t.Errorf("CSV link %q does not keep the filter", href)
	}

	// On a tablet the ledger and the queue fit the width.
	for _, p := range []struct{ path, sel, shot string }{
		{"/privacy/ledger", "#ledger-table", "privacy-ledger-tablet"}, {"/privacy/review?within=365", "#review-queue", "privacy-review-tablet"},
	} {
		run(chromedp.EmulateViewport(768, 1024), chromedp.Navigate(base+p.path), waitVisible(css(p.sel)), screenshot(t, p.shot))
		if overflow := eval(`String(document.documentElement.scrollWidth > window.innerWidth)`); overflow != "false" {
			t.Errorf("%s is wider than a tablet's screen", p.path)
		}
	}
}
