package liaison

import (
	"slices"
	"strings"
	"time"
)

// EntityKind is the kind of a subject entity in an intelligence record.
type EntityKind string

// Entity kinds.
const (
	EntityPerson       EntityKind = "person"
	EntityOrganization EntityKind = "organization"
	EntityVehicle      EntityKind = "vehicle"
	EntityLocation     EntityKind = "location"
	EntityPhone        EntityKind = "phone"
	EntityEmail        EntityKind = "email"
	EntityAccount      EntityKind = "account"
	EntityWeapon       EntityKind = "weapon"
	EntityDocument     EntityKind = "document"
)

// EntityKinds lists every valid entity kind.
var EntityKinds = []EntityKind{EntityPerson, EntityOrganization, EntityVehicle, EntityLocation, EntityPhone,
	EntityEmail, EntityAccount, EntityWeapon, EntityDocument}

// Entity is a subject of a record: a person, a vehicle, a phone... Its
// attributes are free-form fields (name, date_of_birth, plate, number...).
type Entity struct {
	ID         ID                `json:"id"`
	Kind       EntityKind        `json:"kind"`
	Attributes map[string]string `json:"attributes"`
	// FirstAmendment marks attributes that record political, religious or
	// social views, associations or activities (28 CFR 23.20(b)).
	FirstAmendment []string `json:"first_amendment_fields,omitempty"`
}

// Link is a typed relation between two entities of a record.
type Link struct {
	From ID     `json:"from"`
	To   ID     `json:"to"`
	Type string `json:"type"` // e.g. owns, uses, associate_of, located_at
}

// MaxRetention is the longest an intelligence record may be kept without
// review (28 CFR 23.20(h)).
const MaxRetention = 5 * 365 * 24 * time.Hour

// IntelRecord is a criminal intelligence record under 28 CFR Part 23.
type IntelRecord struct {
	ID        ID       `json:"id"`
	Version   int      `json:"version"`
	Title     string   `json:"title"`
	Narrative string   `json:"narrative"`
	Subjects  []Entity `json:"subjects"`
	Links     []Link   `json:"links"`
	// Predicate is the reasonable-suspicion justification: why the subjects
	// are believed to be involved in definable criminal activity.
	Predicate string `json:"criminal_predicate"`
	// LawfulCollection attests that the information was collected lawfully.
	LawfulCollection bool `json:"lawful_collection_attested"`
	// FirstAmendmentTie explains how any First-Amendment field relates to
	// the criminal predicate; required when a subject carries one.
	FirstAmendmentTie string   `json:"first_amendment_tie,omitempty"`
	Grading           Grading  `json:"grading"`
	TLP               TLP      `json:"tlp"`
	Handling          Handling `json:"handling"`
	Restriction       string   `json:"handling_restriction,omitempty"` // H3's free text
	Sensitivity       string   `json:"sensitivity,omitempty"`
	// NoPointer keeps the record out of pointers: a search by someone who
	// may not read it shows nothing at all, not even that it exists.
	NoPointer       bool      `json:"no_pointer,omitempty"`
	Originator      ID        `json:"originator_agency_id"`
	ControlOfficial ID        `json:"control_official_id"`
	CaseID          ID        `json:"case_id"`
	Recipients      []ID      `json:"recipients,omitempty"`  // named users, for TLP:RED
	SharedWith      []ID      `json:"shared_with"`           // communities the record is shared to
	SourceSARs      []ID      `json:"source_sars,omitempty"` // reports whose entities were promoted into it
	RetainUntil     time.Time `json:"retain_until"`
	Created         time.Time `json:"created_at"`
	Updated         time.Time `json:"updated_at"`
	// The last review (28 CFR 23.20(h)): who validated the record, when, why.
	ReviewedBy   ID         `json:"reviewed_by,omitempty"`
	ReviewedAt   *time.Time `json:"reviewed_at,omitempty"`
	ReviewReason string     `json:"review_reason,omitempty"`
	// Purged records keep only this tombstone: id, labels, originator, dates.
	Purged      bool   `json:"purged,omitempty"`
	PurgeReason string `json:"purge_reason,omitempty"`
}

// Tombstone returns what is kept of a purged record: no content.
func (r *IntelRecord) Tombstone(now time.Time, reason string) *IntelRecord {
	return &IntelRecord{ID: r.ID, Version: r.Version + 1, Title: "[purged]", Subjects: []Entity{}, Links: []Link{},
		TLP: r.TLP, Handling: r.Handling, Originator: r.Originator, ControlOfficial: r.ControlOfficial, CaseID: r.CaseID,
		SharedWith: r.SharedWith, Recipients: r.Recipients, RetainUntil: r.RetainUntil, Created: r.Created, Updated: now,
		Purged: true, PurgeReason: reason}
}

