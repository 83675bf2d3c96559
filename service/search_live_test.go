package service_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/sar"
	"liaison/service"
	"liaison/storetest"
)

// liveWorld is a search world on any store: a holding police department
// in a regional community with a fusion center (an agreement with
// personal data), a police department whose agreement has none, a
// private-sector partner (an agreement releasing to private partners), an
// international partner (no international release in the region, release
// in an international channel the holder also belongs to), and an agency
// outside every community. All agreements: counterterrorism, reports and
// intelligence.
type liveWorld struct {
	t     *testing.T
	store liaison.Store
	svc   *service.Service
	clock *clock
	sys   context.Context

	holder, fc, nopii, private, intl, outside *liaison.Agency
	region, channel                           *liaison.Community
	writer, sup                               *liaison.User // the holder's
	vetter                                    *liaison.User // the fusion center's analyst: step 2, and a full reader
	redacted                                  *liaison.User // the no-PII partner's analyst
	priv, intlUser, outsider                  *liaison.User
	holderCase, fcCase                        *liaison.Case
}

func newLiveWorld(t *testing.T, store liaison.Store) *liveWorld {
	t.Helper()
	return newLiveWorldWith(t, store, func(w *liveWorld, agree func(*liaison.Agency, *liaison.Community, func(*liaison.AgreementInput))) {
		agree(w.fc, w.region, func(in *liaison.AgreementInput) { in.PIIAllowed = true })
		agree(w.nopii, w.region, nil)
		agree(w.private, w.region, func(in *liaison.AgreementInput) { in.PrivateRelease = true })
		agree(w.intl, w.region, nil)
		agree(w.intl, w.channel, func(in *liaison.AgreementInput) { in.InternationalRelease = true })
	})
}

// newLiveWorldWith builds the world with the agreements agreements makes
// (agree defaults to counterterrorism, reports and intelligence).
func newLiveWorldWith(t *testing.T, store liaison.Store, agreements func(w *liveWorld, agree func(*liaison.Agency, *liaison.Community, func(*liaison.AgreementInput)))) *liveWorld {
	t.Helper()
	c := &clock{t: start}
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	svc.Now = c.Now
	w := &liveWorld{t: t, store: store, svc: svc, clock: c, sys: liaison.NewContext(context.Background(), liaison.Actor{System: "test"})}
	agency := func(code string, kind liaison.AgencyKind) *liaison.Agency {
		a, err := svc.CreateAgency(w.sys, liaison.AgencyInput{Code: code, Name: "Agency " + code, Kind: kind, Country: "US",
			Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov"}}})
		must(t, err)
		return a
	}
	w.holder, w.fc, w.nopii = agency("HOLDER-PD", liaison.AgencyLocal), agency("REGION-FC", liaison.AgencyFusionCenter), agency("NOPII-PD", liaison.AgencyLocal)
	w.private, w.intl, w.outside = agency("UTILITY", liaison.AgencyPrivate), agency("INTL", liaison.AgencyInternational), agency("OUTSIDE-PD", liaison.AgencyLocal)
	community := func(name string, members ...*liaison.Agency) *liaison.Community {
		var ids []liaison.ID
		for _, a := range members {
			ids = append(ids, a.ID)
		}
		cm, err := svc.CreateCommunity(w.sys, liaison.CommunityInput{Name: name, Kind: liaison.CommunityOther, Members: ids})
		must(t, err)
		return cm
	}
	w.region = community("Region", w.holder, w.fc, w.nopii, w.private, w.intl)
	w.channel = community("Channel", w.holder, w.intl)
	agree := func(a *liaison.Agency, cm *liaison.Community, mod func(*liaison.AgreementInput)) {
		in := liaison.AgreementInput{AgencyID: a.ID, CommunityID: cm.ID, LegalBasis: "MOU",
			Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR},
			Expires: c.Now().AddDate(1, 0, 0)}
		if mod != nil {
			mod(&in)
		}
		_, err := svc.CreateAgreement(w.sys, in)
		must(t, err)
	}
	agreements(w, agree)
	user := func(a *liaison.Agency, login string, roles ...liaison.Role) *liaison.User {
		u, err := svc.CreateUser(w.sys, liaison.UserInput{Login: login, Name: "User " + login, Email: login + "@example.gov",
			AgencyID: a.ID, Roles: roles, Attributes: liaison.Attributes{Part23Trained: true, SwornOfficer: true}, Password: password})
		must(t, err)
		return u
	}
	w.writer = user(w.holder, "writer", liaison.RoleAnalyst, liaison.RoleOfficer)
	w.sup = user(w.holder, "sup", liaison.RoleSupervisor)
	w.vetter = user(w.fc, "vetter", liaison.RoleAnalyst)
	w.redacted = user(w.nopii, "redacted", liaison.RoleAnalyst)
	w.priv = user(w.private, "priv", liaison.RolePartnerLiaison)
	w.intlUser = user(w.intl, "intl", liaison.RoleAnalyst)
	w.outsider = user(w.outside, "outsider", liaison.RoleAnalyst)
	var err error
	w.holderCase, err = svc.CreateCase(w.as(w.writer), liaison.CaseInput{Title: "Port investigation"})
	must(t, err)
	w.fcCase, err = svc.CreateCase(w.as(w.vetter), liaison.CaseInput{Title: "Regional picture"})
	must(t, err)
	return w
}

func (w *liveWorld) as(u *liaison.User) context.Context {
	return liaison.NewContext(context.Background(), liaison.Actor{User: u})
}

// record writes a holder's intelligence record about one person.
func (w *liveWorld) record(title, narrative string, tlp liaison.TLP, shared []liaison.ID, attrs map[string]string, mod func(*liaison.IntelInput)) *liaison.IntelRecord {
	w.t.Helper()
	in := liaison.IntelInput{Title: title, Narrative: narrative, Subjects: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: attrs}},
		Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
		TLP: tlp, Handling: liaison.H1, CaseID: w.holderCase.ID, RetainUntil: w.clock.Now().AddDate(1, 0, 0), SharedWith: shared}
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

