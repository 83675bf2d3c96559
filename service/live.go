package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"liaison"
)

// Live pages learn that something changed from content-free signals on
// the event stream: "liaison.agency.<id>.<kind>" with {"type": kind}. A
// page that hears one fetches itself again through the audited service
// calls, so a signal can never show more than the page would; it says
// only that an agency's queue, inbox or requests moved.

// Signal kinds the web UI listens for.
const (
	SignalSAR    = "sar"    // a report entered or left one of the agency's queues
	SignalAccess = "access" // an access request or grant of the agency changed
	SignalInbox  = "inbox"  // a notice arrived for someone in the agency
)

// signal queues one signal of kind for each agency, in tx.
func (s *Service) signal(ctx context.Context, tx liaison.Tx, now time.Time, kind string, agencies ...liaison.ID) error {
	data, err := json.Marshal(map[string]string{"type": kind})
	if err != nil {
		return err
	}
	seen := map[liaison.ID]bool{}
	for _, a := range agencies {
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		err := tx.AddOutboxEvent(ctx, &liaison.OutboxEvent{ID: liaison.NewID(), Subject: "liaison.agency." + a + "." + kind,
			Data: data, Created: now})
		if err != nil {
			return err
		}
	}
	return nil
}

// deliver stores an inbox notice and signals the recipient's agency, in tx.
func (s *Service) deliver(ctx context.Context, tx liaison.Tx, m *liaison.InboxMessage) error {
	if err := tx.CreateInboxMessage(ctx, m); err != nil {
		return err
	}
	u, err := tx.FindUserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	return s.signal(ctx, tx, m.Created, SignalInbox, u.AgencyID)
}

// deliverIfUser is deliver for a notice whose recipient may no longer
// exist (a ledger row of a removed account): it is then not delivered.
func (s *Service) deliverIfUser(ctx context.Context, tx liaison.Tx, m *liaison.InboxMessage) error {
	if m.UserID == "" {
		return nil
	}
	if _, err := tx.FindUserByID(ctx, m.UserID); liaison.ErrorCode(err) == liaison.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return s.deliver(ctx, tx, m)
}

// signalSAR tells the agencies whose queues r just entered or left: its
// own agency (drafts, step 1, withdrawn); the fusion centers and task
// forces that do step 2 while r awaits it or has just left that queue; and
// the members of the communities it is shared with.
func (s *Service) signalSAR(ctx context.Context, tx liaison.Tx, now time.Time, r *liaison.SAR, before liaison.SARState) error {
	to := []liaison.ID{r.AgencyID}
	if r.State == liaison.SARReviewed || before == liaison.SARReviewed {
		for _, kind := range []liaison.AgencyKind{liaison.AgencyFusionCenter, liaison.AgencyTaskForce} {
			ags, err := tx.ListAgencies(ctx, liaison.AgencyFilter{Kind: kind}, liaison.Page{Limit: liaison.MaxPageSize})
			if err != nil {
				return err
			}
			for _, a := range ags {
				to = append(to, a.ID)
			}
		}
	}
	for _, c := range r.SharedWith {
		comm, err := tx.FindCommunityByID(ctx, c)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		to = append(to, comm.Members...)
	}
	slices.Sort(to)
	return s.signal(ctx, tx, now, SignalSAR, slices.Compact(to)...)
}
