package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"liaison"
	"liaison/deconflict"
)

// Margin widens an operation's area and window when it is checked: a raid
// needs a wider berth than a surveillance post.
type Margin struct {
	Metres float64       `json:"metres"`
	Time   time.Duration `json:"time"`
}

// DefaultMargins are the margins per kind of operation unless the
// deployment configures others.
var DefaultMargins = map[liaison.OperationKind]Margin{
	liaison.OpRaid:         {Metres: 500, Time: 2 * time.Hour},
	liaison.OpWarrant:      {Metres: 300, Time: time.Hour},
	liaison.OpSurveillance: {Metres: 200, Time: 30 * time.Minute},
	liaison.OpUndercover:   {Metres: 300, Time: time.Hour},
	liaison.OpBuyWalk:      {Metres: 500, Time: time.Hour},
	liaison.OpArrest:       {Metres: 300, Time: time.Hour},
	liaison.OpOther:        {Metres: 200, Time: 30 * time.Minute},
}

// Deconfliction holds the in-memory indexes of active operations and
// registered targets, rebuilt from the store at start-up. Registrations
// are serialised: the check, the transaction that records the operation
// with its conflicts, and the index update happen under one lock, so two
// operations registered at the same moment still find each other.
type Deconfliction struct {
	Limits  deconflict.Limits
	Margins map[liaison.OperationKind]Margin

	mu        sync.Mutex
	loaded    bool
	watermark int64 // the deconfliction clock tick the indexes reflect
	ops       *deconflict.Index
	targets   *deconflict.SubjectIndex
}

// NewDeconfliction returns empty indexes with the default limits and margins.
func NewDeconfliction() *Deconfliction {
	return &Deconfliction{Limits: deconflict.DefaultLimits, Margins: DefaultMargins,
		ops: deconflict.New(), targets: deconflict.NewSubjects()}
}

// LoadStats says what a rebuild of the indexes read and how long it took.
type LoadStats struct {
	Operations int
	Targets    int
	Took       time.Duration
}

// LoadDeconfliction rebuilds the in-memory indexes from the store: every
// active operation whose window (with its margin) has not passed, and every
// active target. serve calls it at start-up; the first registration calls
// it if nobody has.
func (s *Service) LoadDeconfliction(ctx context.Context) (LoadStats, error) {
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	return s.loadLocked(ctx)
}

