package service_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"liaison"
)

// caseWorld is a police department leading a case, a fusion center and a
// bank sharing a community with it, and a far agency sharing none.
type caseWorld struct {
	*env
	pd, fc, bank, far              *liaison.Agency
	sgt, det, colleague, fcAnalyst *liaison.User
	banker, farOfficer, disabledFC *liaison.User
	caseID                         liaison.ID
	recordID                       liaison.ID
}

func newCaseWorld(t *testing.T) *caseWorld {
	e := newEnv(t)
	w := &caseWorld{env: e}
	mk := func(code string, kind liaison.AgencyKind) *liaison.Agency {
		a, err := e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: code, Name: "Agency " + code, Kind: kind, Country: "US"})
		must(t, err)
		return a
	}
	w.pd, w.fc, w.bank, w.far = mk("PD", liaison.AgencyLocal), mk("FC", liaison.AgencyFusionCenter), mk("BANK", liaison.AgencyPrivate), mk("FAR", liaison.AgencyLocal)
	_, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Area", Kind: liaison.CommunityFusionArea,
		Members: []liaison.ID{w.pd.ID, w.fc.ID, w.bank.ID}})
	must(t, err)
	person := func(a *liaison.Agency, login, name string, roles ...liaison.Role) *liaison.User {
		u, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: login, Name: name, Email: login + "@example.gov", AgencyID: a.ID,
			Roles: roles, Attributes: liaison.Attributes{Part23Trained: true, SwornOfficer: true}, Password: password})
		must(t, err)
		return u
	}
	w.sgt = person(w.pd, "sgt", "Karen Boyd", liaison.RoleSupervisor, liaison.RoleOfficer)
	w.det = person(w.pd, "det", "Luis Ortega", liaison.RoleOfficer)
	w.colleague = person(w.pd, "colleague", "Sam Chen", liaison.RoleOfficer)
	w.fcAnalyst = person(w.fc, "fc.analyst", "Dana Whitfield", liaison.RoleAnalyst)
	w.banker = person(w.bank, "banker", "Jamie Okafor", liaison.RolePartnerLiaison)
	w.farOfficer = person(w.far, "far.officer", "Ray Mills", liaison.RoleOfficer)
	w.disabledFC = person(w.fc, "gone", "Dana Gone", liaison.RoleAnalyst)
	off := true
	_, err = e.svc.UpdateUser(e.sys, w.disabledFC.ID, liaison.UserUpdate{Disabled: &off})
	must(t, err)
	c, err := e.svc.CreateCase(e.as(w.det), liaison.CaseInput{Title: "Night Harbor"})
	must(t, err)
	w.caseID = c.ID
	r, err := e.svc.CreateIntelRecord(e.as(w.det), liaison.IntelInput{Title: "Precursor purchases",
		Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "John Smith"}}},
		Predicate: "Purchases consistent with preparing an explosive device.", LawfulCollection: true,
		Grading: liaison.Grading{Source: "B", Information: 2}, TLP: liaison.TLPAmber, Handling: liaison.H0,
		CaseID: c.ID, RetainUntil: e.clock.Now().AddDate(1, 0, 0)})
	must(t, err)
	w.recordID = r.ID
	return w
}

func (w *caseWorld) assigned() []liaison.ID {
	w.t.Helper()
	c, err := w.svc.FindCase(w.as(w.det), w.caseID)
	must(w.t, err)
	return c.Assigned
}

func fieldOf(err error) string {
	if fs := liaison.ErrorFields(err); len(fs) > 0 {
		return fs[0].Field + ": " + fs[0].Message
	}
	return ""
}