// relabel corrects a record's labels, keeping its content.
func (w *liveWorld) relabel(r *liaison.IntelRecord, mod func(*liaison.IntelInput)) *liaison.IntelRecord {
	w.t.Helper()
	in := liaison.IntelInput{Title: r.Title, Narrative: r.Narrative, Subjects: r.Subjects, Predicate: r.Predicate, LawfulCollection: true,
		Grading: r.Grading, TLP: r.TLP, Handling: r.Handling, CaseID: r.CaseID, RetainUntil: r.RetainUntil, Version: r.Version,
		NoPointer: r.NoPointer, SharedWith: r.SharedWith, Recipients: r.Recipients}
	mod(&in)
	if in.TLP == liaison.TLPRed && len(in.Recipients) == 0 {
		in.Recipients = []liaison.ID{w.writer.ID}
	}
	next, err := w.svc.CorrectIntelRecord(w.as(w.writer), r.ID, in)
	must(w.t, err)
	return next
}

// report files a holder's report and takes it through both steps, shared
// to communities at tlp; with no communities it stays awaiting step 1.
func (w *liveWorld) report(title, narrative string, where liaison.Place, attrs map[string]string, tlp liaison.TLP, communities ...liaison.ID) *liaison.SAR {
	w.t.Helper()
	in := service.SARInput{Title: title, Narrative: narrative, Why: "It looked wrong.", Where: where,
		When: liaison.SARTime{Time: w.clock.Now().Add(-time.Hour)}, Categories: []liaison.Category{liaison.CatPhotography}, Submit: true}
	if attrs != nil {
		in.Involved = []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: attrs}}
	}
	r, err := w.svc.CreateSAR(w.as(w.writer), in)
	must(w.t, err)
	w.clock.Add(time.Minute)
	if len(communities) == 0 {
		return r
	}
	_, err = w.svc.StepSAR(w.as(w.sup), r.ID, service.StepInput{Step: sar.Forward})
	must(w.t, err)
	r, err = w.svc.StepSAR(w.as(w.vetter), r.ID, service.StepInput{Step: sar.Share, Communities: communities, TLP: tlp,
		Corroboration: "Seen at two other sites by patrol this month."})
	must(w.t, err)
	return r
}

