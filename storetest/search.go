package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"liaison"
)

// testSearch pins the search index and what hangs off it: the queue the
// triggers fill, documents and candidates, pointers, access requests,
// grants and saved searches. The parts share one store and run in order.
func testSearch(t *testing.T, s liaison.Store) {
	for _, part := range []struct {
		name string
		fn   func(*testing.T, liaison.Store)
	}{
		{"Queue", testSearchQueue},
		{"Docs", testSearchDocs},
		{"ManyDocs", testSearchManyDocs},
		{"Pointers", testPointers},
		{"AccessRequests", testAccessRequests},
		{"Grants", testGrants},
		{"SavedSearches", testSavedSearches},
	} {
		if !t.Run(part.name, func(t *testing.T) { part.fn(t, s) }) {
			return
		}
	}
}

func refsOf(qs []*liaison.SearchQueued) []liaison.SearchRef {
	out := []liaison.SearchRef{}
	for _, q := range qs {
		out = append(out, liaison.SearchRef{Kind: q.Kind, ItemID: q.ItemID})
	}
	return out
}

// testSearchQueue pins that writes to reports, records and cases queue
// the item themselves, in the writing transaction, and the queue's calls.
func testSearchQueue(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	start := time.Now()
	queue := func(limit int) []*liaison.SearchQueued {
		var qs []*liaison.SearchQueued
		view(t, s, func(tx liaison.Tx) error {
			var err error
			qs, err = tx.ListSearchQueue(ctx, limit)
			must(t, err)
			return nil
		})
		return qs
	}
	if q := queue(10); q == nil || len(q) != 0 {
		t.Fatalf("queue of an empty store = %#v, want empty non-nil", q)
	}

	pd := NewAgency(1)
	c := &liaison.Case{ID: liaison.NewID(), Title: "Case", AgencyID: pd.ID, Assigned: []liaison.ID{}, Created: epoch, Updated: epoch}
	r := &liaison.IntelRecord{ID: liaison.NewID(), Version: 1, Title: "R", Narrative: "n", Predicate: "p",
		Subjects: []liaison.Entity{}, Links: []liaison.Link{}, LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
		TLP: liaison.TLPGreen, Handling: liaison.H0, Originator: pd.ID, ControlOfficial: liaison.NewID(), CaseID: c.ID,
		Recipients: []liaison.ID{}, SharedWith: []liaison.ID{}, RetainUntil: epoch.AddDate(1, 0, 0), Created: epoch, Updated: epoch}
	mkSAR := func() *liaison.SAR {
		return &liaison.SAR{ID: liaison.NewID(), AgencyID: pd.ID, AuthorID: "a1", Source: liaison.SourceOfficer, Title: "t",
			Narrative: "n", When: epoch, Where: liaison.Place{Address: "1 Main St"}, Categories: []liaison.Category{liaison.CatTheft},
			Involved: []liaison.Entity{}, State: liaison.SARDraft, History: []liaison.SARTransition{}, Created: epoch, Updated: epoch}
	}
	sar := mkSAR()
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, pd))
		must(t, tx.CreateCase(ctx, c))
		must(t, tx.CreateIntelRecord(ctx, r))
		return tx.CreateSAR(ctx, sar)
	}))
	sar.State, sar.Updated = liaison.SARSubmitted, epoch.Add(time.Minute)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSAR(ctx, sar) }))
	// A write that fails queues nothing: the queue is in the transaction.
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSAR(ctx, sar) }), liaison.ECONFLICT, "id")
	bulk := []*liaison.SAR{mkSAR(), mkSAR()}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSARs(ctx, bulk) }))
	c.Title, c.Updated = "Renamed", epoch.Add(time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateCase(ctx, c) }))

	want := []liaison.SearchRef{{Kind: liaison.KindCase, ItemID: c.ID}, {Kind: liaison.KindIntelligence, ItemID: r.ID},
		{Kind: liaison.KindSAR, ItemID: sar.ID}, {Kind: liaison.KindSAR, ItemID: sar.ID},
		{Kind: liaison.KindSAR, ItemID: bulk[0].ID}, {Kind: liaison.KindSAR, ItemID: bulk[1].ID}, {Kind: liaison.KindCase, ItemID: c.ID}}
	all := queue(100)
	equal(t, "queued by the writes", refsOf(all), want)
	for i, q := range all {
		if i > 0 && q.ID <= all[i-1].ID {
			t.Fatalf("queue ids not increasing: %d after %d", q.ID, all[i-1].ID)
		}
		if q.At.Before(start.Add(-time.Minute)) || q.At.After(time.Now().Add(time.Minute)) {
			t.Fatalf("queued at %v, want about now (%v)", q.At, start)
		}
	}
	equal(t, "the oldest two", refsOf(queue(2)), want[:2])

	// A reindex queues items by hand.
	extra := liaison.SearchRef{Kind: liaison.KindIntelligence, ItemID: liaison.NewID()}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.QueueSearch(ctx, []liaison.SearchRef{extra}) }))
	all = queue(100)
	equal(t, "queued by hand", refsOf(all), append(append([]liaison.SearchRef{}, want...), extra))
	view(t, s, func(tx liaison.Tx) error {
		st, err := tx.SearchIndexState(ctx)
		must(t, err)
		if st.Pending != 8 || !st.Oldest.Equal(all[0].At) || st.MaxSeq != 0 {
			t.Fatalf("index state = %+v, want 8 pending since %v, seq 0", st, all[0].At)
		}
		return nil
	})

	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSearchQueue(ctx, []int64{all[0].ID, all[1].ID, -1}) }))
	rest := queue(100)
	equal(t, "after deleting two", refsOf(rest), refsOf(all[2:]))
	view(t, s, func(tx liaison.Tx) error {
		st, err := tx.SearchIndexState(ctx)
		must(t, err)
		if st.Pending != 6 || !st.Oldest.Equal(all[2].At) {
			t.Fatalf("index state = %+v, want 6 pending since %v", st, all[2].At)
		}
		return nil
	})
	ids := []int64{}
	for _, q := range rest {
		ids = append(ids, q.ID)
	}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSearchQueue(ctx, ids) }))
	equal(t, "drained", len(queue(100)), 0)
	view(t, s, func(tx liaison.Tx) error {
		st, err := tx.SearchIndexState(ctx)
		must(t, err)
		if st.Pending != 0 || !st.Oldest.IsZero() {
			t.Fatalf("index state of a drained queue = %+v", st)
		}
		return nil
	})
}

