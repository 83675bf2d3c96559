package policy_test

import (
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/policy"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// The world of these tests: a police department (the originator), a fusion
// center and a bank in one community, and a Europol-style partner.
var (
	pd, fusion, bank, intl = liaison.NewID(), liaison.NewID(), liaison.NewID(), liaison.NewID()
	area, channel          = liaison.NewID(), liaison.NewID()
	caseID                 = liaison.NewID()
)

func user(agency liaison.ID, trained bool, roles ...liaison.Role) *liaison.User {
	return &liaison.User{ID: liaison.NewID(), AgencyID: agency, Roles: roles,
		Attributes: liaison.Attributes{Part23Trained: trained, SwornOfficer: true, Clearance: liaison.ClearanceSecret}}
}

func agreement(agency, community liaison.ID, pii, intl, private bool, kinds ...liaison.RecordKind) *liaison.Agreement {
	return &liaison.Agreement{ID: liaison.NewID(), AgencyID: agency, CommunityID: community, Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism},
		RecordKinds: kinds, PIIAllowed: pii, InternationalRelease: intl, PrivateRelease: private, Expires: now.AddDate(1, 0, 0)}
}

func subject(u *liaison.User, kind liaison.AgencyKind, communities []liaison.ID, agreements ...*liaison.Agreement) *policy.Subject {
	return &policy.Subject{User: u, AgencyKind: kind, Communities: communities, Agreements: agreements}
}

func item(kind liaison.RecordKind, tlp liaison.TLP) *policy.Resource {
	return &policy.Resource{ID: liaison.NewID(), Kind: kind, Originator: pd, TLP: tlp, Handling: liaison.H0,
		SharedWith: []liaison.ID{area, channel}, CaseID: caseID}
}

