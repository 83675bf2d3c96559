package service

import (
	"context"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
)

// ReviewWindow is how long before its deadline a record enters review.
const ReviewWindow = 30 * 24 * time.Hour

// mayReview reports whether u may review records of agency: its privacy
// officers and its Part 23-trained analysts.
func mayReview(u *liaison.User, agency liaison.ID) bool {
	return u != nil && u.AgencyID == agency && u.Reviewer()
}

// DueForReview lists the caller's agency's records whose retention ends
// within window (default ReviewWindow): the review queue, for its privacy
// officers and Part 23-trained analysts. The queue reads nothing around
// the decision point: every record is released through release for the
// review action, so a TLP:RED record reaches only the reviewers it names,
// as its own page does. Audited, naming every record listed.
func (s *Service) DueForReview(ctx context.Context, window time.Duration) ([]*ReleasedRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !mayReview(a.User, a.User.AgencyID) {
		return nil, s.denied(ctx, "intel.review.queue", "intel", "", liaison.Errorf(liaison.EFORBIDDEN, "only privacy officers and trained analysts review records"))
	}
	if window <= 0 {
		window = ReviewWindow
	}
	return s.reviewQueue(ctx, a.User, s.now().Add(window), "intel.review.queue")
}

// reviewQueue releases to u, for review, its agency's records whose
// retention ends before until.
func (s *Service) reviewQueue(ctx context.Context, u *liaison.User, until time.Time, audit string) ([]*ReleasedRecord, error) {
	out := []*ReleasedRecord{}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, u)
		if err != nil {
			return err
		}
		due, err := tx.ListIntelDue(ctx, until, 10_000)
		if err != nil {
			return err
		}
		var items []liveItem
		for _, r := range due {
			if r.Originator == u.AgencyID {
				items = append(items, liveItem{rec: r})
			}
		}
		rel, err := s.release(ctx, tx, releaseRequest{sub: sub, action: policy.Review, audit: audit, objectType: "intel"}, items)
		for _, r := range rel {
			out = append(out, r.record)
		}
		return err
	})
	return out, err
}

// ReviewIntelRecord validates a record: the reviewer confirms it still
// meets 28 CFR Part 23, which resets its retention (at most five years)
// and records who, when and why. ENOTFOUND, EINVALID (reason, retain_until).
func (s *Service) ReviewIntelRecord(ctx context.Context, id liaison.ID, reason string, retainUntil time.Time) (*ReleasedRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	reason = strings.TrimSpace(reason)
	if len(reason) < 10 {
		return nil, liaison.FieldErrorf("reason", "say why the record still meets the criminal-intelligence standard (at least 10 characters)")
	}
	var r *ReleasedRecord
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		old, err := findRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if old == nil || old.Purged || !mayReview(a.User, old.Originator) {
			return s.hide(ctx, tx, &hidden, "intel.review", "intel", id, errNoRecord())
		}
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		rq := releaseRequest{sub: sub, action: policy.Review, audit: "intel.review.read", objectType: "intel", object: id}
		if !s.decideItem(rq, liveItem{rec: old}).Allow {
			// A reviewer reviews what the review queue shows them: a TLP:RED
			// record that does not name them is not theirs to know of.
			return s.hide(ctx, tx, &hidden, "intel.review", "intel", id, errNoRecord())
		}
		now := s.now()
		next := *old
		next.Version, next.Updated = old.Version+1, now
		next.ReviewedBy, next.ReviewedAt, next.ReviewReason, next.RetainUntil = a.User.ID, &now, reason, retainUntil.UTC()
		if err := next.Validate(now); err != nil {
			return err
		}
		if err := tx.UpdateIntelRecord(ctx, &next); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "intel.review", "intel", id)
		e.Reason = reason
		e.Details = map[string]string{"retain_until": next.RetainUntil.Format(time.RFC3339)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		// The reviewed record is answered as the queue releases it.
		rel, err := s.release(ctx, tx, rq, []liveItem{{rec: &next}})
		if err == nil && len(rel) == 1 {
			r = rel[0].record
		}
		return err
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// PurgeIntelRecord removes a record's content, keeping a tombstone and the
// audit trail, and tells every earlier recipient. The originating agency's
// reviewers may purge; the system purges records past their deadline.
func (s *Service) PurgeIntelRecord(ctx context.Context, id liaison.ID, reason string) error {
	_, err := s.purgeRecord(ctx, id, reason, false)
	return err
}

// purgeRecord purges as PurgeIntelRecord does; with pastRetention, only a
// record whose retention deadline has passed, checked in the purging
// transaction (a record reviewed since it was listed is kept). It reports
// whether it purged.
func (s *Service) purgeRecord(ctx context.Context, id liaison.ID, reason string, pastRetention bool) (bool, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil && a.System == "" {
		return false, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	reason = strings.TrimSpace(reason)
	if len(reason) < 5 {
		return false, liaison.FieldErrorf("reason", "say why the record is purged")
	}
	var hidden error
	purged := false
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		old, err := findRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if old == nil || old.Purged || (a.User != nil && !mayReview(a.User, old.Originator)) {
			return s.hide(ctx, tx, &hidden, "intel.purge", "intel", id, errNoRecord())
		}
		now := s.now()
		if pastRetention && old.RetainUntil.After(now) {
			return nil // reviewed since it was listed
		}
		if err := tx.PurgeIntelRecord(ctx, old.Tombstone(now, reason)); err != nil {
			return err
		}
		purged = true
		e := liaison.NewAuditEvent(ctx, now, "intel.purge", "intel", id)
		e.Reason = reason
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		return s.notifyRecipients(ctx, tx, id, "intel.purge.notify", now, map[string]string{"reason": reason})
	})
	if err == nil {
		err = hidden
	}
	return purged && err == nil, err
}

