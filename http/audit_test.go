package http_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/audit"
	"liaison/storetest"
)

func TestAuditAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		skey, vkey, _ := note.GenerateKey(rand.Reader, "node-test")
		signer, err := audit.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		signer.VerifierKey = vkey
		f.svc.Signer = signer
		ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
		auditor := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "auditor", Name: "Aud", Email: "aud@example.gov",
			AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAuditor}, Password: testPassword}))(t)
		audTok := must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: auditor.ID, Name: "t",
			Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret

		// Non-auditors are refused, and the attempt is itself audited.
		for _, tok := range []string{f.userTok, f.adminTok} {
			status, hdr, body := f.do("GET", "/api/v1/audit/events", tok, "")
			if status != 403 {
				t.Fatalf("non-auditor audit search = %d %s", status, body)
			}
			parseProblem(t, hdr, body)
		}
		status, _, body := f.do("GET", "/api/v1/audit/events?action=audit.query&outcome=denied", audTok, "")
		var l struct {
			Items []liaison.AuditEvent `json:"items"`
		}
		_ = json.Unmarshal(body, &l)
		if status != 200 || len(l.Items) != 2 {
			t.Fatalf("denied audit searches = %d, %d items; want the 2 refusals", status, len(l.Items))
		}
		// Who accessed the agency; an empty window; bad times.
		status, _, body = f.do("GET", "/api/v1/audit/events?object_id="+f.agency.ID, audTok, "")
		if status != 200 || !bytes.Contains(body, []byte(`"agency.create"`)) {
			t.Fatalf("who touched the agency = %d %s", status, body)
		}
		status, _, body = f.do("GET", "/api/v1/audit/events?since=2001-01-01&until=2001-01-08", audTok, "")
		if status != 200 || !bytes.Contains(body, []byte(`"items":[]`)) {
			t.Fatalf("empty window = %d %s", status, body)
		}
		status, hdr, body := f.do("GET", "/api/v1/audit/events?since=last+tuesday", audTok, "")
		if status != 400 || parseProblem(t, hdr, body).Errors[0].Field != "since" {
			t.Fatalf("bad since = %d %s", status, body)
		}
		// Newest first, paging on to older entries.
		var newest struct {
			Items []liaison.AuditEvent `json:"items"`
			Next  string               `json:"next_cursor"`
		}
		status, _, body = f.do("GET", "/api/v1/audit/events?order=newest&limit=2", audTok, "")
		if err := json.Unmarshal(body, &newest); status != 200 || err != nil || len(newest.Items) != 2 ||
			newest.Items[0].Index <= newest.Items[1].Index || newest.Next == "" {
			t.Fatalf("newest first = %d %s", status, body)
		}
		top := newest.Items[1].Index
		status, _, body = f.do("GET", "/api/v1/audit/events?order=newest&limit=2&cursor="+newest.Next, audTok, "")
		if err := json.Unmarshal(body, &newest); status != 200 || err != nil || len(newest.Items) == 0 || newest.Items[0].Index >= top {
			t.Fatalf("the next page, older = %d %s", status, body)
		}
		status, hdr, body = f.do("GET", "/api/v1/audit/events?order=sideways", audTok, "")
		if status != 400 || parseProblem(t, hdr, body).Errors[0].Field != "order" {
			t.Fatalf("bad order = %d %s", status, body)
		}
		if status, _, body := f.do("GET", "/api/v1/audit/review", audTok, ""); status != 200 || !bytes.Contains(body, []byte(`"totals"`)) {
			t.Fatalf("review = %d %s", status, body)
		}

		// Checkpoints: signing needs a role; reading and consistency are public.
		if status, _, _ := f.do("POST", "/api/v1/audit/checkpoints", f.userTok, ""); status != 403 {
			t.Fatalf("analyst signs a checkpoint = %d", status)
		}
		status, _, body = f.do("POST", "/api/v1/audit/checkpoints", audTok, "")
		if status != 201 {
			t.Fatalf("sign = %d %s", status, body)
		}
		var first liaison.Checkpoint
		_ = json.Unmarshal(body, &first)
		f.do("GET", "/api/v1/agencies", f.userTok, "")
		f.do("POST", "/api/v1/agencies", f.adminTok, `{"code":"LATER","name":"Later","kind":"local","country":"US"}`)
		_, _, body = f.do("POST", "/api/v1/audit/checkpoints", audTok, "")
		var second liaison.Checkpoint
		_ = json.Unmarshal(body, &second)
		if second.Size <= first.Size {
			t.Fatalf("checkpoints %d then %d", first.Size, second.Size)
		}
		status, _, body = f.do("GET", "/api/v1/audit/checkpoints", "", "")
		if status != 200 || !bytes.Contains(body, []byte("liaison audit log node-test")) {
			t.Fatalf("public checkpoints = %d %s", status, body)
		}
		status, _, body = f.do("GET", "/api/v1/audit/proofs/consistency?old="+itoa(first.Size)+"&new="+itoa(second.Size), "", "")
		var cp audit.ConsistencyProof
		if err := json.Unmarshal(body, &cp); status != 200 || err != nil || audit.CheckConsistency(&cp, vkey) != nil {
			t.Fatalf("consistency proof = %d %s", status, body)
		}
		if status, _, _ := f.do("GET", "/api/v1/audit/proofs/inclusion?index=1", f.userTok, ""); status != 403 {
			t.Fatalf("analyst inclusion proof = %d, want 403", status)
		}
		status, _, body = f.do("GET", "/api/v1/audit/proofs/inclusion?index=1", audTok, "")
		var ip audit.InclusionProof
		if err := json.Unmarshal(body, &ip); status != 200 || err != nil || audit.CheckInclusion(&ip, vkey) != nil {
			t.Fatalf("inclusion proof = %d %s", status, body)
		}
		if status, _, _ := f.do("GET", "/api/v1/audit/proofs/inclusion?index=999999", audTok, ""); status != 400 {
			t.Fatalf("proof beyond the checkpoint = %d, want 400", status)
		}
		status, _, body = f.do("GET", "/api/v1/audit/keys", "", "")
		if status != 200 || !bytes.Contains(body, []byte(strings.Split(vkey, "+")[0])) {
			t.Fatalf("keys = %d %s", status, body)
		}
		// Ledger export: auditors only.
		if status, _, _ := f.do("GET", "/api/v1/disseminations/export", f.userTok, ""); status != 403 {
			t.Fatalf("analyst ledger export = %d", status)
		}
		status, hdr, body = f.do("GET", "/api/v1/disseminations/export", audTok, "")
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(body, []byte("id,at,item_kind")) {
			t.Fatalf("ledger export = %d %q %s", status, hdr.Get("Content-Type"), body)
		}
		// Alerts: admins only.
		if status, _, _ := f.do("GET", "/api/v1/alerts", f.userTok, ""); status != 403 {
			t.Fatalf("analyst alerts = %d", status)
		}
		if status, _, _ := f.do("GET", "/api/v1/alerts", f.adminTok, ""); status != 200 {
			t.Fatalf("admin alerts = %d", status)
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestTransparencyIsPublic(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	b := newBrowser(t, f.srv.URL)
	status, _, page := b.do("GET", "/transparency", nil)
	if status != 200 || !strings.Contains(page, "Transparency report") || !strings.Contains(page, "SARs received") {
		t.Fatalf("transparency page = %d:\n%.500s", status, page)
	}
	for _, secret := range []string{f.analyst.Login, f.analyst.ID, f.admin.Login, f.agency.ID} {
		if strings.Contains(page, secret) {
			t.Errorf("the public page shows %q", secret)
		}
	}
	status, hdr, body := f.do("GET", "/api/v1/transparency?months=2", "", "")
	if status != 200 || !bytes.Contains(body, []byte(`"suppress_below":5`)) {
		t.Fatalf("transparency JSON = %d %s", status, body)
	}
	_ = hdr
	if status, _, _ := f.do("GET", "/api/v1/transparency?months=99", "", ""); status != 400 {
		t.Fatalf("months=99 = %d, want 400", status)
	}
}

// TestReadsAreAudited pins CJIS AU-2's reads: who read which record, with
// the purpose they declared and the decision that let them.
func TestReadsAreAudited(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		status, _, body := f.do("GET", "/api/v1/agencies/"+f.agency.ID, f.userTok, "", "Liaison-Purpose", "  case 2026-117 deconfliction\t")
		if status != 200 {
			t.Fatalf("read = %d %s", status, body)
		}
		f.do("GET", "/api/v1/users?role=analyst", f.adminTok, "")
		sequence(t, f.store)
		var reads, lists []*liaison.AuditEvent
		_ = f.store.View(context.Background(), func(tx liaison.Tx) error {
			reads, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "agency.read", ObjectID: f.agency.ID}, liaison.Page{})
			lists, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "user.list"}, liaison.Page{})
			return nil
		})
		if len(reads) != 1 || reads[0].UserID != f.analyst.ID || reads[0].Reason != "case 2026-117 deconfliction" ||
			!strings.HasPrefix(reads[0].Decision, "permit: user with roles [analyst] via token") {
			t.Fatalf("read audit = %+v", reads)
		}
		if len(lists) != 1 || lists[0].Details["role"] != "analyst" {
			t.Fatalf("list audit = %+v", lists)
		}
		// A refusal records its decision too.
		f.do("POST", "/api/v1/agencies", f.userTok, `{"code":"NO","name":"No","kind":"local","country":"US"}`)
		sequence(t, f.store)
		var denied []*liaison.AuditEvent
		_ = f.store.View(context.Background(), func(tx liaison.Tx) error {
			denied, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "agency.create", Outcome: liaison.OutcomeDenied}, liaison.Page{})
			return nil
		})
		if len(denied) != 1 || !strings.HasPrefix(denied[0].Decision, "deny: ") {
			t.Fatalf("denied audit = %+v", denied)
		}
	})
}
