package service

import (
	"context"
	"strconv"

	"liaison"
)

// The auditor's web pages need a few things the JSON API does not.

// RequireAuditor fails unless the actor may read the audit log (auditors
// and privacy officers, as QueryAudit); a refusal is audited under action.
// The auditor's pages call it before showing what is otherwise public
// (checkpoints, consistency proofs), so that every page of the area
// answers the same people alike.
func (s *Service) RequireAuditor(ctx context.Context, action string) error {
	return s.requireAuditor(ctx, action)
}

// AuditEntry reads one entry of the audit log by its index, with the size
// of the log. Auditors and privacy officers only; the read is audited.
func (s *Service) AuditEntry(ctx context.Context, index int64) (*liaison.AuditEvent, int64, error) {
	if err := s.requireAuditor(ctx, "audit.read"); err != nil {
		return nil, 0, err
	}
	if index < 0 {
		return nil, 0, liaison.FieldErrorf("index", "must be a whole number, 0 or more")
	}
	if err := s.sequence(ctx); err != nil {
		return nil, 0, err
	}
	var e *liaison.AuditEvent
	var size int64
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if size, err = tx.AuditLogSize(ctx); err != nil {
			return err
		}
		if index >= size {
			return liaison.FieldErrorf("index", "must be below %d: the log has %d entries (0 to %d)", size, size, size-1)
		}
		after := ""
		if index > 0 {
			after = strconv.FormatInt(index-1, 10)
		}
		got, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{After: after, Limit: 1})
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].Index != index {
			return liaison.Errorf(liaison.ENOTFOUND, "audit entry %d is missing from the log: run liaison audit verify", index)
		}
		e = got[0]
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "audit.read", "audit_entry", strconv.FormatInt(index, 10)))
	})
	if err != nil {
		return nil, 0, err
	}
	return e, size, nil
}
