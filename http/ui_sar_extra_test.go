package http_test

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/service"
)

// fileReport files the world's standard report as the officer and returns its id.
func (w *sarUIWorld) fileReport(t *testing.T) liaison.ID {
	t.Helper()
	_, _, page := w.officerB.do("GET", "/sars/new", nil)
	status, loc, _ := w.officerB.do("POST", "/sars", w.sarForm(csrfOf(t, page)))
	if status != 303 {
		t.Fatalf("file = %d %q", status, loc)
	}
	return strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/sars/")
}

// attachments lists a report's files from the store directly.
func (w *sarUIWorld) attachments(t *testing.T, id liaison.ID) []*liaison.Attachment {
	t.Helper()
	var out []*liaison.Attachment
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListSARAttachments(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signInAs opens an account in agency with the given roles and training and signs it in.
func (w *sarUIWorld) signInAs(t *testing.T, login string, agency liaison.ID, trained bool, roles ...liaison.Role) *browser {
	t.Helper()
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	_ = must(w.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: "User " + login, Email: login + "@example.gov", AgencyID: agency,
		Roles: roles, Attributes: liaison.Attributes{SwornOfficer: true, Part23Trained: trained}, Password: testPassword}))(t)
	return uiSignIn(t, w.srv.URL, login, w.now)
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 2000)...)

