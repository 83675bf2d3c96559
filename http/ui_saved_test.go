package http_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// savedWorld is a fusion-center analyst (seeker) who searches Metro
// Police's shared intelligence, and Metro's writer, who files more of it;
// a frozen clock and the analyst signed in.
type savedWorld struct {
	*fixture
	now                             time.Time
	seeker, writer                  *liaison.User
	sam                             *browser
	record                          func(title string) *liaison.IntelRecord
	first                           *liaison.IntelRecord
	systemCtx, seekerCtx, writerCtx context.Context
}

func newSavedWorld(t *testing.T, open storetest.Opener) *savedWorld {
	f := newFixture(t, open)
	w := &savedWorld{fixture: f, now: time.Now().UTC().Truncate(time.Second)}
	f.svc.Now = func() time.Time { return w.now }
	w.systemCtx = liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	ctx := w.systemCtx
	metro := must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: "METRO", Name: "Metro Police", Kind: liaison.AgencyLocal, Country: "US",
		Contacts: []liaison.Contact{{Name: "Intel desk", Phone: "+1 202 555 0100"}}}))(t)
	trained := liaison.Attributes{Part23Trained: true}
	w.writer = must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "writer", Name: "Wren Writer", Email: "w@example.gov", AgencyID: metro.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst, liaison.RoleSupervisor}, Attributes: trained, Password: testPassword}))(t)
	w.seeker = must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "seeker", Name: "Sam Seeker", Email: "s@example.gov", AgencyID: f.agency.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: trained, Password: testPassword}))(t)
	comm := must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Region", Kind: liaison.CommunityOther, Members: []liaison.ID{metro.ID, f.agency.ID}}))(t)
	must(f.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: f.agency.ID, CommunityID: comm.ID, LegalBasis: "MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence}, PIIAllowed: true,
		Expires: w.now.AddDate(1, 0, 0)}))(t)
	w.writerCtx = liaison.NewContext(context.Background(), liaison.Actor{User: w.writer})
	w.seekerCtx = liaison.NewContext(context.Background(), liaison.Actor{User: w.seeker})
	mcase := must(f.svc.CreateCase(w.writerCtx, liaison.CaseInput{Title: "Harbour"}))(t)
	w.record = func(title string) *liaison.IntelRecord {
		return must(f.svc.CreateIntelRecord(w.writerCtx, liaison.IntelInput{Title: title, Narrative: "Viktor Baranov photographed the gate.",
			Subjects:  []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Viktor Baranov"}}},
			Predicate: "Reasonable suspicion of a definable crime.", LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2},
			TLP: liaison.TLPAmber, Handling: liaison.H1, CaseID: mcase.ID, SharedWith: []liaison.ID{comm.ID}, RetainUntil: w.now.AddDate(1, 0, 0)}))(t)
	}
	w.first = w.record("Baranov buys fertilizer")
	w.index(t)
	w.sam = uiSignIn(t, f.srv.URL, "seeker", w.now)
	return w
}

// index runs the indexer, and with it the saved-search worker, as the
// server's background loop does.
func (w *savedWorld) index(t *testing.T) {
	t.Helper()
	if _, err := w.svc.IndexSearch(w.systemCtx); err != nil {
		t.Fatal(err)
	}
}

// saved lists a user's saved searches through the service.
func (w *savedWorld) saved(t *testing.T, ctx context.Context) []*liaison.SavedSearch {
	t.Helper()
	return must(w.svc.ListSavedSearches(ctx))(t)
}