func (s *Service) loadLocked(ctx context.Context) (LoadStats, error) {
	d := s.Deconfliction
	start := time.Now()
	ops, targets := deconflict.New(), deconflict.NewSubjects()
	var st LoadStats
	now := s.now()
	// Changes after this tick are caught up at the next registration
	// (applying one twice is harmless).
	var wm int64
	if err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		wm, err = tx.DeconflictionClock(ctx)
		return err
	}); err != nil {
		return st, err
	}
	after := ""
	for {
		var page []*liaison.OperationArea
		err := s.Store.View(ctx, func(tx liaison.Tx) error {
			var err error
			page, err = tx.ListActiveAreas(ctx, liaison.Page{After: after, Limit: liaison.MaxPageSize})
			return err
		})
		if err != nil {
			return st, err
		}
		for _, a := range page {
			io, err := s.indexArea(ctx, a)
			if err != nil {
				return st, err
			}
			if io.End.Add(io.TimeSlack).After(now) {
				ops.Load(io)
				st.Operations++
			}
		}
		if len(page) < liaison.MaxPageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	after = ""
	for {
		var page []*liaison.Target
		err := s.Store.View(ctx, func(tx liaison.Tx) error {
			var err error
			page, err = tx.ListTargets(ctx, liaison.TargetFilter{ActiveOnly: true}, liaison.Page{After: after, Limit: liaison.MaxPageSize})
			return err
		})
		if err != nil {
			return st, err
		}
		for _, t := range page {
			targets.Load(subjectOf(t))
			st.Targets++
		}
		if len(page) < liaison.MaxPageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	d.ops, d.targets, d.loaded, d.watermark = ops, targets, true, wm
	st.Took = time.Since(start)
	return st, nil
}

// tick advances the deconfliction clock in tx (on PostgreSQL its row lock
// serialises deconfliction writes across nodes until tx ends) and first
// brings this node's indexes up to date with every change other nodes
// committed since the last tick it saw. d.mu is held. The caller sets the
// tick on every operation and target it writes, and calls seen(tick) after
// commit.
func (s *Service) tick(ctx context.Context, tx liaison.Tx) (int64, error) {
	d := s.Deconfliction
	seq, err := tx.TickDeconflictionClock(ctx)
	if err != nil {
		return 0, err
	}
	if seq-1 > d.watermark {
		ops, ts, err := tx.ListDeconflictionChanges(ctx, d.watermark, seq-1)
		if err != nil {
			return 0, err
		}
		now := s.now()
		for _, o := range ops {
			io, err := d.indexOp(o)
			if err == nil && o.State == liaison.OpActive && io.End.Add(io.TimeSlack).After(now) {
				d.ops.Add(io)
			} else {
				d.ops.Remove(o.ID)
			}
		}
		for _, t := range ts {
			if t.Active {
				d.targets.Add(subjectOf(t))
			} else {
				d.targets.Remove(t.ID)
			}
		}
		d.watermark = seq - 1
	}
	return seq, nil
}

// seen records that this node's indexes reflect its own committed tick.
func (d *Deconfliction) seen(seq int64) {
	if seq > d.watermark {
		d.watermark = seq
	}
}

// indexArea is the index's view of an active operation read for a
// rebuild; one stored without its check area is read in full.
func (s *Service) indexArea(ctx context.Context, a *liaison.OperationArea) (*deconflict.Op, error) {
	d := s.Deconfliction
	if a.Area == nil {
		var o *liaison.Operation
		if err := s.Store.View(ctx, func(tx liaison.Tx) error {
			var err error
			o, err = tx.FindOperation(ctx, a.ID)
			return err
		}); err != nil {
			return nil, err
		}
		io, err := d.indexOp(o)
		if err != nil {
			return nil, fmt.Errorf("operation %s in the store no longer validates: %w", o.ID, err)
		}
		return io, nil
	}
	m := d.Margins[a.Kind]
	return &deconflict.Op{ID: a.ID, Agency: a.AgencyID, Area: deconflict.Area{Lat: a.Area.Lat, Lon: a.Area.Lon, Radius: a.Area.RadiusM},
		Start: a.Start, End: a.End, Margin: m.Metres, TimeSlack: m.Time}, nil
}

// ensureLoaded rebuilds the indexes once; d.mu is held.
func (s *Service) ensureLoaded(ctx context.Context) error {
	if s.Deconfliction.loaded {
		return nil
	}
	_, err := s.loadLocked(ctx)
	return err
}

// area validates an operation's place and window and returns the circle
// the index uses.
func (d *Deconfliction) area(o *liaison.Operation) (deconflict.Area, error) {
	spec := deconflict.Spec{Radius: o.RadiusM, Start: o.Start, End: o.End}
	if o.Center != nil {
		spec.Center = &deconflict.Point{Lat: o.Center.Lat, Lon: o.Center.Lon}
	}
	for _, p := range o.Polygon {
		spec.Polygon = append(spec.Polygon, deconflict.Point{Lat: p.Lat, Lon: p.Lon})
	}
	a, err := spec.Validate(d.Limits)
	var fe *deconflict.FieldError
	if errors.As(err, &fe) {
		return a, liaison.FieldErrorf(apiField(fe.Field), "%s", fe.Reason)
	}
	return a, err
}

// apiField names the engine's fields as the API spells them.
func apiField(f string) string {
	if f == "radius" {
		return "radius_m"
	}
	return f
}

func (d *Deconfliction) indexOp(o *liaison.Operation) (*deconflict.Op, error) {
	a, err := d.area(o)
	if err != nil {
		return nil, err
	}
	m := d.Margins[o.Kind]
	return &deconflict.Op{ID: o.ID, Agency: o.AgencyID, Area: a, Start: o.Start, End: o.End, Margin: m.Metres, TimeSlack: m.Time}, nil
}

func subjectOf(t *liaison.Target) *deconflict.Subject {
	return &deconflict.Subject{ID: t.ID, Agency: t.AgencyID, Kind: deconflict.SubjectKind(t.Kind), Value: t.Value, Name: t.Name, DOB: t.DOB}
}

// OperationInput registers an operation.
type OperationInput struct {
	Name         string                  `json:"name"`
	Kind         liaison.OperationKind   `json:"kind"`
	Center       *liaison.GeoPoint       `json:"center"`
	RadiusM      float64                 `json:"radius_m"`
	Polygon      []liaison.GeoPoint      `json:"polygon"`
	Start        time.Time               `json:"start"`
	End          time.Time               `json:"end"`
	Officers     int                     `json:"officers"`
	PlainClothes bool                    `json:"plain_clothes"`
	Contact      *liaison.PointOfContact `json:"contact"` // defaults to the caller; the phone is required
	Notes        string                  `json:"notes"`
	CaseID       liaison.ID              `json:"case_id"`
	Activate     bool                    `json:"activate"` // register as active at once, and deconflict
}

// requireField fails unless the caller is signed in as someone who works
// operations: officers, supervisors and analysts.
func requireField(ctx context.Context) (*liaison.User, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	u := a.User
	if !u.Has(liaison.RoleOfficer) && !u.Has(liaison.RoleSupervisor) && !u.Has(liaison.RoleAnalyst) {
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "officers, supervisors and analysts register operations and targets")
	}
	return u, nil
}

