package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
)

// Search decides on live items. The index is a prefilter that may only
// narrow: its copy of an item's labels can be stale (a record narrowed, a
// report withdrawn since it was indexed), so every candidate it returns is
// read from the store in the search's transaction, decided on its live
// labels, and matched against the form the searcher would be released.

// searchItem is an item as the store holds it now, with the facts search
// decides, filters and points on.
type searchItem struct {
	kind       liaison.RecordKind
	id, agency liaison.ID
	res        *policy.Resource
	// shared is false for a report not (or no longer) in the shared
	// space: its agency's alone in search. Always true for other kinds.
	shared bool
	// pointer says the item may give a pointer at all: shared (a report),
	// not TLP:RED, not no-pointer.
	pointer    bool
	occurred   time.Time
	tlp        liaison.TLP
	categories []string
	lat, lon   *float64
	sar        *liaison.SAR
	intel      *liaison.IntelRecord
	cs         *liaison.Case
}

// live is the item as release takes it.
func (li *searchItem) live() liveItem { return liveItem{rec: li.intel, sar: li.sar} }

func liveSAR(r *liaison.SAR) *searchItem {
	li := &searchItem{kind: liaison.KindSAR, id: r.ID, agency: r.AgencyID, shared: r.State == liaison.SARShared,
		occurred: r.When, tlp: r.TLP, lat: r.Where.Lat, lon: r.Where.Lon, sar: r,
		res: &policy.Resource{ID: r.ID, Kind: liaison.KindSAR, Originator: r.AgencyID, TLP: r.TLP, Handling: liaison.H0,
			SharedWith: r.SharedWith, CaseID: r.CaseID}}
	li.pointer = li.shared && r.TLP != liaison.TLPRed && !r.NoPointer
	for _, c := range r.Categories {
		li.categories = append(li.categories, string(c))
	}
	return li
}

func liveIntel(r *liaison.IntelRecord) *searchItem {
	return &searchItem{kind: liaison.KindIntelligence, id: r.ID, agency: r.Originator, shared: true, occurred: r.Created, tlp: r.TLP,
		pointer: r.TLP != liaison.TLPRed && !r.NoPointer, intel: r, res: resourceOf(r)}
}

func liveCase(c *liaison.Case) *searchItem {
	return &searchItem{kind: liaison.KindCase, id: c.ID, agency: c.AgencyID, shared: true, occurred: c.Created, tlp: liaison.TLPAmber,
		pointer: true, cs: c, res: &policy.Resource{ID: c.ID, Kind: liaison.KindCase, Originator: c.AgencyID, TLP: liaison.TLPAmber,
			Handling: liaison.H0, CaseID: c.ID}}
}

// liveItems reads candidates' items from the store, in batches, once per
// search: nil for an item gone since it was indexed (deleted, purged).
type liveItems map[liaison.SearchRef]*searchItem

func (l liveItems) get(c *liaison.SearchCandidate) *searchItem {
	return l[liaison.SearchRef{Kind: c.Kind, ItemID: c.ItemID}]
}

// load reads the items of cands not read yet: reports and records in one
// query per kind, cases one by one (few, and they have no batch read).
func (l liveItems) load(ctx context.Context, tx liaison.Tx, cands []*liaison.SearchCandidate) error {
	var sarIDs, intelIDs []liaison.ID
	for _, c := range cands {
		ref := liaison.SearchRef{Kind: c.Kind, ItemID: c.ItemID}
		if _, ok := l[ref]; ok {
			continue
		}
		l[ref] = nil
		switch c.Kind {
		case liaison.KindSAR:
			sarIDs = append(sarIDs, c.ItemID)
		case liaison.KindIntelligence:
			intelIDs = append(intelIDs, c.ItemID)
		case liaison.KindCase:
			cs, err := tx.FindCaseByID(ctx, c.ItemID)
			if liaison.ErrorCode(err) == liaison.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			l[ref] = liveCase(cs)
		}
	}
	if len(sarIDs) > 0 {
		rs, err := tx.FindSARs(ctx, sarIDs)
		if err != nil {
			return err
		}
		for _, r := range rs {
			l[liaison.SearchRef{Kind: liaison.KindSAR, ItemID: r.ID}] = liveSAR(r)
		}
	}
	if len(intelIDs) > 0 {
		rs, err := tx.FindIntelRecords(ctx, intelIDs)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if !r.Purged {
				l[liaison.SearchRef{Kind: liaison.KindIntelligence, ItemID: r.ID}] = liveIntel(r)
			}
		}
	}
	return nil
}

