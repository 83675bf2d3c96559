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
// hash map. People are blocked on their date of birth: each DOB is indexed
// under itself with one digit masked and with each adjacent pair masked, so
// any two dates match.SamePerson calls close share a key; people without a
// DOB, who match only on a shared name word, are indexed by word. The
// index therefore finds exactly what a brute-force comparison finds.
type SubjectIndex struct {
	mu     sync.RWMutex
	byID   map[string]*Subject
	exact  map[string][]*Subject // kind + key
	dobKey map[string][]*Subject // masked DOB
	noDOB  map[string][]*Subject // people without a DOB, by name word
	people map[string][]*Subject // every person, by name word
}

// NewSubjects returns an empty subject index.
func NewSubjects() *SubjectIndex {
	return &SubjectIndex{byID: map[string]*Subject{}, exact: map[string][]*Subject{},
		dobKey: map[string][]*Subject{}, noDOB: map[string][]*Subject{}, people: map[string][]*Subject{}}
}

func dobKeys(dob string) []string {
	keys := make([]string, 0, 2*len(dob))
	for i := range len(dob) {
		if dob[i] == '-' {
			continue
		}
		keys = append(keys, dob[:i]+"?"+dob[i+1:])
		if i+1 < len(dob) && dob[i+1] != '-' {
			keys = append(keys, dob[:i]+"??"+dob[i+2:])
		}
	}
	return keys
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
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.byID[s.ID]; ok {
		x.remove(old)
	}
	found := x.query(s)
	x.byID[s.ID] = s
	if s.Kind == Person {
		for _, w := range nameWords(s) {
			x.people[w] = append(x.people[w], s)
			if s.DOB == "" {
				x.noDOB[w] = append(x.noDOB[w], s)
			}
		}
		if s.DOB != "" {
			for _, k := range dobKeys(s.DOB) {
				x.dobKey[k] = append(x.dobKey[k], s)
			}
		}
	}
	k := string(s.Kind) + "\x00" + s.Key()
	x.exact[k] = append(x.exact[k], s)
	return found
}

// Check returns the other agencies' subjects s matches without indexing it.
func (x *SubjectIndex) Check(s *Subject) []SubjectMatch {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.query(s)
}

// Remove drops the subject with this ID, if indexed.
func (x *SubjectIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if s, ok := x.byID[id]; ok {
		x.remove(s)
	}
}

func without(list []*Subject, s *Subject) []*Subject {
	for i, o := range list {
		if o == s {
			list[i] = list[len(list)-1]
			return list[:len(list)-1]
		}
	}
	return list
}

func (x *SubjectIndex) remove(s *Subject) {
	delete(x.byID, s.ID)
	k := string(s.Kind) + "\x00" + s.Key()
	if l := without(x.exact[k], s); len(l) > 0 {
		x.exact[k] = l
	} else {
		delete(x.exact, k)
	}
	if s.Kind != Person {
		return
	}
	for _, w := range nameWords(s) {
		drop(x.people, w, s)
		if s.DOB == "" {
			drop(x.noDOB, w, s)
		}
	}
	if s.DOB != "" {
		for _, dk := range dobKeys(s.DOB) {
			drop(x.dobKey, dk, s)
		}
	}
}

func drop(m map[string][]*Subject, k string, s *Subject) {
	if l := without(m[k], s); len(l) > 0 {
		m[k] = l
	} else {
		delete(m, k)
	}
}

// nameWords are the distinct words of a person's normalised name.
func nameWords(s *Subject) []string {
	ws := strings.Fields(s.Key())
	slices.Sort(ws)
	return slices.Compact(ws)
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

func (x *SubjectIndex) query(s *Subject) []SubjectMatch {
	var found []SubjectMatch
	seen := map[*Subject]bool{}
	try := func(o *Subject) {
		if seen[o] {
			return
		}
		seen[o] = true
		if m, ok := MatchSubjects(s, o); ok {
			found = append(found, m)
		}
	}
	if s.Kind != Person {
		for _, o := range x.exact[string(s.Kind)+"\x00"+s.Key()] {
			try(o)
		}
		return found
	}
	// Without a DOB on either side a match needs a name word in common.
	words := nameWords(s)
	if s.DOB == "" {
		for _, w := range words {
			for _, o := range x.people[w] {
				try(o)
			}
		}
		return found
	}
	for _, k := range dobKeys(s.DOB) {
		for _, o := range x.dobKey[k] {
			try(o)
		}
	}
	for _, w := range words {
		for _, o := range x.noDOB[w] {
			try(o)
		}
	}
	return found
}
