package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests' page actions. chromedp's own element actions track
// the page through DevTools DOM events, and after a navigation they can
// miss the new document and wait for ever (chromedp issues #168, #682;
// seen here about once in ten runs under load). These ask the page itself,
// by a fresh evaluation each time, so they always see the current
// document. Typing still goes through real key events.

type selector interface{ chromedp.CSS | chromedp.Search }

// jsFind is a JavaScript expression for the first element sel matches.
func jsFind[S selector](sel S) string {
	q, _ := json.Marshal(string(sel))
	if _, xpath := any(sel).(chromedp.Search); xpath {
		return fmt.Sprintf("document.evaluate(%s, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue", q)
	}
	return fmt.Sprintf("document.querySelector(%s)", q)
}

// evalUntil evaluates js in the current document until it returns true.
func evalUntil(ctx context.Context, tg *chromedp.Target, js string) error {
	var last error
	for {
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err == nil && ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (last evaluation: %v): %w", js, last, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// visibleJS is true once the whole document is parsed (a page streams in,
// and a half-parsed list would be read short) and sel is shown.
func visibleJS[S selector](sel S) string {
	return `(() => { if (document.readyState === "loading") return false;
	  const el = ` + jsFind(sel) + `; if (!el) return false;
	  const cs = getComputedStyle(el);
	  return cs.visibility !== "hidden" && el.getClientRects().length > 0; })()`
}

// waitVisible waits until sel is in the page and shown.
func waitVisible[S selector](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { return evalUntil(ctx, tg, visibleJS(sel)) })
}

// waitHidden waits until sel is gone or hidden.
func waitHidden[S selector](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		return evalUntil(ctx, tg, `document.readyState !== "loading" && !`+visibleJS(sel))
	})
}

// onElement waits for sel to be shown, then runs body (JavaScript with
// the element as el) in the page.
func onElement[S selector](sel S, body string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if err := evalUntil(ctx, tg, visibleJS(sel)); err != nil {
			return err
		}
		_, err := chromedp.Evaluate[bool](`(() => { const el = `+jsFind(sel)+`; `+body+`; return true; })()`)(ctx, tg)
		if err != nil && (strings.Contains(err.Error(), "context was destroyed") || strings.Contains(err.Error(), "navigated")) {
			return nil // the action navigated away, as a click on a link does
		}
		return err
	})
}

// click clicks sel as a user would: scrolled into view, then activated.
func click[S selector](sel S) chromedp.Action[chromedp.Void] {
	return onElement(sel, `el.scrollIntoView({block: "center"}); if (el.focus) el.focus(); el.click()`)
}

// sendKeys types v into sel with real key events, after what it holds.
func sendKeys[S selector](sel S, v string) chromedp.Action[chromedp.Void] {
	focus := onElement(sel, `el.scrollIntoView({block: "center"}); el.focus();
	  if (typeof el.value === "string" && el.setSelectionRange) { try { el.setSelectionRange(el.value.length, el.value.length); } catch (e) {} }`)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := focus(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.KeyEvent(v)(ctx, tg)
	}
}

// setValue sets a field's value, as chromedp.SetValue does, and says so
// to the page's listeners.
func setValue[S selector](sel S, v string) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(v)
	return onElement(sel, `el.value = `+string(q)+`; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true}))`)
}

// submit sends the form sel is in, as chromedp.Submit does.
func submit[S selector](sel S) chromedp.Action[chromedp.Void] {
	return onElement(sel, `(el.form || el.closest("form")).submit()`)
}

// textOf reads the visible text of sel once it is in the page.
func textOf(ctx context.Context, sel string) (string, error) {
	var out string
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if err := evalUntil(ctx, tg, `document.readyState !== "loading" && !!`+jsFind(chromedp.CSS(sel))); err != nil {
			return err
		}
		var err error
		out, err = chromedp.Evaluate[string](jsFind(chromedp.CSS(sel))+".innerText")(ctx, tg)
		return err
	}))
	return out, err
}

// stepsIn returns run, which does actions in order and fails the test at
// the first that fails, saying where the page was, and eval, which
// evaluates a script to a string or fails the test.
func stepsIn(t *testing.T, ctx context.Context) (run func(...chromedp.Action[chromedp.Void]), eval func(string) string) {
	eval = func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	run = func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			if err := chromedp.Do(ctx, a); err != nil {
				t.Errorf("step %d: %v", i, err) // said first: eval fails too when time is up
				t.Fatalf("step %d was at %s", i, eval(`location.href`))
			}
		}
	}
	return run, eval
}
