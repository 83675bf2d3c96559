package service

import (
	"context"
	"slices"
	"strings"

	"liaison"
	"liaison/policy"
)

// CreateCase opens a case led by the caller's agency, with the caller
// assigned. EINVALID (assigned[i]) for a user who may not be assigned
// (see checkAssignees).
func (s *Service) CreateCase(ctx context.Context, in liaison.CaseInput) (*liaison.Case, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.User.Has(liaison.RoleAnalyst) && !a.User.Has(liaison.RoleSupervisor) && !a.User.Has(liaison.RoleOfficer) {
		return nil, s.denied(ctx, "case.create", "case", "", liaison.Errorf(liaison.EFORBIDDEN, "only officers, supervisors and analysts open cases"))
	}
	if err := assignedIDs(in.Assigned); err != nil {
		return nil, err
	}
	now := s.now()
	c := &liaison.Case{ID: liaison.NewID(), Title: strings.TrimSpace(in.Title), AgencyID: a.User.AgencyID,
		Assigned: uniqueIDs(append(slices.Clone(in.Assigned), a.User.ID)), Created: now, Updated: now}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := checkAssignees(ctx, tx, c.AgencyID, in.Assigned, []liaison.ID{a.User.ID}); err != nil {
			return err
		}
		if err := tx.CreateCase(ctx, c); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "case.create", "case", c.ID)
		e.Details = map[string]string{"assigned": strings.Join(c.Assigned, ",")}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func uniqueIDs(ids []liaison.ID) []liaison.ID {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// AssignCase replaces a case's assignments. The lead agency's supervisors
// and its staff assigned to the case may (liaison.Case.ManagedBy);
// ENOTFOUND, EFORBIDDEN, EINVALID (assigned[i]) for a newly assigned user
// who may not be (see checkAssignees).
func (s *Service) AssignCase(ctx context.Context, id liaison.ID, assigned []liaison.ID) (*liaison.Case, error) {
	return s.changeCase(ctx, id, func([]liaison.ID) ([]liaison.ID, error) { return assigned, nil })
}

// AddToCase assigns one more person to a case, as AssignCase would with
// the current list plus them, in one transaction: two supervisors adding
// people at once both count. EINVALID (user) when already assigned.
func (s *Service) AddToCase(ctx context.Context, id, user liaison.ID) (*liaison.Case, error) {
	return s.changeCase(ctx, id, func(cur []liaison.ID) ([]liaison.ID, error) {
		if slices.Contains(cur, user) {
			return nil, liaison.FieldErrorf("user", "is assigned to this case already")
		}
		return append(slices.Clone(cur), user), nil
	})
}

// RemoveFromCase takes one person off a case in one transaction.
// EINVALID (user) when they are not assigned.
func (s *Service) RemoveFromCase(ctx context.Context, id, user liaison.ID) (*liaison.Case, error) {
	return s.changeCase(ctx, id, func(cur []liaison.ID) ([]liaison.ID, error) {
		if !slices.Contains(cur, user) {
			return nil, liaison.FieldErrorf("user", "must be someone assigned to this case")
		}
		return slices.DeleteFunc(slices.Clone(cur), func(u liaison.ID) bool { return u == user }), nil
	})
}

// changeCase replaces a case's assignments with what change makes of the
// current ones, read in the same transaction.
func (s *Service) changeCase(ctx context.Context, id liaison.ID, change func(cur []liaison.ID) ([]liaison.ID, error)) (*liaison.Case, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var c *liaison.Case
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if c, err = s.visibleCase(ctx, tx, a.User, id); err != nil {
			return err
		}
		if c == nil {
			return s.hide(ctx, tx, &hidden, "case.assign", "case", id, errNoCase())
		}
		if !c.ManagedBy(a.User) {
			return liaison.Errorf(liaison.EFORBIDDEN, "only the lead agency's supervisors and assigned staff change a case's assignments")
		}
		assigned, err := change(c.Assigned)
		if err != nil {
			return err
		}
		if err := checkAssignees(ctx, tx, c.AgencyID, assigned, c.Assigned); err != nil {
			return err
		}
		before := strings.Join(c.Assigned, ",")
		c.Assigned, c.Updated = uniqueIDs(slices.Clone(assigned)), s.now()
		if err := c.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, c.Updated, "case.assign", "case", c.ID)
		e.Details = map[string]string{"assigned": before + " -> " + strings.Join(c.Assigned, ",")}
		return s.audit(ctx, tx, e)
	})
	if liaison.ErrorCode(err) == liaison.EFORBIDDEN {
		return nil, s.denied(ctx, "case.assign", "case", id, err)
	}
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CreateIntelRecord writes a criminal intelligence record for the caller's
// agency. The writer must be trained in 28 CFR Part 23; the record must
// carry a predicate and an attestation (liaison.IntelRecord.Validate).
func (s *Service) CreateIntelRecord(ctx context.Context, in liaison.IntelInput) (*liaison.IntelRecord, error) {
	r, err := s.newIntelRecord(ctx, in)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error { return s.insertIntelRecord(ctx, tx, r) })
	if err != nil {
		return nil, err
	}
	return r, nil
}