func (w *liveWorld) index() { indexAll(w.t, w.svc, w.sys) }

func (w *liveWorld) search(u *liaison.User, in service.SearchRequest) *service.SearchResponse {
	return searchAs(w.t, w.svc, w.as(u), in)
}

// pointed is what a response points to: "agency|kind" -> the items kept
// behind the pointer, sorted.
func (w *liveWorld) pointed(resp *service.SearchResponse) map[string][]liaison.ID {
	w.t.Helper()
	out := map[string][]liaison.ID{}
	for _, p := range resp.Pointers {
		must(w.t, w.store.View(w.sys, func(tx liaison.Tx) error {
			got, err := tx.FindPointer(w.sys, p.ID)
			if err == nil {
				items := slices.Clone(got.Items)
				slices.Sort(items)
				out[p.AgencyID+"|"+string(p.Kind)] = items
			}
			return err
		}))
	}
	return out
}

func pointedString(m map[string][]liaison.ID) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func forBackends(t *testing.T, f func(t *testing.T, w *liveWorld)) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) { f(t, newLiveWorld(t, be.Open(t))) })
	}
}

// TestSearchRedactedIdentifierMatchesNothing: a reader released a record
// without personal data cannot find it by a substring of its masked plate
// (which would rebuild the plate character by character); a reader with
// personal data can.
func TestSearchRedactedIdentifierMatchesNothing(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		r := w.record("Vehicle at the depot", "A sedan circled the fuel depot.", liaison.TLPAmber, []liaison.ID{w.region.ID},
			map[string]string{"name": "Viktor Baranov", "plate": "CPX-4471"}, nil)
		w.index()
		if got := resultIDs(w.search(w.redacted, service.SearchRequest{Q: "depot"})); !slices.Equal(got, []liaison.ID{r.ID}) {
			t.Fatalf("control: the redacted reader's word search finds %v, want %s", got, r.ID)
		}
		for _, ident := range []string{"4471", "CPX", "cpx-44", "X44"} {
			resp := w.search(w.redacted, service.SearchRequest{Identifier: ident})
			if len(resp.Results)+len(resp.Pointers) != 0 {
				t.Errorf("identifier %q by a redacted reader: %d results, %d pointers; want none (the plate is masked)", ident, len(resp.Results), len(resp.Pointers))
			}
			if got := resultIDs(w.search(w.vetter, service.SearchRequest{Identifier: ident})); !slices.Equal(got, []liaison.ID{r.ID}) {
				t.Errorf("identifier %q by a reader with personal data: %v, want %s", ident, got, r.ID)
			}
		}
		// Words and an identifier together: the identifier still never admits.
		if got := resultIDs(w.search(w.redacted, service.SearchRequest{Q: "depot", Identifier: "4471"})); len(got) != 0 {
			t.Errorf("words and identifier by a redacted reader: %v", got)
		}
	})
}

