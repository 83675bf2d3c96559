package http

import (
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"liaison"
)

// The one text policy for request bodies. Every string of every request
// is valid UTF-8 (the parser refuses anything else), holds no control
// characters (newline and tab only in long text) and has a maximum length:
// long text by its field name below, anything else maxLineText. The
// OpenAPI document states the same limits (maxLength), from this table.
const (
	maxLineText = 500  // a name, title, code, address, value: one line
	maxItems    = 1000 // any array
	maxDepth    = 32   // nesting of objects and arrays
)

// longText is every free-text field that may hold paragraphs, by JSON
// name, with its maximum length in characters.
var longText = map[string]int{
	"narrative": 100_000, "notes": 20_000, "body": 20_000, "criminal_predicate": 10_000,
	"description": 4_000, "why": 5_000, "first_amendment_tie": 5_000, "note": 5_000,
	"details": 5_000, "message": 5_000, "resolution": 5_000, "corroboration": 5_000,
	"justification": 2_000, "reason": 2_000, "review_reason": 2_000, "purge_reason": 2_000,
	"legal_basis": 1_000,
}

// untrimmed fields keep their spaces: secrets are compared as sent.
var untrimmed = map[string]bool{"password": true, "new_password": true, "old_password": true, "current_password": true, "secret": true}

// textLimit is the maximum length of the field named name and whether it
// may hold newlines and tabs.
func textLimit(name string) (max int, long bool) {
	if n, ok := longText[name]; ok {
		return n, true
	}
	return maxLineText, false
}

// checkTextValue applies the text policy to s, the value of field.
func checkTextValue(p *liaison.Problems, field, name, s string) {
	max, long := textLimit(name)
	if !utf8.ValidString(s) {
		p.Add(field, "must be valid UTF-8 text")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		p.Add(field, "is %d characters long; at most %d are allowed", n, max)
		return
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		if r == '\n' || r == '\t' {
			return !long
		}
		return unicode.IsControl(r) || r == utf8.RuneError
	}); i >= 0 {
		if long {
			p.Add(field, "must not contain control characters (only line breaks and tabs are allowed)")
		} else {
			p.Add(field, "must be one line of text without control characters")
		}
	}
}

var (
	strictRead = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(),
		jsonv2.RejectUnknownMembers(true), jsonv2.MatchCaseInsensitiveNames(false),
		jsonv1.MatchCaseSensitiveDelimiter(true), jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false), jsonv1.ReportErrorsWithLegacySemantics(false),
		jsonv1.StringifyWithLegacySemantics(false))
	treeRead = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
)

// decodeStrict parses body into v: one JSON object, keys matched exactly,
// no unknown or repeated keys, no nulls, no numbers for strings or times,
// required nested fields present, every string within the text policy.
// Every problem names its field by path (where.zz, roles[0]).
func decodeStrict(body []byte, v any) error {
	var tree any
	if err := jsonv2.Unmarshal(body, &tree, treeRead); err != nil {
		return v2Error(err)
	}
	if depth(tree) > maxDepth {
		return liaison.Errorf(liaison.EINVALID, "the body is nested more than %d levels deep", maxDepth)
	}
	var p liaison.Problems
	if tree == nil {
		return liaison.Errorf(liaison.EINVALID, "the body is null; send a JSON object with the fields to set")
	}
	if _, ok := tree.(map[string]any); !ok {
		return liaison.Errorf(liaison.EINVALID, "the body must be a JSON object, not %s", kindOf(tree))
	}
	walk(&p, reflect.TypeOf(v), tree, "", "", true)
	if err := p.Err(); err != nil {
		return err
	}
	if err := jsonv2.Unmarshal(body, v, strictRead); err != nil {
		return v2Error(err)
	}
	trim(reflect.ValueOf(v), "")
	return nil
}

