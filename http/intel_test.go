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

// intelWorld adds a police department that writes intelligence, a bank and
// an international partner to the fixture's fusion center, all in one
// community, with agreements.
type intelWorld struct {
	*fixture
	officerTok, bankTok, intlTok, privacyTok string
	officer                                  *liaison.User
	agreement                                *liaison.Agreement
	community                                *liaison.Community
	caseID                                   liaison.ID
}

func newIntelWorld(t *testing.T, open storetest.Opener) *intelWorld {
	f := newFixture(t, open)
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	mk := func(code string, kind liaison.AgencyKind, country string) *liaison.Agency {
		return must(f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: code, Name: code, Kind: kind, Country: country}))(t)
	}
	pd, bank, intl := mk("RIVPD", liaison.AgencyLocal, "US"), mk("BANK", liaison.AgencyPrivate, "US"), mk("EPCO", liaison.AgencyInternational, "NL")
	person := func(login string, a *liaison.Agency, trained bool, roles ...liaison.Role) (*liaison.User, string) {
		u := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: login, Email: login + "@example.gov", AgencyID: a.ID,
			Roles: roles, Attributes: liaison.Attributes{Part23Trained: trained, SwornOfficer: true}, Password: testPassword}))(t)
		tok := must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
		return u, tok
	}
	w := &intelWorld{fixture: f}
	w.officer, w.officerTok = person("det", pd, true, liaison.RoleOfficer)
	_, w.bankTok = person("banker", bank, true, liaison.RolePartnerLiaison)
	_, w.intlTok = person("europol", intl, true, liaison.RolePartnerLiaison)
	_, w.privacyTok = person("privacy", pd, true, liaison.RolePrivacyOfficer) // explains its own agency's records
	// The fixture's analyst needs Part 23 training to read intelligence.
	trained := liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceSecret}
	_ = must(f.svc.UpdateUser(ctx, f.analyst.ID, liaison.UserUpdate{Attributes: &trained}))(t)
	w.community = must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Area", Kind: liaison.CommunityFusionArea,
		Members: []liaison.ID{pd.ID, f.agency.ID, bank.ID, intl.ID}}))(t)
	agree := func(a *liaison.Agency, intlRelease, private bool) *liaison.Agreement {
		return must(f.svc.CreateAgreement(ctx, liaison.AgreementInput{AgencyID: a.ID, CommunityID: w.community.ID, LegalBasis: "MOU 2026",
			Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindIntelligence},
			InternationalRelease: intlRelease, PrivateRelease: private, Expires: time.Now().AddDate(1, 0, 0)}))(t)
	}
	w.agreement = agree(f.agency, false, false)
	agree(bank, false, true)
	agree(intl, false, false)
	status, _, body := f.do("POST", "/api/v1/cases", w.officerTok, `{"title":"Operation Lantern"}`)
	if status != 201 {
		t.Fatalf("case = %d %s", status, body)
	}
	var c liaison.Case
	_ = json.Unmarshal(body, &c)
	w.caseID = c.ID
	return w
}

func (w *intelWorld) record(t *testing.T, tlp liaison.TLP, recipients ...liaison.ID) liaison.ID {
	t.Helper()
	rec := map[string]any{
		"title": "Precursor purchases", "narrative": "John Smith bought 40 kg of ammonium nitrate; call +1 202 555 0143.",
		"subjects":                   []map[string]any{{"kind": "person", "attributes": map[string]string{"name": "John Smith", "date_of_birth": "1990-01-02"}}},
		"criminal_predicate":         "Purchases consistent with preparing an explosive device (18 U.S.C. 844).",
		"lawful_collection_attested": true, "grading": map[string]any{"source": "B", "information": 2},
		"tlp": tlp, "handling": "H0", "case_id": w.caseID, "shared_with": []liaison.ID{w.community.ID},
		"recipients": recipients, "retain_until": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339),
	}
	b, _ := json.Marshal(rec)
	status, _, body := w.do("POST", "/api/v1/records", w.officerTok, string(b))
	if status != 201 {
		t.Fatalf("create record = %d %s", status, body)
	}
	var r liaison.IntelRecord
	_ = json.Unmarshal(body, &r)
	return r.ID
}

