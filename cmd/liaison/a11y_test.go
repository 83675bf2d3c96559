package main

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (Deque, MPL-2.0), vendored through npm (web/package.json,
// `npm run vendor`); tests inject it through DevTools, never the served pages.
//
//go:embed testdata/axe.min.js
var axeSource string

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"failureSummary"`
	} `json:"nodes"`
}

// checkA11y runs axe-core's WCAG 2.0/2.1 level A and AA rules on the page
// the browser shows and fails the test on any violation: labels, contrast,
// names of controls, landmarks, ARIA use. Keyboard order and focus are
// the tests' own job (they drive pages by keys where it matters).
func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	// axe moves focus as it checks; the page's focus is put back after, for
	// the test's own assertions about it.
	script := axeSource + `;
(() => { const focused = document.activeElement;
return axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .finally(() => { if (focused && focused.focus) focused.focus(); })
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
     nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.map(String), failureSummary: n.failureSummary}))}))); })()`
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("accessibility check of %s: %v", page, err)
	}
	if len(vs) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
	}
	t.Errorf("%s fails WCAG 2.1 AA checks:%s", page, b.String())
}
