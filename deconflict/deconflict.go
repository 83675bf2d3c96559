// Package deconflict finds operations that would meet in place and time:
// a pure, in-memory spatio-temporal index with no I/O. Two operations
// conflict when their areas overlap on the ground (great-circle distance
// between centres no more than the sum of their radii and margins) and their
// time windows overlap (with margins). The index never misses a conflict
// that a brute-force comparison would find.
package deconflict

import (
	"math"
	"sync"
	"time"
)

// EarthRadius is the mean Earth radius in metres (IUGG), for haversine.
const EarthRadius = 6_371_008.8

// Area is a circle on the ground. A polygon is registered by its enclosing
// circle: the check is conservative, never missing a real overlap.
type Area struct {
	Lat, Lon float64 // degrees
	Radius   float64 // metres
}

// Op is an active operation as the index sees it.
type Op struct {
	ID        string
	Agency    string
	Area      Area
	Start     time.Time
	End       time.Time
	Margin    float64       // extra metres around the area for this kind of operation
	TimeSlack time.Duration // extra time around the window
}

// Conflict is one operation another overlaps with, and how closely.
type Conflict struct {
	With     *Op
	Distance float64       // metres between the two areas' edges; 0 or less when they overlap
	Overlap  time.Duration // how long the two windows (with slack) overlap
}

// Distance is the great-circle distance in metres (haversine).
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Conflicts reports whether a and b conflict, and how.
func Conflicts(a, b *Op) (Conflict, bool) {
	if a == b {
		return Conflict{}, false
	}
	startA, endA := a.Start.Add(-a.TimeSlack), a.End.Add(a.TimeSlack)
	startB, endB := b.Start.Add(-b.TimeSlack), b.End.Add(b.TimeSlack)
	from, to := maxTime(startA, startB), minTime(endA, endB)
	if !from.Before(to) {
		return Conflict{}, false
	}
	gap := Distance(a.Area.Lat, a.Area.Lon, b.Area.Lat, b.Area.Lon) - (a.Area.Radius + a.Margin + b.Area.Radius + b.Margin)
	// The identity check comes last: ids are 36-byte strings, and most
	// candidates fail on time or place first.
	if gap > 0 || a.ID == b.ID {
		return Conflict{}, false
	}
	return Conflict{With: b, Distance: gap, Overlap: to.Sub(from)}, true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cellDeg is the grid cell size in degrees of latitude (about 5.6 km).
const cellDeg = 0.05

type cell struct{ lat, lon int32 }

// Index holds active operations in a latitude/longitude grid. It is safe
// for concurrent use.
type Index struct {
	mu    sync.RWMutex
	ops   map[string]*Op
	cells map[cell][]*Op
	// maxReach is the largest radius+margin registered, so a query knows
	// how far around it to look.
	maxReach float64
}

// New returns an empty index.
func New() *Index { return &Index{ops: map[string]*Op{}, cells: map[cell][]*Op{}} }

// Len returns how many operations the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ops)
}

func cellOf(lat, lon float64) cell {
	return cell{int32(math.Floor(lat / cellDeg)), int32(math.Floor(lon / cellDeg))}
}

// span returns the cells a circle of reach metres around (lat, lon) may
// touch, conservatively.
func span(lat, lon, reach float64) (lo, hi cell, wrap bool) {
	dLat := reach / (EarthRadius * math.Pi / 180)
	maxLat := math.Min(90, math.Abs(lat)+dLat)
	if maxLat >= 89 {
		return cellOf(math.Max(-90, lat-dLat), -180), cellOf(math.Min(90, lat+dLat), 180), true
	}
	dLon := dLat / math.Cos(maxLat*math.Pi/180)
	if dLon >= 180 || lon-dLon < -180 || lon+dLon > 180 {
		return cellOf(math.Max(-90, lat-dLat), -180), cellOf(math.Min(90, lat+dLat), 180), true
	}
	return cellOf(lat-dLat, lon-dLon), cellOf(lat+dLat, lon+dLon), false
}

// Add registers op (replacing any op with the same ID) and returns the
// operations it conflicts with.
func (x *Index) Add(op *Op) []Conflict { return x.add(op, true) }

// Load registers op without looking for its conflicts: for rebuilding the
// index from operations that were checked when they were registered.
func (x *Index) Load(op *Op) { x.add(op, false) }

func (x *Index) add(op *Op, check bool) []Conflict {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.ops[op.ID]; ok {
		x.remove(old)
	}
	var out []Conflict
	if check {
		out = x.query(op)
	}
	x.ops[op.ID] = op
	c := cellOf(op.Area.Lat, op.Area.Lon)
	x.cells[c] = append(x.cells[c], op)
	if r := op.Area.Radius + op.Margin; r > x.maxReach {
		x.maxReach = r
	}
	return out
}

// Check returns the conflicts op would have, without registering it.
func (x *Index) Check(op *Op) []Conflict {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.query(op)
}

// Remove takes an operation out (completed, cancelled or expired).
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if op, ok := x.ops[id]; ok {
		x.remove(op)
	}
}

func (x *Index) remove(op *Op) {
	delete(x.ops, op.ID)
	c := cellOf(op.Area.Lat, op.Area.Lon)
	list := x.cells[c]
	for i, o := range list {
		if o == op {
			list[i] = list[len(list)-1]
			x.cells[c] = list[:len(list)-1]
			break
		}
	}
	if len(x.cells[c]) == 0 {
		delete(x.cells, c)
	}
}

// Expire removes every operation that ended (with its slack) before t and
// returns their IDs.
func (x *Index) Expire(t time.Time) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var gone []string
	for _, op := range x.ops {
		if op.End.Add(op.TimeSlack).Before(t) {
			x.remove(op)
			gone = append(gone, op.ID)
		}
	}
	return gone
}

// query finds conflicts for op. Operations are stored in the cell of their
// centre; a query looks at every cell within its own reach plus the largest
// reach registered, so no overlapping pair is missed.
func (x *Index) query(op *Op) []Conflict {
	reach := op.Area.Radius + op.Margin + x.maxReach
	lo, hi, _ := span(op.Area.Lat, op.Area.Lon, reach)
	var out []Conflict
	for la := lo.lat; la <= hi.lat; la++ {
		for lo2 := lo.lon; lo2 <= hi.lon; lo2++ {
			for _, o := range x.cells[cell{la, lo2}] {
				if c, ok := Conflicts(op, o); ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// All returns every registered operation (for brute-force checks and tests).
func (x *Index) All() []*Op {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*Op, 0, len(x.ops))
	for _, o := range x.ops {
		out = append(out, o)
	}
	return out
}
