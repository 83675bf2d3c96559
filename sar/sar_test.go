package sar_test

import (
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/sar"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var (
	pd, otherPD, fusion, fbi = liaison.NewID(), liaison.NewID(), liaison.NewID(), liaison.NewID()
)

func person(agency liaison.ID, trained bool, roles ...liaison.Role) *liaison.User {
	return &liaison.User{ID: liaison.NewID(), AgencyID: agency, Roles: roles, Attributes: liaison.Attributes{Part23Trained: trained}}
}

func report(author *liaison.User, cats ...liaison.Category) *liaison.SAR {
	lat, lon := 38.9, -77.0
	return &liaison.SAR{ID: liaison.NewID(), AgencyID: author.AgencyID, AuthorID: author.ID, Source: liaison.SourceOfficer,
		Title: "Man photographing substation", Narrative: "Observed for 20 minutes.", When: now.Add(-time.Hour),
		Where: liaison.Place{Address: "1 Grid Rd", Lat: &lat, Lon: &lon}, Categories: cats, State: liaison.SARDraft}
}

func TestVettingFlow(t *testing.T) {
	officer := person(pd, false, liaison.RoleOfficer)
	sgt := person(pd, true, liaison.RoleSupervisor)
	otherSgt := person(otherPD, true, liaison.RoleSupervisor)
	analyst := person(fusion, true, liaison.RoleAnalyst)
	untrained := person(fusion, false, liaison.RoleAnalyst)
	localAnalyst := person(pd, true, liaison.RoleAnalyst)
	// Everyone here shares a community with the police department but far.
	as := func(u *liaison.User, kind liaison.AgencyKind) sar.Actor {
		return sar.Actor{User: u, AgencyKind: kind, Peers: []liaison.ID{u.AgencyID, pd}}
	}
	far := sar.Actor{User: person(fbi, true, liaison.RoleAnalyst), AgencyKind: liaison.AgencyTaskForce, Peers: []liaison.ID{fbi, otherPD}}
	comm := []liaison.ID{liaison.NewID()}

	s := report(officer, liaison.CatPhotography, liaison.CatTheft)
	steps := []struct {
		name  string
		actor sar.Actor
		step  sar.Step
		in    sar.Input
		code  string // "" when it must succeed
		state liaison.SARState
	}{
		{"step 2 before step 1", as(analyst, liaison.AgencyFusionCenter), sar.Share, sar.Input{Communities: comm}, liaison.EINVALID, liaison.SARDraft},
		{"another officer submits", as(person(pd, false, liaison.RoleOfficer), liaison.AgencyLocal), sar.Submit, sar.Input{}, liaison.EFORBIDDEN, liaison.SARDraft},
		{"author submits", as(officer, liaison.AgencyLocal), sar.Submit, sar.Input{}, "", liaison.SARSubmitted},
		{"submit twice", as(officer, liaison.AgencyLocal), sar.Submit, sar.Input{}, liaison.EINVALID, liaison.SARSubmitted},
		{"supervisor of another agency", as(otherSgt, liaison.AgencyLocal), sar.Forward, sar.Input{}, liaison.EFORBIDDEN, liaison.SARSubmitted},
		{"officer tries step 1", as(officer, liaison.AgencyLocal), sar.Forward, sar.Input{}, liaison.EFORBIDDEN, liaison.SARSubmitted},
		{"return without saying why", as(sgt, liaison.AgencyLocal), sar.ReturnDraft, sar.Input{}, liaison.EINVALID, liaison.SARSubmitted},
		{"step 1 forwards", as(sgt, liaison.AgencyLocal), sar.Forward, sar.Input{}, "", liaison.SARReviewed},
		{"non-analyst step 2", as(sgt, liaison.AgencyLocal), sar.Share, sar.Input{Communities: comm}, liaison.EFORBIDDEN, liaison.SARReviewed},
		{"untrained analyst step 2", as(untrained, liaison.AgencyFusionCenter), sar.Share, sar.Input{Communities: comm}, liaison.EFORBIDDEN, liaison.SARReviewed},
		{"analyst at a local PD", as(localAnalyst, liaison.AgencyLocal), sar.Share, sar.Input{Communities: comm}, liaison.EFORBIDDEN, liaison.SARReviewed},
		{"analyst of a task force outside the originator's communities", far, sar.Share, sar.Input{Communities: comm}, liaison.EFORBIDDEN, liaison.SARReviewed},
		{"the same, retaining", far, sar.RetainLocal, sar.Input{Reason: "keep it local"}, liaison.EFORBIDDEN, liaison.SARReviewed},
		{"share with nobody", as(analyst, liaison.AgencyFusionCenter), sar.Share, sar.Input{}, liaison.EINVALID, liaison.SARReviewed},
		{"step 2 shares", as(analyst, liaison.AgencyFusionCenter), sar.Share, sar.Input{Communities: comm}, "", liaison.SARShared},
		{"another agency withdraws", as(otherSgt, liaison.AgencyLocal), sar.Withdraw, sar.Input{Reason: "not ours"}, liaison.EFORBIDDEN, liaison.SARShared},
		{"originator withdraws", as(sgt, liaison.AgencyLocal), sar.Withdraw, sar.Input{Reason: "subject identified as a utility surveyor"}, "", liaison.SARWithdrawn},
	}
	for _, st := range steps {
		before := len(s.History)
		err := sar.Apply(s, st.actor, st.step, st.in, now)
		if got := liaison.ErrorCode(err); got != st.code {
			t.Fatalf("%s: error %q (%v), want %q", st.name, got, err, st.code)
		}
		if s.State != st.state {
			t.Fatalf("%s: state %s, want %s", st.name, s.State, st.state)
		}
		if (err == nil) != (len(s.History) == before+1) {
			t.Fatalf("%s: history %d → %d", st.name, before, len(s.History))
		}
	}
	last := s.History[len(s.History)-1]
	if last.By != sgt.ID || last.Reason == "" || !last.At.Equal(now) || s.TLP != liaison.TLPAmber {
		t.Fatalf("withdrawal record = %+v (tlp %s)", last, s.TLP)
	}
}