// TestUISarAttachments: the originating agency attaches files from the
// report page and sees them listed (name, type, size, SHA-256, when, who);
// a refused file (none, empty, HTML, too large, already attached, report
// closed) comes back with the error at the file field and nothing stored;
// a missing CSRF token is refused; another agency can neither attach nor
// download; a download is always a file that cannot run in the browser; a
// reader of the redacted ISE-SAR gets no files at all.
func TestUISarAttachments(t *testing.T) {
	w := newSARUIWorld(t)
	id := w.fileReport(t)
	path := "/sars/" + id
	status, _, page := w.officerB.do("GET", path, nil)
	if status != 200 || !strings.Contains(page, `id="form-attach"`) || !strings.Contains(page, `enctype="multipart/form-data"`) ||
		!strings.Contains(page, `id="attachments-empty"`) {
		t.Fatalf("report page = %d, want the upload form and the empty state:\n%.3000s", status, page)
	}
	csrf := csrfOf(t, page)

	if status, _, _ := w.officerB.upload(path+"/attachments", "", "gate.png", pngBytes); status != 403 {
		t.Fatalf("upload without CSRF = %d, want 403", status)
	}
	tooBig := append(append([]byte(nil), pngBytes...), make([]byte, service.MaxAttachment)...)
	for name, c := range map[string]struct {
		file string
		data []byte
		want string
	}{
		"no file":     {"", nil, "choose a file to attach"},
		"empty":       {"empty.png", []byte{}, "File is empty"},
		"html":        {"photo.png", []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"), "File is text/html; reports accept image/jpeg"},
		"svg":         {"logo.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "File is text/xml; reports accept"},
		"over 10 MiB": {"huge.png", tooBig, "File is larger than 10 MiB"},
	} {
		status, _, body := w.officerB.upload(path+"/attachments", csrf, c.file, c.data)
		if status != 422 || !strings.Contains(body, `id="err-att-file"`) || !strings.Contains(body, c.want) ||
			!strings.Contains(body, `href="#att-file"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s = %d, want 422 with %q at the file field:\n%.2500s", name, status, c.want, body)
		}
	}
	if n := len(w.attachments(t, id)); n != 0 {
		t.Fatalf("%d file(s) stored from refused uploads", n)
	}

	status, loc, _ := w.officerB.upload(path+"/attachments", csrf, "gate photo.png", pngBytes)
	if status != 303 || !strings.HasPrefix(loc, path+"?done=attached") || !strings.HasSuffix(loc, "#attachments") {
		t.Fatalf("upload = %d %q", status, loc)
	}
	atts := w.attachments(t, id)
	if len(atts) != 1 || atts[0].Name != "gate photo.png" || atts[0].ContentType != "image/png" || atts[0].AddedBy != w.officer.ID {
		t.Fatalf("stored %+v", atts)
	}
	hash := atts[0].Hash
	_, _, page = w.officerB.do("GET", loc[:strings.Index(loc, "#")], nil)
	for _, want := range []string{`id="att-table"`, ">gate photo.png</a>", "PNG image", "2.0 KiB", hash[:12] + "…", "det (det)",
		w.now.Format("2006-01-02 15:04 UTC"), "File attached.", `href="/sars/` + id + `/attachments/` + hash + `?purpose=counterterrorism"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	status, _, body := w.officerB.upload(path+"/attachments", csrf, "again.png", pngBytes)
	if status != 422 || !strings.Contains(body, "is already attached to this report") {
		t.Errorf("the same file again = %d:\n%.1500s", status, body)
	}

	// The download: a file to save, typed by its content, never rendered.
	status, hdr, got := w.officerB.headers(path + "/attachments/" + hash + "?purpose=counterterrorism")
	if status != 200 || got != string(pngBytes) || hdr.Get("Content-Type") != "image/png" || hdr.Get("X-Content-Type-Options") != "nosniff" ||
		hdr.Get("Content-Disposition") != `attachment; filename="gate photo.png"; filename*=UTF-8''gate%20photo.png` ||
		!strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("download = %d %v", status, hdr)
	}
	// Text named as a web page is saved as text, under a name that will not open as one.
	note := []byte("Plate seen twice: RVT2290.\nGuard on duty: Ortega.\n")
	if status, _, _ := w.officerB.upload(path+"/attachments", csrf, "..\\notes \"v2\"\u202egnp.html", note); status != 303 {
		t.Fatalf("text upload = %d", status)
	}
	var textHash string
	for _, a := range w.attachments(t, id) {
		if a.ContentType == "text/plain" {
			textHash = a.Hash
		}
	}
	status, hdr, _ = w.officerB.headers(path + "/attachments/" + textHash)
	if cd := hdr.Get("Content-Disposition"); status != 200 || hdr.Get("Content-Type") != "text/plain; charset=utf-8" ||
		cd != `attachment; filename="notes _v2__gnp.html.txt"; filename*=UTF-8''notes%20_v2__gnp.html.txt` {
		t.Fatalf("text download = %d %q %q", status, hdr.Get("Content-Type"), cd)
	}

	// Another agency: the report does not exist for it, to attach or to download.
	status, _, body = w.analyst.upload(path+"/attachments", csrfOf(t, mustPage(t, w.analyst, "/")), "x.png", pngBytes)
	if status != 404 {
		t.Errorf("another agency's upload = %d, want 404:\n%.500s", status, body)
	}
	if status, _, _ := w.analyst.headers(path + "/attachments/" + hash); status != 404 {
		t.Errorf("another agency's download = %d, want 404", status)
	}
	if n := len(w.attachments(t, id)); n != 2 {
		t.Fatalf("%d files, want the 2 attached", n)
	}
	if w.outcomeCount("sar.attach", liaison.OutcomeSuccess) != 2 || w.outcomeCount("sar.attachment.read", liaison.OutcomeSuccess) != 2 {
		t.Errorf("attach and download audit entries: %d, %d; want 2 and 2",
			w.outcomeCount("sar.attach", liaison.OutcomeSuccess), w.outcomeCount("sar.attachment.read", liaison.OutcomeSuccess))
	}

	// A closed report takes no more files: no form, and a posted file is refused at the field.
	closed := w.fileReport(t)
	_, _, view := w.sgt.do("GET", "/sars/"+closed, nil)
	if status, _, _ := w.sgt.do("POST", "/sars/"+closed+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"reject_step1"},
		"reason": {"duplicate of an earlier report"}}); status != 303 {
		t.Fatalf("reject = %d", status)
	}
	_, _, view = w.officerB.do("GET", "/sars/"+closed, nil)
	if strings.Contains(view, `id="form-attach"`) || !strings.Contains(view, `id="attach-closed"`) {
		t.Errorf("a rejected report offers the upload form")
	}
	status, _, body = w.officerB.upload("/sars/"+closed+"/attachments", csrf, "late.png", pngBytes)
	if status != 422 || !strings.Contains(body, "the report is rejected, its vetting is over") || len(w.attachments(t, closed)) != 0 {
		t.Errorf("upload to a rejected report = %d:\n%.1500s", status, body)
	}

	// Shared under an agreement without personal data: the fusion center
	// reads a redacted copy and gets no list and no file.
	_, _, view = w.sgt.do("GET", path, nil)
	if status, _, _ := w.sgt.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"forward"}}); status != 303 {
		t.Fatalf("forward = %d", status)
	}
	_, _, view = w.analyst.do("GET", path, nil)
	if !strings.Contains(view, `id="att-table"`) {
		t.Errorf("the step-2 analyst holding the report does not see its files")
	}
	status, _, _ = w.analyst.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"share"}, "tlp": {"AMBER"},
		"communities": {w.community.ID}, "corroboration": {"Same man seen at two other substations this month."}})
	if status != 303 {
		t.Fatalf("share = %d", status)
	}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	_ = must(w.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: w.agency.ID, CommunityID: w.community.ID, LegalBasis: "SAR MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: w.now.AddDate(1, 0, 0)}))(t)
	status, _, view = w.analyst.do("GET", path+"?purpose=counterterrorism", nil)
	if status != 200 || !strings.Contains(view, `id="redacted"`) || !strings.Contains(view, `id="attachments-withheld"`) ||
		strings.Contains(view, "gate photo.png") || strings.Contains(view, hash[:12]) || strings.Contains(view, `id="form-attach"`) {
		t.Fatalf("redacted reader's page = %d:\n%.3000s", status, view)
	}
	if status, _, _ := w.analyst.headers(path + "/attachments/" + hash + "?purpose=counterterrorism"); status != 404 {
		t.Errorf("redacted reader's download = %d, want 404", status)
	}
	if w.outcomeCount("sar.attachments", liaison.OutcomeDenied) != 1 {
		t.Errorf("the refused list is not audited once: %d", w.outcomeCount("sar.attachments", liaison.OutcomeDenied))
	}
}

