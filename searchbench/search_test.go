package searchbench_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"liaison/searchbench"
)

// The benchmark is one long run per store that prints its figures as
// Markdown tables on standard output; run it once:
//
//	go test -run '^$' -bench Search -benchtime 1x -timeout 2h ./searchbench/
//
// SEARCHBENCH_DOCS sets the corpus size (default 1,000,000, about 30
// minutes with PostgreSQL; 100000 gives a quick look in about 4 minutes),
// SEARCHBENCH_REPS the timed repetitions of each query (default 20),
// SEARCHBENCH_PG_SLOW_DOCS how many documents the slow PostgreSQL GIN
// fastupdate=off build loads (default 200,000). PostgreSQL runs when LIAISON_TEST_POSTGRES is set,
// in a fresh schema dropped at the end.

const batchSize = 500

// end is the date of the newest document.
var end = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestCorpus(t *testing.T) {
	docs := searchbench.Corpus(1000, 1, end)
	if got, want := len(docs), 1000; got != want {
		t.Fatalf("len = %d, want %d", got, want)
	}
	total := 0
	for i, d := range docs {
		if d.ID != int64(i+1) {
			t.Fatalf("doc %d: ID %d", i, d.ID)
		}
		if i > 0 && d.Day.Before(docs[i-1].Day) {
			t.Fatalf("doc %d is older than doc %d", i, i-1)
		}
		if d.Agency < 0 || d.Agency >= searchbench.Agencies {
			t.Fatalf("doc %d: agency %d", i, d.Agency)
		}
		total += d.Size()
	}
	if avg := total / len(docs); avg < 700 || avg > 1400 {
		t.Errorf("average size %d bytes, want about 1 KB", avg)
	}
	if !docs[len(docs)-1].Day.Equal(end) {
		t.Errorf("newest day %v, want %v", docs[len(docs)-1].Day, end)
	}
}

// env is what every phase needs: the corpus, the output and the query set.
type env struct {
	docs    []searchbench.Doc
	out     io.Writer
	reps    int
	queries []searchbench.Query
	// monthStart is the first ID dated within 30 days of end.
	monthStart int64
}

func newEnv(b *testing.B) *env {
	n := envInt("SEARCHBENCH_DOCS", 1_000_000)
	t0 := time.Now()
	docs := searchbench.Corpus(n, 42, end)
	size := 0
	for i := range docs {
		size += docs[i].Size()
	}
	e := &env{docs: docs, out: os.Stdout, reps: envInt("SEARCHBENCH_REPS", 20), queries: searchbench.Queries()}
	month := end.AddDate(0, 0, -30)
	for i := range docs {
		if !docs[i].Day.Before(month) {
			e.monthStart = docs[i].ID
			break
		}
	}
	e.printf("\ncorpus: %d docs, average %d bytes of text, generated in %v; load %s\n",
		n, size/n, time.Since(t0).Round(time.Millisecond), load())
	return e
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.out, format, args...) }

// load is the 1-, 5- and 15-minute load averages.
func load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// latencies holds one strategy's timings of one query.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }

// strategy is one way to answer a query: run returns the IDs in order.
type strategy struct {
	name string
	run  func(q searchbench.Query) ([]int64, error)
}

// result is one strategy's run over the query set.
type result struct {
	name string
	lat  []latencies // per query
	ids  [][]int64   // per query, from the last run
}

// measure runs every strategy over every query: two untimed runs, then
// e.reps timed ones, strategies interleaved per query.
func (e *env) measure(b *testing.B, ss []strategy) []result {
	res := make([]result, len(ss))
	for i, s := range ss {
		res[i] = result{name: s.name, lat: make([]latencies, len(e.queries)), ids: make([][]int64, len(e.queries))}
	}
	for qi, q := range e.queries {
		for si, s := range ss {
			for range 2 {
				ids, err := s.run(q)
				if err != nil {
					b.Fatalf("%s %q: %v", s.name, q.Text, err)
				}
				res[si].ids[qi] = ids
			}
		}
		for range e.reps {
			for si, s := range ss {
				t0 := time.Now()
				if _, err := s.run(q); err != nil {
					b.Fatalf("%s %q: %v", s.name, q.Text, err)
				}
				res[si].lat[qi] = append(res[si].lat[qi], time.Since(t0))
			}
		}
	}
	return res
}

