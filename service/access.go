package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
)

// Access request limits.
const (
	// DefaultAccessSLA is how long a holder has to decide a request before
	// it is escalated to the holder's supervisors.
	DefaultAccessSLA = 48 * time.Hour
	defaultGrantLife = 30 * 24 * time.Hour
	maxGrantLife     = 365 * 24 * time.Hour
)

// AccessRequestInput asks for the items behind a pointer.
type AccessRequestInput struct {
	Pointer       liaison.ID      `json:"pointer"`
	Purpose       liaison.Purpose `json:"purpose"`
	CaseID        liaison.ID      `json:"case_id"`
	Justification string          `json:"justification"`
}

// AccessDecision is the holder's answer.
type AccessDecision struct {
	// Decision is approve (in full), approve_redacted (without personal
	// data) or deny.
	Decision string       `json:"decision"`
	Items    []liaison.ID `json:"items,omitempty"` // a subset to approve; empty: all
	Reason   string       `json:"reason"`
	Expires  *time.Time   `json:"expires_at,omitempty"`
}

// accessSLA returns the configured SLA.
func (s *Service) accessSLA() time.Duration {
	if s.AccessSLA > 0 {
		return s.AccessSLA
	}
	return DefaultAccessSLA
}

// pointerEligible reports whether an item may still be reached through a
// pointer: it exists, is vetted and shared (a report), is not TLP:RED, not
// purged and not marked no-pointer.
func pointerEligible(ctx context.Context, tx liaison.Tx, kind liaison.RecordKind, id liaison.ID) (bool, error) {
	var err error
	ok := false
	switch kind {
	case liaison.KindSAR:
		var r *liaison.SAR
		if r, err = tx.FindSAR(ctx, id); err == nil {
			ok = r.State == liaison.SARShared && r.TLP != liaison.TLPRed && !r.NoPointer
		}
	case liaison.KindIntelligence:
		var r *liaison.IntelRecord
		if r, err = tx.FindIntelRecord(ctx, id); err == nil {
			ok = !r.Purged && r.TLP != liaison.TLPRed && !r.NoPointer
		}
	case liaison.KindCase:
		_, err = tx.FindCaseByID(ctx, id)
		ok = err == nil
	}
	if liaison.ErrorCode(err) == liaison.ENOTFOUND {
		return false, nil
	}
	return ok, err
}

func errNoPointer() error { return liaison.Errorf(liaison.ENOTFOUND, "no such pointer") }

