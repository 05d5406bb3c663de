package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
)

// The synthetic geography. Positions are invented like the addresses: the
// county's postcode districts are laid out as blocks in a grid west of
// and around Leicester, each district's sectors as cells in its block
// (five across, two down), each sector split into a west half (units A to
// G) and an east half (H to Z), each half into one plot per postcode, and
// each plot into one spot per house or building of flats. Every permit
// zone is a sector or a half, so its polygon is drawn around that cell,
// a little inside it, with wavy sides (about 200 corners, like a drawn
// zone), never near a property: the polygons and the gazetteer's zone
// column agree for every property, by construction and checked by tests.
const (
	originLat, originLng = 52.40, -1.60 // the south-west corner of the grid
	districtColumns      = 6
	sectorW, sectorH     = 0.012, 0.02 // degrees of longitude and latitude
	blockW, blockH       = 5*sectorW + 0.006, 2*sectorH + 0.005
	// Spots keep this fraction of a half's width and height clear along
	// each of its sides; zone boundaries lie within zoneInset ± zoneWave
	// of their cell's sides, inside that margin.
	spotMargin = 0.10
	zoneInset  = 0.02
	zoneWave   = 0.015
	sidePoints = 50 // corners drawn on each side of a zone
)

type layout struct {
	district  map[string]int         // a district's block, in order
	halfCount map[string]int         // postcodes in each half, by halfKey
	halfIndex map[zones.Postcode]int // a postcode's plot in its half
}

func halfOf(pc zones.Postcode) int {
	if pc.Unit()[0] <= 'G' {
		return 0
	}
	return 1
}

func halfKey(pc zones.Postcode) string { return pc.Sector() + "/" + strconv.Itoa(halfOf(pc)) }

// newLayout lays out postcodes, which are sorted.
func newLayout(postcodes []zones.Postcode) *layout {
	l := &layout{district: map[string]int{}, halfCount: map[string]int{}, halfIndex: map[zones.Postcode]int{}}
	for _, pc := range postcodes {
		if _, ok := l.district[pc.District()]; !ok {
			l.district[pc.District()] = len(l.district)
		}
		k := halfKey(pc)
		l.halfIndex[pc] = l.halfCount[k]
		l.halfCount[k]++
	}
	return l
}

// sectorCell returns the south-west corner of pc's sector's cell.
func (l *layout) sectorCell(pc zones.Postcode) (lng, lat float64) {
	d := l.district[pc.District()]
	s := pc.Sector()
	digit := int(s[len(s)-1] - '0')
	lng = originLng + float64(d%districtColumns)*blockW + float64(digit%5)*sectorW
	lat = originLat + float64(d/districtColumns)*blockH + float64(digit/5)*sectorH
	return lng, lat
}

// position returns where spot i of n at pc stands.
func (l *layout) position(pc zones.Postcode, i, n int) (lat, lng float64) {
	lng, lat = l.sectorCell(pc)
	lng += float64(halfOf(pc)) * sectorW / 2
	w, h := sectorW/2*(1-2*spotMargin), sectorH*(1-2*spotMargin)
	lng += sectorW / 2 * spotMargin
	lat += sectorH * spotMargin
	// The postcode's plot in its half, then the spot in its plot.
	plots := l.halfCount[halfKey(pc)]
	g := int(math.Ceil(math.Sqrt(float64(plots))))
	q := l.halfIndex[pc]
	w, h = w/float64(g), h/float64(g)
	lng += float64(q%g) * w
	lat += float64(q/g) * h
	gs := int(math.Ceil(math.Sqrt(float64(n))))
	lng += (float64(i%gs) + 0.5) / float64(gs) * w
	lat += (float64(i/gs) + 0.5) / float64(gs) * h
	return lat, lng
}