// mustPage fetches a page that must load and returns its body.
func mustPage(t *testing.T, b *browser, path string) string {
	t.Helper()
	status, _, page := b.do("GET", path, nil)
	if status != 200 {
		t.Fatalf("GET %s = %d", path, status)
	}
	return page
}

// TestUISarLinkToCase: a supervisor links the report to a case their
// agency leads and is assigned to; the page shows it. An officer is not
// offered the form and is refused; a missing token, no case, a malformed
// one and another agency's case are refused naming the field; another
// agency cannot touch the report. Nothing changes on a refusal.
func TestUISarLinkToCase(t *testing.T) {
	w := newSARUIWorld(t)
	id := w.fileReport(t)
	path := "/sars/" + id
	caseOf := func() liaison.ID { return w.report(t, id).CaseID }

	// The officer (wrong role): no form, and a posted one is refused.
	page := mustPage(t, w.officerB, path)
	if strings.Contains(page, `id="form-case"`) || !strings.Contains(page, `id="case-who"`) || !strings.Contains(page, "Not linked to a case") {
		t.Fatalf("the officer is offered the case form:\n%.3000s", page)
	}
	status, _, _ := w.officerB.do("POST", path+"/case", url.Values{"csrf": {csrfOf(t, page)}, "case_id": {w.caseID}})
	if status != 403 || caseOf() != "" {
		t.Fatalf("officer linking = %d, case %q", status, caseOf())
	}

	// The supervisor has no case yet: the page says how to get one; then opens one.
	page = mustPage(t, w.sgt, path)
	if !strings.Contains(page, `id="case-none"`) {
		t.Fatalf("a supervisor without cases is not told how to get one:\n%.3000s", page)
	}
	csrf := csrfOf(t, page)
	if status, _, _ := w.sgt.do("POST", "/records/cases", url.Values{"csrf": {csrf}, "title": {"Grid substation watch"}}); status != 303 {
		t.Fatalf("open a case = %d", status)
	}
	cases := must(w.svc.MyCases(liaison.NewContext(context.Background(), liaison.Actor{User: must(w.svc.FindUser(
		liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), "sgt"))(t)})))(t)
	if len(cases) != 1 {
		t.Fatalf("sgt's cases: %d", len(cases))
	}
	mine := cases[0].ID
	// The analyst's own case, led by another agency.
	ap := mustPage(t, w.analyst, "/records")
	if status, _, _ := w.analyst.do("POST", "/records/cases", url.Values{"csrf": {csrfOf(t, ap)}, "title": {"Fusion watch"}}); status != 303 {
		t.Fatalf("analyst's case = %d", status)
	}
	theirs := must(w.svc.MyCases(liaison.NewContext(context.Background(), liaison.Actor{User: w.analystUser(t)})))(t)[0].ID

	page = mustPage(t, w.sgt, path)
	if !strings.Contains(page, `id="form-case"`) || !strings.Contains(page, `<option value="`+mine+`">Grid substation watch</option>`) ||
		strings.Contains(page, theirs) {
		t.Fatalf("the supervisor's case form:\n%.3000s", page)
	}
	if status, _, _ := w.sgt.do("POST", path+"/case", url.Values{"case_id": {mine}}); status != 403 || caseOf() != "" {
		t.Fatalf("link without CSRF = %d", status)
	}
	for name, c := range map[string]struct{ caseID, want string }{
		"no case":          {"", "Case: choose one of your agency&#39;s cases"},
		"not an id":        {"lantern", "Case must be a case id"},
		"another agency's": {theirs, "Case must be a case your agency leads"},
	} {
		status, _, body := w.sgt.do("POST", path+"/case", url.Values{"csrf": {csrf}, "case_id": {c.caseID}})
		if status != 400 || !strings.Contains(body, `id="err-case-id"`) || !strings.Contains(body, c.want) || !strings.Contains(body, `href="#case-id"`) {
			t.Errorf("%s = %d, want 400 with %q:\n%.2500s", name, status, c.want, body)
		}
	}
	if caseOf() != "" {
		t.Fatalf("a refused link changed the case to %q", caseOf())
	}
	// Another agency, with a case of its own: the report does not exist for it.
	if status, _, _ := w.analyst.do("POST", path+"/case", url.Values{"csrf": {csrfOf(t, ap)}, "case_id": {theirs}}); status != 404 || caseOf() != "" {
		t.Fatalf("another agency linking = %d", status)
	}

	status, loc, _ := w.sgt.do("POST", path+"/case", url.Values{"csrf": {csrf}, "case_id": {mine}})
	if status != 303 || caseOf() != mine || !strings.HasSuffix(loc, "#case") {
		t.Fatalf("link = %d %q, case %q", status, loc, caseOf())
	}
	page = mustPage(t, w.sgt, loc[:strings.Index(loc, "#")])
	if !strings.Contains(page, `Linked to <a href="/records?case=`+mine+`">Grid substation watch</a>`) || !strings.Contains(page, "Report linked to the case") ||
		!strings.Contains(page, `<option value="`+mine+`" selected>`) {
		t.Fatalf("after linking:\n%.3000s", page)
	}
	// The officer, of the case's lead agency, sees it too.
	if page := mustPage(t, w.officerB, path); !strings.Contains(page, "Grid substation watch</a>") {
		t.Errorf("the officer's view of the link:\n%.3000s", page)
	}
	// A partner reading the shared ISE-SAR learns only that another agency's case holds it.
	_, _, view := w.sgt.do("GET", path, nil)
	if status, _, _ := w.sgt.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"forward"}}); status != 303 {
		t.Fatalf("forward = %d", status)
	}
	view = mustPage(t, w.analyst, path)
	if status, _, _ := w.analyst.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"share"}, "tlp": {"AMBER"},
		"communities": {w.community.ID}, "corroboration": {"Same man seen at two other substations this month."}}); status != 303 {
		t.Fatalf("share = %d", status)
	}
	_ = must(w.svc.CreateAgreement(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), liaison.AgreementInput{
		AgencyID: w.agency.ID, CommunityID: w.community.ID, LegalBasis: "SAR MOU", Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism},
		RecordKinds: []liaison.RecordKind{liaison.KindSAR}, PIIAllowed: true, Expires: w.now.AddDate(1, 0, 0)}))(t)
	view = mustPage(t, w.analyst, path+"?purpose=counterterrorism")
	if !strings.Contains(view, "Linked to a case another agency leads") || strings.Contains(view, "Grid substation watch") ||
		strings.Contains(view, `id="form-case"`) {
		t.Errorf("the partner's view of the link:\n%.3000s", view)
	}
	// The partner may not move the originator's report into its own case.
	if status, _, _ := w.analyst.do("POST", path+"/case", url.Values{"csrf": {csrfOf(t, view)}, "case_id": {theirs}}); status != 403 || caseOf() != mine {
		t.Fatalf("the partner relinking the shared report = %d, case %q", status, caseOf())
	}
	if ok, denied := w.outcomeCount("sar.attach_case", liaison.OutcomeSuccess), w.outcomeCount("sar.attach_case", liaison.OutcomeDenied); ok != 1 || denied != 3 {
		t.Errorf("sar.attach_case audited %d times, %d refusals; want 1 and 3 (the officer, the agency the report did not exist for, the partner)", ok, denied)
	}
}

