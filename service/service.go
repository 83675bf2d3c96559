// Package service implements Liaison's use cases once, over any
// liaison.Store: validation, authorisation, the act itself and its audit
// event, all in one transaction.
package service

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"time"

	"liaison"
	auditlog "liaison/audit"
	"liaison/policy"
)

// Service is the application: every use case the HTTP API, the web UI and
// the CLI call.
type Service struct {
	Store liaison.Store

	// Now is the clock; tests replace it.
	Now func() time.Time
	// Argon2 sets the password hashing cost.
	Argon2 Argon2Params
	// Issuer names this deployment in authenticator apps.
	Issuer string
	// Node names this node in audit entries.
	Node string
	// Alerts receives operational alerts for administrators.
	Alerts *Alerts
	// Signer signs audit checkpoints; nil on nodes that do not sign.
	Signer *auditlog.Signer
	// Policy is the one decision point every read of shared items asks.
	Policy *policy.Engine
	// Deconfliction holds the operation and target indexes and their limits.
	Deconfliction *Deconfliction
	// Events is this node's in-process bus: live pages subscribe to it.
	Events *MemoryBus
	// OutboxKick wakes the outbox relay after a commit that queued events.
	OutboxKick chan struct{}
	// AccessSLA is how long a holding agency has to decide an access
	// request before it is escalated (DefaultAccessSLA when zero).
	AccessSLA time.Duration

	hashSlots chan struct{} // bounds concurrent argon2id work

	dummyMu  sync.Mutex
	dummy    string       // argon2id hash verified for unknown logins
	dummyFor Argon2Params // the cost dummy was made at

	closedMu     sync.Mutex
	closedMonths map[string]map[string]int64 // transparency figures of closed months: month, measure, count
}

// New returns a Service over store with production settings.
func New(store liaison.Store) *Service {
	return &Service{Store: store, Now: time.Now, Argon2: DefaultArgon2, Issuer: "Liaison", Alerts: NewAlerts(100),
		hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0)), Policy: policy.Default(), Deconfliction: NewDeconfliction(),
		Events: NewMemoryBus(), OutboxKick: make(chan struct{}, 1)}
}

// kick wakes the outbox relay, if one runs, without waiting.
func (s *Service) kick() {
	select {
	case s.OutboxKick <- struct{}{}:
	default:
	}
}

// now returns the current time in UTC at the stores' microsecond precision.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// audit appends an audit event to the tamper-evident log inside tx, the
// transaction of the act it records: if it cannot be written, the act fails
// and administrators are alerted.
func (s *Service) audit(ctx context.Context, tx liaison.Tx, e *liaison.AuditEvent) error {
	if e.Node == "" {
		e.Node = s.Node
	}
	if e.Decision == "" && e.Outcome == liaison.OutcomeSuccess {
		e.Decision = "permit: " + authority(liaison.ActorFrom(ctx))
	}
	if err := auditlog.Append(ctx, tx, e); err != nil {
		s.Alert("audit", "an audit entry could not be written, so the act ("+e.Action+") was refused: "+err.Error())
		return err
	}
	return claimIdempotency(ctx, tx, e)
}

// claimIdempotency writes the Idempotency-Key of the request in ctx, if it
// has one, in the transaction that audits the object it creates: the act
// and its key commit together or not at all, so a retry after a crash finds
// the key and is answered from the object instead of running again. A key
// another run holds refuses the act (the transaction rolls back).
func claimIdempotency(ctx context.Context, tx liaison.Tx, e *liaison.AuditEvent) error {
	c := liaison.IdempotencyFrom(ctx)
	if c == nil || e.Outcome != liaison.OutcomeSuccess || e.ObjectType != c.ObjectType {
		return nil
	}
	old, err := tx.FindIdempotencyKey(ctx, c.Key)
	switch {
	case liaison.ErrorCode(err) == liaison.ENOTFOUND:
	case err != nil:
		return err
	case old.Run == c.Run:
		return nil // this run claimed it earlier in the transaction
	default:
		return liaison.Errorf(liaison.ECONFLICT, "a request with this Idempotency-Key is still running; retry in a moment")
	}
	r := *c
	r.ObjectID = e.ObjectID
	if r.ObjectID == "" {
		r.ObjectID, _, _ = strings.Cut(e.Details[liaison.AuditObjectsDetail], " ")
	}
	return tx.ClaimIdempotencyKey(ctx, &r)
}

// requireAdmin fails unless the actor may administer the directory.
func requireAdmin(ctx context.Context) error {
	a := liaison.ActorFrom(ctx)
	if a.User == nil && a.System == "" {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.IsAdmin() {
		return liaison.Errorf(liaison.EFORBIDDEN, "only administrators may change the partnership directory")
	}
	return nil
}

// requireUser fails unless someone is signed in (or the system acts).
func requireUser(ctx context.Context) error {
	a := liaison.ActorFrom(ctx)
	if a.User == nil && a.System == "" {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	return nil
}

// denied records a refused act in its own transaction and returns err.
func (s *Service) denied(ctx context.Context, action, objectType, objectID string, err error) error {
	e := liaison.NewAuditEvent(ctx, s.now(), action, objectType, objectID)
	e.Outcome, e.Decision = liaison.OutcomeDenied, "deny: "+liaison.ErrorMessage(err)
	if e.Reason == "" {
		e.Reason = liaison.ErrorMessage(err)
	}
	if werr := s.Store.Update(ctx, func(tx liaison.Tx) error { return s.audit(ctx, tx, e) }); werr != nil {
		return werr
	}
	return err
}

// authority says on what the actor acted, for the audit entry's decision.
// The policy decision point (issue 4) will give finer reasons.
func authority(a liaison.Actor) string {
	switch {
	case a.User == nil && a.System != "":
		return "system " + a.System
	case a.User == nil:
		return "anonymous"
	}
	roles := make([]string, len(a.User.Roles))
	for i, r := range a.User.Roles {
		roles[i] = string(r)
	}
	via := "session"
	if a.Token != nil {
		via = "token " + a.Token.Prefix
	}
	return "user with roles [" + strings.Join(roles, ",") + "] via " + via
}
