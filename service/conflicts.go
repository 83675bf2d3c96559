package service

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"liaison"
	"liaison/deconflict"
)

// TargetInput registers a subject for target deconfliction.
type TargetInput struct {
	Kind        liaison.TargetKind      `json:"kind"`
	Value       string                  `json:"value"`
	Name        string                  `json:"name"`
	DOB         string                  `json:"dob"`
	OperationID liaison.ID              `json:"operation_id"`
	CaseID      liaison.ID              `json:"case_id"`
	Contact     *liaison.PointOfContact `json:"contact"`
}

// RegisterTarget registers a person, vehicle, phone, address or weapon on
// one of the caller's agency's operations or cases, matches it against
// every other agency's registered targets, and records and notifies each
// match as a conflict.
func (s *Service) RegisterTarget(ctx context.Context, in TargetInput) (*liaison.Target, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "target.register", "target", "", err)
	}
	now := s.now()
	t := &liaison.Target{ID: liaison.NewID(), AgencyID: u.AgencyID, CreatedBy: u.ID, Kind: in.Kind,
		Value: strings.TrimSpace(in.Value), Name: strings.TrimSpace(in.Name), DOB: strings.TrimSpace(in.DOB),
		OperationID: in.OperationID, CaseID: in.CaseID, Active: true, Created: now,
		Contact: liaison.PointOfContact{UserID: u.ID, Name: u.Name, Phone: "provisional"}}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	sub := subjectOf(t)
	if err := sub.Validate(); err != nil {
		var fe *deconflict.FieldError
		if errors.As(err, &fe) {
			return nil, liaison.FieldErrorf(fe.Field, "%s", fe.Reason)
		}
		return nil, err
	}
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	var seq int64
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if seq, err = s.tick(ctx, tx); err != nil {
			return err
		}
		t.Seq = seq
		c, err := contact(ctx, tx, u, in.Contact)
		if err != nil {
			return err
		}
		t.Contact = c
		if t.OperationID != "" {
			o, err := tx.FindOperation(ctx, t.OperationID)
			if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && o.AgencyID != u.AgencyID) {
				return liaison.FieldErrorf("operation_id", "must be an operation of your agency")
			} else if err != nil {
				return err
			}
			if o.State == liaison.OpCompleted || o.State == liaison.OpCancelled {
				return liaison.FieldErrorf("operation_id", "the operation is %s; register targets on a draft or active one", o.State)
			}
		}
		if err := s.checkCase(ctx, tx, u, t.CaseID); err != nil {
			return err
		}
		if err := tx.CreateTarget(ctx, t); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "target.register", "target", t.ID)
		e.Details = map[string]string{"kind": string(t.Kind)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		for _, m := range d.targets.Check(sub) {
			other, err := tx.FindTarget(ctx, m.With.ID)
			if err != nil {
				return err
			}
			k := &liaison.Conflict{ID: liaison.NewID(), Kind: liaison.ConflictSubject, Match: m.How, Score: m.Score,
				State: liaison.ConflictOpen, Detected: now, Updated: now}
			if k.A, err = party(ctx, tx, other.AgencyID, other.ID, other.Contact); err != nil {
				return err
			}
			if k.B, err = party(ctx, tx, t.AgencyID, t.ID, t.Contact); err != nil {
				return err
			}
			if err := s.recordConflict(ctx, tx, k, describeTarget(other), describeTarget(t)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.seen(seq)
	d.targets.Add(sub)
	s.kick()
	return t, nil
}

// describeTarget names a target for its own agency's notice.
func describeTarget(t *liaison.Target) string {
	if t.Kind == liaison.TargetPerson {
		return "person " + t.Name
	}
	return string(t.Kind) + " " + t.Value
}

// RetireTarget stops matching one of the caller's agency's targets.
func (s *Service) RetireTarget(ctx context.Context, id liaison.ID) (*liaison.Target, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "target.retire", "target", id, err)
	}
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	var t *liaison.Target
	var seq int64
	var hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if seq, err = s.tick(ctx, tx); err != nil {
			return err
		}
		if liaison.ValidID(id) {
			t, err = tx.FindTarget(ctx, id)
		}
		if !liaison.ValidID(id) || isMissing(err) || (err == nil && t.AgencyID != u.AgencyID) {
			// Another agency's target is answered as a missing one.
			return s.hide(ctx, tx, &hidden, "target.retire", "target", id, errNoTarget())
		} else if err != nil {
			return err
		}
		if !t.Active {
			return liaison.Errorf(liaison.ECONFLICT, "the target is already retired")
		}
		t.Active, t.Retired, t.Seq = false, s.now(), seq
		if err := tx.UpdateTarget(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, t.Retired, "target.retire", "target", id))
	})
	if err != nil {
		return nil, err
	}
	d.seen(seq)
	if hidden != nil {
		return nil, hidden
	}
	d.targets.Remove(id)
	return t, nil
}

