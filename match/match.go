// Package match compares identifiers and people across agencies: the
// normalisation and fuzzy matching that target deconfliction uses now and
// entity resolution will use later. It is pure: no I/O, no state.
package match

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Plate normalises a vehicle registration: upper case, letters and digits
// only, with the look-alikes O→0 and I→1 folded (as plate readers do).
func Plate(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r == 'I':
			b.WriteByte('1')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Phone normalises a phone number to its digits, dropping a leading
// international prefix ("00" or "+") and, for North American numbers, the
// country code 1, so "+1 (202) 555-0143" and "202.555.0143" compare equal.
func Phone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	d = strings.TrimPrefix(d, "00")
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	return d
}

// Name normalises a personal name: accents removed, lower case, letters
// only, words sorted so "Smith, John" and "john smith" compare equal.
func Name(s string) string {
	t := norm.NFD.String(s)
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	for _, r := range t {
		switch {
		case unicode.Is(unicode.Mn, r): // combining accent
		case unicode.IsLetter(r):
			w.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	slices.Sort(words)
	return strings.Join(words, " ")
}

// JaroWinkler returns the Jaro-Winkler similarity of a and b, from 0 to 1.
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	if window < 0 {
		window = 0
	}
	ma, mb := make([]bool, len(ra)), make([]bool, len(rb))
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, k := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if ra[i] != rb[k] {
			transpositions++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// Person is what target deconfliction compares about a person.
type Person struct {
	Name string
	DOB  string // YYYY-MM-DD, or empty
}

// SamePerson decides whether two records name the same person: names at
// least threshold similar (NameSimilarity); when either lacks a date of
// birth, at least two words in each name and one word in common; and, when both give one, the
// same date of birth or one differing by a single transposed or mistyped
// digit (a common keying error).
func SamePerson(a, b Person, threshold float64) (bool, float64) {
	score := NameSimilarity(a.Name, b.Name)
	if score < threshold {
		return false, score
	}
	if a.DOB == "" || b.DOB == "" {
		// Without dates of birth a lone word ("white", "campbell") names
		// too many people to put two agencies in contact, and two names
		// that share no word exactly are too weak a link.
		wa, wb := strings.Fields(Name(a.Name)), strings.Fields(Name(b.Name))
		return len(wa) >= 2 && len(wb) >= 2 && slices.ContainsFunc(wa, func(w string) bool { return slices.Contains(wb, w) }), score
	}
	return dobClose(a.DOB, b.DOB), score
}

// NameSimilarity compares two personal names word by word: each word of
// the name with fewer words is paired with its most similar word in the
// other (Jaro-Winkler), and the score is the weakest pair. Whole-string
// Jaro-Winkler would let a shared given name carry two different surnames
// ("lachlan salt" and "lachlan zilm" score 0.90); word by word they score
// 0.47. Word order does not matter, and a name missing its given name still
// matches on the surname.
func NameSimilarity(a, b string) float64 {
	wa, wb := strings.Fields(Name(a)), strings.Fields(Name(b))
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	weakest := 1.0
	for _, x := range wa {
		best := 0.0
		for _, y := range wb {
			best = max(best, JaroWinkler(x, y))
		}
		weakest = min(weakest, best)
	}
	return weakest
}

func dobClose(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	var diff []int
	for i := range len(a) {
		if a[i] != b[i] {
			diff = append(diff, i)
		}
	}
	switch len(diff) {
	case 1: // one mistyped digit
		return true
	case 2: // two adjacent digits swapped
		i, j := diff[0], diff[1]
		return j == i+1 && a[i] == b[j] && a[j] == b[i]
	}
	return false
}

// Serial normalises a serial number (a weapon's, a device's): upper case,
// letters and digits only.
func Serial(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// addressWords are the USPS standard abbreviations (Publication 28,
// appendices B and C) for the street suffixes and unit designators that
// agencies most often spell out.
var addressWords = map[string]string{
	"STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "BOULEVARD": "BLVD", "DRIVE": "DR",
	"LANE": "LN", "COURT": "CT", "PLACE": "PL", "TERRACE": "TER", "HIGHWAY": "HWY",
	"PARKWAY": "PKWY", "CIRCLE": "CIR", "SQUARE": "SQ", "APARTMENT": "APT", "SUITE": "STE",
	"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
	"NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}

// Address normalises a street address: accents removed, upper case,
// punctuation dropped, USPS abbreviations applied, "#" read as a unit, so
// "1600 Pennsylvania Avenue, N.W." and "1600 PENNSYLVANIA AVE NW" compare
// equal.
func Address(s string) string {
	t := norm.NFD.String(s)
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			word := w.String()
			if abbr, ok := addressWords[word]; ok {
				word = abbr
			}
			words = append(words, word)
			w.Reset()
		}
	}
	for _, r := range t {
		switch {
		case unicode.Is(unicode.Mn, r), r == '.', r == '\'':
			// accents and the dots of "N.W." join rather than split
		case r == '#':
			flush()
			words = append(words, "APT")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w.WriteRune(unicode.ToUpper(r))
		default:
			flush()
		}
	}
	flush()
	return strings.Join(words, " ")
}
