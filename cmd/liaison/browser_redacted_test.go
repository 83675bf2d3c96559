package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRedactedReportPage: the electric utility's liaison reads the
// shared report about the harbor tunnel in the form the API releases to a
// private partner: the subject's name and the plate are withheld from the
// page's title, its heading, its narrative and its list of people and
// vehicles, and the page says so; the fusion center's analyst, whose
// agreement allows personal data, reads them on the same page.
func TestBrowserRedactedReportPage(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	const purpose = "critical_infrastructure_protection"

	browserSignIn(t, ctx, base, "utility.liaison", keys["utility.liaison"])
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/sars?queue=shared_with_us&purpose="+purpose),
		waitVisible(css("#queue-table")),
		screenshot(t, "redacted-queue"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#queue-table"); !strings.Contains(got, "harbor tunnel vents") || strings.Contains(got, "Evan Cole") {
		t.Fatalf("the utility's shared space = %q, want the tunnel report without its subject's name", got)
	}
	checkA11y(t, ctx, "redacted queue")
	err = chromedp.Do(ctx,
		click(css("#queue-table a")),
		waitVisible(css("#banner-top")),
		screenshot(t, "redacted-report"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "redacted report")
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + "\n" + document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Evan", "Cole", "RVT2290", "400 Harbor Point"} {
		if strings.Contains(page, secret) {
			t.Errorf("the utility's report page shows %q:\n%s", secret, page)
		}
	}
	for _, want := range []string{"photographing the harbor tunnel vents", "[REDACTED]"} {
		if !strings.Contains(page, want) {
			t.Errorf("the utility's report page lacks %q:\n%s", want, page)
		}
	}
	// Positive control: the analyst's agreement allows personal data.
	analyst := browserFor(t, 120*time.Second)
	browserSignIn(t, analyst, base, "analyst", keys["analyst"])
	err = chromedp.Do(analyst,
		chromedp.Navigate(base+"/sars?queue=shared_with_us&purpose=counterterrorism"),
		waitVisible(css("#queue-table")),
		click(css("#queue-table a")),
		waitVisible(css("#banner-top")),
	)
	if err != nil {
		t.Fatal(err)
	}
	full, err := chromedp.Run(analyst, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full, "Evan Cole") || !strings.Contains(full, "RVT2290") {
		t.Errorf("the analyst's report page lacks the subject or the plate:\n%s", full)
	}
}
