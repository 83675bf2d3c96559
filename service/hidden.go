package service

import (
	"context"

	"liaison"
)

// Hidden is missing. An item the caller may not know of (it exists but is
// hidden from them, or they are not among those who act on it) is answered
// exactly as an id that exists nowhere: one answer per kind of item, the
// same words for both, and the same work, as both are audited as a denied
// attempt in the transaction that looked. Neither the answer nor its time
// tells them apart. A store's own not-found error never reaches the
// caller from these paths: its wording is the store's, not the kind's.

func errNoReport() error        { return liaison.Errorf(liaison.ENOTFOUND, "no such report") }
func errNoAttachment() error    { return liaison.Errorf(liaison.ENOTFOUND, "no such attachment") }
func errNoOperation() error     { return liaison.Errorf(liaison.ENOTFOUND, "no such operation") }
func errNoTarget() error        { return liaison.Errorf(liaison.ENOTFOUND, "no such target") }
func errNoConflict() error      { return liaison.Errorf(liaison.ENOTFOUND, "no such conflict") }
func errNoAccessRequest() error { return liaison.Errorf(liaison.ENOTFOUND, "no such access request") }

// isMissing says whether err is a store's not found.
func isMissing(err error) bool { return liaison.ErrorCode(err) == liaison.ENOTFOUND }

// hide records in tx an attempt on an item that is missing or hidden from
// the caller: one denied audit entry, the same for both, naming the id
// when it is one. It keeps answer (the kind's not-found error) in *out for
// the caller to return once tx has committed, and returns only the audit
// write's error, so that the entry is kept.
func (s *Service) hide(ctx context.Context, tx liaison.Tx, out *error, action, objectType string, id liaison.ID, answer error) error {
	*out = answer
	if !liaison.ValidID(id) {
		id = ""
	}
	e := liaison.NewAuditEvent(ctx, s.now(), action, objectType, id)
	e.Outcome, e.Decision, e.Reason = liaison.OutcomeDenied, "deny: no such item, or not the caller's to know", liaison.ErrorMessage(answer)
	return s.audit(ctx, tx, e)
}

// findConflict loads a conflict; nil, with no error, for an id that is
// not one or that no conflict has.
func findConflict(ctx context.Context, tx liaison.Tx, id liaison.ID) (*liaison.Conflict, error) {
	if !liaison.ValidID(id) {
		return nil, nil
	}
	c, err := tx.FindConflict(ctx, id)
	if isMissing(err) {
		return nil, nil
	}
	return c, err
}

// findRecord loads a record; nil, with no error, for an id that is not
// one or that no record has.
func findRecord(ctx context.Context, tx liaison.Tx, id liaison.ID) (*liaison.IntelRecord, error) {
	if !liaison.ValidID(id) {
		return nil, nil
	}
	r, err := tx.FindIntelRecord(ctx, id)
	if isMissing(err) {
		return nil, nil
	}
	return r, err
}
