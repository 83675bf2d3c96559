package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
)

// The privacy officer's web pages need a little more than the API gives:
// an explanation of a decision with the facts behind it, the queue of
// records past retention and the purges of the officer's own agency.

// AccessExplanation is ExplainAccess spelled out for a privacy officer:
// the decision, each rule that decided with its plain-language reason,
// the agreements and grants the decision looked at, and what a release
// would hide. It carries the record's labels, never its content.
type AccessExplanation struct {
	Decision     policy.Decision
	User         *liaison.User
	Purpose      liaison.Purpose
	Record       ExplainedRecord
	Rules        []ExplainedRule
	Agreements   []ExplainedAgreement // the user's agency's agreements in force
	Grants       []policy.Grant       // the user's unexpired grants for this record
	SameAgency   bool                 // the user works for the originator
	CaseAssigned bool                 // the user is assigned to the record's case
	Named        bool                 // the user is a named recipient (TLP:RED)
	Redacted     []string             // what a release would hide, in words
	RedactionWhy string               // why the release has that form
	Communities  map[liaison.ID]string
}

// ExplainedRecord is what an explanation shows of the record: labels, and
// its title only to the originating agency's privacy officers.
type ExplainedRecord struct {
	ID          liaison.ID
	Title       string // "" unless the officer's agency wrote it
	Originator  liaison.ID
	TLP         liaison.TLP
	Handling    liaison.Handling
	SharedWith  []liaison.ID
	RetainUntil time.Time
	Purged      bool
}

// ExplainedRule is one rule that decided.
type ExplainedRule struct {
	ID, Effect, Reason string // Effect: permit or forbid
}

// ExplainedAgreement is one agreement of the user's agency and whether it
// covers this read.
type ExplainedAgreement struct {
	Agreement *liaison.Agreement
	Applies   bool
	Why       string
}

// ExplainAccessDetail answers as ExplainAccess does (privacy officers only;
// EINVALID naming "as" or "purpose", ENOTFOUND for the record; audited as
// intel.explain) and adds the facts behind the decision.
func (s *Service) ExplainAccessDetail(ctx context.Context, id liaison.ID, asUser string, purpose liaison.Purpose) (*AccessExplanation, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.User.Has(liaison.RolePrivacyOfficer) {
		return nil, s.denied(ctx, "intel.explain", "intel", id, liaison.Errorf(liaison.EFORBIDDEN, "only privacy officers explain access"))
	}
	if purpose != "" && !slices.Contains(liaison.Purposes, purpose) {
		return nil, liaison.FieldErrorf("purpose", "must be one of the purposes agreements name")
	}
	var x *AccessExplanation
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		r, err := findRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if r == nil || r.Originator != a.User.AgencyID {
			// A privacy officer explains its own agency's records; another
			// agency's record is answered, and audited, as a missing one.
			return s.hide(ctx, tx, &hidden, "intel.explain", "intel", id, errNoRecord())
		}
		u, err := findUser(ctx, tx, asUser)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return liaison.FieldErrorf("as", "no such user")
		} else if err != nil {
			return err
		}
		sub, err := s.subject(ctx, tx, u)
		if err != nil {
			return err
		}
		now := s.now()
		dec := s.Policy.Decide(policy.Request{Subject: sub, Action: policy.View, Resource: resourceOf(r), Purpose: purpose, Now: now})
		comms, err := tx.ListCommunities(ctx, liaison.CommunityFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		if err != nil {
			return err
		}
		x = explain(dec, sub, r, purpose, now)
		x.Communities = map[liaison.ID]string{}
		for _, c := range comms {
			x.Communities[c.ID] = c.Name
		}
		x.User = u
		// The title is the privacy officer's to read only where they may
		// read the record (a TLP:RED record that does not name them: not).
		me, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		if s.Policy.Decide(policy.Request{Subject: me, Action: policy.Review, Resource: resourceOf(r), Now: now}).Allow {
			x.Record.Title = r.Title
		}
		e := liaison.NewAuditEvent(ctx, now, "intel.explain", "intel", id)
		e.Details = map[string]string{"as_user_id": u.ID, "decision": decisionText(dec)}
		return s.audit(ctx, tx, e)
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return x, nil
}

