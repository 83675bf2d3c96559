package http_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"liaison"
	"liaison/service"
)

var (
	requestIDRE = regexp.MustCompile(`"(request_id|instance)":"[^"]*"`) // the request's own id and path, echoed
	volatileRE  = regexp.MustCompile(`(name="csrf" value|nonce|content)="[^"]*"`)
)

// clean lowers a body and drops random tokens that could hold any 4-gram by chance.
func clean(body []byte) string {
	return strings.ToLower(volatileRE.ReplaceAllString(requestIDRE.ReplaceAllString(string(body), ""), ""))
}

// check asserts what body shows of it against v. present says the path
// must show a readable item (a positive control); false checks only that
// nothing leaks.
func check(t *testing.T, what string, body []byte, it *leakItem, v verdict, present bool) {
	t.Helper()
	b := clean(body)
	leaks := func(strs []string) []string {
		var out []string
		for _, s := range strs {
			if s != "" && strings.Contains(b, strings.ToLower(s)) {
				out = append(out, s)
			}
		}
		return out
	}
	switch v {
	case hidden:
		if l := leaks(append([]string{it.m.safe, it.id}, it.m.secrets()...)); len(l) > 0 {
			t.Errorf("%s: %s is hidden from this reader, but the answer shows %q", what, it.key, l)
		}
	case redacted:
		if present && !strings.Contains(b, it.m.safe) {
			t.Errorf("%s: positive control: %s should be shown redacted, but its marker %s is missing", what, it.key, it.m.safe)
		}
		if l := leaks(it.m.secrets()); len(l) > 0 {
			t.Errorf("%s: %s is released without personal data, but the answer shows %q", what, it.key, l)
		}
	case full:
		if present && (!strings.Contains(b, strings.ToLower(it.m.fullName())) || !strings.Contains(b, strings.ToLower(it.m.plate))) {
			t.Errorf("%s: positive control: %s should be shown in full, but %q or %q is missing", what, it.key, it.m.fullName(), it.m.plate)
		}
	}
}

// search posts a search as p and returns the status, raw body and decoded response.
func (w *leakWorld) search(t *testing.T, p *leakPrincipal, req map[string]any) (int, []byte, *service.SearchResponse) {
	t.Helper()
	if _, ok := req["purpose"]; !ok {
		req["purpose"] = "counterterrorism"
	}
	js, _ := json.Marshal(req)
	status, _, body := w.do("POST", "/api/v1/search", p.tok, string(js))
	var resp service.SearchResponse
	if status == 200 {
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("search %s: %v", js, err)
		}
	}
	return status, body, &resp
}

func pointerSet(resp *service.SearchResponse) string {
	var out []string
	for _, p := range resp.Pointers {
		out = append(out, fmt.Sprintf("%s/%s/%s-%s", p.AgencyID, p.Kind, p.From.Format("2006-01"), p.To.Format("2006-01")))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func resultIDs(resp *service.SearchResponse) map[liaison.ID]bool {
	out := map[liaison.ID]bool{}
	for _, r := range resp.Results {
		out[r.ID] = true
	}
	return out
}

// missing returns the answer to a GET of an id that does not exist, without its request id.
func (w *leakWorld) missing(path, tok string) (int, string) {
	status, _, body := w.do("GET", strings.Replace(path, "{id}", liaison.NewID(), 1), tok, "")
	return status, requestIDRE.ReplaceAllString(string(body), "")
}

// sameAsMissing asserts that method path (with {id}) on id answers as on a missing id.
func (w *leakWorld) sameAsMissing(t *testing.T, what, method, path, tok string, id liaison.ID, body string) {
	t.Helper()
	ms, _, mb := w.do(method, strings.Replace(path, "{id}", liaison.NewID(), 1), tok, body)
	hs, _, hb := w.do(method, strings.Replace(path, "{id}", id, 1), tok, body)
	m, h := requestIDRE.ReplaceAllString(string(mb), ""), requestIDRE.ReplaceAllString(string(hb), "")
	if hs != ms || h != m {
		t.Errorf("%s: hidden answers %d %s; missing answers %d %s: they must be the same", what, hs, h, ms, m)
	}
}