func ptr(f float64) *float64 { return &f }

// indexed is what SearchCandidates gives back of a document: all but the text.
func indexed(d *liaison.SearchDoc) liaison.SearchDoc {
	v := *d
	v.Title, v.Body, v.Names, v.Identifiers = "", "", "", ""
	if v.Recipients == nil {
		v.Recipients = []liaison.ID{}
	}
	if v.SharedWith == nil {
		v.SharedWith = []liaison.ID{}
	}
	if v.Categories == nil {
		v.Categories = []string{}
	}
	return v
}

func seqs(cs []*liaison.SearchCandidate) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.Seq)
	}
	return out
}

func docSeqs(ds ...*liaison.SearchDoc) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

func words(ws ...string) []liaison.TextTerm {
	out := []liaison.TextTerm{}
	for _, w := range ws {
		out = append(out, liaison.TextTerm{Alternatives: []string{w}})
	}
	return out
}

func putDocs(t *testing.T, s liaison.Store, ds ...*liaison.SearchDoc) {
	t.Helper()
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.PutSearchDocs(context.Background(), ds) }))
}

func candidates(t *testing.T, s liaison.Store, m liaison.SearchMatch) []*liaison.SearchCandidate {
	t.Helper()
	var cs []*liaison.SearchCandidate
	view(t, s, func(tx liaison.Tx) error {
		var err error
		cs, err = tx.SearchCandidates(context.Background(), m)
		must(t, err)
		return nil
	})
	if cs == nil {
		t.Fatalf("candidates for %+v = nil, want a non-nil slice", m)
	}
	return cs
}

// searchScores scores the candidates and the documents others for terms.
func searchScores(t *testing.T, s liaison.Store, terms []liaison.TextTerm, cs []*liaison.SearchCandidate, others ...int64) map[int64]float64 {
	t.Helper()
	var score map[int64]float64
	view(t, s, func(tx liaison.Tx) error {
		var err error
		score, err = tx.ScoreSearch(context.Background(), terms, append(seqs(cs), others...))
		must(t, err)
		return nil
	})
	return score
}

func indexState(t *testing.T, s liaison.Store) *liaison.SearchIndexState {
	t.Helper()
	var st *liaison.SearchIndexState
	view(t, s, func(tx liaison.Tx) error {
		var err error
		st, err = tx.SearchIndexState(context.Background())
		must(t, err)
		return nil
	})
	return st
}

