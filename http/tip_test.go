package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liaison"
	"liaison/storetest"
)

func TestPublicTips(t *testing.T) {
	w := newIntelWorld(t, storetest.OpenSQLite)
	b := newBrowser(t, w.srv.URL)
	status, _, page := b.do("GET", "/tip", nil)
	if status != 200 || !strings.Contains(page, "Report suspicious activity") || strings.Contains(page, "BANK") {
		t.Fatalf("tip page = %d (private partners must not be offered):\n%.400s", status, page)
	}
	pd := w.officer.AgencyID
	form := func(extra map[string]string) url.Values {
		v := url.Values{"csrf": {csrfOf(t, page)}, "agency": {pd}, "what": {"A man left a backpack by the station entrance and walked away fast."},
			"where": {"Riverton Station"}, "when": {"2026-11-24"}}
		for k, x := range extra {
			v.Set(k, x)
		}
		return v
	}
	status, _, done := b.do("POST", "/tip", form(nil))
	m := regexp.MustCompile(`id="receipt">([A-Z0-9]{12})<`).FindStringSubmatch(done)
	if status != 200 || m == nil {
		t.Fatalf("tip = %d:\n%.500s", status, done)
	}
	receipt := m[1]
	if strings.Contains(done, "backpack") {
		t.Error("the tip is shown back")
	}
	// It is in the receiving agency's step-1 queue, as a public report.
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	sgt := must(w.svc.CreateUser(ctx, liaison.UserInput{Login: "sgt", Name: "S", Email: "s@example.gov", AgencyID: pd,
		Roles: []liaison.Role{liaison.RoleSupervisor}, Password: testPassword}))(t)
	tok := must(w.svc.CreateToken(ctx, liaison.TokenInput{UserID: sgt.ID, Name: "t", Scopes: []liaison.Scope{liaison.ScopeRead}}))(t).Secret
	_, _, q := w.do("GET", "/api/v1/sars?queue=awaiting_step1", tok, "")
	if !strings.Contains(string(q), "backpack") || !strings.Contains(string(q), `"source":"public"`) {
		t.Fatalf("intake queue = %s", q)
	}
	// The tipster adds information with the receipt; a wrong code answers the same.
	_, _, page = b.do("GET", "/tip", nil)
	for _, code := range []string{receipt, "WRONGCODE123"} {
		status, _, added := b.do("POST", "/tip/add", url.Values{"csrf": {csrfOf(t, page)}, "receipt": {code}, "information": {"He wore a red jacket."}})
		if status != 200 || !strings.Contains(added, "Your information was added") {
			t.Fatalf("add with %s = %d", code, status)
		}
	}
	_, _, q = w.do("GET", "/api/v1/sars?queue=awaiting_step1", tok, "")
	if strings.Count(string(q), "red jacket") != 1 {
		t.Fatalf("the addition went to %d reports", strings.Count(string(q), "red jacket"))
	}
	// Bad input and a bot are refused, and a flood from one address is cut off.
	if status, _, _ := b.do("POST", "/tip", form(map[string]string{"what": ""})); status != 400 {
		t.Errorf("empty tip = %d", status)
	}
	if status, _, _ := b.do("POST", "/tip", form(map[string]string{"website": "http://spam.example"})); status != 400 {
		t.Errorf("honeypot = %d", status)
	}
	if status, _, _ := b.do("POST", "/tip", form(map[string]string{"when": "2099-01-01"})); status != 400 {
		t.Errorf("future date = %d", status)
	}
	flooded := false
	for range 8 {
		if status, _, body := b.do("POST", "/tip", form(nil)); status == 429 && strings.Contains(body, "Too many") {
			flooded = true
			break
		}
	}
	if !flooded {
		t.Error("a flood of tips from one address was never cut off")
	}
}
