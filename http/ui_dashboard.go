package http

import (
	"context"
	"time"

	"liaison"
	"liaison/sar"
)

// dashItem is one "waiting for you" count on the home page.
type dashItem struct {
	ID, Label, Hint, URL string
	Count                int
	More                 bool // Count is a lower bound: the list goes on
}

// dashCap bounds each count: the dashboard says "100+" rather than read a
// whole queue to count it.
const dashCap = 100

// dashboard gathers, for the signed-in user's roles, what waits for them:
// each count comes from the same audited service call as the page it
// links to, so it can never count what that page would not show.
func (s *Server) dashboard(ctx context.Context) ([]dashItem, error) {
	me := liaison.ActorFrom(ctx).User
	var out []dashItem
	add := func(id, label, hint, url string, n int) {
		out = append(out, dashItem{ID: id, Label: label, Hint: hint, URL: url, Count: min(n, dashCap), More: n > dashCap})
	}
	page := liaison.Page{Limit: dashCap + 1}
	queue := func(q sar.Queue) (int, error) {
		rows, _, err := s.svc.SARQueue(ctx, q, "", page)
		return len(rows), err
	}
	if me.Has(liaison.RoleSupervisor) {
		n, err := queue(sar.AwaitingStep1)
		if err != nil {
			return nil, err
		}
		add("dash-step1", "Reports awaiting your step-1 review", "Forward each to a fusion center or return it to its author.",
			"/sars?queue=awaiting_step1", n)
	}
	if me.Has(liaison.RoleAnalyst) && me.Attributes.Part23Trained {
		n, err := queue(sar.AwaitingStep2)
		if liaison.ErrorCode(err) != liaison.EFORBIDDEN {
			if err != nil {
				return nil, err
			}
			add("dash-step2", "Reports awaiting a step-2 determination", "Share each to the ISE or close it.", "/sars?queue=awaiting_step2", n)
		}
	}
	if me.Has(liaison.RoleOfficer) || me.Has(liaison.RoleSupervisor) || me.Has(liaison.RoleAnalyst) || me.Has(liaison.RolePartnerLiaison) {
		n, err := queue(sar.MyDrafts)
		if err != nil {
			return nil, err
		}
		add("dash-drafts", "Your report drafts", "Finish and submit them, or they stay with you.", "/sars?queue=my_drafts", n)
	}
	if me.Has(liaison.RoleOfficer) || me.Has(liaison.RoleSupervisor) || me.Has(liaison.RoleAnalyst) {
		cs, err := s.svc.ListConflicts(ctx, []liaison.ConflictState{liaison.ConflictOpen}, page)
		if err != nil {
			return nil, err
		}
		add("dash-conflicts", "Open deconfliction conflicts", "Call the other agency's contact before you act.", "/conflicts", len(cs))
	}
	if me.Has(liaison.RoleWatch) {
		cs, err := s.svc.WatchConflicts(ctx, []liaison.ConflictState{liaison.ConflictOpen}, page)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, c := range cs {
			if c.Owner == "" {
				n++
			}
		}
		add("dash-watch", "Conflicts in your area no one has taken", "Take one, put the two sides in touch, record the outcome.", "/watch", n)
	}
	reqs, _, err := s.svc.ListAccessRequests(ctx, "incoming", []liaison.AccessRequestState{liaison.RequestPending}, page)
	if err != nil {
		return nil, err
	}
	add("dash-access", "Access requests awaiting your decision", "Partners asked for your agency's holdings; decide within the deadline.",
		"/access-requests?box=incoming", len(reqs))
	if me.Reviewer() {
		due, err := s.svc.DueForReview(ctx, 30*24*time.Hour)
		if err != nil {
			return nil, err
		}
		add("dash-review", "Records due for review within 30 days", "Validate each or purge it (28 CFR 23.20(h)).", "/privacy/review", len(due))
	}
	n, err := s.svc.UnreadCount(ctx)
	if err != nil {
		return nil, err
	}
	add("dash-inbox", "Unread notices", "Conflicts, access decisions and search hits arrive here.", "/inbox", n)
	return out, nil
}
