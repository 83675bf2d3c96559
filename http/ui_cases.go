package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"liaison"
)

// The web UI for a case: what it is, the records of it the user may read,
// and who is assigned. Assignment is need-to-know for the case's records,
// so the lead agency's supervisors and its assigned staff may add and
// remove people here; the service decides who may be assigned and audits
// every change.
//
// The pages live under /cases, not /records/cases: a pattern
// /records/cases/{id} would clash with /records/{id}/correct in the
// standard mux (both match /records/cases/correct).

// casePages are the case pages: a case, its records and its assignments.
func (s *Server) casePages() []route {
	return []route{
		uiPage("GET", "/cases/{id}", "ui.case", authSession, s.casePage),
		uiPage("POST", "/cases/{id}/assign", "ui.case.assign", authSession, s.caseAssign),
		uiPage("POST", "/cases/{id}/unassign", "ui.case.unassign", authSession, s.caseUnassign),
	}
}

// caseCandidateLimit is how many people the assignment list offers; a
// search narrows it.
const caseCandidateLimit = 50

// caseDone is what the case page says after an act.
var caseDone = map[string]string{
	"assigned": "Assigned. They now have need-to-know for the case's records; the change is in the audit log.",
	"removed":  "Removed from the case. They no longer read its records on the strength of the assignment; the change is in the audit log.",
	"left":     "You are no longer assigned to this case. The change is in the audit log.",
}

// staffRow is one assigned person as the page shows them.
type staffRow struct {
	ID, Name, Login, Agency string
	Roles                   []liaison.Role
	Me, Unknown             bool
}

// caseForm is what the assignment form sends back when it is shown again.
type caseForm struct {
	Query, User string
}

func casePath(id liaison.ID, q url.Values) string {
	if len(q) == 0 {
		return "/cases/" + id
	}
	return "/cases/" + id + "?" + q.Encode()
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose", "cursor", "q", "done", "who"); err != nil {
		return err
	}
	return s.renderCase(w, r, http.StatusOK, caseForm{Query: r.URL.Query().Get("q")}, nil)
}