// testSearchDocs pins documents and candidates: order, paging, every
// filter, words (stemmed, alternatives), identifiers and scores.
func testSearchDocs(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a1, a2 := liaison.NewID(), liaison.NewID()
	community, reader := liaison.NewID(), liaison.NewID()
	d1 := &liaison.SearchDoc{Kind: liaison.KindSAR, ItemID: liaison.NewID(), AgencyID: a1, State: "shared",
		TLP: liaison.TLPGreen, Handling: liaison.H0, Recipients: []liaison.ID{liaison.NewID()}, SharedWith: []liaison.ID{liaison.NewID(), community},
		Pointer: true, Occurred: epoch.Add(-48 * time.Hour), Categories: []string{"theft"}, Lat: ptr(38.9), Lon: ptr(-77.0),
		Title: "Man photographed the stadium entrance", Body: "He stood near gate four for an hour with a long lens.",
		Names: "John Smith", Identifiers: "CPX4471 2025550100"}
	d2 := &liaison.SearchDoc{Kind: liaison.KindIntelligence, ItemID: liaison.NewID(), AgencyID: a2,
		TLP: liaison.TLPAmber, Handling: liaison.H2, CaseID: liaison.NewID(), Occurred: epoch.Add(-24 * time.Hour),
		Categories: []string{"surveillance", "drone"}, Title: "Flight over the river bridge",
		Body: "A photograph of a drone hovering above the bridge deck was taken by a passer-by."}
	d3 := &liaison.SearchDoc{Kind: liaison.KindCase, ItemID: liaison.NewID(), AgencyID: a1, TLP: liaison.TLPClear,
		Handling: liaison.H0, Pointer: true, Occurred: epoch, Lat: ptr(51.5), Lon: ptr(-0.12),
		Title: "Stadium case", Body: "A white van with a partial plate was seen twice.", Names: "Aisha Khan MDT-7851", Identifiers: "ABC123"}
	d4 := &liaison.SearchDoc{Kind: liaison.KindSAR, ItemID: liaison.NewID(), AgencyID: a2, State: "submitted",
		TLP: liaison.TLPRed, Handling: liaison.H0, Recipients: []liaison.ID{liaison.NewID(), reader}, Occurred: epoch.Add(24 * time.Hour),
		Categories: []string{"drone"}, Lat: ptr(38.95), Lon: ptr(-77.05),
		Title: "Quiet afternoon at the park", Body: "Nothing unusual, though a man photographed the parked vans."}
	putDocs(t, s, d1, d2, d3)
	putDocs(t, s, d4)
	if !(d1.Seq > 0 && d1.Seq < d2.Seq && d2.Seq < d3.Seq && d3.Seq < d4.Seq) {
		t.Fatalf("seqs %d %d %d %d, want increasing", d1.Seq, d2.Seq, d3.Seq, d4.Seq)
	}
	if st := indexState(t, s); st.MaxSeq != d4.Seq {
		t.Fatalf("index state = %+v, want the newest seq %d", st, d4.Seq)
	}
	find := func(m liaison.SearchMatch) []int64 {
		t.Helper()
		if m.Limit == 0 {
			m.Limit = 10
		}
		return seqs(candidates(t, s, m))
	}

	all := candidates(t, s, liaison.SearchMatch{Limit: 10})
	equal(t, "newest first", seqs(all), docSeqs(d4, d3, d2, d1))
	for i, d := range []*liaison.SearchDoc{d4, d3, d2, d1} {
		equal(t, "candidate's document", all[i].SearchDoc, indexed(d))
	}
	equal(t, "limit", find(liaison.SearchMatch{Limit: 2}), docSeqs(d4, d3))
	equal(t, "before", find(liaison.SearchMatch{Before: d3.Seq}), docSeqs(d2, d1))
	var paged []int64
	for m := (liaison.SearchMatch{Limit: 1}); ; {
		page := find(m)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		m.Before = page[0]
	}
	equal(t, "paged one at a time", paged, docSeqs(d4, d3, d2, d1))

	equal(t, "kind", find(liaison.SearchMatch{Kinds: []liaison.RecordKind{liaison.KindSAR}}), docSeqs(d4, d1))
	equal(t, "kinds", find(liaison.SearchMatch{Kinds: []liaison.RecordKind{liaison.KindCase, liaison.KindIntelligence}}), docSeqs(d3, d2))
	equal(t, "agency", find(liaison.SearchMatch{Agencies: []liaison.ID{a2}}), docSeqs(d4, d2))
	equal(t, "tlp", find(liaison.SearchMatch{TLPs: []liaison.TLP{liaison.TLPGreen, liaison.TLPClear}}), docSeqs(d3, d1))
	equal(t, "category", find(liaison.SearchMatch{Categories: []string{"drone"}}), docSeqs(d4, d2))
	equal(t, "any category", find(liaison.SearchMatch{Categories: []string{"theft", "surveillance"}}), docSeqs(d2, d1))
	equal(t, "no such category", find(liaison.SearchMatch{Categories: []string{"dron"}}), []int64{})
	equal(t, "dates, from inclusive and to exclusive", find(liaison.SearchMatch{From: epoch.Add(-24 * time.Hour), To: epoch.Add(24 * time.Hour)}),
		docSeqs(d3, d2))
	equal(t, "from only", find(liaison.SearchMatch{From: epoch}), docSeqs(d4, d3))
	box := liaison.BoxAround(38.9, -77.0, 10_000)
	equal(t, "box", find(liaison.SearchMatch{Box: &box}), docSeqs(d4, d1))
	equal(t, "filters together", find(liaison.SearchMatch{Box: &box, Agencies: []liaison.ID{a1}, Kinds: []liaison.RecordKind{liaison.KindSAR}}),
		docSeqs(d1))

	// The visibility prefilter: the reader's agency, a recipient, a
	// community shared to, a granted item; any of them.
	vis := func(v liaison.Visibility) *liaison.Visibility { return &v }
	elsewhere := liaison.NewID()
	equal(t, "visible: own agency", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: a2})}), docSeqs(d4, d2))
	equal(t, "visible: community", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: elsewhere,
		Communities: []liaison.ID{liaison.NewID(), community}})}), docSeqs(d1))
	equal(t, "visible: recipient", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: elsewhere, UserID: reader})}), docSeqs(d4))
	equal(t, "visible: not a recipient", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: elsewhere, UserID: liaison.NewID()})}),
		[]int64{})
	equal(t, "visible: granted", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: elsewhere,
		Granted: []liaison.ID{d3.ItemID, liaison.NewID()}})}), docSeqs(d3))
	equal(t, "visible: any", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: a2, Communities: []liaison.ID{community},
		Granted: []liaison.ID{d3.ItemID}})}), docSeqs(d4, d3, d2, d1))
	equal(t, "visible: nothing", find(liaison.SearchMatch{Visible: vis(liaison.Visibility{Agency: elsewhere})}), []int64{})
	equal(t, "visible and words", find(liaison.SearchMatch{Terms: words("photographed"), Visible: vis(liaison.Visibility{Agency: a2})}),
		docSeqs(d4, d2))
	equal(t, "visible and identifier", find(liaison.SearchMatch{Identifier: "4471", Visible: vis(liaison.Visibility{Agency: elsewhere,
		Communities: []liaison.ID{community}})}), docSeqs(d1))
	// Pointers: documents that may give one, held by another agency.
	equal(t, "pointers for a2", find(liaison.SearchMatch{PointersFor: a2}), docSeqs(d3, d1))
	equal(t, "pointers for a1", find(liaison.SearchMatch{PointersFor: a1}), []int64{})
	equal(t, "pointers and words", find(liaison.SearchMatch{PointersFor: a2, Terms: words("stadium")}), docSeqs(d3, d1))
	equal(t, "pointers and visible", find(liaison.SearchMatch{PointersFor: elsewhere, Visible: vis(liaison.Visibility{Agency: a1})}),
		docSeqs(d3, d1))

	equal(t, "stemmed", find(liaison.SearchMatch{Terms: words("photographed")}), docSeqs(d4, d2, d1))
	equal(t, "stemmed the other way", find(liaison.SearchMatch{Terms: words("photographs")}), docSeqs(d4, d2, d1))
	equal(t, "every term", find(liaison.SearchMatch{Terms: words("stadium", "john")}), docSeqs(d1))
	equal(t, "names", find(liaison.SearchMatch{Terms: words("aisha")}), docSeqs(d3))
	equal(t, "case-insensitive", find(liaison.SearchMatch{Terms: words("AISHA")}), docSeqs(d3))
	equal(t, "any alternative", find(liaison.SearchMatch{Terms: []liaison.TextTerm{{Alternatives: []string{"drone", "aisha"}}}}),
		docSeqs(d3, d2))
	equal(t, "alternatives and terms", find(liaison.SearchMatch{Terms: []liaison.TextTerm{
		{Alternatives: []string{"drone", "stadium"}}, {Alternatives: []string{"bridge", "john"}}}}), docSeqs(d2, d1))
	equal(t, "no match", find(liaison.SearchMatch{Terms: words("helicopter")}), []int64{})
	equal(t, "words and filters", find(liaison.SearchMatch{Terms: words("photographed"), Kinds: []liaison.RecordKind{liaison.KindSAR}}),
		docSeqs(d4, d1))
	equal(t, "words before", find(liaison.SearchMatch{Terms: words("photographed"), Before: d4.Seq}), docSeqs(d2, d1))
	equal(t, "words and limit", find(liaison.SearchMatch{Terms: words("photographed"), Limit: 2}), docSeqs(d4, d2))
	equal(t, "words and box", find(liaison.SearchMatch{Terms: words("photographed"), Box: &box}), docSeqs(d4, d1))

	equal(t, "identifier substring", find(liaison.SearchMatch{Identifier: "4471"}), docSeqs(d1))
	// A hyphenated plate is found by its parts, as the service splits words.
	equal(t, "plate words", find(liaison.SearchMatch{Terms: words("mdt", "7851")}), docSeqs(d3))
	equal(t, "identifier prefix", find(liaison.SearchMatch{Identifier: "CPX4"}), docSeqs(d1))
	equal(t, "second identifier", find(liaison.SearchMatch{Identifier: "5550100"}), docSeqs(d1))
	equal(t, "identifier inside", find(liaison.SearchMatch{Identifier: "BC12"}), docSeqs(d3))
	equal(t, "no such identifier", find(liaison.SearchMatch{Identifier: "4472"}), []int64{})
	equal(t, "identifier and words", find(liaison.SearchMatch{Identifier: "4471", Terms: words("stadium")}), docSeqs(d1))
	equal(t, "identifier and other words", find(liaison.SearchMatch{Identifier: "4471", Terms: words("drone")}), []int64{})
	equal(t, "identifier and filter", find(liaison.SearchMatch{Identifier: "4471", Agencies: []liaison.ID{a2}}), []int64{})

	// ScoreSearch: a title match outranks a body-only match; a document
	// without the words scores nothing.
	ranked := candidates(t, s, liaison.SearchMatch{Terms: words("photographed"), Limit: 10})
	score := searchScores(t, s, words("photographed"), ranked, d3.Seq)
	if !(score[d1.Seq] > 0 && score[d1.Seq] > score[d4.Seq] && score[d1.Seq] > score[d2.Seq]) || score[d3.Seq] != 0 {
		t.Fatalf("scores: title match %v, body matches %v and %v, no match %v; want the title match highest, no match 0",
			score[d1.Seq], score[d4.Seq], score[d2.Seq], score[d3.Seq])
	}

	// Re-indexing an item replaces its document at a new position.
	old := d1.Seq
	d1.Title, d1.Identifiers, d1.TLP, d1.Categories = "Man filmed the entrance", "XYZ9", liaison.TLPAmber, nil
	putDocs(t, s, d1)
	if d1.Seq <= d4.Seq {
		t.Fatalf("re-indexed seq %d, want after %d", d1.Seq, d4.Seq)
	}
	all = candidates(t, s, liaison.SearchMatch{Limit: 10})
	equal(t, "re-indexed item moves to the front, once", seqs(all), docSeqs(d1, d4, d3, d2))
	equal(t, "its new document", all[0].SearchDoc, indexed(d1))
	equal(t, "old words gone", find(liaison.SearchMatch{Terms: words("stadium")}), docSeqs(d3))
	equal(t, "new words", find(liaison.SearchMatch{Terms: words("filmed")}), docSeqs(d1))
	equal(t, "old identifier gone", find(liaison.SearchMatch{Identifier: "4471"}), []int64{})
	equal(t, "old position gone", find(liaison.SearchMatch{Before: old + 1}), []int64{})
	if st := indexState(t, s); st.MaxSeq != d1.Seq {
		t.Fatalf("index state = %+v, want the newest seq %d", st, d1.Seq)
	}

	// The same item twice in one batch: the last one stays.
	d5 := &liaison.SearchDoc{Kind: liaison.KindCase, ItemID: liaison.NewID(), AgencyID: a1, TLP: liaison.TLPGreen,
		Handling: liaison.H0, Occurred: epoch, Title: "first version"}
	d5b := *d5
	d5b.Title = "second version"
	putDocs(t, s, d5, &d5b)
	if d5b.Seq <= d5.Seq {
		t.Fatalf("second put of an item: seq %d, want after %d", d5b.Seq, d5.Seq)
	}
	equal(t, "one document per item", find(liaison.SearchMatch{Terms: words("version")}), docSeqs(&d5b))
	equal(t, "the last version", find(liaison.SearchMatch{Terms: words("first")}), []int64{})

	// Deleting; a missing item is no error.
	must(t, update(t, s, func(tx liaison.Tx) error {
		return tx.DeleteSearchDocs(ctx, []liaison.SearchRef{{Kind: d3.Kind, ItemID: d3.ItemID}, {Kind: liaison.KindSAR, ItemID: liaison.NewID()},
			{Kind: liaison.KindSAR, ItemID: d5.ItemID}}) // d5 is a case: stays
	}))
	equal(t, "deleted", find(liaison.SearchMatch{}), docSeqs(&d5b, d1, d4, d2))
	equal(t, "deleted words", find(liaison.SearchMatch{Terms: words("aisha")}), []int64{})
	equal(t, "deleted identifier", find(liaison.SearchMatch{Identifier: "ABC123"}), []int64{})
	if st := indexState(t, s); st.MaxSeq != d5b.Seq {
		t.Fatalf("index state = %+v, want the newest seq %d", st, d5b.Seq)
	}

	// ScoreSearch: words side by side outrank the same words apart.
	near := &liaison.SearchDoc{Kind: liaison.KindCase, ItemID: liaison.NewID(), AgencyID: a1, TLP: liaison.TLPGreen, Handling: liaison.H0,
		Occurred: epoch, Title: "Note", Body: "A zephyr quokka was reported near the harbour gate late at night by staff."}
	apart := &liaison.SearchDoc{Kind: liaison.KindCase, ItemID: liaison.NewID(), AgencyID: a1, TLP: liaison.TLPGreen, Handling: liaison.H0,
		Occurred: epoch, Title: "Note", Body: "A zephyr was reported near the harbour gate late at night by a quokka."}
	putDocs(t, s, near, apart)
	terms := words("zephyr", "quokka")
	equal(t, "both words", find(liaison.SearchMatch{Terms: terms}), docSeqs(apart, near))
	score = searchScores(t, s, terms, candidates(t, s, liaison.SearchMatch{Terms: terms, Limit: 10}))
	if score[near.Seq] <= score[apart.Seq] {
		t.Fatalf("scores: side by side %v, apart %v; want side by side higher", score[near.Seq], score[apart.Seq])
	}
}

