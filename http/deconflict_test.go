package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison"
)

func TestDeconflictionOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
		person := func(login, code string, roles ...liaison.Role) (*liaison.User, string) {
			a, err := f.svc.CreateAgency(ctx, liaison.AgencyInput{Code: code, Name: "Agency " + code, Kind: liaison.AgencyLocal, Country: "US"})
			if err != nil {
				a = must(f.svc.FindAgency(ctx, code))(t)
			}
			u := must(f.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: login, Email: login + "@example.gov", AgencyID: a.ID,
				Roles: roles, Password: testPassword}))(t)
			return u, must(f.svc.CreateToken(ctx, liaison.TokenInput{UserID: u.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}))(t).Secret
		}
		_, aTok := person("ruiz", "METRO", liaison.RoleOfficer)
		_, bTok := person("okafor", "WFO", liaison.RoleOfficer)
		_, watchTok := person("watch", f.agency.Code, liaison.RoleWatch)
		must(f.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "NCR", Kind: liaison.CommunityFusionArea,
			Members: []liaison.ID{f.agency.ID, must(f.svc.FindAgency(ctx, "METRO"))(t).ID}}))(t)
		start := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		op := func(name string, extra string) string {
			return fmt.Sprintf(`{"name":%q,"kind":"warrant_service","center":{"lat":38.9072,"lon":-77.0369},"radius_m":200,
				"start":%q,"end":%q,"officers":8,"plain_clothes":true,"contact":{"phone":"+1 202 555 0100"},"notes":"secret notes of %s","activate":true%s}`,
				name, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339), name, extra)
		}
		// Bad input: a problem naming the field, and nothing stored.
		for name, c := range map[string]struct{ body, field string }{
			"radius":       {strings.Replace(op("A", ""), `"radius_m":200`, `"radius_m":-1`, 1), "radius_m"},
			"latitude":     {strings.Replace(op("A", ""), `"lat":38.9072`, `"lat":95`, 1), "center.lat"},
			"end":          {strings.Replace(op("A", ""), `"end":"`+start.Add(2*time.Hour).Format(time.RFC3339), `"end":"`+start.Add(-time.Hour).Format(time.RFC3339), 1), "end"},
			"unknown kind": {strings.Replace(op("A", ""), `"warrant_service"`, `"picnic"`, 1), "kind"},
			"bad time":     {strings.Replace(op("A", ""), `"start":"`, `"start":"noon`, 1), "start"},
			"polygon": {strings.Replace(op("A", ""), `"center":{"lat":38.9072,"lon":-77.0369},"radius_m":200`,
				`"polygon":[{"lat":38.90,"lon":-77.04},{"lat":38.91,"lon":-77.03},{"lat":38.90,"lon":-77.03},{"lat":38.91,"lon":-77.04}]`, 1), "polygon"},
		} {
			status, hdr, b := f.do("POST", "/api/v1/operations", aTok, c.body)
			if p := parseProblem(t, hdr, b); status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != c.field {
				t.Errorf("%s: %d %s", name, status, b)
			}
		}
		if status, _, b := f.do("GET", "/api/v1/operations", aTok, ""); status != 200 || !strings.Contains(string(b), `"items":[]`) {
			t.Fatalf("bad input stored operations: %d %s", status, b)
		}
		status, _, b := f.do("POST", "/api/v1/operations", aTok, op("Lantern", ""))
		if status != 201 {
			t.Fatalf("create = %d %s", status, b)
		}
		var opA liaison.Operation
		_ = json.Unmarshal(b, &opA)
		status, _, b = f.do("POST", "/api/v1/operations", bTok, op("Harbor", ""))
		if status != 201 {
			t.Fatalf("create B = %d %s", status, b)
		}
		// B cannot read A's operation, nor move it.
		if status, _, _ := f.do("GET", "/api/v1/operations/"+opA.ID, bTok, ""); status != 404 {
			t.Fatalf("B reads A's operation: %d", status)
		}
		if status, _, _ := f.do("POST", "/api/v1/operations/"+opA.ID+"/transitions", bTok, `{"to":"cancelled"}`); status != 404 {
			t.Fatalf("B cancels A's operation: %d", status)
		}
		status, _, b = f.do("GET", "/api/v1/conflicts", bTok, "")
		if status != 200 || !strings.Contains(string(b), "Agency METRO") || strings.Contains(string(b), "Lantern") ||
			strings.Contains(string(b), opA.ID) || strings.Contains(string(b), "38.90") {
			t.Fatalf("B's conflicts = %d %s", status, b)
		}
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		_ = json.Unmarshal(b, &list)
		if len(list.Items) != 1 {
			t.Fatalf("B has %d conflicts", len(list.Items))
		}
		id := list.Items[0].ID
		status, _, b = f.do("GET", "/api/v1/inbox?unread=true", aTok, "")
		if status != 200 || !strings.Contains(string(b), `"unread":1`) || !strings.Contains(string(b), "Agency WFO") || strings.Contains(string(b), "Harbor") {
			t.Fatalf("A's inbox = %d %s", status, b)
		}
		if status, hdr, b := f.do("GET", "/api/v1/conflicts?state=bogus", bTok, ""); status != 400 || parseProblem(t, hdr, b).Errors[0].Field != "state" {
			t.Fatalf("bad state = %d %s", status, b)
		}
		// The watch center handles it.
		if status, _, b := f.do("GET", "/api/v1/watch/conflicts", aTok, ""); status != 403 {
			t.Fatalf("an officer on the watch board = %d %s", status, b)
		}
		for _, step := range []string{`{"action":"take"}`, `{"action":"contact"}`, `{"action":"resolve","resolution":"B goes first"}`} {
			if status, _, b := f.do("POST", "/api/v1/watch/conflicts/"+id, watchTok, step); status != 200 {
				t.Fatalf("watch %s = %d %s", step, status, b)
			}
		}
		if status, hdr, b := f.do("POST", "/api/v1/watch/conflicts/"+id, watchTok, `{"action":"dance"}`); status != 400 || parseProblem(t, hdr, b).Errors[0].Field != "action" {
			t.Fatalf("bad action = %d %s", status, b)
		}
		status, _, b = f.do("GET", "/api/v1/conflicts/"+id, aTok, "")
		if status != 200 || !strings.Contains(string(b), `"resolution":"B goes first"`) {
			t.Fatalf("A's view after resolution = %d %s", status, b)
		}
		// Targets.
		status, _, b = f.do("POST", "/api/v1/targets", aTok, `{"kind":"vehicle","value":"8ABC123","operation_id":"`+opA.ID+`","contact":{"phone":"555-0100"}}`)
		if status != 201 {
			t.Fatalf("target = %d %s", status, b)
		}
		status, hdr, b := f.do("POST", "/api/v1/targets", bTok, `{"kind":"vehicle","value":"","case_id":"`+liaison.NewID()+`","contact":{"phone":"555-0100"}}`)
		if status != 400 || parseProblem(t, hdr, b).Errors[0].Field != "value" {
			t.Fatalf("empty plate = %d %s", status, b)
		}
		if n := f.auditCount("conflict.detect"); n != 1 {
			t.Fatalf("conflict.detect audited %d times", n)
		}
	})
}
