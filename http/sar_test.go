package http_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

func TestSARVettingOverHTTP(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newIntelWorld(t, be.Open)
			ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
			mk := func(login string, agency liaison.ID, roles ...liaison.Role) string {
				u := must(w.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: login, Email: login + "@example.gov", AgencyID: agency,
					Roles: roles, Attributes: liaison.Attributes{Part23Trained: true, SwornOfficer: true}, Password: testPassword}))(t)
				return must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
			}
			sgt := mk("sgt", w.officer.AgencyID, liaison.RoleSupervisor)
			otherSgt := mk("other.sgt", w.agency.ID, liaison.RoleSupervisor)
			when := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
			report := `{"title":"Man photographing substation","narrative":"Robert Vance photographed the substation fence for 20 minutes; phone +1 410 555 0111.",
				"why":"Took notes on camera positions","when":"` + when + `","where":{"address":"12 Grid Road","lat":38.9,"lon":-77.0},
				"categories":["photography","observation_surveillance"],"involved":[{"kind":"person","attributes":{"name":"Robert Vance"}}],"submit":true}`
			status, _, body := w.do("POST", "/api/v1/sars", w.officerTok, report)
			if status != 201 || !strings.Contains(string(body), `"state":"submitted"`) {
				t.Fatalf("file SAR = %d %s", status, body)
			}
			var s liaison.SAR
			_ = json.Unmarshal(body, &s)
			step := func(tok, body string) (int, string) {
				status, _, b := w.do("POST", "/api/v1/sars/"+s.ID+"/steps", tok, body)
				return status, string(b)
			}
			// Bad input: each refused, nothing changes.
			for name, c := range map[string]struct {
				body   string
				status int
				field  string
			}{
				"unknown category": {strings.Replace(report, `"photography"`, `"loitering"`, 1), 400, "categories[0]"},
				"latitude":         {strings.Replace(report, `"lat":38.9`, `"lat":138.9`, 1), 400, "where.lat"},
				"future date":      {strings.Replace(report, when, time.Now().AddDate(0, 0, 2).UTC().Format(time.RFC3339), 1), 400, "when"},
				"bad date":         {strings.Replace(report, when, "yesterday", 1), 400, "when"},
			} {
				status, hdr, b := w.do("POST", "/api/v1/sars", w.officerTok, c.body)
				if status != c.status || parseProblem(t, hdr, b).Errors[0].Field != c.field {
					t.Errorf("%s = %d %s", name, status, b)
				}
			}
			if st, b := step(w.userTok, `{"step":"share","communities":["`+w.community.ID+`"]}`); st != 404 {
				t.Fatalf("step 2 by an analyst who cannot see it yet = %d %s", st, b)
			}
			if st, b := step(otherSgt, `{"step":"forward"}`); st != 404 {
				t.Fatalf("a supervisor of another agency = %d %s, want 404", st, b)
			}
			if st, b := step(w.officerTok, `{"step":"forward"}`); st != 403 {
				t.Fatalf("the officer doing step 1 = %d %s, want 403", st, b)
			}
			if st, b := step(sgt, `{"step":"share","communities":["`+w.community.ID+`"]}`); st != 400 || !strings.Contains(b, "cannot share") {
				t.Fatalf("step 2 before step 1 = %d %s", st, b)
			}
			if st, b := step(sgt, `{"step":"forward"}`); st != 200 || !strings.Contains(b, `"state":"reviewed"`) {
				t.Fatalf("step 1 = %d %s", st, b)
			}
			// The fusion analyst sees it in the step-2 queue, with its data (vetting chain).
			status, _, body = w.do("GET", "/api/v1/sars?queue=awaiting_step2", w.userTok, "")
			if status != 200 || !strings.Contains(string(body), s.ID) || !strings.Contains(string(body), "Robert Vance") {
				t.Fatalf("step-2 queue = %d %s", status, body)
			}
			if st, b := step(w.userTok, `{"step":"share","communities":["`+w.community.ID+`"]}`); st != 400 || !strings.Contains(b, "corroboration") {
				t.Fatalf("Part-B-only share without corroboration = %d %s", st, b)
			}
			if st, b := step(w.userTok, `{"step":"share","communities":["`+w.community.ID+`"],"tlp":"AMBER","corroboration":"Same man seen at two other substations this month."}`); st != 200 || !strings.Contains(b, `"state":"shared"`) {
				t.Fatalf("share = %d %s", st, b)
			}
			// The originating agency attaches it to its case; another agency cannot use a case it does not lead.
			if st, _, b := w.do("PUT", "/api/v1/sars/"+s.ID+"/case", sgt, `{"case_id":"`+w.caseID+`"}`); st != 200 || !strings.Contains(string(b), w.caseID) {
				t.Fatalf("attach to case = %d %s", st, b)
			}
			if st, _, _ := w.do("PUT", "/api/v1/sars/"+s.ID+"/case", w.userTok, `{"case_id":"`+w.caseID+`"}`); st != 400 {
				t.Fatalf("attach to another agency's case = %d, want 400", st)
			}
			// The analyst promotes the report's entities into an intelligence record; a predicate is still required.
			promote := `{"title":"Substation reconnaissance","case_id":"` + w.caseID + `","lawful_collection_attested":true,
				"grading":{"source":"C","information":3},"tlp":"AMBER","handling":"H0","retain_until":"` + time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339) + `"}`
			if st, _, b := w.do("POST", "/api/v1/sars/"+s.ID+"/promote", w.officerTok, promote); st != 400 || !strings.Contains(string(b), "criminal_predicate") {
				t.Fatalf("promotion without a predicate = %d %s", st, b)
			}
			withPredicate := strings.Replace(promote, `"title"`, `"criminal_predicate":"Reconnaissance of critical infrastructure consistent with attack planning.","title"`, 1)
			if st, _, b := w.do("POST", "/api/v1/sars/"+s.ID+"/promote", w.officerTok, withPredicate); st != 201 || !strings.Contains(string(b), "Robert Vance") || !strings.Contains(string(b), s.ID) {
				t.Fatalf("promotion = %d %s", st, b)
			}
			// With an agreement covering SARs, the fusion analyst finds it in the shared space for a declared purpose.
			_ = must(w.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: w.agency.ID, CommunityID: w.community.ID, LegalBasis: "SAR MOU",
				Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: time.Now().AddDate(1, 0, 0)}))(t)
			status, _, body = w.do("GET", "/api/v1/sars?queue=shared_with_us&purpose=counterterrorism", w.userTok, "")
			if status != 200 || !strings.Contains(string(body), s.ID) || strings.Contains(string(body), "Robert Vance") || strings.Contains(string(body), "555 0111") {
				t.Fatalf("shared space = %d %s, want the report redacted (no PII agreement)", status, body)
			}
			if status, _, body := w.do("GET", "/api/v1/sars?queue=shared_with_us", w.userTok, ""); status != 200 || strings.Contains(string(body), s.ID) {
				t.Fatalf("shared space without a purpose = %d %s: need-to-know requires one", status, body)
			}
			// Partners see the ISE-SAR through the decision point: the bank has no agreement covering SARs.
			if status, _, _ := w.do("GET", "/api/v1/sars/"+s.ID+"?purpose=counterterrorism", w.bankTok, ""); status != 404 {
				t.Fatalf("bank reads the SAR = %d, want 404", status)
			}
			// Withdrawal by the originator; recipients are told.
			// Steps on a shared report are its agency's: to anyone else, even
			// the analyst who shared it, it answers as missing.
			if st, b := step(w.userTok, `{"step":"withdraw","reason":"not ours to withdraw"}`); st != 404 || !strings.Contains(b, `"detail":"no such report"`) {
				t.Fatalf("another agency withdrawing = %d %s, want 404", st, b)
			}
			if st, b := step(sgt, `{"step":"withdraw","reason":"identified as a utility surveyor"}`); st != 200 || !strings.Contains(b, `"state":"withdrawn"`) {
				t.Fatalf("withdraw = %d %s", st, b)
			}
			status, _, body = w.do("GET", "/api/v1/sars?queue=withdrawn", sgt, "")
			if status != 200 || !strings.Contains(string(body), s.ID) {
				t.Fatalf("withdrawn queue = %d %s", status, body)
			}
			sequence(t, w.store)
			var hist []*liaison.AuditEvent
			_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
				hist, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{ObjectID: s.ID}, liaison.Page{Limit: 100})
				return nil
			})
			got := strings.Join(actions(hist), " ")
			for _, want := range []string{"sar.create", "sar.submit", "sar.review", "sar.share", "sar.withdraw"} {
				if !strings.Contains(got, want) {
					t.Errorf("audit trail %q lacks %s", got, want)
				}
			}
		})
	}
}