// testSearchManyDocs pins newest-first order, paging and limits over more
// documents than one pass of a store's scan might read: 5,000, a rare word
// in the oldest, a common one in all, and a kind every 500th.
func testSearchManyDocs(t *testing.T, s liaison.Store) {
	const n = 5000
	agency := liaison.NewID()
	ds := make([]*liaison.SearchDoc, n)
	for i := range ds {
		d := &liaison.SearchDoc{Kind: liaison.KindSAR, ItemID: liaison.NewID(), AgencyID: agency, TLP: liaison.TLPGreen,
			Handling: liaison.H0, Occurred: epoch, Title: fmt.Sprintf("Report %d", i), Body: "ordinary bulletin text",
			Identifiers: fmt.Sprintf("QQ%05d", i)}
		if i%500 == 0 {
			d.Kind = liaison.KindCase
		}
		if i == 0 {
			d.Body += " zanzibar"
		}
		ds[i] = d
	}
	for i := 0; i < n; i += 500 {
		putDocs(t, s, ds[i:i+500]...)
	}
	newest := func(idx ...int) []int64 {
		out := []int64{}
		for _, i := range idx {
			out = append(out, ds[i].Seq)
		}
		return out
	}
	only := liaison.SearchMatch{Agencies: []liaison.ID{agency}, Limit: 3}
	m := only
	m.Terms = words("zanzibar")
	equal(t, "a rare word in the oldest", seqs(candidates(t, s, m)), newest(0))
	m.Terms = words("bulletin")
	equal(t, "a common word", seqs(candidates(t, s, m)), newest(n-1, n-2, n-3))
	m.Before = ds[10].Seq
	equal(t, "a common word, before", seqs(candidates(t, s, m)), newest(9, 8, 7))
	m.Before, m.Limit = 0, 12
	m.Kinds = []liaison.RecordKind{liaison.KindCase}
	equal(t, "a common word in every 500th", seqs(candidates(t, s, m)), newest(4500, 4000, 3500, 3000, 2500, 2000, 1500, 1000, 500, 0))
	m.Limit = 4
	got := seqs(candidates(t, s, m))
	equal(t, "limited", got, newest(4500, 4000, 3500, 3000))
	m.Before = got[3]
	equal(t, "next page", seqs(candidates(t, s, m)), newest(2500, 2000, 1500, 1000))
	m = only
	m.Identifier = "QQ0000"
	equal(t, "identifier in the oldest", seqs(candidates(t, s, m)), newest(9, 8, 7))
	m.Identifier, m.Limit = "QQ00000", 5
	equal(t, "identifier of the oldest", seqs(candidates(t, s, m)), newest(0))
	m.Identifier, m.Limit = "QQ0", 2
	equal(t, "identifier of every one", seqs(candidates(t, s, m)), newest(n-1, n-2))
	m = only
	m.Limit = -1
	m.Terms = words("bulletin")
	m.Before = ds[3].Seq
	equal(t, "no limit", seqs(candidates(t, s, m)), newest(2, 1, 0))
}

