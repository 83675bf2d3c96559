package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
	"liaison/sar"
)

// SARInput files a suspicious activity report.
type SARInput struct {
	Title      string             `json:"title"`
	Narrative  string             `json:"narrative"`
	Why        string             `json:"why"`
	When       liaison.SARTime    `json:"when"`
	Where      liaison.Place      `json:"where"`
	Categories []liaison.Category `json:"categories"`
	Involved   []liaison.Entity   `json:"involved"`
	Submit     bool               `json:"submit"`     // submit for step 1 at once
	NoPointer  bool               `json:"no_pointer"` // never shown as a pointer to readers outside its communities
}

// StepInput is one vetting step.
type StepInput struct {
	Step          sar.Step     `json:"step"`
	Reason        string       `json:"reason"`
	Corroboration string       `json:"corroboration"`
	Communities   []liaison.ID `json:"communities"`
	TLP           liaison.TLP  `json:"tlp"`
}

// sarActions maps steps to the audit actions the transparency report counts.
var sarActions = map[sar.Step]string{
	sar.Submit: "sar.submit", sar.Forward: "sar.review", sar.ReturnDraft: "sar.return", sar.RejectStep1: "sar.reject",
	sar.Share: "sar.share", sar.RetainLocal: "sar.determine", sar.RejectStep2: "sar.reject", sar.Withdraw: "sar.withdraw",
}

// prepareSAR builds and validates a report for the actor: officers and
// analysts file as officers, partner liaisons as private partners.
func (s *Service) prepareSAR(a liaison.Actor, in SARInput, now time.Time) (*liaison.SAR, error) {
	source := liaison.SourceOfficer
	switch {
	case a.User.Has(liaison.RolePartnerLiaison):
		source = liaison.SourcePrivate
	case !a.User.Has(liaison.RoleOfficer) && !a.User.Has(liaison.RoleSupervisor) && !a.User.Has(liaison.RoleAnalyst):
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "officers, analysts and partner liaisons file reports")
	}
	r := &liaison.SAR{ID: liaison.NewID(), AgencyID: a.User.AgencyID, AuthorID: a.User.ID, Source: source,
		Title: strings.TrimSpace(in.Title), Narrative: in.Narrative, Why: in.Why, When: in.When.Time.UTC(), Where: in.Where,
		Categories: slices.Clone(in.Categories), Involved: slices.Clone(in.Involved), State: liaison.SARDraft,
		History: []liaison.SARTransition{}, SharedWith: []liaison.ID{}, Created: now, Updated: now, NoPointer: in.NoPointer}
	if r.Involved == nil {
		r.Involved = []liaison.Entity{}
	}
	for i := range r.Involved {
		if r.Involved[i].ID == "" {
			r.Involved[i].ID = liaison.NewID()
		}
	}
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateSAR files a report for the caller's agency: officers, and private
// partners through the API. It starts as a draft, or submitted.
func (s *Service) CreateSAR(ctx context.Context, in SARInput) (*liaison.SAR, error) {
	out, errs, err := s.CreateSARs(ctx, []SARInput{in})
	if err != nil {
		return nil, err
	}
	if e, ok := errs[0]; ok {
		if liaison.ErrorCode(e) == liaison.EFORBIDDEN {
			return nil, s.denied(ctx, "sar.create", "sar", "", e)
		}
		return nil, e
	}
	return out[0], nil
}

// CreateSARs files many reports in one transaction (bulk import). A row
// that fails validation is returned in errs by its index and the others are
// filed; every filed report gets its audit entries in the same transaction.
func (s *Service) CreateSARs(ctx context.Context, ins []SARInput) (filed []*liaison.SAR, errs map[int]error, err error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	now := s.now()
	errs = map[int]error{}
	var ready []*liaison.SAR
	var submit []bool
	for i, in := range ins {
		r, err := s.prepareSAR(a, in, now)
		if err != nil {
			errs[i] = err
			continue
		}
		ready, submit = append(ready, r), append(submit, in.Submit)
	}
	if len(ready) == 0 {
		return []*liaison.SAR{}, errs, nil
	}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		ag, err := tx.FindAgencyByID(ctx, a.User.AgencyID)
		if err != nil {
			return err
		}
		actor := sar.Actor{User: a.User, AgencyKind: ag.Kind}
		for i, r := range ready {
			if submit[i] {
				if err := sar.Apply(r, actor, sar.Submit, sar.Input{}, now); err != nil {
					return err
				}
			}
		}
		if err := tx.CreateSARs(ctx, ready); err != nil {
			return err
		}
		if err := s.auditCreatedSARs(ctx, tx, ready, now); err != nil {
			return err
		}
		return s.signal(ctx, tx, now, SignalSAR, a.User.AgencyID)
	})
	if err != nil {
		return nil, nil, err
	}
	return ready, errs, nil
}