func actions(evs []*liaison.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	return out
}

func TestSARAttachments(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) { testSARAttachments(t, newIntelWorld(t, be.Open)) })
	}
}

func testSARAttachments(t *testing.T, w *intelWorld) {
	when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	status, _, body := w.do("POST", "/api/v1/sars", w.officerTok, `{"title":"Drone","narrative":"A drone over the stadium.","when":"`+when+`",
		"where":{"address":"Stadium"},"categories":["aviation_activity"]}`)
	if status != 201 {
		t.Fatalf("file SAR = %d %s", status, body)
	}
	var s liaison.SAR
	_ = json.Unmarshal(body, &s)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	upload := func(tok string, data []byte) (int, []byte) {
		req := w.srv.URL + "/api/v1/sars/" + s.ID + "/attachments?name=..%2F..%2Fphoto.png"
		status, _, b := w.doRaw("POST", req, tok, data)
		return status, b
	}
	status, b := upload(w.officerTok, png)
	if status != 201 || !strings.Contains(string(b), `"content_type":"image/png"`) || !strings.Contains(string(b), `"name":"photo.png"`) {
		t.Fatalf("upload = %d %s", status, b)
	}
	var att liaison.Attachment
	_ = json.Unmarshal(b, &att)
	if status, b := upload(w.officerTok, png); status != 409 {
		t.Fatalf("same file twice = %d %s", status, b)
	}
	if status, b := upload(w.officerTok, append([]byte("MZ\x90\x00"), make([]byte, 100)...)); status != 400 || !strings.Contains(string(b), `"field":"file"`) {
		t.Fatalf("an executable = %d %s", status, b)
	}
	if status, _ := upload(w.officerTok, make([]byte, 10<<20+1)); status != 413 {
		t.Fatalf("an oversized file = %d, want 413", status)
	}
	if status, _ := upload(w.userTok, png); status != 404 {
		t.Fatalf("another agency attaching = %d, want 404", status)
	}
	status, _, got := w.do("GET", "/api/v1/sars/"+s.ID+"/attachments/"+att.Hash, w.officerTok, "")
	if status != 200 || string(got) != string(png) {
		t.Fatalf("download = %d, %d bytes", status, len(got))
	}
	if status, _, _ := w.do("GET", "/api/v1/sars/"+s.ID+"/attachments/"+att.Hash, w.userTok, ""); status != 404 {
		t.Fatalf("another agency downloading a draft's file = %d, want 404", status)
	}
}

