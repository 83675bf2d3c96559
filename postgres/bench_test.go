package postgres_test

// Write-throughput benchmarks on PostgreSQL: every write through Liaison
// (one domain row plus its audit event in one transaction) next to a raw
// insert of the same rows through the same pgx pool, in the same run. They
// skip unless LIAISON_TEST_POSTGRES is set, and each sub-benchmark runs in a
// fresh schema dropped afterwards. See BENCHMARKS.md.
//
//	LIAISON_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	go test -run '^$' -bench 'Write' -benchtime 3s ./postgres/

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/audit"
	"liaison/postgres"
)

// benchContacts make an agency row of about 800 bytes: a directory entry
// with a watch desk, a liaison officer and a records unit.
var benchContacts = []liaison.Contact{
	{Name: "Watch Desk, Joint Terrorism Task Force", Role: "24/7 duty desk for partner referrals and deconfliction requests",
		Email: "jttf.watch.desk@fieldoffice.example.gov", Phone: "+1 (703) 555-0142"},
	{Name: "Special Agent Maria T. Alvarez", Role: "Partner liaison officer, state and local coordination",
		Email: "maria.alvarez@fieldoffice.example.gov", Phone: "+1 (703) 555-0187"},
	{Name: "Records and Information Dissemination Unit", Role: "Formal requests, 28 CFR Part 23 reviews and releases",
		Email: "records.unit@fieldoffice.example.gov", Phone: "+1 (703) 555-0100"},
}

const benchName = "Northern Virginia Regional Intelligence Center and Metropolitan Area Counterterrorism Field Office, Tysons Annex, Westpark Drive Suite 400"

// benchContactsJSON is the contacts column, identical for every row.
const benchContactsJSON = `[{"name":"Watch Desk, Joint Terrorism Task Force","role":"24/7 duty desk for partner referrals and deconfliction requests","email":"jttf.watch.desk@fieldoffice.example.gov","phone":"+1 (703) 555-0142"},` +
	`{"name":"Special Agent Maria T. Alvarez","role":"Partner liaison officer, state and local coordination","email":"maria.alvarez@fieldoffice.example.gov","phone":"+1 (703) 555-0187"},` +
	`{"name":"Records and Information Dissemination Unit","role":"Formal requests, 28 CFR Part 23 reviews and releases","email":"records.unit@fieldoffice.example.gov","phone":"+1 (703) 555-0100"}]`

// benchSystem is the actor the benchmark writes as, as the CLI would.
var benchSystem = liaison.NewContext(context.Background(), liaison.Actor{System: "bench"})

// benchRow returns agency i and its audit event, built exactly as
// service.CreateAgency builds them.
func benchRow(i int, now time.Time) (*liaison.Agency, *liaison.AuditEvent) {
	a := &liaison.Agency{ID: liaison.NewID(), Code: fmt.Sprintf("B%09d", i), Name: benchName,
		Kind: liaison.AgencyFusionCenter, Country: "US", Contacts: benchContacts, Created: now, Updated: now}
	e := liaison.NewAuditEvent(benchSystem, now, "agency.create", "agency", a.ID)
	e.Details = map[string]string{"code": a.Code, "kind": string(a.Kind)}
	return a, e
}

func benchNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Raw SQL: the same statements the store runs, with ids as text and the
// JSON columns prepared by hand rather than by encoding/json.
const (
	rawAgency = "INSERT INTO agencies (id, code, name, kind, country, contacts, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	rawAudit  = "INSERT INTO audit_events (id, at, user_id, agency_id, actor, action, object_type, object_id, outcome, reason, ip, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
)

func rawDetails(a *liaison.Agency) string {
	return `{"code":"` + a.Code + `","kind":"` + string(a.Kind) + `"}`
}

func rawInsert(ctx context.Context, tx pgx.Tx, a *liaison.Agency, e *liaison.AuditEvent) error {
	if _, err := tx.Exec(ctx, rawAgency, a.ID, a.Code, a.Name, string(a.Kind), a.Country, benchContactsJSON,
		a.Created, a.Updated); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, rawAudit, e.ID, e.At, e.UserID, e.AgencyID, e.Actor, e.Action,
		e.ObjectType, e.ObjectID, e.Outcome, e.Reason, e.IP, e.RequestID, rawDetails(a))
	return err
}

