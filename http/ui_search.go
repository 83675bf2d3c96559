package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/service"
)

// The search page, the access-request form and the access requests and
// grants pages.

// searchForm is the search page's form as typed.
type searchForm struct {
	Q, Identifier, From, To, Purpose string
	Fuzzy                            bool
	Kinds, TLPs, Categories          map[string]bool
}

// searchParams are the search page's query parameters.
var searchParams = []string{"q", "identifier", "fuzzy", "kind", "tlp", "category", "from", "to", "purpose", "cursor"}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, searchParams...); err != nil {
		return err
	}
	return s.showSearch(w, r, r.URL.Query(), nil)
}

// parseSearchForm reads the search page's parameters, from its query or
// from the save form's copy of them, into the form as typed and the
// service's request (without a cursor). The problems name the fields
// that could not be read; the service checks the rest.
func parseSearchForm(q url.Values) (searchForm, service.SearchRequest, *formErrors) {
	f := searchForm{Q: q.Get("q"), Identifier: q.Get("identifier"), From: q.Get("from"), To: q.Get("to"), Purpose: q.Get("purpose"),
		Fuzzy: q.Get("fuzzy") == "on", Kinds: set(q["kind"]), TLPs: set(q["tlp"]), Categories: set(q["category"])}
	if f.Purpose == "" {
		f.Purpose = string(liaison.PurposeCounterterrorism)
	}
	in := service.SearchRequest{Q: f.Q, Identifier: f.Identifier, Fuzzy: f.Fuzzy, Purpose: liaison.Purpose(f.Purpose)}
	for _, k := range q["kind"] {
		in.Kinds = append(in.Kinds, liaison.RecordKind(k))
	}
	for _, t := range q["tlp"] {
		in.TLPs = append(in.TLPs, liaison.TLP(t))
	}
	for _, c := range q["category"] {
		in.Categories = append(in.Categories, liaison.Category(c))
	}
	errs := newFormErrors()
	for _, d := range []struct {
		id, label, v string
		dst          **time.Time
	}{{"search-from", "From", f.From, &in.From}, {"search-to", "To", f.To, &in.To}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.v)
		if err != nil {
			errs.add(d.id, d.label, "must be a date, YYYY-MM-DD")
			continue
		}
		*d.dst = &t
	}
	return f, in, errs
}

// showSearch renders the search page for the parameters q, running the
// search when there are any. save is the save form as sent when it comes
// back to be corrected (nil otherwise); the page answers 400 when
// anything needs fixing.
func (s *Server) showSearch(w http.ResponseWriter, r *http.Request, q url.Values, save *savedForm) error {
	f, in, errs := parseSearchForm(q)
	data := map[string]any{"Form": f, "Purposes": liaison.Purposes, "KindsAll": liaison.SearchKinds, "TLPsAll": liaison.TLPs,
		"CategoriesAll": append(append([]liaison.Category{}, liaison.CategoriesA...), liaison.CategoriesB...), "Errors": map[string]string{},
		"Request": in, "SavedForm": save}
	searched := len(q) > 0
	if searched {
		var resp *service.SearchResponse
		if errs.empty() {
			req := in
			req.Cursor = q.Get("cursor")
			var err error
			resp, err = s.svc.Search(r.Context(), req)
			if err != nil && liaison.ErrorCode(err) != liaison.EINVALID {
				return err
			}
			for _, fe := range liaison.ErrorFields(err) {
				id, label := searchFormField(fe.Field)
				errs.add(id, label, fe.Message)
			}
		}
		if !errs.empty() {
			errs.into(data)
		} else {
			data["Resp"] = resp
			if resp.Next != "" {
				nq := url.Values{}
				for k, v := range q {
					nq[k] = v
				}
				nq.Set("cursor", resp.Next)
				data["Next"] = "/search?" + nq.Encode()
			}
			names, err := s.agencyNames(r)
			if err != nil {
				return err
			}
			data["Agencies"] = names
		}
	}
	data["Searched"] = searched
	if err := s.searchExtras(r, data); err != nil {
		return err
	}
	if data["Summary"] != nil {
		w.WriteHeader(http.StatusBadRequest)
	}
	s.render(w, r, "search.html", data)
	return nil
}