func TestIntelRecordsThroughTheDecisionPoint(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newIntelWorld(t, be.Open)
			amber := w.record(t, liaison.TLPAmber)
			strict := w.record(t, liaison.TLPAmberStrict)
			redOther := w.record(t, liaison.TLPRed, w.officer.ID)
			redNamed := w.record(t, liaison.TLPRed, w.officer.ID, w.analyst.ID)
			get := func(tok, id, purpose string) (int, string) {
				status, _, body := w.do("GET", "/api/v1/records/"+id+"?purpose="+purpose, tok, "")
				return status, string(body)
			}
			// The unseen answer is the missing answer (no probing by id).
			_, missing := get(w.userTok, liaison.NewID(), "counterterrorism")
			missing = missing[:strings.Index(missing, `"request_id"`)]
			hidden := func(name, tok, id, purpose string) {
				t.Helper()
				status, body := get(tok, id, purpose)
				if status != 404 || body[:strings.Index(body, `"request_id"`)] != strings.Replace(missing, "", "", 1) && !strings.Contains(body, `"detail":"no such record"`) {
					t.Errorf("%s = %d %s, want the not-found answer", name, status, body)
				}
			}
			status, body := get(w.userTok, amber, "counterterrorism")
			if status != 200 || strings.Contains(body, "John Smith") || strings.Contains(body, "555 0143") || !strings.Contains(body, `"redaction":"no_pii"`) {
				t.Fatalf("partner read = %d %s, want a redacted record", status, body)
			}
			if status, body := get(w.officerTok, amber, ""); status != 200 || !strings.Contains(body, "John Smith") {
				t.Fatalf("originator read = %d %s, want the full record", status, body)
			}
			hidden("partner without a purpose", w.userTok, amber, "")
			hidden("partner for a purpose no agreement covers", w.userTok, amber, "financial_crime")
			hidden("AMBER+STRICT from another agency", w.userTok, strict, "counterterrorism")
			hidden("TLP:RED not naming the reader", w.userTok, redOther, "counterterrorism")
			if status, _ := get(w.userTok, redNamed, "counterterrorism"); status != 200 {
				t.Errorf("TLP:RED naming the reader = %d", status)
			}
			for _, id := range []string{amber, strict, redNamed} {
				hidden("private sector reading raw intelligence", w.bankTok, id, "counterterrorism")
			}
			hidden("international partner without release", w.intlTok, amber, "counterterrorism")
			if status, _, _ := w.do("GET", "/api/v1/records/not-an-id?purpose=counterterrorism", w.userTok, ""); status != 404 {
				t.Errorf("malformed id = %d, want 404", status)
			}
			// Lists apply the same decisions.
			for _, c := range []struct {
				tok  string
				want []string
				not  []string
			}{
				{w.userTok, []string{amber, redNamed}, []string{strict, redOther}},
				{w.bankTok, nil, []string{amber, strict, redNamed, redOther}},
				{w.intlTok, nil, []string{amber}},
			} {
				status, _, body := w.do("GET", "/api/v1/records?purpose=counterterrorism", c.tok, "")
				if status != 200 {
					t.Fatalf("list = %d %s", status, body)
				}
				for _, id := range c.want {
					if !strings.Contains(string(body), id) {
						t.Errorf("list lacks %s", id)
					}
				}
				for _, id := range c.not {
					if strings.Contains(string(body), id) {
						t.Errorf("list leaks %s", id)
					}
				}
				if strings.Contains(string(body), "John Smith") && c.tok != w.officerTok {
					t.Error("list leaks personal data")
				}
			}
			// An expired agreement closes the door.
			now := time.Now().UTC().Format(time.RFC3339Nano)
			if status, _, body := w.do("PATCH", "/api/v1/agreements/"+w.agreement.ID, w.adminTok, `{"expires_at":"`+now+`"}`); status != 200 {
				t.Fatalf("end agreement = %d %s", status, body)
			}
			hidden("partner after the agreement expired", w.userTok, amber, "counterterrorism")
			// Explanations are for privacy officers.
			if status, _, _ := w.do("GET", "/api/v1/records/"+amber+"/explain?as=analyst&purpose=counterterrorism", w.userTok, ""); status != 403 {
				t.Errorf("analyst explain = %d, want 403", status)
			}
			status, _, eb := w.do("GET", "/api/v1/records/"+amber+"/explain?as=banker&purpose=counterterrorism", w.privacyTok, "")
			if status != 200 || !strings.Contains(string(eb), "private-sector-no-raw-intelligence") {
				t.Errorf("explain = %d %s", status, eb)
			}
			// Releases were ledgered and denials audited.
			sequence(t, w.store)
			var ledger []*liaison.Dissemination
			var denied []*liaison.AuditEvent
			_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
				ledger, _ = tx.ListDisseminations(context.Background(), liaison.DisseminationFilter{ItemID: amber}, liaison.Page{Limit: 100})
				denied, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "intel.read", Outcome: liaison.OutcomeDenied}, liaison.Page{Limit: 100})
				return nil
			})
			if len(ledger) == 0 || !ledger[0].Redacted || ledger[0].RecipientUserID != w.analyst.ID {
				t.Errorf("ledger for the amber record = %+v", ledger)
			}
			if len(denied) < 8 || !strings.HasPrefix(denied[0].Decision, "deny") {
				t.Errorf("denied reads audited: %d", len(denied))
			}
		})
	}
}