// newIntelRecord checks that the caller may write criminal intelligence
// and builds and validates the record, writing nothing (but the audit
// entry of a refusal).
func (s *Service) newIntelRecord(ctx context.Context, in liaison.IntelInput) (*liaison.IntelRecord, error) {
	if err := s.mayWriteIntel(ctx); err != nil {
		return nil, err
	}
	a := liaison.ActorFrom(ctx)
	now := s.now()
	if in.Grading3x5x2 != nil {
		g, err := liaison.GradingFrom3x5x2(in.Grading3x5x2.Source, in.Grading3x5x2.Intelligence)
		if err != nil {
			return nil, &liaison.Error{Code: liaison.EINVALID, Message: "grading_3x5x2: " + liaison.ErrorMessage(err),
				Fields: prefixFields("grading_3x5x2.", liaison.ErrorFields(err))}
		}
		in.Grading = g
	}
	r := intelFrom(in, liaison.NewID(), 1)
	r.Originator, r.ControlOfficial, r.Created, r.Updated = a.User.AgencyID, a.User.ID, now, now
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	return r, nil
}

// mayWriteIntel refuses, audited, a caller who may not write criminal
// intelligence: it is written by analysts and officers trained in Part 23.
// The refusal is written in a transaction of its own: call it outside one.
func (s *Service) mayWriteIntel(ctx context.Context) error {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.User.Attributes.Part23Trained || !(a.User.Has(liaison.RoleAnalyst) || a.User.Has(liaison.RoleOfficer)) {
		return s.denied(ctx, "intel.create", "intel", "",
			liaison.Errorf(liaison.EFORBIDDEN, "criminal intelligence is written by analysts and officers trained in 28 CFR Part 23"))
	}
	return nil
}

// insertIntelRecord writes a built record and its audit entry in tx.
func (s *Service) insertIntelRecord(ctx context.Context, tx liaison.Tx, r *liaison.IntelRecord) error {
	if err := tx.CreateIntelRecord(ctx, r); err != nil {
		return err
	}
	e := liaison.NewAuditEvent(ctx, r.Created, "intel.create", "intel", r.ID)
	e.Details = map[string]string{"tlp": string(r.TLP), "handling": string(r.Handling), "case_id": r.CaseID}
	if len(r.SourceSARs) > 0 {
		e.Details["source_sars"] = strings.Join(r.SourceSARs, ",")
	}
	return s.audit(ctx, tx, e)
}

