package deconflict_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

// BenchmarkSubjectCheck checks a new subject against 100,000 registered
// ones (40% people with names drawn from 2,000 given x 5,000 family names
// and dates of birth over 60 years, 10% of them without a DOB; the rest
// plates, phones, addresses and serials) and reports the latency
// percentiles. Queries mix the kinds in the same proportions. At 1,000,000
// subjects the build did not finish in 8 minutes: date-of-birth blocking
// with masked digit pairs puts thousands of people in each block, and every
// candidate costs a name normalisation and Jaro-Winkler.
func BenchmarkSubjectCheck(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		w := make([]byte, n)
		for i := range w {
			w[i] = letters[rng.IntN(len(letters))]
		}
		return string(w)
	}
	given, family := make([]string, 2000), make([]string, 5000)
	for i := range given {
		given[i] = word(4 + rng.IntN(5))
	}
	for i := range family {
		family[i] = word(4 + rng.IntN(7))
	}
	kinds := []deconflict.SubjectKind{deconflict.Vehicle, deconflict.Phone, deconflict.Address, deconflict.Weapon}
	mk := func(i int) *deconflict.Subject {
		s := &deconflict.Subject{ID: fmt.Sprint(i), Agency: fmt.Sprint("A", rng.IntN(50))}
		if rng.IntN(10) < 4 {
			s.Kind, s.Name = deconflict.Person, given[rng.IntN(len(given))]+" "+family[rng.IntN(len(family))]
			if rng.IntN(10) > 0 {
				s.DOB = fmt.Sprintf("%d-%02d-%02d", 1945+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28))
			}
			return s
		}
		s.Kind = kinds[rng.IntN(len(kinds))]
		s.Value = fmt.Sprint(rng.IntN(10_000_000))
		if s.Kind == deconflict.Address {
			s.Value += " " + family[rng.IntN(len(family))] + " street"
		}
		return s
	}
	x := deconflict.NewSubjects()
	for i := range 100_000 {
		x.Add(mk(i))
	}
	b.ResetTimer()
	reportPercentiles(b, timeEach(b, func(i int) func() {
		q := mk(2_000_000 + i)
		return func() { _ = x.Check(q) }
	}))
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
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}
