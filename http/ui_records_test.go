package http_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

// recordsUIWorld is the intelligence world with a frozen clock and
// browsers for Riverton's detective, the fusion center's analyst (whose
// agreement carries no personal data) and the bank's liaison.
type recordsUIWorld struct {
	*intelWorld
	now                time.Time
	det, analyst, bank *browser
}

func newRecordsUIWorld(t *testing.T, open storetest.Opener) *recordsUIWorld {
	w := newIntelWorld(t, open)
	now := time.Now().UTC().Truncate(time.Second)
	w.svc.Now = func() time.Time { return now }
	return &recordsUIWorld{intelWorld: w, now: now, det: uiSignIn(t, w.srv.URL, "det", now),
		analyst: uiSignIn(t, w.srv.URL, "analyst", now), bank: uiSignIn(t, w.srv.URL, "banker", now)}
}

// allRecords counts every record in the store, read directly.
func (w *recordsUIWorld) allRecords(t *testing.T) int {
	t.Helper()
	var n int
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		rs, err := tx.ListIntelRecords(context.Background(), liaison.IntelFilter{}, liaison.Page{Limit: 100})
		n = len(rs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// recordForm is a valid record form: a person and a van, linked.
func (w *recordsUIWorld) recordForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "title": {"Precursor purchases at the co-op"}, "case_id": {w.caseID},
		"narrative":          {"John Smith bought 40 kg of ammonium nitrate in cash; he drove a white van, plate RVT 2290."},
		"criminal_predicate": {"Purchases consistent with preparing an explosive device (18 U.S.C. 844)."},
		"lawful_collection":  {"yes"}, "grading_source": {"B"}, "grading_information": {"2"}, "tlp": {"AMBER"}, "handling": {"H2"},
		"shared_with": {w.community.ID}, "retain_until": {w.now.AddDate(1, 0, 0).Format("2006-01-02")},
		"subj-1-kind": {"person"}, "subj-1-name": {"John Smith"}, "subj-1-dob": {"1990-01-02"},
		"subj-2-kind": {"vehicle"}, "subj-2-ident": {"RVT 2290"}, "subj-2-other": {"make: Ford Transit; colour: white"},
		"link-1-from": {"1"}, "link-1-type": {"uses"}, "link-1-to": {"2"}}
}