// contact completes and checks a point of contact: a user of the caller's
// agency, the caller by default.
func contact(ctx context.Context, tx liaison.Tx, u *liaison.User, in *liaison.PointOfContact) (liaison.PointOfContact, error) {
	c := liaison.PointOfContact{UserID: u.ID, Name: u.Name}
	if in != nil {
		c.Phone = strings.TrimSpace(in.Phone)
		if in.UserID != "" && in.UserID != u.ID {
			other, err := tx.FindUserByID(ctx, in.UserID)
			if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && other.AgencyID != u.AgencyID) {
				return c, liaison.FieldErrorf("contact.user_id", "must be a user of your agency")
			} else if err != nil {
				return c, err
			}
			c.UserID, c.Name = other.ID, other.Name
		}
		if n := strings.TrimSpace(in.Name); n != "" {
			c.Name = n
		}
	}
	if c.Phone == "" {
		return c, liaison.FieldErrorf("contact.phone", "is required: the number the other side calls when a conflict appears")
	}
	return c, c.Validate("contact")
}

// CreateOperation registers an operation for the caller's agency, as a
// draft or (with Activate) active at once, when it is deconflicted against
// every active operation of every agency.
func (s *Service) CreateOperation(ctx context.Context, in OperationInput) (*liaison.Operation, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "operation.create", "operation", "", err)
	}
	now := s.now()
	o := &liaison.Operation{ID: liaison.NewID(), AgencyID: u.AgencyID, CreatedBy: u.ID, Name: strings.TrimSpace(in.Name),
		Kind: in.Kind, State: liaison.OpDraft, Center: in.Center, RadiusM: in.RadiusM, Polygon: slices.Clone(in.Polygon),
		Start: in.Start.UTC().Truncate(time.Microsecond), End: in.End.UTC().Truncate(time.Microsecond),
		Officers: in.Officers, PlainClothes: in.PlainClothes, Notes: in.Notes, CaseID: in.CaseID,
		History: []liaison.OperationTransition{}, Created: now, Updated: now}
	if o.Center != nil {
		o.RadiusM = in.RadiusM
	}
	// The contact is checked in the transaction; validate the rest with a
	// provisional one so every field error comes back at once.
	o.Contact = liaison.PointOfContact{UserID: u.ID, Name: u.Name, Phone: "provisional"}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	area, err := s.Deconfliction.area(o)
	if err != nil {
		return nil, err
	}
	o.CheckArea = &liaison.Circle{Lat: area.Lat, Lon: area.Lon, RadiusM: area.Radius}
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	var io *deconflict.Op
	var seq int64
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if seq, err = s.tick(ctx, tx); err != nil {
			return err
		}
		o.Seq = seq
		c, err := contact(ctx, tx, u, in.Contact)
		if err != nil {
			return err
		}
		o.Contact = c
		if err := s.checkCase(ctx, tx, u, o.CaseID); err != nil {
			return err
		}
		if err := tx.CreateOperation(ctx, o); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "operation.create", "operation", o.ID)
		e.Details = map[string]string{"kind": string(o.Kind), "state": string(o.State)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		if in.Activate {
			io, err = s.activateLocked(ctx, tx, o, u, "", now)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	d.seen(seq)
	if io != nil {
		d.ops.Add(io)
		s.kick()
	}
	return o, nil
}

// checkCase checks that a case the caller names exists and is led by the
// caller's agency.
func (s *Service) checkCase(ctx context.Context, tx liaison.Tx, u *liaison.User, id liaison.ID) error {
	if id == "" {
		return nil
	}
	c, err := tx.FindCaseByID(ctx, id)
	if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && c.AgencyID != u.AgencyID) {
		return liaison.FieldErrorf("case_id", "must be a case your agency leads")
	}
	return err
}

