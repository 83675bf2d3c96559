package policy

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"liaison"
)

// Masked replaces what a redaction removes.
const Masked = "[REDACTED]"

// FieldClass says how a field is released to a reader without rights to
// personal data.
type FieldClass int

// Field classes.
const (
	Identifying FieldClass = iota // masked
	Safe                          // released as it is
	FreeText                      // released through SanitizeText
)

// safeAttributes are the subject attribute keys known not to identify
// anyone. Every other key is identifying: a new or misspelt key (surname,
// phone_number, passport_no, tattoo_desc...) is masked, never released.
var safeAttributes = map[string]bool{
	"make": true, "model": true, "color": true, "colour": true, "year": true, "body_type": true,
	"type": true, "role": true, "category": true, "sector": true, "status": true, "country": true,
	"height": true, "build": true,
}

// freeTextAttributes are attribute keys holding prose: released sanitised.
var freeTextAttributes = map[string]bool{
	"description": true, "notes": true, "remarks": true, "comment": true, "summary": true, "details": true,
}

// AttributeClass classes a subject attribute by its key: safe, free text,
// or (any key not known to be one of those) identifying.
func AttributeClass(key string) FieldClass {
	k := strings.ToLower(strings.TrimSpace(key))
	switch {
	case safeAttributes[k]:
		return Safe
	case freeTextAttributes[k]:
		return FreeText
	}
	return Identifying
}

// Patterns of identifiers found in free text, masked in every free-text
// field, in this order: email, the digit patterns, dates in words, VINs
// (maskPatterns relies on the groups: see there).
var (
	emailPattern  = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	digitPatterns = []*regexp.Regexp{ // every match starts at a digit, or a '+' before one
		regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`),                             // SSN
		regexp.MustCompile(`\+?\d[\d\s().-]{7,}\d`),                             // phone numbers
		regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b`), // dates (birth dates)
		regexp.MustCompile(`(?i)\b\d{1,6}[a-z]?\s+(?:[a-z]+\s+){1,3}(?:st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|dr|drive|way|ct|court|pl|place|terrace|sq|square|row|close)\b\.?`), // street addresses
		regexp.MustCompile(`\b\d{3}-\d{4}\b`), // local phone numbers
	}
	wordDatePattern = regexp.MustCompile(`(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b`)
	vinPattern      = regexp.MustCompile(`\b[A-HJ-NPR-Z0-9]{17}\b`)
)

// identifierToken matches words that mix letters and digits, as plates,
// passport and document numbers do (ABC1234, 7-XYZ-12, P1234567).
var identifierToken = regexp.MustCompile(`\b[A-Z0-9]{1,5}(?:[- ][A-Z0-9]{1,5}){1,2}\b|\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+){0,2}\b`)

// nameParticles are name parts too common to mask on their own.
var nameParticles = map[string]bool{
	"de": true, "la": true, "le": true, "da": true, "di": true, "du": true, "van": true, "von": true, "der": true,
	"den": true, "del": true, "el": true, "al": true, "bin": true, "ibn": true, "st": true, "mr": true, "mrs": true, "ms": true,
	"dr": true, "jr": true, "sr": true, "the": true, "and": true, "of": true,
}

// Known collects the values a redaction withholds from entities, to be
// masked wherever they appear in free text: every identifying attribute
// value, and every value an entity marks as First Amendment.
func Known(es []liaison.Entity) []string {
	var known []string
	for _, e := range es {
		for k, v := range e.Attributes {
			if AttributeClass(k) == Identifying || slices.Contains(e.FirstAmendment, k) {
				if strings.TrimSpace(v) != "" && v != Masked {
					known = append(known, v)
				}
			}
		}
	}
	return known
}

// RedactEntities returns copies of es as a reader without personal-data
// rights gets them: identifying and First Amendment attributes masked,
// free-text attributes sanitised against known, safe ones kept.
func RedactEntities(es []liaison.Entity, known []string) []liaison.Entity {
	out := make([]liaison.Entity, len(es))
	for i, e := range es {
		e.Attributes = maps.Clone(e.Attributes)
		e.FirstAmendment = slices.Clone(e.FirstAmendment)
		for k, v := range e.Attributes {
			switch {
			case slices.Contains(e.FirstAmendment, k) || AttributeClass(k) == Identifying:
				e.Attributes[k] = Masked
			default: // free text, and safe values, which may still repeat a withheld one ("model": a name)
				e.Attributes[k] = SanitizeText(v, known)
			}
		}
		out[i] = e
	}
	return out
}

func cloneEntities(es []liaison.Entity) []liaison.Entity {
	out := make([]liaison.Entity, len(es))
	for i, e := range es {
		e.Attributes = maps.Clone(e.Attributes)
		e.FirstAmendment = slices.Clone(e.FirstAmendment)
		out[i] = e
	}
	return out
}