func TestUIRecordsCreateViewGraph(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newRecordsUIWorld(t, be.Open)
			status, _, page := w.det.do("GET", "/records", nil)
			if status != 200 || !strings.Contains(page, "Operation Lantern") || !strings.Contains(page, `id="records-intro"`) {
				t.Fatalf("records page = %d:\n%.2000s", status, page)
			}
			status, _, page = w.det.do("GET", "/records?case="+w.caseID+"&purpose=criminal_investigation", nil)
			if status != 200 || !strings.Contains(page, `id="records-empty"`) || !strings.Contains(page, `href="/records/new?case=`+w.caseID+`"`) {
				t.Fatalf("empty case = %d:\n%.3000s", status, page)
			}
			_, _, page = w.det.do("GET", "/records/new?case="+w.caseID, nil)
			csrf := csrfOf(t, page)

			// Bad input: every problem named at its field; nothing is filed.
			bad := w.recordForm(csrf)
			bad.Set("title", "")
			bad.Set("criminal_predicate", "bad guy")
			bad.Del("lawful_collection")
			bad.Set("handling", "H3")
			bad.Set("link-1-to", "3")
			bad.Set("subj-1-dob", "2 Jan 1990")
			status, _, page = w.det.do("POST", "/records", bad)
			if status != 400 {
				t.Fatalf("bad form = %d:\n%.2000s", status, page)
			}
			for _, want := range []string{`id="error-summary"`, `id="err-link-1-from"`, `href="#link-1-from"`, `id="err-subj-1-dob"`,
				"must be a date, YYYY-MM-DD", "must join two subjects", `value="John Smith"`} {
				if !strings.Contains(page, want) {
					t.Errorf("bad form page lacks %q", want)
				}
			}
			// Fix what only the form sees; the service names the rest.
			bad.Set("link-1-to", "2")
			bad.Set("subj-1-dob", "1990-01-02")
			status, _, page = w.det.do("POST", "/records", bad)
			for _, want := range []string{`id="err-rec-title"`, `id="err-rec-predicate"`, "at least 20 characters", `id="err-rec-lawful"`,
				"attest that the information was collected lawfully", `id="err-rec-restriction"`, "state the restriction"} {
				if !strings.Contains(page, want) {
					t.Errorf("service errors page lacks %q", want)
				}
			}
			if status != 400 || w.allRecords(t) != 0 {
				t.Fatalf("bad form = %d, records now %d", status, w.allRecords(t))
			}
			// Without the page's CSRF token: refused, nothing filed.
			forged := w.recordForm("forged")
			if status, _, _ := w.det.do("POST", "/records", forged); status != 403 || w.allRecords(t) != 0 {
				t.Fatalf("forged form = %d, records %d", status, w.allRecords(t))
			}
			forged.Del("csrf")
			if status, _, _ := w.det.do("POST", "/records", forged); status != 403 || w.allRecords(t) != 0 {
				t.Fatalf("form without csrf = %d", status)
			}

			status, loc, _ := w.det.do("POST", "/records", w.recordForm(csrf))
			m := regexp.MustCompile(`^/records/([0-9a-f-]{36})\?`).FindStringSubmatch(loc)
			if status != 303 || m == nil || w.allRecords(t) != 1 {
				t.Fatalf("file = %d %q", status, loc)
			}
			id := m[1]
			status, _, view := w.det.do("GET", loc, nil)
			view = html.UnescapeString(view)
			if status != 200 {
				t.Fatalf("view = %d", status)
			}
			if n := strings.Count(view, "TLP:AMBER · H2 no onward dissemination without the originator's permission · B2: usually reliable, probably true"); n != 2 {
				t.Errorf("banner appears %d times, want top and bottom", n)
			}
			for _, want := range []string{`id="banner-top"`, `id="banner-bottom"`, "banner-amber", "Record filed", "John Smith", "RVT 2290",
				"Ford Transit", `id="decision-reason"`, "staff of the originating agency", `id="correct-record"`, `id="rec-history"`,
				`id="rec-retain-until"`, w.now.AddDate(1, 0, 0).Format("2006-01-02")} {
				if !strings.Contains(view, want) {
					t.Errorf("record page lacks %q", want)
				}
			}
			if strings.Contains(view, `mark class="withheld"`) {
				t.Error("the originator's own record shows withheld fields")
			}
			g := regexp.MustCompile(`href="(/records/` + id + `/entities/[0-9a-f-]{36}/graph\?purpose=[a-z_]+)"`).FindStringSubmatch(view)
			if g == nil {
				t.Fatal("no graph link on the record page")
			}
			status, _, graph := w.det.do("GET", g[1], nil)
			for _, want := range []string{`role="img"`, "<title id=\"graph-title\">", `id="edge-table"`, "John Smith (born 1990-01-02)",
				"RVT 2290", "uses", `<th scope="col">`} {
				if !strings.Contains(graph, want) {
					t.Errorf("graph page lacks %q", want)
				}
			}
			if status != 200 {
				t.Fatalf("graph = %d", status)
			}

			// The correction form comes prefilled and saves a new version.
			_, _, cpage := w.det.do("GET", "/records/"+id+"/correct", nil)
			if !strings.Contains(cpage, `value="John Smith"`) || !strings.Contains(cpage, `name="version" value="1"`) {
				t.Fatalf("correction form not prefilled:\n%.3000s", cpage)
			}
			fix := w.recordForm(csrfOf(t, cpage))
			fix.Set("version", "1")
			fix.Set("subj-1-name", "Jon Smith")
			status, loc, _ = w.det.do("POST", "/records/"+id+"/correct", fix)
			if status != 303 || !strings.Contains(loc, "done=corrected") {
				t.Fatalf("correct = %d %s", status, loc)
			}
			_, _, view = w.det.do("GET", loc, nil)
			if !strings.Contains(view, "Jon Smith") || strings.Count(view, "<td>Precursor purchases at the co-op</td>") != 2 {
				t.Errorf("corrected record lacks the new name or the two versions")
			}
			// A stale version is refused, naming what to do.
			status, _, page = w.det.do("POST", "/records/"+id+"/correct", fix)
			if status != 400 || !strings.Contains(page, "reload") && !strings.Contains(page, "latest version") {
				t.Errorf("stale correction = %d", status)
			}
		})
	}
}