func TestPartBOnlyNeedsCorroboration(t *testing.T) {
	officer := person(pd, false, liaison.RoleOfficer)
	sgt := person(pd, true, liaison.RoleSupervisor)
	analyst := sar.Actor{User: person(fbi, true, liaison.RoleAnalyst), AgencyKind: liaison.AgencyTaskForce, Peers: []liaison.ID{fbi, pd}}
	s := report(officer, liaison.CatPhotography, liaison.CatObservation)
	for _, step := range []sar.Step{sar.Submit, sar.Forward} {
		a := sar.Actor{User: sgt, AgencyKind: liaison.AgencyLocal}
		if step == sar.Submit {
			a.User = officer
		}
		if err := sar.Apply(s, a, step, sar.Input{}, now); err != nil {
			t.Fatal(err)
		}
	}
	comm := []liaison.ID{liaison.NewID()}
	err := sar.Apply(s, analyst, sar.Share, sar.Input{Communities: comm}, now)
	if liaison.ErrorCode(err) != liaison.EINVALID || liaison.ErrorFields(err)[0].Field != "corroboration" {
		t.Fatalf("Part B only, no corroboration: %v", err)
	}
	if err := sar.Apply(s, analyst, sar.RetainLocal, sar.Input{}, now); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Fatalf("retain without a reason: %v", err)
	}
	if err := sar.Apply(s, analyst, sar.Share, sar.Input{Communities: comm, TLP: liaison.TLPGreen,
		Corroboration: "Same man seen at two other substations; car registered to a person of interest."}, now); err != nil {
		t.Fatalf("with corroboration: %v", err)
	}
	if s.State != liaison.SARShared || s.TLP != liaison.TLPGreen || !strings.Contains(s.Corroboration, "two other substations") {
		t.Fatalf("shared = %+v", s)
	}
}

