package deconflict

import (
	"fmt"
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
// hash map. People are prepared once (match.Prepare) and indexed by their
// date of birth; a check looks up every date match.SamePerson calls close
// to the subject's (the date itself, each digit changed to each other
// digit, each pair of adjacent digits swapped: 78 dates at most), so it
// visits each person with a close date once and no one else. People
// without a DOB, who match only on a shared name word, are indexed by
// word. The index therefore finds exactly what a brute-force comparison
// finds; the property test holds it to that.
//
// The names of the people found by date are compared, not keyed: a match
// at PersonThreshold guarantees neither a common first letter
// ("katherine" and "catherine" score 0.93, "donald" and "mcdonald" 0.92)
// nor a phonetic code, so the rule implies no name key. match.SamePrepared
// rejects most of them from letter sets and lengths held inline, without
// running Jaro-Winkler.
type SubjectIndex struct {
	mu       sync.RWMutex
	byID     map[string]*entry
	agencies map[string]uint32     // agency name to its number, from 1
	exact    map[exactKey][]*entry // identifiers other than people's
	byDOB    map[uint32][]*person  // people with a YYYY-MM-DD DOB, by packDOB
	oddDOB   []*person             // people with a DOB of another shape
	noDOB    map[string][]*person  // people without a DOB, by name word
	people   map[string][]*person  // every person, by name word
}

// entry is a registered subject with what matching it needs, computed
// once at Add.
type entry struct {
	s      *Subject
	agency uint32 // the subject's agency, numbered; 0 is no indexed agency
	key    string // s.Key()
	person *person
}

// person is what matching a person needs. The fields a check reads for
// every candidate come first, so that most candidates cost one load.
type person struct {
	agency uint32
	dob    uint32 // a YYYY-MM-DD DOB's 8 digits, a nibble each
	match.Prepared
	dobOK bool // whether dob holds the DOB
	s     *Subject
	words []string // distinct words of the normalised name
}

type exactKey struct {
	kind SubjectKind
	key  string
}

// NewSubjects returns an empty subject index.
func NewSubjects() *SubjectIndex {
	return &SubjectIndex{byID: map[string]*entry{}, agencies: map[string]uint32{}, exact: map[exactKey][]*entry{},
		byDOB: map[uint32][]*person{}, noDOB: map[string][]*person{}, people: map[string][]*person{}}
}

func newEntry(s *Subject) *entry {
	e := &entry{s: s}
	if s.Kind != Person {
		e.key = s.Key()
		return e
	}
	p := &person{Prepared: match.Prepare(match.Person{Name: s.Name, DOB: s.DOB}), s: s}
	p.words = slices.Compact(strings.Fields(p.Key)) // Key's words are sorted
	p.dob, p.dobOK = packDOB(s.DOB)
	e.key, e.person = p.Key, p
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

// closeDates calls f with each packed date that match.SamePerson calls
// close to d, each once: d; d with one digit changed; d with two adjacent
// digits of one field swapped (the dashes are fixed, so a swap never
// crosses a field).
func closeDates(d uint32, f func(uint32)) {
	f(d)
	for i := range 8 {
		digit := d >> (4 * i) & 0xF
		for v := range uint32(10) {
			if v != digit {
				f(d&^(0xF<<(4*i)) | v<<(4*i))
			}
		}
	}
	for _, i := range [...]int{0, 1, 2, 4, 6} { // YYYY, MM, DD
		a, b := d>>(4*i)&0xF, d>>(4*(i+1))&0xF
		if a != b {
			f(d ^ (a^b)<<(4*i) ^ (a^b)<<(4*(i+1)))
		}
	}
}

// Len is the number of subjects indexed.
func (x *SubjectIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// Add indexes s (replacing a subject with the same ID) and returns the
// other agencies' subjects it matches.
func (x *SubjectIndex) Add(s *Subject) []SubjectMatch { return x.add(s, true) }

// Load indexes s without looking for its matches: for rebuilding the index
// from subjects that were checked when they were registered.
func (x *SubjectIndex) Load(s *Subject) { x.add(s, false) }

func (x *SubjectIndex) add(s *Subject, check bool) []SubjectMatch {
	e := newEntry(s)
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.byID[s.ID]; ok {
		x.remove(old)
	}
	e.agency = x.agencies[s.Agency]
	if e.agency == 0 {
		e.agency = uint32(len(x.agencies) + 1)
		x.agencies[s.Agency] = e.agency
	}
	if e.person != nil {
		e.person.agency = e.agency
	}
	var found []SubjectMatch
	if check {
		found = x.query(e)
	}
	x.byID[s.ID] = e
	if s.Kind != Person {
		k := exactKey{s.Kind, e.key}
		x.exact[k] = append(x.exact[k], e)
		return found
	}
	p := e.person
	if p.Words() >= 2 { // a match without a DOB needs two words
		for _, w := range p.words {
			x.people[w] = append(x.people[w], p)
			if s.DOB == "" {
				x.noDOB[w] = append(x.noDOB[w], p)
			}
		}
	}
	switch {
	case p.dobOK:
		x.byDOB[p.dob] = append(x.byDOB[p.dob], p)
	case s.DOB != "":
		x.oddDOB = append(x.oddDOB, p)
	}
	return found
}

// Check returns the other agencies' subjects s matches without indexing it.
func (x *SubjectIndex) Check(s *Subject) []SubjectMatch {
	e := newEntry(s)
	x.mu.RLock()
	defer x.mu.RUnlock()
	e.agency = x.agencies[s.Agency]
	if e.person != nil {
		e.person.agency = e.agency
	}
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

func without[E any](list []*E, e *E) []*E {
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
	p := e.person
	if p.Words() >= 2 {
		for _, w := range p.words {
			drop(x.people, w, p)
			if s.DOB == "" {
				drop(x.noDOB, w, p)
			}
		}
	}
	switch {
	case p.dobOK:
		drop(x.byDOB, p.dob, p)
	case s.DOB != "":
		x.oddDOB = without(x.oddDOB, p)
	}
}

func drop[K comparable, E any](m map[K][]*E, k K, e *E) {
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
// Each candidate is visited once: under one close date, or under the
// first name word it shares with the query.
func (x *SubjectIndex) query(e *entry) []SubjectMatch {
	var found []SubjectMatch
	s := e.s
	if s.Kind != Person {
		for _, o := range x.exact[exactKey{s.Kind, e.key}] {
			if o.agency != e.agency && o.s.ID != s.ID {
				found = append(found, SubjectMatch{With: o.s, How: "exact", Score: 1})
			}
		}
		return found
	}
	q := e.person
	// try reports o if it matches; i >= 0 means o was found under the
	// query's i-th name word and is reported there only if that is the
	// first word they share.
	try := func(o *person, i int) {
		if o.agency == q.agency {
			return
		}
		ok, score := match.SamePrepared(&q.Prepared, &o.Prepared, PersonThreshold)
		if !ok || o.s.ID == s.ID || i >= 0 && firstSharedWord(q.words, o.words) != i {
			return
		}
		how := "fuzzy"
		if q.Key == o.Key && s.DOB == o.s.DOB {
			how = "exact"
		}
		found = append(found, SubjectMatch{With: o.s, How: how, Score: score})
	}
	// Without a DOB on either side a match needs two words in each name
	// and a word in common.
	twoWords := q.Words() >= 2
	if s.DOB == "" {
		if twoWords {
			for i, w := range q.words {
				for _, o := range x.people[w] {
					try(o, i)
				}
			}
		}
		return found
	}
	if q.dobOK {
		closeDates(q.dob, func(d uint32) {
			for _, o := range x.byDOB[d] {
				try(o, -1)
			}
		})
		for _, o := range x.oddDOB {
			try(o, -1)
		}
	} else {
		// A DOB of another shape (Validate rejects them) can be close to
		// any date: compare with every person who has one.
		for _, o := range x.byID {
			if o.person != nil && o.s.DOB != "" {
				try(o.person, -1)
			}
		}
	}
	if twoWords {
		for i, w := range q.words {
			for _, o := range x.noDOB[w] {
				try(o, i)
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
