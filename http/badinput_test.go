package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"liaison"
)

// apiDoc is the part of the OpenAPI document the sweep reads.
type apiDoc struct {
	Paths map[string]map[string]struct {
		OperationID string `json:"operationId"`
		RequestBody *struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

// badCase is one malformed request body and the field it must name
// ("" when the fault is the body as a whole).
type badCase struct {
	name, body, field string
}

// badBodies derives bad bodies from an operation's request schema:
// malformed JSON, nulls, wrong types, unknown, case-changed and repeated
// keys, huge strings, NUL bytes and invalid UTF-8, field by field.
func badBodies(doc apiDoc, schema map[string]any) []badCase {
	cases := []badCase{
		{"malformed", `{"a":`, ""},
		{"null body", `null`, ""},
		{"array body", `[]`, ""},
		{"string body", `"x"`, ""},
		{"number body", `42`, ""},
		{"unknown key", `{"zz_unknown":1}`, "zz_unknown"},
		{"invalid UTF-8 key", "{\"\xff\":1}", ""},
	}
	ref, _ := schema["$ref"].(string)
	def := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	props, _ := def["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p, _ := props[k].(map[string]any)
		typ, _ := p["type"].(string)
		q := `"` + k + `"`
		cases = append(cases,
			badCase{k + " null", `{` + q + `:null}`, k},
			badCase{k + " case changed", `{"` + strings.ToUpper(k[:1]) + k[1:] + `":1}`, strings.ToUpper(k[:1]) + k[1:]},
			badCase{k + " repeated", `{` + q + `:1,` + q + `:1}`, k},
		)
		if typ == "array" {
			cases = append(cases[:len(cases)-3], cases[len(cases)-2:]...) // null is an empty list
		}
		switch typ {
		case "string":
			max, _ := p["maxLength"].(float64)
			if max == 0 {
				max = 500
			}
			huge := strings.Repeat("x", int(max)+1)
			cases = append(cases,
				badCase{k + " number", `{` + q + `:12}`, k},
				badCase{k + " object", `{` + q + `:{"a":1}}`, k},
				badCase{k + " NUL", `{` + q + `:"a\u0000b"}`, k},
				badCase{k + " invalid UTF-8", "{" + q + ":\"a\xffb\"}", k},
				badCase{k + " huge", `{` + q + `:"` + huge + `"}`, k},
			)
		case "integer", "number", "boolean":
			cases = append(cases, badCase{k + " string", `{` + q + `:"12"}`, k})
		case "array":
			cases = append(cases,
				badCase{k + " string", `{` + q + `:"x"}`, k},
				badCase{k + " too many", `{` + q + `:[` + strings.TrimSuffix(strings.Repeat(`{},`, 1001), ",") + `]}`, k},
			)
		case "":
			if _, isRef := p["$ref"]; isRef {
				cases = append(cases,
					badCase{k + " string", `{` + q + `:"x"}`, k},
					badCase{k + " unknown nested", `{` + q + `:{"zz":1}}`, k + ".zz"})
			}
		}
	}
	return cases
}

// TestBadInputChangesNothing sends, to every write operation of the
// OpenAPI document, bodies outside its schema, and checks each answer is
// a 4xx problem naming the field at fault and that nothing was written:
// the audit log and every list are as they were, on both stores.
func TestBadInputChangesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		status, _, body := f.do("GET", "/api/v1/openapi.json", "", "")
		if status != 200 {
			t.Fatalf("openapi = %d", status)
		}
		var doc apiDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		state := func() string {
			sequence(t, f.store)
			var b strings.Builder
			err := f.store.View(context.Background(), func(tx liaison.Tx) error {
				ev, err := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
				n := 0
				for _, e := range ev {
					if !strings.HasSuffix(string(e.Action), ".list") { // the lists below are read, and audited
						n++
					}
				}
				fmt.Fprintf(&b, "audit=%d ", n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/api/v1/agencies", "/api/v1/users", "/api/v1/communities", "/api/v1/agreements",
				"/api/v1/records", "/api/v1/cases", "/api/v1/operations", "/api/v1/tokens", "/api/v1/saved-searches"} {
				if s, _, body := f.do("GET", p+"?limit=500", f.adminTok, ""); s == 200 {
					var l struct{ Items []json.RawMessage }
					_ = json.Unmarshal(body, &l)
					fmt.Fprintf(&b, "%s=%d ", p, len(l.Items))
				}
			}
			return b.String()
		}
		before := state()
		ops := 0
		for path, item := range doc.Paths {
			for method, o := range item {
				if o.RequestBody == nil || method == "get" {
					continue
				}
				ops++
				url := strings.NewReplacer("{id}", f.agency.ID, "{size}", "1").Replace(path)
				for i := strings.Index(url, "{"); i >= 0; i = strings.Index(url, "{") {
					url = url[:i] + f.agency.ID + url[strings.Index(url, "}")+1:]
				}
				schema := o.RequestBody.Content["application/json"].Schema
				for _, c := range badBodies(doc, schema) {
					status, hdr, body := f.do(strings.ToUpper(method), url, f.adminTok, c.body)
					where := fmt.Sprintf("%s %s %s", strings.ToUpper(method), path, c.name)
					if status < 400 || status >= 500 {
						t.Errorf("%s = %d, want 4xx; body %.300s", where, status, body)
						continue
					}
					if len(body) > 8<<10 {
						t.Errorf("%s: the error is %d bytes, the input is echoed or the list not capped", where, len(body))
					}
					if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("%s: Content-Type = %q, want application/problem+json", where, ct)
						continue
					}
					var p problem
					_ = json.Unmarshal(body, &p)
					if status != http.StatusBadRequest || c.field == "" {
						continue // not found, forbidden or too large: refused before the body is read
					}
					named := false
					for _, e := range p.Errors {
						named = named || e.Field == c.field
					}
					if !named {
						t.Errorf("%s: errors %+v do not name %q", where, p.Errors, c.field)
					}
				}
			}
		}
		if ops < 30 {
			t.Fatalf("swept %d write operations; the document lists more", ops)
		}
		if after := state(); after != before {
			t.Errorf("bad input changed the store:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestBadInputNamesTheField checks the strict decoder and the text policy
// on the inputs the reliability run found accepted or unnamed: each is a
// 400 problem naming the field (by full path), and nothing is written.
func TestBadInputNamesTheField(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		status, _, body := f.do("POST", "/api/v1/cases", f.userTok, `{"title":"Operation Lantern"}`)
		if status != 201 {
			t.Fatalf("create case = %d %s", status, body)
		}
		var c liaison.Case
		_ = json.Unmarshal(body, &c)
		start := "2030-01-01T10:00:00Z"
		op := func(center string) string {
			return `{"name":"A","kind":"warrant_service","center":` + center + `,"radius_m":200,"start":"` + start +
				`","end":"2030-01-01T12:00:00Z","officers":8,"contact":{"phone":"+1 202 555 0100"}}`
		}
		agency := "/api/v1/agencies/" + f.agency.ID
		tests := []struct {
			name, method, path, body string
			field                    string // "" when the body as a whole is at fault
		}{
			{"assignments null", "PUT", "/api/v1/cases/" + c.ID + "/assignments", `null`, ""},
			{"assignments empty object", "PUT", "/api/v1/cases/" + c.ID + "/assignments", `{}`, "assigned"},
			{"assignments null list", "PUT", "/api/v1/cases/" + c.ID + "/assignments", `{"assigned":null}`, "assigned"},
			{"agency patch null", "PATCH", agency, `null`, ""},
			{"agency patch empty", "PATCH", agency, `{}`, ""},
			{"agency patch null name", "PATCH", agency, `{"name":null}`, "name"},
			{"centre without lat", "POST", "/api/v1/operations", op(`{"lon":-77.03}`), "center.lat"},
			{"centre lat null", "POST", "/api/v1/operations", op(`{"lat":null,"lon":-77.03}`), "center.lat"},
			{"centre empty", "POST", "/api/v1/operations", op(`{}`), "center.lat"},
			{"key in capitals", "POST", "/api/v1/cases", `{"TITLE":"x"}`, "TITLE"},
			{"key repeated", "POST", "/api/v1/cases", `{"title":"a","title":"b"}`, "title"},
			{"unknown nested key", "POST", "/api/v1/operations", op(`{"lat":1,"lon":1,"zz":1}`), "center.zz"},
			{"time as a number", "POST", "/api/v1/operations", strings.Replace(op(`{"lat":1,"lon":1}`), `"`+start+`"`, `1893456000`, 1), "start"},
			{"nested time as a number", "POST", "/api/v1/saved-searches", `{"name":"s","query":{"q":"x","from":1893456000}}`, "query.from"},
			{"nested time that does not parse", "POST", "/api/v1/saved-searches", `{"name":"s","query":{"q":"x","from":"next tuesday"}}`, "query.from"},
			{"number as a string", "POST", "/api/v1/operations", op(`{"lat":"38.9","lon":1}`), "center.lat"},
			{"NUL in sensitivity", "POST", "/api/v1/records", `{"title":"t","sensitivity":"a\u0000b"}`, "sensitivity"},
			{"long handling restriction", "POST", "/api/v1/records", `{"title":"t","handling_restriction":"` + strings.Repeat("r", 3000) + `"}`, "handling_restriction"},
			{"line break in a title", "POST", "/api/v1/cases", `{"title":"a\r\nb"}`, "title"},
			{"NUL in a login", "POST", "/api/v1/users", `{"login":"a\u0000b","name":"n","email":"n@example.gov","agency_id":"` + f.agency.ID + `","password":"` + testPassword + `"}`, "login"},
			{"invalid UTF-8 in a name", "POST", "/api/v1/agencies", "{\"code\":\"AB\",\"name\":\"a\xffb\",\"kind\":\"local\",\"country\":\"US\"}", "name"},
			{"too many list entries", "POST", "/api/v1/communities", `{"name":"c","kind":"other","members":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 1500), ",") + `]}`, "members"},
			{"NUL in a path id", "PATCH", "/api/v1/agencies/a%00b", `{"name":"x"}`, "id"},
			{"invalid UTF-8 in a path id", "GET", "/api/v1/agencies/a%FFb", ``, "id"},
		}
		sequence(t, f.store)
		before := f.outcomeCount("", liaison.OutcomeSuccess)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, hdr, body := f.do(tt.method, tt.path, f.userTok, tt.body)
				if status != 400 {
					t.Fatalf("status = %d, want 400; body %.400s", status, body)
				}
				p := parseProblem(t, hdr, body)
				if tt.field == "" {
					return
				}
				if len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
					t.Errorf("errors = %+v, want the first to name %q", p.Errors, tt.field)
				}
			})
		}
		if got := f.outcomeCount("", liaison.OutcomeSuccess); got != before {
			t.Errorf("audit log has %d successful entries after bad input, want %d", got, before)
		}
		status, _, body = f.do("GET", "/api/v1/cases/"+c.ID, f.userTok, "")
		var after liaison.Case
		_ = json.Unmarshal(body, &after)
		if status != 200 || len(after.Assigned) != len(c.Assigned) {
			t.Errorf("case after refused assignments = %d %s, want its assignments kept", status, body)
		}
	})
}

// TestBadInputErrorsDoNotAmplify sends a body with thousands of faults:
// the answer lists the first 20, counts the rest and stays small.
func TestBadInputErrorsDoNotAmplify(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		var b strings.Builder
		b.WriteString(`{"name":"c","kind":"other","members":[`)
		for i := range 900 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"a\u0000` + strings.Repeat("z", 40) + `"`)
		}
		b.WriteString(`]}`)
		status, hdr, body := f.do("POST", "/api/v1/communities", f.adminTok, b.String())
		if status != 400 {
			t.Fatalf("status = %d, want 400", status)
		}
		parseProblem(t, hdr, body)
		var p struct {
			Errors     []json.RawMessage `json:"errors"`
			MoreErrors int               `json:"more_errors"`
		}
		_ = json.Unmarshal(body, &p)
		if len(p.Errors) != 20 || p.MoreErrors == 0 || len(body) > 8<<10 {
			t.Errorf("got %d errors, %d more, %d bytes; want 20, a count of the rest, under 8 KiB", len(p.Errors), p.MoreErrors, len(body))
		}
	})
}