func TestIntelRecordWriteRules(t *testing.T) {
	w := newIntelWorld(t, storetest.OpenSQLite)
	base := func(change func(m map[string]any)) string {
		m := map[string]any{"title": "T", "subjects": []map[string]any{{"kind": "person", "attributes": map[string]string{"name": "X Y"}}},
			"criminal_predicate": "Reasonable suspicion of material support (18 U.S.C. 2339A).", "lawful_collection_attested": true,
			"grading": map[string]any{"source": "C", "information": 3}, "tlp": "AMBER", "handling": "H0", "case_id": w.caseID,
			"retain_until": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)}
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, tok, body string
		status          int
		field           string
	}{
		{"no predicate", w.officerTok, base(func(m map[string]any) { delete(m, "criminal_predicate") }), 400, "criminal_predicate"},
		{"no attestation", w.officerTok, base(func(m map[string]any) { m["lawful_collection_attested"] = false }), 400, "lawful_collection_attested"},
		{"First Amendment field without a tie", w.officerTok, base(func(m map[string]any) {
			m["subjects"] = []map[string]any{{"kind": "person", "attributes": map[string]string{"name": "X", "church": "St. Mary"}, "first_amendment_fields": []string{"church"}}}
		}), 400, "first_amendment_tie"},
		{"retention beyond five years", w.officerTok, base(func(m map[string]any) { m["retain_until"] = time.Now().AddDate(6, 0, 0).Format(time.RFC3339) }), 400, "retain_until"},
		{"untrained writer", w.adminTok, base(func(map[string]any) {}), 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := w.do("POST", "/api/v1/records", tt.tok, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			p := parseProblem(t, hdr, body)
			if tt.field != "" {
				found := false
				for _, e := range p.Errors {
					found = found || e.Field == tt.field
				}
				if !found {
					t.Fatalf("errors = %+v, want %s", p.Errors, tt.field)
				}
			}
		})
	}
	// Cases are visible to their lead agency and assignees only.
	if status, _, _ := w.do("GET", "/api/v1/cases/"+w.caseID, w.officerTok, ""); status != 200 {
		t.Fatalf("own case = %d", status)
	}
	if status, _, _ := w.do("GET", "/api/v1/cases/"+w.caseID, w.userTok, ""); status != 404 {
		t.Fatalf("another agency's case = %d, want 404", status)
	}
	if status, _, body := w.do("PUT", "/api/v1/cases/"+w.caseID+"/assignments", w.officerTok, `{"assigned":["`+w.officer.ID+`","`+w.analyst.ID+`"]}`); status != 200 {
		t.Fatalf("assign = %d %s", status, body)
	}
	if status, _, _ := w.do("GET", "/api/v1/cases/"+w.caseID, w.userTok, ""); status != 200 {
		t.Fatalf("assigned partner reading the case = %d, want 200", status)
	}
	if status, _, _ := w.do("PUT", "/api/v1/cases/"+w.caseID+"/assignments", w.userTok, `{"assigned":[]}`); status != 403 {
		t.Fatalf("partner changing assignments = %d, want 403", status)
	}
	// A correction is a new version; a stale one is refused; earlier recipients are told.
	id := w.record(t, liaison.TLPAmber)
	if status, _, body := w.do("GET", "/api/v1/records/"+id+"?purpose=counterterrorism", w.userTok, ""); status != 200 {
		t.Fatalf("partner read = %d %s", status, body)
	}
	extend := base(func(m map[string]any) {
		m["version"] = 1
		m["retain_until"] = time.Now().AddDate(3, 0, 0).UTC().Format(time.RFC3339)
	})
	if status, hdr, body := w.do("PUT", "/api/v1/records/"+id, w.officerTok, extend); status != 400 || parseProblem(t, hdr, body).Errors[0].Field != "retain_until" {
		t.Fatalf("a correction extending retention = %d %s, want 400 naming retain_until", status, body)
	}
	fix := base(func(m map[string]any) {
		m["version"], m["narrative"] = 1, "corrected"
		m["retain_until"] = time.Now().AddDate(0, 6, 0).UTC().Format(time.RFC3339)
	})
	if status, _, body := w.do("PUT", "/api/v1/records/"+id, w.officerTok, fix); status != 200 || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("correction = %d %s", status, body)
	}
	if status, _, _ := w.do("PUT", "/api/v1/records/"+id, w.officerTok, fix); status != 409 {
		t.Fatalf("stale correction = %d, want 409", status)
	}
	if status, _, _ := w.do("PUT", "/api/v1/records/"+id, w.userTok, fix); status != 404 {
		t.Fatalf("correction by another agency = %d, want 404", status)
	}
	sequence(t, w.store)
	var told []*liaison.AuditEvent
	_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
		told, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "intel.correction.notify", ObjectID: id}, liaison.Page{})
		return nil
	})
	if len(told) != 1 || told[0].Details["recipient_user_id"] != w.analyst.ID {
		t.Fatalf("correction notices = %+v", told)
	}
}

