package http_test

// The leak suite's world: one scenario, built once per store through the
// service as the system actor and as its users, then probed over HTTP by
// leak_test.go against the oracle in leak_oracle_test.go.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// Agency keys of the leak world.
const (
	agPD      = "pd"      // the originator: a local police department
	agFC      = "fc"      // fusion center, agreement with personal data
	agNoPII   = "nopii"   // local partner, agreement without personal data
	agWrongP  = "wrongp"  // partner whose agreement covers another purpose
	agWrongK  = "wrongk"  // partner whose agreement covers another kind
	agNoAgree = "noagree" // partner in the community without an agreement
	agBank    = "bank"    // private partner, agreement releasing to private partners
	agBank2   = "bank2"   // private partner, agreement without private release
	agIntl    = "intl"    // international partner, agreement releasing internationally
	agIntl2   = "intl2"   // international partner, agreement without international release
	agFar     = "far"     // fusion center outside the originator's communities
)

// leakAgency is an agency and the facts of its agreements, as the oracle reads them.
type leakAgency struct {
	key        string
	kind       liaison.AgencyKind
	agency     *liaison.Agency
	inC1       bool
	agreements []leakAgreement
}

type leakAgreement struct {
	community                 string // "c1" or "c2"
	purposes                  []liaison.Purpose
	kinds                     []liaison.RecordKind
	pii, international, privt bool
}

// leakPrincipal is one reader.
type leakPrincipal struct {
	name    string
	agency  string
	roles   []liaison.Role
	trained bool
	user    *liaison.User
	tok     string // read scope
	wtok    string // read and write
}

// leakItem is one intelligence record or report with its markers.
type leakItem struct {
	key      string
	kind     liaison.RecordKind // intelligence or sar
	id       liaison.ID
	tlp      liaison.TLP
	handling liaison.Handling
	state    liaison.SARState // reports only
	shared   []string         // community keys the item is shared to
	named    []string         // principal names a TLP:RED record names
	entity   liaison.ID       // the person subject's entity id (records)
	vehicle  liaison.ID
	m        markers
}

// markers are an item's distinctive values: a safe marker that survives
// redaction and identifying values that must not.
type markers struct {
	safe                       string // a plain word in title and narrative; not identifying
	given1, given2, sur1, sur2 string
	birth, phone, passport     string
	plate, tattoo              string
}

func (m markers) fullName() string {
	return m.given1 + "-" + m.given2 + " " + m.sur1 + "-" + m.sur2
}

// secrets are the strings that must never appear where the item is redacted or hidden.
func (m markers) secrets() []string {
	out := []string{m.fullName(), m.sur1 + "-" + m.sur2, m.given1, m.given2, m.sur1, m.sur2,
		m.birth, m.phone, m.phone[len(m.phone)-8:], m.passport, m.plate, m.tattoo}
	for _, v := range []string{m.given1, m.given2, m.sur1, m.sur2, m.passport, m.plate, m.tattoo} {
		for i := 0; i+4 <= len(v); i++ {
			out = append(out, v[i:i+4])
		}
	}
	return out
}

// leakGen makes made-up words whose every 4-character substring holds one
// of o, i, u, so none can occur in a hex id, and none shares a 4-gram with
// another: a leak of one value cannot be mistaken for another's.
type leakGen struct {
	n    int
	used map[string]bool
}

func (g *leakGen) word(letters int) string {
	cons, vow := "qxzjvwk", "oiu"
	for {
		g.n++
		x := g.n * 7919
		var b strings.Builder
		for i := 0; i < letters; i++ {
			if i%2 == 0 {
				b.WriteByte(cons[x%len(cons)])
				x /= len(cons)
			} else {
				b.WriteByte(vow[x%len(vow)])
				x /= len(vow)
			}
			x += i * 31
		}
		w := b.String()
		if g.claim(w) {
			return strings.ToUpper(w[:1]) + w[1:]
		}
	}
}

