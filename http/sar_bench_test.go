package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	lhttp "liaison/http"
	"liaison/service"
	"liaison/sqlite"
)

// BenchmarkSARSubmitHTTP submits one SAR per request over HTTP (token
// auth, strict JSON, validation, one durable SQLite transaction with its
// audit entries) and reports the latency percentiles.
func BenchmarkSARSubmitHTTP(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	srv, err := lhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	ag, _ := svc.CreateAgency(sys, liaison.AgencyInput{Code: "PD", Name: "PD", Kind: liaison.AgencyLocal, Country: "US"})
	u, err := svc.CreateUser(sys, liaison.UserInput{Login: "officer", Name: "O", Email: "o@example.gov", AgencyID: ag.ID,
		Roles: []liaison.Role{liaison.RoleOfficer}, Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := svc.CreateToken(sys, liaison.TokenInput{UserID: u.ID, Name: "b", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}})
	if err != nil {
		b.Fatal(err)
	}
	when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	body := `{"title":"Man photographing substation","narrative":"Observed taking photographs of the fence line for 20 minutes.",
		"when":"` + when + `","where":{"address":"12 Grid Road","lat":38.9,"lon":-77.0},"categories":["photography"],"submit":true}`
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/sars", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok.Secret)
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
