package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/policy"
	"liaison/service"
)

// searchWorld: a holding police department and a seeking fusion center in
// one community, the seeker's agency under an agreement for intelligence
// and reports, counterterrorism, with personal data.
type searchWorld struct {
	*env
	holder, seeker, other       *liaison.Agency
	community                   *liaison.Community
	writer, sup, holderOfficer  *liaison.User
	analyst, colleague, outside *liaison.User
	holderCase, seekerCase      liaison.ID
}

func newSearchWorld(t *testing.T) *searchWorld {
	e := newEnv(t)
	w := &searchWorld{env: e, holder: e.agency("HOLDER-PD"), seeker: e.agency("SEEKER-FC"), other: e.agency("OTHER-PD")}
	var err error
	w.community, err = e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther,
		Members: []liaison.ID{w.holder.ID, w.seeker.ID}})
	must(t, err)
	_, err = e.svc.CreateAgreement(e.sys, liaison.AgreementInput{AgencyID: w.seeker.ID, CommunityID: w.community.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR},
		PIIAllowed: true, Expires: e.clock.Now().AddDate(1, 0, 0)})
	must(t, err)
	trained := e.trained
	w.writer = trained(w.holder, "writer", liaison.RoleAnalyst, liaison.RoleOfficer)
	w.sup = trained(w.holder, "sup", liaison.RoleSupervisor)
	w.holderOfficer = trained(w.holder, "holderofficer", liaison.RoleOfficer)
	w.analyst = trained(w.seeker, "analyst", liaison.RoleAnalyst)
	w.colleague = trained(w.seeker, "colleague", liaison.RoleAnalyst)
	w.outside = trained(w.other, "outside", liaison.RoleAnalyst)
	c, err := e.svc.CreateCase(e.as(w.writer), liaison.CaseInput{Title: "Port investigation"})
	must(t, err)
	w.holderCase = c.ID
	c, err = e.svc.CreateCase(e.as(w.analyst), liaison.CaseInput{Title: "Regional threat picture"})
	must(t, err)
	w.seekerCase = c.ID
	return w
}

// record writes an intelligence record for the holder.
func (w *searchWorld) record(title, narrative string, tlp liaison.TLP, shared bool, attrs map[string]string, mod func(*liaison.IntelInput)) *liaison.IntelRecord {
	w.t.Helper()
	in := liaison.IntelInput{Title: title, Narrative: narrative,
		Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: attrs}},
		Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true,
		Grading: liaison.Grading{Source: "B", Information: 2}, TLP: tlp, Handling: liaison.H1,
		CaseID: w.holderCase, RetainUntil: w.clock.Now().AddDate(1, 0, 0)}
	if shared {
		in.SharedWith = []liaison.ID{w.community.ID}
	}
	if tlp == liaison.TLPRed {
		in.Recipients = []liaison.ID{w.writer.ID}
	}
	if mod != nil {
		mod(&in)
	}
	r, err := w.svc.CreateIntelRecord(w.as(w.writer), in)
	must(w.t, err)
	w.clock.Add(time.Minute)
	return r
}

func (w *searchWorld) index() { indexAll(w.t, w.svc, w.sys) }

func (w *searchWorld) search(u *liaison.User, in service.SearchRequest) *service.SearchResponse {
	return searchAs(w.t, w.svc, w.as(u), in)
}

// indexAll brings the search index up to date.
func indexAll(t *testing.T, svc *service.Service, sys context.Context) {
	t.Helper()
	if _, err := svc.IndexSearch(sys); err != nil {
		t.Fatal(err)
	}
}

// searchAs searches as the context's user, for counterterrorism unless
// the request declares a purpose.
func searchAs(t *testing.T, svc *service.Service, ctx context.Context, in service.SearchRequest) *service.SearchResponse {
	t.Helper()
	if in.Purpose == "" {
		in.Purpose = liaison.PurposeCounterterrorism
	}
	resp, err := svc.Search(ctx, in)
	must(t, err)
	return resp
}

func resultIDs(r *service.SearchResponse) []liaison.ID {
	var ids []liaison.ID
	for _, x := range r.Results {
		ids = append(ids, x.ID)
	}
	return ids
}

// pointerItems reads the items a pointer keeps server-side.
func (w *searchWorld) pointerItems(id liaison.ID) []liaison.ID {
	w.t.Helper()
	var items []liaison.ID
	must(w.t, w.store.View(w.sys, func(tx liaison.Tx) error {
		p, err := tx.FindPointer(w.sys, id)
		if err == nil {
			items = p.Items
		}
		return err
	}))
	return items
}

func (w *searchWorld) inbox(u *liaison.User) ([]*liaison.InboxMessage, error) {
	w.t.Helper()
	ms, _, err := w.svc.Inbox(w.as(u), liaison.InboxFilter{}, liaison.Page{Limit: 50})
	return ms, err
}

func (w *searchWorld) inboxErr(u *liaison.User) ([]*liaison.InboxMessage, error) { return w.inbox(u) }