// TestSearchRedactedPlaceMatchesNothing: a report released without its
// coordinates cannot be bisected by bbox or near searches.
func TestSearchRedactedPlaceMatchesNothing(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		lat, lon := 38.9, -77.0
		r := w.report("Drone over the stadium", "A drone hovered over the stadium.", liaison.Place{Address: "Stadium", Lat: &lat, Lon: &lon},
			nil, liaison.TLPAmber, w.region.ID)
		w.index()
		if got := resultIDs(w.search(w.redacted, service.SearchRequest{Q: "drone"})); !slices.Equal(got, []liaison.ID{r.ID}) {
			t.Fatalf("control: the redacted reader finds %v by words, want %s", got, r.ID)
		}
		inside := &liaison.BoundingBox{MinLat: 38.8999, MaxLat: 38.9001, MinLon: -77.0001, MaxLon: -76.9999}
		outside := &liaison.BoundingBox{MinLat: 38.9001, MaxLat: 38.9002, MinLon: -77.0001, MaxLon: -76.9999}
		for _, c := range []struct {
			name string
			in   service.SearchRequest
		}{
			{"bbox around it", service.SearchRequest{Box: inside}},
			{"bbox beside it", service.SearchRequest{Box: outside}},
			{"words and bbox around it", service.SearchRequest{Q: "drone", Box: inside}},
			{"near it", service.SearchRequest{Near: &service.Near{Lat: lat, Lon: lon, RadiusM: 1}}},
			{"words and near it", service.SearchRequest{Q: "drone", Near: &service.Near{Lat: lat, Lon: lon, RadiusM: 5}}},
		} {
			if got := resultIDs(w.search(w.redacted, c.in)); len(got) != 0 {
				t.Errorf("%s, by a redacted reader: %v; a released report has no coordinates to match", c.name, got)
			}
		}
		if got := resultIDs(w.search(w.vetter, service.SearchRequest{Q: "drone", Box: inside})); !slices.Equal(got, []liaison.ID{r.ID}) {
			t.Errorf("control: a reader with personal data finds %v in the box, want %s", got, r.ID)
		}
	})
}

// TestSearchRedactedWordsOnlyInMaskedText: a word found only in what
// redaction removes (the subject's name) does not make the item a
// redacted result, nor a pointer: a pointer to an item the reader reads
// redacted would tell whether a guessed masked value matched.
func TestSearchRedactedWordsOnlyInMaskedText(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		r := w.record("Fertilizer purchase", "Viktor Baranov paid cash for fertilizer.", liaison.TLPAmber, []liaison.ID{w.region.ID},
			map[string]string{"name": "Viktor Baranov"}, nil)
		w.index()
		resp := w.search(w.redacted, service.SearchRequest{Q: "baranov"})
		if len(resp.Results) != 0 {
			t.Errorf("the name, masked for this reader, found %v", resultIDs(resp))
		}
		if len(resp.Pointers) != 0 {
			t.Errorf("the masked name gives pointers %v, want none", w.pointed(resp))
		}
		if got := resultIDs(w.search(w.redacted, service.SearchRequest{Q: "fertilizer"})); !slices.Equal(got, []liaison.ID{r.ID}) {
			t.Errorf("control: a released word finds %v, want %s", got, r.ID)
		}
		resp = w.search(w.vetter, service.SearchRequest{Q: "baranov"})
		if got := resultIDs(resp); !slices.Equal(got, []liaison.ID{r.ID}) || len(resp.Pointers) != 0 {
			t.Errorf("control: a reader with personal data finds %v with %d pointers, want %s and none", got, len(resp.Pointers), r.ID)
		}
	})
}

