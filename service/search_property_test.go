package service_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/policy"
	"liaison/sar"
	"liaison/service"
	"liaison/storetest"
)

// propItem is one item of the property test: what it holds (fixed), the
// labels it had when indexed, and its id.
type propItem struct {
	kind       liaison.RecordKind
	id, agency liaison.ID
	words      map[string]bool // every word of what the index holds of it
	plate      string          // normalised
	lat, lon   *float64
	categories []liaison.Category
	occurred   time.Time
	// The labels the index copied.
	snapTLP        liaison.TLP
	snapShared     []liaison.ID
	snapRecipients []liaison.ID
	snapPointer    bool
	// The labels now.
	tlp        liaison.TLP
	shared     []liaison.ID
	sharedNow  bool // a report in the shared space (always true for records and cases)
	noPointer  bool
	recipients []liaison.ID
	changed    bool // since it was indexed
}

// propRelease is the oracle's per-item decision for one searcher and
// purpose, from a read of the item (GetIntelRecord, GetSAR) or, for cases,
// the rule.
type propRelease struct {
	allow    bool
	full     bool
	title    string
	released map[string]bool // the words of the released form
}

var (
	propWords = []string{"harbour", "quarry", "tunnel", "ferry", "depot", "convoy", "pylon", "silo"}
	propNames = [][2]string{{"Viktor", "Baranov"}, {"Omar", "Castillo"}, {"Pavel", "Orlov"}, {"Ilse", "Varga"}}
	propCats  = []liaison.Category{liaison.CatPhotography, liaison.CatObservation, liaison.CatAviation}
	propTLPs  = []liaison.TLP{liaison.TLPClear, liaison.TLPGreen, liaison.TLPAmber, liaison.TLPAmberStrict, liaison.TLPRed}
	// propLabels draws labels: mostly ones partners may read.
	propLabels = []liaison.TLP{liaison.TLPClear, liaison.TLPGreen, liaison.TLPGreen, liaison.TLPAmber, liaison.TLPAmber, liaison.TLPAmber,
		liaison.TLPAmberStrict, liaison.TLPRed}
)

func wordSet(texts ...string) map[string]bool {
	out := map[string]bool{}
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			out[w] = true
		}
	}
	return out
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func subset[T any](rng *rand.Rand, xs []T, p float64) []T {
	var out []T
	for _, x := range xs {
		if rng.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

// TestSearchEqualsLiveDecisions: in random worlds (random agreements;
// random records and reports with random labels, states, communities and
// no-pointer marks; then random label changes and withdrawals that the
// index does not see), every random search by every kind of searcher
// answers exactly what per-item decisions on the live items give:
//
//   - results: the items a read of the item (GET) allows, whose released
//     form matches the words (in the released text), the identifier and
//     the place (never for a redacted release), and whose live labels pass
//     the filters; among those the index may find (its copy of the labels
//     may only narrow: visible to the searcher and passing the label
//     filter as indexed). A report not in the shared space is its agency's
//     alone; a case its lead agency's.
//   - pointers: per (agency, kind), the items of other agencies that match
//     the words and kinds, that the searcher is not released with the
//     words, and that may give this searcher a pointer on their live
//     labels (shared report, not RED, not no-pointer; a private partner
//     only reports an agreement releases to private partners, an
//     international partner only what one releases to international
//     partners); none for a search without words.
//   - the same search without its filters gives the same pointers.
func TestSearchEqualsLiveDecisions(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			for seed := range uint64(3) {
				t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { searchProperty(t, be, seed) })
			}
		})
	}
}

