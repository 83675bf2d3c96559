package demo

import (
	"context"
	"fmt"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/service"
)

// privacyDemo gives the fusion center's privacy officer something to do:
// two of the fusion center's records come up for their five-year review
// (28 CFR 23.20(h)) within the month, one is past its deadline, and
// partners have read records, so the dissemination ledger has rows.
func privacyDemo(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	analyst, err := svc.FindUser(ctx, "analyst")
	if err != nil {
		return err
	}
	as := liaison.NewContext(ctx, liaison.Actor{User: analyst, System: "demo"})
	var cases []liaison.ID
	if err := svc.Store.View(ctx, func(tx liaison.Tx) error {
		cases, err = tx.ListUserCases(ctx, analyst.ID)
		return err
	}); err != nil {
		return err
	}
	if len(cases) == 0 {
		return fmt.Errorf("demo: the analyst has no case")
	}
	now := svc.Now()
	day := 24 * time.Hour
	predicate := "Reconnaissance and threats consistent with planning an attack on critical infrastructure (18 U.S.C. 1366, 875(c))."
	records := []struct {
		in     liaison.IntelInput
		retain time.Duration // negative: the deadline has passed
	}{
		{liaison.IntelInput{Title: "Drone flights over the Riverton water treatment plant", TLP: liaison.TLPAmber,
			Narrative: "Plant security logged a quadcopter over the chlorine storage on three nights. A car registered to Tomas Reyes, " +
				"born 1991-02-03, was parked at the fence line each time.",
			SharedWith: []liaison.ID{comms["Columbia Fusion Area"]},
			Subjects:   []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Tomas Reyes", "date_of_birth": "1991-02-03"}}},
		}, 12 * day},
		{liaison.IntelInput{Title: "Phishing against the Columbia Electric vendor portal", TLP: liaison.TLPAmber,
			Narrative: "Spear-phishing from vendor-support@cepco-portal.example.net aimed at substation contractors; the sender " +
				"registered the domain with the phone +1 410 555 0199.",
			SharedWith: []liaison.ID{comms["Capital JTTF"], comms["Columbia Fusion Area"]},
			Subjects:   []liaison.Entity{{Kind: liaison.EntityOrganization, Attributes: map[string]string{"name": "cepco-portal.example.net", "email": "vendor-support@cepco-portal.example.net"}}},
		}, 20 * day},
		{liaison.IntelInput{Title: "Threat calls to the Lakeside reservoir office (2021)", TLP: liaison.TLPGreen,
			Narrative:  "A caller threatened to poison the reservoir; the calls stopped after a warning visit and no crime was charged.",
			SharedWith: []liaison.ID{comms["Columbia Fusion Area"]},
		}, -6 * day},
	}
	var ids []liaison.ID
	for _, rec := range records {
		in := rec.in
		in.Predicate = predicate
		in.LawfulCollection, in.Grading, in.Handling, in.CaseID = true, liaison.Grading{Source: "B", Information: 2}, liaison.H1, cases[0]
		in.RetainUntil = now.Add(rec.retain)
		if rec.retain < 0 {
			in.RetainUntil = now.Add(day) // written with a valid deadline, then backdated below
		}
		r, err := svc.CreateIntelRecord(as, in)
		if err != nil {
			return fmt.Errorf("demo: record %q: %w", in.Title, err)
		}
		ids = append(ids, r.ID)
		if rec.retain >= 0 {
			continue
		}
		// A record written nearly five years ago and never reviewed: the
		// service refuses past deadlines, so the demo sets it in the store.
		err = svc.Store.Update(ctx, func(tx liaison.Tx) error {
			old, err := tx.FindIntelRecord(ctx, r.ID)
			if err != nil {
				return err
			}
			back := *old
			back.Version, back.Updated = old.Version+1, now
			back.Created, back.RetainUntil = now.Add(rec.retain-liaison.MaxRetention), now.Add(rec.retain)
			if err := tx.UpdateIntelRecord(ctx, &back); err != nil {
				return err
			}
			e := liaison.NewAuditEvent(ctx, now, "demo.backdate", "intel", r.ID)
			e.Details = map[string]string{"retain_until": back.RetainUntil.Format(time.RFC3339)}
			return audit.Append(ctx, tx, e)
		})
		if err != nil {
			return fmt.Errorf("demo: backdating %q: %w", in.Title, err)
		}
	}
	// Partners read what was shared with them: the ledger's first rows.
	reads := []struct {
		login string
		id    liaison.ID
	}{{"supervisor", ids[0]}, {"dhp.analyst", ids[0]}, {"jttf.analyst", ids[1]}}
	for _, rd := range reads {
		u, err := svc.FindUser(ctx, rd.login)
		if err != nil {
			return err
		}
		if _, _, err := svc.GetIntelRecord(liaison.NewContext(ctx, liaison.Actor{User: u, System: "demo"}), rd.id, liaison.PurposeCounterterrorism); err != nil {
			return fmt.Errorf("demo: %s reads %s: %w", rd.login, rd.id, err)
		}
	}
	return nil
}
