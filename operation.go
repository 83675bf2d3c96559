package liaison

import (
	"slices"
	"time"
)

// OperationKind is what an operation does on the ground.
type OperationKind string

// Kinds of operation registered for event deconfliction.
const (
	OpRaid         OperationKind = "raid"
	OpWarrant      OperationKind = "warrant_service"
	OpSurveillance OperationKind = "surveillance"
	OpUndercover   OperationKind = "undercover_meeting"
	OpBuyWalk      OperationKind = "buy_walk"
	OpArrest       OperationKind = "arrest"
	OpOther        OperationKind = "other"
)

// OperationKinds lists every valid kind.
var OperationKinds = []OperationKind{OpRaid, OpWarrant, OpSurveillance, OpUndercover, OpBuyWalk, OpArrest, OpOther}

// OperationState is where an operation is in its life.
type OperationState string

// An operation is drafted, made active (only then is it deconflicted), and
// ends completed or cancelled. An active operation whose window has passed
// stops matching by itself.
const (
	OpDraft     OperationState = "draft"
	OpActive    OperationState = "active"
	OpCompleted OperationState = "completed"
	OpCancelled OperationState = "cancelled"
)

// GeoPoint is a position in degrees (WGS 84).
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Circle is an area on the ground: a centre and a radius in metres.
type Circle struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	RadiusM float64 `json:"radius_m"`
}

// OperationArea is what the deconfliction index keeps of an active
// operation, read without its body when the index is rebuilt.
type OperationArea struct {
	ID       ID
	AgencyID ID
	Kind     OperationKind
	Area     *Circle // nil if the operation was stored without one: read its body
	Start    time.Time
	End      time.Time
}