func searchProperty(t *testing.T, be storetest.Backend, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 14))
	purposes := []liaison.Purpose{liaison.PurposeCounterterrorism, liaison.PurposeCriminalInvestigation}
	kinds := []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR}
	w := newLiveWorldWith(t, be.Open(t), func(w *liveWorld, agree func(*liaison.Agency, *liaison.Community, func(*liaison.AgreementInput))) {
		for _, m := range []struct {
			a  *liaison.Agency
			cm *liaison.Community
		}{{w.fc, w.region}, {w.nopii, w.region}, {w.private, w.region}, {w.intl, w.region}, {w.intl, w.channel}} {
			if rng.Float64() < 0.2 {
				continue
			}
			agree(m.a, m.cm, func(in *liaison.AgreementInput) {
				if ps := subset(rng, purposes, 0.6); len(ps) > 0 {
					in.Purposes = ps
				}
				if ks := subset(rng, kinds, 0.7); len(ks) > 0 {
					in.RecordKinds = ks
				}
				in.PIIAllowed, in.InternationalRelease, in.PrivateRelease = rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0
			})
		}
	})
	communities := []liaison.ID{w.region.ID, w.channel.ID}
	searchers := []*liaison.User{w.writer, w.vetter, w.redacted, w.priv, w.intlUser, w.outsider}
	redOptions := []liaison.ID{w.writer.ID, w.vetter.ID, w.redacted.ID, w.outsider.ID}

	// Items.
	var items []*propItem
	records := map[liaison.ID]*liaison.IntelRecord{}
	owner := map[liaison.ID]*liaison.User{}
	for _, cs := range []*liaison.Case{w.holderCase, w.fcCase} {
		items = append(items, &propItem{kind: liaison.KindCase, id: cs.ID, agency: cs.AgencyID, words: wordSet(cs.Title), occurred: cs.Created,
			snapTLP: liaison.TLPAmber, tlp: liaison.TLPAmber, sharedNow: true, snapPointer: true})
	}
	for i := range 36 {
		name := pick(rng, propNames)
		plate := fmt.Sprintf("%c%c%c-%04d", 'A'+rng.IntN(4), 'A'+rng.IntN(4), 'A'+rng.IntN(4), rng.IntN(10000))
		attrs := map[string]string{"name": name[0] + " " + name[1], "plate": plate}
		title := fmt.Sprintf("%s sighting %d", pick(rng, propWords), i)
		if rng.IntN(3) == 0 {
			title = name[1] + " " + title
		}
		narrative := fmt.Sprintf("%s %s was seen near the %s.", name[0], name[1], pick(rng, propWords))
		if rng.IntN(2) == 0 {
			narrative += " Later " + name[1] + " went to the " + pick(rng, propWords) + "."
		}
		tlp := pick(rng, propLabels)
		shared := subset(rng, communities, 0.7)
		it := &propItem{id: "", plate: liaison.NormalizeIdentifier(plate), tlp: tlp, shared: shared, sharedNow: true, noPointer: rng.IntN(6) == 0}
		if rng.IntN(5) < 3 {
			by, cs := w.writer, w.holderCase
			if rng.IntN(4) == 0 {
				by, cs = w.vetter, w.fcCase
			}
			in := liaison.IntelInput{Title: title, Narrative: narrative, Subjects: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: attrs}},
				Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
				TLP: tlp, Handling: liaison.H1, CaseID: cs.ID, RetainUntil: w.clock.Now().AddDate(1, 0, 0), SharedWith: shared, NoPointer: it.noPointer}
			if tlp == liaison.TLPRed {
				in.Recipients = append([]liaison.ID{by.ID}, subset(rng, redOptions, 0.4)...)
			}
			r, err := w.svc.CreateIntelRecord(w.as(by), in)
			must(t, err)
			records[r.ID], owner[r.ID] = r, by
			it.kind, it.id, it.agency, it.occurred, it.recipients = liaison.KindIntelligence, r.ID, r.Originator, r.Created, r.Recipients
			it.words = wordSet(title, narrative, r.Predicate, attrs["name"], plate)
		} else {
			lat, lon := 38.8+rng.Float64()*0.2, -77.1+rng.Float64()*0.2
			address := pick(rng, propWords) + " road"
			cats := subset(rng, propCats, 0.5)
			if len(cats) == 0 {
				cats = []liaison.Category{liaison.CatAviation}
			}
			r, err := w.svc.CreateSAR(w.as(w.writer), service.SARInput{Title: title, Narrative: narrative, Why: "It looked wrong.",
				Where: liaison.Place{Address: address, Lat: &lat, Lon: &lon}, When: liaison.SARTime{Time: w.clock.Now().Add(-time.Hour)},
				Categories: cats, Involved: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: attrs}}, Submit: true, NoPointer: it.noPointer})
			must(t, err)
			it.kind, it.id, it.agency, it.occurred, it.lat, it.lon, it.categories = liaison.KindSAR, r.ID, r.AgencyID, r.When, &lat, &lon, cats
			it.words = wordSet(title, narrative, r.Why, attrs["name"], plate, address)
			it.sharedNow = false
			if rng.IntN(5) > 0 {
				if len(shared) == 0 {
					shared = []liaison.ID{pick(rng, communities)}
				}
				if tlp == "" {
					tlp = liaison.TLPAmber
				}
				_, err = w.svc.StepSAR(w.as(w.sup), r.ID, service.StepInput{Step: sar.Forward})
				must(t, err)
				_, err = w.svc.StepSAR(w.as(w.vetter), r.ID, service.StepInput{Step: sar.Share, Communities: shared, TLP: tlp,
					Corroboration: "Seen at two other sites by patrol this month."})
				must(t, err)
				it.sharedNow, it.shared = true, shared
			} else {
				it.shared, it.tlp = nil, "" // labelled at step 2 only
			}
		}
		w.clock.Add(time.Minute)
		items = append(items, it)
	}
	w.index()
	for _, it := range items {
		it.snapTLP, it.snapShared, it.snapRecipients = it.tlp, slices.Clone(it.shared), slices.Clone(it.recipients)
		it.snapPointer = it.sharedNow && it.tlp != liaison.TLPRed && !it.noPointer
	}
	// Changes the index does not see: records narrowed, widened, reshared,
	// marked or unmarked no-pointer; reports withdrawn.
	for _, it := range items {
		if rng.IntN(5) >= 2 {
			continue
		}
		it.changed = true
		switch it.kind {
		case liaison.KindIntelligence:
			r := records[it.id]
			in := liaison.IntelInput{Title: r.Title, Narrative: r.Narrative, Subjects: r.Subjects, Predicate: r.Predicate, LawfulCollection: true,
				Grading: r.Grading, TLP: pick(rng, propLabels), Handling: r.Handling, CaseID: r.CaseID, RetainUntil: r.RetainUntil, Version: r.Version,
				NoPointer: rng.IntN(3) == 0, SharedWith: subset(rng, communities, 0.6)}
			if in.TLP == liaison.TLPRed {
				in.Recipients = append([]liaison.ID{owner[r.ID].ID}, subset(rng, redOptions, 0.4)...)
			}
			next, err := w.svc.CorrectIntelRecord(w.as(owner[r.ID]), r.ID, in)
			must(t, err)
			it.tlp, it.shared, it.noPointer, it.recipients = next.TLP, next.SharedWith, next.NoPointer, next.Recipients
		case liaison.KindSAR:
			if it.sharedNow {
				_, err := w.svc.StepSAR(w.as(w.sup), it.id, service.StepInput{Step: sar.Withdraw, Reason: "no longer of interest"})
				must(t, err)
				it.sharedNow = false
			}
		}
	}

	comms := map[liaison.ID][]liaison.ID{} // agency -> its communities
	for _, cm := range []*liaison.Community{w.region, w.channel} {
		for _, a := range cm.Members {
			comms[a] = append(comms[a], cm.ID)
		}
	}
	var agreements []*liaison.Agreement
	must(t, w.store.View(w.sys, func(tx liaison.Tx) error {
		var err error
		agreements, err = tx.ListAgreements(w.sys, liaison.AgreementFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		return err
	}))
	kindOf := map[liaison.ID]liaison.AgencyKind{w.holder.ID: liaison.AgencyLocal, w.fc.ID: liaison.AgencyFusionCenter, w.nopii.ID: liaison.AgencyLocal,
		w.private.ID: liaison.AgencyPrivate, w.intl.ID: liaison.AgencyInternational, w.outside.ID: liaison.AgencyLocal}

	// The oracle's reads, once per searcher, purpose and item.
	reads := map[string]propRelease{}
	read := func(u *liaison.User, purpose liaison.Purpose, it *propItem) propRelease {
		key := u.ID + "|" + string(purpose) + "|" + it.id
		if r, ok := reads[key]; ok {
			return r
		}
		var r propRelease
		switch it.kind {
		case liaison.KindCase:
			r = propRelease{allow: it.agency == u.AgencyID, full: true, released: it.words}
		case liaison.KindIntelligence:
			rec, dec, err := w.svc.GetIntelRecord(w.as(u), it.id, purpose)
			if err == nil {
				r = propRelease{allow: true, full: dec.Redaction == policy.Full, title: rec.Title,
					released: wordSet(append([]string{rec.Title, rec.Narrative, rec.Predicate}, unmasked(rec.Subjects)...)...)}
			} else if liaison.ErrorCode(err) != liaison.ENOTFOUND {
				t.Fatal(err)
			}
		case liaison.KindSAR:
			rep, err := w.svc.GetSAR(w.as(u), it.id, purpose)
			if err == nil && (it.sharedNow || it.agency == u.AgencyID) { // search: a report not shared is its agency's alone
				r = propRelease{allow: true, full: rep.Where.Lat != nil, title: rep.Title,
					released: wordSet(append([]string{rep.Title, rep.Narrative, rep.Why, rep.Where.Address}, unmasked(rep.Involved)...)...)}
			} else if err != nil && liaison.ErrorCode(err) != liaison.ENOTFOUND {
				t.Fatal(err)
			}
		}
		reads[key] = r
		return r
	}
	mayPoint := func(u *liaison.User, it *propItem) bool {
		if it.agency == u.AgencyID || !it.snapPointer || !it.sharedNow || it.tlp == liaison.TLPRed || it.noPointer {
			return false
		}
		released := func(flag func(*liaison.Agreement) bool) bool {
			for _, a := range agreements {
				if a.AgencyID == u.AgencyID && flag(a) && slices.Contains(a.RecordKinds, it.kind) && slices.Contains(comms[u.AgencyID], a.CommunityID) &&
					slices.Contains(it.shared, a.CommunityID) {
					return true
				}
			}
			return false
		}
		switch kindOf[u.AgencyID] {
		case liaison.AgencyPrivate:
			return it.kind == liaison.KindSAR && released(func(a *liaison.Agreement) bool { return a.PrivateRelease })
		case liaison.AgencyInternational:
			return released(func(a *liaison.Agreement) bool { return a.InternationalRelease })
		}
		return true
	}
	hasAll := func(set map[string]bool, ws []string) bool {
		for _, x := range ws {
			if !set[x] {
				return false
			}
		}
		return true
	}
	// oracle answers a search: result ids, and pointers as "agency|kind" -> items.
	oracle := func(u *liaison.User, in service.SearchRequest, ws []string, ident string) ([]liaison.ID, map[string][]liaison.ID) {
		var results []liaison.ID
		pointers := map[string][]liaison.ID{}
		for _, it := range items {
			if len(in.Kinds) > 0 && !slices.Contains(in.Kinds, it.kind) {
				continue
			}
			matchesWords := hasAll(it.words, ws)
			rel := read(u, in.Purpose, it)
			seen := rel.allow && hasAll(rel.released, ws)
			// Only an item refused to the searcher gives a pointer: one read
			// redacted gives none, or the pointer would tell whether a
			// masked value matched.
			if len(ws) > 0 && matchesWords && !rel.allow && mayPoint(u, it) {
				k := it.agency + "|" + string(it.kind)
				pointers[k] = append(pointers[k], it.id)
			}
			// Results.
			if !seen || !matchesWords {
				continue
			}
			visibleAsIndexed := it.agency == u.AgencyID || slices.Contains(it.snapRecipients, u.ID) ||
				slices.ContainsFunc(it.snapShared, func(c liaison.ID) bool { return slices.Contains(comms[u.AgencyID], c) })
			if !visibleAsIndexed {
				continue
			}
			if len(in.TLPs) > 0 && (!slices.Contains(in.TLPs, it.tlp) || !slices.Contains(in.TLPs, it.snapTLP)) {
				continue
			}
			if len(in.Agencies) > 0 && !slices.Contains(in.Agencies, it.agency) {
				continue
			}
			if len(in.Categories) > 0 && !slices.ContainsFunc(it.categories, func(c liaison.Category) bool { return slices.Contains(in.Categories, c) }) {
				continue
			}
			if (in.From != nil && it.occurred.Before(*in.From)) || (in.To != nil && !it.occurred.Before(*in.To)) {
				continue
			}
			if ident != "" && (!rel.full || !strings.Contains(it.plate, ident)) {
				continue
			}
			if b := in.Box; b != nil && (!rel.full || it.lat == nil || !b.Contains(*it.lat, *it.lon)) {
				continue
			}
			if n := in.Near; n != nil && (!rel.full || it.lat == nil || !within(n, *it.lat, *it.lon)) {
				continue
			}
			results = append(results, it.id)
		}
		for _, v := range pointers {
			slices.Sort(v)
		}
		slices.Sort(results)
		return results, pointers
	}

	byID := map[liaison.ID]*propItem{}
	for _, it := range items {
		byID[it.id] = it
	}
	vocab := append([]string{}, propWords...)
	for _, n := range propNames {
		vocab = append(vocab, strings.ToLower(n[0]), strings.ToLower(n[1]))
	}
	const searches = 100
	// What the searches tried, so that a change that makes them trivial shows.
	var withResults, withPointers, redactedResults, changedMatched int
	defer func() {
		t.Logf("seed %d: %d searches, %d with results (%d redacted results), %d with pointers, %d matching an item changed since indexed",
			seed, searches, withResults, redactedResults, withPointers, changedMatched)
		if withResults < 10 || withPointers < 10 || redactedResults == 0 {
			t.Errorf("the random searches tried too little")
		}
	}()
	for n := range searches {
		u := pick(rng, searchers)
		in := service.SearchRequest{Purpose: pick(rng, purposes), Limit: 100}
		var ws []string
		for range pick(rng, []int{0, 1, 1, 1, 1, 2}) {
			if x := pick(rng, vocab); !slices.Contains(ws, x) {
				ws = append(ws, x)
			}
		}
		in.Q = strings.Join(ws, " ")
		if rng.IntN(4) == 0 {
			in.Kinds = []liaison.RecordKind{pick(rng, []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR, liaison.KindCase})}
		}
		// Filters aim at items the searcher may read, so that they decide something.
		var readable, reports []*propItem
		for _, it := range items {
			if it.kind != liaison.KindCase && read(u, in.Purpose, it).allow {
				readable = append(readable, it)
			}
		}
		for _, it := range readable {
			if it.kind == liaison.KindSAR && (it.agency != u.AgencyID || rng.IntN(3) == 0) {
				reports = append(reports, it)
			}
		}
		if len(reports) == 0 || rng.IntN(4) == 0 {
			reports = slices.DeleteFunc(slices.Clone(items), func(it *propItem) bool { return it.kind != liaison.KindSAR })
		}
		if len(readable) == 0 || rng.IntN(4) == 0 {
			readable = items[2:]
		}
		var ident string
		switch rng.IntN(9) {
		case 0:
			in.TLPs = subset(rng, propTLPs, 0.4)
		case 1:
			lat, lon := 38.8+rng.Float64()*0.2, -77.1+rng.Float64()*0.2
			if len(reports) > 0 {
				at := pick(rng, reports)
				lat, lon = *at.lat, *at.lon
			}
			d := 0.0001 + rng.Float64()*0.05
			in.Box = &liaison.BoundingBox{MinLat: lat - d, MaxLat: lat + d, MinLon: lon - d, MaxLon: lon + d}
		case 2:
			in.Near = &service.Near{Lat: 38.8 + rng.Float64()*0.2, Lon: -77.1 + rng.Float64()*0.2, RadiusM: 1000 + rng.Float64()*10000}
			if len(reports) > 0 {
				at := pick(rng, reports)
				in.Near.Lat, in.Near.Lon = *at.lat+0.001, *at.lon
			}
		case 3:
			in.Categories = subset(rng, append(slices.Clone(propCats), liaison.CatCyberattack), 0.4)
		case 4:
			from := start.Add(time.Duration(rng.IntN(40)) * time.Minute)
			in.From = &from
			if rng.IntN(2) == 0 {
				to := from.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
				in.To = &to
			}
		case 5:
			in.Agencies = []liaison.ID{pick(rng, []liaison.ID{w.holder.ID, w.fc.ID})}
		case 6:
			p := pick(rng, readable).plate
			at := rng.IntN(len(p) - 3)
			ident = p[at : at+3+rng.IntN(2)]
			in.Identifier = ident
		}
		if in.Q == "" && in.Identifier == "" && len(in.Kinds) == 0 && len(in.TLPs) == 0 && in.Box == nil && in.Near == nil &&
			len(in.Categories) == 0 && in.From == nil && len(in.Agencies) == 0 {
			in.Q, ws = vocab[0], []string{vocab[0]}
		}
		resp, err := w.svc.Search(w.as(u), in)
		must(t, err)
		wantResults, wantPointers := oracle(u, in, ws, ident)
		got := resultIDs(resp)
		slices.Sort(got)
		what := fmt.Sprintf("seed %d search %d by %s: %+v", seed, n, u.Login, in)
		if !slices.Equal(got, wantResults) {
			t.Errorf("%s\n results %v\n want    %v", what, got, wantResults)
			for _, id := range symmetricDiff(got, wantResults) {
				it := byID[id]
				t.Logf("  %s %s: tlp %s (indexed %s) shared %v (indexed %v) in shared space %v; read %+v", it.kind, id, it.tlp, it.snapTLP,
					it.shared, it.snapShared, it.sharedNow, read(u, in.Purpose, it))
			}
		}
		for _, r := range resp.Results {
			rel := read(u, in.Purpose, byID[r.ID])
			if (r.Redaction == policy.Full) != rel.full || (r.Kind != liaison.KindCase && r.Title != rel.title) {
				t.Errorf("%s: result %s released %s %q; a read releases full=%v %q", what, r.ID, r.Redaction, r.Title, rel.full, rel.title)
			}
		}
		if n := resp.Facets["kind"]["intelligence"] + resp.Facets["kind"]["sar"] + resp.Facets["kind"]["case"]; n != len(resp.Results) {
			t.Errorf("%s: facets count %d items, the results are %d", what, n, len(resp.Results))
		}
		if len(resp.Results) > 0 {
			withResults++
		}
		if len(resp.Pointers) > 0 {
			withPointers++
		}
		for _, r := range resp.Results {
			if r.Redaction != policy.Full {
				redactedResults++
			}
		}
		if slices.ContainsFunc(items, func(it *propItem) bool { return it.changed && hasAll(it.words, ws) }) {
			changedMatched++
		}
		gotPointers := w.pointed(resp)
		if pointedString(gotPointers) != pointedString(wantPointers) {
			t.Errorf("%s\n pointers %v\n want     %v", what, gotPointers, wantPointers)
		}
		// Filters never decide a pointer: the words and kinds alone give the same.
		if in.Q != "" {
			bare := service.SearchRequest{Q: in.Q, Kinds: in.Kinds, Purpose: in.Purpose, Limit: 100}
			if p := w.pointed(w.search(u, bare)); pointedString(p) != pointedString(gotPointers) {
				t.Errorf("%s: pointers %v; without the filters %v", what, gotPointers, p)
			}
		}
	}
}

// unmasked returns the attribute values redaction left.
func unmasked(es []liaison.Entity) []string {
	var out []string
	for _, e := range es {
		for _, v := range e.Attributes {
			if v != policy.Masked {
				out = append(out, v)
			}
		}
	}
	return out
}

func symmetricDiff(a, b []liaison.ID) []liaison.ID {
	var out []liaison.ID
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// within reports whether a point lies in the circle (haversine, metres).
func within(n *service.Near, lat, lon float64) bool {
	box := liaison.BoxAround(n.Lat, n.Lon, n.RadiusM)
	if !box.Contains(lat, lon) {
		return false
	}
	const r = 6_371_000
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	p1, p2 := rad(n.Lat), rad(lat)
	dp, dl := p2-p1, rad(lon-n.Lon)
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2*r*math.Asin(math.Min(1, math.Sqrt(h))) <= n.RadiusM
}
