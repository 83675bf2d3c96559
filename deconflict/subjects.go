package deconflict

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"liaison/match"
)

// SubjectKind is what a registered subject is.
type SubjectKind string

const (
	Person  SubjectKind = "person"
	Vehicle SubjectKind = "vehicle"
	Phone   SubjectKind = "phone"
	Address SubjectKind = "address"
	Weapon  SubjectKind = "weapon"
)

// Subject is a target an agency registers against a case or operation.
// Person uses Name and DOB (YYYY-MM-DD, optional); the other kinds use
// Value (a plate, a phone number, an address, a serial number).
type Subject struct {
	ID     string
	Agency string
	Kind   SubjectKind
	Value  string
	Name   string
	DOB    string
}

// Key is the subject's normalised identifier: what exact matching compares.
func (s *Subject) Key() string {
	switch s.Kind {
	case Vehicle:
		return match.Plate(s.Value)
	case Phone:
		return match.Phone(s.Value)
	case Address:
		return match.Address(s.Value)
	case Weapon:
		return match.Serial(s.Value)
	case Person:
		return match.Name(s.Name)
	}
	return ""
}

// Validate reports the first field that is wrong, as a *FieldError.
func (s *Subject) Validate() error {
	switch s.Kind {
	case Person:
		if match.Name(s.Name) == "" {
			return fieldErr("name", "is required for a person")
		}
		if s.DOB != "" && !validDOB(s.DOB) {
			return fieldErr("dob", "%q is not a date YYYY-MM-DD", s.DOB)
		}
	case Vehicle, Phone, Address, Weapon:
		if s.Key() == "" {
			return fieldErr("value", "is required for a %s", s.Kind)
		}
		if s.Kind == Phone && len(s.Key()) < 7 {
			return fieldErr("value", "%q has too few digits for a phone number", s.Value)
		}
	default:
		return fieldErr("kind", "%q is not one of person, vehicle, phone, address, weapon", s.Kind)
	}
	return nil
}

func validDOB(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	var y, m, d int
	if _, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); err != nil {
		return false
	}
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// SubjectMatch is a subject another agency registered that names the same
// target, and how: "exact" (same normalised identifier) or "fuzzy" (a
// person whose name and date of birth are close).
type SubjectMatch struct {
	With  *Subject
	How   string
	Score float64 // 1 for exact; the name similarity for fuzzy
}

// PersonThreshold is the Jaro-Winkler similarity of normalised names from
// which two people with close dates of birth are reported as a match.
const PersonThreshold = 0.90

// SubjectIndex matches subjects across agencies. Exact identifiers go in a
// hash map. People are prepared once (match.Prepare) and blocked on their
// date of birth: each DOB is indexed under itself with one digit masked
// and with each pair of adjacent digits sorted, so any two dates
// match.SamePerson calls close (one digit mistyped, or two adjacent digits
// swapped) share a key, and every person in a block has a close date.
// People without a DOB, who match only on a shared name word, are indexed
// by word. The index therefore finds exactly what a brute-force comparison
// finds; the property test holds it to that.
//
// The name similarity of the people in a block is checked, not keyed:
// a match at PersonThreshold guarantees neither a common first letter
// ("katherine" and "catherine" score 0.93, "donald" and "mcdonald" 0.92)
// nor a phonetic code, so no name key is implied by the rule.
// match.SamePrepared rejects most candidates from their letters and
// lengths without running Jaro-Winkler.
type SubjectIndex struct {
	mu     sync.RWMutex
	byID   map[string]*entry
	exact  map[exactKey][]*entry // identifiers other than people's
	dobKey map[uint64][]*entry   // people with a YYYY-MM-DD DOB, by dobKeys
	oddDOB []*entry              // people with a DOB of another shape
	noDOB  map[string][]*entry   // people without a DOB, by name word
	people map[string][]*entry   // every person, by name word
}

// entry is a registered subject with what matching it needs, computed
// once at Add.
type entry struct {
	s      *Subject
	key    string          // s.Key()
	person *match.Prepared // people only
	words  []string        // distinct words of a person's normalised name
	dob    uint32          // a YYYY-MM-DD DOB's 8 digits, a nibble each
	dobOK  bool            // whether dob holds the DOB
}

type exactKey struct {
	kind SubjectKind
	key  string
}

