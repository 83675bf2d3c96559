package deconflict_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"liaison/deconflict"
)

var t0 = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func TestDistance(t *testing.T) {
	// London (51.5074, -0.1278) to Paris (48.8566, 2.3522): about 343.6 km.
	if d := deconflict.Distance(51.5074, -0.1278, 48.8566, 2.3522); math.Abs(d-343_560) > 1_000 {
		t.Fatalf("London-Paris = %.0f m", d)
	}
	// Across the antimeridian: 179.9E to 179.9W at the equator is about 22.2 km, not 40,000.
	if d := deconflict.Distance(0, 179.9, 0, -179.9); math.Abs(d-22_239) > 50 {
		t.Fatalf("across the antimeridian = %.0f m", d)
	}
}

func op(id string, lat, lon, radius float64, from, to time.Duration) *deconflict.Op {
	return &deconflict.Op{ID: id, Agency: "A", Area: deconflict.Area{Lat: lat, Lon: lon, Radius: radius}, Start: t0.Add(from), End: t0.Add(to)}
}

func TestConflictRules(t *testing.T) {
	raid := op("raid", 38.9000, -77.0000, 200, 0, 2*time.Hour)
	tests := []struct {
		name  string
		other *deconflict.Op
		want  bool
	}{
		{"same place, overlapping time", op("s", 38.9010, -77.0000, 100, time.Hour, 3*time.Hour), true},
		{"same place, later", op("l", 38.9000, -77.0000, 100, 3*time.Hour, 4*time.Hour), false},
		{"touching windows do not overlap", op("t", 38.9000, -77.0000, 100, 2*time.Hour, 3*time.Hour), false},
		{"1 km away with small radii", op("f", 38.9090, -77.0000, 100, 0, time.Hour), false},
		{"1 km away, large radius", op("r", 38.9090, -77.0000, 900, 0, time.Hour), true},
	}
	for _, tt := range tests {
		if _, got := deconflict.Conflicts(raid, tt.other); got != tt.want {
			t.Errorf("%s: conflict = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Margins configured per kind of operation widen place and time.
	far := op("m", 38.9090, -77.0000, 100, 150*time.Minute, 4*time.Hour)
	if _, got := deconflict.Conflicts(raid, far); got {
		t.Fatal("conflict without margins")
	}
	raid.Margin, raid.TimeSlack = 800, time.Hour
	if c, got := deconflict.Conflicts(raid, far); !got || c.Distance > 0 || c.Overlap <= 0 {
		t.Fatalf("margins: %+v, %v", c, got)
	}
}

// TestIndexMatchesBruteForce registers random operations, including near
// the poles and across the antimeridian, and checks every query against a
// comparison with every operation: zero misses, zero extras.
func TestIndexMatchesBruteForce(t *testing.T) {
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 9))
		x := deconflict.New()
		var all []*deconflict.Op
		randOp := func(i int) *deconflict.Op {
			lat, lon := 38+rng.Float64()*2, -78+rng.Float64()*2
			switch i % 10 {
			case 0:
				lat, lon = 89.5+rng.Float64()*0.5, rng.Float64()*360-180 // near the pole
			case 1:
				lat, lon = rng.Float64()*2-1, 179.8+rng.Float64()*0.4 // across the antimeridian
				if lon > 180 {
					lon -= 360
				}
			}
			start := time.Duration(rng.IntN(30*24)) * time.Hour
			o := op(fmt.Sprint("op", seed, "-", i), lat, lon, 50+rng.Float64()*3000, start, start+time.Duration(1+rng.IntN(12))*time.Hour)
			o.Margin, o.TimeSlack = rng.Float64()*500, time.Duration(rng.IntN(60))*time.Minute
			return o
		}
		for i := range 3000 {
			o := randOp(i)
			all = append(all, o)
			if i%2 == 0 { // the start-up rebuild's path must index the same way
				x.Load(o)
			} else {
				x.Add(o)
			}
		}
		for i := range 500 {
			q := randOp(10_000 + i)
			var want []string
			for _, o := range all {
				if _, ok := deconflict.Conflicts(q, o); ok {
					want = append(want, o.ID)
				}
			}
			var got []string
			for _, c := range x.Check(q) {
				got = append(got, c.With.ID)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d query %d at %.3f,%.3f: index %v, brute force %v", seed, i, q.Area.Lat, q.Area.Lon, got, want)
			}
		}
	}
}

func TestLifecycle(t *testing.T) {
	x := deconflict.New()
	a := op("a", 10, 10, 500, 0, time.Hour)
	if got := x.Add(a); len(got) != 0 {
		t.Fatalf("first op conflicts with %v", got)
	}
	b := op("b", 10.001, 10, 500, 30*time.Minute, 2*time.Hour)
	if got := x.Add(b); len(got) != 1 || got[0].With.ID != "a" {
		t.Fatalf("second op conflicts = %v", got)
	}
	// Re-registering b elsewhere replaces it.
	if got := x.Add(op("b", 20, 20, 500, 0, time.Hour)); len(got) != 0 || x.Len() != 2 {
		t.Fatalf("moved op conflicts = %v, len %d", got, x.Len())
	}
	x.Remove("a")
	if got := x.Check(op("c", 10, 10, 500, 0, time.Hour)); len(got) != 0 {
		t.Fatalf("a removed op still matches: %v", got)
	}
	if n := len(x.Expire(t0.Add(2 * time.Hour))); n != 1 || x.Len() != 0 {
		t.Fatalf("expired %d, left %d", n, x.Len())
	}
}
