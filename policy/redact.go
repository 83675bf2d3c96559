package policy

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"liaison"
)

// Masked replaces what a redaction removes.
const Masked = "[REDACTED]"

// identifying are the subject attributes that identify a person or thing.
var identifying = map[string]bool{
	"name": true, "full_name": true, "first_name": true, "last_name": true, "alias": true, "aka": true,
	"date_of_birth": true, "dob": true, "ssn": true, "national_id": true, "passport": true, "passport_number": true,
	"drivers_license": true, "license_number": true, "id_number": true, "document_number": true,
	"phone": true, "number": true, "msisdn": true, "imei": true, "email": true, "address": true, "street": true,
	"plate": true, "vin": true, "registration": true, "account_number": true, "iban": true, "card_number": true,
	"serial_number": true, "username": true, "handle": true, "ip": true,
}

// Patterns of identifiers found in free text, masked in narratives.
var narrativePatterns = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`),                                                              // email
	regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`),                                                                                       // SSN
	regexp.MustCompile(`\+?\d[\d\s().-]{7,}\d`),                                                                                       // phone numbers
	regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b`),                                                           // dates (birth dates)
	regexp.MustCompile(`\b\d{1,6}\s+(?:[A-Z][a-z]+\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Lane|Ln|Dr|Drive|Way|Ct|Court)\b\.?`), // street addresses
	regexp.MustCompile(`\b[A-HJ-NPR-Z0-9]{17}\b`),                                                                                     // VIN
}

// Redact returns the record in the form a decision's redaction plan allows.
// The original is never changed. Full returns a copy; NoPII removes the
// subjects' identifiers and masks them, and identifier-shaped text, in the
// narrative; Assessment keeps only what an assessment needs: no subjects,
// no links, a sanitised narrative.
func Redact(r *liaison.IntelRecord, plan Redaction) *liaison.IntelRecord {
	out := *r
	out.Subjects = make([]liaison.Entity, len(r.Subjects))
	for i, e := range r.Subjects {
		e.Attributes = maps.Clone(e.Attributes)
		e.FirstAmendment = slices.Clone(e.FirstAmendment)
		out.Subjects[i] = e
	}
	out.Links = slices.Clone(r.Links)
	out.Recipients = slices.Clone(r.Recipients)
	if plan == Full {
		return &out
	}
	var known []string // identifier values to mask in the narrative
	for i := range out.Subjects {
		e := &out.Subjects[i]
		for k, v := range e.Attributes {
			if identifying[strings.ToLower(k)] || slices.Contains(e.FirstAmendment, k) {
				if len(strings.TrimSpace(v)) >= 3 {
					known = append(known, v)
				}
				e.Attributes[k] = Masked
			}
		}
	}
	out.Narrative = SanitizeText(r.Narrative, known)
	out.Predicate = SanitizeText(r.Predicate, known)
	out.FirstAmendmentTie = SanitizeText(r.FirstAmendmentTie, known)
	if plan == Assessment {
		out.Subjects, out.Links, out.Recipients = nil, nil, nil
		out.FirstAmendmentTie = ""
	}
	return &out
}

// SanitizeText masks the known identifier values (longest first, any case)
// and identifier-shaped text: emails, phone and ID numbers, dates,
// street addresses and VINs.
func SanitizeText(s string, known []string) string {
	sort.Slice(known, func(i, j int) bool { return len(known[i]) > len(known[j]) })
	for _, k := range known {
		s = replaceFold(s, k)
		// Also each word of a multi-word name: "J. Doe" is "Doe" later on.
		for _, w := range strings.Fields(k) {
			if len(w) >= 4 {
				s = replaceFold(s, w)
			}
		}
	}
	for _, re := range narrativePatterns {
		s = re.ReplaceAllString(s, Masked)
	}
	return s
}

// replaceFold replaces every case-insensitive, whole-word occurrence of
// old. It scans once, without regular expressions: redaction runs on every
// released record, and compiling a pattern per value was 27% of a list.
func replaceFold(s, old string) string {
	n := len(old)
	if n == 0 || len(s) < n {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+n <= len(s); {
		if strings.EqualFold(s[i:i+n], old) && boundaryBefore(s, i) && boundaryAfter(s, i+n) {
			b.WriteString(s[last:i])
			b.WriteString(Masked)
			i += n
			last = i
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}
