package service

import (
	"context"
	"strings"
	"time"

	"liaison"
)

// TipInput is an anonymous tip from the public form.
type TipInput struct {
	AgencyID liaison.ID
	What     string
	When     liaison.SARTime
	Where    string
	Category liaison.Category // optional
}

// SubmitTip files an anonymous tip into the receiving agency's step-1
// intake queue and returns a receipt code the tipster keeps to add
// information later. Nothing about the report is ever shown back, and
// nothing about the tipster (address, browser) is kept: the audit entry
// says only that the public filed a tip.
func (s *Service) SubmitTip(ctx context.Context, in TipInput) (receipt string, err error) {
	now := s.now()
	cats := []liaison.Category{liaison.CatSectorSpecific}
	if in.Category != "" {
		cats = []liaison.Category{in.Category}
	}
	when := in.When.Time
	if when.IsZero() {
		when = now
	}
	r := &liaison.SAR{ID: liaison.NewID(), AgencyID: in.AgencyID, Source: liaison.SourcePublic, Title: "Public tip",
		Narrative: strings.TrimSpace(in.What), When: when.UTC(), Where: liaison.Place{Address: strings.TrimSpace(in.Where)},
		Categories: cats, Involved: []liaison.Entity{}, State: liaison.SARSubmitted, SharedWith: []liaison.ID{},
		History: []liaison.SARTransition{{From: liaison.SARDraft, To: liaison.SARSubmitted, At: now, Reason: "public tip"}},
		Created: now, Updated: now}
	if err := r.Validate(now); err != nil {
		return "", err
	}
	if !liaison.ValidID(in.AgencyID) {
		return "", liaison.FieldErrorf("agency", "choose the agency that should receive your tip")
	}
	code := strings.ToUpper(randomToken(9)) // 72 bits, 12 characters
	code = strings.NewReplacer("-", "X", "_", "Y").Replace(code)
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		ag, err := tx.FindAgencyByID(ctx, in.AgencyID)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && ag.Kind == liaison.AgencyPrivate) {
			return liaison.FieldErrorf("agency", "choose one of the listed agencies")
		} else if err != nil {
			return err
		}
		if err := tx.CreateSAR(ctx, r); err != nil {
			return err
		}
		if err := tx.PutSARReceipt(ctx, hashToken(code), r.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, tipperEvent(ctx, now, "tip.receive", r.ID))
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// AddToTip appends information to a tip by its receipt code. A wrong code
// and a right one answer alike, so codes cannot be probed.
func (s *Service) AddToTip(ctx context.Context, receipt, more string) error {
	more = strings.TrimSpace(more)
	if len(more) < 5 || len(more) > 10_000 {
		return liaison.FieldErrorf("information", "must be 5 to 10,000 characters")
	}
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		r, err := tx.FindSARByReceipt(ctx, hashToken(strings.ToUpper(strings.TrimSpace(receipt))))
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return nil // same answer as success
		} else if err != nil {
			return err
		}
		now := s.now()
		r.Narrative += "\n\n[Added by the tipster " + now.Format("2006-01-02 15:04 UTC") + "]\n" + more
		r.Updated = now
		if err := tx.UpdateSAR(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, tipperEvent(ctx, now, "tip.add", r.ID))
	})
}

// tipperEvent is the audit entry of a tipster's act on report id: the log
// keeps it for ever, so it names the public and carries no address,
// whatever the caller's context holds.
func tipperEvent(ctx context.Context, now time.Time, action string, id liaison.ID) *liaison.AuditEvent {
	e := liaison.NewAuditEvent(ctx, now, action, "sar", id)
	e.Actor, e.IP, e.UserID, e.AgencyID = "public", "", "", ""
	return e
}

// TipAgencies lists the agencies a tip may go to (not private partners).
func (s *Service) TipAgencies(ctx context.Context) ([]*liaison.Agency, error) {
	var out []*liaison.Agency
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		all, err := tx.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		for _, a := range all {
			if a.Kind != liaison.AgencyPrivate && a.Kind != liaison.AgencyInternational {
				out = append(out, a)
			}
		}
		return err
	})
	return out, err
}