// explain gathers the facts behind dec, as the decision point saw them.
func explain(dec policy.Decision, sub *policy.Subject, r *liaison.IntelRecord, purpose liaison.Purpose, now time.Time) *AccessExplanation {
	u := sub.User
	x := &AccessExplanation{Decision: dec, Purpose: purpose,
		Record: ExplainedRecord{ID: r.ID, Originator: r.Originator, TLP: r.TLP, Handling: r.Handling,
			SharedWith: slices.Clone(r.SharedWith), RetainUntil: r.RetainUntil, Purged: r.Purged},
		SameAgency:   u.AgencyID == r.Originator,
		CaseAssigned: r.CaseID != "" && slices.Contains(sub.Cases, r.CaseID),
		Named:        slices.Contains(r.Recipients, u.ID)}
	// The decision quotes each rule's reason, joined in the order of its
	// rule ids; pair them when they split cleanly.
	effect := "permit"
	if !dec.Allow {
		effect = "forbid"
	}
	_, why, _ := strings.Cut(dec.Reason, ": ")
	reasons := strings.Split(why, "; ")
	for i, id := range dec.Policies {
		rule := ExplainedRule{ID: id, Effect: effect}
		if len(reasons) == len(dec.Policies) {
			rule.Reason = reasons[i]
		}
		x.Rules = append(x.Rules, rule)
	}
	if len(x.Rules) > 0 && len(reasons) != len(dec.Policies) {
		x.Rules[0].Reason = why
	}
	var agreementPII, grantPII bool
	for _, ag := range sub.Agreements {
		if !ag.Active(now) || ag.AgencyID != u.AgencyID {
			continue
		}
		ea := ExplainedAgreement{Agreement: ag}
		switch {
		case !slices.Contains(r.SharedWith, ag.CommunityID):
			ea.Why = "the record is not shared to this agreement's community"
		case !slices.Contains(sub.Communities, ag.CommunityID):
			ea.Why = "the user's agency is no longer a member of the community"
		case !slices.Contains(ag.RecordKinds, liaison.KindIntelligence):
			ea.Why = "the agreement does not cover intelligence records"
		case purpose != "" && !slices.Contains(ag.Purposes, purpose):
			ea.Why = "the agreement does not allow the purpose " + string(purpose)
		default:
			ea.Applies = true
			ea.Why = "covers this record's community, its kind and the purpose"
			if ag.PIIAllowed {
				ea.Why += "; allows personal data"
				agreementPII = true
			}
		}
		x.Agreements = append(x.Agreements, ea)
	}
	for _, g := range sub.Grants {
		if g.ItemID == r.ID && now.Before(g.Expires) {
			x.Grants = append(x.Grants, g)
			if g.Purpose == purpose && g.PII {
				grantPII = true
			}
		}
	}
	if !dec.Allow {
		x.RedactionWhy = "Nothing is released: the record is answered as if it did not exist."
		return x
	}
	switch {
	case dec.Redaction == policy.Assessment:
		x.RedactionWhy = "Only an assessment is released under the imminent-danger exception."
	case x.SameAgency:
		x.RedactionWhy = "Released in full: the user works for the originating agency."
	case sub.AgencyKind == liaison.AgencyPrivate:
		x.RedactionWhy = "Personal data is removed: private-sector partners always receive the redacted form."
	case grantPII:
		x.RedactionWhy = "Released in full: the originator's grant for this purpose allows personal data."
	case agreementPII:
		x.RedactionWhy = "Released in full: an agreement that covers this read allows personal data."
	default:
		x.RedactionWhy = "Personal data is removed: no agreement or grant that covers this read allows personal data."
	}
	x.Redacted = redactedFields(r, dec.Redaction)
	return x
}

// redactedFields says what a release in the given form would hide: the
// names of masked attributes and which texts were sanitised, never values.
func redactedFields(r *liaison.IntelRecord, plan policy.Redaction) []string {
	if plan == policy.Full {
		return nil
	}
	out := policy.Redact(r, plan)
	var fields []string
	if plan == policy.Assessment {
		if len(r.Subjects) > 0 {
			fields = append(fields, "every subject and link (an assessment names no one)")
		}
	} else {
		for i, e := range r.Subjects {
			var masked []string
			for k, v := range out.Subjects[i].Attributes {
				if v == policy.Masked && e.Attributes[k] != policy.Masked {
					masked = append(masked, k)
				}
			}
			if len(masked) > 0 {
				slices.Sort(masked)
				fields = append(fields, "subject "+itoa(i+1)+" ("+string(e.Kind)+"): "+strings.Join(masked, ", "))
			}
		}
	}
	for _, t := range []struct{ name, before, after string }{
		{"narrative", r.Narrative, out.Narrative}, {"criminal predicate", r.Predicate, out.Predicate},
		{"First Amendment tie", r.FirstAmendmentTie, out.FirstAmendmentTie},
	} {
		if t.before != t.after {
			fields = append(fields, t.name+": identifiers in the text are masked")
		}
	}
	return fields
}