// Validate enforces the rules for writing a record, as of now: 28 CFR Part
// 23's predicate, attestation and First-Amendment rules, the labels, and a
// retention deadline of at most five years.
func (r *IntelRecord) Validate(now time.Time) error {
	var p Problems
	checkText(&p, "title", r.Title, 1, 300)
	checkText(&p, "narrative", r.Narrative, 0, 100_000)
	if len(r.Subjects) > 0 {
		if len(strings.TrimSpace(r.Predicate)) < 20 {
			p.Add("criminal_predicate", "is required for a record about a subject: state the reasonable suspicion of criminal activity (at least 20 characters)")
		}
		if !r.LawfulCollection {
			p.Add("lawful_collection_attested", "must be true: attest that the information was collected lawfully")
		}
	}
	checkText(&p, "criminal_predicate", r.Predicate, 0, 10_000)
	ids := map[ID]bool{}
	firstAmendment := false
	for i, e := range r.Subjects {
		f := "subjects[" + itoa(i) + "]"
		if !slices.Contains(EntityKinds, e.Kind) {
			p.Add(f+".kind", "must be one of %s", joinKinds(EntityKinds))
		}
		if len(e.Attributes) == 0 {
			p.Add(f+".attributes", "describe the subject (for example name and date_of_birth, or plate)")
		}
		for _, fa := range e.FirstAmendment {
			if _, ok := e.Attributes[fa]; !ok {
				p.Add(f+".first_amendment_fields", "names %q, which is not one of the subject's attributes", fa)
			}
			firstAmendment = true
		}
		if e.ID != "" {
			ids[e.ID] = true
		}
	}
	if firstAmendment && len(strings.TrimSpace(r.FirstAmendmentTie)) < 20 {
		p.Add("first_amendment_tie", "is required: a record may hold political, religious or social views or associations only when it explains how they tie to the criminal predicate")
	}
	for i, l := range r.Links {
		f := "links[" + itoa(i) + "]"
		if !ids[l.From] || !ids[l.To] {
			p.Add(f, "must link two subjects of this record")
		}
		checkText(&p, f+".type", l.Type, 1, 60)
	}
	if err := r.Grading.Validate("grading"); err != nil {
		p = append(p, ErrorFields(err)...)
	}
	if r.TLP.Rank() < 0 {
		p.Add("tlp", "must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
	}
	if r.TLP == TLPRed && len(r.Recipients) == 0 {
		p.Add("recipients", "a TLP:RED record must name its recipients")
	}
	if !slices.Contains(Handlings, r.Handling) {
		p.Add("handling", "must be one of H0, H1, H2, H3")
	}
	if r.Handling == H3 && strings.TrimSpace(r.Restriction) == "" {
		p.Add("handling_restriction", "is required with H3: state the restriction")
	}
	if !ValidID(r.Originator) {
		p.Add("originator_agency_id", "must be the originating agency's id")
	}
	if !ValidID(r.ControlOfficial) {
		p.Add("control_official_id", "must name the control official who approves releases")
	}
	if !ValidID(r.CaseID) {
		p.Add("case_id", "must be the case the record belongs to")
	}
	switch {
	case r.RetainUntil.IsZero():
		p.Add("retain_until", "is required: set a review date at most five years ahead")
	case !r.RetainUntil.After(now):
		p.Add("retain_until", "is in the past")
	case r.RetainUntil.Sub(now) > MaxRetention:
		p.Add("retain_until", "must be at most five years ahead (28 CFR 23.20(h))")
	}
	return p.Err()
}

// Case is an investigation. Assignment to a case shows need-to-know.
type Case struct {
	ID       ID        `json:"id"`
	Title    string    `json:"title"`
	AgencyID ID        `json:"agency_id"` // the lead agency
	Assigned []ID      `json:"assigned"`  // user ids
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
}

// ManagedBy reports whether u may change the case's assignments: the
// lead agency's supervisors, and its staff assigned to the case.
func (c *Case) ManagedBy(u *User) bool {
	return u != nil && c.AgencyID == u.AgencyID && (u.Has(RoleSupervisor) || slices.Contains(c.Assigned, u.ID))
}

// Validate checks the case's own fields.
func (c *Case) Validate() error {
	var p Problems
	checkText(&p, "title", c.Title, 1, 300)
	if !ValidID(c.AgencyID) {
		p.Add("agency_id", "must be the lead agency's id")
	}
	for i, u := range c.Assigned {
		if !ValidID(u) {
			p.Add("assigned["+itoa(i)+"]", "must be a user id")
		}
	}
	return p.Err()
}

// IntelFilter narrows ListIntelRecords. It is the SQL prefilter: it may
// only narrow what the decision point would allow, never widen it.
type IntelFilter struct {
	Originator ID // only this agency's records
	CaseID     ID // only this case's records
	Visible    *Visibility
}

// Visibility is what a reader may possibly see, derived from the same facts
// the decision point uses: records of the reader's own agency, or records
// shared to one of the reader's communities at TLP AMBER or wider, or RED
// records naming the reader, or records the reader holds a grant for.
type Visibility struct {
	Agency      ID
	Communities []ID
	UserID      ID
	Granted     []ID
}
