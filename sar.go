package liaison

import (
	"slices"
	"strings"
	"time"
)

// Category is an ISE-SAR behaviour category (Functional Standard 1.5.5).
type Category string

// Part A: defined criminal activity with a potential terrorism nexus.
const (
	CatBreach            Category = "breach_attempted_intrusion"
	CatMisrepresentation Category = "misrepresentation"
	CatTheft             Category = "theft_loss_diversion"
	CatSabotage          Category = "sabotage_tampering_vandalism"
	CatCyberattack       Category = "cyberattack"
	CatThreat            Category = "expressed_implied_threat"
	CatAviation          Category = "aviation_activity"
)

// Part B: potentially non-criminal; needs more facts during vetting.
const (
	CatEliciting      Category = "eliciting_information"
	CatTesting        Category = "testing_probing_security"
	CatRecruiting     Category = "recruiting_financing"
	CatPhotography    Category = "photography"
	CatObservation    Category = "observation_surveillance"
	CatMaterials      Category = "materials_acquisition_storage"
	CatExpertise      Category = "acquisition_of_expertise"
	CatWeapons        Category = "weapons_collection_storage"
	CatSectorSpecific Category = "sector_specific_incident"
)

// CategoriesA and CategoriesB list the two parts of the standard.
var (
	CategoriesA = []Category{CatBreach, CatMisrepresentation, CatTheft, CatSabotage, CatCyberattack, CatThreat, CatAviation}
	CategoriesB = []Category{CatEliciting, CatTesting, CatRecruiting, CatPhotography, CatObservation, CatMaterials,
		CatExpertise, CatWeapons, CatSectorSpecific}
)

// SARState is where a suspicious activity report is in its vetting.
type SARState string

// Vetting states: draft → submitted → (step 1) reviewed → (step 2) shared,
// retained or rejected; a shared SAR can be withdrawn.
const (
	SARDraft     SARState = "draft"
	SARSubmitted SARState = "submitted" // awaiting step 1: the originating supervisor
	SARReviewed  SARState = "reviewed"  // awaiting step 2: a trained analyst's determination
	SARShared    SARState = "shared"    // an ISE-SAR in the shared space
	SARRetained  SARState = "retained"  // kept locally: does not meet the standard
	SARRejected  SARState = "rejected"
	SARWithdrawn SARState = "withdrawn"
)

// SARSource says who reported.
type SARSource string

// Sources of reports.
const (
	SourceOfficer SARSource = "officer"
	SourcePublic  SARSource = "public"
	SourcePrivate SARSource = "private_partner"
)

// Place is where something happened.
type Place struct {
	Address string   `json:"address"`
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
}

// SARTransition is one step of vetting: who moved the report, when and why.
type SARTransition struct {
	From     SARState  `json:"from"`
	To       SARState  `json:"to"`
	By       ID        `json:"by"`
	ByAgency ID        `json:"by_agency"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason,omitempty"`
}

// SAR is a suspicious activity report: who, what, when, where and why.
type SAR struct {
	ID            ID              `json:"id"`
	AgencyID      ID              `json:"agency_id"` // the originating agency
	AuthorID      ID              `json:"author_id,omitempty"`
	Source        SARSource       `json:"source"`
	Title         string          `json:"title"`
	Narrative     string          `json:"narrative"`
	Why           string          `json:"why"` // why the reporter found it suspicious
	When          time.Time       `json:"when"`
	Where         Place           `json:"where"`
	Categories    []Category      `json:"categories"`
	Involved      []Entity        `json:"involved"` // persons, vehicles, locations, targets, aircraft, vessels
	Corroboration string          `json:"corroboration,omitempty"`
	State         SARState        `json:"state"`
	History       []SARTransition `json:"history"`
	TLP           TLP             `json:"tlp"`
	SharedWith    []ID            `json:"shared_with"`
	CaseID        ID              `json:"case_id,omitempty"` // the case an analyst attached it to
	// NoPointer keeps the report out of pointers once shared: readers
	// outside its communities learn nothing of it.
	NoPointer bool      `json:"no_pointer,omitempty"`
	Created   time.Time `json:"created_at"`
	Updated   time.Time `json:"updated_at"`
}