// ident makes a plate- or passport-like value: letters, digits, letters.
func (g *leakGen) ident(pattern string) string {
	for {
		g.n++
		x := g.n * 104729
		var b strings.Builder
		for _, c := range pattern {
			switch c {
			case 'C':
				b.WriteByte("QXZJVWK"[x%7])
				x /= 7
			case 'V':
				b.WriteByte("OIU"[x%3])
				x /= 3
			case 'D':
				b.WriteByte("23456789"[x%8])
				x /= 8
			}
			x += 13
		}
		if w := b.String(); g.claim(w) {
			return w
		}
	}
}

func (g *leakGen) claim(w string) bool {
	l := strings.ToLower(w)
	for _, bad := range []string{"wiki", "kiwi", "juju"} {
		if strings.Contains(l, bad) {
			return false
		}
	}
	var grams []string
	for i := 0; i+4 <= len(l); i++ {
		if g.used[l[i:i+4]] {
			return false
		}
		grams = append(grams, l[i:i+4])
	}
	for _, x := range grams {
		g.used[x] = true
	}
	return true
}

func (g *leakGen) markers(n int) markers {
	return markers{safe: fmt.Sprintf("zqxmark%c%c", 'a'+n/26, 'a'+n%26),
		given1: g.word(6), given2: g.word(6), sur1: g.word(8), sur2: g.word(6),
		birth:    fmt.Sprintf("19%02d-0%d-%02d", 30+n, 1+n%9, 10+n),
		phone:    fmt.Sprintf("+1 410 555 0%03d", 100+n),
		passport: g.ident("CVDDCVC"), plate: g.ident("CVCDCVC"), tattoo: g.word(6)}
}

// leakWorld is the scenario.
type leakWorld struct {
	*fixture
	agencies   map[string]*leakAgency
	principals []*leakPrincipal
	byName     map[string]*leakPrincipal
	items      []*leakItem
	byKey      map[string]*leakItem
	c1, c2     *liaison.Community
	pdCase     *liaison.Case
	fcCase     *liaison.Case
	grantItem  string // item key the granted principal holds a grant for
	gen        *leakGen
	retain     time.Time // every record's retention deadline: due for review
}

func (w *leakWorld) sys() context.Context {
	return liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
}

func (w *leakWorld) as(name string) context.Context {
	return liaison.NewContext(context.Background(), liaison.Actor{User: w.byName[name].user})
}