// coordinate writes a degree to six places (about 10 cm).
func coordinate(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

// rect is a cell: its south-west corner and size, in degrees.
type rect struct{ lng, lat, w, h float64 }

// generateZones writes the zones the postcodes lie in as a GeoJSON
// FeatureCollection (RFC 7946): one feature per zone, a Polygon drawn
// around its cell.
func generateZones(w io.Writer, postcodes []zones.Postcode) error {
	lay := newLayout(postcodes)
	type drawn struct {
		zone  zones.Zone
		halfs map[string]rect // by halfKey
	}
	byID := map[string]*drawn{}
	for _, pc := range postcodes {
		z := zoneOf(pc)
		if z.IsZero() {
			continue
		}
		d := byID[z.ID]
		if d == nil {
			d = &drawn{zone: z, halfs: map[string]rect{}}
			byID[z.ID] = d
		}
		lng, lat := lay.sectorCell(pc)
		d.halfs[halfKey(pc)] = rect{lng + float64(halfOf(pc))*sectorW/2, lat, sectorW / 2, sectorH}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, `{"type": "FeatureCollection", "name": "Leicestershire permit zones (synthetic, drawn by gen/geography.go)", "features": [`)
	for i, id := range ids {
		d := byID[id]
		// A zone is one sector (both halves) or one half of a sector.
		var cells []rect
		keys := make([]string, 0, len(d.halfs))
		for k := range d.halfs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c := d.halfs[k]
			other := strings.TrimSuffix(k, "/0") + "/1"
			if o, ok := d.halfs[other]; ok && strings.HasSuffix(k, "/0") {
				c.w += o.w
			} else if strings.HasSuffix(k, "/1") {
				if _, ok := d.halfs[strings.TrimSuffix(k, "/1")+"/0"]; ok {
					continue // drawn with its west half
				}
			}
			cells = append(cells, c)
		}
		if i > 0 {
			fmt.Fprint(bw, ",")
		}
		fmt.Fprintf(bw, "\n  {\"type\": \"Feature\", \"id\": %q, \"properties\": {\"zone\": %q, \"name\": %q}, \"geometry\": ", id, id, d.zone.Name)
		if len(cells) == 1 {
			fmt.Fprint(bw, `{"type": "Polygon", "coordinates": [`)
			writeRing(bw, wavyRing(cells[0], id))
			fmt.Fprint(bw, "]}}")
			continue
		}
		fmt.Fprint(bw, `{"type": "MultiPolygon", "coordinates": [`)
		for j, c := range cells {
			if j > 0 {
				fmt.Fprint(bw, ", ")
			}
			fmt.Fprint(bw, "[")
			writeRing(bw, wavyRing(c, id+strconv.Itoa(j)))
			fmt.Fprint(bw, "]")
		}
		fmt.Fprint(bw, "]}}")
	}
	fmt.Fprint(bw, "\n]}\n")
	return bw.Flush()
}

func writeRing(w io.Writer, ring [][2]float64) {
	fmt.Fprint(w, "[")
	for i, p := range ring {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "[%s, %s]", coordinate(p[0]), coordinate(p[1]))
	}
	fmt.Fprint(w, "]")
}

// wavyRing draws a closed ring around c, counter-clockwise from its
// south-west corner, zoneInset inside it with waves of zoneWave across
// each side, seeded by name.
func wavyRing(c rect, name string) [][2]float64 {
	r := rand.New(rand.NewPCG(seed(name), 4326))
	x0, y0 := c.lng+c.w*zoneInset, c.lat+c.h*zoneInset
	x1, y1 := c.lng+c.w*(1-zoneInset), c.lat+c.h*(1-zoneInset)
	corners := [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	var ring [][2]float64
	for s := range 4 {
		a, b := corners[s], corners[(s+1)%4]
		waves, phase := 2+r.IntN(5), r.Float64()*2*math.Pi
		for k := range sidePoints {
			t := float64(k) / sidePoints
			x, y := a[0]+(b[0]-a[0])*t, a[1]+(b[1]-a[1])*t
			// Zero at the corners, so that neighbouring sides meet.
			wave := math.Sin(t*math.Pi*float64(waves)+phase) * math.Sin(t*math.Pi)
			if a[1] == b[1] { // an east-west side waves north and south
				y += wave * zoneWave * c.h
			} else {
				x += wave * zoneWave * c.w
			}
			ring = append(ring, [2]float64{x, y})
		}
	}
	ring = append(ring, ring[0])
	// Written to six places, as the file has them.
	for i := range ring {
		for j := range ring[i] {
			ring[i][j] = math.Round(ring[i][j]*1e6) / 1e6
		}
	}
	return ring
}
