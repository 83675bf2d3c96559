package deconflict_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"liaison/deconflict"
)

func TestValidateRejectsBadInput(t *testing.T) {
	pt := func(lat, lon float64) *deconflict.Point { return &deconflict.Point{Lat: lat, Lon: lon} }
	square := []deconflict.Point{{38.90, -77.01}, {38.90, -77.00}, {38.91, -77.00}, {38.91, -77.01}}
	bowtie := []deconflict.Point{{38.90, -77.01}, {38.91, -77.00}, {38.90, -77.00}, {38.91, -77.01}}
	end := t0.Add(2 * time.Hour)
	tests := []struct {
		name  string
		spec  deconflict.Spec
		field string
	}{
		{"zero radius", deconflict.Spec{Center: pt(38.9, -77), Radius: 0, Start: t0, End: end}, "radius"},
		{"negative radius", deconflict.Spec{Center: pt(38.9, -77), Radius: -5, Start: t0, End: end}, "radius"},
		{"NaN radius", deconflict.Spec{Center: pt(38.9, -77), Radius: math.NaN(), Start: t0, End: end}, "radius"},
		{"absurd radius", deconflict.Spec{Center: pt(38.9, -77), Radius: 5e6, Start: t0, End: end}, "radius"},
		{"latitude out of range", deconflict.Spec{Center: pt(91, -77), Radius: 100, Start: t0, End: end}, "center.lat"},
		{"longitude out of range", deconflict.Spec{Center: pt(38.9, -180.5), Radius: 100, Start: t0, End: end}, "center.lon"},
		{"NaN latitude", deconflict.Spec{Center: pt(math.NaN(), 0), Radius: 100, Start: t0, End: end}, "center.lat"},
		{"end before start", deconflict.Spec{Center: pt(38.9, -77), Radius: 100, Start: end, End: t0}, "end"},
		{"empty window", deconflict.Spec{Center: pt(38.9, -77), Radius: 100, Start: t0, End: t0}, "end"},
		{"missing start", deconflict.Spec{Center: pt(38.9, -77), Radius: 100, End: end}, "start"},
		{"window too long", deconflict.Spec{Center: pt(38.9, -77), Radius: 100, Start: t0, End: t0.Add(31 * 24 * time.Hour)}, "end"},
		{"no location", deconflict.Spec{Start: t0, End: end}, "location"},
		{"both circle and polygon", deconflict.Spec{Center: pt(38.9, -77), Radius: 100, Polygon: square, Start: t0, End: end}, "location"},
		{"self-crossing polygon", deconflict.Spec{Polygon: bowtie, Start: t0, End: end}, "polygon"},
		{"self-crossing polygon across the antimeridian", deconflict.Spec{Polygon: []deconflict.Point{{-17.01, 179.99}, {-17.00, -179.99}, {-17.01, -179.99}, {-17.00, 179.99}}, Start: t0, End: end}, "polygon"},
		{"self-crossing polygon at the pole", deconflict.Spec{Polygon: []deconflict.Point{{89.99, 0}, {89.99, 180}, {89.99, 90}, {89.99, -90}}, Start: t0, End: end}, "polygon"},
		{"two vertices", deconflict.Spec{Polygon: square[:2], Start: t0, End: end}, "polygon"},
		{"collinear polygon", deconflict.Spec{Polygon: []deconflict.Point{{0, 0}, {0, 0.01}, {0, 0.02}}, Start: t0, End: end}, "polygon"},
		{"point polygon", deconflict.Spec{Polygon: []deconflict.Point{{1, 1}, {1, 1}, {1, 1}}, Start: t0, End: end}, "polygon"},
		{"polygon vertex out of range", deconflict.Spec{Polygon: []deconflict.Point{{0, 0}, {0, 0.01}, {95, 0}}, Start: t0, End: end}, "polygon[2].lat"},
		{"polygon too large", deconflict.Spec{Polygon: []deconflict.Point{{0, 0}, {0, 1}, {1, 1}, {1, 0}}, Start: t0, End: end}, "polygon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.spec.Validate(deconflict.DefaultLimits)
			var fe *deconflict.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want a field error", err)
			}
			if fe.Field != tt.field {
				t.Fatalf("field = %q (%v), want %q", fe.Field, err, tt.field)
			}
		})
	}
}