func TestReportValidation(t *testing.T) {
	officer := person(pd, false, liaison.RoleOfficer)
	bad := func(f func(s *liaison.SAR)) error {
		s := report(officer, liaison.CatTheft)
		f(s)
		return s.Validate(now)
	}
	far := 123.0
	tests := map[string]struct {
		f     func(s *liaison.SAR)
		field string
	}{
		"unknown category":   {func(s *liaison.SAR) { s.Categories = []liaison.Category{"loitering"} }, "categories[0]"},
		"no category":        {func(s *liaison.SAR) { s.Categories = nil }, "categories"},
		"latitude too large": {func(s *liaison.SAR) { s.Where.Lat = &far }, "where.lat"},
		"future date":        {func(s *liaison.SAR) { s.When = now.Add(24 * time.Hour) }, "when"},
		"no narrative":       {func(s *liaison.SAR) { s.Narrative = "" }, "narrative"},
		"bad source":         {func(s *liaison.SAR) { s.Source = "psychic" }, "source"},
	}
	for name, tt := range tests {
		err := bad(tt.f)
		found := false
		for _, fe := range liaison.ErrorFields(err) {
			found = found || fe.Field == tt.field
		}
		if !found {
			t.Errorf("%s: %v, want field %s", name, err, tt.field)
		}
	}
	if err := report(officer, liaison.CatTheft).Validate(now); err != nil {
		t.Fatalf("valid report refused: %v", err)
	}
	if len(liaison.CategoriesA)+len(liaison.CategoriesB) != 16 {
		t.Fatalf("the standard has 16 categories, we list %d", len(liaison.CategoriesA)+len(liaison.CategoriesB))
	}
}

func TestQueuesAndPII(t *testing.T) {
	officer := person(pd, false, liaison.RoleOfficer)
	sgt := sar.Actor{User: person(pd, true, liaison.RoleSupervisor), AgencyKind: liaison.AgencyLocal}
	analyst := sar.Actor{User: person(fusion, true, liaison.RoleAnalyst), AgencyKind: liaison.AgencyFusionCenter, Peers: []liaison.ID{fusion, pd}}
	// A trained analyst of a fusion center that shares no community with
	// the police department: outside its vetting chain.
	far := sar.Actor{User: person(fbi, true, liaison.RoleAnalyst), AgencyKind: liaison.AgencyFusionCenter, Peers: []liaison.ID{fbi, otherPD}}
	outsider := sar.Actor{User: person(otherPD, true, liaison.RoleAnalyst), AgencyKind: liaison.AgencyLocal}
	s := report(officer, liaison.CatTheft)
	me := sar.Actor{User: officer, AgencyKind: liaison.AgencyLocal}
	if !sar.InQueue(s, me, sar.MyDrafts) || sar.PIIVisible(s, outsider) || sar.PIIVisible(s, analyst) {
		t.Fatal("draft queue or PII before vetting is wrong")
	}
	_ = sar.Apply(s, me, sar.Submit, sar.Input{}, now)
	if !sar.InQueue(s, sgt, sar.AwaitingStep1) || sar.InQueue(s, analyst, sar.AwaitingStep1) {
		t.Fatal("step 1 queue is wrong")
	}
	_ = sar.Apply(s, sgt, sar.Forward, sar.Input{}, now)
	if !sar.InQueue(s, analyst, sar.AwaitingStep2) || !sar.PIIVisible(s, analyst) || sar.PIIVisible(s, outsider) {
		t.Fatal("step 2 queue or the vetting chain's PII is wrong")
	}
	if sar.InQueue(s, far, sar.AwaitingStep2) || sar.PIIVisible(s, far) {
		t.Fatal("a fusion center outside the originator's communities is in its step 2 queue or sees its PII")
	}
}
