// Package demo seeds a realistic partnership into an empty store: a bureau
// field office and its JTTF, a homeland security department, a state fusion
// centre, local and tribal police, an international partner and two
// private-sector partners, with users for every role.
package demo

import (
	"context"
	"fmt"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/service"
)

// Password is every demo user's password. Demo data only: never deploy it.
const Password = "liaison-demo-2026"

// Login is one demo account.
type Login struct {
	Login      string `json:"login"`
	Role       string `json:"role"`
	Agency     string `json:"agency"`
	TOTPSecret string `json:"totp_secret"`
}

// Result is what Seed did and the accounts it holds.
type Result struct {
	Created bool    `json:"created"` // false when the demo was already there
	Logins  []Login `json:"logins"`
}

type agencySpec struct {
	code, name string
	kind       liaison.AgencyKind
	country    string
	contact    liaison.Contact
}

var agencies = []agencySpec{
	{"FBFO-CAP", "Federal Bureau Field Office – Capital", liaison.AgencyFederal, "US",
		liaison.Contact{Name: "Duty Agent", Role: "CT squad duty desk", Email: "ct-duty@capital.fbfo.example.gov", Phone: "+1 202 555 0110"}},
	{"JTTF-CAP", "Capital Joint Terrorism Task Force", liaison.AgencyTaskForce, "US",
		liaison.Contact{Name: "JTTF Coordinator", Role: "Task force coordinator", Email: "coordinator@jttf-cap.example.gov", Phone: "+1 202 555 0120"}},
	{"DHP-IA", "Department of Homeland Protection – Intelligence & Analysis", liaison.AgencyFederal, "US",
		liaison.Contact{Name: "I&A Watch", Role: "National watch", Email: "watch@ia.dhp.example.gov", Phone: "+1 202 555 0130"}},
	{"SFC-COL", "Columbia State Fusion Center", liaison.AgencyFusionCenter, "US",
		liaison.Contact{Name: "Fusion Watch Desk", Role: "24/7 watch", Email: "watch@fusion.columbia.example.gov", Phone: "+1 410 555 0140"}},
	{"RIVPD", "Riverton Police Department", liaison.AgencyLocal, "US",
		liaison.Contact{Name: "Criminal Intelligence Unit", Email: "ciu@riverton-pd.example.gov", Phone: "+1 410 555 0150"}},
	{"LAKPD", "Lakeside Police Department", liaison.AgencyLocal, "US",
		liaison.Contact{Name: "Detective Bureau", Email: "detectives@lakeside-pd.example.gov", Phone: "+1 410 555 0160"}},
	{"MCSO", "Mill County Sheriff's Office", liaison.AgencyLocal, "US",
		liaison.Contact{Name: "Intelligence Sergeant", Email: "intel@millcounty-so.example.gov", Phone: "+1 410 555 0170"}},
	{"RCTP", "Red Cedar Tribal Police", liaison.AgencyTribal, "US",
		liaison.Contact{Name: "Chief's Office", Email: "chief@redcedar-police.example.gov", Phone: "+1 410 555 0180"}},
	{"EPCO", "European Police Cooperation Office", liaison.AgencyInternational, "NL",
		liaison.Contact{Name: "Liaison Bureau Desk", Role: "Counter Terrorism Centre", Email: "liaison@epco.example.eu", Phone: "+31 70 555 0190"}},
	{"CEPCO", "Columbia Electric Power Company", liaison.AgencyPrivate, "US",
		liaison.Contact{Name: "Corporate Security Operations", Email: "soc@cepco.example.com", Phone: "+1 410 555 0200"}},
	{"FCB", "First Capital Bank", liaison.AgencyPrivate, "US",
		liaison.Contact{Name: "Financial Intelligence Unit", Email: "fiu@firstcapital.example.com", Phone: "+1 202 555 0210"}},
}

type userSpec struct {
	login, name, agency string
	roles               []liaison.Role
	attrs               liaison.Attributes
}

