package service_test

import (
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/service"
)

// graphWorld: the search world's holder writes two shared records about
// Marsh and one it keeps to itself; the seeker writes its own record about
// the same van; a third agency in the community receives intelligence
// without personal data.
type graphWorld struct {
	*searchWorld
	a, b, hidden, own *liaison.IntelRecord
	partner           *liaison.User
}

func subject(kind liaison.EntityKind, attrs ...string) liaison.Entity {
	m := map[string]string{}
	for i := 0; i+1 < len(attrs); i += 2 {
		m[attrs[i]] = attrs[i+1]
	}
	return liaison.Entity{ID: liaison.NewID(), Kind: kind, Attributes: m}
}

func newGraphWorld(t *testing.T) *graphWorld {
	w := &graphWorld{searchWorld: newSearchWorld(t)}
	lim := w.agency("LIMITED-PD")
	_, err := w.svc.UpdateCommunity(w.sys, w.community.ID, liaison.CommunityUpdate{Members: &[]liaison.ID{w.holder.ID, w.seeker.ID, lim.ID}})
	must(t, err)
	_, err = w.svc.CreateAgreement(w.sys, liaison.AgreementInput{AgencyID: lim.ID, CommunityID: w.community.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence},
		PIIAllowed: false, Expires: w.clock.Now().AddDate(1, 0, 0)})
	must(t, err)
	w.partner, err = w.svc.CreateUser(w.sys, liaison.UserInput{Login: "partner", Name: "Partner", Email: "p@example.gov", AgencyID: lim.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password})
	must(t, err)

	with := func(subjects []liaison.Entity, links ...liaison.Link) func(*liaison.IntelInput) {
		return func(in *liaison.IntelInput) { in.Subjects, in.Links = subjects, links }
	}
	marsh := subject(liaison.EntityPerson, "name", "Daniel Marsh", "date_of_birth", "1988-07-14")
	van := subject(liaison.EntityVehicle, "plate", "CLM4471", "make", "Ford Transit")
	w.a = w.record("Marsh buys fertiliser", "Bought in cash.", liaison.TLPAmber, true, nil,
		with([]liaison.Entity{marsh, van}, liaison.Link{From: marsh.ID, To: van.ID, Type: "uses"}))
	marsh2 := subject(liaison.EntityPerson, "name", "MARSH, Daniel", "date_of_birth", "1988-07-14")
	phone := subject(liaison.EntityPhone, "number", "+1 410 555 0187")
	w.b = w.record("Marsh's phone", "A burner phone.", liaison.TLPAmber, true, nil,
		with([]liaison.Entity{marsh2, phone}, liaison.Link{From: marsh2.ID, To: phone.ID, Type: "uses"}))
	marsh3 := subject(liaison.EntityPerson, "name", "Daniel Marsh", "date_of_birth", "1988-07-14")
	secret := subject(liaison.EntityPerson, "name", "Quentin Secretfriend", "date_of_birth", "1970-01-01")
	w.hidden = w.record("Marsh's undisclosed associate", "Kept at home.", liaison.TLPAmber, false, nil,
		with([]liaison.Entity{marsh3, secret}, liaison.Link{From: marsh3.ID, To: secret.ID, Type: "associate_of"}))
	ownVan := subject(liaison.EntityVehicle, "plate", "clm 4471")
	place := subject(liaison.EntityLocation, "address", "Columbia Electric substation")
	own, err := w.svc.CreateIntelRecord(w.as(w.analyst), liaison.IntelInput{Title: "Van at the substation", Narrative: "Seen twice.",
		Subjects: []liaison.Entity{ownVan, place}, Links: []liaison.Link{{From: ownVan.ID, To: place.ID, Type: "seen_at"}},
		Predicate: "Reconnaissance of critical infrastructure.", LawfulCollection: true, Grading: liaison.Grading{Source: "C", Information: 3},
		TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: w.seekerCase, RetainUntil: w.clock.Now().AddDate(1, 0, 0)})
	must(t, err)
	w.own = own
	return w
}

func (w *graphWorld) graph(u *liaison.User, rec *liaison.IntelRecord, entity int, depth int) (*service.Graph, error) {
	return w.svc.EntityGraph(w.as(u), rec.ID, rec.Subjects[entity].ID, liaison.PurposeCounterterrorism, depth)
}

func nodeLabels(g *service.Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		out = append(out, n.Label)
	}
	return out
}

func graphRecords(g *service.Graph) []liaison.ID {
	var out []liaison.ID
	for _, r := range g.Records {
		out = append(out, r.ID)
	}
	for _, n := range g.Nodes {
		out = append(out, n.Records...)
	}
	for _, e := range g.Edges {
		out = append(out, e.Record)
	}
	return out
}

