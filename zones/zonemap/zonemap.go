package zonemap

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/carerpermit/carerpermit/zones"
)

// ErrNoPosition is returned, wrapped with the property it is about, when a
// Map is asked the zone of a property that has no position and is not in
// the override list. Check with errors.Is.
var ErrNoPosition = errors.New("the property has no position to find its zone by")

// Map is a council's permit zones drawn as polygons, indexed for look-up.
// Parse makes one; it is immutable and safe for concurrent use.
type Map struct {
	zones     []zones.Zone // [0] is the zero Zone
	polygons  []*polygon   // highest priority first, then in file order
	overrides map[zones.UPRN]int

	// The grid: the map's bounds cut into nx × ny cells, each listing the
	// polygons whose bounds meet it, in the order of polygons.
	bound        orb.Bound
	nx, ny       int
	cellW, cellH float64
	cells        [][]int32
}

// polygon is one polygon of a feature, with its look-up index: its sides
// bucketed into bands of latitude, so that the point-in-polygon test of a
// point looks only at the sides in the point's band.
type polygon struct {
	feature  int    // 1-based position of the feature in the file
	id       string // the feature's id
	part     int    // 1-based position in a MultiPolygon
	zone     int    // into Map.zones
	priority int
	rings    orb.Polygon

	bound        orb.Bound
	bandH        float64 // the height of a band in degrees of latitude
	bands        [][]edge
	interior     orb.Point // a point strictly inside, for the overlap check
	haveInterior bool
}

// build makes the polygons' and the map's indexes.
func (m *Map) build() {
	for _, pg := range m.polygons {
		pg.index()
	}
	slices.SortStableFunc(m.polygons, func(a, b *polygon) int { return cmp.Compare(b.priority, a.priority) })
	m.bound = m.polygons[0].bound
	for _, pg := range m.polygons[1:] {
		m.bound = m.bound.Union(pg.bound)
	}
	// About one polygon to a cell, in a grid as square as the map.
	side := int(math.Ceil(math.Sqrt(float64(len(m.polygons))))) * 2
	side = max(1, min(side, 256))
	// Polygons that overlap much fall in many cells: coarsen the grid
	// until the entries stay within a budget.
	for {
		m.nx, m.ny = side, side
		m.cellW = (m.bound.Max[0] - m.bound.Min[0]) / float64(m.nx)
		m.cellH = (m.bound.Max[1] - m.bound.Min[1]) / float64(m.ny)
		entries := 0
		for _, pg := range m.polygons {
			x0, y0 := m.cellOf(pg.bound.Min)
			x1, y1 := m.cellOf(pg.bound.Max)
			entries += (x1 - x0 + 1) * (y1 - y0 + 1)
		}
		if entries <= 16*len(m.polygons)+4096 || side == 1 {
			break
		}
		side /= 2
	}
	m.cells = make([][]int32, m.nx*m.ny)
	for i, pg := range m.polygons {
		x0, y0 := m.cellOf(pg.bound.Min)
		x1, y1 := m.cellOf(pg.bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				m.cells[y*m.nx+x] = append(m.cells[y*m.nx+x], int32(i))
			}
		}
	}
}

// cellOf returns the grid cell of p, which lies within m.bound.
func (m *Map) cellOf(p orb.Point) (int, int) {
	x, y := 0, 0
	if m.cellW > 0 {
		x = int((p[0] - m.bound.Min[0]) / m.cellW)
	}
	if m.cellH > 0 {
		y = int((p[1] - m.bound.Min[1]) / m.cellH)
	}
	return max(0, min(x, m.nx-1)), max(0, min(y, m.ny-1))
}

func (pg *polygon) index() {
	pg.bound = pg.rings.Bound()
	edges := edgesOf(pg.rings, 0)
	n := max(1, min(len(edges)/4, 512))
	pg.bandH = (pg.bound.Max[1] - pg.bound.Min[1]) / float64(n)
	pg.bands = make([][]edge, n)
	for _, e := range edges {
		b0, b1 := pg.band(e.minY()), pg.band(e.maxY())
		for b := b0; b <= b1; b++ {
			pg.bands[b] = append(pg.bands[b], e)
		}
	}
	pg.interior, pg.haveInterior = interiorPoint(pg.rings)
}

func (pg *polygon) band(y float64) int {
	if pg.bandH <= 0 {
		return 0
	}
	return max(0, min(int((y-pg.bound.Min[1])/pg.bandH), len(pg.bands)-1))
}

// locate says whether p is inside the polygon (counting its holes out) and
// whether it lies on one of its rings, by the even-odd rule over the sides
// in p's band.
func (pg *polygon) locate(p orb.Point) (inside, on bool) {
	if !pg.bound.Contains(p) {
		return false, false
	}
	x, y := p[0], p[1]
	band := pg.bands[pg.band(y)]
	for i := range band {
		e := &band[i]
		a, b := e.a, e.b
		if y >= min(a[1], b[1]) && y <= max(a[1], b[1]) && x >= min(a[0], b[0]) && x <= max(a[0], b[0]) && orient(a, b, p) == 0 {
			return true, true
		}
		if (a[1] > y) != (b[1] > y) {
			if x < a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
				inside = !inside
			}
		}
	}
	return inside, false
}