func set(vs []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func searchFormField(field string) (id, label string) {
	switch {
	case field == "q":
		return "search-q", "Words"
	case field == "identifier":
		return "search-identifier", "Identifier"
	case strings.HasPrefix(field, "kinds"):
		return "search-kinds", "Kinds"
	case strings.HasPrefix(field, "tlp"):
		return "search-tlp", "TLP"
	case strings.HasPrefix(field, "categories"):
		return "search-categories", "Categories"
	case field == "from":
		return "search-from", "From"
	case field == "to":
		return "search-to", "To"
	case field == "purpose":
		return "search-purpose", "Purpose"
	}
	return "search-q", field
}

// accessForm is the access-request form as typed.
type accessForm struct {
	Pointer, Purpose, CaseID, Justification string
}

func (s *Server) accessNewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "pointer"); err != nil {
		return err
	}
	f := accessForm{Pointer: r.URL.Query().Get("pointer"), Purpose: string(liaison.PurposeCounterterrorism)}
	return s.renderAccessForm(w, r, http.StatusOK, f, nil)
}

func (s *Server) renderAccessForm(w http.ResponseWriter, r *http.Request, status int, f accessForm, errs *formErrors) error {
	cases, err := s.svc.MyCases(r.Context())
	if err != nil {
		return err
	}
	data := map[string]any{"Form": f, "Purposes": liaison.Purposes, "Cases": cases}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "access-form.html", data)
	return nil
}

func (s *Server) accessCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	f := accessForm{Pointer: r.PostFormValue("pointer"), Purpose: r.PostFormValue("purpose"), CaseID: r.PostFormValue("case_id"),
		Justification: r.PostFormValue("justification")}
	_, err := s.svc.RequestAccess(r.Context(), service.AccessRequestInput{Pointer: f.Pointer, Purpose: liaison.Purpose(f.Purpose),
		CaseID: f.CaseID, Justification: f.Justification})
	if liaison.ErrorCode(err) == liaison.EINVALID {
		errs := newFormErrors()
		for _, fe := range liaison.ErrorFields(err) {
			id, label := "access-"+strings.ReplaceAll(fe.Field, "_", "-"), map[string]string{"pointer": "Pointer", "purpose": "Purpose",
				"case_id": "Case", "justification": "Justification"}[fe.Field]
			errs.add(id, label, fe.Message)
		}
		return s.renderAccessForm(w, r, http.StatusBadRequest, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/access-requests?box=mine&done=requested", http.StatusSeeOther)
	return nil
}

func (s *Server) accessListPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "box", "done", "error"); err != nil {
		return err
	}
	box := r.URL.Query().Get("box")
	if box == "" {
		box = "incoming"
	}
	if box != "mine" && box != "incoming" {
		return liaison.FieldErrorf("box", "must be mine or incoming")
	}
	reqs, _, err := s.svc.ListAccessRequests(r.Context(), box, nil, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	gbox := "mine"
	if box == "incoming" {
		gbox = "issued"
	}
	grants, _, err := s.svc.ListGrants(r.Context(), gbox, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	s.render(w, r, "access-list.html", map[string]any{"Box": box, "Requests": reqs, "Grants": grants, "Done": r.URL.Query().Get("done"),
		"Error": r.URL.Query().Get("error"), "Agencies": names, "Now": time.Now()})
	return nil
}

func (s *Server) accessDecide(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	in := service.AccessDecision{Decision: r.PostFormValue("decision"), Reason: r.PostFormValue("reason")}
	if days := r.PostFormValue("days"); days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 365 {
			http.Redirect(w, r, "/access-requests?box=incoming&error="+url.QueryEscape("Days of access must be a whole number from 1 to 365"), http.StatusSeeOther)
			return nil
		}
		t := time.Now().Add(time.Duration(n) * 24 * time.Hour)
		in.Expires = &t
	}
	_, err := s.svc.DecideAccessRequest(r.Context(), r.PathValue("id"), in)
	if liaison.ErrorCode(err) == liaison.EINVALID || liaison.ErrorCode(err) == liaison.ECONFLICT {
		http.Redirect(w, r, "/access-requests?box=incoming&error="+url.QueryEscape(liaison.ErrorMessage(err)), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/access-requests?box=incoming&done=decided", http.StatusSeeOther)
	return nil
}

func (s *Server) grantRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	_, err := s.svc.RevokeGrant(r.Context(), r.PathValue("id"), r.PostFormValue("reason"))
	if liaison.ErrorCode(err) == liaison.EINVALID || liaison.ErrorCode(err) == liaison.ECONFLICT {
		http.Redirect(w, r, "/access-requests?box=incoming&error="+url.QueryEscape(liaison.ErrorMessage(err)), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/access-requests?box=incoming&done=revoked", http.StatusSeeOther)
	return nil
}
