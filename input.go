package liaison

import "time"

// AgencyInput creates an agency.
type AgencyInput struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Kind     AgencyKind `json:"kind"`
	Country  string     `json:"country"`
	Contacts []Contact  `json:"contacts"`
}

// AgencyUpdate changes the fields it sets; the code never changes because
// other agencies' records cite it.
type AgencyUpdate struct {
	Name     *string     `json:"name"`
	Kind     *AgencyKind `json:"kind"`
	Country  *string     `json:"country"`
	Contacts *[]Contact  `json:"contacts"`
}

// UserInput creates a user account.
type UserInput struct {
	Login      string     `json:"login"`
	Name       string     `json:"name"`
	Email      string     `json:"email"`
	AgencyID   ID         `json:"agency_id"`
	Roles      []Role     `json:"roles"`
	Attributes Attributes `json:"attributes"`
	Password   string     `json:"password"` // initial password, changed at will later
}

// UserUpdate changes the fields it sets. Changing roles, attributes,
// agency or the disabled flag is a permission change and audited as one.
type UserUpdate struct {
	Name       *string     `json:"name"`
	Email      *string     `json:"email"`
	AgencyID   *ID         `json:"agency_id"`
	Roles      *[]Role     `json:"roles"`
	Attributes *Attributes `json:"attributes"`
	Disabled   *bool       `json:"disabled"`
}

// CommunityInput creates a community.
type CommunityInput struct {
	Name        string        `json:"name"`
	Kind        CommunityKind `json:"kind"`
	Description string        `json:"description"`
	Members     []ID          `json:"members"`
}

// CommunityUpdate changes the fields it sets; Members replaces the list.
type CommunityUpdate struct {
	Name        *string        `json:"name"`
	Kind        *CommunityKind `json:"kind"`
	Description *string        `json:"description"`
	Members     *[]ID          `json:"members"`
}

// AgreementInput records an agreement.
type AgreementInput struct {
	AgencyID             ID           `json:"agency_id"`
	CommunityID          ID           `json:"community_id"`
	LegalBasis           string       `json:"legal_basis"`
	Purposes             []Purpose    `json:"purposes"`
	RecordKinds          []RecordKind `json:"record_kinds"`
	PIIAllowed           bool         `json:"pii_allowed"`
	InternationalRelease bool         `json:"international_release"`
	PrivateRelease       bool         `json:"private_release"`
	Expires              time.Time    `json:"expires_at"`
}

// AgreementUpdate changes the fields it sets. Setting expires_at to now
// ends an agreement; agreements are never deleted, for the record.
type AgreementUpdate struct {
	LegalBasis           *string       `json:"legal_basis"`
	Purposes             *[]Purpose    `json:"purposes"`
	RecordKinds          *[]RecordKind `json:"record_kinds"`
	PIIAllowed           *bool         `json:"pii_allowed"`
	InternationalRelease *bool         `json:"international_release"`
	PrivateRelease       *bool         `json:"private_release"`
	Expires              *time.Time    `json:"expires_at"`
}

// TokenInput creates an API token for a user.
type TokenInput struct {
	UserID  ID            `json:"user_id"` // empty: the caller
	Name    string        `json:"name"`
	Scopes  []Scope       `json:"scopes"`
	TTL     time.Duration `json:"-"`
	Expires time.Time     `json:"expires_at"`
}

// CaseInput opens a case; the creator's agency leads it.
type CaseInput struct {
	Title    string `json:"title"`
	Assigned []ID   `json:"assigned"` // user ids; the creator is always assigned
}

// IntelInput writes (or corrects) an intelligence record. The originator
// is the writer's agency.
type IntelInput struct {
	Title             string   `json:"title"`
	Narrative         string   `json:"narrative"`
	Subjects          []Entity `json:"subjects"`
	Links             []Link   `json:"links"`
	Predicate         string   `json:"criminal_predicate"`
	LawfulCollection  bool     `json:"lawful_collection_attested"`
	FirstAmendmentTie string   `json:"first_amendment_tie"`
	Grading           Grading  `json:"grading"`
	// Grading3x5x2 is the UK grading, accepted instead of Grading and mapped.
	Grading3x5x2 *Grading3x5x2 `json:"grading_3x5x2,omitempty"`
	TLP          TLP           `json:"tlp"`
	Handling     Handling      `json:"handling"`
	Restriction  string        `json:"handling_restriction"`
	Sensitivity  string        `json:"sensitivity"`
	NoPointer    bool          `json:"no_pointer"`
	CaseID       ID            `json:"case_id"`
	Recipients   []ID          `json:"recipients"`
	SharedWith   []ID          `json:"shared_with"`
	RetainUntil  time.Time     `json:"retain_until"`
	// Version is the version being corrected (corrections only).
	Version int `json:"version"`
}

// Grading3x5x2 is a UK 3x5x2 grading: source 1-3, intelligence 1-5.
type Grading3x5x2 struct {
	Source       int `json:"source"`
	Intelligence int `json:"intelligence"`
}
