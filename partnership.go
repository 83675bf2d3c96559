package liaison

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AgencyKind classifies a partner organisation.
type AgencyKind string

// Agency kinds.
const (
	AgencyFederal       AgencyKind = "federal"
	AgencyState         AgencyKind = "state"
	AgencyLocal         AgencyKind = "local"
	AgencyTribal        AgencyKind = "tribal"
	AgencyFusionCenter  AgencyKind = "fusion_center"
	AgencyTaskForce     AgencyKind = "task_force"
	AgencyInternational AgencyKind = "international"
	AgencyPrivate       AgencyKind = "private"
)

// AgencyKinds lists every valid agency kind.
var AgencyKinds = []AgencyKind{AgencyFederal, AgencyState, AgencyLocal, AgencyTribal,
	AgencyFusionCenter, AgencyTaskForce, AgencyInternational, AgencyPrivate}

// Contact is a point of contact: a named person or desk and how to reach it.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Agency is a partner organisation: a bureau field office, a fusion centre,
// a police department, an international partner or a private company.
type Agency struct {
	ID       ID         `json:"id"`
	Code     string     `json:"code"` // ORI-like, unique, upper case
	Name     string     `json:"name"`
	Kind     AgencyKind `json:"kind"`
	Country  string     `json:"country"` // ISO 3166-1 alpha-2
	Contacts []Contact  `json:"contacts"`
	Created  time.Time  `json:"created_at"`
	Updated  time.Time  `json:"updated_at"`
}

var (
	agencyCodeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,23}$`)
	countryRE    = regexp.MustCompile(`^[A-Z]{2}$`)
	phoneRE      = regexp.MustCompile(`^\+?[0-9 ().-]{5,24}$`)
	loginRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)
)

// Normalize canonicalises the fields users type loosely.
func (a *Agency) Normalize() {
	a.Code = strings.ToUpper(strings.TrimSpace(a.Code))
	a.Name = strings.TrimSpace(a.Name)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Contacts = slices.Clone(a.Contacts)
	if a.Contacts == nil {
		a.Contacts = []Contact{}
	}
}

// Validate checks the agency's own fields.
func (a *Agency) Validate() error {
	var p Problems
	if !agencyCodeRE.MatchString(a.Code) {
		p.Add("code", "must be 2-24 upper-case letters, digits or dashes, like ORI codes (e.g. VA0290100)")
	}
	checkText(&p, "name", a.Name, 1, 200)
	if !slices.Contains(AgencyKinds, a.Kind) {
		p.Add("kind", "must be one of %s", joinKinds(AgencyKinds))
	}
	if !countryRE.MatchString(a.Country) {
		p.Add("country", "must be an ISO 3166-1 alpha-2 code such as US or NL")
	}
	if len(a.Contacts) > 20 {
		p.Add("contacts", "at most 20 points of contact")
	}
	for i, c := range a.Contacts {
		checkContact(&p, "contacts["+itoa(i)+"]", c)
	}
	return p.Err()
}

func checkContact(p *Problems, field string, c Contact) {
	checkText(p, field+".name", c.Name, 1, 200)
	checkText(p, field+".role", c.Role, 0, 200)
	if c.Email == "" && c.Phone == "" {
		p.Add(field, "needs an email or a phone number")
	}
	if c.Email != "" {
		if addr, err := mail.ParseAddress(c.Email); err != nil || addr.Address != c.Email {
			p.Add(field+".email", "must be a plain address such as duty@example.gov")
		}
	}
	if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
		p.Add(field+".phone", "must be a phone number of digits, spaces and +()-.")
	}
}

// Role is what a user does in the partnership.
type Role string

// Roles, as in DESIGN.md.
const (
	RoleOfficer        Role = "officer"
	RoleSupervisor     Role = "supervisor"
	RoleAnalyst        Role = "analyst"
	RolePrivacyOfficer Role = "privacy_officer"
	RoleAuditor        Role = "auditor"
	RoleAdmin          Role = "admin"
	RolePartnerLiaison Role = "partner_liaison"
	RoleWatch          Role = "watch_officer" // a watch center: sees and handles deconfliction conflicts in its area
)

// Roles lists every valid role.
var Roles = []Role{RoleOfficer, RoleSupervisor, RoleAnalyst, RolePrivacyOfficer,
	RoleAuditor, RoleAdmin, RolePartnerLiaison, RoleWatch}

// Clearance is a security clearance level.
type Clearance string

// Clearance levels, lowest first.
const (
	ClearanceNone         Clearance = "none"
	ClearanceConfidential Clearance = "confidential"
	ClearanceSecret       Clearance = "secret"
	ClearanceTopSecret    Clearance = "top_secret"
)

// Clearances lists every clearance level, lowest first.
var Clearances = []Clearance{ClearanceNone, ClearanceConfidential, ClearanceSecret, ClearanceTopSecret}

// Attributes are the GFIPM-style assertions the policy decision point reads.
type Attributes struct {
	SwornOfficer  bool      `json:"sworn_officer"`
	Part23Trained bool      `json:"part23_trained"`
	Clearance     Clearance `json:"clearance"`
}

// User is a person with an account, belonging to one home agency.
type User struct {
	ID          ID         `json:"id"`
	Login       string     `json:"login"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	AgencyID    ID         `json:"agency_id"`
	Roles       []Role     `json:"roles"`
	Attributes  Attributes `json:"attributes"`
	Disabled    bool       `json:"disabled"`
	Locked      *time.Time `json:"locked_at,omitempty"`
	MFAEnrolled *time.Time `json:"mfa_enrolled_at,omitempty"`
	Created     time.Time  `json:"created_at"`
	Updated     time.Time  `json:"updated_at"`

	// Credentials: never rendered.
	PasswordHash string `json:"-"`
	TOTPSecret   string `json:"-"` // base32; empty until enrolment starts
	TOTPLastStep int64  `json:"-"` // last accepted time step, against replay
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Reviewer reports whether the user may review (validate or purge) their
// own agency's criminal intelligence records: its privacy officers and
// its analysts trained in 28 CFR Part 23.
func (u *User) Reviewer() bool {
	return u.Has(RolePrivacyOfficer) || (u.Has(RoleAnalyst) && u.Attributes.Part23Trained)
}