// TestSearchFiltersNeverDecidePointers: a non-reader's pointers depend on
// the words and the kinds only. A filter on the label, the place, the
// time, the category, the agency or an identifier that decided whether a
// pointer appears would tell them the item's label, place, time,
// category or identifiers.
func TestSearchFiltersNeverDecidePointers(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		lat, lon := 38.9, -77.0
		w.record("Baranov at the harbour", "Viktor Baranov watched the harbour gate.", liaison.TLPAmber, nil,
			map[string]string{"name": "Viktor Baranov", "plate": "CPX-4471"}, nil)
		w.report("Baranov near the stadium", "Viktor Baranov photographed the stadium.", liaison.Place{Address: "Stadium", Lat: &lat, Lon: &lon},
			map[string]string{"name": "Viktor Baranov"}, liaison.TLPGreen, w.region.ID)
		w.index()
		base := w.pointed(w.search(w.outsider, service.SearchRequest{Q: "baranov"}))
		if len(base) != 2 {
			t.Fatalf("control: the outsider's pointers %v, want the holder's record and report", base)
		}
		now := w.clock.Now()
		for _, c := range []struct {
			name string
			in   service.SearchRequest
		}{
			{"tlp GREEN", service.SearchRequest{TLPs: []liaison.TLP{liaison.TLPGreen}}},
			{"tlp RED", service.SearchRequest{TLPs: []liaison.TLP{liaison.TLPRed}}},
			{"tlp AMBER", service.SearchRequest{TLPs: []liaison.TLP{liaison.TLPAmber}}},
			{"bbox around the report", service.SearchRequest{Box: &liaison.BoundingBox{MinLat: 38.89, MaxLat: 38.91, MinLon: -77.01, MaxLon: -76.99}}},
			{"bbox elsewhere", service.SearchRequest{Box: &liaison.BoundingBox{MinLat: 10, MaxLat: 11, MinLon: 10, MaxLon: 11}}},
			{"near elsewhere", service.SearchRequest{Near: &service.Near{Lat: 10, Lon: 10, RadiusM: 100}}},
			{"another category", service.SearchRequest{Categories: []liaison.Category{liaison.CatCyberattack}}},
			{"before everything", service.SearchRequest{To: ptr(now.AddDate(-1, 0, 0))}},
			{"after everything", service.SearchRequest{From: ptr(now.Add(time.Hour))}},
			{"another agency", service.SearchRequest{Agencies: []liaison.ID{w.fc.ID}}},
			{"the plate", service.SearchRequest{Identifier: "4471"}},
			{"another plate", service.SearchRequest{Identifier: "9999"}},
		} {
			c.in.Q = "baranov"
			if got := w.pointed(w.search(w.outsider, c.in)); pointedString(got) != pointedString(base) {
				t.Errorf("with %s the pointers are %v; without it %v", c.name, got, base)
			}
		}
		// Without words there are no pointers at all.
		for _, in := range []service.SearchRequest{{TLPs: []liaison.TLP{liaison.TLPAmber}}, {Identifier: "4471"}, {Kinds: []liaison.RecordKind{liaison.KindSAR}}} {
			if resp := w.search(w.outsider, in); len(resp.Pointers) != 0 {
				t.Errorf("a search without words (%+v) gave pointers %v", in, w.pointed(resp))
			}
		}
	})
}

// TestSearchDecidesOnLiveLabels: right after a record is narrowed, marked
// no-pointer, or a report withdrawn, before the index catches up, search
// answers as a read of the item answers now.
func TestSearchDecidesOnLiveLabels(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		ct := liaison.PurposeCounterterrorism
		rec := w.record("Baranov at the harbour", "Viktor Baranov watched the harbour gate.", liaison.TLPAmber, []liaison.ID{w.region.ID},
			map[string]string{"name": "Viktor Baranov"}, nil)
		other := w.record("Castillo at the quarry", "Omar Castillo bought detonators at the quarry.", liaison.TLPAmber, nil,
			map[string]string{"name": "Omar Castillo"}, nil)
		rep := w.report("Drone over the dam", "A drone circled the dam.", liaison.Place{Address: "Dam road"}, nil, liaison.TLPAmber, w.region.ID)
		w.index()
		if got := resultIDs(w.search(w.vetter, service.SearchRequest{Q: "harbour"})); !slices.Equal(got, []liaison.ID{rec.ID}) {
			t.Fatalf("control: before the change the partner finds %v", got)
		}
		if got := resultIDs(w.search(w.vetter, service.SearchRequest{Q: "drone"})); !slices.Equal(got, []liaison.ID{rep.ID}) {
			t.Fatalf("control: before the withdrawal the partner finds %v", got)
		}
		if got := w.pointed(w.search(w.outsider, service.SearchRequest{Q: "castillo"})); len(got) != 1 {
			t.Fatalf("control: before no-pointer the outsider's pointers are %v", got)
		}

		// Narrowed to AMBER+STRICT, marked no-pointer, withdrawn; not reindexed.
		w.relabel(rec, func(in *liaison.IntelInput) { in.TLP = liaison.TLPAmberStrict })
		w.relabel(other, func(in *liaison.IntelInput) { in.NoPointer = true })
		_, err := w.svc.StepSAR(w.as(w.sup), rep.ID, service.StepInput{Step: sar.Withdraw, Reason: "the drone was a hobbyist's"})
		must(t, err)

		if _, _, err := w.svc.GetIntelRecord(w.as(w.vetter), rec.ID, ct); liaison.ErrorCode(err) != liaison.ENOTFOUND {
			t.Fatalf("control: a read of the narrowed record answers %v", err)
		}
		resp := w.search(w.vetter, service.SearchRequest{Q: "harbour"})
		if len(resp.Results) != 0 {
			t.Errorf("the narrowed record is still a result: %+v", resp.Results[0])
		}
		if got, want := w.pointed(resp), map[string][]liaison.ID{w.holder.ID + "|intelligence": {rec.ID}}; pointedString(got) != pointedString(want) {
			t.Errorf("pointers for the narrowed record %v, want %v", got, want)
		}
		if got := w.pointed(w.search(w.outsider, service.SearchRequest{Q: "castillo"})); len(got) != 0 {
			t.Errorf("a record marked no-pointer still gives pointers %v", got)
		}
		for _, u := range []*liaison.User{w.vetter, w.redacted, w.outsider} {
			resp := w.search(u, service.SearchRequest{Q: "drone"})
			if len(resp.Results)+len(resp.Pointers) != 0 {
				t.Errorf("%s: the withdrawn report gives %v and pointers %v", u.Login, resultIDs(resp), w.pointed(resp))
			}
		}
		// The holder still finds its own, as a read does.
		if got := resultIDs(w.search(w.writer, service.SearchRequest{Q: "drone harbour castillo"})); len(got) != 0 {
			t.Errorf("control: no item has all three words, got %v", got)
		}
		for _, q := range []string{"harbour", "castillo", "drone"} {
			if got := resultIDs(w.search(w.writer, service.SearchRequest{Q: q})); len(got) != 1 {
				t.Errorf("the holder's search for %q finds %v, want its item", q, got)
			}
		}
	})
}

