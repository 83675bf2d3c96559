package service

import (
	"context"
	"slices"

	"liaison"
	"liaison/policy"
	"liaison/sar"
)

// peersOf returns agency and every member of comms, the communities it
// belongs to: the agencies it shares a community with.
func peersOf(agency liaison.ID, comms []*liaison.Community) []liaison.ID {
	peers := []liaison.ID{agency}
	for _, c := range comms {
		peers = append(peers, c.Members...)
	}
	slices.Sort(peers)
	return slices.Compact(peers)
}

// agencyPeers reads the agencies that share a community with agency, its
// own included.
func agencyPeers(ctx context.Context, tx liaison.Tx, agency liaison.ID) ([]liaison.ID, error) {
	var comms []*liaison.Community
	after := ""
	for {
		cs, err := tx.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: agency}, liaison.Page{After: after, Limit: liaison.MaxPageSize})
		if err != nil {
			return nil, err
		}
		comms = append(comms, cs...)
		if len(cs) < liaison.MaxPageSize {
			break
		}
		after = cs[len(cs)-1].ID
	}
	return peersOf(agency, comms), nil
}

// sarActorOf is the subject as the vetting rules see them.
func sarActorOf(sub *policy.Subject) sar.Actor {
	return sar.Actor{User: sub.User, AgencyKind: sub.AgencyKind, Peers: sub.Peers}
}

// sarActor reads u as the vetting rules see them: their agency's kind and
// its peers.
func sarActor(ctx context.Context, tx liaison.Tx, u *liaison.User) (sar.Actor, error) {
	ag, err := tx.FindAgencyByID(ctx, u.AgencyID)
	if err != nil {
		return sar.Actor{}, err
	}
	peers, err := agencyPeers(ctx, tx, u.AgencyID)
	if err != nil {
		return sar.Actor{}, err
	}
	return sar.Actor{User: u, AgencyKind: ag.Kind, Peers: peers}, nil
}

// SARActor returns the signed-in user as the vetting rules see them, for a
// page to offer only the steps the user may take.
func (s *Service) SARActor(ctx context.Context) (sar.Actor, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return sar.Actor{}, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out sar.Actor
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		out, err = sarActor(ctx, tx, a.User)
		return err
	})
	return out, err
}
