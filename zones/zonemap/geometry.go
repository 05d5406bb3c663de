package zonemap

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// edge is one side of a ring, from a to b.
type edge struct {
	a, b orb.Point
	// ring and index say where the edge is: ring 0 is the outer ring;
	// index i is the side from the ring's point i to point i+1.
	ring, index int
	// poly is the polygon's index in the map, while checking overlaps.
	poly int
}

func (e edge) minY() float64 { return min(e.a[1], e.b[1]) }
func (e edge) maxY() float64 { return max(e.a[1], e.b[1]) }
func (e edge) minX() float64 { return min(e.a[0], e.b[0]) }
func (e edge) maxX() float64 { return max(e.a[0], e.b[0]) }

func edgesOf(poly orb.Polygon, polyIndex int) []edge {
	n := 0
	for _, r := range poly {
		n += len(r) - 1
	}
	out := make([]edge, 0, n)
	for ri, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			out = append(out, edge{a: r[i], b: r[i+1], ring: ri, index: i, poly: polyIndex})
		}
	}
	return out
}

// orient is twice the signed area of the triangle a, b, c: positive when
// c lies to the left of a→b, negative to the right, zero on the line.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// within reports whether c, known to be on the line through a and b, lies
// on the segment between them.
func within(a, b, c orb.Point) bool {
	return c[0] >= min(a[0], b[0]) && c[0] <= max(a[0], b[0]) && c[1] >= min(a[1], b[1]) && c[1] <= max(a[1], b[1])
}

func opposite(x, y float64) bool { return (x > 0 && y < 0) || (x < 0 && y > 0) }

// crosses reports whether segments ab and cd cross at a point inside both
// (not at an end of either, and not along a shared line).
func crosses(a, b, c, d orb.Point) bool {
	return opposite(orient(c, d, a), orient(c, d, b)) && opposite(orient(a, b, c), orient(a, b, d))
}

// meets reports whether segments ab and cd have any point in common.
func meets(a, b, c, d orb.Point) bool {
	d1, d2, d3, d4 := orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
	if opposite(d1, d2) && opposite(d3, d4) {
		return true
	}
	return (d1 == 0 && within(c, d, a)) || (d2 == 0 && within(c, d, b)) ||
		(d3 == 0 && within(a, b, c)) || (d4 == 0 && within(a, b, d))
}

// sweep calls pair for the pairs of edges whose bounding boxes meet (some
// pairs more than once), until pair returns false. The edges are bucketed
// into a grid of about two edges a cell, by counting sort, and each cell's
// edges are paired: near-linear in the number of edges for the shapes
// zones have, where sorting by latitude alone pairs every side of a long
// east-west boundary with every other.
func sweep(edges []edge, pair func(e, f *edge) bool) {
	if len(edges) < 2 {
		return
	}
	minX, minY, maxX, maxY := edges[0].minX(), edges[0].minY(), edges[0].maxX(), edges[0].maxY()
	for i := range edges {
		e := &edges[i]
		minX, minY = min(minX, e.minX()), min(minY, e.minY())
		maxX, maxY = max(maxX, e.maxX()), max(maxY, e.maxY())
	}
	side := max(1, min(int(math.Sqrt(float64(len(edges))/2)), 1024))
	var w, h float64
	cell := func(v, lo, size float64) int {
		if size <= 0 {
			return 0
		}
		return max(0, min(int((v-lo)/size), side-1))
	}
	span := func(e *edge) (x0, y0, x1, y1 int) {
		return cell(e.minX(), minX, w), cell(e.minY(), minY, h), cell(e.maxX(), minX, w), cell(e.maxY(), minY, h)
	}
	// Long edges fall in many cells: coarsen the grid until the entries
	// stay within a budget, so that no file can make this take more than
	// a few times the memory of its edges.
	for {
		w, h = (maxX-minX)/float64(side), (maxY-minY)/float64(side)
		entries := 0
		for i := range edges {
			x0, y0, x1, y1 := span(&edges[i])
			entries += (x1 - x0 + 1) * (y1 - y0 + 1)
			if entries > 8*len(edges)+1024 {
				break
			}
		}
		if entries <= 8*len(edges)+1024 || side == 1 {
			break
		}
		side /= 2
	}
	starts := make([]int32, side*side+1)
	for i := range edges {
		x0, y0, x1, y1 := span(&edges[i])
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				starts[y*side+x+1]++
			}
		}
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	next := slices.Clone(starts[:side*side])
	members := make([]int32, starts[side*side])
	for i := range edges {
		x0, y0, x1, y1 := span(&edges[i])
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				c := y*side + x
				members[next[c]] = int32(i)
				next[c]++
			}
		}
	}
	for c := range side * side {
		in := members[starts[c]:starts[c+1]]
		for i, ei := range in {
			e := &edges[ei]
			for _, fi := range in[i+1:] {
				f := &edges[fi]
				if f.maxX() < e.minX() || f.minX() > e.maxX() || f.maxY() < e.minY() || f.minY() > e.maxY() {
					continue
				}
				if !pair(e, f) {
					return
				}
			}
		}
	}
}