func TestAssignCaseOnlyEligibleStaff(t *testing.T) {
	t.Parallel()
	w := newCaseWorld(t)
	before := w.assigned()
	for _, c := range []struct {
		name, field, msg string
		add              liaison.ID
	}{
		{"not an id", "assigned[1]", "must be a user id", "not-an-id"},
		{"no such user", "assigned[1]", "no account has this id", liaison.NewID()},
		{"a private-sector partner", "assigned[1]", "Jamie Okafor's agency may not be assigned", w.banker.ID},
		{"an agency sharing no community", "assigned[1]", "Ray Mills's agency may not be assigned", w.farOfficer.ID},
		{"a disabled account", "assigned[1]", "must be an active account", w.disabledFC.ID},
	} {
		_, err := w.svc.AssignCase(w.as(w.sgt), w.caseID, []liaison.ID{w.det.ID, c.add})
		if liaison.ErrorCode(err) != liaison.EINVALID || !strings.HasPrefix(fieldOf(err), c.field) || !strings.Contains(fieldOf(err), c.msg) {
			t.Errorf("%s: %v (%s), want EINVALID %s %q", c.name, err, fieldOf(err), c.field, c.msg)
		}
	}
	if got := w.assigned(); !slices.Equal(got, before) {
		t.Fatalf("refused assignments changed the case: %v, was %v", got, before)
	}
	if _, err := w.svc.CreateCase(w.as(w.det), liaison.CaseInput{Title: "With a banker", Assigned: []liaison.ID{w.banker.ID}}); liaison.ErrorCode(err) != liaison.EINVALID || !strings.HasPrefix(fieldOf(err), "assigned[0]") {
		t.Errorf("opening a case with a banker assigned: %v, want EINVALID assigned[0]", err)
	}

	// Staff of the lead agency and of a community partner may be assigned.
	c, err := w.svc.AssignCase(w.as(w.sgt), w.caseID, []liaison.ID{w.det.ID, w.colleague.ID, w.fcAnalyst.ID})
	must(t, err)
	if len(c.Assigned) != 3 {
		t.Fatalf("assigned = %v", c.Assigned)
	}
	// Someone assigned already stays unchecked: the bank joined through a
	// store edit (as if the rule had changed) can still be removed.
	must(t, w.store.Update(context.Background(), func(tx liaison.Tx) error {
		c.Assigned = append(c.Assigned, w.banker.ID)
		return tx.UpdateCase(context.Background(), c)
	}))
	if _, err := w.svc.AssignCase(w.as(w.sgt), w.caseID, append(slices.Clone(w.assigned()), w.colleague.ID)); err != nil {
		t.Errorf("keeping an earlier assignment: %v", err)
	}
	if _, err := w.svc.AssignCase(w.as(w.sgt), w.caseID, []liaison.ID{w.det.ID}); err != nil {
		t.Errorf("removing: %v", err)
	}
}

func TestCaseCandidates(t *testing.T) {
	t.Parallel()
	w := newCaseWorld(t)
	logins := func(us []*liaison.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Login)
		}
		return out
	}
	got, more, err := w.svc.CaseCandidates(w.as(w.sgt), w.caseID, "", 0)
	must(t, err)
	// By name; the assigned detective, the disabled, the banker and the far officer are not offered.
	if want := []string{"fc.analyst", "sgt", "colleague"}; !slices.Equal(logins(got), want) || more {
		t.Fatalf("candidates = %v (more %v), want %v", logins(got), more, want)
	}
	if got, more, _ := w.svc.CaseCandidates(w.as(w.sgt), w.caseID, "WHITF", 0); !slices.Equal(logins(got), []string{"fc.analyst"}) || more {
		t.Errorf("candidates matching WHITF = %v", logins(got))
	}
	if got, more, _ := w.svc.CaseCandidates(w.as(w.sgt), w.caseID, "", 2); len(got) != 2 || !more {
		t.Errorf("two candidates = %v, more %v; want two and more", logins(got), more)
	}
	if _, _, err := w.svc.CaseCandidates(w.as(w.sgt), w.caseID, strings.Repeat("x", 101), 0); fieldOf(err) == "" || !strings.HasPrefix(fieldOf(err), "q") {
		t.Errorf("a long search: %v, want EINVALID q", err)
	}
	// An assigned detective may; an unassigned colleague may not (audited);
	// another agency's officer does not learn the case exists.
	if _, _, err := w.svc.CaseCandidates(w.as(w.det), w.caseID, "", 0); err != nil {
		t.Errorf("assigned detective: %v", err)
	}
	if _, _, err := w.svc.CaseCandidates(w.as(w.colleague), w.caseID, "", 0); liaison.ErrorCode(err) != liaison.EFORBIDDEN {
		t.Errorf("unassigned colleague: %v, want EFORBIDDEN", err)
	}
	if n := outcomes(w.audit(liaison.AuditFilter{Action: "case.candidates"}))[liaison.OutcomeDenied]; n != 1 {
		t.Errorf("denied case.candidates audited %d times, want 1", n)
	}
	for _, id := range []liaison.ID{w.caseID, liaison.NewID(), "nope"} {
		if _, _, err := w.svc.CaseCandidates(w.as(w.farOfficer), id, "", 0); liaison.ErrorCode(err) != liaison.ENOTFOUND {
			t.Errorf("outsider, case %q: %v, want ENOTFOUND", id, err)
		}
	}
	if n := w.countSuccess("user.list"); n != 4 {
		t.Errorf("user.list audited %d times, want 4 (one per answered listing)", n)
	}
}

// An assignment is need-to-know: a colleague of the lead agency who
// declares no purpose reads the case's records only while assigned.
func TestAssignmentIsNeedToKnow(t *testing.T) {
	t.Parallel()
	w := newCaseWorld(t)
	read := func() error {
		_, _, err := w.svc.GetIntelRecord(w.as(w.colleague), w.recordID, "")
		return err
	}
	if err := read(); liaison.ErrorCode(err) != liaison.ENOTFOUND {
		t.Fatalf("unassigned read: %v, want ENOTFOUND", err)
	}
	_, err := w.svc.AssignCase(w.as(w.sgt), w.caseID, []liaison.ID{w.det.ID, w.colleague.ID})
	must(t, err)
	if err := read(); err != nil {
		t.Fatalf("assigned read: %v", err)
	}
	_, err = w.svc.AssignCase(w.as(w.sgt), w.caseID, []liaison.ID{w.det.ID})
	must(t, err)
	if err := read(); liaison.ErrorCode(err) != liaison.ENOTFOUND {
		t.Fatalf("read after removal: %v, want ENOTFOUND", err)
	}
}

