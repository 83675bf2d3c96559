package service_test

// Sign-in latency with production settings: argon2id at service.DefaultArgon2
// (19 MiB, 2 passes, 1 lane) over a SQLite store with synchronous FULL, the
// default. See BENCHMARKS.md.
//
//	go test -run '^$' -bench 'Login|PasswordHash' -benchtime 200x ./service/

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/sqlite"
)

const benchLoginPassword = "violet staple orbit lantern"

// benchClock is a fake clock the benchmark moves on by whole TOTP steps.
type benchClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *benchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *benchClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// BenchmarkLogin is one full sign-in of an enrolled user: Login (find the
// user, argon2id verify at DefaultArgon2, open a pending session) then
// VerifyMFA with a fresh TOTP code (session, user update, login attempt and
// audit event in one durable transaction). The fake clock advances one
// 30-second TOTP step per iteration, since a code cannot be replayed within
// its step; Login and VerifyMFA happen at the same instant, so the pending
// session is always valid.
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{}) // synchronous FULL
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc := service.New(store) // Argon2: service.DefaultArgon2, production parameters
	if svc.Argon2 != service.DefaultArgon2 {
		b.Fatalf("service.New set Argon2 %+v, want DefaultArgon2 %+v", svc.Argon2, service.DefaultArgon2)
	}
	clk := &benchClock{t: time.Date(2026, 11, 25, 9, 0, 10, 0, time.UTC)} // 10 s into a TOTP step
	svc.Now = clk.Now

	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	ag, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: "VA0290100", Name: "Fairfax County Police Department",
		Kind: liaison.AgencyLocal, Country: "US",
		Contacts: []liaison.Contact{{Name: "Criminal Intelligence Unit", Email: "ciu@fairfax.example.gov"}}})
	if err != nil {
		b.Fatal(err)
	}
	const login = "j.analyst"
	if _, err := svc.CreateUser(sys, liaison.UserInput{Login: login, Name: "Jordan Analyst",
		Email: "j.analyst@fairfax.example.gov", AgencyID: ag.ID, Roles: []liaison.Role{liaison.RoleAnalyst},
		Password: benchLoginPassword}); err != nil {
		b.Fatal(err)
	}

	// A browser, as the HTTP layer would describe it.
	web := liaison.NewContext(ctx, liaison.Actor{IP: "192.0.2.10", UserAgent: "Mozilla/5.0 (bench)"})
	code := func(secret string) string {
		c, err := service.TOTPCode(secret, service.TOTPStep(clk.Now()))
		if err != nil {
			b.Fatal(err)
		}
		return c
	}

	// First sign-in: enrol the second factor.
	lr, err := svc.Login(web, login, benchLoginPassword)
	if err != nil {
		b.Fatal(err)
	}
	en, err := svc.BeginEnrolment(web, lr.Token)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ConfirmEnrolment(web, lr.Token, code(en.Secret)); err != nil {
		b.Fatal(err)
	}

	var total, pw, mfa []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		clk.Add(30 * time.Second) // the next TOTP step: the last code is spent
		c := code(en.Secret)      // what the authenticator app shows
		t0 := time.Now()
		lr, err := svc.Login(web, login, benchLoginPassword)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		res, err := svc.VerifyMFA(web, lr.Token, c)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if !res.Session.MFADone {
			b.Fatal("session not signed in after VerifyMFA")
		}
		total = append(total, t2.Sub(t0))
		pw = append(pw, t1.Sub(t0))
		mfa = append(mfa, t2.Sub(t1))
	}
	b.ReportMetric(benchPercentile(total, 50), "p50-ms")
	b.ReportMetric(benchPercentile(total, 99), "p99-ms")
	b.ReportMetric(benchPercentile(pw, 50), "login-p50-ms")
	b.ReportMetric(benchPercentile(mfa, 50), "mfa-p50-ms")
}

// benchPercentile returns the p-th percentile (nearest rank) in milliseconds.
func benchPercentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100 // ceil(n*p/100), 1-based
	if i < 1 {
		i = 1
	}
	return float64(s[i-1]) / float64(time.Millisecond)
}

// BenchmarkPasswordHash is one argon2id hash at DefaultArgon2 (19 MiB,
// 2 passes, 1 lane): what a password check costs, and what CreateUser and
// SetPassword spend.
func BenchmarkPasswordHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = service.DefaultArgon2.HashPassword(benchLoginPassword)
	}
}

// BenchmarkLoginUnknownUser is a Login for a login that does not exist,
// which should cost what a known login costs (no account enumeration by
// timing). Compare its p50-ms with BenchmarkLogin's login-p50-ms.
func BenchmarkLoginUnknownUser(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc := service.New(store) // DefaultArgon2
	web := liaison.NewContext(ctx, liaison.Actor{IP: "192.0.2.10", UserAgent: "Mozilla/5.0 (bench)"})
	var ds []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		_, err := svc.Login(web, "no.such.user", benchLoginPassword)
		ds = append(ds, time.Since(t0))
		if liaison.ErrorCode(err) != liaison.EUNAUTHORIZED {
			b.Fatalf("Login of an unknown user: %v, want EUNAUTHORIZED", err)
		}
	}
	b.ReportMetric(benchPercentile(ds, 50), "p50-ms")
	b.ReportMetric(benchPercentile(ds, 99), "p99-ms")
}