// auditCreatedSARs writes the audit entries of filing reports, in the
// transaction that files them: one sar.create entry per state and source
// (and one sar.submit entry for those submitted at once), naming each
// report. One report is named in ObjectID as ever; a bulk entry names them
// all in its objects detail, which the log hashes like any other detail and
// the stores index beside ObjectID, so "who touched report X" finds it.
// One entry per batch instead of one per report keeps the log's cost per
// imported report to one index row.
func (s *Service) auditCreatedSARs(ctx context.Context, tx liaison.Tx, rs []*liaison.SAR, now time.Time) error {
	type group struct {
		state  liaison.SARState
		source liaison.SARSource
	}
	var order []group
	ids := map[group][]string{}
	for _, r := range rs {
		g := group{r.State, r.Source}
		if _, ok := ids[g]; !ok {
			order = append(order, g)
		}
		ids[g] = append(ids[g], r.ID)
	}
	for _, g := range order {
		e := bulkAuditEvent(ctx, now, "sar.create", "sar", ids[g])
		e.Details["state"], e.Details["source"] = string(g.state), string(g.source)
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		if g.state == liaison.SARSubmitted {
			if err := s.audit(ctx, tx, bulkAuditEvent(ctx, now, "sar.submit", "sar", ids[g])); err != nil {
				return err
			}
		}
	}
	return nil
}

// bulkAuditEvent starts the audit entry of one act on the objects ids: a
// single object is the entry's ObjectID, several are its objects detail.
func bulkAuditEvent(ctx context.Context, now time.Time, action, objectType string, ids []string) *liaison.AuditEvent {
	if len(ids) == 1 {
		e := liaison.NewAuditEvent(ctx, now, action, objectType, ids[0])
		e.Details = map[string]string{}
		return e
	}
	e := liaison.NewAuditEvent(ctx, now, action, objectType, "")
	e.Details = map[string]string{liaison.AuditObjectsDetail: strings.Join(ids, " "), "count": strconv.Itoa(len(ids))}
	return e
}

// EditSARDraft replaces the content of a draft (a new one, or one a
// supervisor returned with what to fix) and, with in.Submit, submits it
// again. Its author and the supervisors of its agency may edit it; anyone
// outside the agency gets not found, as for a missing report. Only drafts
// change: a report in vetting is what the vetting chain saw.
func (s *Service) EditSARDraft(ctx context.Context, id liaison.ID, in SARInput) (*liaison.SAR, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	now := s.now()
	var r *liaison.SAR
	var refused, hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		ag, err := tx.FindAgencyByID(ctx, a.User.AgencyID)
		if err != nil {
			return err
		}
		if r, err = findSAR(ctx, tx, id); err != nil {
			return err
		}
		if r == nil || r.AgencyID != a.User.AgencyID {
			return s.hide(ctx, tx, &hidden, "sar.edit", "sar", id, errNoReport())
		}
		if r.AuthorID != a.User.ID && !a.User.Has(liaison.RoleSupervisor) {
			refused = liaison.Errorf(liaison.EFORBIDDEN, "only the report's author and the agency's supervisors edit a draft")
			return nil
		}
		if r.State != liaison.SARDraft {
			return liaison.Errorf(liaison.ECONFLICT, "only a draft can be edited; this report is %s", r.State)
		}
		next, err := s.prepareSAR(a, in, now)
		if err != nil {
			return err
		}
		r.Title, r.Narrative, r.Why, r.When, r.Where = next.Title, next.Narrative, next.Why, next.When, next.Where
		r.Categories, r.Involved, r.Updated, r.NoPointer = next.Categories, next.Involved, now, next.NoPointer
		if err := tx.UpdateSAR(ctx, r); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "sar.edit", "sar", r.ID)); err != nil {
			return err
		}
		if err := s.signalSAR(ctx, tx, now, r, r.State); err != nil {
			return err
		}
		if !in.Submit {
			return nil
		}
		if err := sar.Apply(r, sar.Actor{User: a.User, AgencyKind: ag.Kind}, sar.Submit, sar.Input{}, now); err != nil {
			return err
		}
		if err := tx.UpdateSAR(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, sarActions[sar.Submit], "sar", r.ID)
		e.Details = map[string]string{"step": string(sar.Submit), "state": string(r.State)}
		return s.audit(ctx, tx, e)
	})
	if refused != nil {
		return nil, s.denied(ctx, "sar.edit", "sar", id, refused)
	}
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// findSAR loads a report; nil, with no error, for an id that is not one
// or that no report has.
func findSAR(ctx context.Context, tx liaison.Tx, id liaison.ID) (*liaison.SAR, error) {
	if !liaison.ValidID(id) {
		return nil, nil
	}
	r, err := tx.FindSAR(ctx, id)
	if isMissing(err) {
		return nil, nil
	}
	return r, err
}