func TestValidateAcceptsGoodInput(t *testing.T) {
	end := t0.Add(2 * time.Hour)
	tests := []struct {
		name string
		spec deconflict.Spec
	}{
		{"circle", deconflict.Spec{Center: &deconflict.Point{Lat: 38.9, Lon: -77}, Radius: 250, Start: t0, End: end}},
		{"square", deconflict.Spec{Polygon: []deconflict.Point{{38.90, -77.01}, {38.90, -77.00}, {38.91, -77.00}, {38.91, -77.01}}, Start: t0, End: end}},
		{"concave L", deconflict.Spec{Polygon: []deconflict.Point{{0, 0}, {0, 0.02}, {0.01, 0.02}, {0.01, 0.01}, {0.02, 0.01}, {0.02, 0}}, Start: t0, End: end}},
		// Across the antimeridian: in plain lon/lat this square's edges would
		// appear to cross the whole globe; on the sphere it is 2 km wide.
		{"square across the antimeridian", deconflict.Spec{Polygon: []deconflict.Point{{-17.01, 179.99}, {-17.01, -179.99}, {-17.00, -179.99}, {-17.00, 179.99}}, Start: t0, End: end}},
		// Around the North Pole: four vertices at 89.99N, 90 degrees apart.
		{"square around the pole", deconflict.Spec{Polygon: []deconflict.Point{{89.99, 0}, {89.99, 90}, {89.99, 180}, {89.99, -90}}, Start: t0, End: end}},
		{"longest window", deconflict.Spec{Center: &deconflict.Point{Lat: 0, Lon: 0}, Radius: 1, Start: t0, End: t0.Add(deconflict.DefaultLimits.MaxWindow)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.spec.Validate(deconflict.DefaultLimits)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if a.Radius <= 0 || a.Radius > deconflict.DefaultLimits.MaxRadius {
				t.Fatalf("enclosing radius %.0f m", a.Radius)
			}
			for i, p := range tt.spec.Polygon {
				if d := deconflict.Distance(a.Lat, a.Lon, p.Lat, p.Lon); d > a.Radius {
					t.Fatalf("vertex %d is %.1f m from the centre, outside radius %.1f m", i, d, a.Radius)
				}
			}
		})
	}
}

// TestEnclosingContainsEdges checks the conservative promise for polygons:
// every point along every geodesic edge of a random polygon lies inside the
// enclosing circle, at any latitude and across the antimeridian.
func TestEnclosingContainsEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		lat := rng.Float64()*179.8 - 89.9
		lon := rng.Float64()*360 - 180
		n := 3 + rng.IntN(8)
		// Vertices 1-20 km from (lat, lon), in order of bearing with every
		// gap under half a turn: (lat, lon) is inside and sees every edge, so
		// the polygon is simple and Validate must accept it.
		pts := make([]deconflict.Point, n)
		for i := range pts {
			b := (float64(i) + 0.4*rng.Float64()) * 2 * math.Pi / float64(n)
			pts[i] = destination(lat, lon, 1_000+rng.Float64()*19_000, b)
		}
		a := deconflict.Enclosing(pts)
		if got, err := (deconflict.Spec{Polygon: pts, Start: t0, End: t0.Add(time.Hour)}).Validate(deconflict.DefaultLimits); err != nil {
			t.Fatalf("simple polygon %v rejected: %v", pts, err)
		} else if got != a {
			t.Fatalf("Validate area %v, Enclosing %v", got, a)
		}
		for i := range pts {
			p, q := pts[i], pts[(i+1)%n]
			for k := 0; k <= 20; k++ {
				m := slerp(p, q, float64(k)/20)
				if d := deconflict.Distance(a.Lat, a.Lon, m.Lat, m.Lon); d > a.Radius {
					t.Fatalf("edge %d point %d is %.2f m from centre, radius %.2f m (polygon %v)", i, k, d, a.Radius, pts)
				}
			}
		}
	}
}

const rad = math.Pi / 180

func destination(lat, lon, dist, bearing float64) deconflict.Point {
	d := dist / deconflict.EarthRadius
	p1, l1 := lat*rad, lon*rad
	p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(bearing))
	l2 := l1 + math.Atan2(math.Sin(bearing)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
	lon2 := math.Mod(l2/rad+540, 360) - 180
	return deconflict.Point{Lat: p2 / rad, Lon: lon2}
}

// slerp is the point a fraction f along the great-circle arc from p to q.
func slerp(p, q deconflict.Point, f float64) deconflict.Point {
	vec := func(p deconflict.Point) [3]float64 {
		return [3]float64{math.Cos(p.Lat*rad) * math.Cos(p.Lon*rad), math.Cos(p.Lat*rad) * math.Sin(p.Lon*rad), math.Sin(p.Lat * rad)}
	}
	a, b := vec(p), vec(q)
	omega := math.Acos(math.Max(-1, math.Min(1, a[0]*b[0]+a[1]*b[1]+a[2]*b[2])))
	if omega < 1e-12 {
		return p
	}
	s := math.Sin(omega)
	wa, wb := math.Sin((1-f)*omega)/s, math.Sin(f*omega)/s
	v := [3]float64{wa*a[0] + wb*b[0], wa*a[1] + wb*b[1], wa*a[2] + wb*b[2]}
	return deconflict.Point{Lat: math.Atan2(v[2], math.Hypot(v[0], v[1])) / rad, Lon: math.Atan2(v[1], v[0]) / rad}
}