// Redact returns the record in the form a decision's redaction plan allows.
// The original is never changed. Full returns a copy. NoPII classes every
// field: identifiers (subjects' identifying attributes) are masked, every
// free-text field (title, narrative, predicate, First Amendment tie,
// handling restriction, review and purge reasons) is sanitised, and safe
// fields (labels, dates, ids, kinds) are kept. Assessment keeps only what
// an assessment needs: no subjects, no links, sanitised text.
func Redact(r *liaison.IntelRecord, plan Redaction) *liaison.IntelRecord {
	out := *r
	out.Links = slices.Clone(r.Links)
	out.Recipients = slices.Clone(r.Recipients)
	out.SharedWith = slices.Clone(r.SharedWith)
	out.SourceSARs = slices.Clone(r.SourceSARs)
	if plan == Full {
		out.Subjects = cloneEntities(r.Subjects)
		return &out
	}
	known := Known(r.Subjects)
	out.Subjects = RedactEntities(r.Subjects, known)
	for i := range out.Links {
		out.Links[i].Type = SanitizeText(out.Links[i].Type, known) // "brother of ..." is free text
	}
	// Who is named on the record, and who reviewed it, are people of the
	// originating agency: not a reader without personal-data rights' to know.
	out.Recipients, out.ReviewedBy = nil, ""
	out.Sensitivity = SanitizeText(r.Sensitivity, known)
	out.Title = SanitizeText(r.Title, known)
	out.Narrative = SanitizeText(r.Narrative, known)
	out.Predicate = SanitizeText(r.Predicate, known)
	out.FirstAmendmentTie = SanitizeText(r.FirstAmendmentTie, known)
	out.Restriction = SanitizeText(r.Restriction, known)
	out.ReviewReason = SanitizeText(r.ReviewReason, known)
	out.PurgeReason = SanitizeText(r.PurgeReason, known)
	if plan == Assessment {
		out.Subjects, out.Links, out.Recipients = []liaison.Entity{}, []liaison.Link{}, nil
		out.FirstAmendmentTie, out.SourceSARs = "", nil
	}
	return &out
}

// RedactSAR returns a report in the form a plan allows, as Redact does for
// records: NoPII masks the involved entities' identifiers, sanitises the
// title, narrative, why, corroboration and address, drops the coordinates,
// the author and the vetting history (who reviewed it, and their reasons).
func RedactSAR(r *liaison.SAR, plan Redaction) *liaison.SAR {
	out := *r
	out.Categories = slices.Clone(r.Categories)
	out.SharedWith = slices.Clone(r.SharedWith)
	out.History = slices.Clone(r.History)
	if plan == Full {
		out.Involved = cloneEntities(r.Involved)
		if out.Involved == nil {
			out.Involved = []liaison.Entity{}
		}
		return &out
	}
	known := Known(r.Involved)
	out.Involved = RedactEntities(r.Involved, known)
	out.Title = SanitizeText(r.Title, known)
	out.Narrative = SanitizeText(r.Narrative, known)
	out.Why = SanitizeText(r.Why, known)
	out.Corroboration = SanitizeText(r.Corroboration, known)
	out.Where = liaison.Place{Address: SanitizeText(r.Where.Address, known)}
	out.AuthorID, out.History = "", nil
	if plan == Assessment {
		out.Involved = []liaison.Entity{}
	}
	return &out
}

// nameParts splits a withheld value into the parts that identify on their
// own: each run of letters of two or more (a hyphenated or compound name's
// every part, not a particle such as "de"), and each run of four or more
// digits.
func nameParts(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		letters, digits := 0, 0
		for _, r := range p {
			if unicode.IsLetter(r) {
				letters++
			} else {
				digits++
			}
		}
		switch {
		case digits == 0 && letters >= 2 && !nameParticles[strings.ToLower(p)]:
			out = append(out, p)
		case letters == 0 && digits >= 4:
			out = append(out, p)
		case letters > 0 && digits > 0 && len(p) >= 3:
			out = append(out, p)
		}
	}
	return out
}

// SanitizeText masks the known withheld values (longest first, any case),
// every part of them that identifies on its own (each part of a name,
// however often it appears, whatever its accents or case: "Zoe Muller"
// and "ZOË" go with "Zoë Müller"), and identifier-shaped text: emails,
// phone and ID numbers, dates, street addresses, VINs and words that mix
// letters and digits as plates and document numbers do.
func SanitizeText(s string, known []string) string {
	if s == "" {
		return s
	}
	var whole []string
	parts := map[string]bool{}
	for _, k := range known {
		if k = strings.TrimSpace(k); k != "" {
			whole = append(whole, k)
			for _, p := range nameParts(k) {
				parts[fold(p)] = true
			}
		}
	}
	sort.Slice(whole, func(i, j int) bool { return len(whole[i]) > len(whole[j]) })
	for _, k := range slices.Compact(whole) {
		s = replaceFold(s, k)
	}
	if len(parts) > 0 {
		s = maskWords(s, parts)
	}
	return maskPatterns(s)
}

