package deconflict

import (
	"fmt"
	"math"
	"time"
)

// Point is a position in degrees.
type Point struct {
	Lat, Lon float64
}

// Limits bound what an operation may register. The zero value is not
// useful; use DefaultLimits.
type Limits struct {
	MaxRadius   float64       // metres
	MaxWindow   time.Duration // longest time window
	MaxVertices int           // most polygon vertices
}

// DefaultLimits are the bounds an operation is checked against unless the
// deployment configures others: a 50 km radius covers a metropolitan
// surveillance area; a 30-day window covers a long undercover operation.
var DefaultLimits = Limits{MaxRadius: 50_000, MaxWindow: 30 * 24 * time.Hour, MaxVertices: 500}

// FieldError names the field of an operation that is wrong, so the API can
// answer with a problem+json that points at it.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Spec is an operation's location and window as submitted: either a circle
// (Center and Radius) or a polygon (at least three vertices, not closed:
// the last vertex joins the first).
type Spec struct {
	Center  *Point
	Radius  float64
	Polygon []Point
	Start   time.Time
	End     time.Time
}

// Validate checks s against lim and returns the enclosing circle the index
// uses. Errors are *FieldError.
func (s Spec) Validate(lim Limits) (Area, error) {
	if s.Start.IsZero() {
		return Area{}, fieldErr("start", "is required")
	}
	if s.End.IsZero() {
		return Area{}, fieldErr("end", "is required")
	}
	if !s.End.After(s.Start) {
		return Area{}, fieldErr("end", "must be after start")
	}
	if w := s.End.Sub(s.Start); w > lim.MaxWindow {
		return Area{}, fieldErr("end", "window of %s is longer than the maximum %s", w, lim.MaxWindow)
	}
	switch {
	case s.Center != nil && len(s.Polygon) > 0:
		return Area{}, fieldErr("location", "give a center and radius or a polygon, not both")
	case s.Center != nil:
		if err := checkPoint("center", *s.Center); err != nil {
			return Area{}, err
		}
		if !(s.Radius > 0) {
			return Area{}, fieldErr("radius", "must be greater than zero")
		}
		if s.Radius > lim.MaxRadius {
			return Area{}, fieldErr("radius", "%.0f m is larger than the maximum %.0f m", s.Radius, lim.MaxRadius)
		}
		return Area{Lat: s.Center.Lat, Lon: s.Center.Lon, Radius: s.Radius}, nil
	case len(s.Polygon) > 0:
		if len(s.Polygon) < 3 {
			return Area{}, fieldErr("polygon", "needs at least three vertices")
		}
		if len(s.Polygon) > lim.MaxVertices {
			return Area{}, fieldErr("polygon", "has %d vertices, more than the maximum %d", len(s.Polygon), lim.MaxVertices)
		}
		for i, p := range s.Polygon {
			if err := checkPoint(fmt.Sprintf("polygon[%d]", i), p); err != nil {
				return Area{}, err
			}
		}
		a := Enclosing(s.Polygon)
		if a.Radius > lim.MaxRadius {
			return Area{}, fieldErr("polygon", "spans %.0f m from its centre, more than the maximum %.0f m", a.Radius, lim.MaxRadius)
		}
		xy := project(s.Polygon, a)
		if planarArea(xy)*EarthRadius*EarthRadius < 1 {
			return Area{}, fieldErr("polygon", "encloses no area")
		}
		if i, j, ok := selfCrossing(xy); ok {
			return Area{}, fieldErr("polygon", "edges %d and %d cross", i, j)
		}
		return a, nil
	default:
		return Area{}, fieldErr("location", "a center and radius or a polygon is required")
	}
}

func checkPoint(field string, p Point) error {
	if math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90 {
		return fieldErr(field+".lat", "%v is outside [-90, 90]", p.Lat)
	}
	if math.IsNaN(p.Lon) || p.Lon < -180 || p.Lon > 180 {
		return fieldErr(field+".lon", "%v is outside [-180, 180]", p.Lon)
	}
	return nil
}

