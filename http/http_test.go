package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	lhttp "liaison/http"
	"liaison/service"
	"liaison/storetest"
)

// fixture is a running server over a fresh store with an admin and an analyst.
type fixture struct {
	t        *testing.T
	srv      *httptest.Server
	svc      *service.Service
	store    liaison.Store
	agency   *liaison.Agency
	admin    *liaison.User
	analyst  *liaison.User
	adminTok string // read, write, admin
	userTok  string // analyst: read, write
	readTok  string // analyst: read only
}

const testPassword = "correct horse battery staple"

func newFixture(t *testing.T, open storetest.Opener) *fixture {
	t.Helper()
	store := open(t)
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	srv, err := lhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv.MaxBodyBytes = 64 << 10
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f := &fixture{t: t, srv: ts, svc: svc, store: store}
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	f.agency = must(svc.CreateAgency(ctx, liaison.AgencyInput{Code: "SFC-T", Name: "Test Fusion Center",
		Kind: liaison.AgencyFusionCenter, Country: "US"}))(t)
	f.admin = must(svc.CreateUser(ctx, liaison.UserInput{Login: "admin", Name: "Admin", Email: "admin@example.gov",
		AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAdmin}, Password: testPassword}))(t)
	f.analyst = must(svc.CreateUser(ctx, liaison.UserInput{Login: "analyst", Name: "Dana Analyst", Email: "analyst@example.gov",
		AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleAnalyst}, Password: testPassword}))(t)
	tok := func(u *liaison.User, scopes ...liaison.Scope) string {
		return must(svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "test", Scopes: scopes}))(t).Secret
	}
	f.adminTok = tok(f.admin, liaison.ScopeRead, liaison.ScopeWrite, liaison.ScopeAdmin)
	f.userTok = tok(f.analyst, liaison.ScopeRead, liaison.ScopeWrite)
	f.readTok = tok(f.analyst, liaison.ScopeRead)
	return f
}