// activateLocked makes a draft active inside tx: it checks the window has
// not passed, records every conflict the index finds and notifies both
// sides. The caller adds the returned op to the index after commit.
func (s *Service) activateLocked(ctx context.Context, tx liaison.Tx, o *liaison.Operation, u *liaison.User, reason string, now time.Time) (*deconflict.Op, error) {
	if !o.End.After(now) {
		return nil, liaison.FieldErrorf("end", "the operation's window has already ended; it cannot become active")
	}
	io, err := s.Deconfliction.indexOp(o)
	if err != nil {
		return nil, err
	}
	if err := s.transition(ctx, tx, o, u, liaison.OpActive, reason, now); err != nil {
		return nil, err
	}
	for _, c := range s.Deconfliction.ops.Check(io) {
		// Conflicts are between agencies, as target matches are: an agency
		// sees all of its own operations already.
		if c.With.Agency == o.AgencyID {
			continue
		}
		other, err := tx.FindOperation(ctx, c.With.ID)
		if err != nil {
			return nil, fmt.Errorf("operation %s is indexed but cannot be read: %w", c.With.ID, err)
		}
		// The overlap of the windows themselves, without margins; negative
		// when only the margins meet.
		overlap := minTime(o.End, other.End).Sub(maxTime(o.Start, other.Start))
		k := &liaison.Conflict{ID: liaison.NewID(), Kind: liaison.ConflictPlaceTime,
			GapM: math.Round(c.Distance*10) / 10, Overlap: overlap, State: liaison.ConflictOpen, Detected: now, Updated: now,
			Where: &liaison.GeoPoint{Lat: (io.Area.Lat + c.With.Area.Lat) / 2, Lon: midLon(io.Area.Lon, c.With.Area.Lon)}}
		if k.A, err = party(ctx, tx, other.AgencyID, other.ID, other.Contact); err != nil {
			return nil, err
		}
		if k.B, err = party(ctx, tx, o.AgencyID, o.ID, o.Contact); err != nil {
			return nil, err
		}
		if err := s.recordConflict(ctx, tx, k, other.Name, o.Name); err != nil {
			return nil, err
		}
	}
	return io, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// midLon is the midpoint longitude, the short way round the antimeridian.
func midLon(a, b float64) float64 {
	if math.Abs(a-b) > 180 {
		m := (a + b + 360) / 2
		if m > 180 {
			m -= 360
		}
		return m
	}
	return (a + b) / 2
}

func party(ctx context.Context, tx liaison.Tx, agency, ref liaison.ID, c liaison.PointOfContact) (liaison.ConflictParty, error) {
	ag, err := tx.FindAgencyByID(ctx, agency)
	if err != nil {
		return liaison.ConflictParty{}, err
	}
	return liaison.ConflictParty{AgencyID: agency, AgencyName: ag.Name, Ref: ref, Contact: c}, nil
}

// transition moves an operation to a new state and records who and why.
func (s *Service) transition(ctx context.Context, tx liaison.Tx, o *liaison.Operation, u *liaison.User, to liaison.OperationState, reason string, now time.Time) error {
	allowed := map[liaison.OperationState][]liaison.OperationState{
		liaison.OpDraft:  {liaison.OpActive, liaison.OpCancelled},
		liaison.OpActive: {liaison.OpCompleted, liaison.OpCancelled},
	}
	if !slices.Contains(allowed[o.State], to) {
		return liaison.FieldErrorf("to", "an operation that is %s cannot become %s", o.State, to)
	}
	by := liaison.ID("")
	if u != nil {
		by = u.ID
	}
	o.History = append(o.History, liaison.OperationTransition{From: o.State, To: to, By: by, At: now, Reason: reason})
	o.State, o.Updated = to, now
	if err := tx.UpdateOperation(ctx, o); err != nil {
		return err
	}
	e := liaison.NewAuditEvent(ctx, now, "operation."+map[liaison.OperationState]string{
		liaison.OpActive: "activate", liaison.OpCompleted: "complete", liaison.OpCancelled: "cancel"}[to], "operation", o.ID)
	if reason != "" {
		e.Details = map[string]string{"reason": reason}
	}
	return s.audit(ctx, tx, e)
}

// recordConflict stores a conflict, delivers a notice to both points of
// contact and puts one event per side on the event stream, all in tx. The
// notices name each side's own item (mineA for A, mineB for B) and only
// the existence, contact, kind and closeness of the other.
func (s *Service) recordConflict(ctx context.Context, tx liaison.Tx, k *liaison.Conflict, mineA, mineB string) error {
	if err := tx.CreateConflict(ctx, k); err != nil {
		return err
	}
	e := liaison.NewAuditEvent(ctx, k.Detected, "conflict.detect", "conflict", k.ID)
	e.Details = map[string]string{"kind": string(k.Kind), "a_agency_id": k.A.AgencyID, "a_ref": k.A.Ref,
		"b_agency_id": k.B.AgencyID, "b_ref": k.B.Ref}
	if err := s.audit(ctx, tx, e); err != nil {
		return err
	}
	for _, side := range []struct {
		me   liaison.ID
		mine string
	}{{k.A.AgencyID, mineA}, {k.B.AgencyID, mineB}} {
		if err := s.notifyParty(ctx, tx, k, side.me, "conflict", conflictTitle(k, side.mine), conflictBody(k, side.me)); err != nil {
			return err
		}
	}
	return nil
}

// notifyParty delivers a notice about k to agency's point of contact and
// queues the party's view of k on the event stream.
func (s *Service) notifyParty(ctx context.Context, tx liaison.Tx, k *liaison.Conflict, agency liaison.ID, kind, title, body string) error {
	mine, _, _ := k.Party(agency)
	m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: mine.Contact.UserID, Kind: kind, Title: title, Body: body,
		RefKind: "conflict", Ref: k.ID, Created: k.Updated}
	if err := tx.CreateInboxMessage(ctx, m); err != nil {
		return err
	}
	data, err := json.Marshal(map[string]any{"type": kind, "conflict": PartyView(k, agency), "notice": m.ID})
	if err != nil {
		return err
	}
	return tx.AddOutboxEvent(ctx, &liaison.OutboxEvent{ID: liaison.NewID(), Subject: "liaison.agency." + agency + ".conflict",
		Data: data, Created: k.Updated})
}

