package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// benchBackends opens each store for a benchmark (PostgreSQL when enabled).
func benchBackends(b *testing.B) []struct {
	name string
	open func(*testing.B) liaison.Store
} {
	type be = struct {
		name string
		open func(*testing.B) liaison.Store
	}
	out := []be{{"sqlite", func(b *testing.B) liaison.Store {
		s, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}}}
	if url := os.Getenv(storetest.PostgresEnv); url != "" {
		out = append(out, be{"postgres", func(b *testing.B) liaison.Store {
			schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
			s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				_, _ = s.Pool().Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				s.Close()
			})
			return s
		}})
	}
	return out
}

func benchAgency(i int) *liaison.Agency {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &liaison.Agency{ID: liaison.NewID(), Code: fmt.Sprintf("B%09d", i), Name: "Benchmark Police Department " + strconv.Itoa(i),
		Kind: liaison.AgencyLocal, Country: "US", Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov", Phone: "+1 202 555 0100"}},
		Created: now, Updated: now}
}

// rawInsert writes the same agency row with plain SQL, one transaction per
// row, on the store's own handle: the baseline for the store's write path.
func rawInsert(ctx context.Context, s liaison.Store, a *liaison.Agency) error {
	contacts, _ := json.Marshal(a.Contacts)
	switch st := s.(type) {
	case *sqlite.Store:
		tx, err := st.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "INSERT INTO agencies (id, code, name, kind, country, contacts, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			a.ID, a.Code, a.Name, a.Kind, a.Country, string(contacts), a.Created.UnixMicro(), a.Updated.UnixMicro()); err != nil {
			return err
		}
		return tx.Commit()
	case *postgres.Store:
		_, err := st.Pool().Exec(ctx, "INSERT INTO agencies (id, code, name, kind, country, contacts, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			a.ID, a.Code, a.Name, a.Kind, a.Country, contacts, a.Created, a.Updated)
		return err
	}
	return fmt.Errorf("unknown store %T", s)
}

func benchEvent(a *liaison.Agency) *liaison.AuditEvent {
	return &liaison.AuditEvent{ID: liaison.NewID(), At: a.Created, UserID: liaison.NewID(), AgencyID: liaison.NewID(),
		Actor: "bench.admin", Action: "agency.create", ObjectType: "agency", ObjectID: a.ID, Outcome: liaison.OutcomeSuccess,
		Decision: "permit: admin", IP: "192.0.2.10", Node: "bench", RequestID: liaison.NewID(),
		Details: map[string]string{"code": a.Code, "kind": "local"}}
}

// BenchmarkAuditedWrite compares one write with its audit entry in the
// Merkle log against the same write with auditing switched off, in the same
// run, serially and from 8 concurrent writers.
func BenchmarkAuditedWrite(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchBackends(b) {
		for _, mode := range []string{"raw", "unaudited", "audited"} {
			for _, par := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%s/writers=%d", be.name, mode, par), func(b *testing.B) {
					s := be.open(b)
					write := func(i int) error {
						if mode == "raw" {
							return rawInsert(ctx, s, benchAgency(i))
						}
						return s.Update(ctx, func(tx liaison.Tx) error {
							a := benchAgency(i)
							if err := tx.CreateAgency(ctx, a); err != nil {
								return err
							}
							if mode == "audited" {
								return audit.Append(ctx, tx, benchEvent(a))
							}
							return nil
						})
					}
					// The sequencer runs beside the writers, as in `liaison serve`,
					// and the timer stops only once every entry is in the tree.
					sctx, stop := context.WithCancel(ctx)
					done := make(chan struct{})
					go func() {
						defer close(done)
						(&audit.Sequencer{Store: s, Interval: 200 * time.Millisecond}).Run(sctx)
					}()
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					if par == 1 {
						for i := range b.N {
							t0 := time.Now()
							if err := write(i); err != nil {
								b.Fatal(err)
							}
							lat = append(lat, time.Since(t0))
						}
					} else {
						b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
						var seq atomic.Int64
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := write(int(seq.Add(1))); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					if _, err := audit.Sequence(ctx, s); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					stop()
					<-done
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
					if len(lat) > 0 {
						slices.Sort(lat)
						b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
						b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
					}
				})
			}
		}
	}
}

// fillLog appends n entries in transactions of 2,000.
func fillLog(b *testing.B, s liaison.Store, n int) {
	ctx := context.Background()
	for done := 0; done < n; {
		err := s.Update(ctx, func(tx liaison.Tx) error {
			for i := 0; i < 2000 && done < n; i++ {
				a := benchAgency(done)
				if err := audit.Append(ctx, tx, benchEvent(a)); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := audit.Sequence(ctx, s); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerify measures `audit verify` over a log of LIAISON_BENCH_ENTRIES
// entries (default 200,000) with one checkpoint at the end.
func BenchmarkVerify(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("LIAISON_BENCH_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for _, be := range benchBackends(b) {
		b.Run(fmt.Sprintf("%s/entries=%d", be.name, n), func(b *testing.B) {
			s := be.open(b)
			start := time.Now()
			fillLog(b, s, n)
			fill := time.Since(start)
			signer := newSignerB(b)
			if _, err := audit.Checkpoint(ctx, s, signer); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				r, err := audit.Verify(ctx, s, signer.VerifierKey)
				if err != nil || !r.OK || r.Entries != int64(n) {
					b.Fatalf("verify = %+v, %v", r, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(n)/fill.Seconds(), "append-entries/s")
			b.StopTimer()
			start = time.Now()
			if r, err := audit.VerifyIndex(ctx, s); err != nil || !r.OK {
				b.Fatalf("verify index = %+v, %v", r, err)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "index-entries/s")
		})
	}
}

// BenchmarkInclusionProof measures producing an inclusion proof in a
// 200,000-entry log and reports its size.
func BenchmarkInclusionProof(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	for _, be := range benchBackends(b) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			fillLog(b, s, n)
			signer := newSignerB(b)
			if _, err := audit.Checkpoint(ctx, s, signer); err != nil {
				b.Fatal(err)
			}
			var size int
			b.ResetTimer()
			for i := range b.N {
				p, err := audit.ProveInclusion(ctx, s, int64(i*7919%n), -1)
				if err != nil {
					b.Fatal(err)
				}
				size = len(p.Proof) * 32
			}
			b.StopTimer()
			b.ReportMetric(float64(size), "proof-bytes")
		})
	}
}

func newSignerB(b *testing.B) *audit.Signer {
	s, err := audit.LoadOrCreateSigner(b.TempDir(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return s
}