// A case the caller may not see is answered in the words a missing one is,
// so that case ids cannot be probed.
func TestCaseHiddenLikeMissing(t *testing.T) {
	t.Parallel()
	w := newCaseWorld(t)
	_, hidden := w.svc.FindCase(w.as(w.farOfficer), w.caseID)
	_, missing := w.svc.FindCase(w.as(w.farOfficer), liaison.NewID())
	if liaison.ErrorCode(hidden) != liaison.ENOTFOUND || liaison.ErrorMessage(hidden) != liaison.ErrorMessage(missing) {
		t.Errorf("hidden case: %v; missing case: %v", hidden, missing)
	}
	_, _, missing = w.svc.CaseCandidates(w.as(w.sgt), liaison.NewID(), "", 0)
	_, _, hidden = w.svc.CaseCandidates(w.as(w.farOfficer), w.caseID, "", 0)
	if liaison.ErrorMessage(hidden) != liaison.ErrorMessage(missing) {
		t.Errorf("candidates of a hidden case: %v; of a missing case: %v", hidden, missing)
	}
}

// TestAddAndRemoveAtOnce: two supervisors' changes made at the same time
// both count (each is read and written in one transaction), and adding
// someone assigned or removing someone who is not is named.
func TestAddAndRemoveAtOnce(t *testing.T) {
	w := newCaseWorld(t)
	for round := range 10 {
		var wg sync.WaitGroup
		for _, u := range []*liaison.User{w.colleague, w.fcAnalyst} {
			wg.Go(func() {
				if _, err := w.svc.AddToCase(w.as(w.sgt), w.caseID, u.ID); err != nil {
					t.Errorf("round %d: add %s: %v", round, u.Login, err)
				}
			})
		}
		wg.Wait()
		if got := w.assigned(); !slices.Contains(got, w.colleague.ID) || !slices.Contains(got, w.fcAnalyst.ID) {
			t.Fatalf("round %d: after two adds at once: %v", round, got)
		}
		for _, u := range []*liaison.User{w.colleague, w.fcAnalyst} {
			wg.Go(func() {
				if _, err := w.svc.RemoveFromCase(w.as(w.sgt), w.caseID, u.ID); err != nil {
					t.Errorf("round %d: remove %s: %v", round, u.Login, err)
				}
			})
		}
		wg.Wait()
		if got := w.assigned(); slices.Contains(got, w.colleague.ID) || slices.Contains(got, w.fcAnalyst.ID) || !slices.Contains(got, w.det.ID) {
			t.Fatalf("round %d: after two removals at once: %v", round, got)
		}
	}
	_, err := w.svc.AddToCase(w.as(w.sgt), w.caseID, w.det.ID)
	wantErr(t, err, liaison.EINVALID, "user")
	_, err = w.svc.RemoveFromCase(w.as(w.sgt), w.caseID, w.colleague.ID)
	wantErr(t, err, liaison.EINVALID, "user")
	_, err = w.svc.AddToCase(w.as(w.sgt), w.caseID, w.banker.ID)
	wantErr(t, err, liaison.EINVALID, "")
	_, err = w.svc.AddToCase(w.as(w.colleague), w.caseID, w.colleague.ID)
	wantErr(t, err, liaison.EFORBIDDEN, "")
}

// TestCaseStaff: the assigned people come back in one read, audited once,
// to those who see the case; anyone else is told there is no such case.
func TestCaseStaff(t *testing.T) {
	w := newCaseWorld(t)
	_, err := w.svc.AddToCase(w.as(w.sgt), w.caseID, w.fcAnalyst.ID)
	must(t, err)
	staff, err := w.svc.CaseStaff(w.as(w.sgt), w.caseID)
	must(t, err)
	var logins []string
	for _, u := range staff {
		logins = append(logins, u.Login)
	}
	if !slices.Equal(logins, []string{"det", "fc.analyst"}) {
		t.Fatalf("staff %v, want det and fc.analyst", logins)
	}
	if n := len(w.audit(liaison.AuditFilter{Action: "case.staff"})); n != 1 {
		t.Errorf("case.staff audited %d times, want once", n)
	}
	// The assigned analyst of the fusion center sees it; the far agency does not.
	_, err = w.svc.CaseStaff(w.as(w.fcAnalyst), w.caseID)
	must(t, err)
	_, err = w.svc.CaseStaff(w.as(w.farOfficer), w.caseID)
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = w.svc.CaseStaff(w.as(w.farOfficer), liaison.NewID())
	wantErr(t, err, liaison.ENOTFOUND, "")
}
