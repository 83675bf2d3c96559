package http_test

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"liaison"
	"liaison/audit"
	lhttp "liaison/http"
	"liaison/service"
	"liaison/storetest"
)

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTipsKeepNoAddress: the public form says "We do not ask who you
// are", so a tip and a tipster's addition leave the client's address and
// browser nowhere: not in the audit log, which nothing can delete, and not
// in the request log. A flood from one address is still cut off.
func TestTipsKeepNoAddress(t *testing.T) {
	const addr, browserName = "127.0.0.1", "TipsterBrowser/1.0"
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			store := be.Open(t)
			svc := service.New(store)
			svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
			var logs syncBuffer
			srv, err := lhttp.NewServer(svc, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			t.Cleanup(ts.Close)
			ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
			pd := must(svc.CreateAgency(ctx, liaison.AgencyInput{Code: "RIVPD", Name: "Riverton PD", Kind: liaison.AgencyLocal, Country: "US"}))(t)

			b := newBrowser(t, ts.URL)
			b.client.Transport = userAgent{browserName}
			_, _, page := b.do("GET", "/tip", nil)
			form := url.Values{"csrf": {csrfOf(t, page)}, "agency": {pd.ID}, "what": {"A man left a backpack by the station entrance and walked away fast."},
				"where": {"Riverton Station"}, "when": {"2026-01-24"}}
			status, _, done := b.do("POST", "/tip", form)
			m := regexp.MustCompile(`id="receipt">([A-Z0-9]{12})<`).FindStringSubmatch(done)
			if status != 200 || m == nil {
				t.Fatalf("tip = %d:\n%.500s", status, done)
			}
			status, _, added := b.do("POST", "/tip/add", url.Values{"csrf": {csrfOf(t, page)}, "receipt": {m[1]}, "information": {"He wore a red jacket."}})
			if status != 200 || !strings.Contains(added, "Your information was added") {
				t.Fatalf("add = %d:\n%.500s", status, added)
			}

			// Every audit entry, as the log keeps and hashes it.
			if _, err := audit.Sequence(context.Background(), store); err != nil {
				t.Fatal(err)
			}
			var entries []string
			must(0, store.View(context.Background(), func(tx liaison.Tx) error {
				return tx.ScanAuditEntries(context.Background(), 0, math.MaxInt64, func(_ int64, entry []byte, _ liaison.Hash) error {
					entries = append(entries, string(entry))
					return nil
				})
			}))(t)
			got := map[string]bool{}
			for _, e := range entries {
				ev, err := liaison.ParseAuditEntry([]byte(e))
				if err != nil {
					t.Fatal(err)
				}
				got[ev.Action] = true
				if strings.Contains(e, addr) || strings.Contains(e, browserName) {
					t.Errorf("the audit log keeps the tipster's address or browser:\n%s", e)
				}
				if (ev.Action == "tip.receive" || ev.Action == "tip.add") && (ev.IP != "" || ev.Actor != "public") {
					t.Errorf("%s entry: ip %q, actor %q; want no address, the public", ev.Action, ev.IP, ev.Actor)
				}
			}
			if !got["tip.receive"] || !got["tip.add"] {
				t.Fatalf("the tip and the addition are not audited: %v", got)
			}
			if l := logs.String(); strings.Contains(l, addr) || strings.Contains(l, browserName) {
				t.Errorf("the request log keeps the tipster's address:\n%s", l)
			}
			// A sign-in page is not anonymous: its log line has the address,
			// so the check above would see one.
			newBrowser(t, ts.URL).do("GET", "/login", nil)
			if !strings.Contains(logs.String(), "ip="+addr) {
				t.Errorf("the sign-in page's request is logged without its address:\n%s", logs.String())
			}

			// A flood from one address is still cut off (5 an hour; 2 used).
			flooded := false
			for range 5 {
				if status, _, body := b.do("POST", "/tip", form); status == 429 && strings.Contains(body, "Too many") {
					flooded = true
					break
				}
			}
			if !flooded {
				t.Error("a flood of tips from one address was never cut off")
			}
		})
	}
}

// userAgent is a transport that names the browser in every request.
type userAgent struct{ name string }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.name)
	return http.DefaultTransport.RoundTrip(r)
}