// maskPatterns masks identifier-shaped text as the patterns, applied one
// after another over the whole text, would; it skips the work no match
// can need, since the regular expressions were most of a list's
// redaction. Each skip keeps the output the patterns give:
//
//   - email needs an '@';
//   - the digit patterns (SSN, phone, dates, street addresses, local
//     phones) need a digit, and every match of theirs starts at a digit or
//     at a '+' before one, so they run from the first digit's word (cut
//     where the character before is not a word character, so \b reads the
//     same);
//   - dates in words need a digit (they start at a month's name);
//   - a VIN needs a run of 17 of its letters and digits;
//   - identifierToken only masks tokens with two digits or more, and no
//     match spans a character outside [A-Za-z0-9 -]: it runs from the
//     start of the run of such characters holding the first digit, and
//     not at all with fewer than two digits.
func maskPatterns(s string) string {
	if strings.IndexByte(s, '@') >= 0 {
		s = emailPattern.ReplaceAllString(s, Masked)
	}
	if d := firstDigit(s); d >= 0 {
		j := d
		for j > 0 && isASCIIWord(s[j-1]) {
			j--
		}
		if j > 0 && s[j-1] == '+' {
			j--
		}
		rest := s[j:]
		for _, re := range digitPatterns {
			rest = re.ReplaceAllString(rest, Masked)
		}
		s = wordDatePattern.ReplaceAllString(s[:j]+rest, Masked) // over the whole text: a month's name comes before its digits
	}
	if vinRun(s) {
		s = vinPattern.ReplaceAllString(s, Masked)
	}
	if d := firstDigit(s); d >= 0 && firstDigit(s[d+1:]) >= 0 {
		j := d
		for j > 0 && tokenByte(s[j-1]) {
			j--
		}
		s = s[:j] + identifierToken.ReplaceAllStringFunc(s[j:], func(tok string) string {
			if identifierShaped(tok) {
				return Masked
			}
			return tok
		})
	}
	return s
}

func firstDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return i
		}
	}
	return -1
}

// isASCIIWord is \b's word character.
func isASCIIWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// tokenByte is a byte an identifierToken match may hold, or '_' (a word
// character for \b): a run of other bytes is never inside a match.
func tokenByte(c byte) bool { return isASCIIWord(c) || c == ' ' || c == '-' }

// vinRun reports whether s has 17 VIN characters ([A-HJ-NPR-Z0-9]: no
// I, O or Q) in a row.
func vinRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q' {
			if n++; n >= 17 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// maskWords masks every word of s whose folded form is in parts. ASCII
// words, the common case, are folded into a reused buffer: no allocation
// per word.
func maskWords(s string, parts map[string]bool) string {
	var b strings.Builder
	var buf []byte
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isWordRune(r) && !unicode.Is(unicode.Mn, r) {
				break
			}
			j += size
		}
		if j-i >= 2 && wordIn(s[i:j], parts, &buf) {
			b.WriteString(s[last:i])
			b.WriteString(Masked)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordIn reports whether w's folded form is in parts.
func wordIn(w string, parts map[string]bool, buf *[]byte) bool {
	b := (*buf)[:0]
	for k := 0; k < len(w); k++ {
		c := w[k]
		if c >= utf8.RuneSelf {
			return parts[fold(w)]
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	*buf = b
	return parts[string(b)] // the conversion in a map index does not allocate
}

// fold is a word's form for matching: compatibility-decomposed, accents
// removed, lower case, ß as ss ("Zoë", "ZOE" and "zoe" fold alike, and
// so do "Kelvin" spelt with the Kelvin sign and "Straße" and "STRASSE").
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(w)
	}
	w = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFKD.String(w))
	return strings.ReplaceAll(strings.ToLower(w), "ß", "ss")
}

// identifierShaped reports whether a token has the shape of a plate or a
// document number: 5 to 12 letters and digits with at least one letter
// and two digits ("ABC1234", "P1234567"), or short upper-case or digit
// parts joined by hyphens or spaces ("7-XYZ-12", "ABC 1234", "AB12 CDE").
// "H2", "COVID-19" and prose are not.
func identifierShaped(tok string) bool {
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
			return false // a long or lower-case part: prose, not a plate
		}
		hasLetter, hasDigit := strings.IndexFunc(p, unicode.IsLetter) >= 0, strings.IndexFunc(p, unicode.IsDigit) >= 0
		mixed = mixed || hasLetter && hasDigit
	}
	// "AB12 CDE" has a mixed part; "7-XYZ-12" few letters; "COVID-19" neither.
	return mixed || letters <= 4
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