func depth(v any) int {
	switch v := v.(type) {
	case map[string]any:
		d := 0
		for _, e := range v {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		d := 0
		for _, e := range v {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "true or false"
	}
	return "a number"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks the parsed value v against the Go type t.
func walk(p *liaison.Problems, t reflect.Type, v any, path, name string, top bool) {
	if len(*p) > maxProblems*4 {
		return // enough to say; Err caps the list anyway
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		// null is no value: only an optional list or map may be null
		// (as empty); anything else would be taken as zero or "unset".
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Map {
			p.Add(path, "must not be null; leave the field out instead")
		}
		return
	}
	if t == timeType || t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(unmarshalerType) {
		if _, ok := v.(string); !ok {
			p.Add(path, "must be an RFC 3339 time string such as 2026-11-25T18:30:00Z, not %s", kindOf(v))
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		if s, ok := v.(string); ok {
			checkTextValue(p, path, name, s)
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if t.Elem().Kind() == reflect.Uint8 || !ok {
			return // base64 bytes, or a wrong type the decoder names
		}
		if len(a) > maxItems {
			p.Add(path, "has %d items; at most %d are allowed", len(a), maxItems)
			return
		}
		for i, e := range a {
			walk(p, t.Elem(), e, path+"["+strconv.Itoa(i)+"]", name, false)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if len(m) > maxItems {
			p.Add(path, "has %d entries; at most %d are allowed", len(m), maxItems)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) { // errors in one order, every time
			checkTextValue(p, join(path, k), "", k)
			walk(p, t.Elem(), m[k], join(path, k), k, false)
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) { // errors in one order, every time
			e := m[k]
			f, ok := fields[k]
			if !ok {
				p.Add(join(path, k), "is not a field of this request; check the spelling and case against the API document")
				continue
			}
			if e == nil && f.required {
				p.Add(join(path, k), "is required and must not be null")
				continue
			}
			walk(p, f.typ, e, join(path, k), k, false)
		}
		allPointers := len(fields) > 0
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			f := fields[k]
			if _, ok := m[k]; !ok && (f.required || !top && isFloat(f.typ)) {
				p.Add(join(path, k), "is required")
			}
			allPointers = allPointers && f.typ.Kind() == reflect.Pointer
		}
		if top && allPointers && len(m) == 0 {
			p.Add("", "the body sets no field, so it changes nothing; give the fields to change")
		}
	}
}

// isFloat: a measurement (a latitude, a radius) in a nested object is
// required, since its zero is a real place or size, not "none".
func isFloat(t reflect.Type) bool {
	return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64
}

type jsonField struct {
	typ      reflect.Type
	index    []int
	required bool // tagged required:"true": present and not null
}

// jsonFields are t's fields by JSON name, embedded structs inlined as
// encoding/json does.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name := strings.Split(tag, ",")[0]
		if tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, sub := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						sub.index = append([]int{i}, sub.index...)
						out[k] = sub
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{typ: f.Type, index: []int{i}, required: f.Tag.Get("required") == "true"}
	}
	return out
}

// trim removes leading and trailing white space from every string field
// of the decoded request, secrets excepted.
func trim(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			trim(v.Elem(), name)
		}
	case reflect.String:
		if v.CanSet() && !untrimmed[name] {
			v.SetString(strings.TrimSpace(v.String()))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := range v.Len() {
				trim(v.Index(i), name)
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t == timeType {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			n := strings.Split(f.Tag.Get("json"), ",")[0]
			if n == "" {
				n = f.Name
			}
			trim(v.Field(i), n)
		}
	}
}

// fieldOf turns a JSON pointer (/where/zz, /roles/0) into the field
// names errors use (where.zz, roles[0]).
func fieldOf(ptr jsontext.Pointer) string {
	var b strings.Builder
	for tok := range ptr.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// v2Error names the field of a decoding error and says what to fix,
// without echoing the input.
func v2Error(err error) error {
	var domain *liaison.Error
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	var pe *time.ParseError
	switch {
	case errors.As(err, &domain):
		return domain
	case errors.As(err, &syn):
		field := fieldOf(syn.JSONPointer)
		msg := syn.Err.Error()
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return liaison.FieldErrorf(field, "is given twice; give each field once")
		case strings.Contains(msg, "invalid UTF-8"):
			if field == "" {
				return liaison.Errorf(liaison.EINVALID, "the body is not valid UTF-8 text")
			}
			return liaison.FieldErrorf(field, "must be valid UTF-8 text")
		case errors.Is(syn.Err, errUnexpectedEOF) || strings.Contains(msg, "unexpected EOF"):
			return liaison.Errorf(liaison.EINVALID, "malformed JSON: the body ends early")
		}
		return liaison.Errorf(liaison.EINVALID, "malformed JSON at byte %d: %s", syn.ByteOffset, clip(msg, 120))
	case errors.As(err, &sem):
		field := fieldOf(sem.JSONPointer)
		if errors.As(err, &pe) || sem.GoType == timeType {
			return liaison.FieldErrorf(field, "must be an RFC 3339 time such as 2026-11-25T18:30:00Z")
		}
		if errors.Is(err, jsonv2.ErrUnknownName) {
			return liaison.FieldErrorf(field, "is not a field of this request; check the spelling and case against the API document")
		}
		if field == "" {
			return liaison.Errorf(liaison.EINVALID, "the body must be a JSON object")
		}
		if sem.GoType != nil {
			return liaison.FieldErrorf(field, "must be %s", jsonKind(goKind(sem.GoType)))
		}
		return liaison.FieldErrorf(field, "is not a valid value")
	}
	return liaison.Errorf(liaison.EINVALID, "invalid JSON body")
}

var errUnexpectedEOF = errors.New("unexpected EOF")

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind().String()
}

// clip shortens s for an error message: input is never echoed at length.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// checkPathValues applies the text policy to the route's path values
// ({id}, {login}...) before any handler or store sees them: a NUL byte or
// invalid UTF-8 in an id is bad input (400), never a database error.
func checkPathValues(r *http.Request, pattern string) error {
	var p liaison.Problems
	for _, m := range pathParamRE.FindAllStringSubmatch(pattern, -1) {
		v := r.PathValue(m[1])
		if !utf8.ValidString(v) || len(v) > maxLineText || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			p.Add(m[1], "is not a valid identifier")
		}
	}
	return p.Err()
}