func (w *searchWorld) ledger(item liaison.ID) []*liaison.Dissemination {
	w.t.Helper()
	var out []*liaison.Dissemination
	must(w.t, w.store.View(w.sys, func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListDisseminations(w.sys, liaison.DisseminationFilter{ItemID: item}, liaison.Page{Limit: 10})
		return err
	}))
	return out
}

func TestSearchReleasesWhatPolicyAllowsAndPointsToTheRest(t *testing.T) {
	w := newSearchWorld(t)
	shared := w.record("Baranov bought fertilizer", "Viktor Baranov paid cash for 40 bags at the farm store.", liaison.TLPAmber, true,
		map[string]string{"name": "Viktor Baranov", "plate": "CPX-4471"}, nil)
	hidden := w.record("Baranov watched the harbour gate", "Subject photographed the harbour gate twice from a grey van.", liaison.TLPAmber, false,
		map[string]string{"name": "Viktor Baranov"}, nil)
	red := w.record("Baranov informant", "Source Nightjar reports Baranov travels on Friday.", liaison.TLPRed, false,
		map[string]string{"name": "Viktor Baranov"}, nil)
	nopointer := w.record("Baranov undercover contact", "Undercover contact with Baranov at the quarry.", liaison.TLPAmber, false,
		map[string]string{"name": "Viktor Baranov"}, func(in *liaison.IntelInput) { in.NoPointer = true })
	w.index()

	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	if got := resultIDs(resp); !slices.Equal(got, []liaison.ID{shared.ID}) {
		t.Fatalf("results %v, want only the shared record %s", got, shared.ID)
	}
	if resp.Results[0].Redaction != policy.Full || resp.Results[0].Title != shared.Title {
		t.Fatalf("result %+v: the agreement allows personal data, want the full record", resp.Results[0])
	}
	if len(resp.Pointers) != 1 {
		t.Fatalf("pointers %+v, want one for the holder's intelligence", resp.Pointers)
	}
	p := resp.Pointers[0]
	if p.AgencyID != w.holder.ID || p.Kind != liaison.KindIntelligence || p.Contact == nil || p.From.After(p.To) {
		t.Fatalf("pointer %+v", p)
	}
	if items := w.pointerItems(p.ID); !slices.Equal(items, []liaison.ID{hidden.ID}) {
		t.Fatalf("pointer items %v: want only %s; TLP:RED %s and no-pointer %s must never be behind a pointer", items, hidden.ID, red.ID, nopointer.ID)
	}
	// Nothing of the hidden, red or no-pointer records reaches the searcher.
	body, _ := json.Marshal(resp)
	for _, leak := range []string{hidden.ID, red.ID, nopointer.ID, "harbour", "Nightjar", "quarry", "Friday", "grey van"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("response carries %q: %s", leak, body)
		}
	}
	// Facets count only what the searcher may see.
	if resp.Facets["kind"]["intelligence"] != 1 || len(resp.Facets["agency"]) != 1 {
		t.Errorf("facets %v count hidden items", resp.Facets)
	}
	// The holder's supervisors hear of the hit, with who searched and never what.
	inbox, err := w.inboxErr(w.sup)
	must(t, err)
	if len(inbox) != 1 || inbox[0].Kind != "search_hit" || !strings.Contains(inbox[0].Body, w.analyst.Name) || strings.Contains(inbox[0].Body, "baranov") {
		t.Fatalf("holder's inbox %+v, want one search_hit notice naming the searcher and not the query", inbox)
	}
	// The searcher's own agency's items never come back as pointers, and
	// repeating the search does not notify the holder again.
	_ = w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	inbox, _ = w.inbox(w.sup)
	if len(inbox) != 1 {
		t.Errorf("a repeated search notified the holder again: %d notices", len(inbox))
	}
	// The holder itself sees all four, no pointers.
	own := w.search(w.writer, service.SearchRequest{Q: "baranov"})
	if len(own.Results) != 4 || len(own.Pointers) != 0 {
		t.Errorf("the holder's writer sees %d results and %d pointers, want 4 and 0", len(own.Results), len(own.Pointers))
	}
	// An agency outside the community gets a pointer for the shared and the
	// hidden record, but still not for RED or no-pointer.
	out := w.search(w.outside, service.SearchRequest{Q: "baranov"})
	if len(out.Results) != 0 || len(out.Pointers) != 1 {
		t.Fatalf("outside agency: %d results, %d pointers", len(out.Results), len(out.Pointers))
	}
	items := w.pointerItems(out.Pointers[0].ID)
	slices.Sort(items)
	want := []liaison.ID{shared.ID, hidden.ID}
	slices.Sort(want)
	if !slices.Equal(items, want) {
		t.Errorf("outside pointer items %v, want %v", items, want)
	}
	// The audit entry records the search, and the release is ledgered.
	evs := w.audit(liaison.AuditFilter{Action: "search"})
	if len(evs) == 0 || !strings.Contains(evs[0].Details[liaison.AuditObjectsDetail], shared.ID) {
		t.Fatalf("search audit %+v", evs)
	}
	led := w.ledger(shared.ID)
	if len(led) == 0 || led[0].RecipientUserID != w.analyst.ID {
		t.Errorf("ledger %+v: the search released %s to the analyst", led, shared.ID)
	}
}

