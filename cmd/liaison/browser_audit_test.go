package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAuditSearchAndProof: the auditor searches the audit log by an
// action prefix and by a demo report's id, opens an entry and sees its
// inclusion proof verified against the latest signed checkpoint, pastes a
// tampered copy of that checkpoint and is told it is NOT verified, then
// checks that the newest checkpoint extends the one before it.
func TestBrowserAuditSearchAndProof(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 90*time.Second)
	type css = chromedp.CSS

	browserSignIn(t, ctx, base, "auditor", keys["auditor"])
	err := chromedp.Do(ctx,
		click(css("#nav-audit")),
		waitVisible(css("#audit-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The landing page reviews the last seven days; a search does not.
	if s := text(t, ctx, "#audit-review"); !strings.Contains(s, "Last 7 days") {
		t.Fatalf("review card:\n%s", s)
	}
	err = chromedp.Do(ctx,
		sendKeys(css("#audit-action"), "login."),
		click(css("#audit-submit")),
		waitVisible(css("#audit-results")),
		screenshot(t, "audit-search"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "audit search")
	if s := text(t, ctx, "#audit-results"); !strings.Contains(s, "login.success") || !strings.Contains(s, "auditor") {
		t.Fatalf("login. search:\n%s", s)
	}

	// A demo report's id, from its filing entry; then who touched it.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/audit?action=sar."),
		waitVisible(css("#audit-results .audit-object")),
	)
	if err != nil {
		t.Fatal(err)
	}
	record := text(t, ctx, "#audit-results .audit-object")
	err = chromedp.Do(ctx,
		click(css("#tab-audit-search")),
		waitVisible(css("#audit-form")),
		sendKeys(css("#audit-object-id"), record),
		click(css("#audit-submit")),
		waitVisible(css("#audit-results .audit-entry-link")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#audit-results"); !strings.Contains(s, record) || !strings.Contains(s, "sar.") {
		t.Fatalf("who touched %s:\n%s", record, s)
	}
	err = chromedp.Do(ctx,
		click(css("#audit-results .audit-entry-link")),
		waitVisible(css("#audit-inclusion")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// An entry newer than the latest checkpoint offers to sign one.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#audit-sign-now").length`)); n > 0 {
		if err := chromedp.Do(ctx, click(css("#audit-sign-now")), waitVisible(css("#audit-done"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, waitVisible(css("#audit-verdict")), screenshot(t, "audit-entry-proof")); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "audit entry proof")
	if s := text(t, ctx, "#audit-verdict"); !strings.HasPrefix(s, "✓ Verified") {
		t.Fatalf("inclusion proof: %s", s)
	}
	if s := text(t, ctx, "#audit-roots-match"); !strings.Contains(s, "equal") {
		t.Fatalf("roots: %s", s)
	}

	// Paste the checkpoint with one character of its root changed.
	tampered, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const lines = document.querySelector("#audit-checkpoint-note").textContent.split("\n");
		lines[2] = (lines[2][0] === "A" ? "B" : "A") + lines[2].slice(1);
		return lines.join("\n");
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		setValue(css("#verify-checkpoint"), tampered),
		click(css("#verify-submit")),
		waitVisible(css("#audit-verify-result")),
		screenshot(t, "audit-proof-tampered"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "audit proof tampered")
	if s := text(t, ctx, "#audit-verdict"); !strings.HasPrefix(s, "✗ NOT verified") || !strings.Contains(s, "changed after it was signed") {
		t.Fatalf("tampered checkpoint: %s", s)
	}

	// Sign a newer checkpoint and check it extends the one before.
	err = chromedp.Do(ctx,
		click(css("#tab-audit-checkpoints")),
		waitVisible(css("#audit-checkpoints")),
		click(css("#audit-sign-now")),
		waitVisible(css("#audit-done")),
		waitVisible(css("#audit-checkpoints .audit-consistency-link")),
		screenshot(t, "audit-checkpoints"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "audit checkpoints")
	if s := text(t, ctx, "#audit-checkpoints"); !strings.Contains(s, "verified with a trusted key") {
		t.Fatalf("checkpoints:\n%s", s)
	}
	err = chromedp.Do(ctx,
		click(css("#audit-checkpoints .audit-consistency-link")),
		waitVisible(css("#audit-consistency-result")),
		screenshot(t, "audit-consistency"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "audit consistency")
	if s := text(t, ctx, "#audit-verdict"); !strings.HasPrefix(s, "✓ Verified") {
		t.Fatalf("consistency: %s", s)
	}
}
