package liaison

import (
	"context"
	"slices"
	"time"
)

// Account security rules (CJIS Security Policy 5.6, DESIGN.md rule 11).
const (
	LockoutFailures   = 5                // failed logins that lock the account...
	LockoutWindow     = 15 * time.Minute // ...when they fall within this window
	SessionMaxAge     = 12 * time.Hour   // re-authenticate after this long
	SessionIdle       = 30 * time.Minute // ...or after this long without use
	PendingMFAMaxAge  = 5 * time.Minute  // a password-only session must finish MFA within this
	RecoveryCodeCount = 10
)

// Session is a server-side browser session. The cookie carries a random
// token; only its SHA-256 hash is stored.
type Session struct {
	ID            ID        `json:"id"`
	TokenHash     string    `json:"-"`
	UserID        ID        `json:"user_id"`
	CSRFToken     string    `json:"-"`
	MFADone       bool      `json:"mfa_done"` // false while the second factor is pending
	Created       time.Time `json:"created_at"`
	Authenticated time.Time `json:"authenticated_at"` // last full re-authentication
	LastSeen      time.Time `json:"last_seen_at"`
	IP            string    `json:"ip"`
	UserAgent     string    `json:"user_agent"`
}

// Expired reports whether the session must re-authenticate at t.
func (s *Session) Expired(t time.Time) bool {
	if !s.MFADone {
		return t.Sub(s.Authenticated) > PendingMFAMaxAge
	}
	return t.Sub(s.Authenticated) > SessionMaxAge || t.Sub(s.LastSeen) > SessionIdle
}

// Scope limits what an API token may do.
type Scope string

// Token scopes.
const (
	ScopeRead  Scope = "read"  // GET requests
	ScopeWrite Scope = "write" // creating and changing records
	ScopeAdmin Scope = "admin" // directory administration (also needs the admin role)
)

// Scopes lists every valid scope.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// APIToken is a scoped, expiring bearer credential for machine clients.
// Only the SHA-256 hash of the secret is stored.
type APIToken struct {
	ID        ID         `json:"id"`
	UserID    ID         `json:"user_id"`
	Name      string     `json:"name"`
	TokenHash string     `json:"-"`
	Prefix    string     `json:"prefix"` // first characters, to recognise a token in lists
	Scopes    []Scope    `json:"scopes"`
	Created   time.Time  `json:"created_at"`
	Expires   time.Time  `json:"expires_at"`
	LastUsed  *time.Time `json:"last_used_at,omitempty"`
	Revoked   *time.Time `json:"revoked_at,omitempty"`
}

// Allows reports whether the token carries scope s.
func (t *APIToken) Allows(s Scope) bool { return slices.Contains(t.Scopes, s) }

// Validate checks the token's own fields against the time now.
func (t *APIToken) Validate(now time.Time) error {
	var p Problems
	checkText(&p, "name", t.Name, 1, 100)
	if len(t.Scopes) == 0 {
		p.Add("scopes", "name at least one scope: %s", joinKinds(Scopes))
	}
	for i, s := range t.Scopes {
		if !slices.Contains(Scopes, s) {
			p.Add("scopes["+itoa(i)+"]", "must be one of %s", joinKinds(Scopes))
		}
	}
	switch {
	case !t.Expires.After(now):
		p.Add("expires_at", "must be in the future")
	case t.Expires.After(now.AddDate(1, 0, 0)):
		p.Add("expires_at", "must be within one year: tokens are rotated")
	}
	return p.Err()
}

// LoginAttempt is one password or second-factor attempt.
type LoginAttempt struct {
	ID      ID        `json:"id"`
	UserID  ID        `json:"user_id"`
	At      time.Time `json:"at"`
	Success bool      `json:"success"`
	Factor  string    `json:"factor"` // password, totp, recovery
	IP      string    `json:"ip"`
}

// Actor is who is acting: a user through a session or token, or the system.
type Actor struct {
	User      *User
	SessionID ID
	Token     *APIToken
	System    string // "cli", "demo", ...: set when no user acts
	IP        string
	UserAgent string
	RequestID string
	Purpose   string // the reason the user gave for acting, recorded in the audit log
}

// Name is how the actor appears in logs.
func (a Actor) Name() string {
	switch {
	case a.User != nil:
		return a.User.Login
	case a.System != "":
		return "system:" + a.System
	}
	return "anonymous"
}

// IsAdmin reports whether the actor may administer the directory.
func (a Actor) IsAdmin() bool {
	if a.System != "" && a.User == nil {
		return true
	}
	if a.User == nil || !a.User.Has(RoleAdmin) {
		return false
	}
	return a.Token == nil || a.Token.Allows(ScopeAdmin)
}

type actorKey struct{}

// NewContext returns ctx carrying actor a.
func NewContext(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, or the zero (anonymous) actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// IdempotencyRecord remembers the response to a create request sent with an
// Idempotency-Key, so a retry gets the same answer and creates nothing new.
//
// The record is written in the act's own transaction (by the service, when
// it audits the created object), so an act never commits without its
// record: a retry after a crash finds it and gets the first response.
type IdempotencyRecord struct {
	Key         string    // "<principal>:<client key>"
	RequestHash string    // SHA-256 of method, path and body
	Status      int       // 0 until the response is stored (the act has committed)
	Body        []byte    // the response body
	Location    string    // the Location header, if any
	Created     time.Time //
	ObjectType  string    // what the act created (its audit object type), e.g. "sar"
	ObjectID    string    // its id, to answer a retry from when the response was lost
	Run         string    // which run of the request wrote the record
}

type idempotencyKey struct{}

// WithIdempotency returns ctx carrying the key a create request claims:
// the service writes r in the transaction that creates an object of type
// r.ObjectType.
func WithIdempotency(ctx context.Context, r *IdempotencyRecord) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, r)
}

// IdempotencyFrom returns the key ctx claims, or nil.
func IdempotencyFrom(ctx context.Context) *IdempotencyRecord {
	r, _ := ctx.Value(idempotencyKey{}).(*IdempotencyRecord)
	return r
}
