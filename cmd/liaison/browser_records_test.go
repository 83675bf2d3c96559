package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRecordViewBannerGraph: the fusion center analyst opens
// Intelligence, chooses her case and opens its record: the banner at top
// and bottom gives TLP, handling code and grading; the link graph of Marsh
// spans her record and Riverton PD's and the JTTF's; she files a new
// record, being told first what to fix.
func TestBrowserRecordViewBannerGraph(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS

	browserSignIn(t, ctx, base, "analyst", keys["analyst"])
	err := chromedp.Do(ctx,
		click(css("#nav-records")),
		waitVisible(css("#cases")),
		click(css("#cases ul a")), // her case
		waitVisible(css("#records-table")),
		screenshot(t, "records-list"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, "#records-table"); !strings.Contains(s, "White van at the Columbia Electric substation") || !strings.Contains(s, "TLP:AMBER") {
		t.Fatalf("the case's records:\n%s", s)
	}
	checkA11y(t, ctx, "records list")

	err = chromedp.Do(ctx,
		click(css("#records-table a.record-link")),
		waitVisible(css("#banner-top")),
		screenshot(t, "records-view"),
	)
	if err != nil {
		t.Fatal(err)
	}
	banner := "TLP:AMBER · H2 no onward dissemination without the originator's permission · C3: fairly reliable, possibly true"
	for sel, want := range map[string]string{"#banner-top": banner, "#banner-bottom": banner, "#record-title": "White van",
		"#decision-reason": "originating agency", "#rec-subjects": "Daniel Marsh", "#rec-links": "seen_at", "#rec-history": "White van"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("record page %s = %q, want %q", sel, got, want)
		}
	}
	if !strings.Contains(text(t, ctx, "#banner-top"), "limited disclosure") {
		t.Error("the banner does not say what TLP:AMBER means")
	}
	checkA11y(t, ctx, "record view")

	err = chromedp.Do(ctx,
		click(css("#rec-subjects a.graph-link")), // Marsh, the first subject
		waitVisible(css("#rec-graph svg")),
		screenshot(t, "records-graph"),
	)
	if err != nil {
		t.Fatal(err)
	}
	nodes, edges := text(t, ctx, "#node-table"), text(t, ctx, "#edge-table")
	for _, want := range []string{"Daniel Marsh (born 1988-07-14)", "White van at the Columbia Electric substation",
		"Bulk ammonium nitrate purchases in Riverton", "Subscriber check on a prepaid phone", "Eli Rourke"} {
		if !strings.Contains(nodes, want) {
			t.Errorf("graph nodes lack %q:\n%s", want, nodes)
		}
	}
	for _, hidden := range []string{"Source reporting on the Night Harbor", "cash withdrawals", "Undercover"} {
		if strings.Contains(nodes+edges, hidden) {
			t.Errorf("graph shows a record the analyst may not use: %q", hidden)
		}
	}
	if !strings.Contains(edges, "subscriber_of") || !strings.Contains(edges, "uses") {
		t.Errorf("graph links:\n%s", edges)
	}
	checkA11y(t, ctx, "record graph")

	err = chromedp.Do(ctx,
		click(css("#nav-records")),
		waitVisible(css("#new-record")),
		click(css("#new-record")),
		waitVisible(css("#record-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	caseID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#rec-case').options[1].value`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		sendKeys(css("#rec-title"), "Rourke buys prepaid SIM cards"),
		setValue(css("#rec-case"), caseID),
		sendKeys(css("#rec-narrative"), "Eli Rourke bought six prepaid SIM cards in cash at a Riverton kiosk."),
		setValue(css("#subj-1-kind"), "person"),
		sendKeys(css("#subj-1-name"), "Eli Rourke"),
		sendKeys(css("#subj-1-dob"), "1990-03-02"),
		click(css("#record-submit")),
		waitVisible(css("#error-summary")),
		screenshot(t, "records-new-errors"),
	)
	if err != nil {
		t.Fatal(err)
	}
	summary := text(t, ctx, "#error-summary")
	for _, want := range []string{"2 things need fixing", "Criminal predicate is required", "at least 20 characters", "Lawful collection must be true"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary %q lacks %q", summary, want)
		}
	}
	if got := text(t, ctx, "#err-rec-predicate"); !strings.Contains(got, "reasonable suspicion") {
		t.Errorf("predicate field error = %q", got)
	}
	checkA11y(t, ctx, "new record with errors")
	err = chromedp.Do(ctx,
		sendKeys(css("#rec-predicate"), "Buying untraceable phones for a subject of an explosives investigation (18 U.S.C. 844)."),
		click(css("#rec-lawful")),
		click(css("#record-submit")),
		waitVisible(css("#done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#done"); !strings.Contains(got, "Record filed") {
		t.Errorf("after filing: %q", got)
	}
	if got := text(t, ctx, "#banner-bottom"); !strings.Contains(got, "TLP:AMBER · H2") {
		t.Errorf("new record's banner = %q", got)
	}
}