func TestUIRecordsOutsidersGetNotFoundAndRedactedCopies(t *testing.T) {
	w := newRecordsUIWorld(t, storetest.OpenSQLite)
	id := w.record(t, liaison.TLPAmber)
	var subject liaison.ID
	_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
		r, err := tx.FindIntelRecord(context.Background(), id)
		if err == nil {
			subject = r.Subjects[0].ID
		}
		return err
	})
	missing := liaison.NewID()
	// The bank's liaison (private sector: never raw intelligence) gets the
	// page a missing record gets, for the record and for its graph.
	for _, path := range []string{"/records/%s?purpose=counterterrorism", "/records/%s/entities/" + subject + "/graph?purpose=counterterrorism"} {
		s1, _, hidden := w.bank.do("GET", strings.Replace(path, "%s", id, 1), nil)
		s2, _, gone := w.bank.do("GET", strings.Replace(path, "%s", missing, 1), nil)
		if s1 != 404 || s2 != 404 || strings.Contains(hidden, "John Smith") || strings.Contains(hidden, "Precursor") {
			t.Errorf("%s: bank gets %d / %d for hidden / missing", path, s1, s2)
		}
		if detail(hidden) != detail(gone) {
			t.Errorf("%s: hidden and missing differ: %q vs %q", path, detail(hidden), detail(gone))
		}
	}
	// The fusion center's analyst reads under an agreement without personal
	// data: identifiers are marked withheld, with the reason, everywhere.
	status, _, view := w.analyst.do("GET", "/records/"+id+"?purpose=counterterrorism", nil)
	view = html.UnescapeString(view)
	if status != 200 || strings.Contains(view, "John Smith") || strings.Contains(view, "1990-01-02") || strings.Contains(view, "555 0143") {
		t.Fatalf("analyst's view = %d, shows personal data", status)
	}
	for _, want := range []string{`mark class="withheld"`, `id="withheld-notice"`, "no agreement or grant lets your agency receive this record's personal data",
		"partner agency may read", "without personal data", "TLP:AMBER · H0 law-enforcement use only"} {
		if !strings.Contains(view, want) {
			t.Errorf("analyst's view lacks %q", want)
		}
	}
	if strings.Contains(view, `id="correct-record"`) {
		t.Error("a partner is offered the correction")
	}
	status, _, graph := w.analyst.do("GET", "/records/"+id+"/entities/"+subject+"/graph?purpose=counterterrorism", nil)
	if status != 200 || strings.Contains(graph, "John Smith") || !strings.Contains(graph, "person (identity withheld)") {
		t.Errorf("analyst's graph = %d, shows the name or not its withholding", status)
	}
	// Without a purpose the agreement does not apply: not found.
	if status, _, _ := w.analyst.do("GET", "/records/"+id+"?purpose=financial_crime", nil); status != 404 {
		t.Errorf("read for a purpose no agreement names = %d", status)
	}
	// Partners cannot write intelligence; the form says so, nothing is filed.
	if status, _, _ := w.bank.do("GET", "/records/new", nil); status != 403 {
		t.Errorf("bank's new-record form = %d", status)
	}
	_, _, page := w.bank.do("GET", "/records", nil)
	if status, _, _ := w.bank.do("POST", "/records", w.recordForm(csrfOf(t, page))); status != 403 || w.allRecords(t) != 1 {
		t.Errorf("bank files a record = %d, records %d", status, w.allRecords(t))
	}
}

var detailRE = regexp.MustCompile(`<p role="alert">([^<]*)</p>`)