// TestSearchHiddenAndMissingLookAlike: a word found only in items the
// searcher may not see, and may not even get a pointer to, answers exactly
// as a word found nowhere.
func TestSearchHiddenAndMissingLookAlike(t *testing.T) {
	w := newSearchWorld(t)
	w.record("Zebulon Quartermain meeting", "Zebulon Quartermain met the courier.", liaison.TLPRed, false, map[string]string{"name": "Zebulon Quartermain"}, nil)
	w.record("Xanthippe Marlowe meeting", "Xanthippe Marlowe met the courier.", liaison.TLPAmber, false, map[string]string{"name": "Xanthippe Marlowe"},
		func(in *liaison.IntelInput) { in.NoPointer = true })
	// A report still in vetting: its agency's alone, and no pointer.
	_, err := w.svc.CreateSAR(w.as(w.writer), service.SARInput{Title: "Yolanda Pemberton at the dam", Narrative: "Yolanda Pemberton sketched the spillway.", Where: liaison.Place{Address: "Dam road"},
		When: liaison.SARTime{Time: w.clock.Now().Add(-time.Hour)}, Categories: []liaison.Category{liaison.CatPhotography}, Submit: true})
	must(t, err)
	w.index()
	shape := func(r *service.SearchResponse) string {
		r.Index = liaison.SearchIndexState{}
		b, _ := json.Marshal(r)
		return string(b)
	}
	missing := shape(w.search(w.analyst, service.SearchRequest{Q: "nonexistentword"}))
	for _, q := range []string{"quartermain", "marlowe", "pemberton"} {
		if got := shape(w.search(w.analyst, service.SearchRequest{Q: q})); got != missing {
			t.Errorf("search %q answers %s; a missing word answers %s", q, got, missing)
		}
	}
	// The same for the facet-only search of a filter.
	if got := shape(w.search(w.analyst, service.SearchRequest{Kinds: []liaison.RecordKind{liaison.KindSAR}})); got != missing {
		t.Errorf("a kind filter over a hidden report answers %s", got)
	}
}