func TestRetentionReviewAndPurge(t *testing.T) {
	w := newIntelWorld(t, storetest.OpenSQLite)
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	reviewer := must(w.svc.CreateUser(ctx, liaison.UserInput{Login: "pd.analyst", Name: "A", Email: "a@pd.example.gov", AgencyID: w.officer.AgencyID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: testPassword}))(t)
	fresh := func(u *liaison.User) string { // tokens expire; the test travels in time
		return must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
	}
	id := w.record(t, liaison.TLPAmber)
	w.do("GET", "/api/v1/records/"+id+"?purpose=counterterrorism", w.userTok, "") // a partner receives it

	// Thirteen months on, the record is in the review queue.
	later := time.Now().AddDate(1, 0, 15)
	w.svc.Now = func() time.Time { return later }
	revTok, partnerTok := fresh(reviewer), fresh(w.analyst)
	status, _, body := w.do("GET", "/api/v1/records/review-queue?within=720h", revTok, "")
	if status != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("review queue = %d %s", status, body)
	}
	if status, _, body := w.do("GET", "/api/v1/records/review-queue?within=720h", partnerTok, ""); status != 200 || strings.Contains(string(body), id) {
		t.Fatalf("another agency's review queue = %d %s: it shows only its own records", status, body)
	}
	if status, _, _ := w.do("GET", "/api/v1/records/review-queue", fresh(w.officer), ""); status != 403 {
		t.Fatalf("an officer's review queue = %d, want 403", status)
	}
	// Validation resets the clock, at most five years ahead.
	tooFar := later.AddDate(6, 0, 0).UTC().Format(time.RFC3339)
	if status, _, _ := w.do("POST", "/api/v1/records/"+id+"/review", revTok, `{"reason":"still active investigation","retain_until":"`+tooFar+`"}`); status != 400 {
		t.Fatalf("review beyond five years = %d, want 400", status)
	}
	ok := later.AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	status, _, body = w.do("POST", "/api/v1/records/"+id+"/review", revTok, `{"reason":"still an active investigation","retain_until":"`+ok+`"}`)
	if status != 200 || !strings.Contains(string(body), `"reviewed_by":"`+reviewer.ID) {
		t.Fatalf("review = %d %s", status, body)
	}
	if status, _, _ := w.do("POST", "/api/v1/records/"+id+"/review", partnerTok, `{"reason":"partner tries to validate","retain_until":"`+ok+`"}`); status != 404 {
		t.Fatalf("review by another agency = %d, want 404", status)
	}
	// Past the new deadline without review, the retention job purges it.
	w.svc.Now = func() time.Time { return later.AddDate(1, 0, 1) }
	dry := must(w.svc.PurgeExpired(ctx, true))(t)
	if len(dry) != 1 || dry[0].ID != id {
		t.Fatalf("dry run = %d records", len(dry))
	}
	if got := must(w.svc.PurgeExpired(ctx, false))(t); len(got) != 1 {
		t.Fatalf("purged %d records, want 1", len(got))
	}
	status, _, body = w.do("GET", "/api/v1/records/"+id, fresh(w.officer), "")
	if status != 200 || strings.Contains(string(body), "John Smith") || !strings.Contains(string(body), `"purged":true`) {
		t.Fatalf("purged record = %d %s", status, body)
	}
	if again := must(w.svc.PurgeExpired(ctx, false))(t); len(again) != 0 {
		t.Fatal("a purged record is purged again")
	}
	sequence(t, w.store)
	var notices []*liaison.AuditEvent
	_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
		notices, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "intel.purge.notify", ObjectID: id}, liaison.Page{})
		return nil
	})
	if len(notices) != 1 || notices[0].Details["recipient_user_id"] != w.analyst.ID {
		t.Fatalf("purge notices = %+v", notices)
	}
	// The recipient is told in the inbox, without the purged content.
	inbox, _ := must2(w.svc.Inbox(liaison.NewContext(context.Background(), liaison.Actor{User: w.analyst}), liaison.InboxFilter{}, liaison.Page{}))(t)
	var told *liaison.InboxMessage
	for _, m := range inbox {
		if m.Kind == "intel.purge.notify" && m.Ref == id {
			told = m
		}
	}
	if told == nil || !strings.Contains(told.Title, "purged") || strings.Contains(told.Title+told.Body, "John Smith") {
		t.Fatalf("the recipient's purge notice: %+v", told)
	}
}

