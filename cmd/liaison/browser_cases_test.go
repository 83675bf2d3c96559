package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCaseAssignAnalyst: Riverton PD's supervisor opens her case
// from Intelligence, sees its records and staff, is told to choose someone
// when she assigns nobody, finds the fusion center's analyst by name,
// assigns her and sees her listed; removing herself asks first.
func TestBrowserCaseAssignAnalyst(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	run, eval := stepsIn(t, ctx)

	browserSignIn(t, ctx, base, "supervisor", keys["supervisor"])
	run(
		click(css("#nav-records")),
		waitVisible(css("#cases")),
		click(css("#cases ul a")), // her case: Night Harbor
		waitVisible(css("#case-page")),
		click(css("#case-page")),
		waitVisible(css("#case-title")),
		screenshot(t, "case-page"),
	)
	checkA11y(t, ctx, "case page")
	for sel, want := range map[string]string{"#case-title": "Operation Night Harbor", "#case-lead": "Riverton",
		"#case-records": "Bulk ammonium nitrate purchases in Riverton", "#staff-list": "Sgt. Karen Boyd"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("case page %s = %q, want %q", sel, got, want)
		}
	}
	if s := text(t, ctx, "#case-records"); !strings.Contains(s, "TLP:AMBER") {
		t.Errorf("records lack their TLP:\n%s", s)
	}
	if s := eval(`Array.from(document.querySelectorAll("#assign-user option")).map(o => o.textContent).join("\n")`); strings.Contains(s, "Jamie Okafor") ||
		strings.Contains(s, "Chris Park") || !strings.Contains(s, "Dana Whitfield") {
		t.Errorf("offered for assignment (no private-sector partner, the analyst):\n%s", s)
	}

	// Nobody chosen: the field is named.
	run(click(css("#assign-submit")), waitVisible(css("#error-summary")), screenshot(t, "case-assign-error"))
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Staff member is required") {
		t.Errorf("assigning nobody: %s", s)
	}
	checkA11y(t, ctx, "case page with an error")

	// Find the analyst, assign her: she is listed.
	run(
		sendKeys(css("#staff-q"), "whitfield"),
		click(css("#staff-find")),
		waitVisible(css(`#staff-q[value="whitfield"]`)), // the answer's page, not the one asking
		waitVisible(css("#assign-form")),
	)
	analyst := eval(`Array.from(document.querySelectorAll("#assign-user option")).find(o => o.textContent.startsWith("Dana Whitfield")).value`)
	if n := eval(`String(document.querySelectorAll("#assign-user option[value]:not([value=''])").length)`); n != "1" {
		t.Errorf("%s people match whitfield, want 1", n)
	}
	run(
		setValue(css("#assign-user"), analyst),
		click(css("#assign-submit")),
		waitVisible(css("#done")),
		waitVisible(css("#staff-"+analyst)),
		screenshot(t, "case-assigned"),
	)
	if s := text(t, ctx, "#done"); !strings.Contains(s, "Assigned Dana Whitfield.") {
		t.Errorf("the notice does not say who was assigned: %q", s)
	}
	if s := text(t, ctx, "#staff-"+analyst); !strings.Contains(s, "Dana Whitfield") || !strings.Contains(s, "Columbia State Fusion Center") ||
		!strings.Contains(s, "Analyst") {
		t.Errorf("the assigned analyst's row: %q", s)
	}
	checkA11y(t, ctx, "case page after assigning")

	// Removing herself asks first; she stays.
	me := eval(`Array.from(document.querySelectorAll("#staff-list li")).find(li => li.querySelector(".tag")).id.slice(6)`)
	run(click(css("#remove-"+me)), waitVisible(css("#leave-form")), screenshot(t, "case-leave"))
	checkA11y(t, ctx, "leaving a case")
	run(click(css("#leave-cancel")), waitVisible(css("#staff-"+me)))
}