// PointOfContact is who the other side calls when a conflict appears.
type PointOfContact struct {
	UserID ID     `json:"user_id"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
}

// Validate checks a point of contact given under field (e.g. "contact").
func (c PointOfContact) Validate(field string) error {
	var p Problems
	c.validate(&p, field)
	return p.Err()
}

func (c PointOfContact) validate(p *Problems, field string) {
	if c.UserID == "" {
		p.Add(field+".user_id", "is required: the user the other side's conflict notice names")
	}
	checkText(p, field+".name", c.Name, 1, 200)
	checkText(p, field+".phone", c.Phone, 3, 40)
}

// OperationTransition is one change of an operation's state.
type OperationTransition struct {
	From   OperationState `json:"from"`
	To     OperationState `json:"to"`
	By     ID             `json:"by"`
	At     time.Time      `json:"at"`
	Reason string         `json:"reason,omitempty"`
}

// Operation is a planned enforcement action registered for deconfliction.
// Its details (name, notes, exact place, officers) never leave its agency:
// a conflict tells the other side only that it exists, who to call, the
// kind of overlap and how close.
type Operation struct {
	ID           ID             `json:"id"`
	AgencyID     ID             `json:"agency_id"`
	CreatedBy    ID             `json:"created_by"`
	Name         string         `json:"name"`
	Kind         OperationKind  `json:"kind"`
	State        OperationState `json:"state"`
	Center       *GeoPoint      `json:"center,omitempty"`
	RadiusM      float64        `json:"radius_m,omitempty"`
	Polygon      []GeoPoint     `json:"polygon,omitempty"`
	Start        time.Time      `json:"start"`
	End          time.Time      `json:"end"`
	Officers     int            `json:"officers"`
	PlainClothes bool           `json:"plain_clothes"`
	Contact      PointOfContact `json:"contact"`
	Notes        string         `json:"notes,omitempty"`
	CaseID       ID             `json:"case_id,omitempty"`
	// CheckArea is the circle deconfliction compares: the centre and
	// radius, or a polygon's enclosing circle. The service sets it.
	CheckArea *Circle               `json:"check_area,omitempty"`
	History   []OperationTransition `json:"history"`
	Created   time.Time             `json:"created_at"`
	Updated   time.Time             `json:"updated_at"`
	// Seq is the deconfliction clock tick of the last change (see
	// Tx.TickDeconflictionClock); the store keeps it beside the body.
	Seq int64 `json:"-"`
}

// Validate checks the operation's own fields; its place and window are
// checked by the deconfliction engine against the deployment's limits.
func (o *Operation) Validate() error {
	var p Problems
	checkText(&p, "name", o.Name, 1, 200)
	if !slices.Contains(OperationKinds, o.Kind) {
		p.Add("kind", "must be one of %s", joinKinds(OperationKinds))
	}
	if o.Officers < 1 || o.Officers > 10_000 {
		p.Add("officers", "must be between 1 and 10000: how many officers will be on the ground?")
	}
	o.Contact.validate(&p, "contact")
	checkText(&p, "notes", o.Notes, 0, 20_000)
	return p.Err()
}

// Live reports whether the operation takes part in deconfliction at t:
// active and not yet over.
func (o *Operation) Live(t time.Time) bool {
	return o.State == OpActive && o.End.After(t)
}

// OperationFilter narrows ListOperations.
type OperationFilter struct {
	AgencyID ID
	States   []OperationState
}

// TargetKind is what a registered target is.
type TargetKind string

// Target kinds matched by target deconfliction.
const (
	TargetPerson  TargetKind = "person"
	TargetVehicle TargetKind = "vehicle"
	TargetPhone   TargetKind = "phone"
	TargetAddress TargetKind = "address"
	TargetWeapon  TargetKind = "weapon"
)

// TargetKinds lists every valid kind.
var TargetKinds = []TargetKind{TargetPerson, TargetVehicle, TargetPhone, TargetAddress, TargetWeapon}

// Target is a subject an agency registers for target deconfliction: a
// person (name, date of birth), a vehicle (plate), a phone, an address or a
// weapon (serial number), attached to a case or an operation. It stays
// registered until retired (by hand, or when its operation ends).
type Target struct {
	ID          ID             `json:"id"`
	AgencyID    ID             `json:"agency_id"`
	CreatedBy   ID             `json:"created_by"`
	Kind        TargetKind     `json:"kind"`
	Value       string         `json:"value,omitempty"` // plate, phone, address or serial
	Name        string         `json:"name,omitempty"`  // a person's name
	DOB         string         `json:"dob,omitempty"`   // a person's date of birth, YYYY-MM-DD
	OperationID ID             `json:"operation_id,omitempty"`
	CaseID      ID             `json:"case_id,omitempty"`
	Contact     PointOfContact `json:"contact"`
	Active      bool           `json:"active"`
	Created     time.Time      `json:"created_at"`
	Retired     time.Time      `json:"retired_at,omitzero"`
	Seq         int64          `json:"-"` // the deconfliction clock tick of the last change
}

// Validate checks what the engine does not: attachment and contact.
func (t *Target) Validate() error {
	var p Problems
	if !slices.Contains(TargetKinds, t.Kind) {
		p.Add("kind", "must be one of %s", joinKinds(TargetKinds))
	}
	if (t.OperationID == "") == (t.CaseID == "") {
		p.Add("operation_id", "a target belongs to exactly one operation or one case: give operation_id or case_id")
	}
	checkText(&p, "value", t.Value, 0, 300)
	checkText(&p, "name", t.Name, 0, 300)
	t.Contact.validate(&p, "contact")
	return p.Err()
}

// TargetFilter narrows ListTargets.
type TargetFilter struct {
	AgencyID    ID
	OperationID ID
	ActiveOnly  bool
}

// ConflictKind is how two agencies' holdings overlap.
type ConflictKind string

// Kinds of conflict.
const (
	ConflictPlaceTime ConflictKind = "place_and_time" // two operations meet
	ConflictSubject   ConflictKind = "same_subject"   // two registered targets name the same subject
)

// ConflictState is where a conflict is in its handling.
type ConflictState string

// A conflict is open until the two sides have talked (contacted) and a
// watch center records how it was resolved.
const (
	ConflictOpen      ConflictState = "open"
	ConflictContacted ConflictState = "contacted"
	ConflictResolved  ConflictState = "resolved"
)

// ConflictParty is one side of a conflict: its agency, its own item (an
// operation or a target) and its point of contact.
type ConflictParty struct {
	AgencyID   ID             `json:"agency_id"`
	AgencyName string         `json:"agency_name"`
	Ref        ID             `json:"ref"` // the party's own operation or target
	Contact    PointOfContact `json:"contact"`
}

// Conflict records that two agencies' operations or targets overlap. It
// carries no operation details: only who, the kind of overlap, how close,
// and (for place and time) the midpoint, so a watch center can see which
// conflicts are in its area.
type Conflict struct {
	ID       ID            `json:"id"`
	Kind     ConflictKind  `json:"kind"`
	A        ConflictParty `json:"a"`                    // the side already registered
	B        ConflictParty `json:"b"`                    // the side whose registration found it
	GapM     float64       `json:"gap_m,omitempty"`      // metres between the areas' edges, negative when they overlap
	Overlap  time.Duration `json:"overlap_ns,omitempty"` // how long the windows overlap, without margins; negative when only the margins meet
	Match    string        `json:"match,omitempty"`      // exact or fuzzy, for subjects
	Score    float64       `json:"score,omitempty"`      // 1 for exact; name similarity for fuzzy
	Where    *GeoPoint     `json:"where,omitempty"`      // midpoint of the two centres
	State    ConflictState `json:"state"`
	Detected time.Time     `json:"detected_at"`

	// Handling by a watch center.
	Owner       ID        `json:"owner,omitempty"`
	OwnerAgency ID        `json:"owner_agency,omitempty"`
	Owned       time.Time `json:"owned_at,omitzero"`
	Contacted   time.Time `json:"contacted_at,omitzero"`
	Resolution  string    `json:"resolution,omitempty"`
	Resolved    time.Time `json:"resolved_at,omitzero"`
	Updated     time.Time `json:"updated_at"`
}

// Party returns the side of the conflict that agency is, and the other.
func (c *Conflict) Party(agency ID) (mine, other *ConflictParty, ok bool) {
	switch agency {
	case c.A.AgencyID:
		return &c.A, &c.B, true
	case c.B.AgencyID:
		return &c.B, &c.A, true
	}
	return nil, nil, false
}

// ConflictFilter narrows ListConflicts.
type ConflictFilter struct {
	AgencyIDs []ID // conflicts where any of these agencies is a party
	States    []ConflictState
}

// InboxMessage is a notice to one user: a conflict, a withdrawn report, a
// hit on a saved search. Messages never carry content the user may not see.
type InboxMessage struct {
	ID      ID        `json:"id"`
	UserID  ID        `json:"user_id"`
	Kind    string    `json:"kind"` // "conflict", ...
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	RefKind string    `json:"ref_kind,omitempty"` // what Ref names: "conflict", ...
	Ref     ID        `json:"ref,omitempty"`
	Created time.Time `json:"created_at"`
	Read    time.Time `json:"read_at,omitzero"`
}

// InboxFilter narrows ListInbox.
type InboxFilter struct {
	UnreadOnly bool
}

// OutboxEvent is an event written in the transaction of the act it
// reports, published to the event stream after commit.
type OutboxEvent struct {
	ID      ID        `json:"id"`
	Subject string    `json:"subject"` // e.g. "liaison.conflict.<agency id>"
	Data    []byte    `json:"data"`
	Created time.Time `json:"created_at"`
}
