package http

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"liaison"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	Instance  string               `json:"instance,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []liaison.FieldError `json:"errors,omitempty"`
	// MoreErrors counts the field errors beyond the first maxProblems,
	// which are all an answer lists: errors never outgrow the input.
	MoreErrors int `json:"more_errors,omitempty"`
}

// maxProblems is how many field errors one answer lists.
const maxProblems = liaison.MaxProblems

// statusOf is the one mapping from error codes to HTTP status.
var statusOf = map[string]int{
	liaison.EINVALID:      http.StatusBadRequest,
	liaison.ENOTFOUND:     http.StatusNotFound,
	liaison.ECONFLICT:     http.StatusConflict,
	liaison.EUNAUTHORIZED: http.StatusUnauthorized,
	liaison.EFORBIDDEN:    http.StatusForbidden,
	liaison.EINTERNAL:     http.StatusInternalServerError,
}

var titleOf = map[string]string{
	liaison.EINVALID:      "Invalid input",
	liaison.ENOTFOUND:     "Not found",
	liaison.ECONFLICT:     "Conflict",
	liaison.EUNAUTHORIZED: "Not signed in",
	liaison.EFORBIDDEN:    "Not allowed",
	liaison.EINTERNAL:     "Internal error",
}

// tooLarge is the one error the HTTP layer adds: a body over the limit.
type tooLarge struct{ limit int64 }

func (e tooLarge) Error() string { return "request body too large" }

// problemFor turns any error into a problem and the status to send.
func problemFor(r *http.Request, err error) Problem {
	var tl tooLarge
	if errors.As(err, &tl) {
		return Problem{Type: "urn:liaison:problem:too_large", Title: "Request body too large",
			Status: http.StatusRequestEntityTooLarge, Instance: r.URL.Path,
			Detail: "the request is larger than its limit of " + byteSize(tl.limit) + "; send less data, or a smaller file, per request"}
	}
	var um unsupportedMedia
	if errors.As(err, &um) {
		return Problem{Type: "urn:liaison:problem:unsupported_media_type", Title: "Unsupported media type",
			Status: http.StatusUnsupportedMediaType, Instance: r.URL.Path,
			Detail: "Content-Type: must be application/json",
			Errors: []liaison.FieldError{{Field: "Content-Type", Message: "must be application/json, not " + strconv.Quote(clip(um.got, 60))}}}
	}
	code := liaison.ErrorCode(err)
	status := statusOf[code]
	p := Problem{Type: "urn:liaison:problem:" + code, Title: titleOf[code],
		Status: status, Detail: clip(liaison.ErrorMessage(err), 2000), Instance: r.URL.Path}
	fields := liaison.ErrorFields(err)
	if len(fields) > maxProblems {
		p.MoreErrors = len(fields) - maxProblems
		fields = fields[:maxProblems]
	}
	for _, f := range fields {
		p.Errors = append(p.Errors, liaison.FieldError{Field: clip(f.Field, 200), Message: clip(f.Message, 300)})
	}
	return p
}

// unsupportedMedia is a body sent as something other than JSON: 415
// (RFC 9110, section 15.5.16), naming the Content-Type header.
type unsupportedMedia struct{ got string }

func (e unsupportedMedia) Error() string { return "unsupported media type " + e.got }

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.RequestID = requestIDFrom(r.Context())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized && strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="liaison"`)
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// byteSize says a size in the unit people read it in: 40 MiB, 64 KiB, 900 bytes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
