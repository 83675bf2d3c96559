package service_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/sqlite"
)

// BenchmarkListRecords lists 1,000 records (two pages of 500) as a partner
// analyst, with the prefilter, a decision per record, redaction, the
// ledger and the audit entries, from a store of LIAISON_BENCH_RECORDS
// records (default 20,000).
func BenchmarkListRecords(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("LIAISON_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := service.New(store)
	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	mk := func(code string, kind liaison.AgencyKind) *liaison.Agency {
		a, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: code, Name: code, Kind: kind, Country: "US"})
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	pd, fusion := mk("PD", liaison.AgencyLocal), mk("SFC", liaison.AgencyFusionCenter)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	analyst, err := svc.CreateUser(sys, liaison.UserInput{Login: "analyst", Name: "A", Email: "a@example.gov", AgencyID: fusion.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	comm, err := svc.CreateCommunity(sys, liaison.CommunityInput{Name: "Area", Kind: liaison.CommunityFusionArea, Members: []liaison.ID{pd.ID, fusion.ID}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateAgreement(sys, liaison.AgreementInput{AgencyID: fusion.ID, CommunityID: comm.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence},
		Expires: time.Now().AddDate(1, 0, 0)}); err != nil {
		b.Fatal(err)
	}
	c := &liaison.Case{ID: liaison.NewID(), Title: "C", AgencyID: pd.ID, Assigned: []liaison.ID{}, Created: time.Now(), Updated: time.Now()}
	if err := store.Update(ctx, func(tx liaison.Tx) error { return tx.CreateCase(ctx, c) }); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for done := 0; done < n; {
		err := store.Update(ctx, func(tx liaison.Tx) error {
			for i := 0; i < 1000 && done < n; i++ {
				now := time.Now().UTC().Truncate(time.Microsecond)
				tlp := []liaison.TLP{liaison.TLPGreen, liaison.TLPAmber, liaison.TLPAmberStrict}[done%3]
				r := &liaison.IntelRecord{ID: liaison.NewID(), Version: 1, Title: "Record " + strconv.Itoa(done),
					Narrative: "Subject Jane Roe bought precursor chemicals; phone +1 202 555 0199.",
					Subjects:  []liaison.Entity{{ID: liaison.NewID(), Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Jane Roe", "date_of_birth": "1985-03-04"}}},
					Links:     []liaison.Link{}, Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true,
					Grading: liaison.Grading{Source: "B", Information: 2}, TLP: tlp, Handling: liaison.H0, Originator: pd.ID,
					ControlOfficial: analyst.ID, CaseID: c.ID, SharedWith: []liaison.ID{comm.ID}, Recipients: []liaison.ID{},
					RetainUntil: now.AddDate(1, 0, 0), Created: now, Updated: now}
				if err := tx.CreateIntelRecord(ctx, r); err != nil {
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
	b.Logf("loaded %d records in %s", n, time.Since(start).Round(time.Millisecond))
	as := liaison.NewContext(ctx, liaison.Actor{User: analyst})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		got := 0
		p := liaison.Page{Limit: 500}
		for pages := 0; pages < 2; pages++ {
			items, next, err := svc.ListIntelRecords(as, "", liaison.PurposeCounterterrorism, p)
			if err != nil {
				b.Fatal(err)
			}
			got += len(items)
			p.After = next
		}
		lat = append(lat, time.Since(t0))
		if got == 0 {
			b.Fatal("nothing listed")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	_ = fmt.Sprint
}
