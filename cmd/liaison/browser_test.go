package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"liaison/service"
)

// chromium returns a headless Debian Chromium context with a one-minute
// deadline. Browser tests skip when there is no browser unless
// LIAISON_REQUIRE_BROWSER is set (CI sets it).
func chromium(t *testing.T) context.Context { return browserFor(t, 60*time.Second) }

// browserFor is a headless Chromium with its own profile (so its own
// session cookie) and its own deadline: a test may drive two users at once.
func browserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("LIAISON_REQUIRE_BROWSER") != "" {
			t.Fatal("LIAISON_REQUIRE_BROWSER is set but chromium is not installed (apt-get install -y chromium)")
		}
		t.Skip("chromium not installed: skipping browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel3)
	// A headless page is never the focused window: without this, focus()
	// from the page's own script (the error summary) does not take.
	focus := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
	if err := chromedp.Do(ctx, focus); err != nil {
		t.Fatalf("browser: %v", err)
	}
	return ctx
}

func screenshot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	// Headless Chromium sometimes never answers a full-page capture taken
	// just after a navigation ("Not attached to an active page", or no
	// answer at all): each try gets five seconds, and a few are made.
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var err error
		for try := 0; try < 4; try++ {
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			var png []byte
			png, err = chromedp.FullScreenshot(100)(tctx, tg)
			cancel()
			if err == nil {
				return os.WriteFile(filepath.Join(artifactDir(t), name+".png"), png, 0o644)
			}
			if ctx.Err() != nil {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		return fmt.Errorf("screenshot %s: %w", name, err)
	})
}

// text reads an element's visible text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := textOf(ctx, sel)
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserDemoAnalystSignsIn is the foundation's promise: on the demo,
// a browser signs in as the analyst with password and second factor.
func TestBrowserDemoAnalystSignsIn(t *testing.T) {
	ctx := chromium(t)
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	m := regexp.MustCompile(`(?m)^analyst\s+\S+\s+\S+\s+([A-Z2-7]{32})$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no analyst key in the demo output:\n%s", out)
	}
	code := func() string {
		c, err := service.TOTPCode(m[1], service.TOTPStep(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		waitVisible(css("#login")),
		screenshot(t, "login"),
		sendKeys(css("#login"), "analyst"),
		sendKeys(css("#password"), "not the password"),
		submit(css("#password")),
		waitVisible(css("#form-error")),
		screenshot(t, "login-error"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "sign-in with an error")
	if wrong := text(t, ctx, "#form-error"); !strings.Contains(wrong, "wrong login or password") {
		t.Errorf("wrong password message = %q", wrong)
	}
	err = chromedp.Do(ctx,
		sendKeys(css("#password"), "liaison-demo-2026"),
		submit(css("#password")),
		waitVisible(css("#code")),
		screenshot(t, "mfa"),
		sendKeys(css("#code"), code()),
		submit(css("#code")),
		waitVisible(css("#my-agency")),
		screenshot(t, "home-analyst"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "home (analyst)")
	if welcome, agency := text(t, ctx, "h1"), text(t, ctx, "#my-agency"); welcome != "Welcome, Dana Whitfield" || !strings.Contains(agency, "Columbia State Fusion Center") {
		t.Fatalf("home shows %q / %q", welcome, agency)
	}
	// Signing out ends the session: the home page asks for sign-in again.
	err = chromedp.Do(ctx,
		click(css("button.link")),
		waitVisible(css("#login")),
		chromedp.Navigate(base+"/"),
		waitVisible(css("#login")),
	)
	if err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/login") {
		t.Fatalf("after sign-out / went to %s", url)
	}
	// The public transparency report needs no sign-in.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/transparency"),
		waitVisible(css("#transparency-table")),
		screenshot(t, "transparency"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "transparency report")
	if h := text(t, ctx, "h1"); h != "Transparency report" {
		t.Fatalf("transparency page heading = %q", h)
	}
	// A member of the public reports, with no account, and gets a receipt.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/tip"),
		waitVisible(css("#what")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkA11y(t, ctx, "public tip form")
	err = chromedp.Do(ctx,
		sendKeys(css("#what"), "A van has been parked by the substation gate every night this week."),
		sendKeys(css("#where"), "Harbor Point substation"),
		screenshot(t, "tip"),
		submit(css("#what")),
		waitVisible(css("#receipt")),
		screenshot(t, "tip-receipt"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if code := text(t, ctx, "#receipt"); len(code) != 12 {
		t.Fatalf("receipt = %q", code)
	}
	checkA11y(t, ctx, "tip receipt")
}
