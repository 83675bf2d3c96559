package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/match"
	"liaison/postgres"
	"liaison/service"
	"liaison/sqlite"
	"liaison/storetest"
)

// BenchmarkSearchAtScale loads a mixed corpus (by default 1,000,000 items:
// 90% vetted, shared reports from service.GenerateSARsSeq and 10%
// intelligence records with the same kind of text), indexes it through
// the search worker's path (the queue the triggers fill, drained in
// batches) and times it, then runs a query set as an analyst whose agency
// may read about a tenth of it:
//
//   - search: the whole service.Search, as the API calls it: candidates,
//     a decision per candidate, ranking, reading and redacting the page,
//     pointers, and the audit entry, ledger rows and pointers written in
//     their transaction;
//   - raw: the index query alone in the same run, the newest 50 matches
//     (tx.SearchCandidates, no policy), and on SQLite the naive bm25
//     top-50 (FTS5 ORDER BY rank) for reference.
//
// SEARCH_BENCH_DOCS sets the corpus size, SEARCH_BENCH_REPS the timed runs
// per query (default 20). SEARCH_BENCH_SQLITE_DIR keeps the SQLite corpus
// in that directory and reuses it on the next run (loading and indexing
// 1M items takes about 15 minutes); SEARCH_BENCH_PG_SCHEMA reuses a
// PostgreSQL corpus left in that schema. Run with -benchtime 1x; it prints a table.
func BenchmarkSearchAtScale(b *testing.B) {
	n := envInt("SEARCH_BENCH_DOCS", 1_000_000)
	reps := envInt("SEARCH_BENCH_REPS", 20)
	for _, be := range sarBenchStores(b) {
		b.Run(be.name, func(b *testing.B) {
			for range b.N {
				if schema := os.Getenv("SEARCH_BENCH_PG_SCHEMA"); schema != "" && be.name == "postgres" {
					// Reuse a corpus left in that schema (kept by a run whose
					// clean-up was stopped); the plates are regenerated.
					st, err := postgres.Open(context.Background(), os.Getenv(storetest.PostgresEnv), postgres.Options{Schema: schema})
					if err != nil {
						b.Fatal(err)
					}
					svc := service.New(st)
					reader, err := svc.FindUser(liaison.NewContext(context.Background(), liaison.Actor{System: "bench"}), "reader")
					if err != nil {
						b.Fatal(err)
					}
					var plates []string
					i := 0
					for in := range service.GenerateSARsSeq(n, 5) {
						if i%50_000 == 0 {
							for _, e := range in.Involved {
								if p := e.Attributes["plate"]; p != "" {
									plates = append(plates, p)
								}
							}
						}
						i++
					}
					fmt.Printf("\npostgres: reusing the corpus in schema %s\n", schema)
					if os.Getenv("SEARCH_BENCH_REINDEX") != "" {
						// Queue every item again and time the worker's path
						// (every document is replaced: an upsert per item).
						ctx := context.Background()
						for _, q := range []string{"INSERT INTO search_queue (kind, item_id, queued) SELECT 'sar', id, now() FROM sars",
							"INSERT INTO search_queue (kind, item_id, queued) SELECT 'intelligence', id, now() FROM intel_records"} {
							if _, err := st.Pool().Exec(ctx, q); err != nil {
								b.Fatal(err)
							}
						}
						t0 := time.Now()
						n, err := svc.IndexSearch(liaison.NewContext(ctx, liaison.Actor{System: "bench"}))
						if err != nil {
							b.Fatal(err)
						}
						if _, err := st.Pool().Exec(ctx, "VACUUM ANALYZE search_docs"); err != nil {
							b.Fatal(err)
						}
						fmt.Printf("postgres: re-indexed %d in %s: %.0f items/s (%s)\n", n, time.Since(t0).Round(time.Second), float64(n)/time.Since(t0).Seconds(), loadAvg())
					}
					runSearchQueries(b, svc, st, be.name, reader, plates[len(plates)/2], reps)
					st.Close()
					continue
				}
				if dir := os.Getenv("SEARCH_BENCH_SQLITE_DIR"); dir != "" && be.name == "sqlite" {
					st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
					if err != nil {
						b.Fatal(err)
					}
					searchAtScale(b, be.name, st, n, reps, dir)
					st.Close()
					continue
				}
				searchAtScale(b, be.name, be.open(b), n, reps, "")
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func searchAtScale(b *testing.B, dialect string, store liaison.Store, n, reps int, keep string) {
	ctx := context.Background()
	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	var reader *liaison.User
	var plates []string
	if keep != "" {
		if p, err := os.ReadFile(keep + "/plate.txt"); err == nil {
			plates = []string{strings.TrimSpace(string(p))}
			reader, err = svc.FindUser(sys, "reader")
			must(err)
			fmt.Printf("\n%s: reusing the corpus in %s\n", dialect, keep)
		}
	}
	if reader == nil {
		reader, plates = loadSearchCorpus(b, svc, store, n, dialect)
		if keep != "" {
			must(os.WriteFile(keep+"/plate.txt", []byte(plates[len(plates)/2]), 0o600))
		}
	}
	runSearchQueries(b, svc, store, dialect, reader, plates[len(plates)/2], reps)
}

// loadSearchCorpus creates the partnership and the corpus, indexes it and
// returns the reader and some plates that occur in it.
func loadSearchCorpus(b *testing.B, svc *service.Service, store liaison.Store, n int, dialect string) (*liaison.User, []string) {
	ctx := context.Background()
	sys := liaison.NewContext(ctx, liaison.Actor{System: "bench"})
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	// 50 agencies; the reader's agency shares a community with four others.
	var agencies []*liaison.Agency
	for i := range 50 {
		a, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: fmt.Sprintf("AG%02d", i), Name: fmt.Sprintf("Agency %d", i),
			Kind: liaison.AgencyLocal, Country: "US", Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov"}}})
		must(err)
		agencies = append(agencies, a)
	}
	members := []liaison.ID{agencies[0].ID, agencies[1].ID, agencies[2].ID, agencies[3].ID, agencies[4].ID}
	comm, err := svc.CreateCommunity(sys, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther, Members: members})
	must(err)
	other, err := svc.CreateCommunity(sys, liaison.CommunityInput{Name: "Elsewhere", Kind: liaison.CommunityOther, Members: []liaison.ID{agencies[5].ID}})
	must(err)
	_, err = svc.CreateAgreement(sys, liaison.AgreementInput{AgencyID: agencies[0].ID, CommunityID: comm.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR, liaison.KindIntelligence},
		PIIAllowed: true, Expires: time.Now().AddDate(1, 0, 0)})
	must(err)
	reader, err := svc.CreateUser(sys, liaison.UserInput{Login: "reader", Name: "Reader", Email: "reader@example.gov", AgencyID: agencies[0].ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password})
	must(err)
	writer, err := svc.CreateUser(sys, liaison.UserInput{Login: "writer", Name: "Writer", Email: "writer@example.gov", AgencyID: agencies[7].ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password})
	must(err)
	caseRec, err := svc.CreateCase(liaison.NewContext(ctx, liaison.Actor{User: writer}), liaison.CaseInput{Title: "Bench case"})
	must(err)

	// Load: reports and records in time order, written straight through
	// the store in batches of 1,000 (the bulk path of issue 5 is measured
	// by BenchmarkSARIngest); the triggers queue every one for indexing.
	rng := rand.New(rand.NewPCG(11, 12))
	tlps := []liaison.TLP{liaison.TLPClear, liaison.TLPGreen, liaison.TLPGreen, liaison.TLPGreen, liaison.TLPGreen,
		liaison.TLPAmber, liaison.TLPAmber, liaison.TLPAmber, liaison.TLPAmberStrict, liaison.TLPRed}
	start := time.Now().AddDate(-5, 0, 0)
	step := 5 * 365 * 24 * time.Hour / time.Duration(n)
	var plates []string
	loadStart := time.Now()
	var sars []*liaison.SAR
	var recs []*liaison.IntelRecord
	flush := func() {
		must(store.Update(ctx, func(tx liaison.Tx) error {
			if err := tx.CreateSARs(ctx, sars); err != nil {
				return err
			}
			for _, r := range recs {
				if err := tx.CreateIntelRecord(ctx, r); err != nil {
					return err
				}
			}
			return nil
		}))
		sars, recs = sars[:0], recs[:0]
	}
	i := 0
	for in := range service.GenerateSARsSeq(n, 5) {
		at := start.Add(time.Duration(i) * step).UTC().Truncate(time.Microsecond)
		ag := agencies[rng.IntN(len(agencies))]
		shared := []liaison.ID{other.ID}
		if rng.IntN(10) == 0 {
			shared = []liaison.ID{comm.ID}
		}
		tlp := tlps[rng.IntN(len(tlps))]
		if i%10 == 9 {
			recs = append(recs, &liaison.IntelRecord{ID: liaison.NewID(), Version: 1, Title: in.Title, Narrative: in.Narrative,
				Subjects: in.Involved, Links: []liaison.Link{}, Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true,
				Grading: liaison.Grading{Source: "B", Information: 2}, TLP: tlp, Handling: liaison.H1, Originator: ag.ID, ControlOfficial: writer.ID,
				CaseID: caseRec.ID, SharedWith: shared, RetainUntil: time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Microsecond), Created: at, Updated: at})
		} else {
			r := &liaison.SAR{ID: liaison.NewID(), AgencyID: ag.ID, Source: liaison.SourceOfficer, Title: in.Title, Narrative: in.Narrative,
				Why: in.Why, When: at, Where: in.Where, Categories: in.Categories, Involved: in.Involved, State: liaison.SARShared,
				History: []liaison.SARTransition{}, TLP: tlp, SharedWith: shared, Created: at, Updated: at}
			sars = append(sars, r)
		}
		if i%50_000 == 0 {
			for _, e := range in.Involved {
				if p := e.Attributes["plate"]; p != "" {
					plates = append(plates, p)
				}
			}
		}
		i++
		if len(sars)+len(recs) == 1000 {
			flush()
		}
	}
	flush()
	load := time.Since(loadStart)

	idxStart := time.Now()
	indexed, err := svc.IndexSearch(sys)
	must(err)
	idx := time.Since(idxStart)
	b.ReportMetric(float64(indexed)/idx.Seconds(), "indexed/s")
	fmt.Printf("\n%s: %d items loaded in %s (%.0f/s); indexed %d in %s: %.0f items/s (%s)\n", dialect, n, load.Round(time.Second),
		float64(n)/load.Seconds(), indexed, idx.Round(time.Second), float64(indexed)/idx.Seconds(), loadAvg())
	return reader, plates
}

func runSearchQueries(b *testing.B, svc *service.Service, store liaison.Store, dialect string, reader *liaison.User, plate string, reps int) {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	var err error
	queries := []struct {
		name string
		in   service.SearchRequest
	}{
		{"drone stadium", service.SearchRequest{Q: "drone stadium"}},
		{"photographed fencing", service.SearchRequest{Q: "photographed fencing"}},
		{"subject security (very common)", service.SearchRequest{Q: "subject security"}},
		{"Aisha Khan (name)", service.SearchRequest{Q: "Aisha Khan"}},
		{"plate " + plate + " (rare, words)", service.SearchRequest{Q: strings.ReplaceAll(plate, "-", " ")}},
		{"identifier " + plate[4:] + " (substring)", service.SearchRequest{Identifier: plate[4:]}},
		{"water treatment, 2 years, category", service.SearchRequest{Q: "water treatment", From: ptr(time.Now().AddDate(-2, 0, 0)),
			Categories: []liaison.Category{liaison.CatPhotography, liaison.CatObservation}}},
		{"Baranof fuzzy (no such name)", service.SearchRequest{Q: "Baranof", Fuzzy: true}},
	}
	rctx := liaison.NewContext(ctx, liaison.Actor{User: reader})
	var all, allRaw []time.Duration
	fmt.Printf("%-40s %8s %8s %8s %8s %8s %6s %6s %6s\n", "query ("+dialect+")", "p50 ms", "p95 ms", "raw p50", "raw p95", "bm25 p50", "shown", "ptrs", "read")
	for _, q := range queries {
		q.in.Purpose, q.in.Limit = liaison.PurposeCounterterrorism, 50
		var lat, raw, bm []time.Duration
		var resp *service.SearchResponse
		for rep := range reps + 2 {
			t0 := time.Now()
			resp, err = svc.Search(rctx, q.in)
			must(err)
			d := time.Since(t0)
			// The index query alone: the newest 50 matches, no policy.
			var m liaison.SearchMatch
			m.Terms = searchTerms(q.in.Q, q.in.Fuzzy)
			m.Identifier = liaison.NormalizeIdentifier(q.in.Identifier)
			if q.in.From != nil {
				m.From = *q.in.From
			}
			for _, c := range q.in.Categories {
				m.Categories = append(m.Categories, string(c))
			}
			m.Limit = 50
			t1 := time.Now()
			must(store.View(ctx, func(tx liaison.Tx) error { _, err := tx.SearchCandidates(ctx, m); return err }))
			dr := time.Since(t1)
			var db time.Duration
			if s, ok := store.(*sqlite.Store); ok && len(m.Terms) > 0 && rep < 5 {
				t2 := time.Now()
				rows, err := s.DB().QueryContext(ctx, "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 50", sqlite.FTSQuery(m.Terms))
				must(err)
				for rows.Next() {
				}
				rows.Close()
				db = time.Since(t2)
			}
			if rep >= 2 {
				lat, raw = append(lat, d), append(raw, dr)
				if db > 0 {
					bm = append(bm, db)
				}
			}
		}
		all, allRaw = append(all, lat...), append(allRaw, raw...)
		fmt.Printf("%-40s %8.1f %8.1f %8.1f %8.1f %8s %6d %6d %6d\n", q.name, ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(raw, 50)), ms(pct(raw, 95)),
			bmText(bm), len(resp.Results), len(resp.Pointers), resp.Scanned)
	}
	fmt.Printf("%-40s %8.1f %8.1f %8.1f %8.1f (%s)\n", "all", ms(pct(all, 50)), ms(pct(all, 95)), ms(pct(allRaw, 50)), ms(pct(allRaw, 95)), loadAvg())
	b.ReportMetric(ms(pct(all, 95)), "p95-ms")
	b.ReportMetric(ms(pct(all, 50)), "p50-ms")
}

// searchTerms is the service's word split, for the raw comparison.
func searchTerms(q string, fuzzy bool) []liaison.TextTerm {
	var out []liaison.TextTerm
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		t := liaison.TextTerm{Alternatives: []string{w}}
		if fuzzy {
			t.Alternatives = append(t.Alternatives, "sx"+strings.ToLower(match.Soundex(w)))
		}
		out = append(out, t)
	}
	return out
}

func bmText(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", ms(pct(ds, 50)))
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return runtime.GOOS
	}
	f := strings.Fields(string(b))
	return "load " + strings.Join(f[:3], " ")
}
