package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDeconflictOperationWatchInbox: an officer registers an
// operation that meets a demo operation of another agency (after being
// told what to fix), sees how many conflicts it found and the board with
// whom to call; the fusion center's watch officer sees it on the map,
// takes it, records contact and resolves it; the officer's open inbox
// shows the watch center's updates live, without a reload.
func TestBrowserDeconflictOperationWatchInbox(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	if keys["watch"] == "" {
		t.Fatalf("no TOTP key for watch in the demo output:\n%s", out)
	}
	officer := browserFor(t, 150*time.Second)
	watch := browserFor(t, 150*time.Second)
	type css = chromedp.CSS
	const opName = "Pratt Street observation post"

	// The demo's federal warrant runs tomorrow 06:00-09:00 UTC at 39.2847, -76.6205.
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	start, end := day.Add(7*time.Hour).Format("2006-01-02T15:04"), day.Add(8*time.Hour).Format("2006-01-02T15:04")

	browserSignIn(t, officer, base, "officer", keys["officer"])
	err := chromedp.Do(officer,
		waitVisible(css("#home-deconfliction")),
		screenshot(t, "deconflict-home-officer"),
		click(css("#home-new-op")),
		waitVisible(css("#op-form")),
		sendKeys(css("#op-name"), opName),
		setValue(css("#op-kind"), "surveillance"),
		sendKeys(css("#op-lat"), "39.2850"),
		sendKeys(css("#op-lon"), "-76.6195"),
		sendKeys(css("#op-radius"), "-5"),
		setValue(css("#op-start"), start),
		setValue(css("#op-end"), end),
		sendKeys(css("#op-officers"), "4"),
		click(css("#op-plain")),
		sendKeys(css("#op-phone"), "+1 410 555 0152"),
		sendKeys(css("#op-notes"), "Second floor of the parking garage; unmarked grey van."),
		screenshot(t, "deconflict-op-form"),
		click(css("#op-activate")),
		waitVisible(css("#error-summary")),
		screenshot(t, "deconflict-op-form-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-op-form-errors")
	if got := text(t, officer, "#err-op-radius"); !strings.Contains(got, "Radius must be greater than zero") {
		t.Errorf("radius error = %q", got)
	}
	kept, err := chromedp.Run(officer, chromedp.Value(css("#op-name")))
	if err != nil || kept != opName {
		t.Errorf("name after the refusal = %q, %v", kept, err)
	}
	err = chromedp.Do(officer,
		setValue(css("#op-radius"), "120"),
		click(css("#op-activate")),
		waitVisible(css("#conflict-count")),
		screenshot(t, "deconflict-op-registered"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-op-registered")
	for sel, want := range map[string]string{"#conflict-count": "1 conflict found", "#op-state": "active",
		"#op-conflicts": "Federal Bureau Field Office", "#op-history": "Officer Luis Ortega"} {
		if got := text(t, officer, sel); !strings.Contains(got, want) {
			t.Errorf("operation page %s = %q, want %q", sel, got, want)
		}
	}
	// A target on it: a person, matched against other agencies' targets.
	err = chromedp.Do(officer,
		sendKeys(css("#t-name"), "Marek Dolan"),
		sendKeys(css("#t-dob"), "13/02/1985"),
		click(css("#t-register")),
		waitVisible(css("#err-t-dob")),
		setValue(css("#t-dob"), "1985-02-13"),
		click(css("#t-register")),
		waitVisible(css("#target-table")),
		screenshot(t, "deconflict-op-target"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-op-target")
	if got := text(t, officer, "#target-table"); !strings.Contains(got, "Marek Dolan") {
		t.Errorf("targets = %q", got)
	}
	// The board: the other agency and whom to call, never its operation.
	err = chromedp.Do(officer,
		click(css("#nav-conflicts")),
		waitVisible(css("#conflict-board table")),
		screenshot(t, "deconflict-conflicts-board"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-conflicts-board")
	board := text(t, officer, "#conflict-board")
	for _, want := range []string{"Federal Bureau Field Office – Capital", "Special Agent Jordan Pike", "+1 202 555 0111", "areas overlap by"} {
		if !strings.Contains(board, want) {
			t.Errorf("conflicts board lacks %q: %s", want, board)
		}
	}
	if strings.Contains(board, "Northgate") || strings.Contains(board, "warehouse") {
		t.Errorf("the board shows the other side's operation: %s", board)
	}
	// The inbox stays open: updates must arrive on this page without a reload.
	err = chromedp.Do(officer,
		click(css("#nav-inbox")),
		waitVisible(css("#inbox-list")),
		screenshot(t, "deconflict-inbox-before"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-inbox-before")
	if _, err := chromedp.Run(officer, chromedp.Evaluate[bool](`window.__noReload = true`)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, officer, "#inbox-list"); !strings.Contains(got, opName) {
		t.Errorf("inbox lacks the conflict notice: %s", got)
	}

	// The watch officer: the map board, take, contact, resolve.
	browserSignIn(t, watch, base, "watch", keys["watch"])
	err = chromedp.Do(watch,
		click(css("#nav-watch")),
		waitVisible(css("#watch-map svg")),
		screenshot(t, "deconflict-watch-board"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, watch, "deconflict-watch-board")
	markers, err := chromedp.Run(watch, chromedp.Evaluate[int](`document.querySelectorAll("#watch-map a.marker-link").length`))
	if err != nil || markers < 2 {
		t.Errorf("map markers = %d, %v; want the demo's conflict and the new one", markers, err)
	}
	paths, err := chromedp.Run(watch, chromedp.Evaluate[int](`document.querySelectorAll("#watch-map path").length`))
	if err != nil || paths == 0 {
		t.Errorf("map boundary paths = %d, %v", paths, err)
	}
	// Rows are newest first: the first untaken conflict with the federal
	// office is the new one (the demo's own is taken already).
	id, err := chromedp.Run(watch, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("li.watch-item")).
		filter((li) => li.querySelector("button.take") && li.textContent.includes("Federal Bureau") && li.textContent.includes("Place and time"))[0].id.replace("conflict-", "")`))
	if err != nil || id == "" {
		t.Fatalf("no conflict to take: %v", err)
	}
	if got := text(t, watch, "#conflict-"+id); !strings.Contains(got, "Riverton Police Department") || !strings.Contains(got, "Federal Bureau Field Office") {
		t.Errorf("the first open conflict is not the new one: %s", got)
	}
	err = chromedp.Do(watch,
		click(css("#take-"+id)),
		waitVisible(css("#record-contact-"+id)),
		click(css("#record-contact-"+id)),
		waitVisible(css("#resolve-"+id)),
		screenshot(t, "deconflict-watch-contacted"),
		click(css("#resolve-"+id)),
		waitVisible(css("#err-resolution-"+id)),
		sendKeys(css("#resolution-"+id), "RIVPD moves its post to Lombard Street until the FBI warrant is served."),
		click(css("#resolve-"+id)),
		waitVisible(css("#done")),
		chromedp.Navigate(base+"/watch?show=resolved"),
		waitVisible(css("#conflict-"+id)),
		screenshot(t, "deconflict-watch-resolved"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, watch, "deconflict-watch-resolved")
	if got := text(t, watch, "#conflict-"+id); !strings.Contains(got, "Lombard Street") || !strings.Contains(got, "resolved") {
		t.Errorf("resolved conflict = %q", got)
	}

	// Back on the officer's open inbox: the updates arrived live.
	_, err = chromedp.Run(officer, chromedp.Poll[bool](`document.querySelector("#inbox-list").textContent.includes("Lombard Street")`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err == nil {
		err = chromedp.Do(officer, screenshot(t, "deconflict-inbox-live"))
	}
	if err != nil {
		t.Fatalf("the resolution did not reach the open inbox: %v\n%s", err, text(t, officer, "#inbox-list"))
	}
	same, err := chromedp.Run(officer, chromedp.Evaluate[bool](`window.__noReload === true`))
	if err != nil || !same {
		t.Errorf("the inbox page reloaded instead of updating in place (%v)", err)
	}
	if got := text(t, officer, "#nav-inbox"); !strings.Contains(got, "unread") {
		t.Errorf("inbox badge = %q", got)
	}
	err = chromedp.Do(officer,
		click(css(".notice-item.unread .mark-read")),
		waitVisible(css("#inbox-list")),
		click(css(".conflict-link")),
		waitVisible(css("#conflict-detail")),
		screenshot(t, "deconflict-conflict-view"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, officer, "deconflict-conflict-view")

	// On a tablet the watch board fits the width.
	err = chromedp.Do(watch,
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(base+"/watch"),
		waitVisible(css("#watch-map svg")),
		screenshot(t, "deconflict-watch-tablet"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, watch, "deconflict-watch-tablet")
	overflow, err := chromedp.Run(watch, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Errorf("the watch board scrolls sideways at tablet width (%v)", err)
	}
}
