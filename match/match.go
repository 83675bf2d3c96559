// Package match compares identifiers and people across agencies: the
// normalisation and fuzzy matching that target deconfliction uses now and
// entity resolution will use later. It is pure: no I/O, no state.
package match

import (
	"math/bits"
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
	return jaroWinkler([]rune(a), []rune(b))
}

// jaroWinkler is JaroWinkler on letters already split out: bytes for an
// ASCII word, runes otherwise, so a prepared name is compared without
// converting or allocating (words up to 64 letters use flags on the stack).
func jaroWinkler[A, B byte | rune](ra []A, rb []B) float64 {
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
	var fa, fb [64]bool
	var ma, mb []bool
	if len(ra) <= len(fa) && len(rb) <= len(fb) {
		ma, mb = fa[:len(ra)], fb[:len(rb)]
	} else {
		ma, mb = make([]bool, len(ra)), make([]bool, len(rb))
	}
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && rune(ra[i]) == rune(rb[j]) {
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
		if rune(ra[i]) != rune(rb[k]) {
			transpositions++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && rune(ra[prefix]) == rune(rb[prefix]) {
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
// digit (a common keying error). The score is NameSimilarity's.
func SamePerson(a, b Person, threshold float64) (bool, float64) {
	pa, pb := Prepare(a), Prepare(b)
	score := similarity(pa.words, pb.words)
	if score < threshold {
		return false, score
	}
	return pa.sameApartFromName(&pb), score
}

// NameSimilarity compares two personal names word by word: each word of
// the name with fewer words is paired with its most similar word in the
// other (Jaro-Winkler), and the score is the weakest pair. Whole-string
// Jaro-Winkler would let a shared given name carry two different surnames
// ("lachlan salt" and "lachlan zilm" score 0.90); word by word they score
// 0.47. Word order does not matter, and a name missing its given name still
// matches on the surname.
func NameSimilarity(a, b string) float64 {
	return similarity(prepareName(a), prepareName(b))
}

// Prepared is a person normalised once (name words split, letters
// decoded) so that it can be compared with many others cheaply: an index
// keeps one per registered person. Its first fields are what rejects
// most pairs, so that a comparison usually reads nothing else.
type Prepared struct {
	quick  [quickWords]wordSum // the first words' letter sets and lengths
	nwords int                 // words in Key, repeated ones included
	dob    [10]byte            // DOB, when it has 10 bytes as a valid one does
	Person
	Key   string // Name(Person.Name)
	words []word // the words of Key, in Key's (sorted) order
}

// quickWords is how many words a Prepared summarises inline.
const quickWords = 4

// wordSum is a word's set of letters (bit c-'a' for an ASCII letter,
// bits 26-31 a hash of the others) and its length in letters.
type wordSum struct {
	set uint32
	n   int
}

// word is one word of a normalised name: its letters as bytes when they
// are all ASCII, as runes otherwise.
type word struct {
	wordSum
	ascii []byte
	runes []rune
}

// Prepare normalises p for SamePrepared.
func Prepare(p Person) Prepared {
	key := Name(p.Name)
	x := Prepared{Person: p, Key: key, words: prepareWords(key)}
	x.nwords = len(x.words)
	for i := range min(len(x.words), quickWords) {
		x.quick[i] = x.words[i].wordSum
	}
	copy(x.dob[:], p.DOB)
	return x
}

func prepareName(s string) []word { return prepareWords(Name(s)) }

func prepareWords(key string) []word {
	fields := strings.Fields(key)
	words := make([]word, len(fields))
	buf := []byte(key) // one allocation shared by the ASCII words
	off := 0
	for i, f := range fields {
		off += strings.Index(key[off:], f)
		w := &words[i]
		for _, r := range f {
			if r < 0x80 {
				w.set |= 1 << (uint(r) % 26)
			} else {
				w.set |= 1 << (26 + uint(r)%6)
			}
			w.n++
		}
		if w.n == len(f) {
			w.ascii = buf[off : off+len(f) : off+len(f)]
		} else {
			w.runes = []rune(f)
		}
		off += len(f)
	}
	return words
}

// Words returns the number of words in the normalised name.
func (p *Prepared) Words() int { return p.nwords }

// SamePrepared is SamePerson on prepared people, for an index comparing one
// person with many: it rejects most pairs without computing Jaro-Winkler.
// It accepts exactly the pairs SamePerson accepts, with the same score;
// the score of a rejected pair is not computed and is reported as 0.
func SamePrepared(a, b *Prepared, threshold float64) (bool, float64) {
	if quickReject(a, b, threshold) || !a.sameApartFromName(b) {
		return false, 0
	}
	score, ok := similarityAtLeast(a.words, b.words, threshold)
	if !ok {
		return false, 0
	}
	return true, score
}

// quickReject reports, from the inline letter sets and lengths alone,
// that a word of the name with fewer words has no partner in the other
// whose Jaro-Winkler can reach threshold (mayReach with the largest
// prefix boost), so that the names' similarity is below it.
func quickReject(a, b *Prepared, threshold float64) bool {
	if a.nwords > b.nwords { // similarity's choice of the shorter name
		a, b = b, a
	}
	if a.nwords == 0 || b.nwords > quickWords {
		return false
	}
	for i := range min(a.nwords, quickWords) {
		partner := false
		for j := range b.nwords {
			if bound(a.quick[i], b.quick[j], 4) >= threshold-1e-9 {
				partner = true
				break
			}
		}
		if !partner {
			return true
		}
	}
	return false
}

// sameApartFromName is SamePerson's rule on everything but the name
// similarity: the dates of birth, or without one the shared word.
func (a *Prepared) sameApartFromName(b *Prepared) bool {
	if a.DOB == "" || b.DOB == "" {
		// Without dates of birth a lone word ("white", "campbell") names
		// too many people to put two agencies in contact, and two names
		// that share no word exactly are too weak a link.
		return len(a.words) >= 2 && len(b.words) >= 2 && shareWord(a.words, b.words)
	}
	if len(a.DOB) == len(a.dob) && len(b.DOB) == len(b.dob) {
		return dobClose(a.dob[:], b.dob[:])
	}
	return dobClose(a.DOB, b.DOB)
}

func (w *word) equal(o *word) bool {
	if w.ascii != nil || o.ascii != nil {
		return string(w.ascii) == string(o.ascii) && w.runes == nil && o.runes == nil
	}
	return slices.Equal(w.runes, o.runes)
}

func shareWord(wa, wb []word) bool {
	for i := range wa {
		for j := range wb {
			if wa[i].equal(&wb[j]) {
				return true
			}
		}
	}
	return false
}

func wordJW(x, y *word) float64 {
	switch {
	case x.runes == nil && y.runes == nil:
		return jaroWinkler(x.ascii, y.ascii)
	case x.runes == nil:
		return jaroWinkler(x.ascii, y.runes)
	case y.runes == nil:
		return jaroWinkler(x.runes, y.ascii)
	}
	return jaroWinkler(x.runes, y.runes)
}

// similarity is NameSimilarity on prepared words.
func similarity(wa, wb []word) float64 {
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	weakest := 1.0
	for i := range wa {
		best := 0.0
		for j := range wb {
			best = max(best, wordJW(&wa[i], &wb[j]))
		}
		weakest = min(weakest, best)
	}
	return weakest
}

// similarityAtLeast is similarity when it reaches threshold, and ok
// reports whether it does. A word pair whose Jaro-Winkler cannot reach
// threshold (mayReach) is skipped: it is never the best partner of a
// word whose best partner reaches the threshold, so the score of an
// accepted pair is unchanged.
func similarityAtLeast(wa, wb []word, threshold float64) (float64, bool) {
	if len(wa) == 0 || len(wb) == 0 {
		return 0, 0 >= threshold
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	weakest := 1.0
	for i := range wa {
		best := 0.0
		for j := range wb {
			if best < 1 && mayReach(&wa[i], &wb[j], threshold) {
				best = max(best, wordJW(&wa[i], &wb[j]))
			}
		}
		if best < threshold {
			return 0, false
		}
		weakest = min(weakest, best)
	}
	return weakest, true
}

// mayReach reports whether JaroWinkler(x, y) can be at least threshold,
// from an upper bound on the number of matching letters: a letter of one
// word that the other lacks cannot match. With m matches out of n and n'
// letters, Jaro is at most (m/n + m/n' + 1)/3, and Winkler's boost grows
// with Jaro for the words' actual common prefix. The bound is compared
// with a margin far above rounding error, so no pair that reaches the
// threshold is skipped.
func mayReach(x, y *word, threshold float64) bool {
	return bound(x.wordSum, y.wordSum, commonPrefix(x, y)) >= threshold-1e-9
}

// bound is mayReach's upper bound on the Jaro-Winkler similarity of two
// words with these letters and a common prefix of at most prefix letters.
func bound(x, y wordSum, prefix int) float64 {
	m := min(x.n-bits.OnesCount32(x.set&^y.set), y.n-bits.OnesCount32(y.set&^x.set))
	if m <= 0 {
		return 0
	}
	fm := float64(m)
	jaro := (fm/float64(x.n) + fm/float64(y.n) + 1) / 3
	return jaro + float64(prefix)*0.1*(1-jaro)
}

func commonPrefix(x, y *word) int {
	p := 0
	for p < min(4, x.n, y.n) && x.at(p) == y.at(p) {
		p++
	}
	return p
}

func (w *word) at(i int) rune {
	if w.runes != nil {
		return w.runes[i]
	}
	return rune(w.ascii[i])
}

func dobClose[S string | []byte](a, b S) bool {
	if len(a) != len(b) {
		return false
	}
	first, n := -1, 0
	for i := range len(a) {
		if a[i] != b[i] {
			if n == 0 {
				first = i
			}
			n++
			if n > 2 {
				return false
			}
		}
	}
	switch n {
	case 0, 1: // the same date, or one mistyped digit
		return true
	case 2: // two adjacent digits swapped
		i, j := first, first+1
		return a[i] == b[j] && a[j] == b[i]
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

// Soundex returns the American Soundex code of a word (letter plus three
// digits, "" when it has no letter): Baranov and Baranof, Viktor and
// Victor share one. Search indexes it for names so a name is found by how
// it sounds.
func Soundex(s string) string {
	codes := [26]byte{0, '1', '2', '3', 0, '1', '2', 0, 0, '2', '2', '4', '5', '5', 0, '1', '2', '6', '2', '3', 0, '1', 0, '2', 0, '2'}
	out := make([]byte, 0, 4)
	var last byte
	for i := 0; i < len(s) && len(out) < 4; i++ {
		c := s[i] | 0x20 // lower case for ASCII letters
		if c < 'a' || c > 'z' {
			continue
		}
		code := codes[c-'a']
		if len(out) == 0 {
			out = append(out, c-0x20)
			last = code
			continue
		}
		switch {
		case code == 0:
			if c != 'h' && c != 'w' {
				last = 0 // a vowel separates equal codes; h and w do not
			}
		case code != last:
			out = append(out, code)
			last = code
		}
	}
	if len(out) == 0 {
		return ""
	}
	for len(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}