// benchURL returns the database URL, skipping the benchmark when none is set.
func benchURL(b *testing.B) string {
	b.Helper()
	url := os.Getenv("LIAISON_TEST_POSTGRES")
	if url == "" {
		b.Skip("LIAISON_TEST_POSTGRES is not set: skipping the PostgreSQL benchmarks " +
			"(e.g. LIAISON_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// openBench opens a store in a fresh bench_<hex> schema, dropped when b ends.
// extra is appended to the URL's query (a runtime parameter).
func openBench(b *testing.B, url, extra string) *postgres.Store {
	b.Helper()
	ctx := context.Background()
	var r [8]byte
	_, _ = rand.Read(r[:])
	schema := "bench_" + hex.EncodeToString(r[:])
	b.Cleanup(func() {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if extra != "" {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		url += sep + extra
	}
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// checkSameRows writes one row each way and fails unless both paths
// stored the same column values (bar id and code), so the comparison is fair.
func checkSameRows(b *testing.B, url string) {
	b.Helper()
	ctx := context.Background()
	s := openBench(b, url, "")
	now := benchNow()
	a1, e1 := benchRow(1, now)
	a2, e2 := benchRow(2, now)
	if err := a1.Validate(); err != nil {
		b.Fatalf("benchmark agency is invalid: %v", err)
	}
	if err := s.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateAgency(ctx, a1); err != nil {
			return err
		}
		return audit.Append(ctx, tx, e1)
	}); err != nil {
		b.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error { return rawInsert(ctx, tx, a2, e2) }); err != nil {
		b.Fatal(err)
	}
	const q = `SELECT concat_ws('|', a.name, a.kind, a.country, a.contacts, a.created, a.updated,
		e.at, e.user_id, e.agency_id, e.actor, e.action, e.object_type, e.outcome, e.reason, e.ip,
		e.request_id, e.details - 'code', e.details->>'code' = a.code),
		pg_column_size(a.*)
		FROM agencies a JOIN audit_events e ON e.object_id = a.id::text WHERE a.code = $1`
	var row1, row2 string
	var size int
	if err := s.Pool().QueryRow(ctx, q, a1.Code).Scan(&row1, &size); err != nil {
		b.Fatal(err)
	}
	if err := s.Pool().QueryRow(ctx, q, a2.Code).Scan(&row2, new(int)); err != nil {
		b.Fatal(err)
	}
	if row1 != row2 {
		b.Fatalf("store and raw rows differ:\nstore %s\nraw   %s", row1, row2)
	}
	b.Logf("agency tuple: %d bytes", size)
}

// commitModes runs each benchmark durable (synchronous_commit on, the
// server default) and with synchronous_commit off, PostgreSQL's nearest
// equivalent of SQLite's synchronous NORMAL.
var commitModes = []struct{ name, param string }{
	{"full", ""},
	{"async", "synchronous_commit=off"},
}

// BenchmarkWrite is one agency and its audit event per transaction.
func BenchmarkWrite(b *testing.B) {
	url := benchURL(b)
	checkSameRows(b, url)
	ctx := context.Background()
	for _, m := range commitModes {
		b.Run(m.name+"/store", func(b *testing.B) {
			s := openBench(b, url, m.param)
			b.ReportAllocs()
			var lat latencies
			i := 0
			for b.Loop() {
				i++
				a, e := benchRow(i, benchNow())
				t0 := time.Now()
				if err := s.Update(ctx, func(tx liaison.Tx) error {
					if err := tx.CreateAgency(ctx, a); err != nil {
						return err
					}
					return audit.Append(ctx, tx, e)
				}); err != nil {
					b.Fatal(err)
				}
				lat.add(time.Since(t0))
			}
			reportRows(b, 1)
			lat.report(b)
		})
		b.Run(m.name+"/raw", func(b *testing.B) {
			pool := openBench(b, url, m.param).Pool()
			b.ReportAllocs()
			var lat latencies
			i := 0
			for b.Loop() {
				i++
				a, e := benchRow(i, benchNow())
				t0 := time.Now()
				if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return rawInsert(ctx, tx, a, e) }); err != nil {
					b.Fatal(err)
				}
				lat.add(time.Since(t0))
			}
			reportRows(b, 1)
			lat.report(b)
		})
	}
}

// BenchmarkWriteBatch is 100 agencies and their 100 audit events per
// transaction. raw-batch sends the 200 inserts in one pgx.Batch (one round
// trip), which the store's Tx cannot do.
func BenchmarkWriteBatch(b *testing.B) {
	const batch = 100
	url := benchURL(b)
	checkSameRows(b, url)
	ctx := context.Background()
	for _, m := range commitModes {
		b.Run(m.name+"/store", func(b *testing.B) {
			s := openBench(b, url, m.param)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				now := benchNow()
				if err := s.Update(ctx, func(tx liaison.Tx) error {
					for range batch {
						i++
						a, e := benchRow(i, now)
						if err := tx.CreateAgency(ctx, a); err != nil {
							return err
						}
						if err := audit.Append(ctx, tx, e); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			reportRows(b, batch)
		})
		b.Run(m.name+"/raw", func(b *testing.B) {
			pool := openBench(b, url, m.param).Pool()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				now := benchNow()
				if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					for range batch {
						i++
						a, e := benchRow(i, now)
						if err := rawInsert(ctx, tx, a, e); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			reportRows(b, batch)
		})
		b.Run(m.name+"/raw-batch", func(b *testing.B) {
			pool := openBench(b, url, m.param).Pool()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				now := benchNow()
				if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					var bt pgx.Batch
					for range batch {
						i++
						a, e := benchRow(i, now)
						bt.Queue(rawAgency, a.ID, a.Code, a.Name, string(a.Kind), a.Country, benchContactsJSON,
							a.Created, a.Updated)
						bt.Queue(rawAudit, e.ID, e.At, e.UserID, e.AgencyID, e.Actor, e.Action,
							e.ObjectType, e.ObjectID, e.Outcome, e.Reason, e.IP, e.RequestID, rawDetails(a))
					}
					return tx.SendBatch(ctx, &bt).Close()
				}); err != nil {
					b.Fatal(err)
				}
			}
			reportRows(b, batch)
		})
	}
}

// latencies records the duration of each operation.
type latencies []time.Duration

func (l *latencies) add(d time.Duration) { *l = append(*l, d) }

// report reports the median and 99th percentile (nearest rank) in ms.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	at := func(p int) float64 {
		i := max((len(s)*p+99)/100, 1) // ceil(n*p/100), 1-based
		return float64(s[i-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(99), "p99-ms")
}

// reportRows reports agencies written per second; each agency also writes
// its audit event, so the tables receive twice as many rows.
func reportRows(b *testing.B, perOp int) {
	b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "rows/s")
}