func TestEditSARDraftOverHTTP(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newIntelWorld(t, be.Open)
			ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
			colleague := must(w.svc.CreateUser(ctx, liaison.UserInput{Login: "colleague", Name: "colleague", Email: "c@example.gov",
				AgencyID: w.officer.AgencyID, Roles: []liaison.Role{liaison.RoleOfficer}, Password: testPassword}))(t)
			colleagueTok := must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: colleague.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
			when := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
			report := `{"title":"Drone over the stadium","narrative":"A quadcopter hovered over gate C for ten minutes.","when":"` + when +
				`","where":{"address":"1 Stadium Way"},"categories":["aviation_activity"]}`
			status, _, body := w.do("POST", "/api/v1/sars", w.officerTok, report)
			if status != 201 {
				t.Fatalf("file = %d %s", status, body)
			}
			var s liaison.SAR
			_ = json.Unmarshal(body, &s)
			edited := strings.Replace(report, "ten minutes", "twelve minutes, then flew north", 1)
			if status, _, b := w.do("PUT", "/api/v1/sars/"+s.ID, colleagueTok, edited); status != 403 {
				t.Fatalf("a colleague who is not the author nor a supervisor = %d %s", status, b)
			}
			if status, _, b := w.do("PUT", "/api/v1/sars/"+s.ID, w.userTok, edited); status != 404 {
				t.Fatalf("another agency = %d %s", status, b)
			}
			if status, hdr, b := w.do("PUT", "/api/v1/sars/"+s.ID, w.officerTok, strings.Replace(edited, `"aviation_activity"`, `"loitering"`, 1)); status != 400 ||
				parseProblem(t, hdr, b).Errors[0].Field != "categories[0]" {
				t.Fatalf("bad category = %d %s", status, b)
			}
			status, _, b := w.do("PUT", "/api/v1/sars/"+s.ID, w.officerTok, strings.TrimSuffix(edited, "}")+`,"submit":true}`)
			if status != 200 || !strings.Contains(string(b), "then flew north") || !strings.Contains(string(b), `"state":"submitted"`) {
				t.Fatalf("edit and submit = %d %s", status, b)
			}
			if status, _, b := w.do("PUT", "/api/v1/sars/"+s.ID, w.officerTok, edited); status != 409 {
				t.Fatalf("edit a submitted report = %d %s", status, b)
			}
			if n := w.auditCount("sar.edit"); n != 1 {
				t.Fatalf("sar.edit audited %d times", n)
			}
		})
	}
}
