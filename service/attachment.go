package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"slices"
	"strings"

	"liaison"
	"liaison/policy"
)

// MaxAttachment is the largest file a report may carry.
const MaxAttachment = 10 << 20

// AttachmentTypes are the file types reports accept, by their content
// (sniffed, never trusted from the client).
var AttachmentTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain", "video/mp4"}

// Attach adds a file to a report of the caller's own agency, for those
// who file reports (officers, supervisors, analysts, partner liaisons;
// EFORBIDDEN, audited, for anyone else). EINVALID (file) for a
// disallowed type, ENOTFOUND for a report the caller may not change.
func (s *Service) Attach(ctx context.Context, sarID liaison.ID, name string, data []byte) (*liaison.Attachment, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	u := a.User
	if !u.Has(liaison.RoleOfficer) && !u.Has(liaison.RoleSupervisor) && !u.Has(liaison.RoleAnalyst) && !u.Has(liaison.RolePartnerLiaison) {
		return nil, s.denied(ctx, "sar.attach", "sar", sarID,
			liaison.Errorf(liaison.EFORBIDDEN, "officers, supervisors, analysts and partner liaisons attach files to their agency's reports"))
	}
	if len(data) == 0 {
		return nil, liaison.FieldErrorf("file", "is empty")
	}
	if len(data) > MaxAttachment {
		return nil, liaison.FieldErrorf("file", "is larger than %d MiB", MaxAttachment>>20)
	}
	ctype := http.DetectContentType(data)
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	if !slices.Contains(AttachmentTypes, ctype) {
		return nil, liaison.FieldErrorf("file", "is %s; reports accept %s", ctype, strings.Join(AttachmentTypes, ", "))
	}
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "." || name == "/" || len(name) > 200 {
		name = "attachment"
	}
	sum := sha256.Sum256(data)
	att := &liaison.Attachment{Hash: hex.EncodeToString(sum[:]), Name: name, ContentType: ctype, Size: int64(len(data)), Added: s.now(),
		AddedBy: a.User.ID}
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		r, err := findSAR(ctx, tx, sarID)
		if err != nil {
			return err
		}
		if r == nil || r.AgencyID != a.User.AgencyID || r.State == liaison.SARWithdrawn || r.State == liaison.SARRejected {
			return s.hide(ctx, tx, &hidden, "sar.attach", "sar", sarID, errNoReport())
		}
		if err := tx.AttachToSAR(ctx, sarID, att, data); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, att.Added, "sar.attach", "sar", sarID)
		e.Details = map[string]string{"sha256": att.Hash, "content_type": ctype, "size": itoa(len(data))}
		return s.audit(ctx, tx, e)
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return att, nil
}

// ReadAttachment returns a report's file to those who may see the report
// in full: its agency and vetting chain, or a partner whose decision
// releases it without redaction (the same decision as SARAttachments). A
// reader of a redacted copy gets ENOTFOUND. Audited, refusals too.
func (s *Service) ReadAttachment(ctx context.Context, sarID liaison.ID, hash string, purpose liaison.Purpose) (*liaison.Attachment, []byte, error) {
	if _, err := s.GetSAR(ctx, sarID, purpose); err != nil {
		return nil, nil, err
	}
	purpose, _ = purposeOf(ctx, purpose) // GetSAR checked it
	a := liaison.ActorFrom(ctx)
	var att *liaison.Attachment
	var data []byte
	refused := false
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		r, err := tx.FindSAR(ctx, sarID)
		if err != nil {
			return err
		}
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, s.now(), "sar.attachment.read", "sar", sarID)
		d := s.decideSARView(sub, a.User, r, purpose)
		e.Decision = d.text
		if !d.allow || d.plan != policy.Full {
			// A redacted copy: the files may hold personal data.
			refused, e.Outcome = true, liaison.OutcomeDenied
			return s.audit(ctx, tx, e)
		}
		if att, data, err = tx.ReadSARAttachment(ctx, sarID, strings.ToLower(hash)); isMissing(err) {
			// A file the report does not have answers as one withheld.
			refused, e.Outcome = true, liaison.OutcomeDenied
			return s.audit(ctx, tx, e)
		} else if err != nil {
			return err
		}
		e.Details = map[string]string{"sha256": att.Hash}
		return s.audit(ctx, tx, e)
	})
	if err == nil && refused {
		err = errNoAttachment()
	}
	if err != nil {
		return nil, nil, err
	}
	return att, data, nil
}

// SARAttachments lists a report's files, oldest first, to those who see
// the report in full (its agency and vetting chain, or a reader of the
// shared ISE-SAR whose decision releases it without redaction): the files
// may hold personal data. A reader of a redacted copy gets EFORBIDDEN, a
// report the caller may not read ENOTFOUND. Audited (sar.attachments); no
// ledger row, as the list releases nothing the report's own read has not.
func (s *Service) SARAttachments(ctx context.Context, sarID liaison.ID, purpose liaison.Purpose) ([]*liaison.Attachment, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, err
	}
	var out []*liaison.Attachment
	var refused error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		// The reader's facts are gathered for a missing report too: both
		// answers do the same work.
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		r, err := findSAR(ctx, tx, sarID)
		if err != nil {
			return err
		}
		if r == nil {
			return s.hide(ctx, tx, &refused, "sar.attachments", "sar", sarID, errNoReport())
		}
		e := liaison.NewAuditEvent(ctx, s.now(), "sar.attachments", "sar", sarID)
		d := s.decideSARView(sub, a.User, r, purpose)
		e.Decision = d.text
		switch {
		case !d.allow:
			refused = errNoReport()
		case d.plan != policy.Full:
			refused = liaison.Errorf(liaison.EFORBIDDEN, "a report's files go only to those who may read it in full; ask its originator")
		}
		if refused != nil {
			e.Outcome = liaison.OutcomeDenied
			return s.audit(ctx, tx, e)
		}
		if out, err = tx.ListSARAttachments(ctx, sarID); err != nil {
			return err
		}
		e.Details = map[string]string{"listed": itoa(len(out))}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	if out == nil {
		out = []*liaison.Attachment{}
	}
	return out, nil
}
