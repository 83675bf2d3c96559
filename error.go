package liaison

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes: the fixed set every service returns.
const (
	EINVALID      = "invalid"      // the input breaks a rule; Fields says where
	ENOTFOUND     = "not_found"    // no such object, or the caller may not know it exists
	ECONFLICT     = "conflict"     // the object exists already or changed meanwhile
	EUNAUTHORIZED = "unauthorized" // the caller is not (or no longer) authenticated
	EFORBIDDEN    = "forbidden"    // the caller is known but may not do this
	EINTERNAL     = "internal"     // anything else; the cause goes to the log only
)

// FieldError names one input field at fault and what to fix.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the domain error: a code, a message users may see, the fields at
// fault, the operation that failed and a cause that only logs see.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Op      string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid-input Error naming one field.
func FieldErrorf(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message users may see for err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the fields at fault in err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors during validation.
type Problems []FieldError

// Add records that field is wrong and why.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// MaxProblems is how many problems a message lists; the rest are counted.
const MaxProblems = 20

// Err returns nil when nothing was added, otherwise an EINVALID *Error.
// Its message lists the first MaxProblems and counts the rest, so an
// error never grows with the input.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	shown := p[:min(len(p), MaxProblems)]
	msgs := make([]string, len(shown), len(shown)+1)
	for i, f := range shown {
		msgs[i] = f.Message
		if f.Field != "" {
			msgs[i] = f.Field + ": " + f.Message
		}
	}
	if n := len(p) - len(shown); n > 0 {
		msgs = append(msgs, fmt.Sprintf("and %d more problems", n))
	}
	return &Error{Code: EINVALID, Message: strings.Join(msgs, "; "), Fields: p}
}
