package http

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"liaison"
)

// op documents one API operation for the OpenAPI document.
type op struct {
	Tag        string
	Summary    string
	Request    any // a value of the request body type, or nil
	Response   any // a value of the response type, or nil
	Status     int // success status; 200 if zero
	Params     []param
	Idempotent bool // accepts an Idempotency-Key header
}

type param struct {
	Name, In, Description string
	Enum                  []string
}

func listParams() []param {
	return []param{
		{"limit", "query", "Page size, 1-500 (default 50)", nil},
		{"cursor", "query", "The next_cursor of the previous page", nil},
	}
}

func enumOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDoc builds the OpenAPI 3.1 document from the route table.
func (s *Server) openAPIDoc() map[string]any {
	schemas := map[string]any{}
	gen := &schemaGen{defs: schemas}
	paths := map[string]any{}
	for _, rt := range s.routes {
		if rt.doc == nil {
			continue
		}
		d := rt.doc
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		params := []any{}
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
		for _, p := range d.Params {
			sch := map[string]any{"type": "string"}
			if p.Enum != nil {
				sch["enum"] = p.Enum
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "description": p.Description, "schema": sch})
		}
		if d.Idempotent {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
				"description": "Retry-safe creation: the same key and body return the first response",
				"schema":      map[string]any{"type": "string", "maxLength": 255}})
		}
		status := d.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": "Success"}
		if d.Response != nil {
			body := gen.schema(reflect.TypeOf(d.Response))
			if reflect.TypeOf(d.Response).Kind() == reflect.Slice {
				body = map[string]any{"type": "object", "required": []string{"items", "next_cursor"},
					"properties": map[string]any{"items": body, "next_cursor": map[string]any{"type": "string"}}}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": body}}
		}
		problem := map[string]any{"description": "Problem", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
		o := map[string]any{
			"operationId": rt.name, "summary": d.Summary, "tags": []string{d.Tag}, "parameters": params,
			"responses": map[string]any{itoa(int64(status)): ok, "default": problem},
		}
		if rt.auth != authPublic {
			o["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		}
		if d.Request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": gen.schema(reflect.TypeOf(d.Request))}}}
		}
		item[strings.ToLower(rt.method)] = o
	}
	schemas["Problem"] = gen.schema(reflect.TypeOf(Problem{}))
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Liaison API", "version": liaison.Version,
			"description": "Counterterrorism partnership platform. Errors are RFC 9457 problem+json naming the field at fault."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "API token from `liaison admin token create`"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
		},
	}
}

// schemaGen derives JSON Schemas from Go types, by their json tags.
type schemaGen struct{ defs map[string]any }

var (
	timeType        = reflect.TypeOf(time.Time{})
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || (t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(unmarshalerType)) {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint8, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem()), "maxItems": maxItems}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem()), "maxProperties": maxItems}
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.defs[name]; !ok && name != "" {
			g.defs[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []string
			for i := range t.NumField() {
				f := t.Field(i)
				tag := strings.Split(f.Tag.Get("json"), ",")[0]
				if tag == "-" || !f.IsExported() {
					continue
				}
				if tag == "" {
					tag = f.Name
				}
				props[tag] = g.fieldSchema(tag, f.Type)
				if f.Tag.Get("required") == "true" {
					required = append(required, tag)
				}
			}
			def := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				sort.Strings(required)
				def["required"] = required
			}
			g.defs[name] = def
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// fieldSchema is a field's schema with the text policy's limits for its
// name: what decodeStrict enforces, stated where clients read it.
func (g *schemaGen) fieldSchema(name string, t reflect.Type) map[string]any {
	sch := g.schema(t)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	str := sch
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String {
		str, _ = sch["items"].(map[string]any)
	} else if t.Kind() != reflect.String {
		return sch
	}
	max, long := textLimit(name)
	str["maxLength"] = max
	if !long {
		str["pattern"] = `^[^\p{Cc}]*$`
	}
	return sch
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(s.openAPIDoc())
}