func TestSearchIdentifierFuzzyAndFilters(t *testing.T) {
	w := newSearchWorld(t)
	a := w.record("Vehicle seen at the depot", "A sedan circled the fuel depot.", liaison.TLPGreen, true,
		map[string]string{"name": "Victor Baranov", "plate": "CPX-4471", "phone": "+1 (555) 201-7788"}, nil)
	b := w.record("Photographs of the bridge", "Two men photographed the bridge supports.", liaison.TLPAmber, true,
		map[string]string{"name": "Jon Smith"}, nil)
	lat, lon := 38.9, -77.0
	sr, err := w.svc.CreateSAR(w.as(w.writer), service.SARInput{Title: "Drone over the stadium", Narrative: "A drone hovered over the stadium for ten minutes.",
		When: liaison.SARTime{Time: w.clock.Now().Add(-2 * time.Hour)}, Where: liaison.Place{Address: "Stadium", Lat: &lat, Lon: &lon},
		Categories: []liaison.Category{liaison.CatAviation}})
	must(t, err)
	w.index()
	for _, c := range []struct {
		name string
		in   service.SearchRequest
		want []liaison.ID
	}{
		{"plate substring", service.SearchRequest{Identifier: "4471"}, []liaison.ID{a.ID}},
		{"plate typed loosely", service.SearchRequest{Identifier: "cpx 4471"}, []liaison.ID{a.ID}},
		{"phone digits", service.SearchRequest{Identifier: "2017788"}, []liaison.ID{a.ID}},
		{"sounds like, asked for", service.SearchRequest{Q: "Viktor Baranof", Fuzzy: true}, []liaison.ID{a.ID}},
		{"sounds like, not asked for", service.SearchRequest{Q: "Viktor Baranof"}, nil},
		{"stemming", service.SearchRequest{Q: "photograph"}, []liaison.ID{b.ID}},
		{"kind", service.SearchRequest{Q: "stadium", Kinds: []liaison.RecordKind{liaison.KindIntelligence}}, nil},
		{"tlp", service.SearchRequest{TLPs: []liaison.TLP{"green"}}, []liaison.ID{a.ID}},
		{"category", service.SearchRequest{Categories: []liaison.Category{liaison.CatAviation}}, []liaison.ID{sr.ID}},
		{"category with words", service.SearchRequest{Q: "drone", Categories: []liaison.Category{liaison.CatAviation, liaison.CatPhotography}}, []liaison.ID{sr.ID}},
		{"another category with words", service.SearchRequest{Q: "drone", Categories: []liaison.Category{liaison.CatPhotography}}, nil},
		{"radius", service.SearchRequest{Near: &service.Near{Lat: 38.91, Lon: -77.0, RadiusM: 2000}}, []liaison.ID{sr.ID}},
		{"radius missing it", service.SearchRequest{Near: &service.Near{Lat: 39.0, Lon: -77.0, RadiusM: 2000}}, nil},
		{"bbox", service.SearchRequest{Box: &liaison.BoundingBox{MinLat: 38, MaxLat: 39, MinLon: -78, MaxLon: -76}}, []liaison.ID{sr.ID}},
		{"date range", service.SearchRequest{Q: "drone", From: ptr(w.clock.Now().Add(-24 * time.Hour)), To: ptr(w.clock.Now())}, []liaison.ID{sr.ID}},
		{"date range missing it", service.SearchRequest{Q: "drone", To: ptr(w.clock.Now().Add(-24 * time.Hour))}, nil},
	} {
		got := resultIDs(w.search(w.writer, c.in))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// The matched subject is named in the result.
	r := w.search(w.writer, service.SearchRequest{Identifier: "4471"})
	if len(r.Results[0].Entities) != 1 || r.Results[0].Entities[0].Attributes["plate"] != "CPX-4471" {
		t.Errorf("matched entities %+v", r.Results[0].Entities)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSearchRefusesBadInputNamingTheField(t *testing.T) {
	w := newSearchWorld(t)
	long := strings.Repeat("word ", 17)
	for _, c := range []struct {
		in    service.SearchRequest
		field string
	}{
		{service.SearchRequest{}, "q"},
		{service.SearchRequest{Q: "!!! ???"}, "q"},
		{service.SearchRequest{Q: long}, "q"},
		{service.SearchRequest{Identifier: "ab"}, "identifier"},
		{service.SearchRequest{Q: "x", Kinds: []liaison.RecordKind{"operation"}}, "kinds[0]"},
		{service.SearchRequest{Q: "x", Categories: []liaison.Category{"nonsense"}}, "categories[0]"},
		{service.SearchRequest{Q: "x", Agencies: []liaison.ID{"nope"}}, "agencies[0]"},
		{service.SearchRequest{Q: "x", TLPs: []liaison.TLP{"purple"}}, "tlp[0]"},
		{service.SearchRequest{Q: "x", From: ptr(w.clock.Now()), To: ptr(w.clock.Now().Add(-time.Hour))}, "to"},
		{service.SearchRequest{Q: "x", Box: &liaison.BoundingBox{MinLat: 10, MaxLat: 5}}, "bbox"},
		{service.SearchRequest{Q: "x", Near: &service.Near{Lat: 1, Lon: 1, RadiusM: 0}}, "near.radius_m"},
		{service.SearchRequest{Q: "x", Cursor: "abc"}, "cursor"},
		{service.SearchRequest{Q: "x", Limit: 1000}, "limit"},
		{service.SearchRequest{Q: "x", Purpose: "curiosity"}, "purpose"},
	} {
		_, err := w.svc.Search(w.as(w.analyst), c.in)
		wantErr(t, err, liaison.EINVALID, c.field)
	}
	if evs := w.audit(liaison.AuditFilter{Action: "search"}); len(evs) != 0 {
		t.Errorf("refused searches were recorded as searches: %d", len(evs))
	}
}

func TestSearchPagesThroughEverythingOnce(t *testing.T) {
	w := newSearchWorld(t)
	want := map[liaison.ID]bool{}
	for i := range 230 {
		r := w.record(fmt.Sprintf("Courier sighting %d", i), strings.Repeat("courier ", 1+i%5)+"seen near the depot", liaison.TLPAmber, true,
			map[string]string{"name": "Courier"}, nil)
		want[r.ID] = true
	}
	w.index()
	seen := map[liaison.ID]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatal("paging does not end")
		}
		resp := w.search(w.analyst, service.SearchRequest{Q: "courier", Limit: 40, Cursor: cursor})
		for _, r := range resp.Results {
			if seen[r.ID] {
				t.Fatalf("%s came back twice", r.ID)
			}
			seen[r.ID] = true
		}
		if resp.Next == "" {
			break
		}
		cursor = resp.Next
	}
	if len(seen) != len(want) {
		t.Fatalf("paged through %d results, want %d", len(seen), len(want))
	}
}

// TestSearchRelevanceOnAJudgedSet: a small judged query set. For each
// query the relevant records are the ones about it (its words in the title
// and subjects); the others mention the words in passing and are newer.
// The ranking must put the relevant ones first (precision at 3 of at least
// 0.9 over the set), where newest-first order alone does worse.
func TestSearchRelevanceOnAJudgedSet(t *testing.T) {
	w := newSearchWorld(t)
	type judged struct {
		q        string
		relevant []liaison.ID
	}
	topics := []struct{ q, title, name string }{
		{"harbour crane", "Harbour crane reconnaissance", "Ilse Varga"},
		{"fertilizer purchase", "Fertilizer purchase in bulk", "Omar Castillo"},
		{"drone stadium", "Drone flights over the stadium", "Pavel Orlov"},
		{"passport fraud", "Passport fraud ring", "Mei Tanaka"},
	}
	var set []judged
	for _, tp := range topics {
		var rel []liaison.ID
		for i := range 3 {
			r := w.record(fmt.Sprintf("%s (%d)", tp.title, i+1),
				fmt.Sprintf("%s: a detailed account. %s %s %s.", tp.title, tp.q, tp.q, tp.name), liaison.TLPAmber, true,
				map[string]string{"name": tp.name}, nil)
			rel = append(rel, r.ID)
		}
		set = append(set, judged{tp.q, rel})
	}
	// Newer records that mention each query's words once, in passing, in
	// long narratives about something else.
	filler := strings.Repeat("Routine patrol notes about traffic, weather and shift changes. ", 12)
	for _, tp := range topics {
		words := strings.Fields(tp.q)
		for i := range 6 {
			w.record(fmt.Sprintf("Patrol log %d", i), filler+" Someone mentioned "+words[0]+" and later "+words[1]+". "+filler,
				liaison.TLPAmber, true, map[string]string{"name": "Patrol"}, nil)
		}
	}
	w.index()
	var ours, recency float64
	for _, j := range set {
		resp := w.search(w.analyst, service.SearchRequest{Q: j.q, Limit: 3})
		for _, r := range resp.Results {
			if slices.Contains(j.relevant, r.ID) {
				ours++
			}
		}
		// The baseline: the three newest matches.
		all := w.search(w.analyst, service.SearchRequest{Q: j.q, Limit: 100})
		slices.SortFunc(all.Results, func(a, b *service.SearchResult) int { return strings.Compare(b.ID, a.ID) }) // ids are time-ordered
		for _, r := range all.Results[:3] {
			if slices.Contains(j.relevant, r.ID) {
				recency++
			}
		}
	}
	n := float64(3 * len(set))
	t.Logf("precision at 3: ranked %.2f, newest first %.2f", ours/n, recency/n)
	if ours/n < 0.9 {
		t.Errorf("precision at 3 is %.2f, want at least 0.9", ours/n)
	}
	if ours <= recency {
		t.Errorf("ranking (%.0f relevant) is no better than newest first (%.0f)", ours, recency)
	}
}

func TestAccessRequestGrantLifecycle(t *testing.T) {
	w := newSearchWorld(t)
	hidden := w.record("Baranov watched the harbour gate", "Viktor Baranov photographed the harbour gate.", liaison.TLPAmber, false,
		map[string]string{"name": "Viktor Baranov", "plate": "CPX-4471"}, nil)
	w.index()
	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	if len(resp.Pointers) != 1 {
		t.Fatalf("pointers %+v", resp.Pointers)
	}
	handle := resp.Pointers[0].ID
	ct := liaison.PurposeCounterterrorism
	just := "The subject is a person of interest in our regional threat picture."

	// Bad input names the field and stores nothing.
	for _, c := range []struct {
		in    service.AccessRequestInput
		field string
	}{
		{service.AccessRequestInput{Pointer: handle, CaseID: w.seekerCase, Justification: just}, "purpose"},
		{service.AccessRequestInput{Pointer: handle, Purpose: ct, Justification: just}, "case_id"},
		{service.AccessRequestInput{Pointer: handle, Purpose: ct, CaseID: w.seekerCase, Justification: "need it"}, "justification"},
		{service.AccessRequestInput{Pointer: handle, Purpose: ct, CaseID: w.holderCase, Justification: just}, "case_id"},
		{service.AccessRequestInput{Pointer: "x", Purpose: ct, CaseID: w.seekerCase, Justification: just}, "pointer"},
	} {
		_, err := w.svc.RequestAccess(w.as(w.analyst), c.in)
		wantErr(t, err, liaison.EINVALID, c.field)
	}
	// A handle issued to someone else, even in the same agency, or made up,
	// is not found.
	_, err := w.svc.RequestAccess(w.as(w.colleague), service.AccessRequestInput{Pointer: handle, Purpose: ct, CaseID: w.seekerCase, Justification: just})
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: liaison.NewID(), Purpose: ct, CaseID: w.seekerCase, Justification: just})
	wantErr(t, err, liaison.ENOTFOUND, "")
	mine, _, err := w.svc.ListAccessRequests(w.as(w.analyst), "mine", nil, liaison.Page{})
	must(t, err)
	if len(mine) != 0 {
		t.Fatalf("refused requests were stored: %+v", mine)
	}

	req, err := w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: handle, Purpose: ct, CaseID: w.seekerCase, Justification: just})
	must(t, err)
	if req.State != liaison.RequestPending || !req.Due.Equal(w.clock.Now().Add(service.DefaultAccessSLA)) {
		t.Fatalf("request %+v", req)
	}
	// The requester does not learn which items are behind the pointer.
	got, err := w.svc.GetAccessRequest(w.as(w.analyst), req.ID)
	must(t, err)
	if len(got.Items) != 0 {
		t.Errorf("the requester sees the items %v", got.Items)
	}
	// The control official (the writer) and the supervisors are told.
	for _, u := range []*liaison.User{w.writer, w.sup} {
		inbox, _ := w.inbox(u)
		if !slices.ContainsFunc(inbox, func(m *liaison.InboxMessage) bool { return m.Kind == "access_request" && m.Ref == req.ID }) {
			t.Errorf("%s was not told of the request", u.Login)
		}
	}
	// Not yet granted: the record is still hidden.
	if _, _, err := w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, ct); liaison.ErrorCode(err) != liaison.ENOTFOUND {
		t.Fatalf("before approval: %v", err)
	}
	// Someone of the holder's agency who is neither control official nor
	// supervisor cannot decide; nor can the requester.
	for _, u := range []*liaison.User{w.holderOfficer, w.analyst} {
		_, err := w.svc.DecideAccessRequest(w.as(u), req.ID, service.AccessDecision{Decision: "approve"})
		wantErr(t, err, liaison.ENOTFOUND, "")
	}
	_, err = w.svc.DecideAccessRequest(w.as(w.writer), req.ID, service.AccessDecision{Decision: "deny"})
	wantErr(t, err, liaison.EINVALID, "reason")
	_, err = w.svc.DecideAccessRequest(w.as(w.writer), req.ID, service.AccessDecision{Decision: "approve", Items: []liaison.ID{liaison.NewID()}})
	wantErr(t, err, liaison.EINVALID, "items[0]")

	expires := w.clock.Now().Add(7 * 24 * time.Hour)
	dec, err := w.svc.DecideAccessRequest(w.as(w.writer), req.ID, service.AccessDecision{Decision: "approve_redacted", Reason: "no identities yet", Expires: &expires})
	must(t, err)
	if dec.State != liaison.RequestPartial || len(dec.Granted) != 1 {
		t.Fatalf("decision %+v", dec)
	}
	_, err = w.svc.DecideAccessRequest(w.as(w.sup), req.ID, service.AccessDecision{Decision: "approve"})
	wantErr(t, err, liaison.ECONFLICT, "decision")

	// The grant works for the requester, the purpose, without personal data.
	r, d, err := w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, ct)
	must(t, err)
	if d.Redaction != policy.NoPII || strings.Contains(r.Narrative, "Baranov") || r.Subjects[0].Attributes["name"] == "Viktor Baranov" {
		t.Fatalf("granted read %+v (%s): a redacted approval must not release identities", r, d.Redaction)
	}
	if !slices.Contains(d.Policies, "originator-grant") {
		t.Errorf("decided by %v, want originator-grant", d.Policies)
	}
	// Search now returns it as a result.
	if ids := resultIDs(w.search(w.analyst, service.SearchRequest{Q: "harbour"})); !slices.Contains(ids, hidden.ID) {
		t.Errorf("search with the grant: %v", ids)
	}
	// Not for another purpose, not for a colleague.
	_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, liaison.PurposeCriminalInvestigation)
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, _, err = w.svc.GetIntelRecord(w.as(w.colleague), hidden.ID, ct)
	wantErr(t, err, liaison.ENOTFOUND, "")
	// The release is in the ledger.
	led := w.ledger(hidden.ID)
	if len(led) == 0 || !led[0].Redacted {
		t.Errorf("ledger %+v", led)
	}
	// Revocation ends it at once; only the holder's officials may revoke.
	_, err = w.svc.RevokeGrant(w.as(w.analyst), dec.Granted[0], "no longer needed")
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = w.svc.RevokeGrant(w.as(w.sup), dec.Granted[0], "")
	wantErr(t, err, liaison.EINVALID, "reason")
	_, err = w.svc.RevokeGrant(w.as(w.sup), dec.Granted[0], "case closed on our side")
	must(t, err)
	_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, ct)
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func TestGrantExpires(t *testing.T) {
	w := newSearchWorld(t)
	hidden := w.record("Baranov at the gate", "Viktor Baranov at the gate.", liaison.TLPAmber, false, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	ct := liaison.PurposeCounterterrorism
	req, err := w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: resp.Pointers[0].ID, Purpose: ct, CaseID: w.seekerCase,
		Justification: "Needed for the regional threat picture this week."})
	must(t, err)
	expires := w.clock.Now().Add(24 * time.Hour)
	_, err = w.svc.DecideAccessRequest(w.as(w.sup), req.ID, service.AccessDecision{Decision: "approve", Expires: &expires})
	must(t, err)
	r, d, err := w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, ct)
	must(t, err)
	if d.Redaction != policy.Full || r.Subjects[0].Attributes["name"] != "Viktor Baranov" {
		t.Fatalf("a full approval releases the record in full: %s", d.Redaction)
	}
	w.clock.Add(24 * time.Hour)
	_, _, err = w.svc.GetIntelRecord(w.as(w.analyst), hidden.ID, ct)
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func TestAccessRequestsEscalateWhenOverdue(t *testing.T) {
	w := newSearchWorld(t)
	w.record("Baranov at the gate", "Viktor Baranov at the gate.", liaison.TLPAmber, false, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	req, err := w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: resp.Pointers[0].ID, Purpose: liaison.PurposeCounterterrorism,
		CaseID: w.seekerCase, Justification: "Needed for the regional threat picture this week."})
	must(t, err)
	if n, err := w.svc.EscalateAccessRequests(w.sys); err != nil || n != 0 {
		t.Fatalf("escalated %d before the deadline (%v)", n, err)
	}
	w.clock.Add(service.DefaultAccessSLA + time.Minute)
	if n, err := w.svc.EscalateAccessRequests(w.sys); err != nil || n != 1 {
		t.Fatalf("escalated %d after the deadline (%v)", n, err)
	}
	if n, _ := w.svc.EscalateAccessRequests(w.sys); n != 0 {
		t.Errorf("escalated the same request again")
	}
	inbox, _ := w.inbox(w.sup)
	if !slices.ContainsFunc(inbox, func(m *liaison.InboxMessage) bool { return m.Kind == "access_overdue" && m.Ref == req.ID }) {
		t.Errorf("the supervisor was not told: %+v", inbox)
	}
}

