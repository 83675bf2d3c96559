// Package sar is the two-step ISE-SAR vetting state machine: pure rules,
// no I/O. A report reaches the shared space only after its originating
// supervisor's review (step 1) and a trained analyst's determination at a
// fusion center or task force (step 2).
package sar

import (
	"slices"
	"strings"
	"time"

	"liaison"
)

// Step is a vetting action.
type Step string

// Vetting steps.
const (
	Submit      Step = "submit"       // author: draft → submitted
	Forward     Step = "forward"      // step 1, supervisor: submitted → reviewed
	ReturnDraft Step = "return"       // step 1, supervisor: submitted → draft, with what to fix
	RejectStep1 Step = "reject_step1" // step 1, supervisor: submitted → rejected
	Share       Step = "share"        // step 2, analyst: reviewed → shared (ISE-SAR)
	RetainLocal Step = "retain"       // step 2, analyst: reviewed → retained locally
	RejectStep2 Step = "reject_step2" // step 2, analyst: reviewed → rejected
	Withdraw    Step = "withdraw"     // originator: shared → withdrawn
)

// Actor is who takes a step.
type Actor struct {
	User       *liaison.User
	AgencyKind liaison.AgencyKind
	// Peers are the agencies that share a community with the actor's
	// agency, its own included. A fusion center or task force vets at step
	// 2 only the reports of its peers: that is the vetting chain.
	Peers []liaison.ID
}

// Input is what a step carries.
type Input struct {
	Reason        string       // why: required to reject, return, retain or withdraw
	Corroboration string       // step 2 share: written corroborating facts (Part-B-only reports)
	Communities   []liaison.ID // step 2 share: where the ISE-SAR goes
	TLP           liaison.TLP  // step 2 share: its label (default AMBER)
}

type rule struct {
	from liaison.SARState
	to   liaison.SARState
	// may says whether the actor may take the step on s, or why not.
	may func(s *liaison.SAR, a Actor) string
	// needsReason makes the step refuse an empty reason.
	needsReason bool
}

func author(s *liaison.SAR, a Actor) string {
	if a.User.AgencyID != s.AgencyID || (s.AuthorID != "" && a.User.ID != s.AuthorID && !a.User.Has(liaison.RoleSupervisor)) {
		return "only the author or a supervisor of the originating agency submits a report"
	}
	return ""
}

func supervisor(s *liaison.SAR, a Actor) string {
	if !a.User.Has(liaison.RoleSupervisor) {
		return "step 1 is a supervisor's review"
	}
	if a.User.AgencyID != s.AgencyID {
		return "step 1 is done by a supervisor of the originating agency"
	}
	return ""
}

func analyst(s *liaison.SAR, a Actor) string {
	if !a.User.Has(liaison.RoleAnalyst) || !a.User.Attributes.Part23Trained {
		return "step 2 is a trained analyst's determination"
	}
	if a.AgencyKind != liaison.AgencyFusionCenter && a.AgencyKind != liaison.AgencyTaskForce {
		return "step 2 is done at a fusion center or a task force"
	}
	if !slices.Contains(a.Peers, s.AgencyID) {
		return "step 2 is done at a fusion center or a task force that shares a community with the originating agency"
	}
	return ""
}

func originator(s *liaison.SAR, a Actor) string {
	if a.User.AgencyID != s.AgencyID || !(a.User.Has(liaison.RoleSupervisor) || a.User.ID == s.AuthorID) {
		return "only the originating agency's supervisors or the author withdraw a report"
	}
	return ""
}

var rules = map[Step]rule{
	Submit:      {liaison.SARDraft, liaison.SARSubmitted, author, false},
	Forward:     {liaison.SARSubmitted, liaison.SARReviewed, supervisor, false},
	ReturnDraft: {liaison.SARSubmitted, liaison.SARDraft, supervisor, true},
	RejectStep1: {liaison.SARSubmitted, liaison.SARRejected, supervisor, true},
	Share:       {liaison.SARReviewed, liaison.SARShared, analyst, false},
	RetainLocal: {liaison.SARReviewed, liaison.SARRetained, analyst, true},
	RejectStep2: {liaison.SARReviewed, liaison.SARRejected, analyst, true},
	Withdraw:    {liaison.SARShared, liaison.SARWithdrawn, originator, true},
}