// analystUser is the fixture's fusion-center analyst as stored now.
func (w *sarUIWorld) analystUser(t *testing.T) *liaison.User {
	t.Helper()
	return must(w.svc.FindUser(liaison.NewContext(context.Background(), liaison.Actor{System: "test"}), "analyst"))(t)
}

// promoteForm is a complete promotion as the form posts it.
func (w *sarUIWorld) promoteForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "purpose": {"counterterrorism"}, "title": {"Substation reconnaissance, Riverton"},
		"narrative":          {"Robert Vance photographed the substation fence for 20 minutes."},
		"case_id":            {w.caseID},
		"criminal_predicate": {"Reconnaissance of critical infrastructure consistent with planning sabotage (18 U.S.C. 1366)."},
		"lawful_collection":  {"yes"}, "grading_source": {"C"}, "grading_information": {"3"}, "tlp": {"AMBER"}, "handling": {"H0"},
		"retain_until": {w.now.AddDate(1, 0, 0).Format("2006-01-02")}}
}

// TestUISarPromote: a trained officer promotes the report to an
// intelligence record from a form pre-filled from it, and lands on the
// record, whose subjects are the report's involved. A bad form names each
// field and files nothing; an untrained user is neither offered nor
// allowed it; another agency cannot reach the report; a missing token is
// refused.
func TestUISarPromote(t *testing.T) {
	w := newSARUIWorld(t)
	id := w.fileReport(t)
	path := "/sars/" + id
	records := func() int { return w.outcomeCount("intel.create", liaison.OutcomeSuccess) }

	page := mustPage(t, w.officerB, path)
	if !strings.Contains(page, `id="promote-link"`) || !strings.Contains(page, `href="/sars/`+id+`/promote?purpose=counterterrorism"`) {
		t.Fatalf("the trained officer is not offered promotion:\n%.3000s", page)
	}
	form := mustPage(t, w.officerB, path+"/promote?purpose=counterterrorism")
	for _, want := range []string{`id="promote-form"`, `value="Man photographing substation"`, "Robert Vance photographed the substation fence",
		"RVT2290", `id="promote-subjects"`, "Took notes on camera positions", `<option value="` + w.caseID + `">Operation Lantern</option>`,
		`<option value="AMBER" selected>`, `name="lawful_collection"`, `id="rec-retain"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the promotion form lacks %q", want)
		}
	}
	csrf := csrfOf(t, form)

	// Wrong role: an officer without 28 CFR Part 23 training.
	clerk := w.signInAs(t, "rookie", w.officer.AgencyID, false, liaison.RoleOfficer)
	cp := mustPage(t, clerk, path)
	if strings.Contains(cp, `id="promote-link"`) || !strings.Contains(cp, `id="promote-who"`) {
		t.Errorf("an untrained officer is offered promotion")
	}
	if status, _, _ := clerk.do("GET", path+"/promote", nil); status != 403 {
		t.Errorf("untrained officer's form = %d, want 403", status)
	}
	if status, _, _ := clerk.do("POST", path+"/promote", w.promoteForm(csrfOf(t, cp))); status != 403 {
		t.Errorf("untrained officer's promotion = %d, want 403", status)
	}
	// Another agency (a trained analyst): the report does not exist for it.
	ap := mustPage(t, w.analyst, "/")
	if status, _, _ := w.analyst.do("GET", path+"/promote", nil); status != 404 {
		t.Errorf("another agency's form = %d, want 404", status)
	}
	if status, _, _ := w.analyst.do("POST", path+"/promote", w.promoteForm(csrfOf(t, ap))); status != 404 {
		t.Errorf("another agency's promotion = %d, want 404", status)
	}
	// No token.
	noToken := w.promoteForm("")
	noToken.Del("csrf")
	if status, _, _ := w.officerB.do("POST", path+"/promote", noToken); status != 403 {
		t.Errorf("promotion without CSRF = %d, want 403", status)
	}
	// Bad forms: each field named, what was typed kept.
	for name, c := range map[string]struct {
		set  map[string]string
		want []string
	}{
		"unreadable date": {map[string]string{"retain_until": "next year"}, []string{`id="err-rec-retain"`, "Review by must be a date, YYYY-MM-DD"}},
		"no predicate, attestation or case": {map[string]string{"criminal_predicate": "", "lawful_collection": "", "case_id": ""},
			[]string{"3 things need fixing", `href="#rec-predicate"`, `href="#rec-lawful"`, `href="#rec-case"`, `id="err-rec-predicate"`, `id="err-rec-lawful"`, `id="err-rec-case"`}},
		"retention too long":     {map[string]string{"retain_until": w.now.AddDate(6, 0, 0).Format("2006-01-02")}, []string{`id="err-rec-retain"`}},
		"red without recipients": {map[string]string{"tlp": "RED"}, []string{`id="err-rec-recipients"`}},
		"unknown recipient":      {map[string]string{"recipients": "nobody"}, []string{`id="err-rec-recipients"`, `no user has the login &#34;nobody&#34;`}},
	} {
		f := w.promoteForm(csrf)
		for k, v := range c.set {
			if v == "" {
				f.Del(k)
			} else {
				f.Set(k, v)
			}
		}
		status, _, body := w.officerB.do("POST", path+"/promote", f)
		if status != 400 || !strings.Contains(body, `id="error-summary"`) || !strings.Contains(body, `value="Substation reconnaissance, Riverton"`) {
			t.Errorf("%s = %d, want 400 with the summary and the typed title:\n%.3000s", name, status, body)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %s", name, want)
			}
		}
	}
	if n := records(); n != 0 {
		t.Fatalf("%d record(s) filed by refused promotions", n)
	}

	status, loc, _ := w.officerB.do("POST", path+"/promote", w.promoteForm(csrf))
	m := regexp.MustCompile(`^/records/([0-9a-f-]+)\?done=created&purpose=criminal_investigation$`).FindStringSubmatch(loc)
	if status != 303 || m == nil {
		t.Fatalf("promote = %d %q", status, loc)
	}
	var rec *liaison.IntelRecord
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		rec, err = tx.FindIntelRecord(context.Background(), m[1])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.SourceSARs) != 1 || rec.SourceSARs[0] != id || len(rec.Subjects) != 2 || rec.Subjects[0].Attributes["name"] != "Robert Vance" ||
		rec.Subjects[1].Attributes["plate"] != "RVT2290" || !rec.LawfulCollection || rec.Grading.Source != "C" || rec.Handling != liaison.H0 ||
		rec.CaseID != w.caseID || rec.Originator != w.officer.AgencyID {
		t.Fatalf("promoted record %+v", rec)
	}
	status, _, view := w.officerB.do("GET", loc, nil)
	if status != 200 || !strings.Contains(view, "Substation reconnaissance, Riverton") || !strings.Contains(view, "Record filed.") {
		t.Fatalf("the record page = %d:\n%.2000s", status, view)
	}
	if records() != 1 || w.outcomeCount("sar.promote", liaison.OutcomeSuccess) != 1 {
		t.Errorf("records %d, sar.promote entries %d; want 1 and 1", records(), w.outcomeCount("sar.promote", liaison.OutcomeSuccess))
	}
}

