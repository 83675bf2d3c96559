package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"liaison"
	"liaison/match"
	"liaison/policy"
)

// Search limits.
const (
	maxSearchTerms    = 16
	maxTermLength     = 64
	searchPageDefault = 20
	searchPageMax     = 100
	// searchScanMax bounds how many candidates one page decides: a page
	// that finds fewer results than asked stops here and offers a cursor.
	searchScanMax = 2000
	// rankWindow is how many of the newest admitted results a page is
	// ranked among: relevance decides within it, recency across windows.
	rankWindow = 50
	// pointerScan is how many of the newest documents that may give a
	// pointer one page decides for pointers.
	pointerScan = 100
	// pointerLife is how long a pointer's handle can be used to ask for access.
	pointerLife = 30 * 24 * time.Hour
	// pointerItemsMax bounds the items one pointer keeps server-side.
	pointerItemsMax = 200
)

// SearchRequest is one search, as the API and the CLI send it.
type SearchRequest struct {
	Q          string               `json:"q"`
	Identifier string               `json:"identifier,omitempty"` // substring of a plate, phone or number
	Fuzzy      bool                 `json:"fuzzy,omitempty"`      // also match names that sound alike
	Kinds      []liaison.RecordKind `json:"kinds,omitempty"`
	Categories []liaison.Category   `json:"categories,omitempty"`
	Agencies   []liaison.ID         `json:"agencies,omitempty"`
	TLPs       []liaison.TLP        `json:"tlp,omitempty"`
	From       *time.Time           `json:"from,omitempty"`
	To         *time.Time           `json:"to,omitempty"`
	Box        *liaison.BoundingBox `json:"bbox,omitempty"`
	Near       *Near                `json:"near,omitempty"`
	Purpose    liaison.Purpose      `json:"purpose,omitempty"`
	Cursor     string               `json:"cursor,omitempty"`
	Limit      int                  `json:"limit,omitempty"`
}

// Near is a radius around a point.
type Near struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	RadiusM float64 `json:"radius_m"`
}

// SearchResponse is one page of a search.
type SearchResponse struct {
	Results  []*SearchResult    `json:"results"`
	Pointers []*liaison.Pointer `json:"pointers"`
	// Facets count the results in this page's ranking window (the newest
	// admitted results, at most 50 or the page size): only what the
	// searcher may see is ever counted.
	Facets  map[string]map[string]int `json:"facets"`
	Next    string                    `json:"next_cursor,omitempty"`
	Scanned int                       `json:"-"`
	Index   liaison.SearchIndexState  `json:"index"` // the index backlog, for administrators only (zero for others)
}

var validCategory = func() map[liaison.Category]bool {
	m := map[liaison.Category]bool{}
	for _, c := range append(slices.Clone(liaison.CategoriesA), liaison.CategoriesB...) {
		m[c] = true
	}
	return m
}()

// parsedSearch is a validated request.
type parsedSearch struct {
	match  liaison.SearchMatch
	words  []string // the query's words, lower case, for snippets
	ident  string
	before int64 // the ranking window starts below this Seq (0: at the newest)
	offset int   // the page starts this far into the ranked window
	limit  int
	circle *Near
}

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// soundexToken is how a name's sound is indexed and searched.
func soundexToken(w string) string {
	if code := match.Soundex(w); code != "" && len(w) >= 3 {
		return "sx" + strings.ToLower(code)
	}
	return ""
}