func intelFrom(in liaison.IntelInput, id liaison.ID, version int) *liaison.IntelRecord {
	r := &liaison.IntelRecord{ID: id, Version: version, Title: strings.TrimSpace(in.Title), Narrative: in.Narrative,
		Subjects: in.Subjects, Links: in.Links, Predicate: strings.TrimSpace(in.Predicate), LawfulCollection: in.LawfulCollection,
		FirstAmendmentTie: strings.TrimSpace(in.FirstAmendmentTie), Grading: in.Grading, TLP: in.TLP, Handling: in.Handling,
		Restriction: in.Restriction, Sensitivity: in.Sensitivity, CaseID: in.CaseID, Recipients: uniqueIDs(slices.Clone(in.Recipients)),
		SharedWith: uniqueIDs(slices.Clone(in.SharedWith)), RetainUntil: in.RetainUntil.UTC(), NoPointer: in.NoPointer}
	if t, ok := liaison.ParseTLP(string(r.TLP)); ok {
		r.TLP = t
	}
	if r.Subjects == nil {
		r.Subjects = []liaison.Entity{}
	}
	for i := range r.Subjects {
		if r.Subjects[i].ID == "" {
			r.Subjects[i].ID = liaison.NewID()
		}
	}
	if r.Links == nil {
		r.Links = []liaison.Link{}
	}
	return r
}

// CorrectIntelRecord stores a corrected version. Only the originating
// agency corrects; the correction names the version it corrects, and every
// earlier recipient is told (an audit entry per recipient agency, for the
// notification channels to deliver). ENOTFOUND, ECONFLICT (version).
func (s *Service) CorrectIntelRecord(ctx context.Context, id liaison.ID, in liaison.IntelInput) (*liaison.IntelRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var r *liaison.IntelRecord
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		old, err := findRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		// Not the caller's to correct (another agency's, even one it
		// reads; purged) answers as a missing record.
		if old == nil || old.Originator != a.User.AgencyID || !a.User.Attributes.Part23Trained || old.Purged {
			return s.hide(ctx, tx, &hidden, "intel.correct", "intel", id, errNoRecord())
		}
		if in.Version != old.Version {
			return &liaison.Error{Code: liaison.ECONFLICT, Message: "the record changed since you read it; reload and correct the latest version",
				Fields: []liaison.FieldError{{Field: "version", Message: "is not the latest version"}}}
		}
		now := s.now()
		r = intelFrom(in, id, old.Version+1)
		r.Originator, r.ControlOfficial, r.Created, r.Updated = old.Originator, old.ControlOfficial, old.Created, now
		r.ReviewedBy, r.ReviewedAt, r.ReviewReason = old.ReviewedBy, old.ReviewedAt, old.ReviewReason
		// Only a review extends retention: correcting identifiers is no review.
		if r.RetainUntil.After(old.RetainUntil) {
			return liaison.FieldErrorf("retain_until", "a correction cannot extend retention; review the record to validate it")
		}
		if err := r.Validate(now); err != nil {
			return err
		}
		r.SourceSARs = old.SourceSARs
		if err := derivedNoWider(ctx, tx, r); err != nil {
			return err
		}
		if err := tx.UpdateIntelRecord(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "intel.correct", "intel", r.ID)
		e.Details = map[string]string{"version": itoa(r.Version)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		return s.notifyRecipients(ctx, tx, id, "intel.correction.notify", now, map[string]string{"version": itoa(r.Version)})
	})
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// subject gathers what the decision point needs to know about the caller.
func (s *Service) subject(ctx context.Context, tx liaison.Tx, u *liaison.User) (*policy.Subject, error) {
	ag, err := tx.FindAgencyByID(ctx, u.AgencyID)
	if err != nil {
		return nil, err
	}
	comms, err := tx.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: u.AgencyID}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	agreements, err := tx.ListAgreements(ctx, liaison.AgreementFilter{AgencyID: u.AgencyID, ActiveAt: s.now()}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	cases, err := tx.ListUserCases(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	grants, err := tx.ListGrants(ctx, liaison.GrantFilter{UserID: u.ID, ActiveAt: s.now()}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	sub := &policy.Subject{User: u, AgencyKind: ag.Kind, Agreements: agreements, Cases: cases}
	for _, g := range grants {
		sub.Grants = append(sub.Grants, policy.Grant{ItemID: g.ItemID, Purpose: g.Purpose, PII: g.PII, Expires: g.Expires})
	}
	for _, c := range comms {
		sub.Communities = append(sub.Communities, c.ID)
	}
	sub.Peers = peersOf(u.AgencyID, comms)
	return sub, nil
}

func resourceOf(r *liaison.IntelRecord) *policy.Resource {
	return &policy.Resource{ID: r.ID, Kind: liaison.KindIntelligence, Originator: r.Originator, TLP: r.TLP,
		Handling: r.Handling, Recipients: r.Recipients, SharedWith: r.SharedWith, CaseID: r.CaseID}
}

// errNoRecord is the one answer for a record that does not exist and for
// one the caller may not see: probing ids learns nothing.
func errNoRecord() error { return liaison.Errorf(liaison.ENOTFOUND, "no such record") }

func purposeOf(ctx context.Context, declared liaison.Purpose) (liaison.Purpose, error) {
	if declared == "" {
		if p := liaison.Purpose(liaison.ActorFrom(ctx).Purpose); slices.Contains(liaison.Purposes, p) {
			return p, nil
		}
		return "", nil
	}
	if !slices.Contains(liaison.Purposes, declared) {
		return "", liaison.FieldErrorf("purpose", "must be one of the purposes agreements name (counterterrorism, criminal_investigation, ...)")
	}
	return declared, nil
}

// GetIntelRecord reads one record through the decision point: the answer
// is redacted as the decision plans, released through the ledger, and
// audited with the decision. A record the caller may not see is answered
// exactly as a missing one.
func (s *Service) GetIntelRecord(ctx context.Context, id liaison.ID, purpose liaison.Purpose) (*ReleasedRecord, *policy.Decision, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, nil, err
	}
	var out *released
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		out, _, err = s.readRecord(ctx, tx, id, recordRead{action: policy.View, audit: "intel.read", purpose: purpose})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		return nil, nil, errNoRecord()
	}
	return out.record, &out.dec, nil
}