var users = []userSpec{
	{"admin", "Alex Admin", "SFC-COL", []liaison.Role{liaison.RoleAdmin}, liaison.Attributes{Clearance: liaison.ClearanceSecret}},
	{"analyst", "Dana Whitfield", "SFC-COL", []liaison.Role{liaison.RoleAnalyst},
		liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceSecret}},
	{"privacy", "Priya Natarajan", "SFC-COL", []liaison.Role{liaison.RolePrivacyOfficer},
		liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceSecret}},
	{"auditor", "Morgan Hale", "SFC-COL", []liaison.Role{liaison.RoleAuditor}, liaison.Attributes{Clearance: liaison.ClearanceConfidential}},
	{"officer", "Officer Luis Ortega", "RIVPD", []liaison.Role{liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true, Clearance: liaison.ClearanceNone}},
	{"supervisor", "Sgt. Karen Boyd", "RIVPD", []liaison.Role{liaison.RoleSupervisor, liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true, Part23Trained: true, Clearance: liaison.ClearanceConfidential}},
	{"lakeside.officer", "Officer Sam Chen", "LAKPD", []liaison.Role{liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true}},
	{"deputy", "Deputy Ray Mills", "MCSO", []liaison.Role{liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true}},
	{"tribal.officer", "Officer Nina Tallbear", "RCTP", []liaison.Role{liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true}},
	{"agent", "Special Agent Jordan Pike", "FBFO-CAP", []liaison.Role{liaison.RoleOfficer, liaison.RoleAnalyst},
		liaison.Attributes{SwornOfficer: true, Part23Trained: true, Clearance: liaison.ClearanceTopSecret}},
	{"jttf.analyst", "Casey Rowan", "JTTF-CAP", []liaison.Role{liaison.RoleAnalyst},
		liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceTopSecret}},
	{"jttf.supervisor", "SSA Terry Vaughn", "JTTF-CAP", []liaison.Role{liaison.RoleSupervisor, liaison.RoleOfficer},
		liaison.Attributes{SwornOfficer: true, Part23Trained: true, Clearance: liaison.ClearanceTopSecret}},
	{"dhp.analyst", "Robin Achebe", "DHP-IA", []liaison.Role{liaison.RoleAnalyst},
		liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceTopSecret}},
	{"epco.liaison", "Inspector Eva de Vries", "EPCO", []liaison.Role{liaison.RolePartnerLiaison},
		liaison.Attributes{SwornOfficer: true, Clearance: liaison.ClearanceSecret}},
	{"utility.liaison", "Chris Park", "CEPCO", []liaison.Role{liaison.RolePartnerLiaison}, liaison.Attributes{}},
	{"bank.liaison", "Jamie Okafor", "FCB", []liaison.Role{liaison.RolePartnerLiaison}, liaison.Attributes{}},
	{"watch", "Lt. Avery Stone", "SFC-COL", []liaison.Role{liaison.RoleWatch},
		liaison.Attributes{SwornOfficer: true, Clearance: liaison.ClearanceSecret}},
}

type communitySpec struct {
	name        string
	kind        liaison.CommunityKind
	description string
	members     []string
	agreement   func(code string) *liaison.AgreementInput // nil: no agreement for that member
}

var lawEnforcement = []liaison.RecordKind{liaison.KindSAR, liaison.KindIntelligence, liaison.KindEntity,
	liaison.KindCase, liaison.KindOperation, liaison.KindProduct}