// TestSearchPartnerPointers: a private-sector partner gets pointers only
// to reports an agreement releases to private partners (never to criminal
// intelligence, never to reports shared elsewhere); an international
// partner only where an agreement releases to international partners.
func TestSearchPartnerPointers(t *testing.T) {
	forBackends(t, func(t *testing.T, w *liveWorld) {
		name := map[string]string{"name": "Viktor Baranov"}
		w.record("Baranov, hidden", "Viktor Baranov.", liaison.TLPAmber, nil, name, nil)
		w.record("Baranov, region", "Viktor Baranov.", liaison.TLPAmber, []liaison.ID{w.region.ID}, name, nil)
		chanRec := w.record("Baranov, channel", "Viktor Baranov.", liaison.TLPAmberStrict, []liaison.ID{w.channel.ID}, name, nil)
		regionRep := w.report("Baranov at the plant", "Viktor Baranov at the plant.", liaison.Place{Address: "Plant"}, name, liaison.TLPAmberStrict, w.region.ID)
		chanRep := w.report("Baranov at the port", "Viktor Baranov at the port.", liaison.Place{Address: "Port"}, name, liaison.TLPAmberStrict, w.channel.ID)
		w.report("Baranov in vetting", "Viktor Baranov in vetting.", liaison.Place{Address: "Depot"}, name, "")
		w.index()
		for _, c := range []struct {
			u    *liaison.User
			want map[string][]liaison.ID
		}{
			{w.priv, map[string][]liaison.ID{w.holder.ID + "|sar": {regionRep.ID}}},
			{w.intlUser, map[string][]liaison.ID{w.holder.ID + "|sar": {chanRep.ID}, w.holder.ID + "|intelligence": {chanRec.ID}}},
		} {
			if got := w.pointed(w.search(c.u, service.SearchRequest{Q: "baranov"})); pointedString(got) != pointedString(c.want) {
				t.Errorf("%s's pointers %v, want %v", c.u.Login, got, c.want)
			}
		}
		// Control: a domestic agency outside every community is pointed to
		// every shared report and every record below RED.
		got := w.pointed(w.search(w.outsider, service.SearchRequest{Q: "baranov"}))
		if len(got[w.holder.ID+"|sar"]) != 2 || len(got[w.holder.ID+"|intelligence"]) != 3 {
			t.Errorf("the outsider's pointers %v, want 2 reports and 3 records", got)
		}
	})
}
