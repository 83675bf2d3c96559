package demo

import (
	"context"
	"fmt"

	"liaison"
	"liaison/service"
)

// recordsDemo adds intelligence that other agencies hold about the
// Night Harbor subjects, so a link graph spans records of three agencies:
// the fusion center analyst's record of the van at the substation (the
// same person and van as Riverton PD's shared record) and the JTTF's
// subscriber check on Marsh's phone, which names an associate.
func recordsDemo(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	analyst, err := svc.FindUser(ctx, "analyst")
	if err != nil {
		return err
	}
	jttf, err := svc.FindUser(ctx, "jttf.analyst")
	if err != nil {
		return err
	}
	asAnalyst := liaison.NewContext(ctx, liaison.Actor{User: analyst, System: "demo"})
	asJTTF := liaison.NewContext(ctx, liaison.Actor{User: jttf, System: "demo"})
	cases, err := svc.MyCases(asAnalyst)
	if err != nil || len(cases) == 0 {
		return fmt.Errorf("demo: the analyst's case: %v", err)
	}
	jcase, err := svc.CreateCase(asJTTF, liaison.CaseInput{Title: "Night Harbor: communications", Assigned: []liaison.ID{}})
	if err != nil {
		return fmt.Errorf("demo: JTTF case: %w", err)
	}
	retain := svc.Now().AddDate(2, 0, 0)
	id := func() liaison.ID { return liaison.NewID() }
	marsh := liaison.Entity{ID: id(), Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Daniel Marsh", "date_of_birth": "1988-07-14"}}
	van := liaison.Entity{ID: id(), Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "CLM 4471", "make": "Ford Transit", "colour": "white"}}
	site := liaison.Entity{ID: id(), Kind: liaison.EntityLocation, Attributes: map[string]string{"address": "Columbia Electric substation, Route 9, Riverton"}}
	phone := liaison.Entity{ID: id(), Kind: liaison.EntityPhone, Attributes: map[string]string{"number": "+1 410 555 0187"}}
	phone2 := liaison.Entity{ID: id(), Kind: liaison.EntityPhone, Attributes: map[string]string{"number": "(410) 555-0187", "carrier": "prepaid"}}
	rourke := liaison.Entity{ID: id(), Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Eli Rourke", "date_of_birth": "1990-03-02"}}
	records := []struct {
		as context.Context
		in liaison.IntelInput
	}{
		{asAnalyst, liaison.IntelInput{Title: "White van at the Columbia Electric substation", TLP: liaison.TLPAmber, Handling: liaison.H2,
			Narrative: "Substation CCTV recorded a white Ford Transit, plate CLM 4471, stopping at the fence line on 12 and 14 November. " +
				"The driver matches Daniel Marsh. The phone he called from at the gate is the one in Riverton PD's reporting.",
			Predicate:  "Reconnaissance of critical infrastructure by a subject of an explosives investigation (18 U.S.C. 844(i), 1366).",
			Grading:    liaison.Grading{Source: "C", Information: 3},
			CaseID:     cases[0].ID,
			SharedWith: []liaison.ID{comms["Columbia Fusion Area"], comms["Capital JTTF"]},
			Subjects:   []liaison.Entity{marsh, van, site, phone},
			Links: []liaison.Link{{From: marsh.ID, To: van.ID, Type: "uses"}, {From: van.ID, To: site.ID, Type: "seen_at"},
				{From: marsh.ID, To: phone.ID, Type: "uses"}}}},
		{asJTTF, liaison.IntelInput{Title: "Subscriber check on a prepaid phone", TLP: liaison.TLPAmber, Handling: liaison.H1,
			Narrative: "Legal process returned the subscriber of (410) 555-0187: a prepaid line registered to Eli Rourke, " +
				"who has no known link to the Riverton farm suppliers.",
			Predicate:  "The phone is used by a subject of a JTTF explosives investigation (18 U.S.C. 2332f).",
			Grading:    liaison.Grading{Source: "A", Information: 2},
			CaseID:     jcase.ID,
			SharedWith: []liaison.ID{comms["Capital JTTF"]},
			Subjects:   []liaison.Entity{rourke, phone2},
			Links:      []liaison.Link{{From: rourke.ID, To: phone2.ID, Type: "subscriber_of"}}}},
	}
	for _, r := range records {
		r.in.LawfulCollection, r.in.RetainUntil = true, retain
		if _, err := svc.CreateIntelRecord(r.as, r.in); err != nil {
			return fmt.Errorf("demo: record %q: %w", r.in.Title, err)
		}
	}
	return nil
}