func conflictTitle(k *liaison.Conflict, mine string) string {
	if k.Kind == liaison.ConflictSubject {
		return "Target conflict: another agency has registered the same subject as your " + mine
	}
	return "Deconfliction: operation “" + mine + "” conflicts with another operation in place and time"
}

// conflictBody says what each side may know: the other agency, whom to
// call, the kind of overlap and how close. Never the other's details.
func conflictBody(k *liaison.Conflict, me liaison.ID) string {
	_, other, _ := k.Party(me)
	var b strings.Builder
	fmt.Fprintf(&b, "%s is working the same ", other.AgencyName)
	if k.Kind == liaison.ConflictSubject {
		fmt.Fprintf(&b, "subject (%s match", k.Match)
		if k.Match == "fuzzy" {
			fmt.Fprintf(&b, ", name similarity %.2f", k.Score)
		}
		b.WriteString("). ")
	} else {
		b.WriteString("place at the same time: ")
		if k.GapM < 0 {
			fmt.Fprintf(&b, "the areas (with safety margins) overlap by %.0f m", -k.GapM)
		} else {
			b.WriteString("the areas (with safety margins) touch")
		}
		if k.Overlap >= 0 {
			fmt.Fprintf(&b, " and the windows overlap for %s. ", k.Overlap.Round(time.Minute))
		} else {
			fmt.Fprintf(&b, " and the windows are %s apart, within the safety margin. ", (-k.Overlap).Round(time.Minute))
		}
	}
	fmt.Fprintf(&b, "Call %s on %s before you proceed.", other.Contact.Name, other.Contact.Phone)
	return b.String()
}