// Enclosing returns a circle that contains every vertex of pts: centred on
// the normalised mean of their unit vectors, with the radius of the farthest
// vertex. Below a quarter of the globe a spherical cap is convex, so the
// great-circle edges between the vertices lie inside it too: the index
// check stays conservative and never misses an overlap.
func Enclosing(pts []Point) Area {
	const rad = math.Pi / 180
	var x, y, z float64
	for _, p := range pts {
		la, lo := p.Lat*rad, p.Lon*rad
		x += math.Cos(la) * math.Cos(lo)
		y += math.Cos(la) * math.Sin(lo)
		z += math.Sin(la)
	}
	lat := math.Atan2(z, math.Hypot(x, y)) / rad
	lon := math.Atan2(y, x) / rad
	var r float64
	for _, p := range pts {
		r = math.Max(r, Distance(lat, lon, p.Lat, p.Lon))
	}
	// One metre of slack absorbs floating-point rounding at the far vertex.
	if r > 0 {
		r++
	}
	return Area{Lat: lat, Lon: lon, Radius: r}
}

// selfCrossing reports two edges of the projected polygon that intersect
// (or adjacent edges that fold back on each other). The projection is
// gnomonic, centred on the enclosing circle, in which great-circle arcs are
// straight lines: the test is exact for geodesic edges and unaffected by the
// antimeridian or the poles.
func selfCrossing(xy [][2]float64) (int, int, bool) {
	n := len(xy)
	for i := range n {
		a, b := xy[i], xy[(i+1)%n]
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				// Adjacent edges share a vertex; they cross only if they fold
				// back onto each other.
				if foldsBack(xy, i, j) {
					return i, j, true
				}
				continue
			}
			if segmentsIntersect(a, b, xy[j], xy[(j+1)%n]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// project maps the vertices onto the plane tangent to the sphere at the
// centre of at, in units of the Earth's radius.
func project(pts []Point, at Area) [][2]float64 {
	xy := make([][2]float64, len(pts))
	for i, p := range pts {
		xy[i] = gnomonic(at.Lat, at.Lon, p.Lat, p.Lon)
	}
	return xy
}

// planarArea is the absolute shoelace area of the projected polygon.
func planarArea(xy [][2]float64) float64 {
	var s float64
	for i := range xy {
		j := (i + 1) % len(xy)
		s += xy[i][0]*xy[j][1] - xy[j][0]*xy[i][1]
	}
	return math.Abs(s) / 2
}

func gnomonic(lat0, lon0, lat, lon float64) [2]float64 {
	const rad = math.Pi / 180
	p0, l0, p, l := lat0*rad, lon0*rad, lat*rad, lon*rad
	cosc := math.Sin(p0)*math.Sin(p) + math.Cos(p0)*math.Cos(p)*math.Cos(l-l0)
	x := math.Cos(p) * math.Sin(l-l0) / cosc
	y := (math.Cos(p0)*math.Sin(p) - math.Sin(p0)*math.Cos(p)*math.Cos(l-l0)) / cosc
	return [2]float64{x, y}
}

// foldsBack reports whether adjacent edges i and j are collinear and point
// back along each other (a spike of zero width).
func foldsBack(xy [][2]float64, i, j int) bool {
	n := len(xy)
	// The shared vertex is the end of the earlier edge in polygon order.
	first, second := i, j
	if i == 0 && j == n-1 {
		first, second = j, i
	}
	a, s, b := xy[first], xy[(first+1)%n], xy[(second+1)%n]
	u := [2]float64{a[0] - s[0], a[1] - s[1]}
	v := [2]float64{b[0] - s[0], b[1] - s[1]}
	cross := u[0]*v[1] - u[1]*v[0]
	dot := u[0]*v[0] + u[1]*v[1]
	return math.Abs(cross) <= 1e-15*(math.Hypot(u[0], u[1])*math.Hypot(v[0], v[1])) && dot > 0
}

func orient(a, b, c [2]float64) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p [2]float64) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether segments ab and cd share any point,
// touching included.
func segmentsIntersect(a, b, c, d [2]float64) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