// recipientNotices is what a recipient's inbox says of a change to an item
// it received: never the item's content, which may be gone.
var recipientNotices = map[string]struct{ refKind, title, body string }{
	"intel.correction.notify": {"intel", "A record you received was corrected",
		"Its originator corrected an intelligence record released to you. Read it again before you rely on it or pass it on."},
	"intel.purge.notify": {"intel", "A record you received was purged",
		"Its originator purged an intelligence record released to you. Stop relying on it and remove any copy you kept."},
	"sar.withdraw.notify": {"sar", "A report you received was withdrawn",
		"Its originating agency withdrew a suspicious activity report shared with you. Stop relying on it and remove any copy you kept."},
}

// notifyRecipients records a notice for every earlier recipient of an
// item in the audit log, and delivers it to each one's inbox.
func (s *Service) notifyRecipients(ctx context.Context, tx liaison.Tx, id liaison.ID, action string, now time.Time, details map[string]string) error {
	msg, known := recipientNotices[action]
	objectType := "intel"
	if known {
		objectType = msg.refKind
	}
	told := map[liaison.ID]bool{}
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for {
		// Every recipient is told, however many times they read the item.
		ds, err := tx.ListDisseminations(ctx, liaison.DisseminationFilter{ItemID: id}, p)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if told[d.RecipientUserID] {
				continue
			}
			told[d.RecipientUserID] = true
			n := liaison.NewAuditEvent(ctx, now, action, objectType, id)
			n.Details = map[string]string{"recipient_user_id": d.RecipientUserID, "recipient_agency_id": d.RecipientAgencyID}
			for k, v := range details {
				n.Details[k] = v
			}
			if err := s.audit(ctx, tx, n); err != nil {
				return err
			}
			if !known {
				continue
			}
			body := msg.body
			if r := details["reason"]; r != "" {
				if d.Redacted {
					r = policy.SanitizeText(r, nil) // a recipient without personal-data rights gets no identifier from the reason either
				}
				body += " Reason given: " + r
			}
			m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: d.RecipientUserID, Kind: action, Title: msg.title, Body: body,
				RefKind: msg.refKind, Ref: id, Created: now}
			if err := s.deliverIfUser(ctx, tx, m); err != nil {
				return err
			}
		}
		if len(ds) < p.Limit {
			return nil
		}
		p.After = ds[len(ds)-1].ID
	}
}

// PurgeExpired purges every record whose retention deadline has passed
// without a review. With dryRun it only lists them. It is the retention
// worker's job and the `liaison purge` command.
func (s *Service) PurgeExpired(ctx context.Context, dryRun bool) ([]*liaison.IntelRecord, error) {
	if liaison.ActorFrom(ctx).System == "" {
		// Every agency's records: the retention worker's and the purge
		// command's, never a signed-in user's (reviewers use PastRetention).
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "only the retention worker and the purge command purge every agency's expired records")
	}
	var due []*liaison.IntelRecord
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		due, err = tx.ListIntelDue(ctx, s.now(), 10_000)
		return err
	})
	if err != nil || dryRun {
		return due, err
	}
	var purged []*liaison.IntelRecord
	for _, r := range due {
		done, err := s.purgeRecord(ctx, r.ID, RetentionReason, true)
		if err != nil {
			return nil, err
		}
		if done {
			purged = append(purged, r)
		}
	}
	return purged, nil
}

// RetentionWorker purges expired records at an interval.
type RetentionWorker struct {
	Service  *Service
	Interval time.Duration
	// OnError is told of a failed round (the loop goes on).
	OnError func(error)
}

// Run purges until ctx ends.
func (w *RetentionWorker) Run(ctx context.Context) error {
	ctx = liaison.NewContext(ctx, liaison.Actor{System: "retention"})
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		if _, err := w.Service.PurgeExpired(ctx, false); err != nil && ctx.Err() == nil && w.OnError != nil {
			w.OnError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