func TestPointerRequestAfterItemBecomesNoPointer(t *testing.T) {
	w := newSearchWorld(t)
	r := w.record("Baranov at the gate", "Viktor Baranov at the gate.", liaison.TLPAmber, false, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	// The originator marks it no-pointer after the search.
	in := liaison.IntelInput{Title: r.Title, Narrative: r.Narrative, Subjects: r.Subjects, Predicate: r.Predicate, LawfulCollection: true,
		Grading: r.Grading, TLP: r.TLP, Handling: r.Handling, CaseID: r.CaseID, RetainUntil: r.RetainUntil, Version: r.Version, NoPointer: true}
	_, err := w.svc.CorrectIntelRecord(w.as(w.writer), r.ID, in)
	must(t, err)
	w.index()
	_, err = w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: resp.Pointers[0].ID, Purpose: liaison.PurposeCounterterrorism,
		CaseID: w.seekerCase, Justification: "Needed for the regional threat picture this week."})
	wantErr(t, err, liaison.ENOTFOUND, "")
	if again := w.search(w.analyst, service.SearchRequest{Q: "baranov"}); len(again.Pointers) != 0 {
		t.Errorf("a no-pointer record still gives pointers: %+v", again.Pointers)
	}
}

func TestSavedSearchReportsNewMatchesInTheInbox(t *testing.T) {
	w := newSearchWorld(t)
	w.record("Old Baranov note", "Viktor Baranov, older.", liaison.TLPAmber, true, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	_, err := w.svc.SaveSearch(w.as(w.analyst), "", service.SearchRequest{Q: "baranov", Purpose: liaison.PurposeCounterterrorism})
	wantErr(t, err, liaison.EINVALID, "name")
	_, err = w.svc.SaveSearch(w.as(w.analyst), "bad", service.SearchRequest{Identifier: "x"})
	wantErr(t, err, liaison.EINVALID, "query.identifier")
	ss, err := w.svc.SaveSearch(w.as(w.analyst), "Baranov", service.SearchRequest{Q: "baranov", Purpose: liaison.PurposeCounterterrorism})
	must(t, err)
	_, err = w.svc.SaveSearch(w.as(w.analyst), "Baranov", service.SearchRequest{Q: "other"})
	wantErr(t, err, liaison.ECONFLICT, "name")

	fresh := w.record("New Baranov sighting", "Viktor Baranov seen again.", liaison.TLPAmber, true, map[string]string{"name": "Viktor Baranov"}, nil)
	w.record("Hidden Baranov note", "Viktor Baranov, not shared.", liaison.TLPAmber, false, map[string]string{"name": "Viktor Baranov"}, nil)
	w.record("Unrelated", "Nothing to see.", liaison.TLPAmber, true, map[string]string{"name": "Someone"}, nil)
	w.index()
	inbox, err := w.inboxErr(w.analyst)
	must(t, err)
	var got []*liaison.InboxMessage
	for _, m := range inbox {
		if m.Kind == "saved_search" && m.Ref == ss.ID {
			got = append(got, m)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0].Body, fresh.ID) || !strings.Contains(got[0].Title, "1 new results, 1 pointers") ||
		strings.Contains(got[0].Body, "Old Baranov") || strings.Contains(got[0].Body, "not shared") {
		t.Fatalf("saved search notices %+v", got)
	}
	// Nothing new: no further notice.
	w.index()
	inbox, _ = w.inbox(w.analyst)
	n := 0
	for _, m := range inbox {
		if m.Kind == "saved_search" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d saved-search notices, want 1", n)
	}
	list, err := w.svc.ListSavedSearches(w.as(w.analyst))
	must(t, err)
	if len(list) != 1 || list[0].Hits != 2 {
		t.Errorf("saved searches %+v", list)
	}
	must(t, w.svc.DeleteSavedSearch(w.as(w.analyst), ss.ID))
	wantErr(t, w.svc.DeleteSavedSearch(w.as(w.colleague), ss.ID), liaison.ENOTFOUND, "")
}

func TestPurgedRecordsLeaveTheIndex(t *testing.T) {
	w := newSearchWorld(t)
	r := w.record("Baranov note", "Viktor Baranov.", liaison.TLPAmber, true, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	if len(w.search(w.writer, service.SearchRequest{Q: "baranov"}).Results) != 1 {
		t.Fatal("not found before the purge")
	}
	w.clock.Add(366 * 24 * time.Hour)
	if _, err := w.svc.PurgeExpired(w.sys, false); err != nil {
		t.Fatal(err)
	}
	w.index()
	resp := w.search(w.writer, service.SearchRequest{Q: "baranov"})
	if len(resp.Results) != 0 {
		t.Errorf("purged record %s still found: %+v", r.ID, resp.Results)
	}
	if resp.Index.Pending != 0 {
		t.Errorf("index lag %+v after indexing", resp.Index)
	}
}

// TestSearchTimeHiddenLikeMissing: searching for a word that only items
// the searcher may not see and may not even get a pointer to contain
// (TLP:RED, no-pointer) takes as long as searching for a word that exists
// nowhere: the gap stays within the noise. Runs are interleaved and the
// medians compared.
func TestSearchTimeHiddenLikeMissing(t *testing.T) {
	w := newSearchWorld(t)
	for i := range 40 {
		w.record(fmt.Sprintf("Routine note %d", i), "Courier seen near the depot.", liaison.TLPAmber, i%2 == 0, map[string]string{"name": "Courier"}, nil)
	}
	for i := range 5 {
		w.record("Quillfeather meeting", "Zanzibarian Quillfeather met the courier.", liaison.TLPRed, false, map[string]string{"name": "Quillfeather"}, nil)
		w.record("Brackenridge meeting", "Brackenridge met the courier.", liaison.TLPAmber, false, map[string]string{"name": "Brackenridge"},
			func(in *liaison.IntelInput) { in.NoPointer = true; in.Title += fmt.Sprint(i) })
	}
	w.index()
	ctx := w.as(w.analyst)
	timeOf := func(q string) time.Duration {
		t0 := time.Now()
		if _, err := w.svc.Search(ctx, service.SearchRequest{Q: q, Purpose: liaison.PurposeCounterterrorism}); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	var hidden, missing []time.Duration
	for i := range 120 {
		if i%2 == 0 {
			hidden = append(hidden, timeOf("quillfeather"), timeOf("brackenridge"))
			missing = append(missing, timeOf("nowhereword"), timeOf("absentword"))
		} else {
			missing = append(missing, timeOf("nowhereword"), timeOf("absentword"))
			hidden = append(hidden, timeOf("quillfeather"), timeOf("brackenridge"))
		}
	}
	median := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	mh, mm := median(hidden), median(missing)
	gap := mh - mm
	if gap < 0 {
		gap = -gap
	}
	t.Logf("median search: hidden %v, missing %v, gap %v", mh, mm, gap)
	if gap > max(time.Millisecond, mm/4) {
		t.Errorf("a hidden word takes %v, a missing word %v: the gap tells them apart", mh, mm)
	}
}

func TestExpiredPointersCannotBeUsedAndAreDeleted(t *testing.T) {
	w := newSearchWorld(t)
	w.record("Baranov at the gate", "Viktor Baranov at the gate.", liaison.TLPAmber, false, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	resp := w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	w.clock.Add(31 * 24 * time.Hour)
	_, err := w.svc.RequestAccess(w.as(w.analyst), service.AccessRequestInput{Pointer: resp.Pointers[0].ID, Purpose: liaison.PurposeCounterterrorism,
		CaseID: w.seekerCase, Justification: "Needed for the regional threat picture this week."})
	wantErr(t, err, liaison.ENOTFOUND, "")
	n, err := w.svc.DeleteExpiredPointers(w.sys)
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d expired pointers, want 1", n)
	}
	// A new search, a day later, tells the holder again.
	before, _ := w.inbox(w.sup)
	w.search(w.analyst, service.SearchRequest{Q: "baranov"})
	after, _ := w.inbox(w.sup)
	if len(after) != len(before)+1 {
		t.Errorf("holder notices %d -> %d, want one more a month later", len(before), len(after))
	}
}

// TestSearchWordsNeverMatchAccessTokens: the index keeps tokens for the
// holding agency, communities and recipients beside the text; a word
// typed by a user that equals one matches nothing.
func TestSearchWordsNeverMatchAccessTokens(t *testing.T) {
	w := newSearchWorld(t)
	w.record("Baranov note", "Viktor Baranov.", liaison.TLPAmber, true, map[string]string{"name": "Viktor Baranov"}, nil)
	w.index()
	for _, tok := range []string{"a" + w.holder.ID, "c" + w.community.ID, "u" + w.writer.ID} {
		tok = strings.ToLower(strings.ReplaceAll(tok, "-", ""))
		resp := w.search(w.outside, service.SearchRequest{Q: tok})
		if len(resp.Results)+len(resp.Pointers) != 0 {
			t.Errorf("the word %s matched: %+v %+v", tok, resp.Results, resp.Pointers)
		}
	}
	if resp := w.search(w.outside, service.SearchRequest{Q: "baranov"}); len(resp.Pointers) != 1 {
		t.Fatalf("the control search found no pointer: %+v", resp)
	}
}