// checkPolygon returns why poly is not a valid polygon, or "": each ring
// has an area and neither crosses nor touches itself, holes lie inside the
// outer ring and meet no other ring.
func checkPolygon(poly orb.Polygon) string {
	edges := edgesOf(poly, 0)
	var reason string
	sweep(edges, func(e, f *edge) bool {
		if e.ring == f.ring {
			n := len(poly[e.ring]) - 1 // sides of the ring
			i, j := min(e.index, f.index), max(e.index, f.index)
			if j == i+1 || (i == 0 && j == n-1) {
				// Neighbours share a corner; they go wrong only by
				// doubling back along each other (a spike).
				first, second := e, f
				if (j == i+1 && e.index == j) || (i == 0 && j == n-1 && e.index == 0) {
					first, second = f, e
				}
				v1 := orb.Point{first.b[0] - first.a[0], first.b[1] - first.a[1]}
				v2 := orb.Point{second.b[0] - second.a[0], second.b[1] - second.a[1]}
				if orient(orb.Point{}, v1, v2) == 0 && v1[0]*v2[0]+v1[1]*v2[1] < 0 {
					reason = fmt.Sprintf("%s doubles back on itself at %s (sides %d and %d)", ringName(e.ring), point(first.b), first.index+1, second.index+1)
					return false
				}
				return true
			}
			if meets(e.a, e.b, f.a, f.b) {
				reason = fmt.Sprintf("%s crosses itself: side %d (%s to %s) meets side %d (%s to %s); a zone's boundary must not cross or touch itself",
					ringName(e.ring), i+1, point(edgeAt(poly, e.ring, i).a), point(edgeAt(poly, e.ring, i).b), j+1, point(edgeAt(poly, e.ring, j).a), point(edgeAt(poly, e.ring, j).b))
				return false
			}
			return true
		}
		if meets(e.a, e.b, f.a, f.b) {
			a, b := min(e.ring, f.ring), max(e.ring, f.ring)
			reason = fmt.Sprintf("%s meets %s near %s; a hole must lie inside its polygon without touching any other ring", ringName(b), ringName(a), point(e.a))
			return false
		}
		return true
	})
	if reason != "" {
		return reason
	}
	for ri, r := range poly {
		if planar.Area(r) == 0 {
			return ringName(ri) + " has no area (its corners lie on one line)"
		}
	}
	outer := poly[:1]
	for ri := 1; ri < len(poly); ri++ {
		if !planar.PolygonContains(outer, poly[ri][0]) {
			return ringName(ri) + " lies outside the outer ring"
		}
	}
	return ""
}

func edgeAt(poly orb.Polygon, ring, i int) edge {
	r := poly[ring]
	return edge{a: r[i], b: r[i+1]}
}

func ringName(ri int) string {
	if ri == 0 {
		return "the outer ring"
	}
	return "hole " + strconv.Itoa(ri)
}

func point(p orb.Point) string { return "[" + num(p[0]) + ", " + num(p[1]) + "]" }

// interiorPoint returns a point strictly inside poly: the middle of the
// first stretch inside it along a line of latitude through its middle.
func interiorPoint(poly orb.Polygon) (orb.Point, bool) {
	b := poly.Bound()
	// A line that passes through no corner: between the two corner
	// latitudes nearest the middle.
	ys := make([]float64, 0, len(poly[0]))
	for _, r := range poly {
		for _, p := range r {
			ys = append(ys, p[1])
		}
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	mid := (b.Min[1] + b.Max[1]) / 2
	if len(ys) < 2 {
		return orb.Point{}, false
	}
	k, _ := slices.BinarySearch(ys, mid)
	k = max(1, min(k, len(ys)-1))
	y := (ys[k-1] + ys[k]) / 2
	var xs []float64
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			a, c := r[i], r[i+1]
			if (a[1] > y) != (c[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
			}
		}
	}
	if len(xs) < 2 {
		return orb.Point{}, false
	}
	slices.Sort(xs)
	p := orb.Point{(xs[0] + xs[1]) / 2, y}
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) {
		return orb.Point{}, false
	}
	return p, true
}