func TestDecide(t *testing.T) {
	eng, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	ct := liaison.PurposeCounterterrorism
	detective := user(pd, true, liaison.RoleOfficer)
	untrained := user(pd, false, liaison.RoleOfficer)
	analyst := user(fusion, true, liaison.RoleAnalyst)
	banker := user(bank, false, liaison.RolePartnerLiaison)
	europol := user(intl, true, liaison.RolePartnerLiaison)

	own := subject(detective, liaison.AgencyLocal, []liaison.ID{area})
	own.Cases = []liaison.ID{caseID}
	fusionPII := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area}, agreement(fusion, area, true, false, false, liaison.KindIntelligence, liaison.KindSAR))
	fusionNoPII := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area}, agreement(fusion, area, false, false, false, liaison.KindIntelligence))
	expired := agreement(fusion, area, true, false, false, liaison.KindIntelligence)
	expired.Expires = now.Add(-time.Hour)
	fusionExpired := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area}, expired)
	bankS := subject(banker, liaison.AgencyPrivate, []liaison.ID{area}, agreement(bank, area, false, false, true, liaison.KindProduct, liaison.KindIntelligence))
	intlNoRelease := subject(europol, liaison.AgencyInternational, []liaison.ID{channel}, agreement(intl, channel, true, false, false, liaison.KindIntelligence))
	intlRelease := subject(europol, liaison.AgencyInternational, []liaison.ID{channel}, agreement(intl, channel, true, true, false, liaison.KindIntelligence))

	red := item(liaison.KindIntelligence, liaison.TLPRed)
	red.Recipients = []liaison.ID{analyst.ID}
	h2 := item(liaison.KindIntelligence, liaison.TLPAmber)
	h2.Handling = liaison.H2
	granted := item(liaison.KindIntelligence, liaison.TLPAmberStrict)
	withGrant := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area})
	withGrant.Grants = []policy.Grant{{ItemID: granted.ID, Purpose: ct, Expires: now.Add(time.Hour)}}
	expiredGrant := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area})
	expiredGrant.Grants = []policy.Grant{{ItemID: granted.ID, Purpose: ct, Expires: now.Add(-time.Second)}}

	tests := []struct {
		name      string
		s         *policy.Subject
		a         policy.Action
		r         *policy.Resource
		purpose   liaison.Purpose
		emergency bool
		allow     bool
		redaction policy.Redaction
		rule      string // a rule that must have decided
	}{
		{"own agency, assigned to the case", own, policy.View, item(liaison.KindIntelligence, liaison.TLPAmber), "", false, true, policy.Full, "own-agency-need-to-know"},
		{"own agency, no case and no purpose", subject(detective, liaison.AgencyLocal, nil), policy.View, item(liaison.KindIntelligence, liaison.TLPAmber), "", false, false, "", "need-to-know"},
		{"own agency, untrained in Part 23", subject(untrained, liaison.AgencyLocal, nil), policy.View, item(liaison.KindIntelligence, liaison.TLPGreen), ct, false, false, "", "part23-training"},
		{"partner with a PII agreement", fusionPII, policy.View, item(liaison.KindIntelligence, liaison.TLPAmber), ct, false, true, policy.Full, "partner-under-agreement"},
		{"partner without PII rights", fusionNoPII, policy.List, item(liaison.KindIntelligence, liaison.TLPGreen), ct, false, true, policy.NoPII, "partner-under-agreement"},
		{"partner, purpose the agreement lacks", fusionPII, policy.View, item(liaison.KindIntelligence, liaison.TLPAmber), liaison.PurposeFinancialCrime, false, false, "", ""},
		{"partner, kind the agreement lacks", fusionNoPII, policy.View, item(liaison.KindSAR, liaison.TLPAmber), ct, false, false, "", ""},
		{"expired agreement", fusionExpired, policy.View, item(liaison.KindIntelligence, liaison.TLPAmber), ct, false, false, "", ""},
		{"TLP:RED, named recipient", fusionPII, policy.View, red, ct, false, true, policy.Full, "named-recipient"},
		{"TLP:RED, not named", subject(user(fusion, true), liaison.AgencyFusionCenter, []liaison.ID{area}, agreement(fusion, area, true, false, false, liaison.KindIntelligence)), policy.View, red, ct, false, false, "", "red-named-recipients-only"},
		{"TLP:RED, own agency but not named", own, policy.View, red, ct, false, false, "", "red-named-recipients-only"},
		{"AMBER+STRICT from another agency", fusionPII, policy.View, item(liaison.KindIntelligence, liaison.TLPAmberStrict), ct, false, false, "", "amber-strict-own-agency"},
		{"AMBER+STRICT with the originator's grant", withGrant, policy.View, granted, ct, false, true, policy.NoPII, "originator-grant"},
		{"AMBER+STRICT with an expired grant", expiredGrant, policy.View, granted, ct, false, false, "", "amber-strict-own-agency"},
		{"H2 exported by a partner", fusionPII, policy.Export, h2, ct, false, false, "", "h2-no-onward-export"},
		{"H2 viewed by a partner", fusionPII, policy.View, h2, ct, false, true, policy.Full, "partner-under-agreement"},
		{"private sector, raw intelligence, every path", bankS, policy.Search, item(liaison.KindIntelligence, liaison.TLPClear), ct, false, false, "", "private-sector-no-raw-intelligence"},
		{"private sector, a released product", bankS, policy.View, item(liaison.KindProduct, liaison.TLPGreen), ct, false, true, policy.NoPII, "partner-under-agreement"},
		{"international, no release in the agreement", intlNoRelease, policy.View, item(liaison.KindIntelligence, liaison.TLPGreen), ct, false, false, "", "international-needs-release"},
		{"international, released", intlRelease, policy.View, item(liaison.KindIntelligence, liaison.TLPGreen), ct, false, true, policy.Full, "partner-under-agreement"},
		{"imminent danger: assessment only, flagged", subject(user(fusion, false), liaison.AgencyFusionCenter, nil), policy.Assess, red, "", true, true, policy.Assessment, "imminent-danger"},
		{"imminent danger does not release the record", subject(user(fusion, false), liaison.AgencyFusionCenter, nil), policy.View, red, "", true, false, "", ""},
		{"imminent danger, private sector", bankS, policy.Assess, item(liaison.KindSAR, liaison.TLPGreen), "", true, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, action := range actionsFor(tt.a) {
				d := eng.Decide(policy.Request{Subject: tt.s, Action: action, Resource: tt.r, Purpose: tt.purpose, Emergency: tt.emergency, Now: now})
				if d.Allow != tt.allow {
					t.Fatalf("%s: allow = %v, want %v (%s)", action, d.Allow, tt.allow, d.Reason)
				}
				if d.Redaction != tt.redaction {
					t.Errorf("%s: redaction = %q, want %q", action, d.Redaction, tt.redaction)
				}
				if tt.rule != "" && !containsRule(d.Policies, tt.rule) {
					t.Errorf("%s: decided by %v, want %s among them (%s)", action, d.Policies, tt.rule, d.Reason)
				}
				if d.Reason == "" || (d.Allow && !strings.HasPrefix(d.Reason, "allowed: ")) || (!d.Allow && !strings.HasPrefix(d.Reason, "denied: ")) {
					t.Errorf("%s: reason %q", action, d.Reason)
				}
				if d.Review != (d.Allow && action == policy.Assess) {
					t.Errorf("%s: review = %v", action, d.Review)
				}
			}
		})
	}
}