// ListTargets lists the caller's agency's targets.
func (s *Service) ListTargets(ctx context.Context, f liaison.TargetFilter, p liaison.Page) ([]*liaison.Target, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "target.list", "target", "", err)
	}
	f.AgencyID = u.AgencyID
	var out []*liaison.Target
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if out, err = tx.ListTargets(ctx, f, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "target.list", "target", ""))
	})
	return out, err
}

// ListConflicts lists the conflicts the caller's agency is a party to, as
// a party sees them. Label policy never hides a conflict: officer safety
// comes first; the other side's details are never in it.
func (s *Service) ListConflicts(ctx context.Context, states []liaison.ConflictState, p liaison.Page) ([]*ConflictView, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out []*ConflictView
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		cs, err := tx.ListConflicts(ctx, liaison.ConflictFilter{AgencyIDs: []liaison.ID{a.User.AgencyID}, States: states}, p)
		if err != nil {
			return err
		}
		out = make([]*ConflictView, len(cs))
		for i, c := range cs {
			out[i] = PartyView(c, a.User.AgencyID)
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "conflict.list", "conflict", ""))
	})
	return out, err
}

// GetConflict returns one conflict as the caller's agency, a party, sees it.
func (s *Service) GetConflict(ctx context.Context, id liaison.ID) (*ConflictView, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var v *ConflictView
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		c, err := findConflict(ctx, tx, id)
		if err != nil {
			return err
		}
		if c == nil || PartyView(c, a.User.AgencyID) == nil {
			return s.hide(ctx, tx, &hidden, "conflict.read", "conflict", id, errNoConflict())
		}
		v = PartyView(c, a.User.AgencyID)
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "conflict.read", "conflict", id))
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// watchArea returns the agencies a watch officer's center watches: every
// member of every community its agency belongs to (a fusion center's area
// is a community), its own agency included.
func watchArea(ctx context.Context, tx liaison.Tx, u *liaison.User) ([]liaison.ID, error) {
	return agencyPeers(ctx, tx, u.AgencyID)
}

func requireWatch(ctx context.Context) (*liaison.User, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.User.Has(liaison.RoleWatch) {
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "only watch officers see and handle every conflict in their area")
	}
	return a.User, nil
}

// WatchConflicts lists every conflict in the caller's watch area: both
// sides, their points of contact, the kind, how close and where (the
// midpoint), and how it is being handled. Operation details are not in it.
func (s *Service) WatchConflicts(ctx context.Context, states []liaison.ConflictState, p liaison.Page) ([]*liaison.Conflict, error) {
	u, err := requireWatch(ctx)
	if err != nil {
		return nil, s.denied(ctx, "conflict.watch", "conflict", "", err)
	}
	var out []*liaison.Conflict
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		area, err := watchArea(ctx, tx, u)
		if err != nil {
			return err
		}
		if out, err = tx.ListConflicts(ctx, liaison.ConflictFilter{AgencyIDs: area, States: states}, p); err != nil {
			return err
		}
		for _, c := range out {
			watchView(c, u)
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "conflict.watch", "conflict", ""))
	})
	return out, err
}

// WatchAction is what a watch officer does with a conflict.
type WatchAction struct {
	Action     string    `json:"action"`       // take, contact or resolve
	At         time.Time `json:"contacted_at"` // contact: when the two sides talked (default now)
	Resolution string    `json:"resolution"`   // resolve: how it was settled
}

