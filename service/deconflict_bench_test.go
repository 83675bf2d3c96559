package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/deconflict"
	"liaison/sqlite"
)

// benchOps is how many active operations BenchmarkDeconflictionAtScale
// stores (LIAISON_BENCH_OPS, default 1,000,000).
func benchOps() int {
	if n, err := strconv.Atoi(os.Getenv("LIAISON_BENCH_OPS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

type scaleWorld struct {
	store liaison.Store
	users []*liaison.User
	mk    func(i int) *liaison.Operation
	n     int
	err   error
}

var (
	scaleOnce sync.Once
	scale     scaleWorld
)

func seedScale(b *testing.B) scaleWorld {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "liaison-bench-")
	if err != nil {
		return scaleWorld{err: err}
	}
	store, err := sqlite.Open(ctx, dir, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		return scaleWorld{err: err}
	}
	s := New(store)
	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	users := make([]*liaison.User, 50)
	for i := range users {
		a, err := s.CreateAgency(sys, liaison.AgencyInput{Code: fmt.Sprintf("AG%03d", i), Name: fmt.Sprintf("Agency %d", i),
			Kind: liaison.AgencyLocal, Country: "US"})
		if err != nil {
			return scaleWorld{err: err}
		}
		u := &liaison.User{ID: liaison.NewID(), Login: fmt.Sprintf("officer%d", i), Name: fmt.Sprintf("Officer %d", i),
			Email: "o@example.gov", AgencyID: a.ID, Roles: []liaison.Role{liaison.RoleOfficer}, Created: s.now(), Updated: s.now()}
		if err := store.Update(ctx, func(tx liaison.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			return scaleWorld{err: err}
		}
		users[i] = u
	}
	rng := rand.New(rand.NewPCG(7, 8))
	now := time.Now().UTC().Truncate(time.Microsecond)
	mk := func(i int) *liaison.Operation {
		u := users[rng.IntN(len(users))]
		start := now.Add(time.Duration(1+rng.IntN(60*24)) * time.Hour)
		return &liaison.Operation{ID: liaison.NewID(), AgencyID: u.AgencyID, CreatedBy: u.ID, Name: fmt.Sprintf("Op %d", i),
			Kind: liaison.OperationKinds[rng.IntN(len(liaison.OperationKinds))], State: liaison.OpActive,
			Center: &liaison.GeoPoint{Lat: 25 + rng.Float64()*24, Lon: -124 + rng.Float64()*57}, RadiusM: 50 + rng.Float64()*1950,
			Start: start, End: start.Add(time.Duration(1+rng.IntN(8)) * time.Hour), Officers: 1 + rng.IntN(30),
			Contact: liaison.PointOfContact{UserID: u.ID, Name: u.Name, Phone: "555-0100"}, History: []liaison.OperationTransition{},
			Created: now, Updated: now}
	}
	mkStored := func(i int) *liaison.Operation { // as the service stores it
		o := mk(i)
		o.CheckArea = &liaison.Circle{Lat: o.Center.Lat, Lon: o.Center.Lon, RadiusM: o.RadiusM}
		return o
	}
	n := benchOps()
	t0 := time.Now()
	for i := 0; i < n; {
		err := store.Update(ctx, func(tx liaison.Tx) error {
			for j := 0; j < 10_000 && i < n; j, i = j+1, i+1 {
				if err := tx.CreateOperation(ctx, mkStored(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return scaleWorld{err: err}
		}
	}
	b.Logf("stored %d active operations in SQLite in %s", n, time.Since(t0).Round(time.Millisecond))
	return scaleWorld{store: store, users: users, mk: mk, n: n}
}

// BenchmarkDeconflictionAtScale is issue 7's workload: active operations
// stored in SQLite (spread over the continental US, radii 50 m-2 km, all
// seven kinds with their margins, windows within the next 60 days), the
// index rebuilt from the store as at start-up (time and heap), then b.N new
// checks against the index, a sample of them against brute force in the
// same run (every stored operation compared: equal results, zero misses),
// and registrations through the whole service path (validation, the
// transaction with its audit entries and conflicts).
//
//	go test -run '^$' -bench DeconflictionAtScale -benchtime 100000x -timeout 60m ./service/
func BenchmarkDeconflictionAtScale(b *testing.B) {
	// Go calls a benchmark with b.N = 1 before the real run: seed the
	// store once for both.
	scaleOnce.Do(func() { scale = seedScale(b) })
	if scale.err != nil {
		b.Fatal(scale.err)
	}
	ctx := context.Background()
	s, users, mk, n := New(scale.store), scale.users, scale.mk, scale.n
	rng := rand.New(rand.NewPCG(9, 10))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := s.LoadDeconfliction(ctx)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if st.Operations < n { // more after the b.N = 1 run's registrations
		b.Fatalf("rebuilt %d operations, want at least %d", st.Operations, n)
	}
	heap := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	b.Logf("rebuild: %d operations in %s; index heap %.0f MiB (%.0f bytes per operation)", st.Operations, st.Took.Round(time.Millisecond),
		heap, heap*(1<<20)/float64(st.Operations))

	d := s.Deconfliction
	queries := make([]*deconflict.Op, b.N)
	for i := range queries {
		if queries[i], err = d.indexOp(mk(n + i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	lat := make([]time.Duration, b.N)
	found := 0
	t0 := time.Now()
	for i, q := range queries {
		s := time.Now()
		found += len(d.ops.Check(q))
		lat[i] = time.Since(s)
	}
	elapsed := time.Since(t0)
	b.StopTimer()

	// Brute force on a sample, in the same run.
	all := d.ops.All()
	sample := min(len(queries), 50)
	var brute []time.Duration
	for _, q := range queries[:sample] {
		s := time.Now()
		var want []string
		for _, o := range all {
			if _, ok := deconflict.Conflicts(q, o); ok {
				want = append(want, o.ID)
			}
		}
		brute = append(brute, time.Since(s))
		var got []string
		for _, c := range d.ops.Check(q) {
			got = append(got, c.With.ID)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			b.Fatalf("index and brute force disagree: index %v, brute force %v", got, want)
		}
	}

	// Registrations through the service: validation, one transaction with
	// the operation, its audit entries and any conflicts, then the index.
	const regs = 2000
	var reg []time.Duration
	for i := range regs {
		o := mk(n + b.N + i)
		u := users[rng.IntN(len(users))]
		in := OperationInput{Name: o.Name, Kind: o.Kind, Center: o.Center, RadiusM: o.RadiusM, Start: o.Start, End: o.End,
			Officers: o.Officers, Contact: &liaison.PointOfContact{Phone: "555-0100"}, Activate: true}
		s0 := time.Now()
		if _, err := s.CreateOperation(liaison.NewContext(ctx, liaison.Actor{User: u}), in); err != nil {
			b.Fatal(err)
		}
		reg = append(reg, time.Since(s0))
	}

	pct := func(l []time.Duration, p int) float64 {
		slices.Sort(l)
		return float64(l[len(l)*p/100].Nanoseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 50), "check-p50-µs")
	b.ReportMetric(pct(lat, 99), "check-p99-µs")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "checks/s")
	b.ReportMetric(pct(brute, 50), "brute-p50-µs")
	b.ReportMetric(pct(reg, 50), "register-p50-µs")
	b.ReportMetric(pct(reg, 99), "register-p99-µs")
	b.ReportMetric(st.Took.Seconds(), "rebuild-s")
	b.ReportMetric(heap, "index-MiB")
	b.Logf("%d checks found %d conflicts; %d sampled against brute force: zero misses, zero false conflicts", b.N, found, sample)
}