// recordRead is one read of one record through the decision point.
type recordRead struct {
	action    policy.Action
	audit     string // audit action, e.g. intel.read
	purpose   liaison.Purpose
	emergency bool
	atMost    policy.Redaction
	reason    string            // recorded in the audit entry
	details   map[string]string // recorded in the audit entry
	versions  bool              // release every version too
}

// readRecord releases one record to the caller inside tx: the live record
// is decided, redacted, ledgered and audited by release, which audits a
// missing record exactly as a refused one. A missing or refused record
// returns nil with no error: the caller answers both alike. live is the
// stored record, for the caller's own further use inside the service.
func (s *Service) readRecord(ctx context.Context, tx liaison.Tx, id liaison.ID, rd recordRead) (out *released, live *liaison.IntelRecord, err error) {
	u := liaison.ActorFrom(ctx).User
	sub, err := s.subject(ctx, tx, u)
	if err != nil {
		return nil, nil, err
	}
	rq := releaseRequest{sub: sub, action: rd.action, purpose: rd.purpose, emergency: rd.emergency, atMost: rd.atMost,
		audit: rd.audit, objectType: "intel", reason: rd.reason, details: rd.details, one: true}
	var items []liveItem
	if liaison.ValidID(id) {
		rq.object = id
		r, err := tx.FindIntelRecord(ctx, id)
		switch {
		case err == nil:
			items, live = []liveItem{{rec: r}}, r
		case liaison.ErrorCode(err) != liaison.ENOTFOUND:
			return nil, nil, err
		}
	}
	if rd.versions && live != nil {
		// The latest labels decide: a version is never wider than its record.
		if rq.versions, err = tx.ListIntelVersions(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	rel, err := s.release(ctx, tx, rq, items)
	if err != nil || len(rel) == 0 {
		return nil, nil, err
	}
	return &rel[0], live, nil
}

func decisionText(d policy.Decision) string {
	verdict := "deny"
	if d.Allow {
		verdict = "permit (" + string(d.Redaction) + ")"
	}
	return verdict + ": " + strings.Join(d.Policies, ",")
}

// ListIntelRecords lists the records the caller may see: a SQL prefilter
// built from the same facts narrows the candidates, and every candidate is
// still decided one by one; what is released is redacted and ledgered.
func (s *Service) ListIntelRecords(ctx context.Context, caseID liaison.ID, purpose liaison.Purpose, p liaison.Page) ([]*ReleasedRecord, string, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, "", liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, "", err
	}
	if caseID != "" && !liaison.ValidID(caseID) {
		return nil, "", liaison.FieldErrorf("case_id", "must be a case id")
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	p = p.Clamp()
	var out []*ReleasedRecord
	var last liaison.ID
	var full bool
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		vis := &liaison.Visibility{Agency: a.User.AgencyID, Communities: sub.Communities, UserID: a.User.ID}
		for _, g := range sub.Grants {
			vis.Granted = append(vis.Granted, g.ItemID) // the prefilter may not hide what a grant lets the reader see
		}
		cands, err := tx.ListIntelRecords(ctx, liaison.IntelFilter{CaseID: caseID, Visible: vis}, p)
		if err != nil {
			return err
		}
		full = len(cands) == p.Limit
		items := make([]liveItem, len(cands))
		for i, r := range cands {
			items[i], last = liveItem{rec: r}, r.ID
		}
		rel, err := s.release(ctx, tx, releaseRequest{sub: sub, action: policy.List, purpose: purpose, audit: "intel.list",
			objectType: "intel", details: map[string]string{"case_id": caseID}}, items)
		for _, r := range rel {
			out = append(out, r.record)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if full {
		next = last
	}
	if out == nil {
		out = []*ReleasedRecord{}
	}
	return out, next, nil
}

// ExplainAccess tells a privacy officer whether a user may read a record,
// which rules decided and why: ExplainAccessDetail's decision. Audited.
func (s *Service) ExplainAccess(ctx context.Context, id liaison.ID, asUser string, purpose liaison.Purpose) (*policy.Decision, error) {
	x, err := s.ExplainAccessDetail(ctx, id, asUser, purpose)
	if err != nil {
		return nil, err
	}
	return &x.Decision, nil
}

// IntelHistory returns every version of a record the caller may read, each
// redacted as the decision plans. Corrections and purges are visible as
// versions; a purged record's versions are all tombstones.
func (s *Service) IntelHistory(ctx context.Context, id liaison.ID, purpose liaison.Purpose) ([]*ReleasedRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, err
	}
	var out *released
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		out, _, err = s.readRecord(ctx, tx, id, recordRead{action: policy.History, audit: "intel.history", purpose: purpose, versions: true})
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errNoRecord()
	}
	if out.versions == nil {
		return []*ReleasedRecord{}, nil
	}
	return out.versions, nil
}

// Assess releases an assessment of a record under the imminent-danger
// exception: no subjects, no identifiers, a sanitised narrative. The
// release is audited and flagged for review by the originator's privacy
// officers. The justification is required.
func (s *Service) Assess(ctx context.Context, id liaison.ID, justification string) (*ReleasedRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	justification = strings.TrimSpace(justification)
	if len(justification) < 20 {
		return nil, liaison.FieldErrorf("justification", "describe the imminent danger to life or property (at least 20 characters)")
	}
	var out *released
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		out, _, err = s.readRecord(ctx, tx, id, recordRead{action: policy.Assess, audit: "intel.assess", emergency: true,
			purpose: liaison.PurposeOfficerSafety, atMost: policy.Assessment, reason: justification,
			details: map[string]string{"review": "true", "exception": "imminent danger to life or property"}})
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errNoRecord()
	}
	return out.record, nil
}

