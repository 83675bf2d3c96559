package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"liaison"
)

// searchFields names the input at fault for the search tables' constraints.
var searchFields = map[string]string{
	"search_docs_item_key":              "item_id",
	"pointers_pkey":                     "id",
	"pointers_user_id_fkey":             "user_id",
	"access_requests_pkey":              "id",
	"access_requests_requester_id_fkey": "requester_id",
	"access_requests_holder_id_fkey":    "holder_agency_id",
	"grants_pkey":                       "id",
	"grants_user_id_fkey":               "user_id",
	"grants_holder_id_fkey":             "holder_agency_id",
	"saved_searches_pkey":               "id",
	"saved_searches_user_id_fkey":       "user_id",
	"saved_searches_name_key":           "name",
}

// searchColumns names the input behind a column whose name is not the
// input's (a malformed id arrives as NULL: see uid).
var searchColumns = map[string]string{
	"access_requests.holder_id": "holder_agency_id",
	"grants.holder_id":          "holder_agency_id",
}

// translateSearch is translate with the search tables' constraints.
func translateSearch(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if f, ok := searchFields[pe.ConstraintName]; ok {
			switch pe.Code {
			case "23505":
				return conflict(op, f, err)
			case "23503":
				return missingRef(op, f, err)
			}
		}
		if f, ok := searchColumns[pe.TableName+"."+pe.ColumnName]; ok && pe.Code == "23502" {
			return missingRef(op, f, err)
		}
	}
	return translate(op, err)
}

// execSearch is exec with the search tables' constraints.
func (t *Tx) execSearch(ctx context.Context, op string, mustExist bool, q string, args ...any) error {
	tag, err := t.tx.Exec(ctx, q, args...)
	if err != nil {
		return translateSearch(op, err)
	}
	if mustExist && tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// limitArg is a LIMIT argument: a negative limit is none, as in SQLite.
func limitArg(n int) any {
	if n < 0 {
		return nil
	}
	return n
}

// QueueSearch implements liaison.Tx.
func (t *Tx) QueueSearch(ctx context.Context, refs []liaison.SearchRef) error {
	if len(refs) == 0 {
		return nil
	}
	kinds, ids := searchRefArgs(refs)
	return t.execSearch(ctx, "postgres.QueueSearch", false,
		"INSERT INTO search_queue (kind, item_id, queued) SELECT u.kind, u.item_id, clock_timestamp() "+
			"FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS u(kind, item_id, n) ORDER BY u.n", kinds, ids)
}

func searchRefArgs(refs []liaison.SearchRef) ([]string, []pgtype.UUID) {
	kinds, ids := make([]string, len(refs)), make([]pgtype.UUID, len(refs))
	for i, r := range refs {
		kinds[i], ids[i] = string(r.Kind), uid(r.ItemID)
	}
	return kinds, ids
}

// ListSearchQueue implements liaison.Tx.
func (t *Tx) ListSearchQueue(ctx context.Context, limit int) ([]*liaison.SearchQueued, error) {
	return list(ctx, t, "postgres.ListSearchQueue", "SELECT id, kind, item_id::text, queued FROM search_queue ORDER BY id LIMIT $1",
		[]any{limitArg(limit)}, func(s scanner) (*liaison.SearchQueued, error) {
			var q liaison.SearchQueued
			var kind string
			err := s.Scan(&q.ID, &kind, &q.ItemID, &q.At)
			q.Kind = liaison.RecordKind(kind)
			return &q, err
		})
}

// DeleteSearchQueue implements liaison.Tx.
func (t *Tx) DeleteSearchQueue(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return t.execSearch(ctx, "postgres.DeleteSearchQueue", false, "DELETE FROM search_queue WHERE id = ANY($1::bigint[])", ids)
}

// putSearchDoc replaces an item's document: the conflicting row takes the
// new row's seq (a fresh nextval), so the item moves to the newest
// position, as a delete and insert would, in one statement.
const putSearchDoc = `INSERT INTO search_docs (kind, item_id, agency_id, state, tlp, handling, recipients, shared_with,
	case_id, pointer, occurred, categories, lat, lon, tsv, ids)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
		setweight(to_tsvector('english', $15::text), 'A') || setweight(to_tsvector('english', $16::text), 'B') ||
		setweight(to_tsvector('english', $17::text), 'D') || setweight(to_tsvector('simple', $19::text), 'C'), $18)
	ON CONFLICT (kind, item_id) DO UPDATE SET seq = EXCLUDED.seq, agency_id = EXCLUDED.agency_id, state = EXCLUDED.state,
		tlp = EXCLUDED.tlp, handling = EXCLUDED.handling, recipients = EXCLUDED.recipients, shared_with = EXCLUDED.shared_with,
		case_id = EXCLUDED.case_id, pointer = EXCLUDED.pointer, occurred = EXCLUDED.occurred, categories = EXCLUDED.categories,
		lat = EXCLUDED.lat, lon = EXCLUDED.lon, tsv = EXCLUDED.tsv, ids = EXCLUDED.ids
	RETURNING seq`

// tsText prepares text for to_tsvector: PostgreSQL's parser reads
// "MDT-7851" as the word mdt and the number -7851, so the plate's digits
// were never found; the service splits query words on every character
// that is not a letter or digit, and so must the index.
func tsText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '+' || r == '/' || r == '.' || r == '_' {
			return ' '
		}
		return r
	}, s)
}