func parseSearch(in SearchRequest) (*parsedSearch, error) {
	var p liaison.Problems
	ps := &parsedSearch{limit: in.Limit}
	ws := words(in.Q)
	switch {
	case len(in.Q) > 1000:
		p.Add("q", "must be at most 1000 characters")
	case len(ws) > maxSearchTerms:
		p.Add("q", "has %d words; use at most %d", len(ws), maxSearchTerms)
	}
	seen := map[string]bool{}
	for _, w := range ws {
		if len(w) > maxTermLength {
			p.Add("q", "has a word over %d characters", maxTermLength)
			break
		}
		if seen[w] {
			continue
		}
		seen[w] = true
		t := liaison.TextTerm{Alternatives: []string{w}}
		if in.Fuzzy {
			if sx := soundexToken(w); sx != "" {
				t.Alternatives = append(t.Alternatives, sx)
			}
		}
		ps.match.Terms = append(ps.match.Terms, t)
		ps.words = append(ps.words, w)
	}
	if in.Identifier != "" {
		ps.ident = liaison.NormalizeIdentifier(in.Identifier)
		if n := len([]rune(ps.ident)); n < 3 || n > 64 {
			p.Add("identifier", "must have 3 to 64 letters or digits")
		}
		ps.match.Identifier = ps.ident
	}
	for i, k := range in.Kinds {
		if !liaison.ValidSearchKind(k) {
			p.Add("kinds["+strconv.Itoa(i)+"]", "must be sar, intelligence or case")
		}
	}
	ps.match.Kinds = in.Kinds
	for i, c := range in.Categories {
		if !validCategory[c] {
			p.Add("categories["+strconv.Itoa(i)+"]", "is not an ISE-SAR category")
		}
		ps.match.Categories = append(ps.match.Categories, string(c))
	}
	for i, a := range in.Agencies {
		if !liaison.ValidID(a) {
			p.Add("agencies["+strconv.Itoa(i)+"]", "must be an agency id")
		}
	}
	ps.match.Agencies = in.Agencies
	for i, t := range in.TLPs {
		tl, ok := liaison.ParseTLP(string(t))
		if !ok {
			p.Add("tlp["+strconv.Itoa(i)+"]", "must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
		}
		ps.match.TLPs = append(ps.match.TLPs, tl)
	}
	if in.From != nil {
		ps.match.From = in.From.UTC()
	}
	if in.To != nil {
		ps.match.To = in.To.UTC()
		if in.From != nil && !in.To.After(*in.From) {
			p.Add("to", "must be after from")
		}
	}
	if b := in.Box; b != nil {
		if b.MinLat < -90 || b.MaxLat > 90 || b.MinLat > b.MaxLat {
			p.Add("bbox", "latitudes must lie in -90..90 with min_lat <= max_lat")
		}
		if b.MinLon < -180 || b.MaxLon > 180 || b.MinLon > b.MaxLon {
			p.Add("bbox", "longitudes must lie in -180..180 with min_lon <= max_lon (an area across the antimeridian is two searches)")
		}
		ps.match.Box = b
	}
	if n := in.Near; n != nil {
		switch {
		case in.Box != nil:
			p.Add("near", "give either bbox or near, not both")
		case n.Lat < -90 || n.Lat > 90 || n.Lon < -180 || n.Lon > 180:
			p.Add("near", "lat must lie in -90..90 and lon in -180..180")
		case n.RadiusM <= 0 || n.RadiusM > 500_000:
			p.Add("near.radius_m", "must be more than 0 and at most 500000 metres")
		default:
			b := liaison.BoxAround(n.Lat, n.Lon, n.RadiusM)
			ps.match.Box, ps.circle = &b, n
		}
	}
	if in.Cursor != "" {
		top, off, ok := strings.Cut(in.Cursor, ".")
		v, err1 := strconv.ParseInt(top, 10, 64)
		o, err2 := strconv.Atoi(off)
		if !ok || err1 != nil || err2 != nil || v <= 0 || o < 0 || o > searchScanMax {
			p.Add("cursor", "is not a cursor this server gave out")
		}
		ps.before, ps.offset = v, o
	}
	switch {
	case in.Limit == 0:
		ps.limit = searchPageDefault
	case in.Limit < 0 || in.Limit > searchPageMax:
		p.Add("limit", "must be between 1 and %d", searchPageMax)
	}
	if len(ps.match.Terms) == 0 && ps.ident == "" && len(in.Kinds) == 0 && len(in.Categories) == 0 && len(in.Agencies) == 0 &&
		len(in.TLPs) == 0 && in.From == nil && in.To == nil && in.Box == nil && in.Near == nil && in.Q == "" {
		p.Add("q", "give words to search for, an identifier, or at least one filter")
	} else if strings.TrimSpace(in.Q) != "" && len(ws) == 0 {
		p.Add("q", "has no letters or digits to search for")
	}
	return ps, p.Err()
}

// Search finds what the caller may see, and pointers to what matches but
// they may not see. Candidates are read newest first from the index, a
// prefilter, and each item is read live and decided by the decision point;
// it is a result only when what the caller is released of it matches. A
// page holds the newest Limit results, ordered by relevance within the
// page. Pointers come from the words and kinds alone (no words, no
// pointers), grouped per holding agency and kind, and tell the holder of
// the hit.
// One audit entry records the search, what it released and what pointers
// it issued; releases outside the caller's agency go into the ledger.
func (s *Service) Search(ctx context.Context, in SearchRequest) (*SearchResponse, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, in.Purpose)
	if err != nil {
		return nil, err
	}
	ps, err := parseSearch(in)
	if err != nil {
		return nil, err
	}
	resp, receipt, err := s.runSearch(ctx, a.User, purpose, ps, 0)
	if err != nil {
		return nil, err
	}
	if err := s.recordSearch(ctx, a.User, purpose, in, resp, receipt, ""); err != nil {
		return nil, err
	}
	return resp, nil
}

