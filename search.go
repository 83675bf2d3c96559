package liaison

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// SearchDoc is one item as the search index holds it: the text that is
// matched (indexed, never returned) and the label facts the decision point
// needs to decide a candidate without loading the item.
type SearchDoc struct {
	Seq        int64      // index order: a larger Seq was indexed later
	Kind       RecordKind // sar, intelligence or case
	ItemID     ID
	AgencyID   ID     // the holding (originating or lead) agency
	State      string // a report's vetting state; "" for other kinds
	TLP        TLP
	Handling   Handling
	Recipients []ID
	SharedWith []ID
	CaseID     ID
	// Pointer says a reader who may not see the item may learn that the
	// agency holds something: false for no-pointer items, TLP:RED, reports
	// not yet vetted and purged records.
	Pointer    bool
	Occurred   time.Time // when it happened (a report) or was written
	Categories []string
	Lat, Lon   *float64
	// Indexed text: Title and Names weigh more than Body; Identifiers are
	// normalised plates, phones and numbers for substring matching.
	Title, Body, Names, Identifiers string
}

// SearchRef names an item in the search index.
type SearchRef struct {
	Kind   RecordKind `json:"kind"`
	ItemID ID         `json:"item_id"`
}

// SearchQueued is an item waiting to be (re)indexed.
type SearchQueued struct {
	ID     int64
	Kind   RecordKind
	ItemID ID
	At     time.Time
}

// SearchIndexState is how far the index is behind the data.
type SearchIndexState struct {
	Pending int       `json:"pending"`                 // items waiting to be indexed
	Oldest  time.Time `json:"oldest_pending,omitzero"` // when the oldest was queued
	MaxSeq  int64     `json:"-"`                       // the newest document's Seq
}

// TextTerm is one word of a search: the document must contain one of its
// alternatives (the word itself; a phonetic code for a name).
type TextTerm struct {
	Alternatives []string
}

// SearchMatch is what the store matches and filters; the service decides
// every candidate it returns. Candidates come newest first (Seq
// descending), with Seq < Before when Before > 0.
type SearchMatch struct {
	Terms      []TextTerm // all must match (full text, stemmed)
	Identifier string     // normalised substring every candidate's identifiers contain
	Kinds      []RecordKind
	Agencies   []ID
	Categories []string
	TLPs       []TLP
	From, To   time.Time // Occurred in [From, To) when set
	Box        *BoundingBox
	// Visible, when set, keeps only documents the reader may possibly
	// see: of the reader's agency, shared to one of the reader's
	// communities, naming the reader as a recipient, or granted. It is a
	// prefilter: every candidate is still decided.
	Visible *Visibility
	// PointersFor, when set, keeps only documents that may give a pointer
	// (Pointer true) held by another agency than this one.
	PointersFor ID
	Before      int64
	Limit       int
}

// SearchCandidate is a matching document with a relevance score (larger
// is better) computed for it alone.
type SearchCandidate struct {
	SearchDoc
	Score float64
}

// BoundingBox is an area: south-west and north-east corners.
type BoundingBox struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// Contains reports whether the point lies in the box.
func (b BoundingBox) Contains(lat, lon float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lon >= b.MinLon && lon <= b.MaxLon
}

// BoxAround returns the box enclosing a circle of radius metres.
func BoxAround(lat, lon, metres float64) BoundingBox {
	dLat := metres / 111_320
	c := math.Cos(lat * math.Pi / 180)
	dLon := 180.0
	if c > 1e-6 {
		dLon = math.Min(180, metres/(111_320*c))
	}
	return BoundingBox{MinLat: math.Max(-90, lat-dLat), MaxLat: math.Min(90, lat+dLat),
		MinLon: math.Max(-180, lon-dLon), MaxLon: math.Min(180, lon+dLon)}
}

// Pointer tells a searcher that an agency holds something matching their
// search that they may not see: who holds it, what kind, over what dates,
// whom to call, and a handle to ask for access. Never content, labels that
// reveal content, or counts.
type Pointer struct {
	ID        ID         `json:"handle"`
	UserID    ID         `json:"-"` // the searcher it was issued to
	AgencyID  ID         `json:"agency_id"`
	Agency    string     `json:"agency"`
	Kind      RecordKind `json:"kind"`
	From      time.Time  `json:"from"` // the first month (its first day)
	To        time.Time  `json:"to"`   // the last month (its first day)
	Contact   *Contact   `json:"contact,omitempty"`
	Items     []ID       `json:"-"` // kept server-side for the access request
	Query     string     `json:"-"`
	Created   time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
}