// printResults prints p50 / p95 per query and over the whole set.
func (e *env) printResults(b *testing.B, title string, res []result) {
	e.printf("\n%s (%d timed runs per query, load %s)\n\n| strategy |", title, e.reps, load())
	for _, q := range e.queries {
		e.printf(" %s |", q.Text)
	}
	e.printf(" all queries |\n|---|")
	for range e.queries {
		e.printf("---:|")
	}
	e.printf("---:|\n")
	for _, r := range res {
		e.printf("| %s |", r.name)
		var all latencies
		for qi := range e.queries {
			l := r.lat[qi]
			all = append(all, l...)
			e.printf(" %s / %s (%d) |", ms(l.pct(.5)), ms(l.pct(.95)), len(r.ids[qi]))
		}
		e.printf(" **%s / %s** |\n", ms(all.pct(.5)), ms(all.pct(.95)))
		b.ReportMetric(float64(all.pct(.95))/1e6, "ms-p95-"+metricName(r.name))
	}
	e.printf("\n(ms p50 / p95; in brackets, how many IDs the strategy returned)\n")
}

func metricName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}

// overlap counts how many of a's first k IDs are in bs.
func overlap(a []int64, k int, bs []int64) int {
	n := 0
	for _, id := range a[:min(k, len(a))] {
		if slices.Contains(bs, id) {
			n++
		}
	}
	return n
}

func (e *env) printOverlap(base result, others ...result) {
	e.printf("\nrelevance overlap: how many of %q top-10 are in each top-50\n\n| query |", base.name)
	for _, o := range others {
		e.printf(" %s |", o.name)
	}
	e.printf("\n|---|")
	for range others {
		e.printf("---:|")
	}
	e.printf("\n")
	for qi, q := range e.queries {
		e.printf("| %s |", q.Text)
		for _, o := range others {
			e.printf(" %d / %d |", overlap(base.ids[qi], 10, o.ids[qi]), min(10, len(base.ids[qi])))
		}
		e.printf("\n")
	}
}

func BenchmarkSearch(b *testing.B) {
	e := newEnv(b)
	b.Run("sqlite", func(b *testing.B) { benchSQLite(b, e) })
	b.Run("postgres", func(b *testing.B) {
		u := os.Getenv("LIAISON_TEST_POSTGRES")
		if u == "" {
			b.Skip("LIAISON_TEST_POSTGRES not set")
		}
		benchPostgres(b, e, u)
	})
}

// ---- SQLite ----

// openSQLite opens a database file with the store's pragmas (sqlite.OpenFile)
// on one connection.
func openSQLite(b *testing.B, path string) *sql.DB {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	b.Cleanup(func() { db.Close() })
	return db
}

const sqliteDocs = `CREATE TABLE docs (
	id     INTEGER PRIMARY KEY,
	agency INTEGER NOT NULL,
	tlp    INTEGER NOT NULL,
	day    INTEGER NOT NULL,
	title  TEXT NOT NULL,
	body   TEXT NOT NULL,
	names  TEXT NOT NULL
) STRICT`

