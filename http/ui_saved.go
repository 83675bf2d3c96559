package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/service"
)

// Saved searches: a search kept under a name. After each indexing batch
// the service runs it again over what was newly indexed, as its owner and
// through the decision point, and sends what it finds to the owner's
// inbox. Here: the save form under the search results, the list of one's
// saved searches, running one again, and deleting one. Every read and
// write is a service call; another user's saved search is not found.

// savedSearchPages lists the web UI routes of this area (see routeTable).
func (s *Server) savedSearchPages() []route {
	page := uiPage
	return []route{
		page("GET", "/search/saved", "ui.search.saved", authSession, s.savedListPage),
		page("POST", "/search/saved", "ui.search.saved.create", authSession, s.savedCreate),
		page("GET", "/search/saved/{id}", "ui.search.saved.run", authSession, s.savedRun),
		page("POST", "/search/saved/{id}/delete", "ui.search.saved.delete", authSession, s.savedDelete),
	}
}

// savedForm is the save form as sent, when it comes back to be corrected.
type savedForm struct {
	Name string
	errs *formErrors
}

// hiddenField is one search parameter the save form carries along.
type hiddenField struct{ Name, Value string }

// searchExtras adds the save form under the results: the search's
// parameters as hidden fields, the search in words, and the name as typed
// with what to fix in it. Without results (nothing searched yet, or a
// search to correct first) there is nothing to save.
func (s *Server) searchExtras(r *http.Request, data map[string]any) error {
	if resp, _ := data["Resp"].(*service.SearchResponse); resp == nil {
		return nil
	}
	in, _ := data["Request"].(service.SearchRequest)
	q, _ := searchValues(in)
	var fields []hiddenField
	for _, k := range searchParams {
		for _, v := range q[k] {
			fields = append(fields, hiddenField{k, v})
		}
	}
	data["SaveFields"], data["SaveWords"] = fields, describeSearch(in)
	if save, _ := data["SavedForm"].(*savedForm); save != nil {
		data["SavedName"] = save.Name
		// The search itself ran cleanly, so the save form's problems are
		// the page's only ones.
		save.errs.into(data)
	}
	return nil
}

// searchValues is the search page's query for in. exact is false when in
// says what the page's form cannot (agencies, an area, a time of day,
// all set through the API); the query leaves that out.
func searchValues(in service.SearchRequest) (q url.Values, exact bool) {
	q = url.Values{}
	exact = len(in.Agencies) == 0 && in.Box == nil && in.Near == nil
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", in.Q)
	set("identifier", in.Identifier)
	if in.Fuzzy {
		q.Set("fuzzy", "on")
	}
	for _, k := range in.Kinds {
		q.Add("kind", string(k))
	}
	for _, t := range in.TLPs {
		q.Add("tlp", string(t))
	}
	for _, c := range in.Categories {
		q.Add("category", string(c))
	}
	for _, d := range []struct {
		k string
		t *time.Time
	}{{"from", in.From}, {"to", in.To}} {
		if d.t == nil {
			continue
		}
		exact = exact && d.t.UTC().Truncate(24*time.Hour).Equal(*d.t) // the page's dates are whole days
		q.Set(d.k, d.t.UTC().Format("2006-01-02"))
	}
	set("purpose", string(in.Purpose))
	return q, exact
}

// describeSearch says in words what a search looks for, for people.
func describeSearch(in service.SearchRequest) string {
	var parts []string
	add := func(format string, a ...any) { parts = append(parts, fmt.Sprintf(format, a...)) }
	if strings.TrimSpace(in.Q) != "" {
		add("words “%s”", strings.TrimSpace(in.Q))
	}
	if in.Fuzzy {
		add("names that sound alike")
	}
	if in.Identifier != "" {
		add("identifier “%s”", in.Identifier)
	}
	if len(in.Kinds) > 0 {
		add("only %s", joinStrings(in.Kinds))
	}
	if len(in.TLPs) > 0 {
		add("TLP %s", strings.ReplaceAll(joinStrings(in.TLPs), ", ", " or "))
	}
	if len(in.Categories) > 0 {
		add("categories: %s", joinStrings(in.Categories))
	}
	if in.From != nil {
		add("occurred on or after %s", in.From.UTC().Format("2006-01-02"))
	}
	if in.To != nil {
		add("occurred before %s", in.To.UTC().Format("2006-01-02"))
	}
	if n := len(in.Agencies); n > 0 {
		add("held by %d chosen %s", n, plural(n, "agency", "agencies"))
	}
	if in.Box != nil {
		add("within an area on the map")
	}
	if n := in.Near; n != nil {
		add("within %.1f km of %.4f, %.4f", n.RadiusM/1000, n.Lat, n.Lon)
	}
	purpose := "no declared purpose"
	if in.Purpose != "" {
		purpose = "for " + strings.ReplaceAll(string(in.Purpose), "_", " ")
	}
	if len(parts) == 0 {
		return "everything, " + purpose
	}
	return strings.Join(parts, "; ") + "; " + purpose
}