// NewSubjects returns an empty subject index.
func NewSubjects() *SubjectIndex {
	return &SubjectIndex{byID: map[string]*entry{}, exact: map[exactKey][]*entry{},
		dobKey: map[uint64][]*entry{}, noDOB: map[string][]*entry{}, people: map[string][]*entry{}}
}

func newEntry(s *Subject) *entry {
	e := &entry{s: s, key: s.Key()}
	if s.Kind == Person {
		e.person = match.Prepare(match.Person{Name: s.Name, DOB: s.DOB})
		e.key = e.person.Key
		e.words = slices.Compact(strings.Fields(e.key)) // Key's words are sorted
		e.dob, e.dobOK = packDOB(s.DOB)
	}
	return e
}

// packDOB packs the digits of a YYYY-MM-DD date, one nibble each, first
// digit lowest.
func packDOB(dob string) (uint32, bool) {
	if len(dob) != 10 || dob[4] != '-' || dob[7] != '-' {
		return 0, false
	}
	var d uint32
	n := 0
	for i := range len(dob) {
		if i == 4 || i == 7 {
			continue
		}
		c := dob[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d |= uint32(c-'0') << (4 * n)
		n++
	}
	return d, true
}

// The keys of a packed DOB: digit i masked (kind 1+i, the digit set to
// 0xF) for i in 0-7, and the adjacent digits i, i+1 of one field sorted
// (kind 16+i). Two YYYY-MM-DD dates that differ in one digit share the
// key masking it; two that differ by swapping adjacent digits (which must
// lie in one field, the dashes being fixed) share the key sorting them;
// equal dates share all keys; and dates sharing a key differ in at most
// that digit or by that swap. dobKeyCount is how many keys a date has.
const dobKeyCount = 8 + len(dobPairs)

var dobPairs = [...]int{0, 1, 2, 4, 6} // first digits of adjacent pairs within YYYY, MM, DD

func dobKeyAt(d uint32, k int) uint64 {
	if k < 8 {
		return uint64(1+k)<<32 | uint64(d|0xF<<(4*k))
	}
	i := dobPairs[k-8]
	a, b := d>>(4*i)&0xF, d>>(4*(i+1))&0xF
	if a > b {
		d ^= (a ^ b) << (4 * i)
		d ^= (a ^ b) << (4 * (i + 1))
	}
	return uint64(16+i)<<32 | uint64(d)
}

// firstDOBKey is the first key, in dobKeyAt's order, that two close packed
// dates share: the query visits a candidate once, in that key's block.
func firstDOBKey(a, b uint32) int {
	x := a ^ b
	if x == 0 {
		return 0
	}
	i := bits.TrailingZeros32(x) / 4
	if x>>(4*(i+1)) == 0 { // one digit differs
		return i
	}
	return 8 + slices.Index(dobPairs[:], i) // a swap of digits i and i+1
}

// Len is the number of subjects indexed.
func (x *SubjectIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// Add indexes s (replacing a subject with the same ID) and returns the
// other agencies' subjects it matches.
func (x *SubjectIndex) Add(s *Subject) []SubjectMatch {
	e := newEntry(s)
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.byID[s.ID]; ok {
		x.remove(old)
	}
	found := x.query(e)
	x.byID[s.ID] = e
	if s.Kind != Person {
		k := exactKey{s.Kind, e.key}
		x.exact[k] = append(x.exact[k], e)
		return found
	}
	if e.person.Words() >= 2 { // a match without a DOB needs two words
		for _, w := range e.words {
			x.people[w] = append(x.people[w], e)
			if s.DOB == "" {
				x.noDOB[w] = append(x.noDOB[w], e)
			}
		}
	}
	switch {
	case e.dobOK:
		for k := range dobKeyCount {
			dk := dobKeyAt(e.dob, k)
			x.dobKey[dk] = append(x.dobKey[dk], e)
		}
	case s.DOB != "":
		x.oddDOB = append(x.oddDOB, e)
	}
	return found
}

// Check returns the other agencies' subjects s matches without indexing it.
func (x *SubjectIndex) Check(s *Subject) []SubjectMatch {
	e := newEntry(s)
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.query(e)
}

// Remove drops the subject with this ID, if indexed.
func (x *SubjectIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.byID[id]; ok {
		x.remove(e)
	}
}

func without(list []*entry, e *entry) []*entry {
	for i, o := range list {
		if o == e {
			list[i] = list[len(list)-1]
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

func (x *SubjectIndex) remove(e *entry) {
	s := e.s
	delete(x.byID, s.ID)
	if s.Kind != Person {
		drop(x.exact, exactKey{s.Kind, e.key}, e)
		return
	}
	if e.person.Words() >= 2 {
		for _, w := range e.words {
			drop(x.people, w, e)
			if s.DOB == "" {
				drop(x.noDOB, w, e)
			}
		}
	}
	switch {
	case e.dobOK:
		for k := range dobKeyCount {
			drop(x.dobKey, dobKeyAt(e.dob, k), e)
		}
	case s.DOB != "":
		x.oddDOB = without(x.oddDOB, e)
	}
}

func drop[K comparable](m map[K][]*entry, k K, e *entry) {
	if l := without(m[k], e); len(l) > 0 {
		m[k] = l
	} else {
		delete(m, k)
	}
}

// MatchSubjects is the brute-force rule the index implements: a is matched
// by b when they belong to different agencies and either share a kind and
// normalised identifier, or are people match.SamePerson accepts.
func MatchSubjects(a, b *Subject) (SubjectMatch, bool) {
	if a.Agency == b.Agency || a.ID == b.ID || a.Kind != b.Kind {
		return SubjectMatch{}, false
	}
	if a.Kind == Person {
		ok, score := match.SamePerson(match.Person{Name: a.Name, DOB: a.DOB}, match.Person{Name: b.Name, DOB: b.DOB}, PersonThreshold)
		if !ok {
			return SubjectMatch{}, false
		}
		how := "fuzzy"
		if a.Key() == b.Key() && a.DOB == b.DOB {
			how = "exact"
		}
		return SubjectMatch{With: b, How: how, Score: score}, true
	}
	if a.Key() != b.Key() {
		return SubjectMatch{}, false
	}
	return SubjectMatch{With: b, How: "exact", Score: 1}, true
}

// query returns the other agencies' subjects that e's subject matches.
// Each candidate is visited once without a set of those seen: in the
// block of the first DOB key, or under the first name word, it shares
// with the query.
func (x *SubjectIndex) query(q *entry) []SubjectMatch {
	var found []SubjectMatch
	s := q.s
	if s.Kind != Person {
		for _, o := range x.exact[exactKey{s.Kind, q.key}] {
			if o.s.Agency != s.Agency && o.s.ID != s.ID {
				found = append(found, SubjectMatch{With: o.s, How: "exact", Score: 1})
			}
		}
		return found
	}
	try := func(o *entry) {
		if o.s.Agency == s.Agency || o.s.ID == s.ID {
			return
		}
		ok, score := match.SamePrepared(q.person, o.person, PersonThreshold)
		if !ok {
			return
		}
		how := "fuzzy"
		if q.key == o.key && s.DOB == o.s.DOB {
			how = "exact"
		}
		found = append(found, SubjectMatch{With: o.s, How: how, Score: score})
	}
	// Without a DOB on either side a match needs two words in each name
	// and a word in common.
	twoWords := q.person.Words() >= 2
	if s.DOB == "" {
		if twoWords {
			for i, w := range q.words {
				for _, o := range x.people[w] {
					if firstSharedWord(q.words, o.words) == i {
						try(o)
					}
				}
			}
		}
		return found
	}
	if q.dobOK {
		for k := range dobKeyCount {
			for _, o := range x.dobKey[dobKeyAt(q.dob, k)] {
				if firstDOBKey(q.dob, o.dob) == k {
					try(o)
				}
			}
		}
		for _, o := range x.oddDOB {
			try(o)
		}
	} else {
		// A DOB of another shape (Validate rejects them) can be close to
		// any date: compare with every person who has one.
		for _, o := range x.byID {
			if o.s.Kind == Person && o.s.DOB != "" {
				try(o)
			}
		}
	}
	if twoWords {
		for i, w := range q.words {
			for _, o := range x.noDOB[w] {
				if firstSharedWord(q.words, o.words) == i {
					try(o)
				}
			}
		}
	}
	return found
}

// firstSharedWord is the index in a of the first word b also has, or -1.
func firstSharedWord(a, b []string) int {
	for i, w := range a {
		if slices.Contains(b, w) {
			return i
		}
	}
	return -1
}
