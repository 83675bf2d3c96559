package deconflict_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/deconflict"
)

// BenchmarkCheck checks a new operation against 1,000,000 stored ones
// spread over the continental US (radii 50 m-2 km, windows within 60 days)
// and reports the latency percentiles.
func BenchmarkCheck(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := deconflict.New()
	mk := func(i int) *deconflict.Op {
		start := time.Duration(rng.IntN(60*24)) * time.Hour
		return &deconflict.Op{ID: fmt.Sprint(i), Area: deconflict.Area{Lat: 25 + rng.Float64()*24, Lon: -124 + rng.Float64()*57,
			Radius: 50 + rng.Float64()*1950}, Start: t0.Add(start), End: t0.Add(start + time.Duration(1+rng.IntN(8))*time.Hour),
			Margin: 200, TimeSlack: 30 * time.Minute}
	}
	for i := range 1_000_000 {
		x.Add(mk(i))
	}
	b.ResetTimer()
	reportPercentiles(b, timeEach(b, func(i int) func() {
		q := mk(2_000_000 + i)
		return func() { _ = x.Check(q) }
	}))
}

// subjectSizes are the index sizes BenchmarkSubjectCheck measures.
var subjectSizes = flag.String("subjects", "100000,1000000", "comma-separated index sizes for BenchmarkSubjectCheck")

// subjectGen draws subjects like those agencies register: 40% people with
// names drawn from 2,000 given x 5,000 family names and dates of birth
// over 60 years, 10% of them without a DOB; the rest plates, phones,
// addresses and serials.
type subjectGen struct {
	rng           *rand.Rand
	given, family []string
}

func newSubjectGen(seed uint64) *subjectGen {
	names := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		w := make([]byte, n)
		for i := range w {
			w[i] = letters[names.IntN(len(letters))]
		}
		return string(w)
	}
	g := &subjectGen{rng: rand.New(rand.NewPCG(seed, 6)), given: make([]string, 2000), family: make([]string, 5000)}
	for i := range g.given {
		g.given[i] = word(4 + names.IntN(5))
	}
	for i := range g.family {
		g.family[i] = word(4 + names.IntN(7))
	}
	return g
}

var subjectKinds = []deconflict.SubjectKind{deconflict.Vehicle, deconflict.Phone, deconflict.Address, deconflict.Weapon}

func (g *subjectGen) next(i int) *deconflict.Subject {
	rng := g.rng
	s := &deconflict.Subject{ID: fmt.Sprint(i), Agency: fmt.Sprint("A", rng.IntN(50))}
	if rng.IntN(10) < 4 {
		s.Kind, s.Name = deconflict.Person, g.given[rng.IntN(len(g.given))]+" "+g.family[rng.IntN(len(g.family))]
		if rng.IntN(10) > 0 {
			s.DOB = fmt.Sprintf("%d-%02d-%02d", 1945+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28))
		}
		return s
	}
	s.Kind = subjectKinds[rng.IntN(len(subjectKinds))]
	s.Value = fmt.Sprint(rng.IntN(10_000_000))
	if s.Kind == deconflict.Address {
		s.Value += " " + g.family[rng.IntN(len(g.family))] + " street"
	}
	return s
}

// subjectSet is n generated subjects and, once built, the index of them.
type subjectSet struct {
	all                []*deconflict.Subject
	index              *deconflict.SubjectIndex
	build              time.Duration
	subjectMB, indexMB float64
}

// subjectSets keeps each size built once: the testing package runs a
// benchmark function more than once, and a 1M index takes a while.
var subjectSets = map[int]*subjectSet{}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func subjects(b *testing.B, n int, indexed bool) *subjectSet {
	set := subjectSets[n]
	if set == nil {
		h0 := heapMB()
		g := newSubjectGen(5)
		set = &subjectSet{all: make([]*deconflict.Subject, n)}
		for i := range set.all {
			set.all[i] = g.next(i)
		}
		set.subjectMB = heapMB() - h0
		subjectSets[n] = set
	}
	if indexed && set.index == nil {
		h0 := heapMB()
		start := time.Now()
		x := deconflict.NewSubjects()
		for _, s := range set.all {
			x.Add(s)
		}
		set.build = time.Since(start)
		set.index, set.indexMB = x, heapMB()-h0
	}
	return set
}

// report adds the set's sizes and build time to b's metrics; it must
// follow b.ResetTimer, which clears them.
func (set *subjectSet) report(b *testing.B) {
	b.ReportMetric(set.subjectMB, "subjects-MB")
	if set.index != nil {
		b.ReportMetric(set.build.Seconds(), "build-s")
		b.ReportMetric(set.indexMB, "index-MB")
	}
}

// BenchmarkSubjectCheck checks new subjects (the same mix) against an
// index of -subjects registered ones and reports the latency
// percentiles, the build time (every subject added in turn, each checked
// as it is) and the heap the subjects and the index hold after a GC.
func BenchmarkSubjectCheck(b *testing.B) {
	for _, f := range strings.Split(*subjectSizes, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			b.Fatalf("-subjects: %v", err)
		}
		b.Run(fmt.Sprint("subjects=", n), func(b *testing.B) {
			set := subjects(b, n, true)
			x := set.index
			g := newSubjectGen(7)
			found := 0
			b.ResetTimer()
			reportPercentiles(b, timeEach(b, func(i int) func() {
				q := g.next(2_000_000 + i)
				return func() { found += len(x.Check(q)) }
			}))
			b.ReportMetric(float64(found)/float64(b.N), "matches/check")
			set.report(b)
		})
	}
}

// BenchmarkSubjectCheckBruteForce checks the same queries with
// MatchSubjects against each of 100,000 subjects. It times at most 200
// checks whatever b.N is: one takes tens of milliseconds.
func BenchmarkSubjectCheckBruteForce(b *testing.B) {
	set := subjects(b, 100_000, false)
	all := set.all
	g := newSubjectGen(7)
	found := 0
	b.ResetTimer()
	lat := make([]time.Duration, 0, 200)
	for i := range min(b.N, 200) {
		q := g.next(2_000_000 + i)
		start := time.Now()
		for _, o := range all {
			if _, ok := deconflict.MatchSubjects(q, o); ok {
				found++
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
	b.ReportMetric(float64(found)/float64(len(lat)), "matches/check")
	b.ReportMetric(set.subjectMB, "subjects-MB")
}

// timeEach times b.N calls: prepare(i) builds the i-th call outside the
// timed part.
func timeEach(b *testing.B, prepare func(i int) func()) []time.Duration {
	lat := make([]time.Duration, 0, b.N)
	for i := range b.N {
		call := prepare(i)
		s := time.Now()
		call()
		lat = append(lat, time.Since(s))
	}
	b.StopTimer()
	return lat
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(float64(sum.Nanoseconds())/float64(len(lat))/1000, "mean-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}