// Normalize canonicalises the fields users type loosely.
func (u *User) Normalize() {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.TrimSpace(u.Email)
	u.Roles = slices.Clone(u.Roles) // never reorder the caller's slice
	if u.Roles == nil {
		u.Roles = []Role{}
	}
	slices.Sort(u.Roles)
	u.Roles = slices.Compact(u.Roles)
	if u.Attributes.Clearance == "" {
		u.Attributes.Clearance = ClearanceNone
	}
}

// Validate checks the user's own fields (not that the agency exists).
func (u *User) Validate() error {
	var p Problems
	if !loginRE.MatchString(u.Login) {
		p.Add("login", "must be 2-64 lower-case letters, digits, dots, dashes or underscores")
	}
	checkText(&p, "name", u.Name, 1, 200)
	if addr, err := mail.ParseAddress(u.Email); err != nil || addr.Address != u.Email {
		p.Add("email", "must be a plain address such as analyst@example.gov")
	}
	if !ValidID(u.AgencyID) {
		p.Add("agency_id", "must be the id of the user's home agency")
	}
	for i, r := range u.Roles {
		if !slices.Contains(Roles, r) {
			p.Add("roles["+itoa(i)+"]", "must be one of %s", joinKinds(Roles))
		}
	}
	if !slices.Contains(Clearances, u.Attributes.Clearance) {
		p.Add("attributes.clearance", "must be one of %s", joinKinds(Clearances))
	}
	return p.Err()
}

// CommunityKind classifies a community.
type CommunityKind string

// Community kinds.
const (
	CommunityTaskForce     CommunityKind = "task_force"
	CommunityFusionArea    CommunityKind = "fusion_area"
	CommunityISAC          CommunityKind = "isac"
	CommunityInternational CommunityKind = "international"
	CommunityOther         CommunityKind = "other"
)

// CommunityKinds lists every valid community kind.
var CommunityKinds = []CommunityKind{CommunityTaskForce, CommunityFusionArea, CommunityISAC,
	CommunityInternational, CommunityOther}

// Community is a set of agencies that share: a JTTF, a fusion centre's
// area, an ISAC, an international channel.
type Community struct {
	ID          ID            `json:"id"`
	Name        string        `json:"name"`
	Kind        CommunityKind `json:"kind"`
	Description string        `json:"description"`
	Members     []ID          `json:"members"` // agency ids
	Created     time.Time     `json:"created_at"`
	Updated     time.Time     `json:"updated_at"`
}

// Normalize canonicalises the fields users type loosely.
func (c *Community) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Description = strings.TrimSpace(c.Description)
	c.Members = slices.Clone(c.Members)
	if c.Members == nil {
		c.Members = []ID{}
	}
	slices.Sort(c.Members)
	c.Members = slices.Compact(c.Members)
}

// Validate checks the community's own fields.
func (c *Community) Validate() error {
	var p Problems
	checkText(&p, "name", c.Name, 1, 200)
	if !slices.Contains(CommunityKinds, c.Kind) {
		p.Add("kind", "must be one of %s", joinKinds(CommunityKinds))
	}
	checkText(&p, "description", c.Description, 0, 4000)
	for i, m := range c.Members {
		if !ValidID(m) {
			p.Add("members["+itoa(i)+"]", "must be an agency id")
		}
	}
	return p.Err()
}

// Purpose is a declared reason for receiving information.
type Purpose string

// Purposes an agreement may allow.
const (
	PurposeCounterterrorism      Purpose = "counterterrorism"
	PurposeCriminalInvestigation Purpose = "criminal_investigation"
	PurposeThreatAssessment      Purpose = "threat_assessment"
	PurposeOfficerSafety         Purpose = "officer_safety"
	PurposeDeconfliction         Purpose = "deconfliction"
	PurposeInfrastructure        Purpose = "critical_infrastructure_protection"
	PurposeCyberDefense          Purpose = "cyber_defense"
	PurposeFinancialCrime        Purpose = "financial_crime"
)