func testPointers(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "pointer.user")
	p1 := &liaison.Pointer{ID: liaison.NewID(), UserID: u.ID, AgencyID: liaison.NewID(), Agency: "County Sheriff", Kind: liaison.KindSAR,
		From: liaison.MonthStart(epoch.AddDate(0, -3, 0)), To: liaison.MonthStart(epoch), Contact: &liaison.Contact{Name: "Duty desk", Phone: "+1 202 555 0100"},
		Items: []liaison.ID{liaison.NewID(), liaison.NewID()}, Query: `drone "stadium"`, Created: epoch, ExpiresAt: epoch.AddDate(0, 0, 30)}
	p2 := &liaison.Pointer{ID: liaison.NewID(), UserID: u.ID, AgencyID: liaison.NewID(), Agency: "State Police", Kind: liaison.KindIntelligence,
		From: liaison.MonthStart(epoch), To: liaison.MonthStart(epoch), Items: []liaison.ID{liaison.NewID()}, Created: epoch, ExpiresAt: epoch.AddDate(0, 0, 30)}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreatePointers(ctx, []*liaison.Pointer{p1, p2}) }))
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreatePointers(ctx, nil) }))
	view(t, s, func(tx liaison.Tx) error {
		for _, p := range []*liaison.Pointer{p1, p2} {
			got, err := tx.FindPointer(ctx, p.ID)
			must(t, err)
			equal(t, "pointer", got, p)
		}
		for _, id := range []liaison.ID{liaison.NewID(), "nope"} {
			_, err := tx.FindPointer(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
		}
		return nil
	})
	orphan := *p2
	orphan.ID, orphan.UserID = liaison.NewID(), liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreatePointers(ctx, []*liaison.Pointer{&orphan}) }), liaison.EINVALID, "user_id")
	again := *p1
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreatePointers(ctx, []*liaison.Pointer{&again}) }), liaison.ECONFLICT, "id")
}