var communities = []communitySpec{
	{"Capital JTTF", liaison.CommunityTaskForce,
		"Joint terrorism task force of the Capital field office: federal, state, local and tribal partners.",
		[]string{"FBFO-CAP", "JTTF-CAP", "DHP-IA", "SFC-COL", "RIVPD", "LAKPD", "MCSO", "RCTP"},
		func(code string) *liaison.AgreementInput {
			return &liaison.AgreementInput{LegalBasis: "JTTF Memorandum of Understanding (Capital, 2025), 28 CFR Part 23",
				Purposes:    []liaison.Purpose{liaison.PurposeCounterterrorism, liaison.PurposeCriminalInvestigation, liaison.PurposeOfficerSafety, liaison.PurposeDeconfliction},
				RecordKinds: lawEnforcement, PIIAllowed: true}
		}},
	{"Columbia Fusion Area", liaison.CommunityFusionArea,
		"The Columbia State Fusion Center's area of responsibility and its local and tribal partners.",
		[]string{"SFC-COL", "RIVPD", "LAKPD", "MCSO", "RCTP", "DHP-IA"},
		func(code string) *liaison.AgreementInput {
			return &liaison.AgreementInput{LegalBasis: "Columbia Fusion Center privacy policy and participation agreement (2024)",
				Purposes:    []liaison.Purpose{liaison.PurposeCounterterrorism, liaison.PurposeCriminalInvestigation, liaison.PurposeThreatAssessment, liaison.PurposeOfficerSafety, liaison.PurposeDeconfliction},
				RecordKinds: lawEnforcement, PIIAllowed: true}
		}},
	{"Energy & Finance ISAC", liaison.CommunityISAC,
		"Private-sector partners in energy and finance receiving sanitised products and sharing indicators.",
		[]string{"SFC-COL", "FBFO-CAP", "DHP-IA", "CEPCO", "FCB"},
		func(code string) *liaison.AgreementInput {
			in := &liaison.AgreementInput{LegalBasis: "Critical infrastructure information sharing agreement (PCII-style), 2025",
				Purposes:    []liaison.Purpose{liaison.PurposeInfrastructure, liaison.PurposeCyberDefense, liaison.PurposeFinancialCrime},
				RecordKinds: []liaison.RecordKind{liaison.KindIndicator, liaison.KindProduct}}
			if code != "CEPCO" && code != "FCB" {
				in.RecordKinds = append(in.RecordKinds, liaison.KindSAR)
				in.PrivateRelease = true
			}
			if code == "CEPCO" {
				// The utility receives shared reports about infrastructure,
				// always without personal data (private partners never get it).
				in.RecordKinds = append(in.RecordKinds, liaison.KindSAR)
				in.PrivateRelease = true
			}
			return in
		}},
	{"Transatlantic CT Channel", liaison.CommunityInternational,
		"Counter-terrorism information exchange with the European police cooperation partner.",
		[]string{"FBFO-CAP", "DHP-IA", "EPCO"},
		func(code string) *liaison.AgreementInput {
			return &liaison.AgreementInput{LegalBasis: "Bilateral operational cooperation agreement (treaty), Article 5 onward-transfer conditions",
				Purposes:    []liaison.Purpose{liaison.PurposeCounterterrorism, liaison.PurposeCriminalInvestigation},
				RecordKinds: []liaison.RecordKind{liaison.KindIntelligence, liaison.KindProduct, liaison.KindEntity},
				PIIAllowed:  true, InternationalRelease: true}
		}},
}

// Seed creates the demo partnership in svc's store unless it is already
// there; either way it returns the demo logins. Running it twice changes nothing.
func Seed(ctx context.Context, svc *service.Service) (*Result, error) {
	ctx = liaison.NewContext(ctx, liaison.Actor{System: "demo"})
	res := &Result{}
	if _, err := svc.FindAgency(ctx, agencies[0].code); liaison.ErrorCode(err) == liaison.ENOTFOUND {
		if err := create(ctx, svc); err != nil {
			return nil, err
		}
		res.Created = true
	} else if err != nil {
		return nil, err
	}
	for _, u := range users {
		var secret string
		err := svc.Store.View(ctx, func(tx liaison.Tx) error {
			got, err := tx.FindUserByLogin(ctx, u.login)
			if err == nil {
				secret = got.TOTPSecret
			}
			return err
		})
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			continue // removed by an administrator since
		} else if err != nil {
			return nil, err
		}
		res.Logins = append(res.Logins, Login{Login: u.login, Role: roleNames(u.roles), Agency: u.agency, TOTPSecret: secret})
	}
	return res, nil
}

func roleNames(rs []liaison.Role) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "+"
		}
		s += string(r)
	}
	return s
}

