package zonemap_test

import (
	"encoding/json"
	"fmt"
	"math"
)

// Near Loughborough: a degree of latitude is about 111 km there, a degree of
// longitude about 67 km.
const lng0, lat0 = -1.25, 52.75

// square is a closed ring of a square with its south-west corner at (x, y)
// in grid units of 0.01 degrees from (lng0, lat0), size units on a side,
// counter-clockwise.
func square(x, y, size float64) [][]float64 {
	at := func(dx, dy float64) []float64 { return []float64{lng0 + (x+dx)*0.01, lat0 + (y+dy)*0.01} }
	return [][]float64{at(0, 0), at(size, 0), at(size, size), at(0, size), at(0, 0)}
}

type feature struct {
	ID         string         `json:"id,omitempty"`
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   map[string]any `json:"geometry"`
}

func polygonFeature(zone string, rings ...[][]float64) feature {
	return feature{Type: "Feature", Properties: map[string]any{"zone": zone}, Geometry: map[string]any{"type": "Polygon", "coordinates": rings}}
}

func collection(features ...feature) []byte {
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	if err != nil {
		panic(err)
	}
	return b
}

// gridMap draws n × n zones ("z-X-Y") over square cells, each cell's sides
// a wiggly line of perSide points shared exactly with its neighbour, so
// that each polygon has about 4 × perSide corners and the zones tile the
// area with no gap and no overlap. cell is the side in degrees.
func gridMap(n, perSide int, cell float64) []byte {
	corner := func(i, j int) [2]float64 { return [2]float64{lng0 + float64(i)*cell, lat0 + float64(j)*cell} }
	// side returns the points from grid corner (i,j) to (k,l), not
	// including the end, wiggled across the line deterministically.
	side := func(i, j, k, l int) [][]float64 {
		rev := false
		if i > k || j > l { // draw each shared side in one direction
			i, j, k, l, rev = k, l, i, j, true
		}
		a, b := corner(i, j), corner(k, l)
		pts := make([][]float64, 0, perSide+1)
		for s := 0; s <= perSide; s++ {
			t := float64(s) / float64(perSide)
			w := 0.0
			if s > 0 && s < perSide {
				w = 0.08 * cell * math.Sin(t*math.Pi*7+float64(i*31+j*17+k*7+l*3)) * math.Sin(t*math.Pi)
			}
			x, y := a[0]+(b[0]-a[0])*t, a[1]+(b[1]-a[1])*t
			if a[0] == b[0] {
				x += w
			} else {
				y += w
			}
			pts = append(pts, []float64{x, y})
		}
		if rev {
			for l, r := 0, len(pts)-1; l < r; l, r = l+1, r-1 {
				pts[l], pts[r] = pts[r], pts[l]
			}
		}
		return pts[:perSide]
	}
	var fs []feature
	for j := range n {
		for i := range n {
			var ring [][]float64
			ring = append(ring, side(i, j, i+1, j)...)
			ring = append(ring, side(i+1, j, i+1, j+1)...)
			ring = append(ring, side(i+1, j+1, i, j+1)...)
			ring = append(ring, side(i, j+1, i, j)...)
			ring = append(ring, ring[0])
			fs = append(fs, polygonFeature(fmt.Sprintf("z-%d-%d", i, j), ring))
		}
	}
	return collection(fs...)
}
