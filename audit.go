package liaison

import (
	"context"
	"encoding/base64"
	"time"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// Hash is a SHA-256 hash in the audit Merkle tree (RFC 6962).
type Hash [32]byte

// String returns the hash in standard base64, as checkpoints print it.
func (h Hash) String() string { return base64.StdEncoding.EncodeToString(h[:]) }

// MarshalText renders the hash in base64.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses a base64 hash.
func (h *Hash) UnmarshalText(b []byte) error {
	d, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil || len(d) != len(h) {
		return Errorf(EINVALID, "a hash is 32 bytes in base64")
	}
	copy(h[:], d)
	return nil
}

// AuditObjectsDetail is the detail of an entry for one act on many objects
// (a bulk import names every report it filed): their ids, separated by
// spaces. Stores index each id as they index ObjectID, so a filter on
// ObjectID finds the entry too.
const AuditObjectsDetail = "objects"

// AuditEvent records one act: who, what, when, where, the outcome, the
// reason given and the decision that allowed or denied it. It is a leaf of
// the tamper-evident audit log, written in the same transaction as the act.
type AuditEvent struct {
	Index      int64             `json:"index"` // position in the log, from 0, dense
	ID         ID                `json:"id"`
	At         time.Time         `json:"at"`
	UserID     ID                `json:"user_id,omitempty"`
	AgencyID   ID                `json:"agency_id,omitempty"`
	Actor      string            `json:"actor"`
	Action     string            `json:"action"` // e.g. agency.create, login.failure
	ObjectType string            `json:"object_type,omitempty"`
	ObjectID   string            `json:"object_id,omitempty"`
	Outcome    string            `json:"outcome"`
	Reason     string            `json:"reason,omitempty"`   // why the user acted, or why it failed
	Decision   string            `json:"decision,omitempty"` // the policy decision that allowed or denied it
	IP         string            `json:"ip,omitempty"`
	Node       string            `json:"node,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

// NewAuditEvent starts an audit event for the actor in ctx.
func NewAuditEvent(ctx context.Context, now time.Time, action, objectType, objectID string) *AuditEvent {
	a := ActorFrom(ctx)
	e := &AuditEvent{ID: NewID(), At: now, Actor: a.Name(), Action: action, ObjectType: objectType,
		ObjectID: objectID, Outcome: OutcomeSuccess, IP: a.IP, RequestID: a.RequestID, Reason: a.Purpose}
	if a.User != nil {
		e.UserID, e.AgencyID = a.User.ID, a.User.AgencyID
	}
	return e
}

// AuditAppend is one sequenced entry for the log: the event at its index
// and the stored tree hashes its leaf adds, from stored-hash index FirstHash
// (the first is the leaf hash).
type AuditAppend struct {
	Event     *AuditEvent
	Entry     []byte // Event.Canonical(): what the log keeps and hashes
	FirstHash int64
	Hashes    []Hash
}

// AuditFilter narrows ListAuditEvents.
type AuditFilter struct {
	UserID     ID
	AgencyID   ID
	Action     string // exact, or a prefix ending in "." such as "login."
	ObjectType string
	ObjectID   string
	Outcome    string
	Since      time.Time // inclusive
	Until      time.Time // exclusive
	// Newest lists newest first: a page's cursor is then the smallest
	// index it holds, and the next page is older.
	Newest bool
}

// Checkpoint is a signed tree head of the audit log: the log's size and
// Merkle root, signed by this node (and any co-signers) in the note format.
type Checkpoint struct {
	Size    int64     `json:"size"`
	Root    Hash      `json:"root"`
	Note    string    `json:"note"` // the signed note: text then signature lines
	Created time.Time `json:"created_at"`
}

// ActionCount is how many audit events of one action and outcome fell in one month.
type ActionCount struct {
	Month   string `json:"month"` // YYYY-MM
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Count   int64  `json:"count"`
}

// Labels are the handling labels an item carries when it is released.
type Labels struct {
	TLP         string `json:"tlp"`
	Handling    string `json:"handling,omitempty"`
	Sensitivity string `json:"sensitivity,omitempty"`
	Originator  ID     `json:"originator_agency_id"`
}

// Dissemination is one release of an item outside its originating agency:
// who received what, under which labels, why and when.
type Dissemination struct {
	ID                ID        `json:"id"`
	At                time.Time `json:"at"`
	ItemKind          string    `json:"item_kind"`
	ItemID            ID        `json:"item_id"`
	RecipientUserID   ID        `json:"recipient_user_id"`
	RecipientAgencyID ID        `json:"recipient_agency_id"`
	Labels            Labels    `json:"labels"`
	Purpose           Purpose   `json:"purpose"`
	Redacted          bool      `json:"redacted"`
	AuditEventID      ID        `json:"audit_event_id"` // the audit entry of the release
}

// DisseminationFilter narrows ListDisseminations.
type DisseminationFilter struct {
	ItemID            ID
	RecipientAgencyID ID
	OriginatorID      ID
	Since, Until      time.Time
}