func idsOf[T any](vs []*T, id func(*T) liaison.ID) []liaison.ID {
	out := []liaison.ID{}
	for _, v := range vs {
		out = append(out, id(v))
	}
	return out
}

func testAccessRequests(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u1, u2 := seedUser(t, s, "requester.one"), seedUser(t, s, "requester.two")
	mk := func(u *liaison.User, holder liaison.ID, state liaison.AccessRequestState, due time.Time) *liaison.AccessRequest {
		return &liaison.AccessRequest{ID: liaison.NewID(), PointerID: liaison.NewID(), RequesterID: u.ID, RequesterAg: u.AgencyID,
			HolderAgency: holder, Kind: liaison.KindSAR, Items: []liaison.ID{liaison.NewID()}, Purpose: liaison.PurposeCriminalInvestigation,
			CaseID: liaison.NewID(), Justification: "Same van seen at our burglary", State: state, Due: due, Created: epoch, Updated: epoch}
	}
	r1 := mk(u1, u2.AgencyID, liaison.RequestPending, epoch.Add(24*time.Hour))
	r2 := mk(u2, u1.AgencyID, liaison.RequestPending, epoch.Add(48*time.Hour))
	r3 := mk(u1, u2.AgencyID, liaison.RequestDenied, epoch.Add(12*time.Hour))
	r3.DecidedBy, r3.Decided, r3.Reason = u2.ID, epoch.Add(time.Hour), "not releasable"
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, r := range []*liaison.AccessRequest{r1, r2, r3} {
			if err := tx.CreateAccessRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	orphan := mk(u1, u2.AgencyID, liaison.RequestPending, epoch)
	orphan.RequesterID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAccessRequest(ctx, orphan) }), liaison.EINVALID, "requester_id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAccessRequest(ctx, r1) }), liaison.ECONFLICT, "id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error {
		return tx.UpdateAccessRequest(ctx, mk(u1, u2.AgencyID, liaison.RequestPending, epoch))
	}), liaison.ENOTFOUND, "")

	list := func(f liaison.AccessRequestFilter, p liaison.Page) []liaison.ID {
		t.Helper()
		var out []liaison.ID
		view(t, s, func(tx liaison.Tx) error {
			rs, err := tx.ListAccessRequests(ctx, f, p)
			must(t, err)
			if rs == nil {
				t.Fatal("ListAccessRequests = nil, want a non-nil slice")
			}
			out = idsOf(rs, func(r *liaison.AccessRequest) liaison.ID { return r.ID })
			return nil
		})
		return out
	}
	equal(t, "all", list(liaison.AccessRequestFilter{}, liaison.Page{}), []liaison.ID{r1.ID, r2.ID, r3.ID})
	equal(t, "paged", list(liaison.AccessRequestFilter{}, liaison.Page{After: r1.ID, Limit: 1}), []liaison.ID{r2.ID})
	equal(t, "requester", list(liaison.AccessRequestFilter{RequesterID: u1.ID}, liaison.Page{}), []liaison.ID{r1.ID, r3.ID})
	equal(t, "holder", list(liaison.AccessRequestFilter{HolderAgency: u1.AgencyID}, liaison.Page{}), []liaison.ID{r2.ID})
	equal(t, "states", list(liaison.AccessRequestFilter{States: []liaison.AccessRequestState{liaison.RequestPending}}, liaison.Page{}),
		[]liaison.ID{r1.ID, r2.ID})
	// Due before: pending and not yet escalated only (r3 is due earlier but decided).
	equal(t, "due", list(liaison.AccessRequestFilter{DueBefore: epoch.Add(36 * time.Hour)}, liaison.Page{}), []liaison.ID{r1.ID})
	equal(t, "due is exclusive", list(liaison.AccessRequestFilter{DueBefore: r1.Due}, liaison.Page{}), []liaison.ID{})
	equal(t, "none", list(liaison.AccessRequestFilter{RequesterID: liaison.NewID()}, liaison.Page{}), []liaison.ID{})

	r1.Escalated, r1.Updated = epoch.Add(25*time.Hour), epoch.Add(25*time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateAccessRequest(ctx, r1) }))
	equal(t, "escalated is no longer due", list(liaison.AccessRequestFilter{DueBefore: epoch.Add(36 * time.Hour)}, liaison.Page{}), []liaison.ID{})
	r2.State, r2.DecidedBy, r2.Decided, r2.Granted = liaison.RequestPartial, u1.ID, epoch.Add(time.Hour), []liaison.ID{liaison.NewID()}
	r2.Updated = r2.Decided
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateAccessRequest(ctx, r2) }))
	equal(t, "decided is no longer pending", list(liaison.AccessRequestFilter{States: []liaison.AccessRequestState{liaison.RequestPending}}, liaison.Page{}),
		[]liaison.ID{r1.ID})
	view(t, s, func(tx liaison.Tx) error {
		for _, r := range []*liaison.AccessRequest{r1, r2, r3} {
			got, err := tx.FindAccessRequest(ctx, r.ID)
			must(t, err)
			equal(t, "access request", got, r)
		}
		_, err := tx.FindAccessRequest(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

func testGrants(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u1, u2 := seedUser(t, s, "grantee.one"), seedUser(t, s, "grantee.two")
	mk := func(u *liaison.User, holder liaison.ID, expires time.Time) *liaison.Grant {
		return &liaison.Grant{ID: liaison.NewID(), RequestID: liaison.NewID(), UserID: u.ID, AgencyID: u.AgencyID, Kind: liaison.KindSAR,
			ItemID: liaison.NewID(), Holder: holder, Purpose: liaison.PurposeCriminalInvestigation, PII: true, Expires: expires, Created: epoch}
	}
	g1 := mk(u1, u2.AgencyID, epoch.AddDate(0, 0, 30))
	g2 := mk(u1, u2.AgencyID, epoch.Add(time.Hour))
	g3 := mk(u2, u1.AgencyID, epoch.AddDate(0, 0, 30))
	g3.PII = false
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, g := range []*liaison.Grant{g1, g2, g3} {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
		}
		return nil
	}))
	orphan := mk(u1, u2.AgencyID, epoch)
	orphan.UserID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateGrant(ctx, orphan) }), liaison.EINVALID, "user_id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateGrant(ctx, g1) }), liaison.ECONFLICT, "id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateGrant(ctx, mk(u1, u2.AgencyID, epoch)) }), liaison.ENOTFOUND, "")

	list := func(f liaison.GrantFilter, p liaison.Page) []liaison.ID {
		t.Helper()
		var out []liaison.ID
		view(t, s, func(tx liaison.Tx) error {
			gs, err := tx.ListGrants(ctx, f, p)
			must(t, err)
			if gs == nil {
				t.Fatal("ListGrants = nil, want a non-nil slice")
			}
			out = idsOf(gs, func(g *liaison.Grant) liaison.ID { return g.ID })
			return nil
		})
		return out
	}
	later := epoch.Add(2 * time.Hour)
	equal(t, "all", list(liaison.GrantFilter{}, liaison.Page{}), []liaison.ID{g1.ID, g2.ID, g3.ID})
	equal(t, "paged", list(liaison.GrantFilter{}, liaison.Page{After: g1.ID, Limit: 1}), []liaison.ID{g2.ID})
	equal(t, "user", list(liaison.GrantFilter{UserID: u1.ID}, liaison.Page{}), []liaison.ID{g1.ID, g2.ID})
	equal(t, "holder", list(liaison.GrantFilter{Holder: u1.AgencyID}, liaison.Page{}), []liaison.ID{g3.ID})
	equal(t, "active", list(liaison.GrantFilter{ActiveAt: epoch}, liaison.Page{}), []liaison.ID{g1.ID, g2.ID, g3.ID})
	equal(t, "expired", list(liaison.GrantFilter{UserID: u1.ID, ActiveAt: later}, liaison.Page{}), []liaison.ID{g1.ID})
	equal(t, "expiry is exclusive", list(liaison.GrantFilter{UserID: u1.ID, ActiveAt: g2.Expires}, liaison.Page{}), []liaison.ID{g1.ID})

	g1.Revoked, g1.RevokedBy = epoch.Add(time.Minute), u2.ID
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateGrant(ctx, g1) }))
	equal(t, "revoked", list(liaison.GrantFilter{ActiveAt: epoch}, liaison.Page{}), []liaison.ID{g2.ID, g3.ID})
	equal(t, "revoked, later", list(liaison.GrantFilter{ActiveAt: later}, liaison.Page{}), []liaison.ID{g3.ID})
	view(t, s, func(tx liaison.Tx) error {
		for _, g := range []*liaison.Grant{g1, g2, g3} {
			got, err := tx.FindGrant(ctx, g.ID)
			must(t, err)
			equal(t, "grant", got, g)
		}
		_, err := tx.FindGrant(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

// sameSaved compares saved searches, the query as JSON values (a store
// may keep it in another spelling).
func sameSaved(t *testing.T, got, want *liaison.SavedSearch) {
	t.Helper()
	var gq, wq any
	must(t, json.Unmarshal(got.Query, &gq))
	must(t, json.Unmarshal(want.Query, &wq))
	if !reflect.DeepEqual(gq, wq) {
		t.Fatalf("saved query = %s, want %s", got.Query, want.Query)
	}
	g, w := *got, *want
	g.Query, w.Query = nil, nil
	equal(t, "saved search", g, w)
}

func testSavedSearches(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u1, u2 := seedUser(t, s, "saver.one"), seedUser(t, s, "saver.two")
	mk := func(u *liaison.User, name string) *liaison.SavedSearch {
		return &liaison.SavedSearch{ID: liaison.NewID(), UserID: u.ID, Name: name,
			Query:   json.RawMessage(`{"q": "drone stadium", "kinds": ["sar"], "box": {"min_lat": 38.8}}`),
			LastSeq: 42, Hits: 3, Created: epoch, Updated: epoch}
	}
	s1, s2, s3 := mk(u1, "Drones"), mk(u1, "Plates"), mk(u2, "Drones")
	s2.LastSeq, s2.Hits = 0, 0
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, v := range []*liaison.SavedSearch{s1, s2, s3} {
			if err := tx.CreateSavedSearch(ctx, v); err != nil {
				return err
			}
		}
		return nil
	}))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSavedSearch(ctx, mk(u1, "Drones")) }), liaison.ECONFLICT, "name")
	orphan := mk(u1, "Orphan")
	orphan.UserID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSavedSearch(ctx, orphan) }), liaison.EINVALID, "user_id")
	rename := *s1
	rename.Name = "Plates"
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSavedSearch(ctx, &rename) }), liaison.ECONFLICT, "name")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSavedSearch(ctx, mk(u1, "Missing")) }), liaison.ENOTFOUND, "")

	s1.Name, s1.LastSeq, s1.Hits, s1.Updated = "Drones near the stadium", 99, 5, epoch.Add(time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSavedSearch(ctx, s1) }))
	list := func(user liaison.ID, p liaison.Page) []liaison.ID {
		t.Helper()
		var out []liaison.ID
		view(t, s, func(tx liaison.Tx) error {
			ss, err := tx.ListSavedSearches(ctx, user, p)
			must(t, err)
			if ss == nil {
				t.Fatal("ListSavedSearches = nil, want a non-nil slice")
			}
			for _, v := range ss {
				if v.ID == s1.ID {
					sameSaved(t, v, s1)
				}
			}
			out = idsOf(ss, func(v *liaison.SavedSearch) liaison.ID { return v.ID })
			return nil
		})
		return out
	}
	equal(t, "every user's", list("", liaison.Page{}), []liaison.ID{s1.ID, s2.ID, s3.ID})
	equal(t, "a user's", list(u1.ID, liaison.Page{}), []liaison.ID{s1.ID, s2.ID})
	equal(t, "paged", list(u1.ID, liaison.Page{After: s1.ID}), []liaison.ID{s2.ID})
	equal(t, "none", list(liaison.NewID(), liaison.Page{}), []liaison.ID{})
	view(t, s, func(tx liaison.Tx) error {
		for _, v := range []*liaison.SavedSearch{s1, s2, s3} {
			got, err := tx.FindSavedSearch(ctx, v.ID)
			must(t, err)
			sameSaved(t, got, v)
		}
		_, err := tx.FindSavedSearch(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})

	// Only the owner deletes.
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSavedSearch(ctx, u2.ID, s1.ID) }), liaison.ENOTFOUND, "")
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSavedSearch(ctx, u1.ID, s1.ID) }))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSavedSearch(ctx, u1.ID, s1.ID) }), liaison.ENOTFOUND, "")
	equal(t, "after delete", list("", liaison.Page{}), []liaison.ID{s2.ID, s3.ID})
	// The name is free again.
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSavedSearch(ctx, mk(u1, "Drones")) }))
}