func prefixFields(prefix string, fs []liaison.FieldError) []liaison.FieldError {
	out := make([]liaison.FieldError, len(fs))
	for i, f := range fs {
		out[i] = liaison.FieldError{Field: prefix + f.Field, Message: f.Message}
	}
	return out
}

// FindCase returns a case to its lead agency's staff, the users assigned
// to it and holders of a grant for it; anyone else gets ENOTFOUND, as for
// a missing case, and both are audited alike (case.read, denied).
func (s *Service) FindCase(ctx context.Context, id liaison.ID) (*liaison.Case, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var c *liaison.Case
	err := s.readCase(ctx, "case.read", id, func(tx liaison.Tx, found *liaison.Case) error {
		c = found
		return nil
	})
	return c, err
}

// readCase runs fn on a case the caller may see (visibleCase) inside one
// transaction that audits the read as action; a case that is missing or
// hidden from the caller is audited as a denied read and answered as
// errNoCase, alike.
func (s *Service) readCase(ctx context.Context, action string, id liaison.ID, fn func(tx liaison.Tx, c *liaison.Case) error) error {
	u := liaison.ActorFrom(ctx).User
	var hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		c, err := s.visibleCase(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if c == nil {
			return s.hide(ctx, tx, &hidden, action, "case", id, errNoCase())
		}
		if err := fn(tx, c); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), action, "case", c.ID))
	})
	if err == nil {
		err = hidden
	}
	return err
}