// TestUISavedSearchSaveListRunDelete: the analyst searches, saves the
// search with every filter the page has, finds it listed in words and
// runs it again with the same parameters; a matching record filed later
// reaches the inbox as a notice that links to the search's results; the
// analyst deletes the search.
func TestUISavedSearchSaveListRunDelete(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newSavedWorld(t, be.Open)
			status, _, page := w.sam.do("GET", "/search", nil)
			if status != 200 || !strings.Contains(page, `href="/search/saved"`) || strings.Contains(page, `id="save-search-form"`) {
				t.Fatalf("empty search page = %d: no link to saved searches, or a save form without a search:\n%.2000s", status, page)
			}
			search := "/search?q=baranov&fuzzy=on&kind=intelligence&tlp=AMBER&from=2020-01-01&purpose=counterterrorism"
			status, _, page = w.sam.do("GET", search, nil)
			if status != 200 || !strings.Contains(page, w.first.Title) || !strings.Contains(page, `id="save-search-form"`) {
				t.Fatalf("search = %d:\n%.3000s", status, page)
			}
			for _, want := range []string{`name="q" value="baranov"`, `name="fuzzy" value="on"`, `name="kind" value="intelligence"`,
				`name="tlp" value="AMBER"`, `name="from" value="2020-01-01"`, `name="purpose" value="counterterrorism"`,
				"This search: words “baranov”; names that sound alike; only intelligence; TLP AMBER; occurred on or after 2020-01-01; for counterterrorism."} {
				if !strings.Contains(html.UnescapeString(page), want) {
					t.Errorf("the save form lacks %s", want)
				}
			}
			form := url.Values{"csrf": {csrfOf(t, page)}, "q": {"baranov"}, "fuzzy": {"on"}, "kind": {"intelligence"}, "tlp": {"AMBER"},
				"from": {"2020-01-01"}, "purpose": {"counterterrorism"}, "name": {"  Baranov watch "}}
			status, loc, _ := w.sam.do("POST", "/search/saved", form)
			if status != 303 || !strings.HasPrefix(loc, "/search/saved?done=saved&id=") {
				t.Fatalf("save = %d %s", status, loc)
			}
			list := w.saved(t, w.seekerCtx)
			if len(list) != 1 || list[0].Name != "Baranov watch" || !strings.Contains(loc, list[0].ID) {
				t.Fatalf("saved searches %+v", list)
			}
			ss := list[0]
			var q service.SearchRequest
			must(0, json.Unmarshal(ss.Query, &q))(t)
			from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			if q.Q != "baranov" || !q.Fuzzy || len(q.Kinds) != 1 || q.Kinds[0] != liaison.KindIntelligence || len(q.TLPs) != 1 ||
				q.TLPs[0] != liaison.TLPAmber || q.From == nil || !q.From.Equal(from) || q.To != nil || q.Purpose != liaison.PurposeCounterterrorism {
				t.Errorf("saved query %s", ss.Query)
			}
			if n := w.outcomeCount("search.save", liaison.OutcomeSuccess); n != 1 {
				t.Errorf("%d search.save entries, want 1", n)
			}

			_, _, page = w.sam.do("GET", loc, nil)
			text := html.UnescapeString(page)
			if !strings.Contains(text, "Saved “Baranov watch”. New matches will arrive in your inbox.") || !strings.Contains(page, `id="saved-`+ss.ID+`"`) ||
				!strings.Contains(text, "words “baranov”; names that sound alike") || !strings.Contains(text, "0 new hits so far") {
				t.Fatalf("saved list:\n%.3000s", page)
			}
			run := regexp.MustCompile(`href="(/search\?[^"]+)" class="saved-run"`).FindStringSubmatch(page)
			if run == nil {
				t.Fatalf("no run link:\n%.3000s", page)
			}
			runURL := html.UnescapeString(run[1])
			rq := must(url.ParseQuery(strings.TrimPrefix(runURL, "/search?")))(t)
			if want := must(url.ParseQuery(strings.TrimPrefix(search, "/search?")))(t); rq.Encode() != want.Encode() {
				t.Errorf("run link %s, want the search's parameters %s", runURL, want.Encode())
			}
			status, _, page = w.sam.do("GET", runURL, nil)
			if status != 200 || !strings.Contains(page, w.first.Title) || !strings.Contains(page, `id="search-fuzzy" name="fuzzy" checked`) {
				t.Fatalf("run it now = %d:\n%.3000s", status, page)
			}

			// A matching record filed after saving: the worker sends a notice that
			// links to the search's results, where the new record is.
			fresh := w.record("Baranov seen at the depot")
			w.index(t)
			_, _, page = w.sam.do("GET", "/inbox", nil)
			if !strings.Contains(html.UnescapeString(page), `Saved search "Baranov watch": 1 new results, 0 pointers`) ||
				!strings.Contains(page, fresh.ID) || !strings.Contains(page, `href="/search/saved/`+ss.ID+`"`) ||
				!strings.Contains(page, `id="inbox-saved-link"`) {
				t.Fatalf("inbox after a new match:\n%.4000s", page)
			}
			status, loc, _ = w.sam.do("GET", "/search/saved/"+ss.ID, nil)
			if status != 303 || loc != runURL {
				t.Fatalf("the notice's link = %d %s, want %s", status, loc, runURL)
			}
			if _, _, page = w.sam.do("GET", loc, nil); !strings.Contains(page, fresh.Title) {
				t.Fatalf("the saved search's results lack the new record:\n%.3000s", page)
			}
			if _, _, page = w.sam.do("GET", "/search/saved", nil); !strings.Contains(page, "1 new hit so far") {
				t.Errorf("hits after the notice:\n%.3000s", page)
			}

			status, loc, _ = w.sam.do("POST", "/search/saved/"+ss.ID+"/delete", url.Values{"csrf": {csrfOf(t, page)}})
			if status != 303 || loc != "/search/saved?done=deleted" {
				t.Fatalf("delete = %d %s", status, loc)
			}
			_, _, page = w.sam.do("GET", loc, nil)
			if !strings.Contains(page, `id="saved-empty"`) || !strings.Contains(page, "Saved search deleted") || strings.Contains(page, "Baranov watch") {
				t.Fatalf("after delete:\n%.3000s", page)
			}
			if n := len(w.saved(t, w.seekerCtx)); n != 0 {
				t.Errorf("%d saved searches after delete", n)
			}
			if n := w.outcomeCount("search.unsave", liaison.OutcomeSuccess); n != 1 {
				t.Errorf("%d search.unsave entries, want 1", n)
			}
			if status, _, _ := w.sam.do("GET", "/search/saved/"+ss.ID, nil); status != 404 {
				t.Errorf("running a deleted search = %d, want 404", status)
			}
		})
	}
}