// requireReviewer returns the caller when they may review their
// agency's records (privacy officers and trained analysts); refusals are audited.
func (s *Service) requireReviewer(ctx context.Context, action string) (*liaison.User, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !mayReview(a.User, a.User.AgencyID) {
		return nil, s.denied(ctx, action, "intel", "", liaison.Errorf(liaison.EFORBIDDEN, "only privacy officers and trained analysts review records"))
	}
	return a.User, nil
}

// PastRetention lists the caller's agency's records whose retention has
// ended without a review: what PurgeExpired would purge of them (a dry
// run). Reviewers only; audited.
func (s *Service) PastRetention(ctx context.Context) ([]*ReleasedRecord, error) {
	u, err := s.requireReviewer(ctx, "intel.retention.dryrun")
	if err != nil {
		return nil, err
	}
	return s.reviewQueue(ctx, u, s.now(), "intel.retention.dryrun")
}

// RetentionPurge is what a purge of records past retention did.
type RetentionPurge struct {
	Purged  []liaison.ID
	Skipped []liaison.ID // reviewed, purged or not past retention any more
}

// RetentionReason is the purge reason for a record whose deadline passed.
const RetentionReason = "retention deadline passed without review (28 CFR 23.20(h))"

// PurgePastRetention purges the listed records of the caller's agency
// that are still past retention (the ones a dry run showed), each as
// PurgeIntelRecord does. Records reviewed or purged since are skipped.
func (s *Service) PurgePastRetention(ctx context.Context, ids []liaison.ID) (*RetentionPurge, error) {
	u, err := s.requireReviewer(ctx, "intel.purge")
	if err != nil {
		return nil, err
	}
	res := &RetentionPurge{Purged: []liaison.ID{}, Skipped: []liaison.ID{}}
	for _, id := range uniqueIDs(slices.Clone(ids)) {
		var r *liaison.IntelRecord
		err := s.Store.View(ctx, func(tx liaison.Tx) error {
			if !liaison.ValidID(id) {
				return nil
			}
			var err error
			r, err = tx.FindIntelRecord(ctx, id)
			if liaison.ErrorCode(err) == liaison.ENOTFOUND {
				return nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if r == nil || r.Purged || r.Originator != u.AgencyID || !r.RetainUntil.Before(s.now()) {
			res.Skipped = append(res.Skipped, id)
			continue
		}
		if err := s.PurgeIntelRecord(ctx, id, RetentionReason); err != nil {
			if liaison.ErrorCode(err) == liaison.ENOTFOUND {
				res.Skipped = append(res.Skipped, id)
				continue
			}
			return nil, err
		}
		res.Purged = append(res.Purged, id)
	}
	return res, nil
}

// Purge is one purge of a record of the caller's agency: its tombstone
// and who purged it, when and why.
type Purge struct {
	Tombstone *liaison.IntelRecord
	At        time.Time
	By        string // the actor: a user's login or system name
	UserID    liaison.ID
	Reason    string
}

// RecentPurges lists the purges of the caller's agency's records since
// the given time, newest first, at most limit. Reviewers (privacy officers
// and trained analysts, who may purge) only; audited.
func (s *Service) RecentPurges(ctx context.Context, since time.Time, limit int) ([]*Purge, error) {
	u, err := s.requireReviewer(ctx, "intel.purge.list")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > liaison.MaxPageSize {
		limit = liaison.DefaultPageSize
	}
	if err := s.sequence(ctx); err != nil {
		return nil, err
	}
	var out []*Purge
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		p := liaison.Page{Limit: liaison.MaxPageSize}
		for range 20 { // at most 20 pages of purges are looked at
			evs, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Action: "intel.purge", Since: since, Outcome: liaison.OutcomeSuccess}, p)
			if err != nil {
				return err
			}
			for _, e := range evs {
				r, err := tx.FindIntelRecord(ctx, e.ObjectID)
				if liaison.ErrorCode(err) == liaison.ENOTFOUND {
					continue
				} else if err != nil {
					return err
				}
				if r.Originator == u.AgencyID && r.Purged {
					out = append(out, &Purge{Tombstone: r, At: e.At, By: e.Actor, UserID: e.UserID, Reason: e.Reason})
				}
			}
			if len(evs) < p.Limit {
				break
			}
			p.After = strconv.FormatInt(evs[len(evs)-1].Index, 10)
		}
		e := liaison.NewAuditEvent(ctx, s.now(), "intel.purge.list", "intel", "")
		e.Details = map[string]string{"since": since.UTC().Format(time.RFC3339), "purges": itoa(len(out))}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
