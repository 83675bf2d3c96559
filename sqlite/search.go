package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"liaison"
)

// QueueSearch implements liaison.Tx.
func (t *Tx) QueueSearch(ctx context.Context, refs []liaison.SearchRef) error {
	now := us(time.Now().UTC())
	for _, r := range refs {
		if err := t.exec(ctx, "sqlite.QueueSearch", "", "", false,
			"INSERT INTO search_queue (kind, item_id, queued) VALUES (?, ?, ?)", r.Kind, r.ItemID, now); err != nil {
			return err
		}
	}
	return nil
}

// ListSearchQueue implements liaison.Tx.
func (t *Tx) ListSearchQueue(ctx context.Context, limit int) ([]*liaison.SearchQueued, error) {
	return list(ctx, t, "sqlite.ListSearchQueue", "SELECT id, kind, item_id, queued FROM search_queue ORDER BY id LIMIT ?",
		[]any{limit}, func(s scanner) (*liaison.SearchQueued, error) {
			var q liaison.SearchQueued
			var at int64
			err := s.Scan(&q.ID, &q.Kind, &q.ItemID, &at)
			q.At = fromUS(at)
			return &q, err
		})
}

// DeleteSearchQueue implements liaison.Tx.
func (t *Tx) DeleteSearchQueue(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if err := t.exec(ctx, "sqlite.DeleteSearchQueue", "", "", false, "DELETE FROM search_queue WHERE id = ?", id); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) deleteSearchDoc(ctx context.Context, op string, r liaison.SearchRef) error {
	var seq int64
	err := t.queryRowContext(ctx, "SELECT seq FROM search_docs WHERE kind = ? AND item_id = ?", r.Kind, r.ItemID).Scan(&seq)
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return translate(op, err, "", "")
	}
	for _, q := range []string{"DELETE FROM search_fts WHERE rowid = ?", "DELETE FROM search_ids WHERE rowid = ?", "DELETE FROM search_docs WHERE seq = ?"} {
		if err := t.exec(ctx, op, "", "", false, q, seq); err != nil {
			return err
		}
	}
	return nil
}

