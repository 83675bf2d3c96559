package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/service"
	"liaison/sqlite"
)

// BenchmarkSARIngest files synthetic SARs in batches of 500 through the
// whole pipeline (validation, the store, an audit entry per report and the
// sequencer appending them to the Merkle log), next to a raw INSERT of the
// same rows (same JSON body) in batches of 500 on the same database, in the
// same run. Search indexing does not exist yet.
func BenchmarkSARIngest(b *testing.B) {
	const batch = 500
	ctx := context.Background()
	rows := service.GenerateSARs(20_000, 7)
	for _, mode := range []string{"raw", "pipeline"} {
		b.Run(mode, func(b *testing.B) {
			store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
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
				if mode == "raw" {
					err = rawSARs(ctx, store, ag.ID, u.ID, in)
				} else {
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

// rawSARs inserts the same report rows with plain SQL, one transaction per batch.
func rawSARs(ctx context.Context, store *sqlite.Store, agency, author liaison.ID, ins []service.SARInput) error {
	tx, err := store.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for _, in := range ins {
		r := liaison.SAR{ID: liaison.NewID(), AgencyID: agency, AuthorID: author, Source: liaison.SourceOfficer, Title: in.Title,
			Narrative: in.Narrative, Why: in.Why, When: in.When.Time, Where: in.Where, Categories: in.Categories, Involved: in.Involved,
			State: liaison.SARDraft, History: []liaison.SARTransition{}, SharedWith: []liaison.ID{}, Created: now, Updated: now}
		body, _ := json.Marshal(r)
		if _, err := tx.ExecContext(ctx, "INSERT INTO sars (id, agency_id, author_id, state, tlp_rank, body, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, agency, author, r.State, -1, string(body), now.UnixMicro(), now.UnixMicro()); err != nil {
			return err
		}
	}
	return tx.Commit()
}