// PartBOnly reports whether every category is from Part B: such a report
// needs written corroborating facts to be shared.
func (s *SAR) PartBOnly() bool {
	for _, c := range s.Categories {
		if slices.Contains(CategoriesA, c) {
			return false
		}
	}
	return len(s.Categories) > 0
}

// Validate checks a report's own fields as of now.
func (s *SAR) Validate(now time.Time) error {
	var p Problems
	checkText(&p, "title", s.Title, 1, 300)
	checkText(&p, "narrative", s.Narrative, 1, 50_000)
	checkText(&p, "why", s.Why, 0, 5_000)
	if !slices.Contains([]SARSource{SourceOfficer, SourcePublic, SourcePrivate}, s.Source) {
		p.Add("source", "must be officer, public or private_partner")
	}
	switch {
	case s.When.IsZero():
		p.Add("when", "is required: when did it happen?")
	case s.When.After(now.Add(5 * time.Minute)):
		p.Add("when", "is in the future")
	}
	if s.Where.Lat != nil && (*s.Where.Lat < -90 || *s.Where.Lat > 90) {
		p.Add("where.lat", "must be a latitude between -90 and 90")
	}
	if s.Where.Lon != nil && (*s.Where.Lon < -180 || *s.Where.Lon > 180) {
		p.Add("where.lon", "must be a longitude between -180 and 180")
	}
	if (s.Where.Lat == nil) != (s.Where.Lon == nil) {
		p.Add("where", "give both lat and lon, or neither")
	}
	if strings.TrimSpace(s.Where.Address) == "" && s.Where.Lat == nil {
		p.Add("where", "give an address or coordinates")
	}
	if len(s.Categories) == 0 {
		p.Add("categories", "name at least one ISE-SAR behaviour category")
	}
	for i, c := range s.Categories {
		if !slices.Contains(CategoriesA, c) && !slices.Contains(CategoriesB, c) {
			p.Add("categories["+itoa(i)+"]", "is not an ISE-SAR behaviour category (Functional Standard 1.5.5)")
		}
	}
	for i, e := range s.Involved {
		if !slices.Contains(EntityKinds, e.Kind) && e.Kind != "target" && e.Kind != "aircraft" && e.Kind != "vessel" {
			p.Add("involved["+itoa(i)+"].kind", "must be an entity kind, target, aircraft or vessel")
		}
	}
	if s.TLP != "" && s.TLP.Rank() < 0 {
		p.Add("tlp", "must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
	}
	return p.Err()
}

// SARFilter narrows ListSARs: every set field must match; SharedWith
// matches reports shared to any of those communities at TLP AMBER or wider.
type SARFilter struct {
	AgencyID   ID
	AuthorID   ID
	States     []SARState
	SharedWith []ID
}

// SARTime is a report's "when", accepted as RFC 3339 or a bare date.
type SARTime struct{ time.Time }

// UnmarshalJSON accepts "2026-11-24T18:05:00Z" or "2026-11-24".
func (t *SARTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return FieldErrorf("when", "must be a date (2026-11-24) or an RFC 3339 time (2026-11-24T18:05:00Z)")
}

// MarshalJSON renders RFC 3339.
func (t SARTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.Time.UTC().Format(time.RFC3339) + `"`), nil
}

// Attachment is a file attached to a report, stored once by content.
type Attachment struct {
	Hash        string    `json:"sha256"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Added       time.Time `json:"added_at"`
	// AddedBy is the user who attached the file; empty for files attached
	// before it was recorded.
	AddedBy ID `json:"added_by,omitempty"`
}
