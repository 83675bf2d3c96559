package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"liaison"
)

// readBody reads the body within the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge{limit: mbe.Limit}
	}
	if err != nil {
		return nil, liaison.Errorf(liaison.EINVALID, "could not read the request body: %v", err)
	}
	return b, nil
}

// decode parses a JSON body strictly into v: no unknown fields, no
// trailing data, one error naming the field at fault.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return unsupportedMedia{got: ct}
		}
	}
	body, ok := bodyFrom(r)
	if !ok {
		var err error
		if body, err = s.readBody(w, r); err != nil {
			return err
		}
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return liaison.Errorf(liaison.EINVALID, "the request body is empty; send a JSON object")
	}
	return decodeStrict(body, v)
}

func jsonKind(k string) string {
	switch {
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float"):
		return "a number"
	case k == "slice":
		return "an array"
	case k == "struct" || k == "map":
		return "an object"
	}
	return "of type " + k
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// listResponse is every list's envelope: a page and the next cursor.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string) error {
	if items == nil {
		items = []T{}
	}
	return writeJSON(w, http.StatusOK, listResponse[T]{Items: items, NextCursor: next})
}

// pageOf reads limit and cursor from the query string.
func pageOf(r *http.Request) (liaison.Page, error) {
	var p liaison.Page
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > liaison.MaxPageSize {
			return p, liaison.FieldErrorf("limit", "must be a whole number from 1 to %d", liaison.MaxPageSize)
		}
		p.Limit = n
	}
	p.After = q.Get("cursor")
	return p, nil
}

// checkQuery refuses query parameters the route does not know.
func checkQuery(r *http.Request, known ...string) error {
	for k := range r.URL.Query() {
		ok := false
		for _, n := range known {
			ok = ok || k == n
		}
		if !ok {
			return liaison.FieldErrorf(k, "is not a query parameter of this endpoint (known: %s)", strings.Join(known, ", "))
		}
	}
	return nil
}

func created(w http.ResponseWriter, location string, v any) error {
	w.Header().Set("Location", location)
	return writeJSON(w, http.StatusCreated, v)
}