func newLeakWorld(t *testing.T, open storetest.Opener) *leakWorld {
	t.Helper()
	f := newFixture(t, open)
	w := &leakWorld{fixture: f, agencies: map[string]*leakAgency{}, byName: map[string]*leakPrincipal{}, byKey: map[string]*leakItem{},
		gen: &leakGen{used: map[string]bool{}}, retain: time.Now().Add(20 * 24 * time.Hour).UTC().Truncate(time.Second)}
	ctx := w.sys()
	ct := []liaison.Purpose{liaison.PurposeCounterterrorism}
	both := []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR}
	c1ag := func(pii, intl, privt bool) []leakAgreement {
		return []leakAgreement{{community: "c1", purposes: ct, kinds: both, pii: pii, international: intl, privt: privt}}
	}
	for _, a := range []*leakAgency{
		{key: agPD, kind: liaison.AgencyLocal, inC1: true},
		{key: agFC, kind: liaison.AgencyFusionCenter, inC1: true, agreements: c1ag(true, false, false)},
		{key: agNoPII, kind: liaison.AgencyLocal, inC1: true, agreements: c1ag(false, false, false)},
		{key: agWrongP, kind: liaison.AgencyLocal, inC1: true, agreements: []leakAgreement{{community: "c1",
			purposes: []liaison.Purpose{liaison.PurposeFinancialCrime}, kinds: both, pii: true}}},
		{key: agWrongK, kind: liaison.AgencyLocal, inC1: true, agreements: []leakAgreement{{community: "c1",
			purposes: ct, kinds: []liaison.RecordKind{liaison.KindProduct}, pii: true}}},
		{key: agNoAgree, kind: liaison.AgencyLocal, inC1: true},
		{key: agBank, kind: liaison.AgencyPrivate, inC1: true, agreements: c1ag(true, false, true)},
		{key: agBank2, kind: liaison.AgencyPrivate, inC1: true, agreements: c1ag(true, false, false)},
		{key: agIntl, kind: liaison.AgencyInternational, inC1: true, agreements: c1ag(false, true, false)},
		{key: agIntl2, kind: liaison.AgencyInternational, inC1: true, agreements: c1ag(true, false, false)},
		{key: agFar, kind: liaison.AgencyFusionCenter, agreements: []leakAgreement{{community: "c2", purposes: ct, kinds: both, pii: true}}},
	} {
		country := "US"
		if a.kind == liaison.AgencyInternational {
			country = "NL"
		}
		a.agency = must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: "LK-" + strings.ToUpper(a.key), Name: "Agency " + a.key,
			Kind: a.kind, Country: country, Contacts: []liaison.Contact{{Name: "Desk " + a.key, Phone: "+1 202 555 0199"}}}))(t)
		w.agencies[a.key] = a
	}
	var c1m, c2m []liaison.ID
	for _, a := range w.agencies {
		if a.inC1 {
			c1m = append(c1m, a.agency.ID)
		}
	}
	c2m = []liaison.ID{w.agencies[agFar].agency.ID, f.agency.ID}
	w.c1 = must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Leak area", Kind: liaison.CommunityFusionArea, Members: c1m}))(t)
	w.c2 = must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Far area", Kind: liaison.CommunityFusionArea, Members: c2m}))(t)
	for _, a := range w.agencies {
		for _, ag := range a.agreements {
			c := w.c1
			if ag.community == "c2" {
				c = w.c2
			}
			_ = must(f.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: a.agency.ID, CommunityID: c.ID, LegalBasis: "MOU 2026",
				Purposes: ag.purposes, RecordKinds: ag.kinds, PIIAllowed: ag.pii, InternationalRelease: ag.international,
				PrivateRelease: ag.privt, Expires: time.Now().AddDate(1, 0, 0)}))(t)
		}
	}
	officer := []liaison.Role{liaison.RoleOfficer}
	analyst := []liaison.Role{liaison.RoleAnalyst}
	liaisonR := []liaison.Role{liaison.RolePartnerLiaison}
	for _, p := range []*leakPrincipal{
		{name: "pd-author", agency: agPD, roles: officer, trained: true},
		{name: "pd-analyst", agency: agPD, roles: analyst, trained: true},
		{name: "pd-sgt", agency: agPD, roles: []liaison.Role{liaison.RoleSupervisor, liaison.RoleOfficer}, trained: true},
		{name: "pd-untrained", agency: agPD, roles: officer},
		{name: "fc-analyst", agency: agFC, roles: analyst, trained: true},
		{name: "fc-named", agency: agFC, roles: analyst, trained: true},
		{name: "fc-untrained", agency: agFC, roles: analyst},
		{name: "nopii", agency: agNoPII, roles: analyst, trained: true},
		{name: "wrongp", agency: agWrongP, roles: analyst, trained: true},
		{name: "wrongk", agency: agWrongK, roles: analyst, trained: true},
		{name: "noagree", agency: agNoAgree, roles: analyst, trained: true},
		{name: "granted", agency: agNoAgree, roles: analyst, trained: true},
		{name: "revoked", agency: agNoAgree, roles: analyst, trained: true},
		{name: "bank", agency: agBank, roles: liaisonR, trained: true},
		{name: "bank2", agency: agBank2, roles: liaisonR, trained: true},
		{name: "intl", agency: agIntl, roles: analyst, trained: true},
		{name: "intl2", agency: agIntl2, roles: analyst, trained: true},
		{name: "far-analyst", agency: agFar, roles: analyst, trained: true},
	} {
		p.user = must(f.svc.CreateUser(ctx, liaison.UserInput{Login: p.name, Name: "Staff " + p.name, Email: p.name + "@example.gov",
			AgencyID: w.agencies[p.agency].agency.ID, Roles: p.roles,
			Attributes: liaison.Attributes{Part23Trained: p.trained, SwornOfficer: w.agencies[p.agency].kind != liaison.AgencyPrivate},
			Password:   testPassword}))(t)
		p.tok = must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: p.user.ID, Name: "read", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t).Secret
		p.wtok = must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: p.user.ID, Name: "rw", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
		w.principals = append(w.principals, p)
		w.byName[p.name] = p
	}
	w.pdCase = must(f.svc.CreateCase(w.as("pd-author"), liaison.CaseInput{Title: "Operation Quarry"}))(t)
	w.fcCase = must(f.svc.CreateCase(w.as("fc-analyst"), liaison.CaseInput{Title: "Regional picture"}))(t)
	for _, p := range []string{"noagree", "granted", "revoked"} {
		_ = must(f.svc.CreateCase(w.as(p), liaison.CaseInput{Title: "Case of " + p}))(t)
	}

	// Saved searches, before anything is indexed: each run reports to the inbox.
	for _, p := range w.principals {
		_, _ = f.svc.SaveSearch(w.as(p.name), "everything", service.SearchRequest{Q: "zqxcommon", Purpose: liaison.PurposeCounterterrorism})
	}

	// Intelligence records, all due for review within 30 days.
	w.record(t, "rclear", liaison.TLPClear, liaison.H0, []string{"c1"}, nil)
	w.record(t, "rgreen", liaison.TLPGreen, liaison.H1, []string{"c1"}, nil)
	w.record(t, "ramber", liaison.TLPAmber, liaison.H2, []string{"c1"}, nil)
	w.record(t, "rstrict", liaison.TLPAmberStrict, liaison.H0, []string{"c1"}, nil)
	w.record(t, "rred", liaison.TLPRed, liaison.H0, []string{"c1"}, []string{"pd-author", "fc-named"})
	w.record(t, "runshared", liaison.TLPAmber, liaison.H3, nil, nil)

	// Reports: shared at each label after both steps, and unshared ones.
	for _, s := range []struct {
		key   string
		tlp   liaison.TLP
		state liaison.SARState
	}{
		{"sclear", liaison.TLPClear, liaison.SARShared}, {"sgreen", liaison.TLPGreen, liaison.SARShared},
		{"samber", liaison.TLPAmber, liaison.SARShared}, {"sstrict", liaison.TLPAmberStrict, liaison.SARShared},
		{"sreviewed", "", liaison.SARReviewed}, {"ssubmitted", "", liaison.SARSubmitted},
	} {
		w.report(t, s.key, s.tlp, s.state)
	}
	if _, err := f.svc.IndexSearch(ctx); err != nil {
		t.Fatal(err)
	}
	w.grant(t)
	return w
}

