package http_test

// TestHiddenAnswersAsMissing: every path that takes an id answers an item
// the caller may not know of (it exists, but is hidden from them, or they
// are not among those who act on it) exactly as an id that exists
// nowhere: the same status and the same problem+json body, once the
// request's own id and path are left out. Run on both stores:
//
//	LIAISON_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test -count=1 -run 'TestHiddenAnswersAsMissing' ./http/

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// hiddenWorld adds to the leak world what the write paths act on: the
// originator's operations, a target, a conflict with the fusion center,
// a file on a shared report, a watch officer outside the conflict's area.
type hiddenWorld struct {
	*leakWorld
	draftOp, activeOp *liaison.Operation
	target            *liaison.Target
	conflict          liaison.ID
	attachment        string // sha256 of a file on samber
	watchTok          string // a watch officer whose area holds neither party
	noagreeCase       liaison.ID
	access            *liaison.AccessRequest // granted's request, decided by pd
	savedByPD         liaison.ID
	noticeOfPD        liaison.ID
}

func newHiddenWorld(t *testing.T, open storetest.Opener) *hiddenWorld {
	t.Helper()
	w := &hiddenWorld{leakWorld: newLeakWorld(t, open)}
	start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	op := func(as, name string, activate bool) *liaison.Operation {
		return must(w.svc.CreateOperation(w.as(as), service.OperationInput{Name: name, Kind: liaison.OpSurveillance,
			Center: &liaison.GeoPoint{Lat: 38.91, Lon: -77.02}, RadiusM: 150, Start: start, End: start.Add(4 * time.Hour),
			Officers: 4, Contact: &liaison.PointOfContact{Phone: "+1 202 555 0142"}, Activate: activate}))(t)
	}
	w.draftOp = op("pd-author", "Quarry watch", false)
	w.activeOp = op("pd-author", "Quarry post", true)
	_ = op("fc-analyst", "Regional post", true) // conflicts with the pd's active post
	w.target = must(w.svc.RegisterTarget(w.as("pd-author"), service.TargetInput{Kind: liaison.TargetPhone, Value: "+1 202 555 0177",
		OperationID: w.draftOp.ID, Contact: &liaison.PointOfContact{Phone: "+1 202 555 0142"}}))(t)
	cs := must(w.svc.ListConflicts(w.as("pd-author"), nil, liaison.Page{}))(t)
	if len(cs) != 1 {
		t.Fatalf("the pd's conflicts: %d, want 1", len(cs))
	}
	w.conflict = cs[0].ID
	att := must(w.svc.Attach(w.as("pd-author"), w.byKey["samber"].id, "note.txt", []byte("The patrol's note on the substation.")))(t)
	w.attachment = att.Hash
	watch := must(w.svc.CreateUser(w.sys(), liaison.UserInput{Login: "far-watch", Name: "Far watch", Email: "far-watch@example.gov",
		AgencyID: w.agencies[agFar].agency.ID, Roles: []liaison.Role{liaison.RoleWatch},
		Attributes: liaison.Attributes{SwornOfficer: true}, Password: testPassword}))(t)
	w.watchTok = must(w.svc.CreateToken(w.sys(), liaison.TokenInput{UserID: watch.ID, Name: "rw",
		Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
	w.noagreeCase = must(w.svc.MyCases(w.as("noagree")))(t)[0].ID
	reqs, _ := must2(w.svc.ListAccessRequests(w.as("granted"), "mine", nil, liaison.Page{}))(t)
	if len(reqs) == 0 {
		t.Fatal("granted has no access request")
	}
	w.access = reqs[0]
	saved := must(w.svc.ListSavedSearches(w.as("pd-author")))(t)
	if len(saved) == 0 {
		t.Fatal("pd-author has no saved search")
	}
	w.savedByPD = saved[0].ID
	notes, _ := must2(w.svc.Inbox(w.as("pd-author"), liaison.InboxFilter{}, liaison.Page{}))(t)
	if len(notes) == 0 {
		t.Fatal("pd-author has no notice")
	}
	w.noticeOfPD = notes[0].ID
	return w
}

// hiddenCase is one path tried with an item hidden from the caller and
// with an id that exists nowhere.
type hiddenCase struct {
	name   string
	who    string // principal name; "" for the watch officer outside the area
	write  bool   // use the read-write token
	method string
	path   string // with {id}
	id     liaison.ID
	body   string
}

func TestHiddenAnswersAsMissing(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newHiddenWorld(t, be.Open)
			ramber, rstrict, samber := w.byKey["ramber"], w.byKey["rstrict"], w.byKey["samber"]
			in := w.recordInput(rstrict)
			in.Version = 1
			rec, _ := json.Marshal(in)
			review, _ := json.Marshal(map[string]any{"reason": "Still meets the criminal intelligence standard.",
				"retain_until": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)})
			report := `{"title":"Edited","narrative":"A man photographed the fence.","why":"Took notes","when":"` +
				time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + `","where":{"address":"12 Grid Road"},"categories":["photography"]}`
			share := `{"step":"share","communities":["` + w.c1.ID + `"],"corroboration":"Seen at two other substations this month."}`
			withdraw := `{"step":"withdraw","reason":"not ours to withdraw"}`
			for _, c := range []hiddenCase{
				// Records: only the originator's trained staff correct, review and purge.
				{"correct a record the caller cannot read", "noagree", true, "PUT", "/api/v1/records/{id}", rstrict.id, string(rec)},
				{"correct a record the caller reads", "nopii", true, "PUT", "/api/v1/records/{id}", ramber.id, string(rec)},
				{"review another agency's record", "fc-analyst", true, "POST", "/api/v1/records/{id}/review", ramber.id, string(review)},
				{"purge another agency's record", "fc-analyst", true, "POST", "/api/v1/records/{id}/purge", ramber.id, `{"reason":"no longer needed"}`},
				// Reports: edits, files and case links are the originator's;
				// steps are its own and its vetting chain's while it awaits them.
				{"edit another agency's report", "fc-analyst", true, "PUT", "/api/v1/sars/{id}", samber.id, report},
				{"share step on a shared report, no agreement", "noagree", true, "POST", "/api/v1/sars/{id}/steps", samber.id, share},
				{"withdraw step by a reader of the shared report", "nopii", true, "POST", "/api/v1/sars/{id}/steps", samber.id, withdraw},
				{"withdraw step by the analyst who shared it", "fc-analyst", true, "POST", "/api/v1/sars/{id}/steps", samber.id, withdraw},
				{"share step by a private partner", "bank", true, "POST", "/api/v1/sars/{id}/steps", samber.id, share},
				{"forward step by another agency", "fc-analyst", true, "POST", "/api/v1/sars/{id}/steps", w.byKey["ssubmitted"].id, `{"step":"forward"}`},
				{"attach a file to another agency's report", "noagree", true, "POST", "/api/v1/sars/{id}/attachments?name=a.txt", samber.id, "plain text note"},
				{"link another agency's report to a case", "noagree", true, "PUT", "/api/v1/sars/{id}/case", samber.id, `{"case_id":"` + w.noagreeCase + `"}`},
				{"promote a report the caller cannot read", "noagree", true, "POST", "/api/v1/sars/{id}/promote?purpose=counterterrorism", samber.id, string(rec)},
				{"a file of a report the caller cannot read", "noagree", false, "GET", "/api/v1/sars/{id}/attachments/" + w.attachment + "?purpose=counterterrorism", samber.id, ""},
				{"a file of a report the caller reads redacted", "nopii", false, "GET", "/api/v1/sars/" + samber.id + "/attachments/{id}?purpose=counterterrorism", liaison.ID(w.attachment), ""},
				// Cases: the lead agency's staff and those assigned.
				{"read another agency's case", "noagree", false, "GET", "/api/v1/cases/{id}", w.pdCase.ID, ""},
				{"assign another agency's case", "noagree", true, "PUT", "/api/v1/cases/{id}/assignments", w.pdCase.ID, `{"assigned":[]}`},
				// Deconfliction: an operation never leaves its agency.
				{"read another agency's operation", "noagree", false, "GET", "/api/v1/operations/{id}", w.draftOp.ID, ""},
				{"move another agency's operation", "noagree", true, "POST", "/api/v1/operations/{id}/transitions", w.draftOp.ID, `{"to":"cancelled"}`},
				{"move another agency's active operation", "noagree", true, "POST", "/api/v1/operations/{id}/transitions", w.activeOp.ID, `{"to":"active"}`},
				{"retire another agency's target", "noagree", true, "POST", "/api/v1/targets/{id}/retire", w.target.ID, ""},
				{"read a conflict of other agencies", "noagree", false, "GET", "/api/v1/conflicts/{id}", w.conflict, ""},
				{"handle a conflict outside the watch area", "", true, "POST", "/api/v1/watch/conflicts/{id}", w.conflict, `{"action":"take"}`},
				// Access requests, grants, notices, saved searches.
				{"read another's access request", "noagree", false, "GET", "/api/v1/access-requests/{id}", w.access.ID, ""},
				{"decide another agency's access request", "noagree", true, "POST", "/api/v1/access-requests/{id}/decision", w.access.ID, `{"decision":"approve"}`},
				{"revoke another agency's grant", "noagree", true, "POST", "/api/v1/grants/{id}/revoke", w.access.Granted[0], `{"reason":"case closed"}`},
				{"mark another user's notice read", "noagree", true, "POST", "/api/v1/inbox/{id}/read", w.noticeOfPD, ""},
				{"delete another user's saved search", "noagree", true, "DELETE", "/api/v1/saved-searches/{id}", w.savedByPD, ""},
			} {
				t.Run(c.name, func(t *testing.T) {
					tok := w.watchTok
					if c.who != "" {
						p := w.byName[c.who]
						tok = p.tok
						if c.write {
							tok = p.wtok
						}
					}
					ms, mb := w.answer(c.method, strings.Replace(c.path, "{id}", liaison.NewID(), 1), tok, c.body)
					hs, hb := w.answer(c.method, strings.Replace(c.path, "{id}", c.id, 1), tok, c.body)
					if hs != ms || hb != mb {
						t.Errorf("hidden answers %d %s\nmissing answers %d %s", hs, hb, ms, mb)
					}
					if ms != 404 {
						t.Errorf("missing answers %d %s, want 404", ms, mb)
					}
				})
			}
		})
	}
}

// answer sends a request and returns its status and body without the
// request's own id and path.
func (w *hiddenWorld) answer(method, path, tok, body string) (int, string) {
	status, _, b := w.do(method, path, tok, body)
	return status, requestIDRE.ReplaceAllString(string(b), "")
}
