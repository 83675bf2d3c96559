package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	lhttp "liaison/http"
	"liaison/service"
)

// upload posts a file to the import form through b's cookies.
func (b *browser) upload(path, csrf, name string, data []byte) (int, string, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	_ = mw.WriteField("format", "auto")
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// TestUISarImportExport: an officer uploads a CSV with a bad row; the
// import runs in the background with its progress on a page only its
// owner may open; good rows are filed as the officer's drafts, the bad
// row is reported with its field; importing again files nothing; the
// export downloads the agency's reports and is audited. A missing file or
// CSRF token changes nothing.
func TestUISarImportExport(t *testing.T) {
	w := newSARUIWorld(t)
	csv := "title,narrative,why,when,address,lat,lon,categories\n" +
		"Drone over the reservoir,A drone hovered over the intake for ten minutes.,Near the intake,2026-11-20T21:00:00Z,Reservoir Rd,39.1,-76.9,aviation_activity\n" +
		"Man at the fence,He measured the fence posts.,Measured posts,2026-11-21T08:00:00Z,12 Grid Road,139.0,-76.9,observation_surveillance\n" +
		"Questions about shifts,A caller asked about guard shifts.,Unusual questions,2026-11-22T10:00:00Z,Plant gate,39.2,-76.8,eliciting_information\n"
	before := len(w.reports(t, w.officer.AgencyID))

	_, _, page := w.officerB.do("GET", "/sars/import", nil)
	csrf := csrfOf(t, page)
	if status, _, _ := w.officerB.upload("/sars/import", "", "reports.csv", []byte(csv)); status != 403 {
		t.Fatalf("upload without CSRF = %d, want 403", status)
	}
	status, _, page := w.officerB.upload("/sars/import", csrf, "", nil)
	if status != 422 || !strings.Contains(page, `href="#file"`) || !strings.Contains(page, "choose a CSV or JSON file") {
		t.Fatalf("no file = %d:\n%.1500s", status, page)
	}
	if n := len(w.reports(t, w.officer.AgencyID)); n != before {
		t.Fatalf("refused uploads filed %d reports", n-before)
	}

	status, loc, _ := w.officerB.upload("/sars/import", csrf, "reports.csv", []byte(csv))
	if status != 303 || !regexp.MustCompile(`^/imports/[0-9a-f-]+$`).MatchString(loc) {
		t.Fatalf("import = %d %q", status, loc)
	}
	// Poll the job as the page's script does until it ends.
	var st struct {
		Done    bool `json:"done"`
		Percent int  `json:"percent"`
		Report  struct {
			Imported int `json:"imported"`
			Errors   []struct {
				Row     int    `json:"row"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"report"`
	}
	for deadline := time.Now().Add(10 * time.Second); !st.Done; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the import never finished")
		}
		status, body := w.officerB.get(loc, map[string]string{"Accept": "application/json"})
		if status != 200 || json.Unmarshal([]byte(body), &st) != nil {
			t.Fatalf("job status = %d %s", status, body)
		}
	}
	if st.Percent != 100 || st.Report.Imported != 2 || len(st.Report.Errors) != 1 || st.Report.Errors[0].Row != 2 ||
		!strings.Contains(st.Report.Errors[0].Field, "lat") {
		t.Fatalf("report %+v; want 2 filed and row 2's latitude refused", st)
	}
	_, _, page = w.officerB.do("GET", loc, nil)
	for _, want := range []string{`id="import-imported">2<`, `id="import-errors"`, "What to fix", `id="import-progress"`} {
		if !strings.Contains(page, want) {
			t.Errorf("result page lacks %s", want)
		}
	}
	// Another node over the same store answers for the job: a load
	// balancer may send the poll anywhere.
	node2 := service.New(w.store)
	node2.Now = w.svc.Now
	srv2, err := lhttp.NewServer(node2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv2.Handler())
	defer ts2.Close()
	b2 := newBrowser(t, ts2.URL)
	b2.cookies = w.officerB.cookies
	if status, _, page := b2.do("GET", loc, nil); status != 200 || !strings.Contains(page, `id="import-imported">2<`) {
		t.Errorf("the job on another node = %d:\n%.2000s", status, page)
	}
	// Someone else, even of the same agency, cannot see the job.
	if status, _, _ := w.sgt.do("GET", loc, nil); status != 404 {
		t.Errorf("another user opening the job = %d, want 404", status)
	}
	if n := len(w.reports(t, w.officer.AgencyID)); n != before+2 {
		t.Fatalf("filed %d, want 2", n-before)
	}
	for _, r := range w.reports(t, w.officer.AgencyID)[before:] {
		if r.State != liaison.SARDraft || r.AuthorID != w.officer.ID {
			t.Errorf("imported report %s: state %s author %s; want the officer's draft", r.Title, r.State, r.AuthorID)
		}
	}
	// Importing again files nothing new.
	_, loc, _ = w.officerB.upload("/sars/import", csrf, "reports.csv", []byte(csv))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body := w.officerB.get(loc, map[string]string{"Accept": "application/json"})
		if strings.Contains(body, `"done":true`) {
			if !strings.Contains(body, `"skipped":2`) {
				t.Fatalf("second import: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second import never finished")
		}
	}

	// Export: a download of the agency's reports, audited.
	req, _ := http.NewRequest("GET", w.srv.URL+"/sars/export?format=csv", nil)
	for _, c := range w.officerB.cookies {
		req.AddCookie(c)
	}
	resp, err := w.officerB.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(string(body), "Drone over the reservoir") || strings.Contains(string(body), "Man at the fence") {
		t.Fatalf("export = %d %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	if n := w.auditCount("sar.export"); n != 1 {
		t.Errorf("export audited %d times, want 1", n)
	}
	if status, _, page := w.officerB.do("GET", "/sars/export?format=xml", nil); status != 400 || !strings.Contains(page, "csv or json") {
		t.Fatalf("export as xml = %d", status)
	}
}
