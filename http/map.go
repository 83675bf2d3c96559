package http

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// The watch board's map: U.S. boundary lines we ship (http/mapdata, see
// its README for source and licence), projected in Go and drawn as SVG on
// the server. No tiles and no fetch at run time.

//go:embed mapdata/us-boundaries.geojson
var boundaryGeoJSON []byte

// boundaries is the parsed boundary data: lines per layer, label points.
type boundaries struct {
	lines  map[string][][][2]float64 // layer -> polylines of [lon, lat]
	labels []boundaryLabel
}

type boundaryLabel struct {
	layer, name string
	lon, lat    float64
}

// loadBoundaries parses the embedded data once; it never changes.
var loadBoundaries = sync.OnceValues(func() (*boundaries, error) {
	var fc struct {
		Features []struct {
			Properties struct{ Layer, Name string }
			Geometry   struct {
				Type        string
				Coordinates json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(boundaryGeoJSON, &fc); err != nil {
		return nil, fmt.Errorf("map data: %w", err)
	}
	b := &boundaries{lines: map[string][][][2]float64{}}
	for _, f := range fc.Features {
		switch f.Geometry.Type {
		case "MultiLineString":
			var ls [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &ls); err != nil {
				return nil, fmt.Errorf("map data: %s: %w", f.Properties.Layer, err)
			}
			b.lines[f.Properties.Layer] = append(b.lines[f.Properties.Layer], ls...)
		case "Point":
			var p [2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("map data: %s: %w", f.Properties.Name, err)
			}
			b.labels = append(b.labels, boundaryLabel{layer: f.Properties.Layer, name: f.Properties.Name, lon: p[0], lat: p[1]})
		}
	}
	return b, nil
})

// conflictMap is an SVG map ready for the template.
type conflictMap struct {
	Width, Height int
	Paths         []mapPath
	Labels        []mapLabel
	Markers       []mapMarker
	Caption       string
}

type mapPath struct{ Class, D string }

type mapLabel struct {
	X, Y        float64
	Text, Class string
}

type mapMarker struct {
	X, Y          float64
	N             int
	Href, Label   string
	Class, LabelX string
	TrueX, TrueY  float64 // the conflict's point, when the marker was moved clear of another
	Moved         bool
}

// crowded reports whether a marker at x, y would overlap one already placed.
func crowded(ms []mapMarker, x, y float64) bool {
	for _, m := range ms {
		if math.Hypot(m.X-x, m.Y-y) < 32 {
			return true
		}
	}
	return false
}

// mapWidth is the SVG's user-space width; it scales to the page.
const mapWidth = 960

// drawMap projects the conflicts with a place (equirectangular around
// their bounding box, scaled by the cosine of its middle latitude) and the
// boundaries in view. It returns nil when no conflict has a place.
func drawMap(rows []watchRow) *conflictMap {
	minLat, maxLat, minLon, maxLon := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	n := 0
	for _, r := range rows {
		if r.Where == nil {
			continue
		}
		n++
		minLat, maxLat = math.Min(minLat, r.Where.Lat), math.Max(maxLat, r.Where.Lat)
		minLon, maxLon = math.Min(minLon, r.Where.Lon), math.Max(maxLon, r.Where.Lon)
	}
	if n == 0 {
		return nil
	}
	// Frame: at least 0.08° (about 9 km) so the county lines around give a
	// sense of place, padded so markers sit inside, at most 3:5 tall.
	midLat := (minLat + maxLat) / 2
	kx := math.Max(math.Cos(midLat*math.Pi/180), 0.05)
	latSpan := math.Max((maxLat-minLat)*1.4, 0.08)
	lonSpan := math.Max((maxLon-minLon)*1.4, 0.08)
	if lonSpan*kx < latSpan*5/3 {
		lonSpan = latSpan * 5 / 3 / kx
	}
	if latSpan < lonSpan*kx*0.5 {
		latSpan = lonSpan * kx * 0.5
	}
	lat0, lat1 := midLat-latSpan/2, midLat+latSpan/2
	midLon := (minLon + maxLon) / 2
	lon0, lon1 := midLon-lonSpan/2, midLon+lonSpan/2
	scale := mapWidth / (lonSpan * kx)
	height := int(math.Round(latSpan * scale))
	project := func(lon, lat float64) (float64, float64) {
		return round1((lon - lon0) * kx * scale), round1((lat1 - lat) * scale)
	}
	m := &conflictMap{Width: mapWidth, Height: height,
		Caption: fmt.Sprintf("%.3f° to %.3f° N, %.3f° to %.3f° E", lat0, lat1, lon0, lon1)}
	b, err := loadBoundaries()
	if err == nil {
		in := func(p [2]float64) bool {
			mx, my := lonSpan*0.05, latSpan*0.05
			return p[0] >= lon0-mx && p[0] <= lon1+mx && p[1] >= lat0-my && p[1] <= lat1+my
		}
		for _, layer := range []string{"counties", "states", "nation"} {
			var d strings.Builder
			for _, line := range b.lines[layer] {
				drawing := false
				for i, p := range line {
					// Keep a point when it, or a neighbour, is in view, so
					// segments that cross the frame's edge are drawn too.
					keep := in(p) || (i > 0 && in(line[i-1])) || (i+1 < len(line) && in(line[i+1]))
					if !keep {
						drawing = false
						continue
					}
					x, y := project(p[0], p[1])
					if drawing {
						d.WriteString("L")
					} else {
						d.WriteString("M")
						drawing = true
					}
					d.WriteString(strconv.FormatFloat(x, 'f', -1, 64) + " " + strconv.FormatFloat(y, 'f', -1, 64))
				}
			}
			if d.Len() > 0 {
				m.Paths = append(m.Paths, mapPath{Class: "map-" + layer, D: d.String()})
			}
		}
		labelLayer := "county"
		if latSpan > 4 {
			labelLayer = "state"
		}
		for _, l := range b.labels {
			if l.layer == labelLayer && l.lon > lon0 && l.lon < lon1 && l.lat > lat0 && l.lat < lat1 {
				x, y := project(l.lon, l.lat)
				m.Labels = append(m.Labels, mapLabel{X: x, Y: y, Text: l.name, Class: "map-label"})
			}
		}
	}
	for _, r := range rows {
		if r.Where == nil {
			continue
		}
		x, y := project(r.Where.Lon, r.Where.Lat)
		// Conflicts at nearly the same place would hide each other: move a
		// marker round its true point until it is clear, with a leader line.
		tx, ty := x, y
		for step := 0; step < 24 && crowded(m.Markers, x, y); step++ {
			a := float64(step) * math.Pi / 4
			rad := 34 * float64(1+step/8)
			x, y = round1(tx+rad*math.Cos(a)), round1(ty+rad*math.Sin(a))
		}
		mk := mapMarker{X: x, Y: y, TrueX: tx, TrueY: ty, Moved: x != tx || y != ty, N: r.N, Href: "#conflict-" + r.ID, Class: "marker marker-" + string(r.State),
			Label: fmt.Sprintf("Conflict %d, %s: %s and %s, %s", r.N, r.State, r.A.AgencyName, r.B.AgencyName, r.Closeness)}
		mk.LabelX = strconv.FormatFloat(x+14, 'f', 1, 64)
		m.Markers = append(m.Markers, mk)
	}
	return m
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