func detail(page string) string {
	if m := detailRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

func TestUIRecordsNewCase(t *testing.T) {
	w := newRecordsUIWorld(t, storetest.OpenSQLite)
	_, _, page := w.det.do("GET", "/records", nil)
	status, _, page := w.det.do("POST", "/records/cases", url.Values{"csrf": {csrfOf(t, page)}, "title": {"  "}})
	if status != 400 || !strings.Contains(page, `id="err-case-title"`) || !strings.Contains(page, "Case title") {
		t.Fatalf("empty case title = %d", status)
	}
	if status, _, _ := w.det.do("POST", "/records/cases", url.Values{"title": {"No token"}}); status != 403 {
		t.Fatalf("case without csrf = %d", status)
	}
	status, loc, _ := w.det.do("POST", "/records/cases", url.Values{"csrf": {csrfOf(t, page)}, "title": {"Operation Ember"}})
	if status != 303 || !strings.Contains(loc, "done=case") {
		t.Fatalf("new case = %d %s", status, loc)
	}
	_, _, page = w.det.do("GET", loc, nil)
	if !strings.Contains(page, "Operation Ember") || !strings.Contains(page, "Case opened") {
		t.Errorf("the new case is not listed")
	}
}

// TestUIRecordsFirstAmendmentFields: a subject's other details can be
// marked as recording views or associations; the record then needs the
// tie to the criminal predicate, and the form says so at the tie field.
func TestUIRecordsFirstAmendmentFields(t *testing.T) {
	w := newRecordsUIWorld(t, storetest.OpenSQLite)
	_, _, page := w.det.do("GET", "/records/new?case="+w.caseID, nil)
	csrf := csrfOf(t, page)
	form := w.recordForm(csrf)
	form.Set("subj-1-fa", "yes")
	status, _, page := w.det.do("POST", "/records", form)
	if status != 400 || !strings.Contains(page, `id="err-subj-1-other"`) || w.allRecords(t) != 0 {
		t.Fatalf("marked with no details = %d:\n%.2000s", status, page)
	}
	form.Set("subj-1-other", "affiliation: Riverton Liberty Militia")
	status, _, page = w.det.do("POST", "/records", form)
	if status != 400 || !strings.Contains(page, `href="#rec-tie"`) || !strings.Contains(page, `id="err-rec-tie"`) || w.allRecords(t) != 0 {
		t.Fatalf("marked without a tie = %d:\n%.2000s", status, page)
	}
	form.Set("first_amendment_tie", "The militia's members are the buyers named in the predicate; membership is recorded for that link only.")
	if status, _, page = w.det.do("POST", "/records", form); status != 303 || w.allRecords(t) != 1 {
		t.Fatalf("with the tie = %d:\n%.2000s", status, page)
	}
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		rs, err := tx.ListIntelRecords(context.Background(), liaison.IntelFilter{}, liaison.Page{Limit: 1})
		if err != nil {
			return err
		}
		if fa := rs[0].Subjects[0].FirstAmendment; len(fa) != 1 || fa[0] != "affiliation" {
			t.Errorf("first amendment fields = %v, want [affiliation]", fa)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUIRecordsAssess: a sworn officer of a partner agency releases an
// imminent-danger assessment from the record page. The justification is
// required and named when missing; the assessment shows no subject and no
// identifier and is audited for review; a private-sector partner is
// refused as for a missing record; a post without the CSRF token changes
// nothing.
func TestUIRecordsAssess(t *testing.T) {
	w := newIntelWorld(t, storetest.OpenSQLite)
	now := time.Now().UTC().Truncate(time.Second)
	w.svc.Now = func() time.Time { return now }
	sys := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	sworn := liaison.Attributes{Part23Trained: true, SwornOfficer: true, Clearance: liaison.ClearanceSecret}
	must(w.svc.UpdateUser(sys, w.analyst.ID, liaison.UserUpdate{Attributes: &sworn}))(t)
	id := w.record(t, liaison.TLPAmber)
	analyst, bank := uiSignIn(t, w.srv.URL, "analyst", now), uiSignIn(t, w.srv.URL, "banker", now)
	path := "/records/" + id + "/assess?purpose=counterterrorism"

	_, _, view := analyst.do("GET", "/records/"+id+"?purpose=counterterrorism", nil)
	if !strings.Contains(view, `id="assess"`) || !strings.Contains(view, `id="assess-submit"`) {
		t.Fatalf("the sworn partner is not offered the assessment:\n%.3000s", view)
	}
	csrf := csrfOf(t, view)
	if status, _, _ := analyst.do("POST", path, url.Values{"justification": {"Armed man at the school gate, officers en route now."}}); status != 403 {
		t.Errorf("assess without the CSRF token = %d, want 403", status)
	}
	status, _, page := analyst.do("POST", path, url.Values{"csrf": {csrf}, "justification": {"urgent"}})
	if status != 400 || !strings.Contains(page, `id="err-assess-justification"`) || !strings.Contains(page, "at least 20 characters") ||
		!strings.Contains(page, `href="#assess-justification"`) || !strings.Contains(page, ">urgent</textarea>") {
		t.Fatalf("assess with a short justification = %d:\n%.3000s", status, page)
	}
	if n := w.outcomeCount("intel.assess", liaison.OutcomeSuccess); n != 0 {
		t.Fatalf("refused assessments audited as releases: %d", n)
	}
	status, _, page = analyst.do("POST", path, url.Values{"csrf": {csrf}, "justification": {"Armed man at the school gate, officers en route now."}})
	plain := html.UnescapeString(page)
	if status != 200 || !strings.Contains(page, `id="assessed"`) || strings.Contains(plain, "John Smith") || strings.Contains(plain, "555 0143") ||
		strings.Contains(plain, "1990-01-02") || !strings.Contains(plain, "as an assessment only") {
		t.Fatalf("assessment = %d:\n%.4000s", status, page)
	}
	if n := w.outcomeCount("intel.assess", liaison.OutcomeSuccess); n != 1 {
		t.Fatalf("assessments audited: %d, want 1", n)
	}
	// The bank's liaison (private sector) is refused as for a missing record.
	_, _, home := bank.do("GET", "/records", nil)
	s1, _, hidden := bank.do("POST", path, url.Values{"csrf": {csrfOf(t, home)}, "justification": {"Armed man at the school gate, officers en route now."}})
	s2, _, gone := bank.do("POST", "/records/"+liaison.NewID()+"/assess?purpose=counterterrorism",
		url.Values{"csrf": {csrfOf(t, home)}, "justification": {"Armed man at the school gate, officers en route now."}})
	if s1 != 404 || s2 != 404 || detail(hidden) != detail(gone) || strings.Contains(hidden, "Precursor") {
		t.Errorf("bank's assessment = %d (missing record %d): %q vs %q", s1, s2, detail(hidden), detail(gone))
	}
	if n := w.outcomeCount("intel.assess", liaison.OutcomeSuccess); n != 1 {
		t.Errorf("the bank's refused assessment was released: %d releases", n)
	}
}
