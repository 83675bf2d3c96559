package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"liaison/service"
)

// keyboardWalk tabs through the page from its top and checks what a
// keyboard user needs: every visible control is reached, in the order it
// is read (no positive tabindex, no control left out, no trap), and each
// shows where focus is.
func keyboardWalk(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	want, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
	  const sel = "a[href], summary, button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
	  const seen = new Set();
	  return Array.from(document.querySelectorAll(sel)).filter(el => {
	    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
	    if (el.closest("[hidden]") || cs.visibility === "hidden" || cs.display === "none") return false;
	    const closed = el.closest("details:not([open])");
	    if (closed && el.tagName !== "SUMMARY") return false;
	    if (el.type === "radio" && el.name) { // one stop per radio group
	      if (seen.has(el.name)) return false;
	      seen.add(el.name);
	      const group = Array.from(document.getElementsByName(el.name));
	      el = group.find(g => g.checked) || group[0];
	    }
	    return (r.width > 0 && r.height > 0) || el.classList.contains("skip");
	  }).map(el => el.id || el.name || el.getAttribute("href") || el.textContent.trim().slice(0, 30));
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.blur && document.activeElement.blur(); window.scrollTo(0, 0); true`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	// Date and time fields take one Tab per part (day, month, year...);
	// each part is drawn focused by the browser itself.
	for i := 0; i < 2*len(want)+40; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		info, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		  const el = document.activeElement;
		  if (!el || el === document.body) return ["", ""];
		  const cs = getComputedStyle(el);
		  const parts = /^(date|time|datetime-local|month|week)$/.test(el.type);
		  const shown = parts || (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none";
		  return [el.id || el.name || el.getAttribute("href") || el.textContent.trim().slice(0, 30), shown ? "shown" : "hidden"];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if info[0] == "" || (len(got) > 0 && info[0] == want[0]) {
			break // back at the top: the walk went round
		}
		if info[1] != "shown" {
			t.Errorf("%s: focus on %q is not visible", page, info[0])
		}
		if len(got) > 0 && got[len(got)-1] == info[0] {
			continue // the next part of a date or time field
		}
		got = append(got, info[0])
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s: keyboard order\n got %q\nwant %q (the order the page is read in)", page, got, want)
	}
}

// TestBrowserKeyboardOnly: each role's main pages can be worked from the
// keyboard alone. Signing in is done with keys only; then every control
// of each page is reached by Tab in reading order, with focus visible.
func TestBrowserKeyboardOnly(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	keys := demoKeys(t, out.String())
	type css = chromedp.CSS

	// Sign-in by keyboard: the login field has focus; Tab to the password, Enter to send.
	ctx := browserFor(t, 120*time.Second)
	// The code is worked out as it is typed, as a person reads it off their app.
	typeCode := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		c, err := serviceTOTP(keys["analyst"])
		if err != nil {
			return err
		}
		_, err = chromedp.KeyEvent(c)(ctx, tg)
		return err
	})
	// A person types once they see where the cursor is: the page's autofocus.
	focused := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return evalUntil(ctx, tg, `document.activeElement && document.activeElement.id === "`+id+`"`)
		})
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		focused("login"),
		chromedp.KeyEvent("analyst"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent("liaison-demo-2026"),
		chromedp.KeyEvent(kb.Enter),
		focused("code"),
		typeCode,
		chromedp.KeyEvent(kb.Enter),
		waitVisible(css("#dashboard")),
	)
	if err != nil {
		t.Fatalf("keyboard sign-in: %v", err)
	}
	pages := map[string][]string{
		"analyst": {"/", "/sars/new", "/search?q=Marsh&purpose=counterterrorism", "/records", "/records/new", "/access-requests", "/account/password", "/account/tokens"},
		"officer": {"/operations/new", "/sars?queue=my_drafts"},
		"privacy": {"/privacy/review", "/privacy/explain"},
		"auditor": {"/audit", "/audit/checkpoints", "/audit/verify"},
		"admin":   {"/admin", "/admin/users/new", "/admin/agreements/new", "/admin/agencies"},
	}
	for _, login := range []string{"analyst", "officer", "privacy", "auditor", "admin"} {
		b := ctx
		if login != "analyst" {
			b = browserFor(t, 120*time.Second)
			browserSignIn(t, b, base, login, keys[login])
		}
		for _, p := range pages[login] {
			if err := chromedp.Do(b, chromedp.Navigate(base+p), waitVisible(css("main"))); err != nil {
				t.Fatal(err)
			}
			keyboardWalk(t, b, login+" "+p)
			checkA11y(t, b, login+" "+p)
			// The same page on a tablet: nothing needs sideways scrolling.
			if _, err := chromedp.Run(b, chromedp.EmulateViewport(tabletWidth, tabletHeight)); err != nil {
				t.Fatal(err)
			}
			noSideScroll(t, b, login+" "+p+" (tablet)")
			if _, err := chromedp.Run(b, chromedp.EmulateViewport(1280, 900)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func serviceTOTP(key string) (string, error) {
	return service.TOTPCode(key, service.TOTPStep(time.Now()))
}