// HandleConflict lets a watch officer take ownership of a conflict in the
// area, record when the two sides made contact, and record how it was
// resolved. Only the owner records contact and resolution; both sides are
// told of each step.
func (s *Service) HandleConflict(ctx context.Context, id liaison.ID, in WatchAction) (*liaison.Conflict, error) {
	u, err := requireWatch(ctx)
	if err != nil {
		return nil, s.denied(ctx, "conflict.handle", "conflict", id, err)
	}
	now := s.now()
	var c *liaison.Conflict
	var hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		area, err := watchArea(ctx, tx, u)
		if err != nil {
			return err
		}
		if c, err = findConflict(ctx, tx, id); err != nil {
			return err
		}
		if c == nil || (!slices.Contains(area, c.A.AgencyID) && !slices.Contains(area, c.B.AgencyID)) {
			return s.hide(ctx, tx, &hidden, "conflict.handle", "conflict", id, errNoConflict())
		}
		var notice string
		switch in.Action {
		case "take":
			if c.State == liaison.ConflictResolved {
				return liaison.FieldErrorf("action", "the conflict is already resolved")
			}
			if c.Owner != "" && c.Owner != u.ID {
				return liaison.Errorf(liaison.ECONFLICT, "another watch officer already owns this conflict")
			}
			c.Owner, c.OwnerAgency, c.Owned = u.ID, u.AgencyID, now
		case "contact":
			if err := ownerOf(c, u); err != nil {
				return err
			}
			at := in.At.UTC().Truncate(time.Microsecond)
			if at.IsZero() {
				at = now
			}
			if at.Before(c.Detected) || at.After(now) {
				return liaison.FieldErrorf("contacted_at", "must be between the conflict's detection and now")
			}
			c.Contacted, c.State = at, liaison.ConflictContacted
			notice = "The watch center recorded that both sides made contact."
		case "resolve":
			if err := ownerOf(c, u); err != nil {
				return err
			}
			r := strings.TrimSpace(in.Resolution)
			if r == "" || len(r) > 2000 || strings.ContainsFunc(r, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' }) {
				return liaison.FieldErrorf("resolution", "is required (at most 2000 characters, no control characters): how was the conflict settled?")
			}
			c.Resolution, c.Resolved, c.State = r, now, liaison.ConflictResolved
			notice = "The watch center resolved the conflict: " + r
		default:
			return liaison.FieldErrorf("action", "must be take, contact or resolve")
		}
		c.Updated = now
		if err := tx.UpdateConflict(ctx, c); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "conflict."+in.Action, "conflict", id)
		if in.Action == "resolve" {
			e.Details = map[string]string{"resolution": c.Resolution}
		}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		if notice == "" {
			return nil
		}
		for _, ag := range []liaison.ID{c.A.AgencyID, c.B.AgencyID} {
			if err := s.notifyParty(ctx, tx, c, ag, "conflict."+in.Action, "Conflict update", notice); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return watchView(c, u), nil
}

// watchView is c as watch officer u sees it. The midpoint of the two
// centres tells a watch center which way to look; but a watch officer whose
// own agency is a party knows its own side's centre, and with the exact
// midpoint would know the other side's. That watch officer gets the
// midpoint on a grid of about a kilometre (coarseMidpoint).
func watchView(c *liaison.Conflict, u *liaison.User) *liaison.Conflict {
	if _, _, party := c.Party(u.AgencyID); party && c.Where != nil {
		c.Where = coarseMidpoint(*c.Where)
	}
	return c
}

// midpointGridM is the grid a party's watch officer sees the midpoint on.
const midpointGridM = 1000

// coarseMidpoint puts p on the nearest node of a grid about
// midpointGridM apart: latitude in steps of that many metres, longitude in
// steps as wide on the ground at that latitude (capped near the poles).
func coarseMidpoint(p liaison.GeoPoint) *liaison.GeoPoint {
	const metresPerDegree = 111_320.0
	step := midpointGridM / metresPerDegree
	lat := math.Max(-90, math.Min(90, math.Round(p.Lat/step)*step))
	lonStep := math.Min(360, step/math.Max(math.Cos(lat*math.Pi/180), 0.01))
	lon := math.Round(p.Lon/lonStep) * lonStep
	if lon > 180 {
		lon -= 360
	} else if lon < -180 {
		lon += 360
	}
	round := func(x float64) float64 { return math.Round(x*1e5) / 1e5 }
	return &liaison.GeoPoint{Lat: round(lat), Lon: round(lon)}
}

func ownerOf(c *liaison.Conflict, u *liaison.User) error {
	if c.Owner != u.ID {
		return liaison.Errorf(liaison.ECONFLICT, "take ownership of the conflict first; only its owner records contact and resolution")
	}
	return nil
}

// Inbox returns the caller's notices, newest first, and how many are unread.
func (s *Service) Inbox(ctx context.Context, f liaison.InboxFilter, p liaison.Page) ([]*liaison.InboxMessage, int, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, 0, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out []*liaison.InboxMessage
	var unread int
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if out, err = tx.ListInbox(ctx, a.User.ID, f, p); err != nil {
			return err
		}
		if unread, err = tx.CountUnread(ctx, a.User.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "inbox.read", "inbox", a.User.ID))
	})
	return out, unread, err
}

// MarkRead marks one of the caller's notices read.
func (s *Service) MarkRead(ctx context.Context, id liaison.ID) error {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		now := s.now()
		if err := tx.MarkInboxRead(ctx, a.User.ID, id, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "inbox.mark_read", "inbox_message", id))
	})
}