// savedRow is one saved search, ready for the list: the search in words
// and the link that runs it again on the search page (empty when its
// query can no longer be read).
type savedRow struct {
	*liaison.SavedSearch
	Words, Run string
	Partial    bool // the link leaves out filters the page cannot show
}

func savedRowOf(ss *liaison.SavedSearch) savedRow {
	var in service.SearchRequest
	if err := json.Unmarshal(ss.Query, &in); err != nil {
		return savedRow{SavedSearch: ss, Words: "this search can no longer be read; delete it and save the search again"}
	}
	q, exact := searchValues(in)
	return savedRow{SavedSearch: ss, Words: describeSearch(in), Run: "/search?" + q.Encode(), Partial: !exact}
}

func (s *Server) savedListPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "done", "id"); err != nil {
		return err
	}
	list, err := s.svc.ListSavedSearches(r.Context())
	if err != nil {
		return err
	}
	rows := make([]savedRow, len(list))
	for i, ss := range list {
		rows[len(list)-1-i] = savedRowOf(ss) // newest first
	}
	q := r.URL.Query()
	data := map[string]any{"Saved": rows, "Max": service.MaxSavedSearches, "Done": q.Get("done")}
	if i := slices.IndexFunc(rows, func(row savedRow) bool { return row.ID == q.Get("id") }); i >= 0 {
		data["DoneName"] = rows[i].Name
	}
	s.render(w, r, "search-saved.html", data)
	return nil
}

// savedCreate saves the search the form carries, or shows the search
// page again with the name as typed and what to fix; nothing is saved
// then.
func (s *Server) savedCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range searchParams {
		if vs, ok := r.PostForm[k]; ok && k != "cursor" {
			q[k] = vs
		}
	}
	if len(q) == 0 {
		return liaison.FieldErrorf("q", "the form carries no search to save; search first, then save the search from its results")
	}
	save := &savedForm{Name: r.PostFormValue("name"), errs: newFormErrors()}
	name := strings.TrimSpace(save.Name)
	_, in, errs := parseSearchForm(q)
	switch {
	case !errs.empty():
		// The search page finds the same problems and shows them.
	case name == "":
		save.errs.add("saved-name", "Name", "is required: a few words you will recognise in your inbox, e.g. “Baranov sightings”")
	default:
		ss, err := s.svc.SaveSearch(r.Context(), name, in)
		if err == nil {
			http.Redirect(w, r, "/search/saved?"+url.Values{"done": {"saved"}, "id": {ss.ID}}.Encode(), http.StatusSeeOther)
			return nil
		}
		code, fields := liaison.ErrorCode(err), liaison.ErrorFields(err)
		if (code != liaison.EINVALID && code != liaison.ECONFLICT) || len(fields) == 0 {
			return err
		}
		for _, fe := range fields {
			switch {
			case fe.Field == "name" && code == liaison.ECONFLICT:
				save.errs.add("saved-name", "Name", fmt.Sprintf("you already have a saved search called “%s”; choose another name, or delete that one from your saved searches first", name))
			case fe.Field == "name":
				save.errs.add("saved-name", "Name", fe.Message)
			default:
				id, label := searchFormField(strings.TrimPrefix(fe.Field, "query."))
				save.errs.add(id, label, fe.Message)
			}
		}
	}
	return s.showSearch(w, r, q, save)
}

// findSaved is one of the caller's saved searches; another user's is not
// found, as a missing one.
func (s *Server) findSaved(r *http.Request, id liaison.ID) (*liaison.SavedSearch, error) {
	list, err := s.svc.ListSavedSearches(r.Context())
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(list, func(ss *liaison.SavedSearch) bool { return ss.ID == id }); i >= 0 {
		return list[i], nil
	}
	return nil, liaison.Errorf(liaison.ENOTFOUND, "no such saved search: it may have been deleted (your saved searches are listed under Search)")
}

// savedRun opens the search page with a saved search's parameters: what
// an inbox notice about its new matches links to.
func (s *Server) savedRun(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	ss, err := s.findSaved(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	row := savedRowOf(ss)
	if row.Run == "" {
		return liaison.Errorf(liaison.ECONFLICT, "this saved search can no longer be read; delete it and save the search again")
	}
	http.Redirect(w, r, row.Run, http.StatusSeeOther)
	return nil
}

func (s *Server) savedDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := s.svc.DeleteSavedSearch(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/search/saved?done=deleted", http.StatusSeeOther)
	return nil
}