// decider decides live items for one searcher, remembering decisions by
// the facts they depend on: most candidates share their labels.
type decider struct {
	s       *Service
	sub     *policy.Subject
	purpose liaison.Purpose
	now     time.Time
	granted map[liaison.ID]bool
	cache   map[string]policy.Decision
}

// decide decides a search's read of li, on its live labels.
func (d *decider) decide(li *searchItem) policy.Decision {
	u := d.sub.User
	if li.kind == liaison.KindSAR && li.agency == u.AgencyID {
		// The originating agency reads its reports in full, as GetSAR does.
		return policy.Decision{Allow: true, Redaction: policy.Full, Policies: []string{"originating-agency"}}
	}
	if !li.shared {
		// Before it is shared, and once withdrawn, a report is its
		// agency's alone in search (the vetting chain works from its queue).
		return policy.Decision{}
	}
	if li.kind == liaison.KindCase && li.agency == u.AgencyID {
		return policy.Decision{Allow: true, Redaction: policy.Full, Policies: []string{"lead-agency"}}
	}
	req := policy.Request{Subject: d.sub, Action: policy.Search, Resource: li.res, Purpose: d.purpose, Now: d.now}
	if d.granted[li.id] || slices.Contains(li.res.Recipients, u.ID) {
		return d.s.Policy.Decide(req)
	}
	r := li.res
	key := string(r.Kind) + "|" + r.Originator + "|" + string(r.TLP) + "|" + string(r.Handling) + "|" + r.CaseID + "|" +
		strings.Join(r.SharedWith, ",") + "|" + strconv.Itoa(len(r.Recipients))
	if dec, ok := d.cache[key]; ok {
		return dec
	}
	dec := d.s.Policy.Decide(req)
	d.cache[key] = dec
	return dec
}

// mayPoint reports whether li may give the searcher a pointer when it is
// not released to them: held by another agency, pointer-eligible on its
// live labels, and, for private-sector and international partners, only
// what an agreement of theirs releases to such partners (a report shared
// to a community the agreement covers, of a kind it covers; never raw
// criminal intelligence to a private partner).
func (d *decider) mayPoint(li *searchItem) bool {
	if li.agency == d.sub.User.AgencyID || !li.pointer {
		return false
	}
	switch d.sub.AgencyKind {
	case liaison.AgencyPrivate:
		return li.kind == liaison.KindSAR && d.releasedToPartners(li, func(a *liaison.Agreement) bool { return a.PrivateRelease })
	case liaison.AgencyInternational:
		return d.releasedToPartners(li, func(a *liaison.Agreement) bool { return a.InternationalRelease })
	}
	return true
}

// releasedToPartners reports whether an agreement in force for the
// searcher's agency, with release, covers a community li is shared to and
// li's kind. The declared purpose does not matter: a pointer only says
// whom to ask.
func (d *decider) releasedToPartners(li *searchItem, release func(*liaison.Agreement) bool) bool {
	for _, a := range d.sub.Agreements {
		if a.Active(d.now) && a.AgencyID == d.sub.User.AgencyID && release(a) && slices.Contains(a.RecordKinds, li.kind) &&
			slices.Contains(d.sub.Communities, a.CommunityID) && slices.Contains(li.res.SharedWith, a.CommunityID) {
			return true
		}
	}
	return false
}

// releasedForm is what a searcher is released of an item, as decided.
type releasedForm struct {
	sar   *liaison.SAR
	intel *liaison.IntelRecord
}