// visibleCase loads a case the user may see: its lead agency's staff,
// those assigned to it and holders of an originator-approved grant for it
// (from a pointer). For anyone else, and for a missing case, it returns
// nil with no error, having done the same work: the caller answers both
// alike.
func (s *Service) visibleCase(ctx context.Context, tx liaison.Tx, u *liaison.User, id liaison.ID) (*liaison.Case, error) {
	var c *liaison.Case
	if liaison.ValidID(id) {
		var err error
		if c, err = tx.FindCaseByID(ctx, id); isMissing(err) {
			c = nil
		} else if err != nil {
			return nil, err
		}
	}
	if c != nil && (c.AgencyID == u.AgencyID || slices.Contains(c.Assigned, u.ID)) {
		return c, nil
	}
	gs, err := tx.ListGrants(ctx, liaison.GrantFilter{UserID: u.ID, ActiveAt: s.now()}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	if c != nil && slices.ContainsFunc(gs, func(g *liaison.Grant) bool { return g.ItemID == c.ID && g.Kind == liaison.KindCase }) {
		return c, nil
	}
	return nil, nil
}

// CaseStaff returns the people assigned to a case, to those FindCase
// shows it to, in one read audited once as case.staff. An account that is
// gone comes back as a User with only its ID, so that it can be removed.
func (s *Service) CaseStaff(ctx context.Context, id liaison.ID) ([]*liaison.User, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out []*liaison.User
	err := s.readCase(ctx, "case.staff", id, func(tx liaison.Tx, c *liaison.Case) error {
		out = make([]*liaison.User, 0, len(c.Assigned))
		for _, uid := range c.Assigned {
			u, err := tx.FindUserByID(ctx, uid)
			if isMissing(err) {
				u = &liaison.User{ID: uid}
			} else if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// derivedNoWider refuses a correction that would make a record promoted
// from another agency's report reach further than the report does, as
// PromoteSAR refuses it at promotion (noWiderThan). EINVALID (tlp, shared_with).
func derivedNoWider(ctx context.Context, tx liaison.Tx, r *liaison.IntelRecord) error {
	var p liaison.Problems
	for _, id := range r.SourceSARs {
		src, err := tx.FindSAR(ctx, id)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		if src.AgencyID == r.Originator {
			continue
		}
		if r.TLP.Rank() < src.TLP.Rank() {
			p.Add("tlp", "must be at least %s, the label of the report this record comes from; ask its originator to share it wider", src.TLP)
		}
		for i, c := range r.SharedWith {
			if !slices.Contains(src.SharedWith, c) {
				p.Add("shared_with["+itoa(i)+"]", "must be a community the report this record comes from was shared to")
			}
		}
	}
	return p.Err()
}