// Purposes lists every valid purpose.
var Purposes = []Purpose{PurposeCounterterrorism, PurposeCriminalInvestigation, PurposeThreatAssessment,
	PurposeOfficerSafety, PurposeDeconfliction, PurposeInfrastructure, PurposeCyberDefense, PurposeFinancialCrime}

// RecordKind is a kind of shared holding.
type RecordKind string

// Record kinds an agreement may cover.
const (
	KindSAR          RecordKind = "sar"
	KindIntelligence RecordKind = "intelligence"
	KindIndicator    RecordKind = "indicator"
	KindEntity       RecordKind = "entity"
	KindCase         RecordKind = "case"
	KindOperation    RecordKind = "operation"
	KindProduct      RecordKind = "product" // sanitised analytic product
)

// RecordKinds lists every valid record kind.
var RecordKinds = []RecordKind{KindSAR, KindIntelligence, KindIndicator, KindEntity, KindCase, KindOperation, KindProduct}

// Agreement says what one agency may receive from a community and on what
// legal basis.
type Agreement struct {
	ID                   ID           `json:"id"`
	AgencyID             ID           `json:"agency_id"`
	CommunityID          ID           `json:"community_id"`
	LegalBasis           string       `json:"legal_basis"` // statute, treaty or MOU
	Purposes             []Purpose    `json:"purposes"`
	RecordKinds          []RecordKind `json:"record_kinds"`
	PIIAllowed           bool         `json:"pii_allowed"`
	InternationalRelease bool         `json:"international_release"`
	PrivateRelease       bool         `json:"private_release"`
	Expires              time.Time    `json:"expires_at"`
	Created              time.Time    `json:"created_at"`
	Updated              time.Time    `json:"updated_at"`
}

// Normalize canonicalises the fields users type loosely.
func (a *Agreement) Normalize() {
	a.LegalBasis = strings.TrimSpace(a.LegalBasis)
	a.Purposes, a.RecordKinds = slices.Clone(a.Purposes), slices.Clone(a.RecordKinds)
	if a.Purposes == nil {
		a.Purposes = []Purpose{}
	}
	if a.RecordKinds == nil {
		a.RecordKinds = []RecordKind{}
	}
	slices.Sort(a.Purposes)
	a.Purposes = slices.Compact(a.Purposes)
	slices.Sort(a.RecordKinds)
	a.RecordKinds = slices.Compact(a.RecordKinds)
	a.Expires = a.Expires.UTC().Truncate(time.Second)
}

// Validate checks the agreement's own fields against the time now.
func (a *Agreement) Validate(now time.Time) error {
	var p Problems
	if !ValidID(a.AgencyID) {
		p.Add("agency_id", "must be the id of the receiving agency")
	}
	if !ValidID(a.CommunityID) {
		p.Add("community_id", "must be the id of the community shared from")
	}
	checkText(&p, "legal_basis", a.LegalBasis, 3, 1000)
	if len(a.Purposes) == 0 {
		p.Add("purposes", "name at least one purpose: %s", joinKinds(Purposes))
	}
	for i, v := range a.Purposes {
		if !slices.Contains(Purposes, v) {
			p.Add("purposes["+itoa(i)+"]", "must be one of %s", joinKinds(Purposes))
		}
	}
	if len(a.RecordKinds) == 0 {
		p.Add("record_kinds", "name at least one record kind: %s", joinKinds(RecordKinds))
	}
	for i, v := range a.RecordKinds {
		if !slices.Contains(RecordKinds, v) {
			p.Add("record_kinds["+itoa(i)+"]", "must be one of %s", joinKinds(RecordKinds))
		}
	}
	switch {
	case a.Expires.IsZero():
		p.Add("expires_at", "is required: agreements are reviewed, so they expire")
	case !a.Expires.After(now):
		p.Add("expires_at", "is in the past: an expired agreement cannot be recorded")
	case a.Expires.After(now.AddDate(10, 0, 0)):
		p.Add("expires_at", "must be within 10 years")
	}
	return p.Err()
}

// Active reports whether the agreement is in force at t.
func (a *Agreement) Active(t time.Time) bool { return t.Before(a.Expires) }

func checkText(p *Problems, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		p.Add(field, "must be valid UTF-8 text")
	case n < min && min == 1:
		p.Add(field, "is required")
	case n < min:
		p.Add(field, "must be at least %d characters", min)
	case n > max:
		p.Add(field, "must be at most %d characters", max)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }):
		p.Add(field, "must not contain control characters")
	}
}

func joinKinds[T ~string](ks []T) string {
	ss := make([]string, len(ks))
	for i, k := range ks {
		ss[i] = string(k)
	}
	return strings.Join(ss, ", ")
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