// searchForm redacts li as dec plans, for matching the query against what
// the searcher would be released; what leaves goes through release.
func searchForm(li *searchItem, dec policy.Decision) releasedForm {
	switch li.kind {
	case liaison.KindSAR:
		return releasedForm{sar: policy.RedactSAR(li.sar, dec.Redaction)}
	case liaison.KindIntelligence:
		return releasedForm{intel: policy.Redact(li.intel, dec.Redaction)}
	}
	return releasedForm{}
}

// text is the released text search matches words against: what the index
// holds of the item (title, narrative and why or predicate, subject
// values, a report's address), as released.
func (f releasedForm) text() []string {
	var out []string
	var subjects []liaison.Entity
	switch {
	case f.sar != nil:
		out = append(out, f.sar.Title, f.sar.Narrative, f.sar.Why, f.sar.Where.Address)
		subjects = f.sar.Involved
	case f.intel != nil:
		out = append(out, f.intel.Title, f.intel.Narrative, f.intel.Predicate)
		subjects = f.intel.Subjects
	}
	for _, e := range subjects {
		for _, v := range e.Attributes {
			if v != policy.Masked {
				out = append(out, v)
			}
		}
	}
	return out
}

// wordsMatch reports whether every term's word is in the texts, the way
// the index matches it (any case, a plain English suffix aside). It errs
// towards no match: a word the index matched by a stem this does not know
// gives the redacted reader a pointer instead of a result, never a result
// on text they were not released.
func wordsMatch(terms []liaison.TextTerm, texts []string) bool {
	if len(terms) == 0 {
		return true
	}
	have := map[string]bool{}
	for _, t := range texts {
		for _, w := range words(t) {
			have[w] = true
			have[lightStem(w)] = true
		}
	}
	for _, t := range terms {
		if len(t.Alternatives) == 0 {
			return false
		}
		w := t.Alternatives[0] // the word itself; sound-alike codes only match names, never released redacted
		if !have[w] && !have[lightStem(w)] {
			return false
		}
	}
	return true
}

// lightStem strips one plain English inflection ("photographed",
// "drones", "watching"), keeping at least three letters.
func lightStem(w string) string {
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if strings.HasSuffix(w, suf) && len([]rune(w))-len(suf) >= 3 {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

// admits reports whether an allowed item is a result of the search: its
// live labels pass the filters, and what the searcher is released of it
// matches. A redacted release has no identifiers and no coordinates, so an
// identifier, bbox or near filter never admits it, and its words must be
// in the released text, not only in what redaction removed.
func (ps *parsedSearch) admits(li *searchItem, dec policy.Decision, form func() releasedForm) bool {
	m := ps.match
	if len(m.TLPs) > 0 && !slices.Contains(m.TLPs, li.tlp) {
		return false
	}
	if len(m.Categories) > 0 && !slices.ContainsFunc(li.categories, func(c string) bool { return slices.Contains(m.Categories, c) }) {
		return false
	}
	if (!m.From.IsZero() && li.occurred.Before(m.From)) || (!m.To.IsZero() && !li.occurred.Before(m.To)) {
		return false
	}
	redacted := dec.Redaction != policy.Full
	if m.Box != nil {
		if redacted || li.lat == nil || li.lon == nil || !m.Box.Contains(*li.lat, *li.lon) {
			return false
		}
		if c := ps.circle; c != nil && distanceM(c.Lat, c.Lon, *li.lat, *li.lon) > c.RadiusM {
			return false
		}
	}
	if ps.ident != "" {
		if redacted {
			return false
		}
		var subjects []liaison.Entity
		switch {
		case li.sar != nil:
			subjects = li.sar.Involved
		case li.intel != nil:
			subjects = li.intel.Subjects
		}
		if _, ids := entityText(subjects); !strings.Contains(ids, ps.ident) {
			return false
		}
	}
	if redacted && len(m.Terms) > 0 && !wordsMatch(m.Terms, form().text()) {
		return false
	}
	return true
}