// TestUISarPromoteRedactedCopy: the fusion center's analyst, reading the
// shared ISE-SAR redacted (its agreement carries no personal data, for
// criminal investigations only), promotes it into a case of its own for
// that purpose: the record keeps nothing that was withheld from it.
func TestUISarPromoteRedactedCopy(t *testing.T) {
	w := newSARUIWorld(t)
	id := w.fileReport(t)
	path := "/sars/" + id
	_, _, view := w.sgt.do("GET", path, nil)
	if status, _, _ := w.sgt.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"forward"}}); status != 303 {
		t.Fatalf("forward = %d", status)
	}
	_, _, view = w.analyst.do("GET", path, nil)
	if status, _, _ := w.analyst.do("POST", path+"/steps", url.Values{"csrf": {csrfOf(t, view)}, "step": {"share"}, "tlp": {"AMBER"},
		"communities": {w.community.ID}, "corroboration": {"Same man seen at two other substations this month."}}); status != 303 {
		t.Fatalf("share = %d", status)
	}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	// Its agreement names another purpose than counterterrorism: the
	// promotion reads the report for the purpose the page declares.
	_ = must(w.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: w.agency.ID, CommunityID: w.community.ID, LegalBasis: "SAR MOU",
		Purposes: []liaison.Purpose{liaison.PurposeCriminalInvestigation}, RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: w.now.AddDate(1, 0, 0)}))(t)
	ap := mustPage(t, w.analyst, "/records")
	if status, _, _ := w.analyst.do("POST", "/records/cases", url.Values{"csrf": {csrfOf(t, ap)}, "title": {"Fusion watch"}}); status != 303 {
		t.Fatalf("analyst's case = %d", status)
	}
	theirs := must(w.svc.MyCases(liaison.NewContext(context.Background(), liaison.Actor{User: w.analystUser(t)})))(t)[0].ID
	form := mustPage(t, w.analyst, path+"/promote?purpose=criminal_investigation")
	if !strings.Contains(form, `id="promote-redacted"`) || strings.Contains(form, "Robert Vance") {
		t.Fatalf("the redacted promotion form:\n%.3000s", form)
	}
	f := w.promoteForm(csrfOf(t, form))
	f.Set("case_id", theirs)
	f.Set("purpose", "criminal_investigation")
	status, loc, body := w.analyst.do("POST", path+"/promote", f)
	if status != 303 || !strings.HasPrefix(loc, "/records/") {
		t.Fatalf("promote the redacted copy = %d %q:\n%.2000s", status, loc, body)
	}
	recID := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/records/")
	var rec *liaison.IntelRecord
	_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		rec, err = tx.FindIntelRecord(context.Background(), recID)
		return err
	})
	if rec == nil {
		t.Fatal("no record")
	}
	for _, s := range rec.Subjects {
		for k, v := range s.Attributes {
			if v == "[REDACTED]" || strings.Contains(v, "Robert Vance") {
				t.Errorf("the promoted record keeps %s=%q of a %s, withheld from its promoter", k, v, s.Kind)
			}
		}
		if len(s.Attributes) == 0 {
			t.Errorf("the promoted record keeps an empty %s", s.Kind)
		}
	}
	if !slices.Contains(rec.SourceSARs, id) {
		t.Errorf("the record does not name its source report: %v", rec.SourceSARs)
	}
}