func TestEntityGraphSpansReadableRecordsOnly(t *testing.T) {
	w := newGraphWorld(t)
	g, err := w.graph(w.analyst, w.own, 0, 0)
	must(t, err)
	if g.Depth != service.DefaultGraphDepth || g.Root != w.own.Subjects[0].ID {
		t.Fatalf("depth %d root %s", g.Depth, g.Root)
	}
	// The van (own record and A, one node), the substation, Marsh (A and B, one node) and the phone (two hops).
	labels := strings.Join(nodeLabels(g), " | ")
	for _, want := range []string{"Columbia Electric substation", "Daniel Marsh (born 1988-07-14)", "+1 410 555 0187"} {
		if !strings.Contains(labels, want) {
			t.Errorf("graph lacks %q: %s", want, labels)
		}
	}
	if len(g.Nodes) != 4 {
		t.Errorf("nodes = %s, want 4", labels)
	}
	root := g.Nodes[0]
	if root.Hop != 0 || !slices.Equal(root.Records, sorted(w.own.ID, w.a.ID)) {
		t.Errorf("root node %+v: want the van in the own record and A", root)
	}
	for _, n := range g.Nodes {
		if n.Kind == liaison.EntityPerson && (!slices.Equal(n.Records, sorted(w.a.ID, w.b.ID)) || n.Hop != 1) {
			t.Errorf("Marsh = %+v, want one node at hop 1 in A and B", n)
		}
		if n.Kind == liaison.EntityPhone && n.Hop != 2 {
			t.Errorf("phone at hop %d, want 2", n.Hop)
		}
	}
	// The hidden record: not a node, not a record, not an edge, not a count.
	if slices.Contains(graphRecords(g), w.hidden.ID) || strings.Contains(labels, "Secretfriend") {
		t.Fatalf("the record the analyst may not read shows in the graph: %s %v", labels, graphRecords(g))
	}
	if len(g.Records) != 3 {
		t.Errorf("records = %d, want own, A and B", len(g.Records))
	}
	if len(g.Edges) != 3 {
		t.Errorf("edges = %d, want seen_at, uses, uses", len(g.Edges))
	}
	// The other agency's records were released to the analyst: ledgered; the hidden one was not.
	if len(w.ledger(w.b.ID)) == 0 || len(w.ledger(w.hidden.ID)) != 0 {
		t.Errorf("ledger: B %d rows, hidden %d rows", len(w.ledger(w.b.ID)), len(w.ledger(w.hidden.ID)))
	}

	// One hop: the phone (two hops away) is left out.
	g, err = w.graph(w.analyst, w.own, 0, 1)
	must(t, err)
	if len(g.Nodes) != 3 || strings.Contains(strings.Join(nodeLabels(g), "|"), "555") {
		t.Errorf("depth 1 nodes: %v", nodeLabels(g))
	}
	// The holder sees its hidden record and the associate in it.
	g, err = w.graph(w.writer, w.a, 0, 0)
	must(t, err)
	if !slices.Contains(graphRecords(g), w.hidden.ID) || !strings.Contains(strings.Join(nodeLabels(g), "|"), "Secretfriend") {
		t.Errorf("the holder's own graph lacks its hidden record: %v", nodeLabels(g))
	}
}

func TestEntityGraphRedactedPIINeitherShownNorLinked(t *testing.T) {
	w := newGraphWorld(t)
	g, err := w.graph(w.partner, w.a, 0, 0)
	must(t, err)
	labels := strings.Join(nodeLabels(g), " | ")
	if strings.Contains(labels, "Marsh") || strings.Contains(labels, "CLM") || strings.Contains(labels, "1988") {
		t.Fatalf("redacted identifiers shown: %s", labels)
	}
	// A's person and van only: the masked name and plate link nothing in B or elsewhere.
	if len(g.Nodes) != 2 || slices.Contains(graphRecords(g), w.b.ID) {
		t.Fatalf("the partner's graph links through redacted data: %s %v", labels, graphRecords(g))
	}
	for _, n := range g.Nodes {
		if !n.Withheld || !slices.Equal(n.Records, []liaison.ID{w.a.ID}) {
			t.Errorf("node %+v: want withheld, in A only", n)
		}
	}
}

func TestEntityGraphNotFoundLikeMissing(t *testing.T) {
	w := newGraphWorld(t)
	_, hidden := w.graph(w.analyst, w.hidden, 0, 0)
	_, outside := w.graph(w.outside, w.a, 0, 0)
	_, missing := w.svc.EntityGraph(w.as(w.analyst), liaison.NewID(), liaison.NewID(), liaison.PurposeCounterterrorism, 0)
	_, noEntity := w.svc.EntityGraph(w.as(w.analyst), w.a.ID, w.hidden.Subjects[0].ID, liaison.PurposeCounterterrorism, 0)
	for name, err := range map[string]error{"hidden": hidden, "outside": outside, "missing": missing, "no such subject": noEntity} {
		if liaison.ErrorCode(err) != liaison.ENOTFOUND || liaison.ErrorMessage(err) != liaison.ErrorMessage(missing) {
			t.Errorf("%s: %v, want the not-found answer", name, err)
		}
	}
	if _, err := w.graph(w.analyst, w.a, 0, 9); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("depth 9: %v", err)
	}
	if _, err := w.svc.EntityGraph(w.as(w.analyst), w.a.ID, w.a.Subjects[0].ID, "gossip", 0); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("bad purpose: %v", err)
	}
}

func sorted(ids ...liaison.ID) []liaison.ID {
	slices.Sort(ids)
	return ids
}
