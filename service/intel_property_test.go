package service_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"liaison"
)

// TestListEqualsPerItemDecisions generates random partnerships, users,
// records and labels and proves, for every user and purpose, that the
// list a user gets (SQL prefilter, then per-item decisions) is exactly
// the set of records the decision point allows one by one: the prefilter
// never admits a record the decision point denies, and never hides one it
// allows.
func TestListEqualsPerItemDecisions(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 42))
			e := newEnv(t)
			kinds := []liaison.AgencyKind{liaison.AgencyLocal, liaison.AgencyFusionCenter, liaison.AgencyPrivate, liaison.AgencyInternational, liaison.AgencyFederal}
			var agencies []*liaison.Agency
			for i, k := range kinds {
				a, err := e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: fmt.Sprintf("AG%d", i), Name: "A", Kind: k, Country: "US"})
				must(t, err)
				agencies = append(agencies, a)
			}
			var comms []*liaison.Community
			for i := range 2 {
				var members []liaison.ID
				for _, a := range agencies {
					if rng.IntN(3) > 0 {
						members = append(members, a.ID)
					}
				}
				c, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: fmt.Sprint("C", i), Kind: liaison.CommunityOther, Members: members})
				must(t, err)
				comms = append(comms, c)
				for _, m := range members {
					if rng.IntN(4) == 0 {
						continue // a member without an agreement
					}
					kinds := []liaison.RecordKind{liaison.KindIntelligence}
					if rng.IntN(4) == 0 {
						kinds = []liaison.RecordKind{liaison.KindSAR}
					}
					_, err := e.svc.CreateAgreement(e.sys, liaison.AgreementInput{AgencyID: m, CommunityID: c.ID, LegalBasis: "MOU",
						Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: kinds, PIIAllowed: rng.IntN(2) == 0,
						InternationalRelease: rng.IntN(2) == 0, PrivateRelease: rng.IntN(2) == 0, Expires: e.clock.Now().AddDate(0, 0, 1+rng.IntN(3))})
					must(t, err)
				}
			}
			var users []*liaison.User
			for i := range 12 {
				a := agencies[rng.IntN(len(agencies))]
				u, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: fmt.Sprint("u", i), Name: "U", Email: fmt.Sprintf("u%d@example.gov", i),
					AgencyID: a.ID, Roles: []liaison.Role{liaison.RoleOfficer, liaison.RoleAnalyst},
					Attributes: liaison.Attributes{Part23Trained: rng.IntN(5) > 0, SwornOfficer: true}, Password: password})
				must(t, err)
				users = append(users, u)
			}
			// Each agency's privacy officer explains its own records.
			privacy := map[liaison.ID]*liaison.User{}
			for i, a := range agencies {
				privacy[a.ID] = e.userIn(a, fmt.Sprint("privacy", i), liaison.RolePrivacyOfficer)
			}
			origin := map[liaison.ID]liaison.ID{}
			var ids []liaison.ID
			for range 40 {
				author := users[rng.IntN(len(users))]
				if !author.Attributes.Part23Trained {
					continue
				}
				c, err := e.svc.CreateCase(e.as(author), liaison.CaseInput{Title: "case"})
				must(t, err)
				var shared, recipients []liaison.ID
				for _, cm := range comms {
					if rng.IntN(2) == 0 {
						shared = append(shared, cm.ID)
					}
				}
				tlp := liaison.TLPs[rng.IntN(len(liaison.TLPs))]
				if tlp == liaison.TLPRed {
					for range 1 + rng.IntN(3) {
						recipients = append(recipients, users[rng.IntN(len(users))].ID)
					}
				}
				r, err := e.svc.CreateIntelRecord(e.as(author), liaison.IntelInput{Title: "R",
					Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "N"}}},
					Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true,
					Grading: liaison.Grading{Source: "B", Information: 2}, TLP: tlp, Handling: liaison.Handlings[rng.IntN(3)],
					CaseID: c.ID, SharedWith: shared, Recipients: recipients, RetainUntil: e.clock.Now().AddDate(1, 0, 0)})
				must(t, err)
				ids, origin[r.ID] = append(ids, r.ID), r.Originator
			}
			e.clock.Add(time.Duration(rng.IntN(48)) * time.Hour) // some agreements expire
			checked := 0
			for _, u := range users {
				for _, purpose := range []liaison.Purpose{"", liaison.PurposeCounterterrorism, liaison.PurposeFinancialCrime} {
					got, _, err := e.svc.ListIntelRecords(e.as(u), "", purpose, liaison.Page{Limit: liaison.MaxPageSize})
					must(t, err)
					var listed []liaison.ID
					for _, r := range got {
						listed = append(listed, r.ID)
					}
					var allowed []liaison.ID
					for _, id := range ids {
						d, err := e.svc.ExplainAccess(e.as(privacy[origin[id]]), id, u.ID, purpose)
						must(t, err)
						if d.Allow {
							allowed = append(allowed, id)
						}
					}
					slices.Sort(listed)
					slices.Sort(allowed)
					if !slices.Equal(listed, allowed) {
						t.Fatalf("user %s purpose %q: list %v, per-item decisions allow %v", u.Login, purpose, listed, allowed)
					}
					checked += len(allowed)
				}
			}
			if checked == 0 {
				t.Fatal("no user was allowed any record: the generator tests nothing")
			}
		})
	}
}