// StepSAR takes one vetting step (sar.Apply's rules), audited. Steps are
// for the report's agency and, while it is not shared, its vetting chain
// (inChain): they see its state already. To anyone else the report
// answers as missing, even to a reader of the shared ISE-SAR, who is not
// in the chain of any step: the answer never tells its state. Withdrawing
// notifies every earlier recipient.
func (s *Service) StepSAR(ctx context.Context, id liaison.ID, in StepInput) (*liaison.SAR, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var r *liaison.SAR
	var refused, hidden error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		actor, err := sarActor(ctx, tx, a.User)
		if err != nil {
			return err
		}
		if r, err = findSAR(ctx, tx, id); err != nil {
			return err
		}
		if r == nil || !s.inChain(r, actor) {
			return s.hide(ctx, tx, &hidden, "sar.step", "sar", id, errNoReport())
		}
		now, before := s.now(), r.State
		if err := sar.Apply(r, actor, in.Step, sar.Input{Reason: in.Reason, Corroboration: in.Corroboration,
			Communities: in.Communities, TLP: in.TLP}, now); err != nil {
			if liaison.ErrorCode(err) == liaison.EFORBIDDEN {
				refused = err
				return nil
			}
			return err
		}
		if err := tx.UpdateSAR(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, sarActions[in.Step], "sar", r.ID)
		e.Reason = strings.TrimSpace(in.Reason)
		e.Details = map[string]string{"step": string(in.Step), "state": string(r.State)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		if err := s.signalSAR(ctx, tx, now, r, before); err != nil {
			return err
		}
		if in.Step == sar.Withdraw {
			return s.notifyRecipients(ctx, tx, r.ID, "sar.withdraw.notify", now, map[string]string{"reason": e.Reason})
		}
		return nil
	})
	if refused != nil {
		return nil, s.denied(ctx, "sar.step", "sar", id, refused)
	}
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// inChain says whether the actor is among those who act on r: its own
// agency, and while it is not shared the vetting chain that sees it in
// full (maySeeSAR; the same as decideSARView's first rule). They may be
// told its state and why a step is not theirs. A shared report of
// another agency is, for acts on it, known only to its agency: the only
// step left, withdrawal, is the originator's.
func (s *Service) inChain(r *liaison.SAR, a sar.Actor) bool {
	return a.User.AgencyID == r.AgencyID || (r.State != liaison.SARShared && s.maySeeSAR(r, a))
}

// maySeeSAR: the originating agency, the vetting chain, and the step-2
// analysts while a report awaits them (those of fusion centers and task
// forces that share a community with the originating agency: a.Peers);
// shared reports go through Decide.
func (s *Service) maySeeSAR(r *liaison.SAR, a sar.Actor) bool {
	return a.User.AgencyID == r.AgencyID || sar.PIIVisible(r, a) ||
		(r.State == liaison.SARReviewed && sar.InQueue(r, a, sar.AwaitingStep2))
}