// RequestAccess asks the holder of a pointer's items for access, for a
// purpose and a case, with a justification. Only the user the pointer was
// issued to may use it; items that can no longer be pointed to are left
// out, and a pointer with none left is answered as missing.
func (s *Service) RequestAccess(ctx context.Context, in AccessRequestInput) (*liaison.AccessRequest, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var p liaison.Problems
	if !slices.Contains(liaison.Purposes, in.Purpose) {
		p.Add("purpose", "must be one of the purposes agreements name (counterterrorism, criminal_investigation, ...)")
	}
	if !liaison.ValidID(in.CaseID) {
		p.Add("case_id", "must name the case you need the information for")
	}
	just := strings.TrimSpace(in.Justification)
	switch {
	case len(just) < 20:
		p.Add("justification", "must say why you need it, in at least 20 characters")
	case len(just) > 4000:
		p.Add("justification", "must be at most 4000 characters")
	case strings.ContainsFunc(just, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' }):
		p.Add("justification", "must not contain control characters")
	}
	if !liaison.ValidID(in.Pointer) {
		p.Add("pointer", "must be a pointer handle from a search")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var r *liaison.AccessRequest
	var refused error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		ptr, err := tx.FindPointer(ctx, in.Pointer)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && (ptr.UserID != a.User.ID || !now.Before(ptr.ExpiresAt))) {
			refused = errNoPointer()
			e := liaison.NewAuditEvent(ctx, now, "access.request", "pointer", in.Pointer)
			e.Outcome, e.Decision = liaison.OutcomeDenied, "deny: not a pointer issued to this user, or expired"
			return s.audit(ctx, tx, e)
		} else if err != nil {
			return err
		}
		c, err := tx.FindCaseByID(ctx, in.CaseID)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && c.AgencyID != a.User.AgencyID && !slices.Contains(c.Assigned, a.User.ID)) {
			return liaison.FieldErrorf("case_id", "is not a case of your agency or one you are assigned to")
		} else if err != nil {
			return err
		}
		var items []liaison.ID
		for _, id := range ptr.Items {
			ok, err := pointerEligible(ctx, tx, ptr.Kind, id)
			if err != nil {
				return err
			}
			if ok {
				items = append(items, id)
			}
		}
		if len(items) == 0 {
			refused = errNoPointer()
			e := liaison.NewAuditEvent(ctx, now, "access.request", "pointer", in.Pointer)
			e.Outcome, e.Decision = liaison.OutcomeDenied, "deny: nothing behind the pointer may be pointed to any more"
			return s.audit(ctx, tx, e)
		}
		r = &liaison.AccessRequest{ID: liaison.NewID(), PointerID: ptr.ID, RequesterID: a.User.ID, RequesterAg: a.User.AgencyID,
			HolderAgency: ptr.AgencyID, Kind: ptr.Kind, Items: items, Purpose: in.Purpose, CaseID: in.CaseID, Justification: just,
			State: liaison.RequestPending, Due: now.Add(s.accessSLA()), Created: now, Updated: now}
		if err := tx.CreateAccessRequest(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "access.request", "access_request", r.ID)
		e.Reason = string(in.Purpose)
		e.Details = map[string]string{"holder": r.HolderAgency, "kind": string(r.Kind), "items": strings.Join(items, ","), "case_id": in.CaseID}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		officials, err := s.controlOfficials(ctx, tx, r)
		if err != nil {
			return err
		}
		ag, err := tx.FindAgencyByID(ctx, a.User.AgencyID)
		if err != nil {
			return err
		}
		if err := s.signal(ctx, tx, now, SignalAccess, r.HolderAgency, r.RequesterAg); err != nil {
			return err
		}
		return s.tell(ctx, tx, officials, "access_request", "access_request", r.ID, now,
			fmt.Sprintf("%s (%s) asks for access to %s", a.User.Name, ag.Name, kindNoun(r.Kind)),
			fmt.Sprintf("Purpose: %s. Justification: %s. Decide by %s.", r.Purpose, r.Justification, r.Due.Format(time.RFC3339)))
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return requestView(r, a.User), nil
}