// pointerGroup collects the hidden candidates of one agency and kind.
type pointerGroup struct {
	agency   liaison.ID
	kind     liaison.RecordKind
	from, to time.Time
	items    []liaison.ID
}

// runSearch reads candidates and decides them (a read-only transaction),
// in two scans of the index, newest first. The index is a prefilter that
// may only narrow: every candidate's item is read live from the store in
// this transaction (in batches), decided on its live labels, and matched
// against the form the searcher is released of it.
//
//   - results: documents the searcher may possibly see (a prefilter built
//     from the same facts as the decision point), until a ranking window
//     of admitted results (rankWindow, or the page size if larger) or
//     searchScanMax candidates, or, when stopAt > 0, a Seq <= stopAt (a
//     saved search's last run). An item is admitted when the decision on
//     its live labels allows it and it passes every filter as released
//     (parsedSearch.admits). The window is ranked by relevance, newest
//     first among equals, and the page is cut from it. The cursor names
//     the window's top and the offset in it, so the next page ranks the
//     same window; past its end the next window starts below it.
//   - pointers (first page of a window, and only when the search has
//     words): the newest pointerScan documents of other agencies that
//     match the words and the kinds, and nothing else: label, place,
//     time, category, agency and identifier filters never decide a
//     pointer. An item not released to the searcher (refused, or released
//     redacted without the words) gives one when its live labels allow a
//     pointer to this searcher (decider.mayPoint); they are grouped per
//     agency and kind.
func (s *Service) runSearch(ctx context.Context, u *liaison.User, purpose liaison.Purpose, ps *parsedSearch, stopAt int64) (*SearchResponse, *releaseReceipt, error) {
	resp := &SearchResponse{Results: []*SearchResult{}, Pointers: []*liaison.Pointer{}, Facets: map[string]map[string]int{}}
	var receipt *releaseReceipt
	type admittedDoc struct {
		c    *liaison.SearchCandidate
		li   *searchItem
		dec  policy.Decision
		form *releasedForm
	}
	window := max(ps.limit, rankWindow)
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, u)
		if err != nil {
			return err
		}
		d := &decider{s: s, sub: sub, purpose: purpose, now: s.now(), cache: map[string]policy.Decision{}, granted: map[liaison.ID]bool{}}
		vis := &liaison.Visibility{Agency: u.AgencyID, Communities: sub.Communities, UserID: u.ID}
		for _, g := range sub.Grants {
			d.granted[g.ItemID] = true
			vis.Granted = append(vis.Granted, g.ItemID)
		}
		st, err := tx.SearchIndexState(ctx)
		if err != nil {
			return err
		}
		if u.Has(liaison.RoleAdmin) {
			// The index's backlog counts every agency's writes: for
			// administrators, not a clock on other agencies' activity.
			resp.Index = liaison.SearchIndexState{Pending: st.Pending, Oldest: st.Oldest}
		}
		top := ps.before
		if top == 0 {
			top = st.MaxSeq + 1
		}
		live := liveItems{}
		// scan reads candidates of m newest first, and their live items,
		// calling keep for each until it returns false or max candidates
		// were read; it reports the last Seq read and whether the index
		// ran out.
		scan := func(m liaison.SearchMatch, first, max int, keep func(*liaison.SearchCandidate, *searchItem) bool) (last int64, exhausted bool, err error) {
			read := 0
			for batch := first; ; batch = min(2*batch, max-read) {
				m.Limit = batch
				cands, err := tx.SearchCandidates(ctx, m)
				if err != nil {
					return 0, false, err
				}
				use := cands
				for i, c := range cands {
					if stopAt > 0 && c.Seq <= stopAt {
						use = cands[:i]
						break
					}
				}
				stopped := len(use) < len(cands)
				use = use[:min(len(use), max-read)]
				if err := live.load(ctx, tx, use); err != nil {
					return 0, false, err
				}
				for _, c := range use {
					read++
					last = c.Seq
					if !keep(c, live.get(c)) || read >= max {
						return last, false, nil
					}
				}
				if stopped || len(cands) < batch {
					return last, true, nil
				}
				m.Before = last
			}
		}
		m := ps.match
		m.Before, m.Visible = ps.before, vis
		var admitted []admittedDoc
		// Most candidates the prefilter passes are admitted: ask for a
		// quarter more than the window, then double.
		last, exhausted, err := scan(m, window+window/4+8, searchScanMax, func(c *liaison.SearchCandidate, li *searchItem) bool {
			resp.Scanned++
			if li == nil {
				return true // gone since it was indexed
			}
			dec := d.decide(li)
			if !dec.Allow {
				return true
			}
			a := admittedDoc{c: c, li: li, dec: dec}
			form := func() releasedForm {
				if a.form == nil {
					f := searchForm(li, dec)
					a.form = &f
				}
				return *a.form
			}
			if ps.admits(li, dec, form) {
				admitted = append(admitted, a)
			}
			return len(admitted) < window
		})
		if err != nil {
			return err
		}
		// Relevance within the window; newest first among equals.
		if len(ps.match.Terms) > 0 && len(admitted) > 1 {
			seqs := make([]int64, len(admitted))
			for i, a := range admitted {
				seqs[i] = a.c.Seq
			}
			scores, err := tx.ScoreSearch(ctx, ps.match.Terms, seqs)
			if err != nil {
				return err
			}
			for _, a := range admitted {
				// The index scores the whole text, masked names included:
				// an item released redacted is ranked by recency alone, so
				// neither its score nor its place tells what was withheld.
				if a.dec.Redaction == policy.Full {
					a.c.Score = scores[a.c.Seq]
				} else {
					a.c.Score = 0
				}
			}
		}
		sort.SliceStable(admitted, func(i, j int) bool {
			ci, cj := admitted[i].c, admitted[j].c
			if ci.Score != cj.Score {
				return ci.Score > cj.Score
			}
			return ci.Seq > cj.Seq
		})
		// Facets count the released results, by their live labels.
		for _, a := range admitted {
			facet(resp.Facets, "kind", string(a.li.kind))
			facet(resp.Facets, "agency", a.li.agency)
			facet(resp.Facets, "tlp", string(a.li.tlp))
			for _, c := range a.li.categories {
				facet(resp.Facets, "category", c)
			}
		}
		end := min(len(admitted), ps.offset+ps.limit)
		var page []admittedDoc
		var items []liveItem
		for _, a := range admitted[min(ps.offset, end):end] {
			page = append(page, a)
			if a.li.kind != liaison.KindCase {
				items = append(items, a.li.live())
			}
		}
		// The page leaves through release: decided again on the live
		// items, redacted, and its receipt (audit entry naming every item,
		// ledger rows) written with the search's pointers.
		var rel []released
		rel, receipt = s.prepareRelease(ctx, releaseRequest{sub: sub, action: policy.Search, purpose: purpose, audit: "search",
			objectType: "search"}, items)
		forms := map[liaison.ID]released{}
		for _, r := range rel {
			if r.record != nil {
				forms[r.record.ID] = r
			} else {
				forms[r.sar.ID] = r
			}
		}
		for _, a := range page {
			if a.li.kind == liaison.KindCase {
				receipt.name(a.li.id)
				resp.Results = append(resp.Results, searchResult(a.c, a.li, released{dec: a.dec}, ps))
			} else if r, ok := forms[a.li.id]; ok {
				resp.Results = append(resp.Results, searchResult(a.c, a.li, r, ps))
			}
		}
		switch {
		case end < len(admitted):
			resp.Next = strconv.FormatInt(top, 10) + "." + strconv.Itoa(end)
		case !exhausted && last > 0:
			resp.Next = strconv.FormatInt(last, 10) + ".0"
		}
		if ps.offset > 0 {
			return nil // the window's pointers came with its first page
		}
		if len(ps.match.Terms) == 0 {
			// A search without words gives no pointers: a filter alone
			// (a label, a place, a time, an identifier) would make the
			// pointer an oracle for it, and "an agency holds something of
			// this kind" answers no question.
			return nil
		}
		groups := map[string]*pointerGroup{}
		var order []string
		pm := liaison.SearchMatch{Terms: ps.match.Terms, Kinds: ps.match.Kinds, Before: ps.before, PointersFor: u.AgencyID}
		if _, _, err := scan(pm, pointerScan, pointerScan, func(c *liaison.SearchCandidate, li *searchItem) bool {
			resp.Scanned++
			if li == nil || !d.mayPoint(li) {
				return true
			}
			if d.decide(li).Allow {
				// Released to the searcher, in any form: a result, or
				// filtered out, never a pointer. A pointer to an item read
				// redacted would tell whether a masked value matched.
				return true
			}
			key := li.agency + "|" + string(li.kind)
			g := groups[key]
			if g == nil {
				g = &pointerGroup{agency: li.agency, kind: li.kind, from: li.occurred, to: li.occurred}
				groups[key] = g
				order = append(order, key)
			}
			if li.occurred.Before(g.from) {
				g.from = li.occurred
			}
			if li.occurred.After(g.to) {
				g.to = li.occurred
			}
			if len(g.items) < pointerItemsMax {
				g.items = append(g.items, li.id)
			}
			return true
		}); err != nil {
			return err
		}
		now := s.now()
		names := map[liaison.ID]*liaison.Agency{}
		if len(order) > 4 {
			ags, err := tx.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
			if err != nil {
				return err
			}
			for _, a := range ags {
				names[a.ID] = a
			}
		}
		for _, key := range order {
			g := groups[key]
			ag := names[g.agency]
			if ag == nil {
				if ag, err = tx.FindAgencyByID(ctx, g.agency); err != nil {
					return err
				}
			}
			p := &liaison.Pointer{ID: liaison.NewID(), UserID: u.ID, AgencyID: g.agency, Agency: ag.Name, Kind: g.kind,
				From: liaison.MonthStart(g.from), To: liaison.MonthStart(g.to), Items: g.items,
				Created: now, ExpiresAt: now.Add(pointerLife)}
			if len(ag.Contacts) > 0 {
				c := ag.Contacts[0]
				p.Contact = &c
			}
			resp.Pointers = append(resp.Pointers, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return resp, receipt, nil
}

func facet(f map[string]map[string]int, name, value string) {
	if f[name] == nil {
		f[name] = map[string]int{}
	}
	f[name][value]++
}

// distanceM is the great-circle distance in metres.
func distanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6_371_000
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// matchedEntities returns the subjects whose values contain a query word
// or the identifier.
func matchedEntities(es []liaison.Entity, ps *parsedSearch) []liaison.Entity {
	var out []liaison.Entity
	for _, e := range es {
		hit := false
		var vals []string
		for _, v := range e.Attributes {
			vals = append(vals, v)
		}
		for _, v := range vals {
			if v == policy.Masked {
				continue
			}
			lw := words(v)
			for _, w := range ps.words {
				if slices.Contains(lw, w) {
					hit = true
				}
			}
			if ps.ident != "" && strings.Contains(liaison.NormalizeIdentifier(v), ps.ident) {
				hit = true
			}
		}
		if hit {
			out = append(out, e)
		}
	}
	return out
}

// snippet returns up to n bytes of text around the first query word, cut
// at word boundaries, from the redacted text only.
func snippet(texts []string, ws []string, n int) string {
	text := strings.Join(slices.DeleteFunc(slices.Clone(texts), func(s string) bool { return strings.TrimSpace(s) == "" }), " … ")
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= n {
		return text
	}
	lower := strings.ToLower(text)
	at := -1
	for _, w := range ws {
		stem := w
		if len(stem) > 5 {
			stem = stem[:len(stem)-2] // "photographed" is found as "photograph"
		}
		if i := strings.Index(lower, stem); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	start := 0
	if at > n/3 {
		start = at - n/3
		for start < len(text) && text[start] != ' ' {
			start++
		}
	}
	end := min(len(text), start+n)
	for end < len(text) && end > start && text[end] != ' ' {
		end--
	}
	out := strings.TrimSpace(text[start:end])
	if start > 0 {
		out = "… " + out
	}
	if end < len(text) {
		out += " …"
	}
	return out
}

// hitNotices remembers when a holder was last told of a searcher's hit,
// so repeating a search does not flood the holder's inbox. It is per node
// and forgets entries older than a day once it holds many.
var hitNotices = struct {
	sync.Mutex
	at map[string]time.Time // user|agency|kind -> last notice
}{at: map[string]time.Time{}}

const hitNoticeEvery = 24 * time.Hour

// hitNoticeDue reports whether key's holder should be told now, and if so
// records that it was.
func hitNoticeDue(key string, now time.Time) bool {
	hitNotices.Lock()
	defer hitNotices.Unlock()
	if last, ok := hitNotices.at[key]; ok && now.Sub(last) < hitNoticeEvery && !now.Before(last) {
		return false
	}
	if len(hitNotices.at) >= 100_000 {
		for k, t := range hitNotices.at {
			if now.Sub(t) >= hitNoticeEvery {
				delete(hitNotices.at, k)
			}
		}
	}
	hitNotices.at[key] = now
	return true
}

// recordSearch audits the search, ledgers its releases, stores its
// pointers and tells the holding agencies of the hits, in one transaction.
// saved names the saved search that ran, if any.
func (s *Service) recordSearch(ctx context.Context, u *liaison.User, purpose liaison.Purpose, in SearchRequest, resp *SearchResponse, receipt *releaseReceipt, saved liaison.ID) error {
	now := s.now()
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := receipt.event
		e.ObjectID = saved
		q, _ := json.Marshal(in)
		var pts []string
		for _, p := range resp.Pointers {
			pts = append(pts, p.ID+"="+p.AgencyID+":"+string(p.Kind))
		}
		e.Details["query"], e.Details["scanned"], e.Details["pointers"] = string(q), itoa(resp.Scanned), strings.Join(pts, ",")
		if err := s.writeRelease(ctx, tx, receipt); err != nil {
			return err
		}
		if err := tx.CreatePointers(ctx, resp.Pointers); err != nil {
			return err
		}
		return s.noticeHits(ctx, tx, u, resp.Pointers, now)
	})
	if err != nil {
		return err
	}
	s.kick()
	return nil
}

