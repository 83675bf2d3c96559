package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"liaison"
	"liaison/service"
)

// sarFormOf fills the report form from a stored draft: the form's involved
// rows take the first entities (identifier and description), as many as
// the form has slots. A draft with more keeps only those the form shows.
func sarFormOf(rep *service.ReleasedSAR) *sarForm {
	f := emptySARForm()
	f.Title, f.Address, f.Why, f.Narrative = rep.Title, rep.Where.Address, rep.Why, rep.Narrative
	if !rep.When.IsZero() {
		f.When = rep.When.UTC().Format("2006-01-02T15:04")
	}
	if rep.Where.Lat != nil {
		f.Lat = strconv.FormatFloat(*rep.Where.Lat, 'f', -1, 64)
	}
	if rep.Where.Lon != nil {
		f.Lon = strconv.FormatFloat(*rep.Where.Lon, 'f', -1, 64)
	}
	f.PartA = boxes(liaison.CategoriesA, rep.Categories, false)
	f.PartB = boxes(liaison.CategoriesB, rep.Categories, true)
	for i, e := range rep.Involved {
		if i >= len(f.Rows) {
			break
		}
		row := &f.Rows[i]
		row.Kind, row.Desc = string(e.Kind), e.Attributes["description"]
		for _, k := range involvedKinds {
			if k.Value == e.Kind {
				row.Ident = e.Attributes[k.key]
			}
		}
	}
	return f
}

// lastReturn is the reason a supervisor gave when returning the draft, if
// that is how it became a draft again.
func lastReturn(rep *service.ReleasedSAR) string {
	for _, t := range slices.Backward(rep.History) {
		if t.From == liaison.SARSubmitted && t.To == liaison.SARDraft {
			return t.Reason
		}
	}
	return ""
}

func (s *Server) renderSAREdit(w http.ResponseWriter, r *http.Request, status int, rep *service.ReleasedSAR, f *sarForm, errs *formErrors) {
	data := map[string]any{"Form": f, "Kinds": involvedKinds, "Edit": rep.ID, "Returned": lastReturn(rep)}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "sar-form.html", data)
}

// editableDraft reads a report for editing: the caller's agency's draft.
func (s *Server) editableDraft(r *http.Request) (*service.ReleasedSAR, error) {
	rep, err := s.svc.GetSAR(r.Context(), r.PathValue("id"), liaison.PurposeCounterterrorism)
	if err != nil {
		return nil, err
	}
	me := liaison.ActorFrom(r.Context()).User
	if rep.AgencyID != me.AgencyID {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no such report")
	}
	if rep.State != liaison.SARDraft {
		return nil, liaison.Errorf(liaison.ECONFLICT, "only a draft can be edited; this report is %s", rep.State)
	}
	if rep.AuthorID != me.ID && !me.Has(liaison.RoleSupervisor) {
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "only the report's author and the agency's supervisors edit a draft")
	}
	return rep, nil
}

func (s *Server) sarEditPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.editableDraft(r)
	if err != nil {
		return err
	}
	s.renderSAREdit(w, r, http.StatusOK, rep, sarFormOf(rep), nil)
	return nil
}

func (s *Server) sarEdit(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	rep, err := s.editableDraft(r)
	if err != nil {
		return err
	}
	f, in, rowOf, errs := parseSARForm(r)
	if !errs.empty() {
		check := liaison.SAR{Source: rep.Source, Title: strings.TrimSpace(in.Title), Narrative: in.Narrative, Why: in.Why,
			When: in.When.Time, Where: in.Where, Categories: in.Categories, Involved: in.Involved}
		if err := check.Validate(s.svc.Now()); err != nil {
			addServiceErrors(errs, err, rowOf)
		}
		s.renderSAREdit(w, r, http.StatusBadRequest, rep, f, errs)
		return nil
	}
	next, err := s.svc.EditSARDraft(r.Context(), rep.ID, in)
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		addServiceErrors(errs, err, rowOf)
		s.renderSAREdit(w, r, http.StatusBadRequest, rep, f, errs)
		return nil
	}
	done := "edited"
	if next.State == liaison.SARSubmitted {
		done = string(next.State)
	}
	http.Redirect(w, r, "/sars/"+next.ID+"?done="+done, http.StatusSeeOther)
	return nil
}