// controlOfficials are who decides a request: the control officials of
// the records asked for, and the holding agency's supervisors.
func (s *Service) controlOfficials(ctx context.Context, tx liaison.Tx, r *liaison.AccessRequest) ([]liaison.ID, error) {
	var out []liaison.ID
	if r.Kind == liaison.KindIntelligence {
		for _, id := range r.Items {
			ir, err := tx.FindIntelRecord(ctx, id)
			if err == nil {
				out = append(out, ir.ControlOfficial)
			} else if liaison.ErrorCode(err) != liaison.ENOTFOUND {
				return nil, err
			}
		}
	}
	sups, err := tx.ListUsers(ctx, liaison.UserFilter{AgencyID: r.HolderAgency, Role: liaison.RoleSupervisor}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	for _, u := range sups {
		out = append(out, u.ID)
	}
	return uniqueIDs(out), nil
}

// mayDecide reports whether u decides requests for r.
func (s *Service) mayDecide(ctx context.Context, tx liaison.Tx, u *liaison.User, r *liaison.AccessRequest) (bool, error) {
	if u.AgencyID != r.HolderAgency {
		return false, nil
	}
	officials, err := s.controlOfficials(ctx, tx, r)
	return slices.Contains(officials, u.ID), err
}

// refuseUnlessOfficial answers someone who does not decide r as if the
// object did not exist, and audits the refusal in tx: refused is the
// error to return once tx commits.
func (s *Service) refuseUnlessOfficial(ctx context.Context, tx liaison.Tx, u *liaison.User, r *liaison.AccessRequest, now time.Time,
	action, objectType string, id liaison.ID, notFound string) (refused, err error) {
	ok, err := s.mayDecide(ctx, tx, u, r)
	if err != nil || ok {
		return nil, err
	}
	e := liaison.NewAuditEvent(ctx, now, action, objectType, id)
	e.Outcome, e.Decision = liaison.OutcomeDenied, "deny: not a control official of the holding agency"
	return liaison.Errorf(liaison.ENOTFOUND, "%s", notFound), s.audit(ctx, tx, e)
}

// tell delivers an inbox message to users.
func (s *Service) tell(ctx context.Context, tx liaison.Tx, users []liaison.ID, kind, refKind string, ref liaison.ID, now time.Time, title, body string) error {
	for _, u := range users {
		m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: u, Kind: kind, Title: title, Body: body, RefKind: refKind, Ref: ref, Created: now}
		if err := s.deliver(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// DecideAccessRequest approves a request in full, approves a subset
// without personal data, or denies it with a reason. Approval creates one
// grant per item, for the requester, the request's purpose and until it
// expires. ENOTFOUND for someone who does not decide it; ECONFLICT once
// decided.
func (s *Service) DecideAccessRequest(ctx context.Context, id liaison.ID, in AccessDecision) (*liaison.AccessRequest, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var p liaison.Problems
	reason := strings.TrimSpace(in.Reason)
	switch in.Decision {
	case "approve", "approve_redacted":
	case "deny":
		if len(reason) < 5 {
			p.Add("reason", "is required when denying: say why, so the requester knows what would change the answer")
		}
	default:
		p.Add("decision", "must be approve, approve_redacted or deny")
	}
	if len(reason) > 2000 {
		p.Add("reason", "must be at most 2000 characters")
	}
	now := s.now()
	expires := now.Add(defaultGrantLife)
	if in.Expires != nil {
		expires = in.Expires.UTC().Truncate(time.Microsecond)
		if !expires.After(now) || expires.Sub(now) > maxGrantLife {
			p.Add("expires_at", "must be in the future and at most a year ahead")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r *liaison.AccessRequest
	var refused error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if !liaison.ValidID(id) {
			refused = liaison.Errorf(liaison.ENOTFOUND, "no such access request")
			return nil
		}
		r, err = tx.FindAccessRequest(ctx, id)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			refused = liaison.Errorf(liaison.ENOTFOUND, "no such access request")
			return nil
		} else if err != nil {
			return err
		}
		if refused, err = s.refuseUnlessOfficial(ctx, tx, a.User, r, now, "access.decide", "access_request", id, "no such access request"); refused != nil || err != nil {
			return err
		}
		if r.State != liaison.RequestPending {
			return &liaison.Error{Code: liaison.ECONFLICT, Message: "this request was already decided (" + string(r.State) + ")",
				Fields: []liaison.FieldError{{Field: "decision", Message: "was already made"}}}
		}
		items := r.Items
		if len(in.Items) > 0 {
			for i, it := range in.Items {
				if !slices.Contains(r.Items, it) {
					return liaison.FieldErrorf(fmt.Sprintf("items[%d]", i), "is not one of the items this request asks for")
				}
			}
			items = uniqueIDs(slices.Clone(in.Items))
		}
		r.DecidedBy, r.Decided, r.Reason, r.Updated = a.User.ID, now, reason, now
		switch in.Decision {
		case "deny":
			r.State = liaison.RequestDenied
		case "approve":
			r.State = liaison.RequestApproved
			if len(items) < len(r.Items) {
				r.State = liaison.RequestPartial
			}
		case "approve_redacted":
			r.State = liaison.RequestPartial
		}
		if r.State != liaison.RequestDenied {
			for _, it := range items {
				ok, err := pointerEligible(ctx, tx, r.Kind, it)
				if err != nil {
					return err
				}
				if !ok {
					continue // purged, or no longer shareable, since the request
				}
				g := &liaison.Grant{ID: liaison.NewID(), RequestID: r.ID, UserID: r.RequesterID, AgencyID: r.RequesterAg, Kind: r.Kind,
					ItemID: it, Holder: r.HolderAgency, Purpose: r.Purpose, PII: in.Decision == "approve", Expires: expires, Created: now}
				if err := tx.CreateGrant(ctx, g); err != nil {
					return err
				}
				r.Granted = append(r.Granted, g.ID)
			}
		}
		if err := tx.UpdateAccessRequest(ctx, r); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "access.decide", "access_request", r.ID)
		e.Reason = reason
		e.Decision = string(r.State)
		e.Details = map[string]string{"items": strings.Join(items, ","), "grants": strings.Join(r.Granted, ","),
			"requester": r.RequesterID, "expires_at": expires.Format(time.RFC3339), "state": string(r.State)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		title := "Your access request was " + strings.ReplaceAll(string(r.State), "_", " ")
		body := fmt.Sprintf("Request for %s: %s.", kindNoun(r.Kind), strings.ReplaceAll(string(r.State), "_", " "))
		if reason != "" {
			body += " Reason: " + reason
		}
		if r.State != liaison.RequestDenied {
			body += fmt.Sprintf(" Access for %s until %s.", r.Purpose, expires.Format(time.RFC3339))
		}
		if err := s.signal(ctx, tx, now, SignalAccess, r.HolderAgency, r.RequesterAg); err != nil {
			return err
		}
		return s.tell(ctx, tx, []liaison.ID{r.RequesterID}, "access_decision", "access_request", r.ID, now, title, body)
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return r, nil
}

// GetAccessRequest returns a request to its requester and to the holding
// agency's staff; the requester does not see which items it covers.
func (s *Service) GetAccessRequest(ctx context.Context, id liaison.ID) (*liaison.AccessRequest, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var r *liaison.AccessRequest
	err := s.read(ctx, "access.read", "access_request", nil, func(tx liaison.Tx) (string, error) {
		if !liaison.ValidID(id) {
			return "", errNoAccessRequest()
		}
		var err error
		if r, err = tx.FindAccessRequest(ctx, id); isMissing(err) {
			return "", errNoAccessRequest()
		} else if err != nil {
			return "", err
		}
		if r.RequesterID != a.User.ID && r.HolderAgency != a.User.AgencyID {
			return "", errNoAccessRequest()
		}
		return r.ID, nil
	})
	if err != nil {
		return nil, err
	}
	return requestView(r, a.User), nil
}

// requestView hides the items from anyone outside the holding agency.
func requestView(r *liaison.AccessRequest, u *liaison.User) *liaison.AccessRequest {
	out := *r
	if u.AgencyID != r.HolderAgency {
		out.Items = nil
	}
	return &out
}

// ListAccessRequests lists the caller's own requests (box "mine") or those
// made to the caller's agency (box "incoming"), optionally by state.
func (s *Service) ListAccessRequests(ctx context.Context, box string, states []liaison.AccessRequestState, p liaison.Page) ([]*liaison.AccessRequest, string, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, "", liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	f := liaison.AccessRequestFilter{States: states}
	switch box {
	case "", "mine":
		f.RequesterID = a.User.ID
	case "incoming":
		f.HolderAgency = a.User.AgencyID
	default:
		return nil, "", liaison.FieldErrorf("box", "must be mine or incoming")
	}
	for i, st := range states {
		if !slices.Contains([]liaison.AccessRequestState{liaison.RequestPending, liaison.RequestApproved, liaison.RequestPartial, liaison.RequestDenied}, st) {
			return nil, "", liaison.FieldErrorf(fmt.Sprintf("state[%d]", i), "must be pending, approved, approved_redacted or denied")
		}
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	p = p.Clamp()
	var out []*liaison.AccessRequest
	err := s.read(ctx, "access.list", "access_request", map[string]string{"box": box}, func(tx liaison.Tx) (string, error) {
		rs, err := tx.ListAccessRequests(ctx, f, p)
		for _, r := range rs {
			out = append(out, requestView(r, a.User))
		}
		return "", err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) == p.Limit {
		next = out[len(out)-1].ID
	}
	if out == nil {
		out = []*liaison.AccessRequest{}
	}
	return out, next, nil
}

// ListGrants lists grants the caller holds (box "mine") or that the
// caller's agency issued (box "issued").
func (s *Service) ListGrants(ctx context.Context, box string, p liaison.Page) ([]*liaison.Grant, string, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, "", liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var f liaison.GrantFilter
	switch box {
	case "", "mine":
		f.UserID = a.User.ID
	case "issued":
		f.Holder = a.User.AgencyID
	default:
		return nil, "", liaison.FieldErrorf("box", "must be mine or issued")
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	p = p.Clamp()
	var out []*liaison.Grant
	err := s.read(ctx, "grant.list", "grant", map[string]string{"box": box}, func(tx liaison.Tx) (string, error) {
		var err error
		out, err = tx.ListGrants(ctx, f, p)
		return "", err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) == p.Limit {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// RevokeGrant ends a grant before it expires: the holding agency's
// control officials may. ENOTFOUND for anyone else.
func (s *Service) RevokeGrant(ctx context.Context, id liaison.ID, reason string) (*liaison.Grant, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	reason = strings.TrimSpace(reason)
	if len(reason) < 5 || len(reason) > 2000 {
		return nil, liaison.FieldErrorf("reason", "must say why, in 5 to 2000 characters")
	}
	now := s.now()
	var g *liaison.Grant
	var refused error
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if !liaison.ValidID(id) {
			refused = liaison.Errorf(liaison.ENOTFOUND, "no such grant")
			return nil
		}
		if g, err = tx.FindGrant(ctx, id); liaison.ErrorCode(err) == liaison.ENOTFOUND {
			refused = liaison.Errorf(liaison.ENOTFOUND, "no such grant")
			return nil
		} else if err != nil {
			return err
		}
		r, err := tx.FindAccessRequest(ctx, g.RequestID)
		if err != nil {
			return err
		}
		if refused, err = s.refuseUnlessOfficial(ctx, tx, a.User, r, now, "grant.revoke", "grant", id, "no such grant"); refused != nil || err != nil {
			return err
		}
		if !g.Revoked.IsZero() {
			return &liaison.Error{Code: liaison.ECONFLICT, Message: "this grant was already revoked"}
		}
		g.Revoked, g.RevokedBy = now, a.User.ID
		if err := tx.UpdateGrant(ctx, g); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "grant.revoke", "grant", g.ID)
		e.Reason = reason
		e.Details = map[string]string{"item": g.ItemID, "user": g.UserID}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		if err := s.signal(ctx, tx, now, SignalAccess, g.Holder, g.AgencyID); err != nil {
			return err
		}
		return s.tell(ctx, tx, []liaison.ID{g.UserID}, "grant_revoked", "access_request", g.RequestID, now,
			"Access you were granted was revoked", "Reason: "+reason)
	})
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return g, nil
}

// EscalateAccessRequests tells the holding agency's supervisors of every
// pending request past its deadline, once, and marks it escalated.
func (s *Service) EscalateAccessRequests(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		rs, err := tx.ListAccessRequests(ctx, liaison.AccessRequestFilter{DueBefore: now}, liaison.Page{Limit: liaison.MaxPageSize})
		if err != nil {
			return err
		}
		for _, r := range rs {
			r.Escalated, r.Updated = now, now
			if err := tx.UpdateAccessRequest(ctx, r); err != nil {
				return err
			}
			sups, err := tx.ListUsers(ctx, liaison.UserFilter{AgencyID: r.HolderAgency, Role: liaison.RoleSupervisor}, liaison.Page{Limit: liaison.MaxPageSize})
			if err != nil {
				return err
			}
			ids := make([]liaison.ID, len(sups))
			for i, u := range sups {
				ids[i] = u.ID
			}
			if err := s.signal(ctx, tx, now, SignalAccess, r.HolderAgency); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, ids, "access_overdue", "access_request", r.ID, now,
				"Overdue: an access request waits for a decision",
				fmt.Sprintf("A request for %s, made %s, was due %s. Decide it or say why it waits.", kindNoun(r.Kind),
					r.Created.Format(time.RFC3339), r.Due.Format(time.RFC3339))); err != nil {
				return err
			}
			e := liaison.NewAuditEvent(ctx, now, "access.escalate", "access_request", r.ID)
			e.Details = map[string]string{"due": r.Due.Format(time.RFC3339), "holder": r.HolderAgency}
			if err := s.audit(ctx, tx, e); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 {
		s.kick()
	}
	return n, err
}

// MyCases lists the cases the caller is assigned to, for naming the case
// an access request is for.
func (s *Service) MyCases(ctx context.Context) ([]*liaison.Case, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out []*liaison.Case
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		ids, err := tx.ListUserCases(ctx, a.User.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := tx.FindCaseByID(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