func create(ctx context.Context, svc *service.Service) error {
	ids := map[string]liaison.ID{}
	for _, a := range agencies {
		got, err := svc.CreateAgency(ctx, liaison.AgencyInput{Code: a.code, Name: a.name, Kind: a.kind,
			Country: a.country, Contacts: []liaison.Contact{a.contact}})
		if err != nil {
			return fmt.Errorf("demo: agency %s: %w", a.code, err)
		}
		ids[a.code] = got.ID
	}
	for _, u := range users {
		got, err := svc.CreateUser(ctx, liaison.UserInput{Login: u.login, Name: u.name,
			Email: u.login + "@demo.liaison.example", AgencyID: ids[u.agency], Roles: u.roles, Attributes: u.attrs,
			Password: Password})
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", u.login, err)
		}
		// Demo accounts come with a second factor already enrolled so the
		// printed key works at once; real accounts enrol at first sign-in.
		err = svc.Store.Update(ctx, func(tx liaison.Tx) error {
			now := svc.Now().UTC().Truncate(time.Microsecond)
			got.TOTPSecret, got.MFAEnrolled, got.Updated = service.NewTOTPSecret(), &now, now
			if err := tx.UpdateUser(ctx, got); err != nil {
				return err
			}
			return audit.Append(ctx, tx, liaison.NewAuditEvent(ctx, now, "mfa.enrol", "user", got.ID))
		})
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", u.login, err)
		}
	}
	expires := svc.Now().AddDate(1, 0, 0)
	commIDs := map[string]liaison.ID{}
	for _, c := range communities {
		members := make([]liaison.ID, len(c.members))
		for i, code := range c.members {
			members[i] = ids[code]
		}
		got, err := svc.CreateCommunity(ctx, liaison.CommunityInput{Name: c.name, Kind: c.kind, Description: c.description, Members: members})
		if err != nil {
			return fmt.Errorf("demo: community %s: %w", c.name, err)
		}
		commIDs[c.name] = got.ID
		for _, code := range c.members {
			in := c.agreement(code)
			in.AgencyID, in.CommunityID, in.Expires = ids[code], got.ID, expires
			if _, err := svc.CreateAgreement(ctx, *in); err != nil {
				return fmt.Errorf("demo: agreement %s/%s: %w", c.name, code, err)
			}
		}
	}
	if err := intelligence(ctx, svc, commIDs); err != nil {
		return err
	}
	if err := reports(ctx, svc, commIDs); err != nil {
		return err
	}
	if err := deconfliction(ctx, svc); err != nil {
		return err
	}
	if err := recordsDemo(ctx, svc, commIDs); err != nil {
		return err
	}
	return privacyDemo(ctx, svc, commIDs)
}

