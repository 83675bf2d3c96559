package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tabletWidth and tabletHeight are an iPad-class portrait screen.
const tabletWidth, tabletHeight = 768, 1024

// noSideScroll fails when the page is wider than the window: on a tablet
// nothing may need sideways scrolling.
func noSideScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if over > 0 {
		t.Errorf("%s is %d px wider than a %d px tablet screen", page, over, tabletWidth)
	}
}

// TestBrowserLiveQueueDashboardSessionClock: on a tablet, the supervisor's
// dashboard and step-1 queue update without reloading when an officer
// files a report in another browser; the header says when the session
// ends, and the idle warning's "Stay signed in" extends it. Every page
// passes the WCAG 2.1 AA checks and fits the tablet's width.
func TestBrowserLiveQueueDashboardSessionClock(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	sup := browserFor(t, 120*time.Second)
	off := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	const title = "Drone flown over the Riverton water tower at dusk"

	if _, err := chromedp.Run(sup, chromedp.EmulateViewport(tabletWidth, tabletHeight)); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, sup, base, "supervisor", keys["supervisor"])
	err := chromedp.Do(sup,
		waitVisible(css("#dashboard")),
		screenshot(t, "ui-dashboard-tablet"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, sup, "supervisor's dashboard (tablet)")
	noSideScroll(t, sup, "the dashboard")
	before := text(t, sup, "#dash-step1 .dash-count")
	if s := text(t, sup, "#session-timer"); !strings.Contains(s, "Session ends") || !strings.Contains(s, "at the latest") {
		t.Errorf("session clock says %q", s)
	}

	// The officer files and submits a report in another browser; the
	// supervisor's dashboard count goes up without a reload.
	if _, err := chromedp.Run(sup, chromedp.Evaluate[bool](`window.liaisonNoReload = true`)); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, off, base, "officer", keys["officer"])
	fileReport(t, off, base, title)
	waitText(t, sup, "#dash-step1 .dash-count", func(s string) bool { return s != before })
	// Then the queue page, live too: a second report appears in it.
	err = chromedp.Do(sup,
		chromedp.Navigate(base+"/sars?queue=awaiting_step1"),
		waitVisible(css("#queue-live")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sup, chromedp.Evaluate[bool](`window.liaisonNoReload = true`)); err != nil {
		t.Fatal(err)
	}
	fileReport(t, off, base, title+" (second sighting)")
	waitText(t, sup, "#queue-live", func(s string) bool { return strings.Contains(s, "(second sighting)") })
	if kept, _ := chromedp.Run(sup, chromedp.Evaluate[bool](`window.liaisonNoReload === true`)); !kept {
		t.Error("the queue page reloaded instead of updating in place")
	}
	if err := chromedp.Do(sup, screenshot(t, "ui-queue-live-tablet")); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, sup, "step-1 queue (tablet)")
	noSideScroll(t, sup, "the step-1 queue")
	for _, path := range []string{"/search?q=Marsh&purpose=counterterrorism", "/conflicts", "/inbox", "/access-requests?box=incoming", "/operations"} {
		if err := chromedp.Do(sup, chromedp.Navigate(base+path), waitVisible(css("main"))); err != nil {
			t.Fatal(err)
		}
		noSideScroll(t, sup, path)
	}

	// Two minutes before the idle limit the warning comes; "Stay signed
	// in" asks the server, which answers with a new deadline 30 minutes on.
	err = chromedp.Do(sup,
		chromedp.Navigate(base+"/"),
		waitVisible(css("#session-timer")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sup, chromedp.Evaluate[bool](`document.getElementById("session-timer").dataset.idleDeadline = new Date(Date.now() + 90000).toISOString(); true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(sup,
		waitVisible(css("#session-stay")),
		screenshot(t, "ui-session-warning"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if w := text(t, sup, "#session-warning"); !strings.Contains(w, "signed out in 1:") || !strings.Contains(w, "inactivity") {
		t.Errorf("warning says %q", w)
	}
	checkA11y(t, sup, "session warning")
	err = chromedp.Do(sup,
		click(css("#session-stay")),
		waitHidden(css("#session-warning")),
	)
	if err != nil {
		t.Fatal(err)
	}
	left, err := chromedp.Run(sup, chromedp.Evaluate[float64](`(Date.parse(document.getElementById("session-timer").dataset.idleDeadline) - Date.now()) / 60000`))
	if err != nil {
		t.Fatal(err)
	}
	if left < 28 || left > 31 {
		t.Errorf("after Stay signed in the idle deadline is %.1f minutes away, want about 30", left)
	}
}

// fileReport files and submits a complete report through the form.
func fileReport(t *testing.T, ctx context.Context, base, title string) {
	t.Helper()
	type css = chromedp.CSS
	when := time.Now().UTC().Add(-2 * time.Hour).Format("2006-01-02T15:04")
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/sars/new"),
		waitVisible(css("#sar-form")),
		sendKeys(css("#title"), title),
		setValue(css("#when"), when),
		sendKeys(css("#address"), "Water tower, Riverton"),
		sendKeys(css("#lat"), "39.30"),
		sendKeys(css("#lon"), "-76.60"),
		sendKeys(css("#why"), "It hovered over the tower's valve house for ten minutes."),
		sendKeys(css("#narrative"), "A small quadcopter circled the water tower at dusk; the operator stood by a white van."),
		click(css("#cat-photography")),
		click(css("#cat-observation_surveillance")),
		click(css("#submit-report")),
		waitVisible(css("#banner-top")),
	)
	if err != nil {
		t.Fatalf("file %q: %v", title, err)
	}
}

// waitText waits until an element's text satisfies ok.
func waitText(t *testing.T, ctx context.Context, sel string, ok func(string) bool) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s, err := textOf(ctx, sel)
		if err == nil && ok(strings.TrimSpace(s)) {
			return
		}
		last = s
	}
	t.Fatalf("%s never updated without a reload; it shows %q", sel, last)
}

// TestBrowserSarImportProgress: an officer imports a file of reports; the
// page shows the import's progress as it runs, then what was filed and
// each bad row with what to fix.
func TestBrowserSarImportProgress(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	var b strings.Builder
	b.WriteString("title,narrative,why,when,address,lat,lon,categories\n")
	const rows = 4000
	for i := 1; i <= rows; i++ {
		lat := "39.2"
		if i == 17 {
			lat = "239.2" // one bad row
		}
		fmt.Fprintf(&b, "Sighting %d at the rail yard,Person %d photographed the signal box from the footbridge.,Lingered and took notes,%s,Rail yard footbridge,%s,-76.6,photography\n",
			i, i, time.Now().UTC().Add(-time.Duration(i)*time.Minute).Format(time.RFC3339), lat)
	}
	file := filepath.Join(t.TempDir(), "rail-yard.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, base, "officer", keys["officer"])
	err := chromedp.Do(ctx,
		click(css("#nav-sars")),
		waitVisible(css("#import-sars")),
		click(css("#import-sars")),
		waitVisible(css("#import-form")),
		click(css("#import-submit")),
		waitVisible(css("#error-summary")),
		screenshot(t, "sar-import-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "choose a CSV or JSON file") {
		t.Errorf("no file: %q", s)
	}
	checkA11y(t, ctx, "import form with an error")
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(css("#file"), []string{file}),
		click(css("#import-submit")),
		waitVisible(css("#import-progress")),
		screenshot(t, "sar-import-progress"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "import progress")
	err = chromedp.Do(ctx,
		waitVisible(css("#import-report")),
		screenshot(t, "sar-import-result"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "import result")
	if n := text(t, ctx, "#import-imported"); n != fmt.Sprint(rows-1) {
		t.Errorf("filed %s, want %d", n, rows-1)
	}
	if e := text(t, ctx, "#import-errors"); !strings.Contains(e, "17") || !strings.Contains(strings.ToLower(e), "latitude") {
		t.Errorf("errors table: %q", e)
	}
}
