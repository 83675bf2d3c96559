package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/demo"
	lhttp "liaison/http"
	"liaison/service"
	"liaison/sqlite"
	"liaison/storetest"
)

// BenchmarkUIPages renders each role's key pages over the demo, signed in,
// through the whole stack (session check, service calls, audit entries,
// templates), and reports p50/p95 per page, on SQLite and, when
// LIAISON_TEST_POSTGRES is set, on PostgreSQL. Run:
//
//	go test -run '^$' -bench UIPages -benchtime 300x ./http/
func BenchmarkUIPages(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		store, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		benchUIPages(b, store)
	})
	b.Run("postgres", func(b *testing.B) {
		url := os.Getenv(storetest.PostgresEnv)
		if url == "" {
			b.Skip(storetest.PostgresEnv + " is not set")
		}
		benchUIPages(b, storetest.OpenPostgres(b, url))
	})
}

func benchUIPages(b *testing.B, store liaison.Store) {
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	res, err := demo.Seed(context.Background(), svc)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.IndexSearch(liaison.NewContext(context.Background(), liaison.Actor{System: "bench"})); err != nil {
		b.Fatal(err)
	}
	srv, err := lhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	signIn := func(login string) *browser {
		t := &testing.T{}
		br := newBrowser(t, ts.URL)
		var secret string
		for _, l := range res.Logins {
			if l.Login == login {
				secret = l.TOTPSecret
			}
		}
		_, _, page := br.do("GET", "/login", nil)
		br.do("POST", "/login", url.Values{"csrf": {csrfOf(t, page)}, "login": {login}, "password": {demo.Password}, "next": {"/"}})
		_, _, page = br.do("GET", "/login/mfa", nil)
		code, _ := service.TOTPCode(secret, service.TOTPStep(time.Now()))
		if status, _, _ := br.do("POST", "/login/mfa", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}, "next": {"/"}}); status != 303 {
			b.Fatalf("sign in as %s: %d", login, status)
		}
		return br
	}
	pages := []struct{ login, path string }{
		{"analyst", "/"},
		{"supervisor", "/sars?queue=awaiting_step1"},
		{"analyst", "/search?q=Marsh&purpose=counterterrorism"},
		{"analyst", "/records"},
		{"officer", "/conflicts"},
		{"watch", "/watch"},
		{"privacy", "/privacy/review"},
		{"auditor", "/audit?action=login."},
		{"admin", "/admin/users"},
		{"analyst", "/search/saved"},
	}
	// The demo's report with a file attached, and the supervisor's case.
	var report, caseID liaison.ID
	err = store.View(context.Background(), func(tx liaison.Tx) error {
		sars, err := tx.ListSARs(context.Background(), liaison.SARFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		for _, r := range sars {
			if strings.HasPrefix(r.Title, "Awaiting step 2") {
				report = r.ID
			}
		}
		return err
	})
	if err != nil || report == "" {
		b.Fatalf("the demo's report awaiting step 2: %v", err)
	}
	sgt, err := svc.FindUser(liaison.NewContext(context.Background(), liaison.Actor{System: "bench"}), "supervisor")
	if err != nil {
		b.Fatal(err)
	}
	cases, err := svc.MyCases(liaison.NewContext(context.Background(), liaison.Actor{User: sgt}))
	if err != nil || len(cases) == 0 {
		b.Fatalf("the supervisor's cases: %v", err)
	}
	caseID = cases[0].ID
	pages = append(pages, struct{ login, path string }{"officer", "/sars/" + report}, struct{ login, path string }{"supervisor", "/cases/" + caseID})
	browsers := map[string]*browser{}
	for _, p := range pages {
		if browsers[p.login] == nil {
			browsers[p.login] = signIn(p.login)
		}
	}
	for _, p := range pages {
		b.Run(p.login+uuidRE.ReplaceAllString(p.path, "{id}"), func(b *testing.B) {
			br := browsers[p.login]
			br.t = &testing.T{}
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if status, _, _ := br.do("GET", p.path, nil); status != 200 {
					b.Fatalf("GET %s = %d", p.path, status)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// uuidRE finds ids in paths, so that benchmark names stay the same across runs.
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