// ZoneAt returns the zone whose polygon contains p (a point on a boundary
// counts as inside), or the zero Zone when p lies in none. Where polygons
// of several zones contain p, the one of highest priority wins, then the
// one whose feature comes first in the file. Overrides play no part: see
// Zone.
func (m *Map) ZoneAt(p zones.LatLng) zones.Zone {
	return m.zones[m.zoneAt(orb.Point{p.Lng, p.Lat})]
}

func (m *Map) zoneAt(p orb.Point) int {
	if !m.bound.Contains(p) {
		return 0
	}
	x, y := m.cellOf(p)
	for _, i := range m.cells[y*m.nx+x] {
		if in, _ := m.polygons[i].locate(p); in {
			return m.polygons[i].zone
		}
	}
	return 0
}

// Zone returns the zone of property p: the override list's, if p's UPRN
// is in it; otherwise the zone at p.Location. A property with no position
// (the zero Location) that is not in the override list gives an error
// wrapping ErrNoPosition, naming the property.
func (m *Map) Zone(p zones.Property) (zones.Zone, error) {
	if zi, ok := m.overrides[p.UPRN]; ok {
		return m.zones[zi], nil
	}
	if p.Location.IsZero() {
		return zones.Zone{}, fmt.Errorf("zonemap: %v: %w", p, ErrNoPosition)
	}
	return m.ZoneAt(p.Location), nil
}

// Overridden reports whether the override list names the zone of uprn,
// and which (the zero Zone for "outside every zone").
func (m *Map) Overridden(uprn zones.UPRN) (zones.Zone, bool) {
	zi, ok := m.overrides[uprn]
	return m.zones[zi], ok
}

// Zones returns the map's zones, in the order of the scheme's zones when
// Options.Zones was given and otherwise in the order the file first names
// them. The caller may modify the slice.
func (m *Map) Zones() []zones.Zone { return slices.Clone(m.zones[1:]) }

// Drawn reports whether at least one feature draws zone id.
func (m *Map) Drawn(id string) bool {
	return slices.ContainsFunc(m.polygons, func(pg *polygon) bool { return m.zones[pg.zone].ID == id })
}

// checkOverlaps refuses polygons of different zones and equal priority
// whose insides meet: their sides cross, or a corner or an inner point of
// one lies strictly inside the other. Sharing a boundary is fine.
func (ps *parser) checkOverlaps() {
	m := ps.m
	clash := func(a, b *polygon) bool {
		return a != b && a.zone != b.zone && a.priority == b.priority
	}
	reported := map[[2]int]bool{}
	report := func(a, b *polygon, at orb.Point) {
		i, j := slices.Index(m.polygons, a), slices.Index(m.polygons, b)
		if a.feature > b.feature || (a.feature == b.feature && a.part > b.part) {
			a, b, i, j = b, a, j, i
		}
		if reported[[2]int{i, j}] {
			return
		}
		reported[[2]int{i, j}] = true
		other := fmt.Sprintf("feature %d", b.feature)
		if b.id != "" {
			other += fmt.Sprintf(" (id %q)", b.id)
		}
		ps.add(a.feature, a.id, m.zones[a.zone].ID,
			"overlaps %s of zone %q near %s, and both have priority %d: redraw the line, or give the feature that wins a higher \"priority\"",
			other, m.zones[b.zone].ID, point(at), a.priority)
	}

	n := 0
	for _, pg := range m.polygons {
		for _, r := range pg.rings {
			n += len(r) - 1
		}
	}
	all := make([]edge, 0, n)
	for i, pg := range m.polygons {
		all = append(all, edgesOf(pg.rings, i)...)
	}
	sweep(all, func(e, f *edge) bool {
		a, b := m.polygons[e.poly], m.polygons[f.poly]
		if clash(a, b) && crosses(e.a, e.b, f.a, f.b) {
			report(a, b, e.a)
		}
		return true
	})

	strictlyIn := func(a *polygon, p orb.Point) {
		if !m.bound.Contains(p) {
			return
		}
		x, y := m.cellOf(p)
		for _, j := range m.cells[y*m.nx+x] {
			b := m.polygons[j]
			if !clash(a, b) {
				continue
			}
			if in, on := b.locate(p); in && !on {
				report(a, b, p)
			}
		}
	}
	for _, a := range m.polygons {
		for _, p := range a.rings[0] {
			strictlyIn(a, p)
		}
		if a.haveInterior {
			strictlyIn(a, a.interior)
		}
	}
}