// ConflictView is what one side of a conflict sees: that it exists, the
// other agency and its point of contact, the kind of overlap and how close.
type ConflictView struct {
	ID          liaison.ID            `json:"id"`
	Kind        liaison.ConflictKind  `json:"kind"`
	State       liaison.ConflictState `json:"state"`
	Detected    time.Time             `json:"detected_at"`
	Yours       liaison.ID            `json:"yours"` // your operation or target
	Other       OtherParty            `json:"other"`
	GapM        *float64              `json:"gap_m,omitempty"`
	OverlapMins *float64              `json:"overlap_minutes,omitempty"`
	Match       string                `json:"match,omitempty"`
	Score       float64               `json:"score,omitempty"`
	Contacted   time.Time             `json:"contacted_at,omitzero"`
	Resolution  string                `json:"resolution,omitempty"`
	Resolved    time.Time             `json:"resolved_at,omitzero"`
	Watch       *liaison.ID           `json:"watch_agency_id,omitempty"`
}

// OtherParty is the other side as a party sees it.
type OtherParty struct {
	AgencyName string                 `json:"agency_name"`
	Contact    liaison.PointOfContact `json:"contact"`
}

// PartyView is k as agency, one of its parties, may see it: no midpoint
// (with its own centre a party could work out the other's), no other ref.
func PartyView(k *liaison.Conflict, agency liaison.ID) *ConflictView {
	mine, other, ok := k.Party(agency)
	if !ok {
		return nil
	}
	v := &ConflictView{ID: k.ID, Kind: k.Kind, State: k.State, Detected: k.Detected, Yours: mine.Ref,
		Other: OtherParty{AgencyName: other.AgencyName, Contact: other.Contact}, Match: k.Match, Score: k.Score,
		Contacted: k.Contacted, Resolution: k.Resolution, Resolved: k.Resolved}
	if k.Kind == liaison.ConflictPlaceTime {
		gap, mins := k.GapM, math.Round(k.Overlap.Minutes())
		v.GapM, v.OverlapMins = &gap, &mins
	}
	if k.OwnerAgency != "" {
		w := k.OwnerAgency
		v.Watch = &w
	}
	return v
}

// ownOperation reads an operation of the caller's agency; nil, with no
// error, for one that is missing or another agency's: an operation's
// details never leave its agency, nor does its existence outside a
// conflict notice. The caller answers both alike (hide).
func (s *Service) ownOperation(ctx context.Context, tx liaison.Tx, u *liaison.User, id liaison.ID) (*liaison.Operation, error) {
	if !liaison.ValidID(id) {
		return nil, nil
	}
	o, err := tx.FindOperation(ctx, id)
	if isMissing(err) || (err == nil && o.AgencyID != u.AgencyID) {
		return nil, nil
	}
	return o, err
}