// GetSAR reads one report. Before it is shared, only the originating
// agency and its vetting chain see it. A shared ISE-SAR goes through the
// decision point like every shared item: redacted, ledgered, audited.
func (s *Service) GetSAR(ctx context.Context, id liaison.ID, purpose liaison.Purpose) (*ReleasedSAR, error) {
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
		out, _, err = s.readSAR(ctx, tx, id, purpose, "sar.read")
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no such report")
	}
	return out.sar, nil
}

// readSAR releases one report to the caller inside tx, as readRecord does
// for records: nil, audited as denied, for a hidden or a missing report.
// live is the stored report, for the service's own further use.
func (s *Service) readSAR(ctx context.Context, tx liaison.Tx, id liaison.ID, purpose liaison.Purpose, audit string) (out *released, live *liaison.SAR, err error) {
	sub, err := s.subject(ctx, tx, liaison.ActorFrom(ctx).User)
	if err != nil {
		return nil, nil, err
	}
	rq := releaseRequest{sub: sub, action: policy.View, purpose: purpose, audit: audit, objectType: "sar", one: true}
	var items []liveItem
	if liaison.ValidID(id) {
		rq.object = id
		r, err := tx.FindSAR(ctx, id)
		switch {
		case err == nil:
			items, live = []liveItem{{sar: r}}, r
		case liaison.ErrorCode(err) != liaison.ENOTFOUND:
			return nil, nil, err
		}
	}
	rel, err := s.release(ctx, tx, rq, items)
	if err != nil || len(rel) == 0 {
		return nil, nil, err
	}
	return &rel[0], live, nil
}

// sarView is the decision on reading one report.
type sarView struct {
	allow  bool
	shared bool             // decided by the decision point: a shared ISE-SAR of another agency
	plan   policy.Redaction // what of it the reader gets, when shared
	text   string           // the decision, for the audit entry
}

// decideSARView decides a read of r, as GetSAR does: before it is shared,
// only the originating agency and its vetting chain; a shared ISE-SAR of
// another agency through the decision point.
func (s *Service) decideSARView(sub *policy.Subject, u *liaison.User, r *liaison.SAR, purpose liaison.Purpose) sarView {
	return s.decideSAR(sub, u, r, purpose, policy.View)
}

// decideSAR decides a read of r for action (view, list, search, export),
// as decideSARView does for a view.
func (s *Service) decideSAR(sub *policy.Subject, u *liaison.User, r *liaison.SAR, purpose liaison.Purpose, action policy.Action) sarView {
	actor := sar.Actor{User: u, AgencyKind: sub.AgencyKind, Peers: sub.Peers}
	if s.maySeeSAR(r, actor) && (r.State != liaison.SARShared || u.AgencyID == r.AgencyID) {
		return sarView{allow: true, plan: policy.Full, text: "permit: originating agency or vetting chain"}
	}
	if r.State != liaison.SARShared {
		return sarView{text: "deny: not shared, not in its vetting chain"}
	}
	dec := s.Policy.Decide(policy.Request{Subject: sub, Action: action, Purpose: purpose, Now: s.now(),
		Resource: &policy.Resource{ID: r.ID, Kind: liaison.KindSAR, Originator: r.AgencyID, TLP: r.TLP, Handling: liaison.H0,
			SharedWith: r.SharedWith, CaseID: r.CaseID}})
	return sarView{allow: dec.Allow, shared: true, plan: dec.Redaction, text: decisionText(dec)}
}