// TestUISavedSearchRefusals: another user's saved search is not found
// (neither run nor deleted); a save or delete without the CSRF token is
// refused; bad input (no name, a name taken, too long, too many saved
// searches, a bad date, no search at all) comes back naming the field
// with the name as typed. Nothing changes in any of these.
func TestUISavedSearchRefusals(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newSavedWorld(t, be.Open)
			theirs := must(w.svc.SaveSearch(w.writerCtx, "Wren's harbour watch", service.SearchRequest{Q: "harbour"}))(t)
			mine := must(w.svc.SaveSearch(w.seekerCtx, "Baranov watch", service.SearchRequest{Q: "baranov", Purpose: liaison.PurposeCounterterrorism}))(t)
			unchanged := func(step string, n int) {
				t.Helper()
				if got := len(w.saved(t, w.seekerCtx)); got != n {
					t.Errorf("%s: the analyst has %d saved searches, want %d", step, got, n)
				}
				if got := w.saved(t, w.writerCtx); len(got) != 1 || got[0].ID != theirs.ID {
					t.Errorf("%s: the writer's saved searches %+v", step, got)
				}
			}
			_, _, page := w.sam.do("GET", "/search/saved", nil)
			csrf := csrfOf(t, page)
			if strings.Contains(page, theirs.Name) || strings.Contains(page, theirs.ID) {
				t.Fatalf("the analyst's list shows the writer's saved search:\n%.2000s", page)
			}

			// Another user's saved search, or none: not found.
			for _, id := range []string{theirs.ID, liaison.NewID(), "not-an-id"} {
				if status, _, page := w.sam.do("POST", "/search/saved/"+id+"/delete", url.Values{"csrf": {csrf}}); status != 404 ||
					strings.Contains(page, theirs.Name) {
					t.Errorf("delete %s = %d, want 404", id, status)
				}
				if status, loc, _ := w.sam.do("GET", "/search/saved/"+id, nil); status != 404 || loc != "" {
					t.Errorf("run %s = %d %s, want 404", id, status, loc)
				}
			}
			unchanged("another's", 1)

			// No CSRF token: refused.
			form := url.Values{"q": {"baranov"}, "purpose": {"counterterrorism"}, "name": {"Fresh"}}
			if status, _, _ := w.sam.do("POST", "/search/saved", form); status != 403 {
				t.Errorf("save without the CSRF token = %d, want 403", status)
			}
			form.Set("csrf", "wrong")
			if status, _, _ := w.sam.do("POST", "/search/saved", form); status != 403 {
				t.Errorf("save with a wrong CSRF token = %d, want 403", status)
			}
			if status, _, _ := w.sam.do("POST", "/search/saved/"+mine.ID+"/delete", url.Values{}); status != 403 {
				t.Errorf("delete without the CSRF token = %d, want 403", status)
			}
			unchanged("no CSRF token", 1)

			// Bad input: the search page again, the field named, the name as typed.
			long := strings.Repeat("x", 121)
			for _, c := range []struct {
				name, field string
				change      url.Values
				want        string
			}{
				{"no name", "saved-name", url.Values{"name": {"   "}}, "Name is required"},
				{"a name taken", "saved-name", url.Values{"name": {"Baranov watch"}}, "you already have a saved search called “Baranov watch”"},
				{"a name too long", "saved-name", url.Values{"name": {long}}, "Name must be at most 120 characters"},
				{"a bad date", "search-from", url.Values{"from": {"2020-13-45"}}, "From must be a date"},
				{"a bad identifier", "search-identifier", url.Values{"identifier": {"ab"}}, "Identifier must have 3 to 64 letters or digits"},
			} {
				form := url.Values{"csrf": {csrf}, "q": {"baranov"}, "purpose": {"counterterrorism"}, "name": {"Fresh"}}
				for k, v := range c.change {
					form[k] = v
				}
				status, _, page := w.sam.do("POST", "/search/saved", form)
				text := html.UnescapeString(page)
				if status != 400 || !strings.Contains(page, `id="err-`+c.field+`"`) || !strings.Contains(page, `href="#`+c.field+`"`) ||
					!strings.Contains(text, c.want) || !strings.Contains(page, "Nothing was saved") {
					t.Errorf("%s = %d, want 400 naming %s (%q):\n%.3000s", c.name, status, c.field, c.want, page)
					continue
				}
				if c.field == "saved-name" && (!strings.Contains(page, `value="`+html.EscapeString(form.Get("name"))+`"`) ||
					!strings.Contains(page, `aria-invalid="true"`) || !strings.Contains(page, w.first.Title)) {
					t.Errorf("%s: the page lacks the results, or the name as typed", c.name)
				}
			}
			if status, _, page := w.sam.do("POST", "/search/saved", url.Values{"csrf": {csrf}, "name": {"Nothing"}}); status != 400 ||
				!strings.Contains(page, "no search to save") {
				t.Errorf("save without a search = %d:\n%.2000s", status, page)
			}
			unchanged("bad input", 1)

			// The most one user may keep.
			for i := 1; i < service.MaxSavedSearches; i++ {
				must(w.svc.SaveSearch(w.seekerCtx, "Search "+strings.Repeat("i", i), service.SearchRequest{Q: "baranov"}))(t)
			}
			status, _, page := w.sam.do("POST", "/search/saved", url.Values{"csrf": {csrf}, "q": {"baranov"}, "purpose": {"counterterrorism"},
				"name": {"One too many"}})
			if status != 400 || !strings.Contains(page, `id="err-saved-name"`) || !strings.Contains(page, "50 saved searches") ||
				!strings.Contains(page, `value="One too many"`) {
				t.Errorf("one too many = %d:\n%.3000s", status, page)
			}
			unchanged("too many", service.MaxSavedSearches)
			if n := w.outcomeCount("search.unsave", liaison.OutcomeSuccess); n != 0 {
				t.Errorf("%d deletions audited, want none", n)
			}
		})
	}
}