// sqliteLayouts are the index builds compared.
var sqliteLayouts = []struct {
	name, ddl, ftsInsert string
}{
	{name: "plain insert, no FTS", ddl: sqliteDocs},
	{name: "FTS5 external content + triggers", ddl: sqliteDocs + `;
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, names, content='docs', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts(rowid, title, body, names) VALUES (new.id, new.title, new.body, new.names);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts(docs_fts, rowid, title, body, names) VALUES ('delete', old.id, old.title, old.body, old.names);
END;
CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN
  INSERT INTO docs_fts(docs_fts, rowid, title, body, names) VALUES ('delete', old.id, old.title, old.body, old.names);
  INSERT INTO docs_fts(rowid, title, body, names) VALUES (new.id, new.title, new.body, new.names);
END`},
	{name: "FTS5 contentless, contentless_delete=1", ddl: sqliteDocs + `;
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, names, content='', contentless_delete=1, tokenize='porter unicode61')`,
		ftsInsert: `INSERT INTO docs_fts(rowid, title, body, names) VALUES (?, ?, ?, ?)`},
}

// loadSQLite inserts every document in transactions of batchSize and
// returns the elapsed time.
func loadSQLite(b *testing.B, db *sql.DB, docs []searchbench.Doc, ftsInsert string) time.Duration {
	ctx := context.Background()
	t0 := time.Now()
	for lo := 0; lo < len(docs); lo += batchSize {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO docs(id, agency, tlp, day, title, body, names) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		var fts *sql.Stmt
		if ftsInsert != "" {
			if fts, err = tx.PrepareContext(ctx, ftsInsert); err != nil {
				b.Fatal(err)
			}
		}
		for _, d := range docs[lo:min(lo+batchSize, len(docs))] {
			if _, err := ins.ExecContext(ctx, d.ID, d.Agency, d.TLP, d.Day.Unix()/86400, d.Title, d.Body, d.Names); err != nil {
				b.Fatal(err)
			}
			if fts != nil {
				if _, err := fts.ExecContext(ctx, d.ID, d.Title, d.Body, d.Names); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

func fileSize(path string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func benchSQLite(b *testing.B, e *env) {
	var version string
	dir := b.TempDir()
	dbs := make([]*sql.DB, len(sqliteLayouts))
	e.printf("\n### SQLite\n\nindex build, %d docs, %d per transaction, synchronous=FULL, WAL\n\n| layout | time | docs/s | vs plain | file (MB) | load before → after |\n|---|---:|---:|---:|---:|---|\n", len(e.docs), batchSize)
	var plain float64
	for i, l := range sqliteLayouts {
		path := filepath.Join(dir, fmt.Sprintf("l%d.db", i))
		db := openSQLite(b, path)
		if err := db.QueryRow(`select sqlite_version()`).Scan(&version); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(l.ddl); err != nil {
			b.Fatalf("%s: %v", l.name, err)
		}
		before := load()
		d := loadSQLite(b, db, e.docs, l.ftsInsert)
		rate := float64(len(e.docs)) / d.Seconds()
		if i == 0 {
			plain = rate
		}
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		e.printf("| %s | %v | %.0f | %.0f%% | %.0f | %s → %s |\n", l.name, d.Round(time.Millisecond), rate, 100*rate/plain, float64(fileSize(path))/1e6, before, load())
		b.ReportMetric(rate, "docs/s-"+metricName(l.name))
		dbs[i] = db
	}
	e.printf("\nSQLite %s (modernc.org/sqlite), tokenizer porter unicode61\n", version)
	dbs[0].Close()

	db := dbs[1] // external content: the index the queries run on
	comm := searchbench.Communities()
	in := make([]string, len(comm))
	for i, c := range comm {
		in[i] = strconv.Itoa(c)
	}
	policy := "d.agency IN (" + strings.Join(in, ",") + ")"
	qIDs := func(db *sql.DB, query string, args ...any) func(q searchbench.Query) ([]int64, error) {
		return func(q searchbench.Query) ([]int64, error) {
			rows, err := db.Query(query, append([]any{q.FTS5}, args...)...)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
			return ids, rows.Err()
		}
	}
	const (
		bm25     = `SELECT rowid FROM docs_fts WHERE docs_fts MATCH ? ORDER BY rank LIMIT 50`
		recent   = `SELECT rowid FROM docs_fts WHERE docs_fts MATCH ? ORDER BY rowid DESC LIMIT 50`
		joinDocs = ` FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ? AND `
	)
	var (
		bm25Policy   = `SELECT docs_fts.rowid` + joinDocs + policy + ` ORDER BY rank LIMIT 50`
		recentPolicy = `SELECT docs_fts.rowid` + joinDocs + policy + ` ORDER BY docs_fts.rowid DESC LIMIT 50`
		newestN      = `SELECT id FROM (SELECT docs_fts.rowid AS id, bm25(docs_fts) AS s` + joinDocs + policy +
			` ORDER BY docs_fts.rowid DESC LIMIT 1000) ORDER BY s LIMIT 50`
		month = `SELECT docs_fts.rowid` + joinDocs + policy + ` AND docs_fts.rowid >= ? ORDER BY rank LIMIT 50`
	)

	// Match counts, and the plans.
	e.printf("\nmatches per query (external-content index)\n\n| query | kind | matches | matches admitted by policy (~10%%) |\n|---|---|---:|---:|\n")
	for _, q := range e.queries {
		var n, np int
		if err := db.QueryRow(`SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?`, q.FTS5).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*)`+joinDocs+policy, q.FTS5).Scan(&np); err != nil {
			b.Fatal(err)
		}
		e.printf("| %s | %s | %d | %d |\n", q.Text, q.Name, n, np)
	}
	e.printf("\nquery plans (EXPLAIN QUERY PLAN)\n\n")
	for _, p := range []struct{ name, sql string }{{"bm25", bm25}, {"recent", recent}, {"bm25+policy", bm25Policy}, {"recent+policy", recentPolicy}, {"newest 1000 by bm25+policy", newestN}, {"month+policy", month}} {
		args := []any{"drone stadium"}
		if p.name == "month+policy" {
			args = append(args, e.monthStart)
		}
		rows, err := db.Query(`EXPLAIN QUERY PLAN `+p.sql, args...)
		if err != nil {
			b.Fatalf("%s: %v", p.name, err)
		}
		var lines []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				b.Fatal(err)
			}
			lines = append(lines, detail)
		}
		rows.Close()
		e.printf("- %s: `%s`\n", p.name, strings.Join(lines, "; "))
	}

	res := e.measure(b, []strategy{
		{"(a) bm25 top-50", qIDs(db, bm25)},
		{"(b) rowid DESC top-50", qIDs(db, recent)},
		{"(b) rowid DESC top-50, contentless index", qIDs(dbs[2], recent)},
		{"(a) bm25 top-50 + policy", qIDs(db, bm25Policy)},
		{"(c) rowid DESC top-50 + policy", qIDs(db, recentPolicy)},
		{"(d) bm25 over newest 1000 admitted matches + policy", qIDs(db, newestN)},
		{"(d) bm25 within newest 30 days + policy", qIDs(db, month, e.monthStart)},
	})
	e.printResults(b, "SQLite query latency, ms p50 / p95", res)

	// Candidates scanned to fill (c): matches at or above its last ID.
	e.printf("\ncandidates (c) reads to fill 50 admitted results: matches with rowid ≥ the 50th result's\n\n| query | candidates scanned | admitted returned |\n|---|---:|---:|\n")
	for qi, q := range e.queries {
		ids := res[4].ids[qi]
		var n int
		lo := int64(0)
		if len(ids) > 0 {
			lo = ids[len(ids)-1]
		}
		if err := db.QueryRow(`SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ? AND rowid >= ?`, q.FTS5, lo).Scan(&n); err != nil {
			b.Fatal(err)
		}
		e.printf("| %s | %d | %d |\n", q.Text, n, len(ids))
	}
	e.printOverlap(res[0], res[1])
	e.printOverlap(res[3], res[4], res[5], res[6])
}

// ---- PostgreSQL ----

const pgDocsCols = `id bigint PRIMARY KEY, agency int NOT NULL, tlp smallint NOT NULL, day date NOT NULL,
	title text NOT NULL, body text NOT NULL, names text NOT NULL`

const pgTSV = `to_tsvector('english', title || ' ' || body || ' ' || names)`

var pgColumns = []string{"id", "agency", "tlp", "day", "title", "body", "names"}

// copyBatch COPYs one batch in its own transaction and runs after (if any)
// in the same transaction.
func copyBatch(ctx context.Context, conn *pgx.Conn, table string, docs []searchbench.Doc) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{table}, pgColumns, pgx.CopyFromSlice(len(docs), func(i int) ([]any, error) {
		d := &docs[i]
		return []any{d.ID, d.Agency, int16(d.TLP), d.Day, d.Title, d.Body, d.Names}, nil
	}))
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func pgTableSize(ctx context.Context, conn *pgx.Conn, table string) float64 {
	var n int64
	if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, table).Scan(&n); err != nil {
		return -1
	}
	return float64(n) / 1e6
}

func benchPostgres(b *testing.B, e *env, u string) {
	ctx := context.Background()
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	schema := "searchbench_" + hex.EncodeToString(rb[:])
	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
	}()
	connect := func(settings ...string) *pgx.Conn {
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			b.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = schema
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
		for i := 0; i+1 < len(settings); i += 2 {
			cfg.RuntimeParams[settings[i]] = settings[i+1]
		}
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	conn := connect()
	var version string
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil {
		b.Fatal(err)
	}
	e.printf("\n### PostgreSQL %s (schema %s)\n\nindex build, %d docs, COPY of %d per transaction, synchronous_commit=on\n\n| layout | time | docs/s | vs COPY | table + indexes (MB) | load before → after |\n|---|---:|---:|---:|---:|---|\n",
		version, schema, len(e.docs), batchSize)

	exec := func(sql string) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	var base float64
	row := func(name, table string, n int, d time.Duration, before string) {
		rate := float64(n) / d.Seconds()
		if base == 0 {
			base = rate
		}
		e.printf("| %s | %v | %.0f | %.0f%% | %.0f | %s → %s |\n", name, d.Round(time.Millisecond), rate, 100*rate/base, pgTableSize(ctx, conn, table), before, load())
		b.ReportMetric(rate, "docs/s-"+metricName(name))
	}
	copyAll := func(table string, docs []searchbench.Doc, every int, after func(upto int64) error) time.Duration {
		t0 := time.Now()
		for lo := 0; lo < len(docs); lo += batchSize {
			hi := min(lo+batchSize, len(docs))
			if err := copyBatch(ctx, conn, table, docs[lo:hi]); err != nil {
				b.Fatal(err)
			}
			if after != nil && ((lo/batchSize)%every == every-1 || hi == len(docs)) {
				if err := after(docs[hi-1].ID); err != nil {
					b.Fatal(err)
				}
			}
		}
		return time.Since(t0)
	}

	// 1. COPY, no full-text index (primary key only).
	exec(`CREATE TABLE docs_plain (` + pgDocsCols + `)`)
	before := load()
	row("COPY, no full-text index", "docs_plain", len(e.docs), copyAll("docs_plain", e.docs, 0, nil), before)

	// 2. The same table, GIN expression index built afterwards in one go.
	before = load()
	t0 := time.Now()
	exec(`CREATE INDEX docs_plain_tsv ON docs_plain USING gin (` + pgTSV + `)`)
	d := time.Since(t0)
	e.printf("| (GIN expression index created after the load, `CREATE INDEX` alone, maintenance_work_mem default) | %v | %.0f | | %.0f | %s → %s |\n",
		d.Round(time.Millisecond), float64(len(e.docs))/d.Seconds(), pgTableSize(ctx, conn, "docs_plain"), before, load())
	exec(`DROP TABLE docs_plain`)

	// 3, 4. Generated tsvector column + GIN, fastupdate on and off; off is
	// so slow that it loads only the first SEARCHBENCH_PG_SLOW_DOCS
	// (default 200,000) documents.
	for _, fu := range []string{"on", "off"} {
		table := "docs_gen_fu_" + fu
		exec(`CREATE TABLE ` + table + ` (` + pgDocsCols + `, tsv tsvector GENERATED ALWAYS AS (` + pgTSV + `) STORED)`)
		exec(`CREATE INDEX ` + table + `_tsv ON ` + table + ` USING gin (tsv) WITH (fastupdate = ` + fu + `)`)
		docs, name := e.docs, "generated tsvector + GIN, fastupdate="+fu
		if fu == "off" {
			docs = docs[:min(len(docs), envInt("SEARCHBENCH_PG_SLOW_DOCS", 200_000))]
			name += fmt.Sprintf(" (first %d docs only)", len(docs))
		}
		before := load()
		row(name, table, len(docs), copyAll(table, docs, 0, nil), before)
	}

	// 5. A separate search table, filled by an indexer every 20 batches
	// (10,000 docs) in its own transaction.
	exec(`CREATE TABLE docs_sep (` + pgDocsCols + `)`)
	exec(`CREATE TABLE docs_sep_search (id bigint PRIMARY KEY, agency int NOT NULL, tsv tsvector NOT NULL)`)
	exec(`CREATE INDEX docs_sep_search_tsv ON docs_sep_search USING gin (tsv)`)
	var last int64
	before = load()
	d = copyAll("docs_sep", e.docs, 20, func(upto int64) error {
		_, err := conn.Exec(ctx, `INSERT INTO docs_sep_search SELECT id, agency, `+pgTSV+` FROM docs_sep WHERE id > $1 AND id <= $2`, last, upto)
		last = upto
		return err
	})
	row("COPY + separate search table indexed per 10,000 docs (GIN fastupdate=on)", "docs_sep_search", len(e.docs), d, before)
	e.printf("\n(docs_sep itself: %.0f MB)\n", pgTableSize(ctx, conn, "docs_sep"))
	exec(`DROP TABLE docs_sep_search`)
	exec(`DROP TABLE docs_sep`)
	exec(`DROP TABLE docs_gen_fu_off`)

	// Queries on the generated column with GIN fastupdate=on, vacuumed.
	t0 = time.Now()
	exec(`VACUUM ANALYZE docs_gen_fu_on`)
	e.printf("\nVACUUM ANALYZE of docs_gen_fu_on (flushes the GIN pending list): %v\n", time.Since(t0).Round(time.Millisecond))
	const table = "docs_gen_fu_on"
	comm := searchbench.Communities()
	const tsq = `websearch_to_tsquery('english', $1)`
	var (
		rank         = `SELECT id FROM ` + table + ` WHERE tsv @@ ` + tsq + ` ORDER BY ts_rank(tsv, ` + tsq + `) DESC LIMIT 50`
		recent       = `SELECT id FROM ` + table + ` WHERE tsv @@ ` + tsq + ` ORDER BY id DESC LIMIT 50`
		rankPolicy   = `SELECT id FROM ` + table + ` WHERE tsv @@ ` + tsq + ` AND agency = ANY($2) ORDER BY ts_rank(tsv, ` + tsq + `) DESC LIMIT 50`
		recentPolicy = `SELECT id FROM ` + table + ` WHERE tsv @@ ` + tsq + ` AND agency = ANY($2) ORDER BY id DESC LIMIT 50`
		newestN      = `SELECT id FROM (SELECT id, tsv FROM ` + table + ` WHERE tsv @@ ` + tsq + ` AND agency = ANY($2) ORDER BY id DESC LIMIT 1000) s ORDER BY ts_rank(tsv, ` + tsq + `) DESC LIMIT 50`
		month        = `SELECT id FROM ` + table + ` WHERE tsv @@ ` + tsq + ` AND agency = ANY($2) AND id >= $3 ORDER BY ts_rank(tsv, ` + tsq + `) DESC LIMIT 50`
	)
	noBitmap := connect("enable_bitmapscan", "off")
	qIDs := func(c *pgx.Conn, query string, args ...any) func(q searchbench.Query) ([]int64, error) {
		return func(q searchbench.Query) ([]int64, error) {
			rows, err := c.Query(ctx, query, append([]any{q.TS}, args...)...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[int64])
		}
	}

	e.printf("\nmatches per query\n\n| query | kind | matches | matches admitted by policy (~10%%) |\n|---|---|---:|---:|\n")
	for _, q := range e.queries {
		var n, np int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE tsv @@ `+tsq, q.TS).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE tsv @@ `+tsq+` AND agency = ANY($2)`, q.TS, comm).Scan(&np); err != nil {
			b.Fatal(err)
		}
		e.printf("| %s | %s | %d | %d |\n", q.Text, q.Name, n, np)
	}
	e.printf("\nquery plans for %q (EXPLAIN ANALYZE, top node lines)\n\n", e.queries[0].TS)
	for _, p := range []struct {
		name string
		c    *pgx.Conn
		sql  string
		args []any
	}{
		{"ts_rank", conn, rank, nil}, {"id DESC", conn, recent, nil}, {"id DESC, bitmap scans off", noBitmap, recent, nil},
		{"id DESC+policy", conn, recentPolicy, []any{comm}}, {"id DESC+policy, bitmap scans off", noBitmap, recentPolicy, []any{comm}},
		{"newest 1000 by ts_rank+policy", conn, newestN, []any{comm}}, {"month+policy", conn, month, []any{comm, e.monthStart}},
	} {
		rows, err := p.c.Query(ctx, `EXPLAIN (ANALYZE, COSTS OFF) `+p.sql, append([]any{e.queries[0].TS}, p.args...)...)
		if err != nil {
			b.Fatalf("%s: %v", p.name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		e.printf("- %s:\n\n```\n%s\n```\n", p.name, strings.Join(lines, "\n"))
	}

	res := e.measure(b, []strategy{
		{"(a) ts_rank top-50", qIDs(conn, rank)},
		{"(b) id DESC top-50", qIDs(conn, recent)},
		{"(b) id DESC top-50, bitmap scans off", qIDs(noBitmap, recent)},
		{"(a) ts_rank top-50 + policy", qIDs(conn, rankPolicy, comm)},
		{"(c) id DESC top-50 + policy", qIDs(conn, recentPolicy, comm)},
		{"(c) id DESC top-50 + policy, bitmap scans off", qIDs(noBitmap, recentPolicy, comm)},
		{"(d) ts_rank over newest 1000 admitted matches + policy", qIDs(conn, newestN, comm)},
		{"(d) ts_rank within newest 30 days + policy", qIDs(conn, month, comm, e.monthStart)},
	})
	e.printResults(b, "PostgreSQL query latency, ms p50 / p95", res)
	e.printf("\ncandidates (c) reads to fill 50 admitted results: matches with id ≥ the 50th result's\n\n| query | candidates | admitted returned |\n|---|---:|---:|\n")
	for qi, q := range e.queries {
		ids := res[4].ids[qi]
		lo := int64(0)
		if len(ids) > 0 {
			lo = ids[len(ids)-1]
		}
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE tsv @@ `+tsq+` AND id >= $2`, q.TS, lo).Scan(&n); err != nil {
			b.Fatal(err)
		}
		e.printf("| %s | %d | %d |\n", q.Text, n, len(ids))
	}
	e.printOverlap(res[0], res[1])
	e.printOverlap(res[3], res[4], res[6], res[7])
}