func (w *leakWorld) add(it *leakItem) *leakItem {
	it.m = w.gen.markers(len(w.items))
	w.items = append(w.items, it)
	w.byKey[it.key] = it
	return it
}

func (w *leakWorld) communities(keys []string) []liaison.ID {
	out := []liaison.ID{}
	for _, k := range keys {
		if k == "c1" {
			out = append(out, w.c1.ID)
		} else {
			out = append(out, w.c2.ID)
		}
	}
	return out
}

// narrative names the subject in full, then by one part of the name alone.
func narrative(m markers) string {
	return fmt.Sprintf("%s (born %s, passport %s, phone %s) met a contact at the zqxcommon depot, %s. "+
		"Later %s alone returned in the car %s; %s was seen again near the gate. Tattoo reads %s.",
		m.fullName(), m.birth, m.passport, m.phone, m.safe, m.sur1, m.plate, m.given2, m.tattoo)
}

func (m markers) attributes() map[string]string {
	return map[string]string{"name": m.fullName(), "surname": m.sur1 + "-" + m.sur2, "birth_date": m.birth,
		"phone_number": m.phone, "passport_no": m.passport, "tattoo_desc": "a serpent and the word " + m.tattoo}
}

func (w *leakWorld) recordInput(it *leakItem) liaison.IntelInput {
	m := it.m
	var recipients []liaison.ID
	for _, n := range it.named {
		recipients = append(recipients, w.byName[n].user.ID)
	}
	restriction := ""
	if it.handling == liaison.H3 {
		restriction = "Not for release to the press"
	}
	return liaison.IntelInput{Title: m.safe + ": " + m.fullName() + " at the depot", Narrative: narrative(m),
		Subjects: []liaison.Entity{{ID: it.entity, Kind: liaison.EntityPerson, Attributes: m.attributes()},
			{ID: it.vehicle, Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": m.plate, "license_plate": m.plate, "make": "grey sedan"}}},
		Links:     []liaison.Link{{From: it.entity, To: it.vehicle, Type: "uses"}},
		Predicate: "Purchases consistent with preparing an explosive device (18 U.S.C. 844).", LawfulCollection: true,
		Grading: liaison.Grading{Source: "B", Information: 2}, TLP: it.tlp, Handling: it.handling, Restriction: restriction,
		CaseID: w.pdCase.ID, Recipients: recipients, SharedWith: w.communities(it.shared), RetainUntil: w.retain}
}

func (w *leakWorld) record(t *testing.T, key string, tlp liaison.TLP, h liaison.Handling, shared, named []string) *leakItem {
	t.Helper()
	it := w.add(&leakItem{key: key, kind: liaison.KindIntelligence, tlp: tlp, handling: h, shared: shared, named: named})
	it.entity, it.vehicle = liaison.NewID(), liaison.NewID()
	r := must(w.svc.CreateIntelRecord(w.as("pd-author"), w.recordInput(it)))(t)
	it.id = r.ID
	return it
}

func (w *leakWorld) report(t *testing.T, key string, tlp liaison.TLP, state liaison.SARState) *leakItem {
	t.Helper()
	it := w.add(&leakItem{key: key, kind: liaison.KindSAR, tlp: tlp, state: state})
	m := it.m
	lat, lon := 38.9012345, -77.0123456
	r := must(w.svc.CreateSAR(w.as("pd-author"), service.SARInput{Title: m.safe + ": " + m.fullName() + " photographing the substation",
		Narrative: narrative(m), Why: m.fullName() + " asked about shift changes", When: liaison.SARTime{Time: time.Now().Add(-48 * time.Hour)},
		Where:      liaison.Place{Address: "12 Grid Road, Riverton", Lat: &lat, Lon: &lon},
		Categories: []liaison.Category{liaison.CatPhotography},
		Involved: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: m.attributes()},
			{Kind: liaison.EntityVehicle, Attributes: map[string]string{"license_plate": m.plate}}},
		Submit: true}))(t)
	it.id = r.ID
	if state == liaison.SARSubmitted {
		return it
	}
	_ = must(w.svc.StepSAR(w.as("pd-sgt"), r.ID, service.StepInput{Step: "forward"}))(t)
	if state == liaison.SARReviewed {
		return it
	}
	it.shared = []string{"c1"}
	_ = must(w.svc.StepSAR(w.as("fc-analyst"), r.ID, service.StepInput{Step: "share", TLP: tlp, Communities: []liaison.ID{w.c1.ID},
		Corroboration: "Patrol corroborated: " + m.fullName() + " seen again; later " + m.sur1 + " alone returned in " + m.plate}))(t)
	return it
}