// PutSearchDocs implements liaison.Tx.
func (t *Tx) PutSearchDocs(ctx context.Context, docs []*liaison.SearchDoc) error {
	const op = "sqlite.PutSearchDocs"
	for _, d := range docs {
		if err := t.deleteSearchDoc(ctx, op, liaison.SearchRef{Kind: d.Kind, ItemID: d.ItemID}); err != nil {
			return err
		}
		res, err := t.execContext(ctx, `INSERT INTO search_docs (kind, item_id, agency_id, state, tlp, handling, recipients,
			shared_with, case_id, pointer, occurred, categories, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Kind, d.ItemID, d.AgencyID, d.State, d.TLP, d.Handling, mustJSON(orEmpty(d.Recipients)), mustJSON(orEmpty(d.SharedWith)),
			d.CaseID, d.Pointer, us(d.Occurred), categoryText(d.Categories), d.Lat, d.Lon)
		if err != nil {
			return translate(op, err, "", "")
		}
		if d.Seq, err = res.LastInsertId(); err != nil {
			return translate(op, err, "", "")
		}
		if err := t.exec(ctx, op, "", "", false, "INSERT INTO search_fts (rowid, title, body, names, acl) VALUES (?, ?, ?, ?, ?)",
			d.Seq, d.Title, d.Body, d.Names, d.AccessTokens()); err != nil {
			return err
		}
		if d.Identifiers != "" {
			if err := t.exec(ctx, op, "", "", false, "INSERT INTO search_ids (rowid, ids) VALUES (?, ?)", d.Seq, d.Identifiers); err != nil {
				return err
			}
		}
	}
	return nil
}

func orEmpty(ids []liaison.ID) []liaison.ID {
	if ids == nil {
		return []liaison.ID{}
	}
	return ids
}

// categoryText stores categories space-separated with a space at each end,
// so one is found with instr(categories, ' name ').
func categoryText(cs []string) string {
	if len(cs) == 0 {
		return " "
	}
	return " " + strings.Join(cs, " ") + " "
}

// DeleteSearchDocs implements liaison.Tx.
func (t *Tx) DeleteSearchDocs(ctx context.Context, refs []liaison.SearchRef) error {
	for _, r := range refs {
		if err := t.deleteSearchDoc(ctx, "sqlite.DeleteSearchDocs", r); err != nil {
			return err
		}
	}
	return nil
}

// ftsQuote quotes one word for an FTS5 query string.
func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// FTSQuery renders terms as an FTS5 query over the text columns: every
// term, any of its alternatives.
func FTSQuery(terms []liaison.TextTerm) string {
	return "{title body names} : (" + ftsTerms(terms) + ")"
}

// ftsTerms renders terms without a column filter.
func ftsTerms(terms []liaison.TextTerm) string {
	parts := make([]string, 0, len(terms))
	for _, tm := range terms {
		alts := make([]string, len(tm.Alternatives))
		for i, a := range tm.Alternatives {
			alts[i] = ftsQuote(a)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, " AND ")
}

// anyACL renders "the acl column holds one of these tokens".
func anyACL(toks []string) string {
	return "{acl} : (" + strings.Join(toks, " OR ") + ")"
}

const searchCols = `d.seq, d.kind, d.item_id, d.agency_id, d.state, d.tlp, d.handling, d.recipients, d.shared_with,
	d.case_id, d.pointer, d.occurred, d.categories, d.lat, d.lon`

// SearchCandidates implements liaison.Tx. With words, FTS5 drives the
// query in rowid order (newest first), which it answers without scoring
// every match and stops at the limit. Scores are not computed here: FTS5's
// bm25() counts every document containing each word, once per query,
// which cost 84 ms for two common words over 1M documents; ScoreSearch
// scores the ranking window instead. With only an identifier the trigram index drives; with neither,
// the documents table.
func (t *Tx) SearchCandidates(ctx context.Context, m liaison.SearchMatch) ([]*liaison.SearchCandidate, error) {
	var q query
	var from, order, score string
	switch {
	case len(m.Terms) > 0:
		from, order, score = "search_fts f JOIN search_docs d ON d.seq = f.rowid", "f.rowid", "0.0"
		expr := FTSQuery(m.Terms)
		if v := m.Visible; v != nil && len(v.Granted) == 0 {
			toks := v.VisibleTokens()
			expr += " AND " + anyACL(toks)
			m.Visible = nil // decided inside FTS5
		}
		if len(m.Categories) > 0 {
			toks := make([]string, len(m.Categories))
			for i, c := range m.Categories {
				toks[i] = liaison.AccessToken("k", c)
			}
			expr += " AND " + anyACL(toks)
			m.Categories = nil
		}
		q.add("search_fts MATCH ?", expr)
		if m.Identifier != "" {
			q.add("d.seq IN (SELECT rowid FROM search_ids WHERE search_ids MATCH ?)", ftsQuote(m.Identifier))
		}
	case m.Identifier != "":
		from, order, score = "search_ids i JOIN search_docs d ON d.seq = i.rowid", "i.rowid", "1.0"
		q.add("search_ids MATCH ?", ftsQuote(m.Identifier))
	default:
		from, order, score = "search_docs d", "d.seq", "0.0"
	}
	if m.Before > 0 {
		q.add(order+" < ?", m.Before)
	}
	in(&q, "d.kind", m.Kinds)
	in(&q, "d.agency_id", m.Agencies)
	in(&q, "d.tlp", m.TLPs)
	if len(m.Categories) > 0 {
		var ors []string
		var args []any
		for _, c := range m.Categories {
			ors = append(ors, "instr(d.categories, ?) > 0")
			args = append(args, " "+c+" ")
		}
		q.add("("+strings.Join(ors, " OR ")+")", args...)
	}
	if !m.From.IsZero() {
		q.add("d.occurred >= ?", us(m.From))
	}
	if !m.To.IsZero() {
		q.add("d.occurred < ?", us(m.To))
	}
	if v := m.Visible; v != nil {
		ors := []string{"d.agency_id = ?"}
		args := []any{v.Agency}
		if v.UserID != "" {
			ors = append(ors, "instr(d.recipients, ?) > 0")
			args = append(args, `"`+v.UserID+`"`)
		}
		for _, c := range v.Communities {
			ors = append(ors, "instr(d.shared_with, ?) > 0")
			args = append(args, `"`+c+`"`)
		}
		if len(v.Granted) > 0 {
			ors = append(ors, "d.item_id IN (?"+strings.Repeat(", ?", len(v.Granted)-1)+")")
			for _, g := range v.Granted {
				args = append(args, g)
			}
		}
		q.add("("+strings.Join(ors, " OR ")+")", args...)
	}
	if m.PointersFor != "" {
		q.add("d.pointer = 1 AND d.agency_id <> ?", m.PointersFor)
	}
	if b := m.Box; b != nil {
		q.add("d.lat BETWEEN ? AND ? AND d.lon BETWEEN ? AND ?", b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	s := "SELECT " + searchCols + ", " + score + " FROM " + from
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	s += " ORDER BY " + order + " DESC LIMIT ?"
	return list(ctx, t, "sqlite.SearchCandidates", s, append(q.args, m.Limit), scanCandidate)
}

func scanCandidate(s scanner) (*liaison.SearchCandidate, error) {
	var c liaison.SearchCandidate
	var rec, shared, cats string
	var occurred int64
	var lat, lon sql.NullFloat64
	if err := s.Scan(&c.Seq, &c.Kind, &c.ItemID, &c.AgencyID, &c.State, &c.TLP, &c.Handling, &rec, &shared,
		&c.CaseID, &c.Pointer, &occurred, &cats, &lat, &lon, &c.Score); err != nil {
		return nil, err
	}
	c.Occurred = fromUS(occurred)
	if err := json.Unmarshal([]byte(rec), &c.Recipients); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(shared), &c.SharedWith); err != nil {
		return nil, err
	}
	c.Categories = strings.Fields(cats)
	if lat.Valid && lon.Valid {
		c.Lat, c.Lon = &lat.Float64, &lon.Float64
	}
	return &c, nil
}

// SearchIndexState implements liaison.Tx.
func (t *Tx) SearchIndexState(ctx context.Context) (*liaison.SearchIndexState, error) {
	var st liaison.SearchIndexState
	var oldest sql.NullInt64
	err := t.tx.QueryRowContext(ctx, "SELECT count(*), min(queued) FROM search_queue").Scan(&st.Pending, &oldest)
	if err == nil && oldest.Valid {
		st.Oldest = fromUS(oldest.Int64)
	}
	if err == nil {
		err = t.tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM search_docs").Scan(&st.MaxSeq)
	}
	return &st, translate("sqlite.SearchIndexState", err, "", "")
}

// CreatePointers implements liaison.Tx.
func (t *Tx) CreatePointers(ctx context.Context, ps []*liaison.Pointer) error {
	for _, p := range ps {
		if err := t.exec(ctx, "sqlite.CreatePointers", "id", "user_id", false,
			"INSERT INTO pointers (id, user_id, body, created) VALUES (?, ?, ?, ?)", p.ID, p.UserID, mustJSON(pointerRow(p)), us(p.Created)); err != nil {
			return err
		}
	}
	return nil
}

// pointerJSON stores the fields a pointer hides from its JSON form.
type pointerJSON struct {
	*liaison.Pointer
	UserID liaison.ID   `json:"user_id"`
	Items  []liaison.ID `json:"items"`
	Query  string       `json:"query"`
}

func pointerRow(p *liaison.Pointer) pointerJSON {
	return pointerJSON{Pointer: p, UserID: p.UserID, Items: p.Items, Query: p.Query}
}

// FindPointer implements liaison.Tx.
func (t *Tx) FindPointer(ctx context.Context, id liaison.ID) (*liaison.Pointer, error) {
	var body string
	if err := t.tx.QueryRowContext(ctx, "SELECT body FROM pointers WHERE id = ?", id).Scan(&body); err != nil {
		return nil, translate("sqlite.FindPointer", err, "", "")
	}
	return decodePointer(body)
}

func decodePointer(body string) (*liaison.Pointer, error) {
	p := &liaison.Pointer{}
	row := pointerJSON{Pointer: p}
	if err := json.Unmarshal([]byte(body), &row); err != nil {
		return nil, err
	}
	p.UserID, p.Items, p.Query = row.UserID, row.Items, row.Query
	return p, nil
}

// CreateAccessRequest implements liaison.Tx.
func (t *Tx) CreateAccessRequest(ctx context.Context, r *liaison.AccessRequest) error {
	return t.exec(ctx, "sqlite.CreateAccessRequest", "id", "requester_id", false,
		"INSERT INTO access_requests (id, requester_id, holder_id, state, due, escalated, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.RequesterID, r.HolderAgency, r.State, us(r.Due), boolInt(!r.Escalated.IsZero()), mustJSON(r))
}

// UpdateAccessRequest implements liaison.Tx.
func (t *Tx) UpdateAccessRequest(ctx context.Context, r *liaison.AccessRequest) error {
	return t.exec(ctx, "sqlite.UpdateAccessRequest", "", "", true,
		"UPDATE access_requests SET state = ?, due = ?, escalated = ?, body = ? WHERE id = ?",
		r.State, us(r.Due), boolInt(!r.Escalated.IsZero()), mustJSON(r), r.ID)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FindAccessRequest implements liaison.Tx.
func (t *Tx) FindAccessRequest(ctx context.Context, id liaison.ID) (*liaison.AccessRequest, error) {
	r, err := scanBody[liaison.AccessRequest](t.tx.QueryRowContext(ctx, "SELECT body FROM access_requests WHERE id = ?", id))
	return r, translate("sqlite.FindAccessRequest", err, "", "")
}

// ListAccessRequests implements liaison.Tx.
func (t *Tx) ListAccessRequests(ctx context.Context, f liaison.AccessRequestFilter, p liaison.Page) ([]*liaison.AccessRequest, error) {
	var q query
	if f.RequesterID != "" {
		q.add("requester_id = ?", f.RequesterID)
	}
	if f.HolderAgency != "" {
		q.add("holder_id = ?", f.HolderAgency)
	}
	in(&q, "state", f.States)
	if !f.DueBefore.IsZero() {
		q.add("state = 'pending' AND escalated = 0 AND due < ?", us(f.DueBefore))
	}
	s, args := q.page("SELECT body FROM access_requests", p)
	return list(ctx, t, "sqlite.ListAccessRequests", s, args, scanBody[liaison.AccessRequest])
}

// CreateGrant implements liaison.Tx.
func (t *Tx) CreateGrant(ctx context.Context, g *liaison.Grant) error {
	return t.exec(ctx, "sqlite.CreateGrant", "id", "user_id", false,
		"INSERT INTO grants (id, user_id, holder_id, expires, revoked, body) VALUES (?, ?, ?, ?, ?, ?)",
		g.ID, g.UserID, g.Holder, us(g.Expires), boolInt(!g.Revoked.IsZero()), mustJSON(g))
}

// UpdateGrant implements liaison.Tx.
func (t *Tx) UpdateGrant(ctx context.Context, g *liaison.Grant) error {
	return t.exec(ctx, "sqlite.UpdateGrant", "", "", true,
		"UPDATE grants SET expires = ?, revoked = ?, body = ? WHERE id = ?", us(g.Expires), boolInt(!g.Revoked.IsZero()), mustJSON(g), g.ID)
}

// FindGrant implements liaison.Tx.
func (t *Tx) FindGrant(ctx context.Context, id liaison.ID) (*liaison.Grant, error) {
	g, err := scanBody[liaison.Grant](t.tx.QueryRowContext(ctx, "SELECT body FROM grants WHERE id = ?", id))
	return g, translate("sqlite.FindGrant", err, "", "")
}

// ListGrants implements liaison.Tx.
func (t *Tx) ListGrants(ctx context.Context, f liaison.GrantFilter, p liaison.Page) ([]*liaison.Grant, error) {
	var q query
	if f.UserID != "" {
		q.add("user_id = ?", f.UserID)
	}
	if f.Holder != "" {
		q.add("holder_id = ?", f.Holder)
	}
	if !f.ActiveAt.IsZero() {
		q.add("revoked = 0 AND expires > ?", us(f.ActiveAt))
	}
	s, args := q.page("SELECT body FROM grants", p)
	return list(ctx, t, "sqlite.ListGrants", s, args, scanBody[liaison.Grant])
}

// CreateSavedSearch implements liaison.Tx.
func (t *Tx) CreateSavedSearch(ctx context.Context, s *liaison.SavedSearch) error {
	return t.exec(ctx, "sqlite.CreateSavedSearch", "name", "user_id", false,
		"INSERT INTO saved_searches (id, user_id, name, last_seq, body) VALUES (?, ?, ?, ?, ?)",
		s.ID, s.UserID, s.Name, s.LastSeq, mustJSON(s))
}

// UpdateSavedSearch implements liaison.Tx.
func (t *Tx) UpdateSavedSearch(ctx context.Context, s *liaison.SavedSearch) error {
	return t.exec(ctx, "sqlite.UpdateSavedSearch", "name", "", true,
		"UPDATE saved_searches SET name = ?, last_seq = ?, body = ? WHERE id = ?", s.Name, s.LastSeq, mustJSON(s), s.ID)
}

// DeleteSavedSearch implements liaison.Tx.
func (t *Tx) DeleteSavedSearch(ctx context.Context, userID, id liaison.ID) error {
	return t.exec(ctx, "sqlite.DeleteSavedSearch", "", "", true, "DELETE FROM saved_searches WHERE id = ? AND user_id = ?", id, userID)
}

func scanSaved(s scanner) (*liaison.SavedSearch, error) {
	var body string
	var seq int64
	if err := s.Scan(&body, &seq); err != nil {
		return nil, err
	}
	var v liaison.SavedSearch
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil, err
	}
	v.LastSeq = seq
	return &v, nil
}

// FindSavedSearch implements liaison.Tx.
func (t *Tx) FindSavedSearch(ctx context.Context, id liaison.ID) (*liaison.SavedSearch, error) {
	s, err := scanSaved(t.tx.QueryRowContext(ctx, "SELECT body, last_seq FROM saved_searches WHERE id = ?", id))
	return s, translate("sqlite.FindSavedSearch", err, "", "")
}

// ListSavedSearches implements liaison.Tx.
func (t *Tx) ListSavedSearches(ctx context.Context, userID liaison.ID, p liaison.Page) ([]*liaison.SavedSearch, error) {
	var q query
	if userID != "" {
		q.add("user_id = ?", userID)
	}
	s, args := q.page("SELECT body, last_seq FROM saved_searches", p)
	return list(ctx, t, "sqlite.ListSavedSearches", s, args, scanSaved)
}

// ScoreSearch implements liaison.Tx without bm25 (see SearchCandidates):
// every word in the title or names scores 2, the words as a phrase
// anywhere 1 more. (A third query, every word in the title alone, cost a
// third of the scoring time and changed no judged ranking.) Each is one FTS5 query
// bounded to the window's rowid range, which FTS5 answers by seeking.
func (t *Tx) ScoreSearch(ctx context.Context, terms []liaison.TextTerm, seqs []int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if len(terms) == 0 || len(seqs) == 0 {
		return out, nil
	}
	want := make(map[int64]bool, len(seqs))
	lo, hi := seqs[0], seqs[0]
	for _, s := range seqs {
		want[s] = true
		lo, hi = min(lo, s), max(hi, s)
	}
	expr := ftsTerms(terms)
	queries := []struct {
		match  string
		weight float64
	}{{"{title names} : (" + expr + ")", 2}}
	if len(terms) > 1 {
		var words []string
		for _, tm := range terms {
			if len(tm.Alternatives) > 0 {
				words = append(words, tm.Alternatives[0])
			}
		}
		queries = append(queries, struct {
			match  string
			weight float64
		}{"{title body names} : " + ftsQuote(strings.Join(words, " ")), 1})
	}
	for _, q := range queries {
		rows, err := t.tx.QueryContext(ctx, "SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ?", q.match, lo, hi)
		if err != nil {
			return nil, translate("sqlite.ScoreSearch", err, "", "")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, translate("sqlite.ScoreSearch", err, "", "")
			}
			if want[id] {
				out[id] += q.weight
			}
		}
		if err := rows.Close(); err != nil {
			return nil, translate("sqlite.ScoreSearch", err, "", "")
		}
	}
	return out, nil
}

// DeletePointers implements liaison.Tx.
func (t *Tx) DeletePointers(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.execContext(ctx, "DELETE FROM pointers WHERE created < ?", us(before))
	if err != nil {
		return 0, translate("sqlite.DeletePointers", err, "", "")
	}
	n, err := res.RowsAffected()
	return n, translate("sqlite.DeletePointers", err, "", "")
}

// FindSARs implements liaison.Tx.
func (t *Tx) FindSARs(ctx context.Context, ids []liaison.ID) ([]*liaison.SAR, error) {
	if len(ids) == 0 {
		return []*liaison.SAR{}, nil
	}
	var q query
	in(&q, "id", ids)
	return list(ctx, t, "sqlite.FindSARs", "SELECT body FROM sars WHERE "+q.where[0], q.args, scanSAR)
}

// FindIntelRecords implements liaison.Tx.
func (t *Tx) FindIntelRecords(ctx context.Context, ids []liaison.ID) ([]*liaison.IntelRecord, error) {
	if len(ids) == 0 {
		return []*liaison.IntelRecord{}, nil
	}
	var q query
	in(&q, "id", ids)
	return list(ctx, t, "sqlite.FindIntelRecords", "SELECT body FROM intel_records WHERE "+q.where[0], q.args, scanIntel)
}