// SARQueue lists a vetting queue for the caller.
// The shared space is read for a declared purpose, like every shared item.
func (s *Service) SARQueue(ctx context.Context, q sar.Queue, purpose liaison.Purpose, p liaison.Page) ([]*ReleasedSAR, string, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, "", liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, "", err
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	p = p.Clamp()
	out := []*ReleasedSAR{}
	var last liaison.ID
	var full bool
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		actor := sarActorOf(sub)
		var f liaison.SARFilter
		switch q {
		case sar.MyDrafts:
			f = liaison.SARFilter{AuthorID: a.User.ID, States: []liaison.SARState{liaison.SARDraft}}
		case sar.AwaitingStep1:
			f = liaison.SARFilter{AgencyID: a.User.AgencyID, States: []liaison.SARState{liaison.SARSubmitted}}
		case sar.AwaitingStep2:
			f = liaison.SARFilter{States: []liaison.SARState{liaison.SARReviewed}}
		case sar.SharedWithUs:
			f = liaison.SARFilter{States: []liaison.SARState{liaison.SARShared}, SharedWith: sub.Communities}
			if len(sub.Communities) == 0 {
				return nil
			}
		case sar.Withdrawn:
			f = liaison.SARFilter{AgencyID: a.User.AgencyID, States: []liaison.SARState{liaison.SARWithdrawn}}
		default:
			return liaison.FieldErrorf("queue", "must be my_drafts, awaiting_step1, awaiting_step2, shared_with_us or withdrawn")
		}
		cands, err := tx.ListSARs(ctx, f, p)
		if err != nil {
			return err
		}
		full = len(cands) == p.Limit
		// The queue's filter only narrows; release decides every report.
		var items []liveItem
		for _, r := range cands {
			last = r.ID
			if sar.InQueue(r, actor, q) {
				items = append(items, liveItem{sar: r})
			}
		}
		rel, err := s.release(ctx, tx, releaseRequest{sub: sub, action: policy.List, purpose: purpose, audit: "sar.queue",
			objectType: "sar", details: map[string]string{"queue": string(q)}}, items)
		for _, r := range rel {
			out = append(out, r.sar)
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
	return out, next, nil
}

// PromoteSAR writes an intelligence record whose subjects are a report's
// involved entities (targets become locations; aircraft and vessels,
// vehicles). The record still needs its own predicate and attestation; the
// analyst must be allowed to see the report. Another agency's shared
// ISE-SAR is read for purpose (counterterrorism when none is declared),
// redacted as its agreement plans. A record promoted from another
// agency's report cannot be wider than the report (noWiderThan).
// ENOTFOUND, EINVALID.
func (s *Service) PromoteSAR(ctx context.Context, id liaison.ID, purpose liaison.Purpose, in liaison.IntelInput) (*liaison.IntelRecord, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, err
	}
	if purpose == "" {
		purpose = liaison.PurposeCounterterrorism
	}
	// One transaction: the report is read through release (redacted as
	// decided for a partner), the record written, both audited. Nothing
	// is written before the decision and the checks: a refused promotion
	// (hidden, missing, wider than the report, an invalid record) leaves
	// no ledger row and no record; a hidden or missing report is audited
	// as a denied read, alike.
	if err := s.mayWriteIntel(ctx); err != nil {
		return nil, err
	}
	var rec *liaison.IntelRecord
	hidden := false
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		rq := releaseRequest{sub: sub, action: policy.View, purpose: purpose, audit: "sar.promote.read", objectType: "sar", one: true}
		var items []liveItem
		if liaison.ValidID(id) {
			rq.object = id
			r, err := tx.FindSAR(ctx, id)
			if err == nil {
				items = []liveItem{{sar: r}}
			} else if liaison.ErrorCode(err) != liaison.ENOTFOUND {
				return err
			}
		}
		rel, rc := s.prepareRelease(ctx, rq, items)
		if len(rel) == 0 {
			hidden = true
			return s.writeRelease(ctx, tx, rc)
		}
		report := rel[0].sar
		if err := noWiderThan(a.User, report, in); err != nil {
			return err
		}
		if rec, err = s.newIntelRecord(ctx, promotedInput(report, in)); err != nil {
			return err
		}
		rec.SourceSARs = []liaison.ID{id}
		rec.NoPointer = rec.NoPointer || report.NoPointer // what gave no pointer still gives none
		if err := s.writeRelease(ctx, tx, rc); err != nil {
			return err
		}
		if err := s.insertIntelRecord(ctx, tx, rec); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, s.now(), "sar.promote", "sar", id)
		e.Details = map[string]string{"intel_id": rec.ID}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	if hidden {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no such report")
	}
	return rec, nil
}