// Apply takes step on s for the actor, recording who, when and why. On any
// error s is unchanged: EINVALID for a step out of order or missing input,
// EFORBIDDEN for an actor not entitled to the step.
func Apply(s *liaison.SAR, a Actor, step Step, in Input, now time.Time) error {
	r, ok := rules[step]
	if !ok {
		return liaison.FieldErrorf("step", "must be one of submit, forward, return, reject_step1, share, retain, reject_step2, withdraw")
	}
	if a.User == nil {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if s.State != r.from {
		return liaison.FieldErrorf("step", "cannot %s a report that is %s (it must be %s)", step, s.State, r.from)
	}
	if why := r.may(s, a); why != "" {
		return liaison.Errorf(liaison.EFORBIDDEN, "%s", why)
	}
	reason := strings.TrimSpace(in.Reason)
	if r.needsReason && len(reason) < 5 {
		return liaison.FieldErrorf("reason", "say why (at least 5 characters)")
	}
	next := *s
	if step == Share {
		if len(in.Communities) == 0 {
			return liaison.FieldErrorf("communities", "name the communities the ISE-SAR is shared with")
		}
		corroboration := strings.TrimSpace(in.Corroboration)
		if corroboration == "" {
			corroboration = strings.TrimSpace(s.Corroboration)
		}
		if s.PartBOnly() && len(corroboration) < 20 {
			return liaison.FieldErrorf("corroboration", "a report whose only categories are Part B needs written corroborating facts to be shared")
		}
		next.Corroboration = corroboration
		next.SharedWith = slices.Clone(in.Communities)
		next.TLP = in.TLP
		if next.TLP == "" {
			next.TLP = liaison.TLPAmber
		}
		if next.TLP.Rank() < 0 {
			return liaison.FieldErrorf("tlp", "must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
		}
	}
	next.State, next.Updated = r.to, now
	next.History = append(slices.Clone(s.History), liaison.SARTransition{From: r.from, To: r.to, By: a.User.ID,
		ByAgency: a.User.AgencyID, At: now, Reason: reason})
	*s = next
	return nil
}

// Queue names a vetting queue.
type Queue string

// Queues users work from.
const (
	MyDrafts      Queue = "my_drafts"
	AwaitingStep1 Queue = "awaiting_step1"
	AwaitingStep2 Queue = "awaiting_step2"
	SharedWithUs  Queue = "shared_with_us"
	Withdrawn     Queue = "withdrawn"
)

// InQueue reports whether s belongs in queue q for the actor.
func InQueue(s *liaison.SAR, a Actor, q Queue) bool {
	switch q {
	case MyDrafts:
		return s.State == liaison.SARDraft && s.AuthorID == a.User.ID
	case AwaitingStep1:
		return s.State == liaison.SARSubmitted && supervisor(s, a) == ""
	case AwaitingStep2:
		return s.State == liaison.SARReviewed && analyst(s, a) == ""
	case SharedWithUs:
		return s.State == liaison.SARShared
	case Withdrawn:
		return s.State == liaison.SARWithdrawn
	}
	return false
}

// PIIVisible reports whether the actor may see identifying data in s
// before it is shared: only the originating agency and its vetting chain
// (the trained analysts of the fusion centers and task forces among its
// peers while it awaits step 2, and whoever took a step on it, until it
// is withdrawn).
func PIIVisible(s *liaison.SAR, a Actor) bool {
	if a.User.AgencyID == s.AgencyID {
		return true
	}
	if s.State == liaison.SARReviewed && analyst(s, a) == "" {
		return true
	}
	if s.State == liaison.SARWithdrawn {
		return false // withdrawn: its originating agency's alone again, whoever vetted it
	}
	for _, h := range s.History {
		if h.By == a.User.ID {
			return true
		}
	}
	return s.State == liaison.SARShared // from here the decision point and agreements decide
}