// actionsFor expands the private-sector case to every read path.
func actionsFor(a policy.Action) []policy.Action {
	if a == policy.Search {
		return []policy.Action{policy.View, policy.List, policy.Search, policy.Export, policy.History, policy.Links}
	}
	return []policy.Action{a}
}

func containsRule(rules []string, want string) bool {
	for _, r := range rules {
		if r == want {
			return true
		}
	}
	return false
}

func TestAgencyRulesMayOnlyForbid(t *testing.T) {
	stricter := policy.Source{Name: "riverton.cedar", Text: []byte(`
@id("riverton-no-exports")
@reason("Riverton PD allows no exports of its items by partners")
forbid (principal, action == Liaison::Action::"export", resource)
when { !context.same_agency };`)}
	eng, err := policy.New(stricter)
	if err != nil {
		t.Fatal(err)
	}
	analyst := user(fusion, true)
	s := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area}, agreement(fusion, area, true, false, false, liaison.KindIntelligence))
	d := eng.Decide(policy.Request{Subject: s, Action: policy.Export, Resource: item(liaison.KindIntelligence, liaison.TLPGreen), Purpose: liaison.PurposeCounterterrorism, Now: now})
	if d.Allow || !strings.Contains(d.Reason, "Riverton PD allows no exports") {
		t.Fatalf("agency rule not applied: %+v", d)
	}
	wider := policy.Source{Name: "wide.cedar", Text: []byte(`
@id("everyone")
@reason("everyone reads everything")
permit (principal, action, resource);`)}
	if _, err := policy.New(wider); err == nil || !strings.Contains(err.Error(), "may only forbid") {
		t.Fatalf("an agency rule that permits was accepted: %v", err)
	}
	unexplained := policy.Source{Name: "x.cedar", Text: []byte(`forbid (principal, action, resource) when { resource.tlp == "RED" };`)}
	if _, err := policy.New(unexplained); err == nil || !strings.Contains(err.Error(), "@reason") {
		t.Fatalf("a rule without a reason was accepted: %v", err)
	}
	if _, err := policy.New(policy.Source{Name: "bad.cedar", Text: []byte("forbid (principal")}); err == nil {
		t.Fatal("a malformed policy file was accepted")
	}
}

func TestMalformedRequestIsDenied(t *testing.T) {
	eng, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	if d := eng.Decide(policy.Request{Action: policy.View}); d.Allow {
		t.Fatal("a request with no subject was allowed")
	}
}