// promotedInput is the record input of a promotion: the report's involved
// entities as released become its subjects (targets become locations;
// aircraft and vessels, vehicles), and its narrative the record's when
// none is given. What a redacted copy withheld is not the promoter's to
// keep: masked values are dropped, and a subject left with nothing is.
func promotedInput(report *ReleasedSAR, in liaison.IntelInput) liaison.IntelInput {
	kinds := map[liaison.EntityKind]liaison.EntityKind{"target": liaison.EntityLocation, "aircraft": liaison.EntityVehicle, "vessel": liaison.EntityVehicle}
	in.Subjects = slices.Clone(in.Subjects)
	for _, e := range report.Involved {
		attrs := map[string]string{}
		for k, v := range e.Attributes {
			if v != policy.Masked {
				attrs[k] = v
			}
		}
		if len(attrs) == 0 {
			continue
		}
		e.ID, e.Attributes = "", attrs
		e.FirstAmendment = slices.DeleteFunc(slices.Clone(e.FirstAmendment), func(k string) bool { _, ok := attrs[k]; return !ok })
		if k, ok := kinds[e.Kind]; ok {
			e.Kind = k
		}
		in.Subjects = append(in.Subjects, e)
	}
	if strings.TrimSpace(in.Narrative) == "" {
		in.Narrative = report.Narrative
	}
	return in
}

// AttachSARToCase links a report to a case. The case's lead agency
// attaches its own reports; audited. A report has one case link, its
// originator's: whoever else may read the report (its vetting chain, a
// reader of the shared ISE-SAR for the declared purpose, counterterrorism
// when none is) is told to promote it into their own case instead, and
// to anyone who may not read it, it answers as missing.
func (s *Service) AttachSARToCase(ctx context.Context, id, caseID liaison.ID) (*liaison.SAR, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !a.User.Has(liaison.RoleAnalyst) && !a.User.Has(liaison.RoleSupervisor) {
		return nil, s.denied(ctx, "sar.attach_case", "sar", id, liaison.Errorf(liaison.EFORBIDDEN, "analysts and supervisors attach reports to cases"))
	}
	purpose, err := purposeOf(ctx, "")
	if err != nil {
		return nil, err
	}
	if purpose == "" {
		purpose = liaison.PurposeCounterterrorism
	}
	var r *liaison.SAR
	var refused, hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		if !liaison.ValidID(caseID) {
			return liaison.FieldErrorf("case_id", "must be a case id")
		}
		c, err := tx.FindCaseByID(ctx, caseID)
		if isMissing(err) || (err == nil && c.AgencyID != a.User.AgencyID) {
			return liaison.FieldErrorf("case_id", "must be a case your agency leads")
		} else if err != nil {
			return err
		}
		// The reader's facts are gathered for a missing report too: both
		// answers do the same work.
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		if r, err = findSAR(ctx, tx, id); err != nil {
			return err
		}
		if r == nil || !s.decideSARView(sub, a.User, r, purpose).allow {
			return s.hide(ctx, tx, &hidden, "sar.attach_case", "sar", id, errNoReport())
		}
		if r.AgencyID != a.User.AgencyID {
			refused = liaison.Errorf(liaison.EFORBIDDEN, "only the originating agency links its report to a case; promote it to a record in your case instead")
			return nil
		}
		r.CaseID, r.Updated = caseID, s.now()
		if err := tx.UpdateSAR(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, r.Updated, "sar.attach_case", "sar", id)
		e.Details = map[string]string{"case_id": caseID}
		return s.audit(ctx, tx, e)
	})
	if refused != nil {
		return nil, s.denied(ctx, "sar.attach_case", "sar", id, refused) // audited once the transaction is over
	}
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// noWiderThan refuses a record derived from another agency's report that
// would reach further than the report does: a lower TLP, or a community
// the report was not shared to. Widening is the originator's to allow
// (an access request), never the promoter's. EINVALID (tlp, shared_with).
func noWiderThan(u *liaison.User, src *ReleasedSAR, in liaison.IntelInput) error {
	if src.AgencyID == u.AgencyID {
		return nil
	}
	var p liaison.Problems
	tlp, ok := liaison.ParseTLP(string(in.TLP))
	if ok && tlp.Rank() < src.TLP.Rank() {
		p.Add("tlp", "must be at least %s, the label of the report it comes from; ask its originator to share it wider", src.TLP)
	}
	for i, c := range in.SharedWith {
		if !slices.Contains(src.SharedWith, c) {
			p.Add("shared_with["+itoa(i)+"]", "must be a community the report was shared to; ask its originator to share it wider")
		}
	}
	return p.Err()
}