// noticeHits tells each holding agency's supervisors that a searcher hit
// their holdings: who searched and from which agency, never what.
func (s *Service) noticeHits(ctx context.Context, tx liaison.Tx, u *liaison.User, ps []*liaison.Pointer, now time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	ag, err := tx.FindAgencyByID(ctx, u.AgencyID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if !hitNoticeDue(u.ID+"|"+p.AgencyID+"|"+string(p.Kind), now) {
			continue
		}
		sups, err := tx.ListUsers(ctx, liaison.UserFilter{AgencyID: p.AgencyID, Role: liaison.RoleSupervisor}, liaison.Page{Limit: liaison.MaxPageSize})
		if err != nil {
			return err
		}
		for _, sup := range sups {
			m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: sup.ID, Kind: "search_hit", Created: now,
				Title: fmt.Sprintf("%s (%s) searched and matched your %s holdings", u.Name, ag.Name, kindNoun(p.Kind)),
				Body: fmt.Sprintf("A search by %s of %s matched %s your agency holds that they may not read. They were given a pointer to you "+
					"and may ask for access; you decide any request. Contact: %s.", u.Name, ag.Name, kindNoun(p.Kind), userContact(u)),
				RefKind: "pointer", Ref: p.ID}
			if err := s.deliver(ctx, tx, m); err != nil {
				return err
			}
		}
		e := liaison.NewAuditEvent(ctx, now, "search.hit", "pointer", p.ID)
		e.Details = map[string]string{"holder": p.AgencyID, "kind": string(p.Kind), "searcher_agency": u.AgencyID}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

func kindNoun(k liaison.RecordKind) string {
	switch k {
	case liaison.KindSAR:
		return "suspicious activity reports"
	case liaison.KindIntelligence:
		return "intelligence records"
	case liaison.KindCase:
		return "cases"
	}
	return string(k)
}

func userContact(u *liaison.User) string {
	parts := []string{u.Name}
	if u.Email != "" {
		parts = append(parts, u.Email)
	}
	return strings.Join(parts, ", ")
}