// must2 is must for calls with two results and an error.
func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func TestHistoryAssessmentAndUKGrading(t *testing.T) {
	w := newIntelWorld(t, storetest.OpenSQLite)
	id := w.record(t, liaison.TLPAmberStrict)
	// History goes through the decision point like every read.
	if status, _, _ := w.do("GET", "/api/v1/records/"+id+"/versions?purpose=counterterrorism", w.userTok, ""); status != 404 {
		t.Fatalf("partner history of an AMBER+STRICT record = %d, want 404", status)
	}
	status, _, body := w.do("GET", "/api/v1/records/"+id+"/versions", w.officerTok, "")
	if status != 200 || !strings.Contains(string(body), `"version":1`) {
		t.Fatalf("own history = %d %s", status, body)
	}
	// Imminent danger: an assessment only, flagged; the record stays closed.
	status, _, body = w.do("POST", "/api/v1/records/"+id+"/assess", w.bankTok, `{"justification":"armed subject heading to the substation now"}`)
	if status != 404 {
		t.Fatalf("private partner invoking the exception = %d %s, want 404", status, body)
	}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	sworn := must(w.svc.CreateUser(ctx, liaison.UserInput{Login: "trooper", Name: "T", Email: "t@example.gov", AgencyID: w.agency.ID,
		Roles: []liaison.Role{liaison.RoleOfficer}, Attributes: liaison.Attributes{SwornOfficer: true}, Password: testPassword}))(t)
	tok := must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: sworn.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
	if status, _, _ := w.do("POST", "/api/v1/records/"+id+"/assess", tok, `{"justification":"short"}`); status != 400 {
		t.Fatalf("assessment without a real justification = %d, want 400", status)
	}
	status, _, body = w.do("POST", "/api/v1/records/"+id+"/assess", tok, `{"justification":"armed subject reported heading to the substation now"}`)
	if status != 200 || strings.Contains(string(body), "John Smith") || strings.Contains(string(body), `"subjects":[{`) {
		t.Fatalf("assessment = %d %s", status, body)
	}
	if status, _, _ := w.do("GET", "/api/v1/records/"+id+"?purpose=counterterrorism", tok, ""); status != 404 {
		t.Fatalf("the exception opened the record itself: %d", status)
	}
	sequence(t, w.store)
	var flagged []*liaison.AuditEvent
	_ = w.store.View(context.Background(), func(tx liaison.Tx) error {
		flagged, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "intel.assess", Outcome: liaison.OutcomeSuccess}, liaison.Page{})
		return nil
	})
	if len(flagged) != 1 || flagged[0].Details["review"] != "true" || !strings.Contains(flagged[0].Reason, "substation") {
		t.Fatalf("assessment audit = %+v", flagged)
	}
	// UK 3x5x2 grading is accepted and mapped to the Admiralty code.
	rec := `{"title":"T","subjects":[{"kind":"vehicle","attributes":{"plate":"XYZ987"}}],"criminal_predicate":"Vehicle used in a reconnaissance of the substation.",
		"lawful_collection_attested":true,"grading_3x5x2":{"source":2,"intelligence":3},"tlp":"tlp:green","handling":"H0","case_id":"` + w.caseID + `",
		"retain_until":"` + time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339) + `"}`
	status, _, body = w.do("POST", "/api/v1/records", w.officerTok, rec)
	if status != 201 || !strings.Contains(string(body), `"grading":{"source":"C","information":3}`) || !strings.Contains(string(body), `"tlp":"GREEN"`) {
		t.Fatalf("3x5x2 record = %d %s", status, body)
	}
	bad := strings.Replace(rec, `"source":2`, `"source":7`, 1)
	if status, hdr, body := w.do("POST", "/api/v1/records", w.officerTok, bad); status != 400 || parseProblem(t, hdr, body).Errors[0].Field != "grading_3x5x2.source" {
		t.Fatalf("bad 3x5x2 = %d %s", status, body)
	}
}