// renderCase renders a case's page; a case the user may not see is the
// service's not-found answer, as for a missing one.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, f caseForm, errs *formErrors) error {
	me, err := requireIntelReader(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	c, err := s.svc.FindCase(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	purpose := validPurpose(liaison.Purpose(q.Get("purpose")))
	data := map[string]any{"Case": c, "Lead": names[c.AgencyID], "Agencies": names, "Purpose": purpose, "Purposes": liaison.Purposes,
		"Done": caseDone[q.Get("done")], "Form": f, "CanAssign": c.ManagedBy(me), "CanCreate": mayWriteIntel(me)}
	recs, next, err := s.svc.ListIntelRecords(ctx, c.ID, purpose, liaison.Page{After: q.Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	data["Records"] = recs
	if next != "" {
		data["Next"] = casePath(c.ID, url.Values{"purpose": {string(purpose)}, "cursor": {next}})
	}
	staff, err := s.caseStaff(r, c, names)
	if err != nil {
		return err
	}
	data["Staff"] = staff
	if who := q.Get("who"); q.Get("done") == "assigned" && who != "" {
		for _, row := range staff {
			if row.ID == who && !row.Unknown {
				data["Done"] = "Assigned " + row.Name + ". " + strings.TrimPrefix(caseDone["assigned"], "Assigned. ")
			}
		}
	}
	if c.ManagedBy(me) {
		cands, more, err := s.svc.CaseCandidates(ctx, c.ID, f.Query, caseCandidateLimit)
		switch {
		case liaison.ErrorCode(err) == liaison.EINVALID:
			if errs == nil {
				errs = newFormErrors()
			}
			errs.add("staff-q", "Find staff", fieldMessage(err))
			status = http.StatusBadRequest
		case err != nil:
			return err
		}
		data["Candidates"], data["More"] = cands, more
	}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "records-case.html", data)
	return nil
}

// caseStaff looks up the people assigned to c, by name; an account that
// is gone still shows, as such, so that it can be removed.
func (s *Server) caseStaff(r *http.Request, c *liaison.Case, names map[liaison.ID]string) ([]staffRow, error) {
	me := liaison.ActorFrom(r.Context()).User
	staff, err := s.svc.CaseStaff(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]staffRow, 0, len(staff))
	for _, u := range staff {
		if u.Login == "" {
			rows = append(rows, staffRow{ID: u.ID, Name: "Unknown account", Unknown: true})
			continue
		}
		rows = append(rows, staffRow{ID: u.ID, Name: u.Name, Login: u.Login, Agency: names[u.AgencyID], Roles: u.Roles, Me: u.ID == me.ID})
	}
	slices.SortStableFunc(rows, func(a, b staffRow) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return rows, nil
}

// fieldMessage is the first field problem of err, or its message.
func fieldMessage(err error) string {
	if fs := liaison.ErrorFields(err); len(fs) > 0 {
		return fs[0].Message
	}
	return liaison.ErrorMessage(err)
}

// caseAssign adds one person to a case: the service checks who may
// assign and who may be assigned, and names the field at fault. Only those
// shown the form get the form's own checks; anyone else gets the
// service's refusal, which it audits.
func (s *Server) caseAssign(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	me, err := requireIntelReader(r)
	if err != nil {
		return err
	}
	f := caseForm{Query: strings.TrimSpace(r.PostFormValue("q")), User: strings.TrimSpace(r.PostFormValue("user"))}
	c, err := s.svc.FindCase(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	errs := newFormErrors()
	switch {
	case !c.ManagedBy(me):
	case f.User == "":
		errs.add("assign-user", "Staff member", "is required: choose the person to assign from the list")
	case slices.Contains(c.Assigned, f.User):
		errs.add("assign-user", "Staff member", "is assigned to this case already")
	}
	if !errs.empty() {
		return s.renderCase(w, r, http.StatusBadRequest, f, errs)
	}
	_, err = s.svc.AddToCase(r.Context(), c.ID, f.User)
	if liaison.ErrorCode(err) == liaison.EINVALID {
		errs.add("assign-user", "Staff member", fieldMessage(err))
		return s.renderCase(w, r, http.StatusBadRequest, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, casePath(c.ID, url.Values{"done": {"assigned"}, "who": {f.User}, "purpose": {string(casePurpose(r))}}), http.StatusSeeOther)
	return nil
}

// casePurpose is the purpose the case page was read for.
func casePurpose(r *http.Request) liaison.Purpose {
	return validPurpose(liaison.Purpose(r.URL.Query().Get("purpose")))
}

// caseUnassign removes one person from a case. Removing yourself asks
// first: you may lose need-to-know for its records, the right to change
// its assignments and, outside the lead agency, the case itself.
func (s *Server) caseUnassign(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	me, err := requireIntelReader(r)
	if err != nil {
		return err
	}
	user := strings.TrimSpace(r.PostFormValue("user"))
	c, err := s.svc.FindCase(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.ManagedBy(me) {
		if !slices.Contains(c.Assigned, user) {
			errs := newFormErrors()
			errs.add("staff", "Staff member", "must be someone assigned to this case: the list below shows who is now")
			return s.renderCase(w, r, http.StatusBadRequest, caseForm{}, errs)
		}
		if user == me.ID && r.PostFormValue("confirm") != "yes" {
			s.render(w, r, "records-case-leave.html", map[string]any{"Case": c, "Purpose": casePurpose(r),
				"OwnAgency": c.AgencyID == me.AgencyID, "Supervisor": me.Has(liaison.RoleSupervisor)})
			return nil
		}
	}
	if _, err := s.svc.RemoveFromCase(r.Context(), c.ID, user); liaison.ErrorCode(err) == liaison.EINVALID {
		// Someone else took them off since the page was read.
		errs := newFormErrors()
		errs.add("staff", "Staff member", "must be someone assigned to this case: the list below shows who is now")
		return s.renderCase(w, r, http.StatusBadRequest, caseForm{}, errs)
	} else if err != nil {
		return err
	}
	done := "removed"
	if user == me.ID {
		done = "left"
	}
	http.Redirect(w, r, casePath(c.ID, url.Values{"done": {done}, "purpose": {string(casePurpose(r))}}), http.StatusSeeOther)
	return nil
}