// PutSearchDocs implements liaison.Tx: one statement per document, sent
// as one pipelined batch (the indexer writes a few hundred at a time).
// The same item twice in docs is replaced twice, in order.
func (t *Tx) PutSearchDocs(ctx context.Context, docs []*liaison.SearchDoc) error {
	const op = "postgres.PutSearchDocs"
	if len(docs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, d := range docs {
		b.Queue(putSearchDoc, string(d.Kind), uid(d.ItemID), uid(d.AgencyID), d.State, string(d.TLP), string(d.Handling),
			orEmpty(d.Recipients), orEmpty(d.SharedWith), uid(d.CaseID), d.Pointer, d.Occurred, orEmpty(d.Categories),
			d.Lat, d.Lon, tsText(d.Title), tsText(d.Names), tsText(d.Body), d.Identifiers, d.AccessTokens())
	}
	br := t.tx.SendBatch(ctx, b)
	for _, d := range docs {
		if err := br.QueryRow().Scan(&d.Seq); err != nil {
			br.Close()
			return translateSearch(op, err)
		}
	}
	if err := br.Close(); err != nil {
		return translateSearch(op, err)
	}
	return nil
}

// DeleteSearchDocs implements liaison.Tx.
func (t *Tx) DeleteSearchDocs(ctx context.Context, refs []liaison.SearchRef) error {
	if len(refs) == 0 {
		return nil
	}
	kinds, ids := searchRefArgs(refs)
	return t.execSearch(ctx, "postgres.DeleteSearchDocs", false,
		"DELETE FROM search_docs WHERE (kind, item_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))", kinds, ids)
}

// anyACL is a to_tsquery('simple', ...) string: one of these tokens, with weight C.
func anyACL(toks []string) string {
	for i, t := range toks {
		toks[i] = t + ":C"
	}
	return strings.Join(toks, " | ")
}

// TSQuery renders terms as a to_tsquery('english', ...) string: every
// term, any of its alternatives, each alternative a quoted lexeme (words
// are letters and digits; a quote is doubled all the same). It returns ""
// when some term has no alternative, which nothing matches.
func TSQuery(terms []liaison.TextTerm) string {
	parts := make([]string, 0, len(terms))
	for _, tm := range terms {
		var alts []string
		for _, a := range tm.Alternatives {
			if a != "" {
				// :ABD: the text's weights; C holds the access tokens,
				// which typed words must never match.
				alts = append(alts, "'"+strings.ReplaceAll(strings.ReplaceAll(a, `\`, `\\`), "'", "''")+"':ABD")
			}
		}
		if len(alts) == 0 {
			return ""
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	return strings.Join(parts, " & ")
}

// likeContains is an ILIKE pattern matching s anywhere, s taken literally.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

const candidateCols = `d.seq, d.kind, d.item_id::text, d.agency_id::text, d.state, d.tlp, d.handling, d.recipients,
	d.shared_with, coalesce(d.case_id::text, ''), d.pointer, d.occurred, d.categories, d.lat, d.lon`

// A text search walks seq down in windows; each window's plan is chosen
// from the estimated matches with these costs, measured on 1,000,000
// synthetic reports (searchbench corpus; PostgreSQL 15, 2 vCPU, warm cache).
const (
	searchFirstWindow  = 4096 // seq values in the first window
	searchWindowGrowth = 4    // each window at least this many times the last
	costScanRow        = 1.4  // µs per row a backward primary-key scan reads and filters
	costIndexMatch     = 1.0  // µs per match of the whole table a GIN index gives a bitmap
	costFetchMatch     = 12.0 // µs per match a bitmap heap scan fetches and rechecks
)

// SearchCandidates implements liaison.Tx.
//
// A GIN index has no order, so "WHERE tsv @@ q ORDER BY seq DESC LIMIT n"
// leaves the planner two bad plans: a backward primary-key scan that
// reads every newer row (the whole table for a rare word, 1.3-3 s at 1M
// documents), or a bitmap scan that fetches and sorts every match (all of
// them for a common word). With words or an identifier the search walks
// seq down in windows instead (seq > hi-W AND seq <= hi, W from 4,096,
// growing 4x a round, or more when the hits so far say how far the limit
// is), until the limit is filled or seq is exhausted, choosing each
// window's plan with SET LOCAL (restored afterwards):
//
//   - scan: a backward primary-key scan of the window, the words a filter
//     (bitmap scans off). It stops at the limit, so it costs little when
//     matches are dense and at most the window when not.
//   - bitmap: the GIN (or trigram) index ANDed with the seq range, the
//     range from the BRIN index (index scans off). It costs the word's
//     matches in the whole table plus those in the window.
//
// The planner's estimate of the matches (the smallest over the terms, so
// that correlated words are not underestimated) prices the two: common
// words scan, rare words use the bitmap. Custom plans are forced, so
// each window is planned with its words and range, and JIT is off (a
// window's cost estimate can pass its threshold; compiling costs more
// than the window). As on SQLite, candidates of a text search are not
// scored (Score 0; 1 for an identifier alone): ScoreSearch scores the
// ranking window.
//
// Filters (kinds, agencies, visibility, ...) are checked row by row: the
// fewer documents they admit, the more rows a window reads. At 1M
// documents a pair of common words matching 2% under a 10% prefilter
// takes 30-40 ms for 50 candidates and 60-80 ms for 100; common words
// under a filter admitting 2% can take 100-150 ms.
//
// Words go through the english configuration (stemmed, stop words
// dropped): if every alternative of the query is a stop word the query is
// empty and nothing is returned. An identifier is matched as a substring
// (ILIKE, case-insensitive) and, as with SQLite's trigram index, one
// shorter than three characters matches nothing.
func (t *Tx) SearchCandidates(ctx context.Context, m liaison.SearchMatch) ([]*liaison.SearchCandidate, error) {
	const op = "postgres.SearchCandidates"
	out := []*liaison.SearchCandidate{}
	if m.Limit == 0 {
		return out, nil
	}
	var q query
	if len(m.Kinds) > 0 {
		q.add("d.kind = ANY($%d::text[])", strs(m.Kinds))
	}
	if len(m.Agencies) > 0 {
		q.add("d.agency_id = ANY($%d::uuid[])", uids(m.Agencies))
	}
	if len(m.TLPs) > 0 {
		q.add("d.tlp = ANY($%d::text[])", strs(m.TLPs))
	}
	// With words, the visibility prefilter and the categories are access
	// tokens in the tsvector, estimated and indexed with the words.
	var aclConds []string
	if len(m.Terms) > 0 {
		if v := m.Visible; v != nil && len(v.Granted) == 0 {
			toks := v.VisibleTokens()
			aclConds = append(aclConds, anyACL(toks))
			m.Visible = nil
		}
		if len(m.Categories) > 0 {
			toks := make([]string, len(m.Categories))
			for i, c := range m.Categories {
				toks[i] = liaison.AccessToken("k", c)
			}
			aclConds = append(aclConds, anyACL(toks))
			m.Categories = nil
		}
	}
	if len(m.Categories) > 0 {
		q.add("d.categories && $%d::text[]", m.Categories)
	}
	if !m.From.IsZero() {
		q.add("d.occurred >= $%d", m.From)
	}
	if !m.To.IsZero() {
		q.add("d.occurred < $%d", m.To)
	}
	if v := m.Visible; v != nil {
		// The reader's agency, a recipient, a community shared to, a grant.
		q.args = append(q.args, uid(v.Agency))
		ors := []string{fmt.Sprintf("d.agency_id = $%d", len(q.args))}
		if v.UserID != "" {
			q.args = append(q.args, v.UserID)
			ors = append(ors, fmt.Sprintf("$%d::text = ANY(d.recipients)", len(q.args)))
		}
		if len(v.Communities) > 0 {
			q.args = append(q.args, v.Communities)
			ors = append(ors, fmt.Sprintf("d.shared_with && $%d::text[]", len(q.args)))
		}
		if len(v.Granted) > 0 {
			q.args = append(q.args, uids(v.Granted))
			ors = append(ors, fmt.Sprintf("d.item_id = ANY($%d::uuid[])", len(q.args)))
		}
		q.where = append(q.where, "("+strings.Join(ors, " OR ")+")")
	}
	if m.PointersFor != "" {
		q.add("d.pointer AND d.agency_id IS DISTINCT FROM $%d", uid(m.PointersFor))
	}
	if b := m.Box; b != nil {
		q.add("d.lat >= $%d", b.MinLat)
		q.add("d.lat <= $%d", b.MaxLat)
		q.add("d.lon >= $%d", b.MinLon)
		q.add("d.lon <= $%d", b.MaxLon)
	}

	if len(m.Terms) == 0 && m.Identifier == "" {
		if m.Before > 0 {
			q.add("d.seq < $%d", m.Before)
		}
		s := "SELECT " + candidateCols + ", 0::float8 FROM search_docs d"
		if len(q.where) > 0 {
			s += " WHERE " + strings.Join(q.where, " AND ")
		}
		q.args = append(q.args, limitArg(m.Limit))
		s += fmt.Sprintf(" ORDER BY d.seq DESC LIMIT $%d", len(q.args))
		return list(ctx, t, op, s, q.args, scanSearchCandidate)
	}

	// The conditions the indexes answer, each estimated on its own.
	const textCond, idCond = "d.tsv @@ to_tsquery('english', $%d::text)", "d.ids ILIKE $%d"
	type estimate struct {
		cond, arg string
		indep     bool // independent of the words: its selectivity multiplies
	}
	var estimates []estimate
	score, tsq := "1::float8", ""
	if len(m.Terms) > 0 {
		if tsq = TSQuery(m.Terms); tsq == "" {
			return out, nil
		}
		q.add(textCond, tsq)
		score = "0::float8" // ScoreSearch scores the ranking window
		for _, tm := range m.Terms {
			estimates = append(estimates, estimate{cond: textCond, arg: TSQuery([]liaison.TextTerm{tm})})
		}
		const aclCond = "d.tsv @@ to_tsquery('simple', $%d::text)"
		for _, a := range aclConds {
			q.add(aclCond, a)
			estimates = append(estimates, estimate{cond: aclCond, arg: a, indep: true})
		}
	}
	if m.Identifier != "" {
		if len([]rune(m.Identifier)) < 3 {
			return out, nil
		}
		pattern := likeContains(m.Identifier)
		q.add(idCond, pattern)
		estimates = append(estimates, estimate{cond: idCond, arg: pattern})
	}

	// One round trip: the seq range, whether the words are all stop
	// words, the settings to restore, and the planner's estimates of the
	// documents and of each condition's matches.
	nodes, args := "1", []any{}
	if tsq != "" {
		nodes, args = "numnode(to_tsquery('english', $1::text))", []any{tsq}
	}
	b := &pgx.Batch{}
	b.Queue("SELECT (SELECT max(seq) FROM search_docs), (SELECT min(seq) FROM search_docs), "+nodes+", "+
		"current_setting('enable_indexscan'), current_setting('enable_bitmapscan'), current_setting('enable_seqscan'), "+
		"current_setting('plan_cache_mode'), current_setting('jit')", args...)
	b.Queue("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_docs d")
	for _, e := range estimates {
		b.Queue("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_docs d WHERE "+fmt.Sprintf(e.cond, 1), e.arg)
	}
	br := t.tx.SendBatch(ctx, b)
	var maxSeq, minSeq *int64
	var n int
	saved := make([]string, 5)
	err := br.QueryRow().Scan(&maxSeq, &minSeq, &n, &saved[0], &saved[1], &saved[2], &saved[3], &saved[4])
	planned := make([]float64, 1+len(estimates))
	for i := range planned {
		if err == nil {
			planned[i], err = planRows(br.QueryRow())
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, translate(op, err)
	}
	if maxSeq == nil || n == 0 {
		return out, nil
	}
	hi, floor := *maxSeq, *minSeq-1
	if m.Before > 0 && m.Before-1 < hi {
		hi = m.Before - 1
	}
	if hi <= floor {
		return out, nil
	}
	docs, matches := max(planned[0], 1), planned[0]
	indepShare := 1.0
	for i, r := range planned[1:] {
		switch {
		case estimates[i].indep:
			indepShare *= min(1, max(r, 1)/docs)
		case r > 1: // an empty (stop-word) term estimates 1: it says nothing
			matches = min(matches, r)
		}
	}
	matches *= indepShare

	settings := []string{"enable_indexscan", "enable_bitmapscan", "enable_seqscan", "plan_cache_mode", "jit"}
	set := func(values ...string) error {
		var s strings.Builder
		var args []any
		for i, v := range values {
			if v != "" {
				if s.Len() > 0 {
					s.WriteString(", ")
				}
				args = append(args, settings[i], v)
				fmt.Fprintf(&s, "set_config($%d, $%d, true)", len(args)-1, len(args))
			}
		}
		_, err := t.tx.Exec(ctx, "SELECT "+s.String(), args...)
		return err
	}
	if err := set("", "", "off", "force_custom_plan", "off"); err != nil {
		return nil, translate(op, err)
	}
	base := len(q.args)
	s := fmt.Sprintf("SELECT %s, %s FROM search_docs d WHERE %s AND d.seq > $%d AND d.seq <= $%d ORDER BY d.seq DESC LIMIT $%d",
		candidateCols, score, strings.Join(q.where, " AND "), base+1, base+2, base+3)
	mode := ""
	var scanned int64
	first := int64(searchFirstWindow)
	if matches*costFetchMatch <= float64(searchFirstWindow)*costScanRow*4 {
		// Few matches in the whole table (rare or absent words): one
		// bitmap query over all of it costs less than walking windows,
		// each planned on its own (30 ms for a word found nowhere).
		first = hi - floor
	}
	for w := first; ; {
		lo := max(hi-w, floor)
		// Scan when reading the window row by row costs no more than
		// the bitmap: the word's matches in the whole table and in the window.
		want := "bitmap"
		if float64(w)*costScanRow <= matches*costIndexMatch+float64(w)*matches/docs*costFetchMatch {
			want = "scan"
		}
		if want != mode {
			mode = want
			if mode == "scan" {
				err = set("on", "off")
			} else {
				err = set("off", "on")
			}
			if err != nil {
				return nil, translate(op, err)
			}
		}
		var limit any
		if m.Limit > 0 {
			limit = m.Limit - len(out)
		}
		rows, err := list(ctx, t, op, s, append(q.args[:base:base], lo, hi, limit), scanSearchCandidate)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if (m.Limit > 0 && len(out) >= m.Limit) || lo <= floor {
			break
		}
		// The next window: larger by the growth factor, or as large as
		// the hits so far say the rest of the limit needs, with a margin.
		scanned += hi - lo
		hi, w = lo, w*searchWindowGrowth
		if m.Limit > 0 && len(out) > 0 {
			w = max(w, int64(1.5*float64(m.Limit-len(out))*float64(scanned)/float64(len(out))))
		}
	}
	if err := set(saved...); err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

// planRows reads the planner's row estimate from EXPLAIN (FORMAT JSON).
func planRows(row pgx.Row) (float64, error) {
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := row.Scan(&plan); err != nil {
		return 0, err
	}
	if len(plan) == 0 {
		return 0, errors.New("postgres: EXPLAIN returned no plan")
	}
	return plan[0].Plan.Rows, nil
}

func scanSearchCandidate(s scanner) (*liaison.SearchCandidate, error) {
	var c liaison.SearchCandidate
	var kind, tlp, handling string
	if err := s.Scan(&c.Seq, &kind, &c.ItemID, &c.AgencyID, &c.State, &tlp, &handling, &c.Recipients, &c.SharedWith,
		&c.CaseID, &c.Pointer, &c.Occurred, &c.Categories, &c.Lat, &c.Lon, &c.Score); err != nil {
		return nil, err
	}
	c.Kind, c.TLP, c.Handling = liaison.RecordKind(kind), liaison.TLP(tlp), liaison.Handling(handling)
	c.Recipients, c.SharedWith, c.Categories = orEmpty(c.Recipients), orEmpty(c.SharedWith), orEmpty(c.Categories)
	return &c, nil
}

// SearchIndexState implements liaison.Tx: the queue and the newest seq
// (the primary key's last entry); the documents are not counted.
func (t *Tx) SearchIndexState(ctx context.Context) (*liaison.SearchIndexState, error) {
	const op = "postgres.SearchIndexState"
	var st liaison.SearchIndexState
	var oldest *time.Time
	var first, last *int64
	// Every search reads this, so it must not count the queue: after a
	// bulk load drained by the indexer the queue holds a million dead rows
	// until vacuumed, and count(*) over them took 200 ms. The oldest and
	// newest ids come from the primary key; the ids between them are the
	// pending count (an upper bound when a queued write rolled back).
	err := t.tx.QueryRow(ctx, "SELECT (SELECT id FROM search_queue ORDER BY id LIMIT 1), (SELECT id FROM search_queue ORDER BY id DESC LIMIT 1), "+
		"(SELECT queued FROM search_queue ORDER BY id LIMIT 1), (SELECT coalesce(max(seq), 0) FROM search_docs)").Scan(&first, &last, &oldest, &st.MaxSeq)
	if err != nil {
		return nil, translate(op, err)
	}
	if first != nil && last != nil {
		st.Pending = int(*last - *first + 1)
	}
	if oldest != nil {
		st.Oldest = *oldest
	}
	return &st, nil
}

// pointerJSON stores the fields a pointer hides from its JSON form.
type pointerJSON struct {
	*liaison.Pointer
	UserID liaison.ID   `json:"user_id"`
	Items  []liaison.ID `json:"items"`
	Query  string       `json:"query"`
}

// CreatePointers implements liaison.Tx.
func (t *Tx) CreatePointers(ctx context.Context, ps []*liaison.Pointer) error {
	const op = "postgres.CreatePointers"
	if len(ps) == 0 {
		return nil
	}
	ids, users, bodies, created := make([]pgtype.UUID, len(ps)), make([]pgtype.UUID, len(ps)), make([]string, len(ps)), make([]time.Time, len(ps))
	for i, p := range ps {
		b, err := body(op, pointerJSON{Pointer: p, UserID: p.UserID, Items: p.Items, Query: p.Query})
		if err != nil {
			return err
		}
		ids[i], users[i], bodies[i], created[i] = uid(p.ID), uid(p.UserID), string(b), p.Created
	}
	return t.execSearch(ctx, op, false, "INSERT INTO pointers (id, user_id, body, created) "+
		"SELECT u.id, u.user_id, u.body::jsonb, u.created FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) "+
		"WITH ORDINALITY AS u(id, user_id, body, created, n) ORDER BY u.n", ids, users, bodies, created)
}

// FindPointer implements liaison.Tx.
func (t *Tx) FindPointer(ctx context.Context, id liaison.ID) (*liaison.Pointer, error) {
	var b []byte
	if err := t.tx.QueryRow(ctx, "SELECT body FROM pointers WHERE id = $1", uid(id)).Scan(&b); err != nil {
		return nil, translate("postgres.FindPointer", err)
	}
	p := &liaison.Pointer{}
	row := pointerJSON{Pointer: p}
	if err := json.Unmarshal(b, &row); err != nil {
		return nil, &liaison.Error{Code: liaison.EINTERNAL, Op: "postgres.FindPointer", Err: err}
	}
	p.UserID, p.Items, p.Query = row.UserID, row.Items, row.Query
	return p, nil
}

// CreateAccessRequest implements liaison.Tx.
func (t *Tx) CreateAccessRequest(ctx context.Context, r *liaison.AccessRequest) error {
	const op = "postgres.CreateAccessRequest"
	b, err := body(op, r)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, false,
		"INSERT INTO access_requests (id, requester_id, holder_id, state, due, escalated, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		uid(r.ID), uid(r.RequesterID), uid(r.HolderAgency), string(r.State), r.Due, !r.Escalated.IsZero(), b)
}

// UpdateAccessRequest implements liaison.Tx.
func (t *Tx) UpdateAccessRequest(ctx context.Context, r *liaison.AccessRequest) error {
	const op = "postgres.UpdateAccessRequest"
	b, err := body(op, r)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, true, "UPDATE access_requests SET state = $1, due = $2, escalated = $3, body = $4 WHERE id = $5",
		string(r.State), r.Due, !r.Escalated.IsZero(), b, uid(r.ID))
}

// FindAccessRequest implements liaison.Tx.
func (t *Tx) FindAccessRequest(ctx context.Context, id liaison.ID) (*liaison.AccessRequest, error) {
	r, err := scanBody[liaison.AccessRequest](t.tx.QueryRow(ctx, "SELECT body FROM access_requests WHERE id = $1", uid(id)))
	return r, translate("postgres.FindAccessRequest", err)
}

// ListAccessRequests implements liaison.Tx.
func (t *Tx) ListAccessRequests(ctx context.Context, f liaison.AccessRequestFilter, p liaison.Page) ([]*liaison.AccessRequest, error) {
	var q query
	if f.RequesterID != "" {
		q.add("requester_id = $%d", uid(f.RequesterID))
	}
	if f.HolderAgency != "" {
		q.add("holder_id = $%d", uid(f.HolderAgency))
	}
	if len(f.States) > 0 {
		q.add("state = ANY($%d::text[])", strs(f.States))
	}
	if !f.DueBefore.IsZero() {
		q.add("state = 'pending' AND NOT escalated AND due < $%d", f.DueBefore)
	}
	s, args := q.page("SELECT body FROM access_requests", p)
	return list(ctx, t, "postgres.ListAccessRequests", s, args, scanBody[liaison.AccessRequest])
}

// CreateGrant implements liaison.Tx.
func (t *Tx) CreateGrant(ctx context.Context, g *liaison.Grant) error {
	const op = "postgres.CreateGrant"
	b, err := body(op, g)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, false,
		"INSERT INTO grants (id, user_id, holder_id, expires, revoked, body) VALUES ($1, $2, $3, $4, $5, $6)",
		uid(g.ID), uid(g.UserID), uid(g.Holder), g.Expires, !g.Revoked.IsZero(), b)
}

// UpdateGrant implements liaison.Tx.
func (t *Tx) UpdateGrant(ctx context.Context, g *liaison.Grant) error {
	const op = "postgres.UpdateGrant"
	b, err := body(op, g)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, true, "UPDATE grants SET expires = $1, revoked = $2, body = $3 WHERE id = $4",
		g.Expires, !g.Revoked.IsZero(), b, uid(g.ID))
}

// FindGrant implements liaison.Tx.
func (t *Tx) FindGrant(ctx context.Context, id liaison.ID) (*liaison.Grant, error) {
	g, err := scanBody[liaison.Grant](t.tx.QueryRow(ctx, "SELECT body FROM grants WHERE id = $1", uid(id)))
	return g, translate("postgres.FindGrant", err)
}

// ListGrants implements liaison.Tx.
func (t *Tx) ListGrants(ctx context.Context, f liaison.GrantFilter, p liaison.Page) ([]*liaison.Grant, error) {
	var q query
	if f.UserID != "" {
		q.add("user_id = $%d", uid(f.UserID))
	}
	if f.Holder != "" {
		q.add("holder_id = $%d", uid(f.Holder))
	}
	if !f.ActiveAt.IsZero() {
		q.add("NOT revoked AND expires > $%d", f.ActiveAt)
	}
	s, args := q.page("SELECT body FROM grants", p)
	return list(ctx, t, "postgres.ListGrants", s, args, scanBody[liaison.Grant])
}

// CreateSavedSearch implements liaison.Tx.
func (t *Tx) CreateSavedSearch(ctx context.Context, s *liaison.SavedSearch) error {
	const op = "postgres.CreateSavedSearch"
	b, err := body(op, s)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, false, "INSERT INTO saved_searches (id, user_id, name, last_seq, body) VALUES ($1, $2, $3, $4, $5)",
		uid(s.ID), uid(s.UserID), s.Name, s.LastSeq, b)
}

// UpdateSavedSearch implements liaison.Tx.
func (t *Tx) UpdateSavedSearch(ctx context.Context, s *liaison.SavedSearch) error {
	const op = "postgres.UpdateSavedSearch"
	b, err := body(op, s)
	if err != nil {
		return err
	}
	return t.execSearch(ctx, op, true, "UPDATE saved_searches SET name = $1, last_seq = $2, body = $3 WHERE id = $4",
		s.Name, s.LastSeq, b, uid(s.ID))
}

// DeleteSavedSearch implements liaison.Tx.
func (t *Tx) DeleteSavedSearch(ctx context.Context, userID, id liaison.ID) error {
	return t.execSearch(ctx, "postgres.DeleteSavedSearch", true, "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2",
		uid(id), uid(userID))
}

// scanSaved decodes (body, last_seq): the body does not carry LastSeq.
var scanSaved = withSeq(func(s *liaison.SavedSearch, seq int64) { s.LastSeq = seq })

// FindSavedSearch implements liaison.Tx.
func (t *Tx) FindSavedSearch(ctx context.Context, id liaison.ID) (*liaison.SavedSearch, error) {
	s, err := scanSaved(t.tx.QueryRow(ctx, "SELECT body, last_seq FROM saved_searches WHERE id = $1", uid(id)))
	return s, translate("postgres.FindSavedSearch", err)
}

// ListSavedSearches implements liaison.Tx.
func (t *Tx) ListSavedSearches(ctx context.Context, userID liaison.ID, p liaison.Page) ([]*liaison.SavedSearch, error) {
	var q query
	if userID != "" {
		q.add("user_id = $%d", uid(userID))
	}
	s, args := q.page("SELECT body, last_seq FROM saved_searches", p)
	return list(ctx, t, "postgres.ListSavedSearches", s, args, scanSaved)
}
