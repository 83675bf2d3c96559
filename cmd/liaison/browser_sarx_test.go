package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// uploadFile gives the file input sel a file, as a user's file chooser
// does. Like the actions in browser_actions_test.go it finds the element
// by a fresh evaluation in the current document, then hands the file over
// through DevTools.
func uploadFile(sel, file string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		css := chromedp.CSS(sel)
		if err := evalUntil(ctx, tg, visibleJS(css)); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, runtime.Evaluate, runtime.EvaluateParams{Expression: jsFind(css)})
		if err != nil {
			return err
		}
		if res.Result == nil || res.Result.ObjectID == "" {
			return fmt.Errorf("no element %s to give a file", sel)
		}
		_, err = cdp.Call(ctx, tg, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{file}, ObjectID: res.Result.ObjectID})
		return err
	})
}

// TestBrowserSarAttachLinkPromote: the demo's Riverton supervisor opens a
// report awaiting step 1, is told what is wrong with a web page posing as
// a photo, attaches a real photo and sees it listed, links the report to
// the Night Harbor case, and promotes it to an intelligence record (told
// first what the record still needs), landing on the new record.
func TestBrowserSarAttachLinkPromote(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	ctx := browserFor(t, 120*time.Second)
	type css = chromedp.CSS
	run, eval := stepsIn(t, ctx)
	dir := t.TempDir()
	fake := filepath.Join(dir, "vents.png")
	photo := filepath.Join(dir, "tunnel vents.png")
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{9}, 4096)...)
	if os.WriteFile(fake, []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), 0o644) != nil ||
		os.WriteFile(photo, png, 0o644) != nil {
		t.Fatal("cannot write the test files")
	}

	browserSignIn(t, ctx, base, "supervisor", keys["supervisor"])
	run(click(css("#nav-sars")), waitVisible(css("main table")))
	href := eval(`Array.from(document.querySelectorAll("main a")).find(a => a.textContent.includes("questions about the water plant")).getAttribute("href")`)
	run(chromedp.Navigate(base+href), waitVisible(css("#attachments")), waitVisible(css("#form-attach")), screenshot(t, "sarx-report"))
	checkA11y(t, ctx, "report page with attachments, case and promotion")
	if s := text(t, ctx, "#attachments-empty"); !strings.Contains(s, "No file is attached") {
		t.Errorf("empty attachments: %q", s)
	}

	// A web page named .png: refused at the field, by its content.
	run(uploadFile("#att-file", fake), click(css("#do-attach")), waitVisible(css("#error-summary")), screenshot(t, "sarx-attach-refused"))
	if s := text(t, ctx, "#err-att-file"); !strings.Contains(s, "text/html") {
		t.Fatalf("refused upload: %q", s)
	}
	checkA11y(t, ctx, "report page with a refused file")

	// The photo: attached and listed with its type, size, hash and who.
	run(uploadFile("#att-file", photo), click(css("#do-attach")), waitVisible(css("#att-table")), screenshot(t, "sarx-attached"))
	row := text(t, ctx, "#att-table tbody")
	for _, want := range []string{"tunnel vents.png", "PNG image", "4.0 KiB", "Sgt. Karen Boyd (supervisor)"} {
		if !strings.Contains(row, want) {
			t.Errorf("the listed file lacks %q: %s", want, row)
		}
	}
	if s := text(t, ctx, "#done"); !strings.Contains(s, "File attached") {
		t.Errorf("after attaching: %q", s)
	}
	if dl := eval(`document.querySelector("#att-table a.att-download").getAttribute("href")`); !strings.Contains(dl, "/attachments/") {
		t.Errorf("download link %q", dl)
	}

	// Link to the supervisor's case.
	caseID := eval(`Array.from(document.querySelectorAll("#case-id option")).find(o => o.textContent.includes("Night Harbor")).value`)
	run(setValue(css("#case-id"), caseID), click(css("#do-case")), waitVisible(css("#linked-case a")))
	if s := text(t, ctx, "#linked-case"); !strings.Contains(s, "Operation Night Harbor") {
		t.Fatalf("linked case: %q", s)
	}

	// Promote: the form comes pre-filled from the report; without a
	// predicate or the attestation it says so, then files the record.
	run(click(css("#promote-link")), waitVisible(css("#promote-form")), screenshot(t, "sarx-promote"))
	checkA11y(t, ctx, "promotion form")
	if s := text(t, ctx, "#promote-subject-table"); !strings.Contains(s, "Evan Cole") || !strings.Contains(s, "RVT2290") {
		t.Errorf("subjects from the report: %q", s)
	}
	if v := eval(`document.getElementById("rec-case").value`); v != caseID {
		t.Errorf("the case is not pre-filled from the report's link: %q", v)
	}
	run(click(css("#promote-submit")), waitVisible(css("#error-summary")), screenshot(t, "sarx-promote-errors"))
	if s := text(t, ctx, "#error-summary"); !strings.Contains(s, "Criminal predicate") || !strings.Contains(s, "Lawful collection") {
		t.Fatalf("promotion without predicate or attestation: %s", s)
	}
	checkA11y(t, ctx, "promotion form with errors")
	run(
		sendKeys(css("#rec-predicate"), "Reconnaissance of the harbor tunnel consistent with planning an attack on transport infrastructure."),
		click(css("#rec-lawful")),
		click(css("#promote-submit")),
		waitVisible(css("#record-title")),
		screenshot(t, "sarx-record"),
	)
	if u := eval(`location.pathname + location.search`); !strings.HasPrefix(u, "/records/") || !strings.Contains(u, "purpose=") {
		t.Fatalf("landed on %s, want the new record", u)
	}
	if s := text(t, ctx, "#record-title"); !strings.Contains(s, "questions about the water plant") {
		t.Errorf("record title %q", s)
	}
	if s := text(t, ctx, "#done"); !strings.Contains(s, "Record filed") {
		t.Errorf("after promoting: %q", s)
	}
	checkA11y(t, ctx, "the promoted record")

	// On a tablet the report page, its file list included, fits the width.
	run(chromedp.EmulateViewport(768, 1024), chromedp.Navigate(base+href), waitVisible(css("#att-table")), screenshot(t, "sarx-report-tablet"))
	if overflow := eval(`String(document.documentElement.scrollWidth > window.innerWidth)`); overflow != "false" {
		t.Error("the report page with its files is wider than a tablet's screen")
	}
}
