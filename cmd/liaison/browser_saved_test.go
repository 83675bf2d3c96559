package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSavedSearchSaveListDelete: the demo's fusion center analyst
// searches for Marsh, tries to save the search without a name (told what
// to fix, the results still there), saves it, finds it listed in words,
// runs it again from the list, reaches the list from the inbox, and
// deletes it (the list explains what saved searches do).
func TestBrowserSavedSearchSaveListDelete(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 90*time.Second)
	type css = chromedp.CSS
	run, _ := stepsIn(t, ctx)

	browserSignIn(t, ctx, base, "analyst", keys["analyst"])
	run(
		click(css("#nav-search")),
		waitVisible(css("#search-form")),
		sendKeys(css("#search-q"), "Marsh"),
		click(css("#search-submit")),
		waitVisible(css("#save-search")),
		screenshot(t, "saved-search-form"),
	)
	checkA11y(t, ctx, "search results with the save form")
	keyboardAndTablet(t, ctx, "search results with the save form")
	run(
		click(css("#save-search-submit")),
		waitVisible(css("#error-summary")),
		screenshot(t, "saved-search-errors"),
	)
	checkA11y(t, ctx, "save search, no name")
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Name is required") {
		t.Fatalf("error summary: %s", s)
	}
	if s := text(t, ctx, "#search-results"); !strings.Contains(s, "Bulk ammonium nitrate purchases") {
		t.Fatalf("the results are gone after the refusal:\n%s", s)
	}
	if s := text(t, ctx, "#save-search-words"); !strings.Contains(s, "words “Marsh”") || !strings.Contains(s, "for counterterrorism") {
		t.Errorf("the search in words: %s", s)
	}

	run(
		sendKeys(css("#saved-name"), "Marsh purchases"),
		click(css("#save-search-submit")),
		waitVisible(css("#saved-done")),
		screenshot(t, "saved-search-list"),
	)
	checkA11y(t, ctx, "saved searches")
	keyboardAndTablet(t, ctx, "saved searches")
	if s := text(t, ctx, "#saved-list"); !strings.Contains(s, "Marsh purchases") || !strings.Contains(s, "words “Marsh”") ||
		!strings.Contains(s, "0 new hits so far") {
		t.Fatalf("saved list:\n%s", s)
	}
	if s := text(t, ctx, "#saved-done"); !strings.Contains(s, "Saved “Marsh purchases”") {
		t.Errorf("notice: %s", s)
	}

	// Run it now: the search page with the same search.
	run(
		click(css("#saved-list a.saved-run")),
		waitVisible(css("#search-results")),
	)
	if s := text(t, ctx, "#search-results"); !strings.Contains(s, "Bulk ammonium nitrate purchases") {
		t.Fatalf("run it now:\n%s", s)
	}

	// From the inbox to the list, then delete.
	run(
		click(css("#nav-inbox")),
		waitVisible(css("#inbox-list")),
		click(css("#inbox-saved-link")),
		waitVisible(css("#saved-list")),
		click(css("#saved-list button.saved-delete")), // the newest: this test's
		waitVisible(css("#saved-done")),
		screenshot(t, "saved-search-deleted"),
	)
	checkA11y(t, ctx, "saved searches, after a delete")
	if s := text(t, ctx, "#saved-done"); !strings.Contains(s, "deleted") {
		t.Errorf("notice: %s", s)
	}
	// The demo's own saved search stays.
	if s := text(t, ctx, "#saved-list"); strings.Contains(s, "Marsh purchases") || !strings.Contains(s, "Evan Cole, any mention") {
		t.Fatalf("after delete:\n%s", s)
	}
}

// keyboardAndTablet checks the page from the keyboard alone, then that
// nothing on it needs sideways scrolling on a tablet.
func keyboardAndTablet(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	keyboardWalk(t, ctx, page)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(tabletWidth, tabletHeight)); err != nil {
		t.Fatal(err)
	}
	noSideScroll(t, ctx, page+" (tablet)")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}