// deconfliction registers operations in every state and targets, so the
// demo shows a place-and-time conflict (taken by the fusion center's
// watch), an exact vehicle match and a fuzzy person match.
func deconfliction(ctx context.Context, svc *service.Service) error {
	as := func(login string) (context.Context, error) {
		u, err := svc.FindUser(ctx, login)
		if err != nil {
			return nil, err
		}
		return liaison.NewContext(ctx, liaison.Actor{User: u}), nil
	}
	day := svc.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	type opSpec struct {
		login, name, phone string
		kind               liaison.OperationKind
		lat, lon, radius   float64
		start, hours       time.Duration
		officers           int
		plain, activate    bool
		end                liaison.OperationState // completed or cancelled after activation, or ""
	}
	specs := []opSpec{
		{"agent", "Northgate warehouse search warrant", "+1 202 555 0111", liaison.OpWarrant, 39.2847, -76.6205, 150, 6 * time.Hour, 3 * time.Hour, 18, false, true, ""},
		{"officer", "Harbor Street surveillance post", "+1 410 555 0151", liaison.OpSurveillance, 39.2861, -76.6180, 100, 5 * time.Hour, 6 * time.Hour, 4, true, true, ""},
		{"deputy", "Mill Road controlled buy", "+1 410 555 0171", liaison.OpBuyWalk, 39.4015, -76.6019, 200, 30 * time.Hour, 2 * time.Hour, 5, true, false, ""},
		{"lakeside.officer", "Lakeside arrest warrant", "+1 410 555 0161", liaison.OpArrest, 39.3400, -76.5000, 100, 8 * time.Hour, 1 * time.Hour, 6, false, true, liaison.OpCompleted},
		{"jttf.supervisor", "Route 40 interview and arrest", "+1 202 555 0121", liaison.OpArrest, 39.3000, -76.7000, 300, 50 * time.Hour, 4 * time.Hour, 10, false, true, ""},
	}
	ops := map[string]*liaison.Operation{}
	for _, sp := range specs {
		c, err := as(sp.login)
		if err != nil {
			return err
		}
		o, err := svc.CreateOperation(c, service.OperationInput{Name: sp.name, Kind: sp.kind,
			Center: &liaison.GeoPoint{Lat: sp.lat, Lon: sp.lon}, RadiusM: sp.radius, Start: day.Add(sp.start), End: day.Add(sp.start + sp.hours),
			Officers: sp.officers, PlainClothes: sp.plain, Contact: &liaison.PointOfContact{Phone: sp.phone},
			Notes: "Briefing at the station one hour before; staging area and entry plan in the case file.", Activate: sp.activate})
		if err != nil {
			return fmt.Errorf("demo: operation %q: %w", sp.name, err)
		}
		if sp.end != "" {
			if _, err := svc.TransitionOperation(c, o.ID, sp.end, "warrant served, subject in custody"); err != nil {
				return fmt.Errorf("demo: operation %q: %w", sp.name, err)
			}
		}
		ops[sp.login] = o
	}
	targets := []struct {
		login string
		in    service.TargetInput
	}{
		{"agent", service.TargetInput{Kind: liaison.TargetVehicle, Value: "CPX-4471"}},
		{"officer", service.TargetInput{Kind: liaison.TargetVehicle, Value: "cpx 4471"}},
		{"jttf.supervisor", service.TargetInput{Kind: liaison.TargetPerson, Name: "Viktor Baranov", DOB: "1979-04-12"}},
		{"deputy", service.TargetInput{Kind: liaison.TargetPerson, Name: "Victor Baranov", DOB: "1979-04-21"}},
		{"deputy", service.TargetInput{Kind: liaison.TargetPhone, Value: "(410) 555-0199"}},
	}
	for _, t := range targets {
		c, err := as(t.login)
		if err != nil {
			return err
		}
		t.in.OperationID, t.in.Contact = ops[t.login].ID, &liaison.PointOfContact{Phone: ops[t.login].Contact.Phone}
		if _, err := svc.RegisterTarget(c, t.in); err != nil {
			return fmt.Errorf("demo: target %s: %w", t.in.Kind, err)
		}
	}
	// The fusion center's watch takes the place-and-time conflict.
	c, err := as("watch")
	if err != nil {
		return err
	}
	cs, err := svc.WatchConflicts(c, []liaison.ConflictState{liaison.ConflictOpen}, liaison.Page{})
	if err != nil {
		return err
	}
	for _, k := range cs {
		if k.Kind == liaison.ConflictPlaceTime {
			if _, err := svc.HandleConflict(c, k.ID, service.WatchAction{Action: "take"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// reports files suspicious activity reports in every vetting state.
func reports(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	as := func(login string) (context.Context, error) {
		u, err := svc.FindUser(ctx, login)
		if err != nil {
			return nil, err
		}
		return liaison.NewContext(ctx, liaison.Actor{User: u, System: "demo"}), nil
	}
	officer, err := as("officer")
	if err != nil {
		return err
	}
	sgt, err := as("supervisor")
	if err != nil {
		return err
	}
	analyst, err := as("analyst")
	if err != nil {
		return err
	}
	now := svc.Now().UTC()
	lat, lon := 39.2904, -76.6122
	file := func(title, narrative string, cats []liaison.Category, submit bool) (*liaison.SAR, error) {
		return svc.CreateSAR(officer, service.SARInput{Title: title, Narrative: narrative, Why: "Behaviour matched ISE-SAR indicators.",
			When: liaison.SARTime{Time: now.Add(-26 * time.Hour)}, Where: liaison.Place{Address: "400 Harbor Point Rd, Riverton", Lat: &lat, Lon: &lon},
			Categories: cats, Submit: submit,
			Involved: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Evan Cole"}},
				{Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "RVT2290", "make": "grey sedan"}}}})
	}
	step := func(c context.Context, id liaison.ID, in service.StepInput) error {
		_, err := svc.StepSAR(c, id, in)
		return err
	}
	share := service.StepInput{Step: "share", Communities: []liaison.ID{comms["Capital JTTF"], comms["Columbia Fusion Area"], comms["Energy & Finance ISAC"]}, TLP: liaison.TLPAmber,
		Corroboration: "Same vehicle recorded near the water treatment plant on 12 November."}
	steps := []struct {
		title, narrative string
		cats             []liaison.Category
		submit           bool
		then             []func(id liaison.ID) error
	}{
		{"Draft: drone over the stadium", "Evan Cole flew a drone over the stadium during a closed practice.", []liaison.Category{liaison.CatAviation}, false, nil},
		{"Awaiting step 1: questions about the water plant", "Evan Cole asked staff about chlorine deliveries and shift changes.", []liaison.Category{liaison.CatEliciting}, true, nil},
		{"Awaiting step 2: fence cut at the substation", "The perimeter fence was cut; a grey sedan RVT2290 left at speed.", []liaison.Category{liaison.CatBreach}, true,
			[]func(id liaison.ID) error{
				func(id liaison.ID) error {
					_, err := svc.Attach(officer, id, "witness statement.txt", []byte("Statement of the night guard, substation 7.\n\n"+
						"At about 02:10 I heard the fence rattle on the east side. I saw a grey sedan, plate RVT2290, leave at speed "+
						"towards Harbor Point Road. The cut was about a metre long, at ground level.\n"))
					return err
				},
				func(id liaison.ID) error { return step(sgt, id, service.StepInput{Step: "forward"}) }}},
		{"Shared: Evan Cole photographing the harbor tunnel vents", "Evan Cole photographed ventilation shafts of the harbor tunnel for an hour; Cole left in RVT2290.", []liaison.Category{liaison.CatPhotography, liaison.CatObservation}, true,
			[]func(id liaison.ID) error{
				func(id liaison.ID) error { return step(sgt, id, service.StepInput{Step: "forward"}) },
				func(id liaison.ID) error { return step(analyst, id, share) }}},
		{"Retained locally: tourist with a camera", "A visitor photographed the bridge at sunset.", []liaison.Category{liaison.CatPhotography}, true,
			[]func(id liaison.ID) error{
				func(id liaison.ID) error { return step(sgt, id, service.StepInput{Step: "forward"}) },
				func(id liaison.ID) error {
					return step(analyst, id, service.StepInput{Step: "retain", Reason: "no nexus beyond ordinary tourism"})
				}}},
		{"Rejected: duplicate of an earlier report", "Same incident as the fence cut report.", []liaison.Category{liaison.CatBreach}, true,
			[]func(id liaison.ID) error{func(id liaison.ID) error {
				return step(sgt, id, service.StepInput{Step: "reject_step1", Reason: "duplicate of the fence cut report"})
			}}},
		{"Withdrawn: suspicious purchase explained", "Large fertiliser purchase by a farm co-operative.", []liaison.Category{liaison.CatMaterials}, true,
			[]func(id liaison.ID) error{
				func(id liaison.ID) error { return step(sgt, id, service.StepInput{Step: "forward"}) },
				func(id liaison.ID) error { return step(analyst, id, share) },
				func(id liaison.ID) error {
					return step(sgt, id, service.StepInput{Step: "withdraw", Reason: "the co-operative's purchase was verified"})
				}}},
	}
	for _, st := range steps {
		r, err := file(st.title, st.narrative, st.cats, st.submit)
		if err != nil {
			return fmt.Errorf("demo: SAR %q: %w", st.title, err)
		}
		for _, f := range st.then {
			if err := f(r.ID); err != nil {
				return fmt.Errorf("demo: SAR %q: %w", st.title, err)
			}
		}
	}
	// The analyst keeps a search of the subject: new reports and records
	// naming him arrive in her inbox.
	if _, err := svc.SaveSearch(analyst, "Evan Cole, any mention", service.SearchRequest{Q: "Evan Cole", Fuzzy: true,
		Purpose: liaison.PurposeCounterterrorism}); err != nil {
		return fmt.Errorf("demo: saved search: %w", err)
	}
	return nil
}

// intelligence writes a case and three records at Riverton PD, so the
// decision point has something to decide: an AMBER record shared with the
// JTTF and the fusion area, an AMBER+STRICT one that stays home, and a RED
// one naming the fusion center's analyst.
func intelligence(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	find := func(login string) (*liaison.User, error) { return svc.FindUser(ctx, login) }
	sgt, err := find("supervisor")
	if err != nil {
		return err
	}
	analyst, err := find("analyst")
	if err != nil {
		return err
	}
	as := liaison.NewContext(ctx, liaison.Actor{User: sgt, System: "demo"})
	c, err := svc.CreateCase(as, liaison.CaseInput{Title: "Operation Night Harbor: precursor purchases", Assigned: []liaison.ID{}})
	if err != nil {
		return fmt.Errorf("demo: case: %w", err)
	}
	// The fusion center analyst's own case: what an access request names.
	if _, err := svc.CreateCase(liaison.NewContext(ctx, liaison.Actor{User: analyst, System: "demo"}),
		liaison.CaseInput{Title: "Columbia threat picture: critical infrastructure", Assigned: []liaison.ID{}}); err != nil {
		return fmt.Errorf("demo: analyst's case: %w", err)
	}
	retain := svc.Now().AddDate(2, 0, 0)
	person := liaison.Entity{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Daniel Marsh", "date_of_birth": "1988-07-14"}}
	van := liaison.Entity{Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "CLM4471", "make": "Ford Transit", "colour": "white"}}
	records := []liaison.IntelInput{
		{Title: "Bulk ammonium nitrate purchases in Riverton", TLP: liaison.TLPAmber,
			Narrative:  "Daniel Marsh bought 120 kg of ammonium nitrate fertiliser in cash at three farm suppliers between 3 and 9 November, using a white Ford Transit, plate CLM4471. He has no agricultural holding. Contact: +1 410 555 0187.",
			SharedWith: []liaison.ID{comms["Capital JTTF"], comms["Columbia Fusion Area"]},
			Subjects:   []liaison.Entity{person, van}},
		{Title: "Source reporting on the Night Harbor storage unit", TLP: liaison.TLPAmberStrict,
			Narrative:  "A confidential source reports that Daniel Marsh rents unit 14 at a Riverton self-storage site and visits at night.",
			SharedWith: []liaison.ID{comms["Capital JTTF"]},
			Subjects:   []liaison.Entity{person}},
		{Title: "Planned surveillance of the substation (restricted)", TLP: liaison.TLPRed,
			Narrative:  "Daniel Marsh photographed the Columbia Electric substation fence line twice. Shared only with the fusion center analyst for threat assessment.",
			Recipients: []liaison.ID{sgt.ID, analyst.ID},
			Subjects:   []liaison.Entity{person}},
		// Not shared with anyone: partners searching for Marsh get a
		// pointer to Riverton PD and may ask for access.
		{Title: "Marsh's cash withdrawals at the Riverton credit union", TLP: liaison.TLPAmber,
			Narrative: "Daniel Marsh withdrew 9,500 USD in cash on four consecutive days, just under the reporting threshold.",
			Subjects:  []liaison.Entity{person}},
		// No pointer: searching partners learn nothing of it.
		{Title: "Undercover contact with Marsh (no pointer)", TLP: liaison.TLPAmber, NoPointer: true,
			Narrative: "An undercover officer met Daniel Marsh at the storage site; his cover must not be exposed by any search hit.",
			Subjects:  []liaison.Entity{person}},
	}
	for _, in := range records {
		in.Predicate = "Purchases and reconnaissance consistent with preparing an explosive attack on critical infrastructure (18 U.S.C. 844(i), 2332f)."
		in.LawfulCollection, in.Grading, in.Handling, in.CaseID, in.RetainUntil = true, liaison.Grading{Source: "B", Information: 2}, liaison.H2, c.ID, retain
		if _, err := svc.CreateIntelRecord(as, in); err != nil {
			return fmt.Errorf("demo: record %q: %w", in.Title, err)
		}
	}
	return nil
}