func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// do sends a request with a bearer token and returns status, headers and body.
func (f *fixture) do(method, path, token, body string, hdr ...string) (int, http.Header, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// doRaw sends raw bytes to a full URL with a bearer token.
func (f *fixture) doRaw(method, url, token string, data []byte) (int, http.Header, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// count returns how many items a list endpoint returns in total.
func (f *fixture) count(path string) int {
	f.t.Helper()
	status, _, body := f.do("GET", path+"?limit=500", f.adminTok, "")
	if status != 200 {
		f.t.Fatalf("GET %s = %d %s", path, status, body)
	}
	var l struct{ Items []json.RawMessage }
	if err := json.Unmarshal(body, &l); err != nil {
		f.t.Fatal(err)
	}
	return len(l.Items)
}

func (f *fixture) auditCount(action string) int {
	f.t.Helper()
	return f.outcomeCount(action, liaison.OutcomeSuccess)
}

// outcomeCount counts the log's entries of action with outcome.
func (f *fixture) outcomeCount(action, outcome string) int {
	f.t.Helper()
	var n int
	sequence(f.t, f.store)
	err := f.store.View(context.Background(), func(tx liaison.Tx) error {
		ev, err := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: action}, liaison.Page{Limit: liaison.MaxPageSize})
		for _, e := range ev {
			if e.Outcome == outcome {
				n++
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// otherTok returns a read-write token of a second, non-admin user.
func (f *fixture) otherTok(t *testing.T) string {
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	u, err := f.svc.FindUser(ctx, "other")
	if err != nil {
		u = must(f.svc.CreateUser(ctx, liaison.UserInput{Login: "other", Name: "Other", Email: "o@example.gov",
			AgencyID: f.agency.ID, Roles: []liaison.Role{liaison.RoleOfficer}, Password: testPassword}))(t)
	}
	return must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
}

// sequence appends queued audit entries to the log, as the server's
// sequencer does every 200 ms.
func sequence(t *testing.T, s liaison.Store) {
	t.Helper()
	if _, err := audit.Sequence(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func forEachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newFixture(t, b.Open)) })
	}
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
	RequestID string `json:"request_id"`
}

func parseProblem(t *testing.T, hdr http.Header, body []byte) problem {
	t.Helper()
	if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (body %s)", ct, body)
	}
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if p.Detail == "" || p.RequestID == "" || p.Type == "" {
		t.Fatalf("problem lacks detail, type or request id: %s", body)
	}
	return p
}

// TestBadInput sends each kind of bad input the foundation promises to
// refuse and checks the problem, the field named and that nothing changed.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		// A community for agreement tests.
		status, _, body := f.do("POST", "/api/v1/communities", f.adminTok,
			`{"name":"JTTF","kind":"task_force","members":["`+f.agency.ID+`"]}`)
		if status != 201 {
			t.Fatalf("create community = %d %s", status, body)
		}
		var com liaison.Community
		_ = json.Unmarshal(body, &com)
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		future := time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
		agreement := func(expires string) string {
			return `{"agency_id":"` + f.agency.ID + `","community_id":"` + com.ID + `","legal_basis":"MOU 2026",` +
				`"purposes":["counterterrorism"],"record_kinds":["sar"],"expires_at":"` + expires + `"}`
		}
		tests := []struct {
			name, path, body string
			status           int
			field            string // "" when no single field is at fault
		}{
			{"malformed JSON", "/api/v1/agencies", `{"code": "AB12", "name": `, 400, ""},
			{"syntax error", "/api/v1/agencies", `{"code" "AB12"}`, 400, ""},
			{"not an object", "/api/v1/agencies", `["AB12"]`, 400, ""},
			{"trailing data", "/api/v1/agencies", `{"code":"AB12","name":"x","kind":"local","country":"US"} {}`, 400, ""},
			{"empty body", "/api/v1/agencies", ` `, 400, ""},
			{"unknown field", "/api/v1/agencies", `{"code":"AB12","name":"x","kind":"local","country":"US","colour":"red"}`, 400, "colour"},
			{"wrong type", "/api/v1/agencies", `{"code":"AB12","name":42,"kind":"local","country":"US"}`, 400, "name"},
			{"wrong nested type", "/api/v1/users", `{"login":"z","name":"z","email":"z@example.gov","agency_id":"` + f.agency.ID + `","password":"` + testPassword + `","attributes":{"sworn_officer":"yes"}}`, 400, "attributes.sworn_officer"},
			{"invalid enum", "/api/v1/agencies", `{"code":"AB12","name":"x","kind":"secret_police","country":"US"}`, 400, "kind"},
			{"invalid role enum", "/api/v1/users", `{"login":"zz","name":"z","email":"z@example.gov","agency_id":"` + f.agency.ID + `","password":"` + testPassword + `","roles":["overlord"]}`, 400, "roles[0]"},
			{"duplicate agency code", "/api/v1/agencies", `{"code":"sfc-t","name":"Copy","kind":"local","country":"US"}`, 409, "code"},
			{"home agency missing", "/api/v1/users", `{"login":"ghost","name":"Ghost","email":"g@example.gov","agency_id":"` + liaison.NewID() + `","password":"` + testPassword + `"}`, 400, "agency_id"},
			{"home agency not an id", "/api/v1/users", `{"login":"ghost","name":"Ghost","email":"g@example.gov","agency_id":"nope","password":"` + testPassword + `"}`, 400, "agency_id"},
			{"short password", "/api/v1/users", `{"login":"ghost","name":"Ghost","email":"g@example.gov","agency_id":"` + f.agency.ID + `","password":"short"}`, 400, "password"},
			{"expired agreement", "/api/v1/agreements", agreement(past), 400, "expires_at"},
			{"agreement with unknown community", "/api/v1/agreements", strings.Replace(agreement(future), com.ID, liaison.NewID(), 1), 400, "community_id"},
			{"bad date", "/api/v1/agreements", agreement("next tuesday"), 400, ""},
			{"community with unknown member", "/api/v1/communities", `{"name":"Ghosts","kind":"other","members":["` + liaison.NewID() + `"]}`, 400, "members"},
			{"body over the limit", "/api/v1/agencies", `{"code":"AB12","name":"` + strings.Repeat("x", 70<<10) + `","kind":"local","country":"US"}`, 413, ""},
		}
		before := map[string]int{}
		for _, p := range []string{"/api/v1/agencies", "/api/v1/users", "/api/v1/communities", "/api/v1/agreements"} {
			before[p] = f.count(p)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, hdr, body := f.do("POST", tt.path, f.adminTok, tt.body)
				if status != tt.status {
					t.Fatalf("status = %d, want %d; body %s", status, tt.status, body)
				}
				p := parseProblem(t, hdr, body)
				if p.Status != tt.status {
					t.Errorf("problem status = %d, want %d", p.Status, tt.status)
				}
				if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
					t.Errorf("problem errors = %+v, want field %q", p.Errors, tt.field)
				}
				if tt.status == 413 && !strings.Contains(p.Detail, "its limit of 64 KiB") {
					t.Errorf("too large, but the detail does not say the limit in words: %q", p.Detail)
				}
			})
		}
		for p, n := range before {
			if got := f.count(p); got != n {
				t.Errorf("%s: %d items after bad input, want %d: something was written", p, got, n)
			}
		}
		// Bad query parameters are refused too.
		for _, q := range []string{"?limit=0", "?limit=abc", "?cursor=zzz", "?kind=bogus", "?colour=red"} {
			status, hdr, body := f.do("GET", "/api/v1/agencies"+q, f.adminTok, "")
			if status != 400 {
				t.Errorf("GET agencies%s = %d, want 400", q, status)
				continue
			}
			parseProblem(t, hdr, body)
		}
		status, hdr, body := f.do("POST", "/api/v1/agencies", f.adminTok, `{}`, "Content-Type", "text/plain")
		if status != 415 || parseProblem(t, hdr, body).Errors[0].Field != "Content-Type" {
			t.Errorf("text/plain body = %d %s, want 415 (RFC 9110) naming Content-Type", status, body)
		}
	})
}

func TestCreateAndPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		for i := range 7 {
			body := `{"code":"pd-` + string(rune('a'+i)) + `","name":"Police ` + string(rune('A'+i)) + `","kind":"local","country":"us",` +
				`"contacts":[{"name":"Desk","email":"desk@example.gov"}]}`
			status, hdr, b := f.do("POST", "/api/v1/agencies", f.adminTok, body)
			if status != 201 {
				t.Fatalf("create = %d %s", status, b)
			}
			var a liaison.Agency
			_ = json.Unmarshal(b, &a)
			if a.Code != "PD-"+strings.ToUpper(string(rune('a'+i))) || a.Country != "US" {
				t.Fatalf("created agency not normalised: %+v", a)
			}
			if loc := hdr.Get("Location"); loc != "/api/v1/agencies/"+a.ID {
				t.Fatalf("Location = %q", loc)
			}
		}
		seen := map[string]bool{}
		path := "/api/v1/agencies?limit=3"
		for pages := 0; ; pages++ {
			status, _, b := f.do("GET", path, f.userTok, "")
			if status != 200 {
				t.Fatalf("list = %d %s", status, b)
			}
			var l struct {
				Items      []liaison.Agency `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			_ = json.Unmarshal(b, &l)
			for _, a := range l.Items {
				if seen[a.ID] {
					t.Fatalf("agency %s on two pages", a.Code)
				}
				seen[a.ID] = true
			}
			if l.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			path = "/api/v1/agencies?limit=3&cursor=" + l.NextCursor
		}
		if len(seen) != 8 {
			t.Fatalf("paged through %d agencies, want 8", len(seen))
		}
		status, _, b := f.do("GET", "/api/v1/agencies/pd-c", f.userTok, "")
		if status != 200 || !bytes.Contains(b, []byte(`"Police C"`)) {
			t.Fatalf("get by code = %d %s", status, b)
		}
		status, _, b = f.do("GET", "/api/v1/agencies/"+liaison.NewID(), f.userTok, "")
		if status != 404 {
			t.Fatalf("get missing = %d %s", status, b)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		body := `{"code":"IDEM1","name":"Idempotent PD","kind":"local","country":"US"}`
		s1, h1, b1 := f.do("POST", "/api/v1/agencies", f.adminTok, body, "Idempotency-Key", "key-1")
		s2, h2, b2 := f.do("POST", "/api/v1/agencies", f.adminTok, body, "Idempotency-Key", "key-1")
		if s1 != 201 || s2 != 201 || !bytes.Equal(b1, b2) || h1.Get("Location") != h2.Get("Location") {
			t.Fatalf("retry = %d %s / %d %s, want the same 201 twice", s1, b1, s2, b2)
		}
		if h2.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not marked Idempotent-Replayed")
		}
		if n := f.auditCount("agency.create"); n != 2 { // the fixture's agency and this one
			t.Errorf("agency.create audit events = %d, want 2: the retry created again", n)
		}
		s3, h3, b3 := f.do("POST", "/api/v1/agencies", f.adminTok, strings.Replace(body, "IDEM1", "IDEM2", 1), "Idempotency-Key", "key-1")
		if s3 != 409 || parseProblem(t, h3, b3).Errors[0].Field != "Idempotency-Key" {
			t.Fatalf("same key, other body = %d %s, want 409 naming Idempotency-Key", s3, b3)
		}
		// Keys are per caller: another user's same key is a new request.
		s4, _, b4 := f.do("POST", "/api/v1/agencies", f.userTok, strings.Replace(body, "IDEM1", "IDEM3", 1), "Idempotency-Key", "key-1")
		if s4 != 403 {
			t.Fatalf("analyst create = %d %s, want 403", s4, b4)
		}
		// A failed request's answer is kept too: retrying gets the same refusal.
		dup := `{"code":"IDEM1","name":"Dup","kind":"local","country":"US"}`
		s5, _, _ := f.do("POST", "/api/v1/agencies", f.adminTok, dup, "Idempotency-Key", "key-2")
		s6, h6, _ := f.do("POST", "/api/v1/agencies", f.adminTok, dup, "Idempotency-Key", "key-2")
		if s5 != 409 || s6 != 409 || h6.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("duplicate with key = %d then %d (replayed %q), want 409 twice, replayed", s5, s6, h6.Get("Idempotent-Replayed"))
		}
	})
}

func TestAuthorization(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		agency := `{"code":"NEWPD","name":"New PD","kind":"local","country":"US"}`
		tests := []struct {
			name, method, path, token, body string
			status                          int
		}{
			{"no credentials", "GET", "/api/v1/agencies", "", "", 401},
			{"not a bearer token", "GET", "/api/v1/agencies", "garbage", "", 401},
			{"unknown token", "GET", "/api/v1/agencies", service.TokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", 401},
			{"read token writes", "POST", "/api/v1/agencies", f.readTok, agency, 403},
			{"non-admin creates agency", "POST", "/api/v1/agencies", f.userTok, agency, 403},
			{"non-admin grants self admin", "PATCH", "/api/v1/users/" + f.analyst.ID, f.userTok, `{"roles":["admin"]}`, 403},
			{"non-admin unlocks", "POST", "/api/v1/users/admin/unlock", f.userTok, "", 403},
			{"token mints token", "POST", "/api/v1/tokens", f.adminTok, `{"name":"x","scopes":["read"]}`, 401},
			{"read token reads", "GET", "/api/v1/me", f.readTok, "", 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, hdr, body := f.do(tt.method, tt.path, tt.token, tt.body)
				if status != tt.status {
					t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
				}
				if status >= 400 {
					parseProblem(t, hdr, body)
				}
				if status == 401 && hdr.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
		if f.count("/api/v1/agencies") != 1 {
			t.Error("a refused request created an agency")
		}
		if f.auditCount("agency.create") != 1 || f.auditCount("user.update") != 0 || f.auditCount("user.permissions") != 0 {
			t.Error("refused requests left success audit events")
		}
		// Refusals are audited as denied.
		var denied int
		sequence(f.t, f.store)
		_ = f.store.View(context.Background(), func(tx liaison.Tx) error {
			ev, _ := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{UserID: f.analyst.ID}, liaison.Page{Limit: 500})
			for _, e := range ev {
				if e.Outcome == liaison.OutcomeDenied {
					denied++
				}
			}
			return nil
		})
		if denied < 3 {
			t.Errorf("denied audit events for the analyst = %d, want >= 3", denied)
		}
		// A revoked token stops working at once; nobody else can revoke it.
		var list struct{ Items []liaison.APIToken }
		_, _, b := f.do("GET", "/api/v1/tokens", f.readTok, "")
		_ = json.Unmarshal(b, &list)
		revoked := 0
		for _, tk := range list.Items {
			if !strings.HasPrefix(f.readTok, tk.Prefix) {
				continue
			}
			if status, _, _ := f.do("DELETE", "/api/v1/tokens/"+tk.ID, f.otherTok(t), ""); status != 404 {
				t.Errorf("another non-admin user revoking = %d, want 404", status)
			}
			if status, _, body := f.do("DELETE", "/api/v1/tokens/"+tk.ID, f.userTok, ""); status != 200 {
				t.Fatalf("revoke = %d %s", status, body)
			}
			revoked++
		}
		if revoked != 1 {
			t.Fatalf("found %d tokens with the read token's prefix, want 1", revoked)
		}
		if status, _, _ := f.do("GET", "/api/v1/me", f.readTok, ""); status != 401 {
			t.Errorf("revoked token = %d, want 401", status)
		}
		if status, _, _ := f.do("GET", "/api/v1/me", f.userTok, ""); status != 200 {
			t.Errorf("the other token = %d after revoking one, want 200", status)
		}
	})
}

func TestPermissionChangeAudited(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		status, _, body := f.do("PATCH", "/api/v1/users/analyst", f.adminTok, `{"roles":["analyst","supervisor"],"attributes":{"part23_trained":true,"clearance":"secret"}}`)
		if status != 200 {
			t.Fatalf("patch = %d %s", status, body)
		}
		var ev []*liaison.AuditEvent
		sequence(f.t, f.store)
		_ = f.store.View(context.Background(), func(tx liaison.Tx) error {
			ev, _ = tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "user.permissions", ObjectID: f.analyst.ID}, liaison.Page{})
			return nil
		})
		if len(ev) != 1 || ev[0].Details["roles"] != "analyst -> analyst,supervisor" || ev[0].UserID != f.admin.ID {
			t.Fatalf("permission audit = %+v", ev)
		}
		status, _, body = f.do("PATCH", "/api/v1/users/analyst", f.adminTok, `{"attributes":{"clearance":"cosmic"}}`)
		if status != 400 || !bytes.Contains(body, []byte(`"attributes.clearance"`)) {
			t.Fatalf("bad clearance = %d %s", status, body)
		}
	})
}

func TestOpsEndpoints(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, _, body := f.do("GET", p, "", ""); status != 200 {
			t.Errorf("%s = %d %s", p, status, body)
		}
	}
	f.do("GET", "/api/v1/agencies", f.userTok, "")
	status, _, body := f.do("GET", "/metrics", f.adminTok, "")
	if status != 200 || !bytes.Contains(body, []byte(`liaison_http_requests_total{code="200",route="agencies.list"} 1`)) {
		t.Errorf("metrics = %d, missing the request counter:\n%.500s", status, body)
	}
	status, hdr, _ := f.do("GET", "/healthz", "", "", "X-Request-ID", "abc-123")
	if status != 200 || hdr.Get("X-Request-ID") != "abc-123" {
		t.Errorf("request id not echoed: %q", hdr.Get("X-Request-ID"))
	}
	_, hdr, _ = f.do("GET", "/healthz", "", "", "X-Request-ID", "<script>")
	if !liaison.ValidID(hdr.Get("X-Request-ID")) {
		t.Errorf("unsafe request id kept: %q", hdr.Get("X-Request-ID"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if hdr.Get(h) == "" {
			t.Errorf("missing security header %s", h)
		}
	}
	if csp := hdr.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("weak CSP: %s", csp)
	}
	if status, _, _ := f.do("GET", "/no/such/page", "", ""); status != 404 {
		t.Errorf("unknown path = %d, want 404", status)
	}
}

// TestOpenAPICoversEveryRoute fails when an API route is missing from the
// OpenAPI document, or the document names a route the server lacks.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	srv, err := lhttp.NewServer(f.svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := f.do("GET", "/api/v1/openapi.json", "", "")
	if status != 200 {
		t.Fatalf("openapi = %d", status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	registered := map[string]bool{}
	for _, rt := range srv.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/") {
			continue
		}
		registered[strings.ToLower(rt.Method)+" "+rt.Pattern] = true
		if _, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", rt.Method, rt.Pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if !registered[method+" "+path] {
				t.Errorf("the document lists %s %s, which the server does not serve", method, path)
			}
			var o struct {
				Summary   string         `json:"summary"`
				Responses map[string]any `json:"responses"`
			}
			_ = json.Unmarshal(raw, &o)
			if o.Summary == "" || o.Responses["default"] == nil {
				t.Errorf("%s %s lacks a summary or the problem response", method, path)
			}
		}
	}
	if len(registered) < 20 {
		t.Errorf("only %d API routes registered; the route table did not load", len(registered))
	}
}

// deniedCount counts the log's refusals of action.
func (f *fixture) deniedCount(action string) int {
	f.t.Helper()
	return f.outcomeCount(action, liaison.OutcomeDenied)
}

// TestMetricsAdminsOnly pins who reads /metrics on the main listener:
// its exact per-route counts (purges, exports, refusals) are an
// administrator's, not the public's nor every user's.
func TestMetricsAdminsOnly(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	adminNoScope := must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: f.admin.ID, Name: "no admin scope",
		Scopes: []liaison.Scope{liaison.ScopeRead}}))(t).Secret
	f.do("GET", "/api/v1/agencies", f.userTok, "")
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"anonymous", "", 401},
		{"analyst", f.userTok, 403},
		{"analyst, read-only token", f.readTok, 403},
		{"administrator without the admin scope", adminNoScope, 403},
		{"administrator", f.adminTok, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := f.do("GET", "/metrics", tt.token, "")
			if status != tt.status {
				t.Fatalf("GET /metrics = %d, want %d: %.300s", status, tt.status, body)
			}
			counted := bytes.Contains(body, []byte(`liaison_http_requests_total{code="200",route="agencies.list"} 1`))
			if got, want := counted, tt.status == 200; got != want {
				t.Errorf("counts in the body: got %v, want %v:\n%.300s", got, want, body)
			}
			if tt.status != 200 {
				if p := parseProblem(t, hdr, body); p.Status != tt.status {
					t.Errorf("problem status = %d, want %d", p.Status, tt.status)
				}
			}
		})
	}
}

// TestUserDirectoryOverHTTP: the staff list answers administrators only
// (403 problem+json otherwise); another user's account reads as a card
// without roles, clearance or e-mail address; one's own stays whole.
func TestUserDirectoryOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		tests := []struct {
			name, path, token string
			status            int
			has, hasNot       []string
		}{
			{"admin lists", "/api/v1/users", f.adminTok, 200, []string{`"login":"analyst"`, `"roles"`}, nil},
			{"analyst lists", "/api/v1/users", f.userTok, 403, []string{`"status":403`}, []string{`"login"`}},
			{"analyst lists one agency", "/api/v1/users?agency_id=" + f.agency.ID, f.readTok, 403, nil, []string{`"login"`}},
			{"analyst reads the admin", "/api/v1/users/admin", f.userTok, 200, []string{`"login":"admin"`, `"agency_id"`},
				[]string{`"roles"`, `"email"`, `"attributes"`, "clearance"}},
			{"analyst reads themself", "/api/v1/users/analyst", f.userTok, 200, []string{`"roles":["analyst"]`, `"email"`}, nil},
			{"admin reads the analyst", "/api/v1/users/" + f.analyst.ID, f.adminTok, 200, []string{`"roles":["analyst"]`, `"email"`}, nil},
			{"missing", "/api/v1/users/nobody", f.userTok, 404, nil, nil},
		}
		for _, tt := range tests {
			status, hdr, body := f.do("GET", tt.path, tt.token, "")
			if status != tt.status {
				t.Errorf("%s: GET %s = %d, want %d: %s", tt.name, tt.path, status, tt.status, body)
				continue
			}
			if status >= 400 {
				parseProblem(t, hdr, body)
			}
			for _, s := range tt.has {
				if !bytes.Contains(body, []byte(s)) {
					t.Errorf("%s: body lacks %s: %s", tt.name, s, body)
				}
			}
			for _, s := range tt.hasNot {
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("%s: body has %s: %s", tt.name, s, body)
				}
			}
		}
	})
}
