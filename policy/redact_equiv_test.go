package policy_test

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"liaison/policy"
)

// The patterns as SanitizeText applied them before its fast paths
// (issue 14): the plain form, every pattern over the whole text.
var refPatterns = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`),
	regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`),
	regexp.MustCompile(`\+?\d[\d\s().-]{7,}\d`),
	regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b`),
	regexp.MustCompile(`(?i)\b\d{1,6}[a-z]?\s+(?:[a-z]+\s+){1,3}(?:st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|dr|drive|way|ct|court|pl|place|terrace|sq|square|row|close)\b\.?`),
	regexp.MustCompile(`\b\d{3}-\d{4}\b`),
	regexp.MustCompile(`(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b`),
	regexp.MustCompile(`\b[A-HJ-NPR-Z0-9]{17}\b`),
}

var refToken = regexp.MustCompile(`\b[A-Z0-9]{1,5}(?:[- ][A-Z0-9]{1,5}){1,2}\b|\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+){0,2}\b`)

func refShaped(tok string) bool {
	letters, digits := 0, 0
	for _, r := range tok {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	if n := letters + digits; letters == 0 || digits < 2 || n < 5 || n > 12 {
		return false
	}
	parts := strings.FieldsFunc(tok, func(r rune) bool { return r == '-' || r == ' ' })
	if len(parts) == 1 {
		return true
	}
	mixed := false
	for _, p := range parts {
		if len(p) > 5 || strings.ToUpper(p) != p {
			return false
		}
		hasLetter, hasDigit := strings.IndexFunc(p, unicode.IsLetter) >= 0, strings.IndexFunc(p, unicode.IsDigit) >= 0
		mixed = mixed || hasLetter && hasDigit
	}
	return mixed || letters <= 4
}

func refSanitize(s string) string {
	if s == "" {
		return s
	}
	for _, re := range refPatterns {
		s = re.ReplaceAllString(s, policy.Masked)
	}
	return refToken.ReplaceAllStringFunc(s, func(tok string) string {
		if refShaped(tok) {
			return policy.Masked
		}
		return tok
	})
}

// TestSanitizeTextSameAsPlainPatterns: SanitizeText's fast paths (skip a
// pattern no match can need, start where the first match may) give what
// the patterns over the whole text give, on texts made to sit on every
// edge: digits after words, '+' and '_', VIN runs, plates across spaces.
func TestSanitizeTextSameAsPlainPatterns(t *testing.T) {
	fixed := []string{
		"Subject Jane Roe bought precursor chemicals; phone +1 202 555 0199.",
		"x+1 202 555 0199", "a1 202 555 0199", "A123-45-6789 and 123-45-6789", "_123-45-6789", "foo@bar.com 12",
		"1HGCM82633A004352", "1HGCM82633A00435Q", "QQQQQQQQQQQQQQQQQ", "IIIIIIIIIIIIIIIII1", "ABC DEF 12", "AB 12 CD, 7-XYZ-12",
		"met at 12 Main Street. then 4/5/2024", "on March 3, 1985 and 3rd jan. 2001", "call 555-0199", "221B Baker Street", "12 main road", "COVID-19 H2 ABC1234 P1234567", "é12 34", "12", "1", "+", "AB12 CDE",
	}
	rng := rand.New(rand.NewPCG(14, 14))
	pieces := []string{"1", "2", "0", "9", "12", "123", "4567", "March", "mar", "jan.", "3rd", ", ", "1985", "555-0199", "221B", "baker", "road", "A", "B", "Q", "I", "O", "Z", "a", "x", "Main", "Street", "St", "Ave",
		" ", " ", "-", "+", "_", ".", ",", "/", "(", ")", "@", "é", "\n", "\t", "ABC", "XYZ", "bought", "Jane", "example.gov", "HG"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		fixed = append(fixed, b.String())
	}
	for _, in := range fixed {
		if got, want := policy.SanitizeText(in, nil), refSanitize(in); got != want {
			t.Fatalf("SanitizeText(%q) = %q, want %q", in, got, want)
		}
	}
}
