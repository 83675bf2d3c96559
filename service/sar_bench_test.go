package service_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/audit"
	"liaison/postgres"
	"liaison/service"
	"liaison/sqlite"
	"liaison/storetest"
)

// sarBenchStores opens a fresh store per sub-benchmark: SQLite in a
// temporary directory, PostgreSQL (when LIAISON_TEST_POSTGRES is set) in a
// fresh schema dropped at the end, as the tests do.
func sarBenchStores(b *testing.B) []struct {
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
			schema := fmt.Sprintf("bench_sar_%d", time.Now().UnixNano())
			s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				if os.Getenv("SEARCH_BENCH_PG_KEEP") != "" {
					fmt.Printf("kept schema %s (SEARCH_BENCH_PG_KEEP)\n", schema)
				} else {
					_, _ = s.Pool().Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				}
				s.Close()
			})
			return s
		}})
	}
	return out
}

// BenchmarkSARIngest files synthetic SARs in batches of 500 through the
// whole pipeline (validation, the store, the audit entries of every report
// in the same transaction, and the sequencer appending them to the Merkle
// log inside the timer), next to a raw write of the same rows (same JSON
// body) in batches of 500, one transaction per batch, on the same handle
// with the same durability settings, in the same run:
//
//   - sqlite/raw: one prepared INSERT per row on sqlite.Store.DB();
//   - postgres/raw: COPY of the batch on postgres.Store.Pool(), the fastest
//     plain way to write rows there (postgres/raw-insert: a pipelined batch
//     of INSERTs, for comparison).
//
// Search indexing of reports does not exist yet.
func BenchmarkSARIngest(b *testing.B) {
	const batch = 500
	ctx := context.Background()
	rows := service.GenerateSARs(20_000, 7)
	for _, be := range sarBenchStores(b) {
		modes := []string{"raw", "pipeline"}
		if be.name == "postgres" {
			modes = []string{"raw", "raw-insert", "pipeline"}
		}
		for _, mode := range modes {
			b.Run(be.name+"/"+mode, func(b *testing.B) {
				store := be.open(b)
				svc := service.New(store)
				svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
				sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
				ag, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: "PD", Name: "PD", Kind: liaison.AgencyLocal, Country: "US"})
				if err != nil {
					b.Fatal(err)
				}
				u, err := svc.CreateUser(sys, liaison.UserInput{Login: "officer", Name: "O", Email: "o@example.gov", AgencyID: ag.ID,
					Roles: []liaison.Role{liaison.RoleOfficer}, Password: "correct horse battery"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := audit.Sequence(ctx, store); err != nil {
					b.Fatal(err)
				}
				as := liaison.NewContext(ctx, liaison.Actor{User: u})
				b.ResetTimer()
				n := 0
				for n < b.N {
					k := min(batch, b.N-n)
					in := make([]service.SARInput, k)
					for j := range in {
						in[j] = rows[(n+j)%len(rows)]
						in[j].Title = fmt.Sprintf("%s #%d", in[j].Title, n+j)
					}
					switch mode {
					case "raw", "raw-insert":
						err = rawSARs(ctx, store, mode, ag.ID, u.ID, in)
					default:
						_, errs, e := svc.CreateSARs(as, in)
						if len(errs) > 0 {
							b.Fatalf("invalid rows: %v", errs)
						}
						err = e
					}
					if err != nil {
						b.Fatal(err)
					}
					n += k
				}
				if mode == "pipeline" {
					if _, err := audit.Sequence(ctx, store); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sars/s")
			})
		}
	}
}

// rawRow is the report row the pipeline would write for in, with its JSON body.
func rawRow(agency, author liaison.ID, in service.SARInput, now time.Time) (liaison.SAR, []byte) {
	r := liaison.SAR{ID: liaison.NewID(), AgencyID: agency, AuthorID: author, Source: liaison.SourceOfficer, Title: in.Title,
		Narrative: in.Narrative, Why: in.Why, When: in.When.Time.UTC(), Where: in.Where, Categories: in.Categories,
		Involved: slices.Clone(in.Involved), State: liaison.SARDraft, History: []liaison.SARTransition{}, SharedWith: []liaison.ID{},
		Created: now, Updated: now}
	for i := range r.Involved { // the pipeline gives each entity an id: the same bytes here
		r.Involved[i].ID = liaison.NewID()
	}
	body, _ := json.Marshal(r)
	return r, body
}

// rawSARs writes the same report rows with plain SQL, one transaction per batch.
func rawSARs(ctx context.Context, store liaison.Store, mode string, agency, author liaison.ID, ins []service.SARInput) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	switch st := store.(type) {
	case *sqlite.Store:
		return rawSQLite(ctx, st.DB(), agency, author, ins, now)
	case *postgres.Store:
		tx, err := st.Pool().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if mode == "raw" {
			rows := make([][]any, len(ins))
			for i, in := range ins {
				r, body := rawRow(agency, author, in, now)
				rows[i] = []any{r.ID, agency, author, string(r.State), -1, body, now, now}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sars"},
				[]string{"id", "agency_id", "author_id", "state", "tlp_rank", "body", "created", "updated"},
				pgx.CopyFromRows(rows)); err != nil {
				return err
			}
		} else {
			var bt pgx.Batch
			for _, in := range ins {
				r, body := rawRow(agency, author, in, now)
				bt.Queue("INSERT INTO sars (id, agency_id, author_id, state, tlp_rank, body, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
					r.ID, agency, author, string(r.State), -1, body, now, now)
			}
			if err := tx.SendBatch(ctx, &bt).Close(); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	}
	return fmt.Errorf("unknown store %T", store)
}

func rawSQLite(ctx context.Context, db *sql.DB, agency, author liaison.ID, ins []service.SARInput, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO sars (id, agency_id, author_id, state, tlp_rank, body, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	for _, in := range ins {
		r, body := rawRow(agency, author, in, now)
		if _, err := st.ExecContext(ctx, r.ID, agency, author, r.State, -1, string(body), now.UnixMicro(), now.UnixMicro()); err != nil {
			return err
		}
	}
	return tx.Commit()
}