// grant gives "granted" and "revoked" an approved access request for the
// AMBER+STRICT record through a pointer, and revokes the second.
func (w *leakWorld) grant(t *testing.T) {
	t.Helper()
	w.grantItem = "rstrict"
	it := w.byKey[w.grantItem]
	for _, name := range []string{"granted", "revoked"} {
		ctx := w.as(name)
		resp := must(w.svc.Search(ctx, service.SearchRequest{Q: it.m.safe, Purpose: liaison.PurposeCounterterrorism}))(t)
		if len(resp.Pointers) != 1 {
			t.Fatalf("%s: search for the AMBER+STRICT record gives %d pointers, want 1", name, len(resp.Pointers))
		}
		cases := must(w.svc.MyCases(ctx))(t)
		ar := must(w.svc.RequestAccess(ctx, service.AccessRequestInput{Pointer: resp.Pointers[0].ID, Purpose: liaison.PurposeCounterterrorism,
			CaseID: cases[0].ID, Justification: "Named in our regional threat picture this week."}))(t)
		ar = must(w.svc.DecideAccessRequest(w.as("pd-sgt"), ar.ID, service.AccessDecision{Decision: "approve", Reason: "need shown"}))(t)
		if name == "revoked" {
			for _, g := range ar.Granted {
				_ = must(w.svc.RevokeGrant(w.as("pd-sgt"), g, "case closed"))(t)
			}
		}
	}
}
