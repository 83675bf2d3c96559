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
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		q := mk(2_000_000 + i)
		s := time.Now()
		_ = x.Check(q)
		lat = append(lat, time.Since(s))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}