// AccessRequest asks a holding agency's control official for the items
// behind a pointer.
type AccessRequest struct {
	ID            ID                 `json:"id"`
	PointerID     ID                 `json:"pointer"`
	RequesterID   ID                 `json:"requester_id"`
	RequesterAg   ID                 `json:"requester_agency_id"`
	HolderAgency  ID                 `json:"holder_agency_id"`
	Kind          RecordKind         `json:"kind"`
	Items         []ID               `json:"items,omitempty"` // shown to the holder only
	Purpose       Purpose            `json:"purpose"`
	CaseID        ID                 `json:"case_id"`
	Justification string             `json:"justification"`
	State         AccessRequestState `json:"state"`
	Due           time.Time          `json:"due_at"`
	Escalated     time.Time          `json:"escalated_at,omitzero"`
	DecidedBy     ID                 `json:"decided_by,omitempty"`
	Decided       time.Time          `json:"decided_at,omitzero"`
	Reason        string             `json:"reason,omitempty"`
	Granted       []ID               `json:"granted,omitempty"` // grant ids
	Created       time.Time          `json:"created_at"`
	Updated       time.Time          `json:"updated_at"`
}

// AccessRequestState is where a request stands.
type AccessRequestState string

// Access request states.
const (
	RequestPending  AccessRequestState = "pending"
	RequestApproved AccessRequestState = "approved" // in full
	RequestPartial  AccessRequestState = "approved_redacted"
	RequestDenied   AccessRequestState = "denied"
)

// AccessRequestFilter narrows ListAccessRequests.
type AccessRequestFilter struct {
	RequesterID  ID
	HolderAgency ID
	States       []AccessRequestState
	DueBefore    time.Time // pending and due before this, not yet escalated
}

// Grant is an originator-approved permission for one user to read one item
// for one purpose until it expires or is revoked.
type Grant struct {
	ID        ID         `json:"id"`
	RequestID ID         `json:"request_id"`
	UserID    ID         `json:"user_id"`
	AgencyID  ID         `json:"agency_id"` // the grantee's agency
	Kind      RecordKind `json:"kind"`
	ItemID    ID         `json:"item_id"`
	Holder    ID         `json:"holder_agency_id"`
	Purpose   Purpose    `json:"purpose"`
	PII       bool       `json:"pii"` // false: released without identifiers
	Expires   time.Time  `json:"expires_at"`
	Revoked   time.Time  `json:"revoked_at,omitzero"`
	RevokedBy ID         `json:"revoked_by,omitempty"`
	Created   time.Time  `json:"created_at"`
}

// Active reports whether the grant may be used at t.
func (g *Grant) Active(t time.Time) bool { return g.Revoked.IsZero() && t.Before(g.Expires) }

// GrantFilter narrows ListGrants.
type GrantFilter struct {
	UserID   ID
	Holder   ID
	ActiveAt time.Time
}

// SavedSearch is a search a user keeps; it re-runs as new data is indexed.
type SavedSearch struct {
	ID      ID              `json:"id"`
	UserID  ID              `json:"user_id"`
	Name    string          `json:"name"`
	Query   json.RawMessage `json:"query"` // the search request as JSON
	LastSeq int64           `json:"-"`     // index position it has been run to
	Hits    int             `json:"hits"`  // results and pointers found so far
	Created time.Time       `json:"created_at"`
	Updated time.Time       `json:"updated_at"`
}

// Validate checks a saved search's own fields.
func (s *SavedSearch) Validate() error {
	var p Problems
	checkText(&p, "name", s.Name, 1, 120)
	return p.Err()
}

// MonthStart truncates t to the first of its month (UTC).
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// NormalizeIdentifier keeps letters and digits, upper case: "cpx-4471" and
// "CPX 4471" are the same plate.
func NormalizeIdentifier(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SearchKinds are the kinds the search index holds.
var SearchKinds = []RecordKind{KindSAR, KindIntelligence, KindCase}

// ValidSearchKind reports whether k is indexed.
func ValidSearchKind(k RecordKind) bool { return slices.Contains(SearchKinds, k) }

// AccessToken is one token of a document's access list: a prefix letter
// (a agency, c community, u recipient, k category) and the id without its
// dashes or underscores, lower case: one word to either store's text index.
func AccessToken(prefix, id string) string {
	return prefix + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(id))
}

// AccessTokens are the tokens the stores index beside a document's text,
// so that the visibility prefilter (holding agency, communities shared to,
// named recipients) and the category filter are intersections inside the
// text index.
func (d *SearchDoc) AccessTokens() string {
	toks := []string{AccessToken("a", d.AgencyID)}
	for _, c := range d.SharedWith {
		toks = append(toks, AccessToken("c", c))
	}
	for _, u := range d.Recipients {
		toks = append(toks, AccessToken("u", u))
	}
	for _, c := range d.Categories {
		toks = append(toks, AccessToken("k", c))
	}
	return strings.Join(toks, " ")
}

// VisibleTokens are the access tokens of the documents a reader may
// possibly see (Visibility without its grants, which stores check apart).
func (v *Visibility) VisibleTokens() []string {
	toks := []string{AccessToken("a", v.Agency)}
	if v.UserID != "" {
		toks = append(toks, AccessToken("u", v.UserID))
	}
	for _, c := range v.Communities {
		toks = append(toks, AccessToken("c", c))
	}
	return toks
}