// TransitionOperation moves one of the caller's agency's operations:
// draft to active (deconflicting it) or cancelled; active to completed or
// cancelled. Ending an operation retires the targets registered on it.
func (s *Service) TransitionOperation(ctx context.Context, id liaison.ID, to liaison.OperationState, reason string) (*liaison.Operation, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "operation.transition", "operation", id, err)
	}
	if !slices.Contains([]liaison.OperationState{liaison.OpActive, liaison.OpCompleted, liaison.OpCancelled}, to) {
		return nil, liaison.FieldErrorf("to", "must be active, completed or cancelled")
	}
	if len(reason) > 2000 {
		return nil, liaison.FieldErrorf("reason", "is longer than 2000 characters")
	}
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	var o *liaison.Operation
	var io *deconflict.Op
	var retired []liaison.ID
	var seq int64
	var hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if seq, err = s.tick(ctx, tx); err != nil {
			return err
		}
		if o, err = s.ownOperation(ctx, tx, u, id); err != nil {
			return err
		}
		if o == nil {
			return s.hide(ctx, tx, &hidden, "operation.transition", "operation", id, errNoOperation())
		}
		o.Seq = seq
		if to == liaison.OpActive && o.State == liaison.OpDraft {
			io, err = s.activateLocked(ctx, tx, o, u, reason, now)
			return err
		}
		if err := s.transition(ctx, tx, o, u, to, reason, now); err != nil {
			return err
		}
		retired, err = s.retireTargets(ctx, tx, o.ID, seq, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.seen(seq)
	if hidden != nil {
		return nil, hidden
	}
	if io != nil {
		d.ops.Add(io)
		s.kick()
	}
	if o.State != liaison.OpActive {
		d.ops.Remove(o.ID)
	}
	for _, t := range retired {
		d.targets.Remove(t)
	}
	return o, nil
}

// retireTargets retires every active target of an operation that ended.
func (s *Service) retireTargets(ctx context.Context, tx liaison.Tx, opID liaison.ID, seq int64, now time.Time) ([]liaison.ID, error) {
	var ids []liaison.ID
	for {
		ts, err := tx.ListTargets(ctx, liaison.TargetFilter{OperationID: opID, ActiveOnly: true}, liaison.Page{Limit: liaison.MaxPageSize})
		if err != nil || len(ts) == 0 {
			return ids, err
		}
		for _, t := range ts {
			t.Active, t.Retired, t.Seq = false, now, seq
			if err := tx.UpdateTarget(ctx, t); err != nil {
				return nil, err
			}
			if err := s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "target.retire", "target", t.ID)); err != nil {
				return nil, err
			}
			ids = append(ids, t.ID)
		}
	}
}

// GetOperation returns one of the caller's agency's operations in full.
func (s *Service) GetOperation(ctx context.Context, id liaison.ID) (*liaison.Operation, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "operation.read", "operation", id, err)
	}
	var o *liaison.Operation
	var hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if o, err = s.ownOperation(ctx, tx, u, id); err != nil {
			return err
		}
		if o == nil {
			return s.hide(ctx, tx, &hidden, "operation.read", "operation", id, errNoOperation())
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "operation.read", "operation", id))
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// ListOperations lists the caller's agency's operations, optionally by state.
func (s *Service) ListOperations(ctx context.Context, states []liaison.OperationState, p liaison.Page) ([]*liaison.Operation, error) {
	u, err := requireField(ctx)
	if err != nil {
		return nil, s.denied(ctx, "operation.list", "operation", "", err)
	}
	var out []*liaison.Operation
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if out, err = tx.ListOperations(ctx, liaison.OperationFilter{AgencyID: u.AgencyID, States: states}, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "operation.list", "operation", ""))
	})
	return out, err
}

// ExpireOperations takes operations whose window (with its margin) has
// passed out of the index, so they stop matching, marks them completed in
// the store and returns how many. The deconfliction worker calls it.
func (s *Service) ExpireOperations(ctx context.Context) (int, error) {
	d := s.Deconfliction
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, err
	}
	now := s.now()
	ids := d.ops.Expire(now)
	n := len(ids)
	for len(ids) > 0 {
		batch := ids[:min(len(ids), liaison.MaxPageSize)]
		ids = ids[len(batch):]
		var seq int64
		err := s.Store.Update(ctx, func(tx liaison.Tx) error {
			var err error
			if seq, err = s.tick(ctx, tx); err != nil {
				return err
			}
			for _, id := range batch {
				o, err := tx.FindOperation(ctx, id)
				if err != nil {
					return err
				}
				if o.State != liaison.OpActive {
					continue
				}
				o.Seq = seq
				if err := s.transition(ctx, tx, o, nil, liaison.OpCompleted, "window ended", now); err != nil {
					return err
				}
				retired, err := s.retireTargets(ctx, tx, o.ID, seq, now)
				if err != nil {
					return err
				}
				for _, t := range retired {
					d.targets.Remove(t)
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
