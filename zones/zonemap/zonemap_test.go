package zonemap_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

var schemeZones = []zones.Zone{{ID: "a", Name: "Zone A"}, {ID: "b", Name: "Zone B"}, {ID: "c", Name: "Zone C"}}

// at is the position (x, y) in grid units of 0.01 degrees, as square uses.
func at(x, y float64) zones.LatLng {
	return zones.LatLng{Lat: lat0 + y*0.01, Lng: lng0 + x*0.01}
}

// testMap: zone a is the square (0,0)-(10,10); zone b its neighbour
// (10,0)-(20,10), sharing a side; zone c a square (30,0)-(40,10) with a
// hole (33,3)-(37,7) and a second polygon (50,0)-(52,2).
func testMap(t *testing.T, opts *zonemap.Options) *zonemap.Map {
	t.Helper()
	hole := square(33, 3, 4)
	for l, r := 0, len(hole)-1; l < r; l, r = l+1, r-1 {
		hole[l], hole[r] = hole[r], hole[l]
	}
	c := feature{Type: "Feature", ID: "c-main", Properties: map[string]any{"zone": "c"}, Geometry: map[string]any{
		"type": "MultiPolygon", "coordinates": [][][][]float64{{square(30, 0, 10), hole}, {square(50, 0, 2)}},
	}}
	m, err := zonemap.Parse(collection(polygonFeature("a", square(0, 0, 10)), polygonFeature("b", square(10, 0, 10)), c), opts)
	require.NoError(t, err)
	return m
}

func TestZoneAt(t *testing.T) {
	m := testMap(t, &zonemap.Options{Zones: schemeZones})
	tests := []struct {
		name string
		p    zones.LatLng
		want string
	}{
		{"inside a", at(5, 5), "a"},
		{"inside b", at(15, 5), "b"},
		{"a's corner", at(0, 0), "a"},
		{"on the side a and b share: a comes first", at(10, 5), "a"},
		{"inside c", at(31, 5), "c"},
		{"in c's hole", at(35, 5), ""},
		{"on the hole's edge: on c's boundary", at(33, 5), "c"},
		{"c's second polygon", at(51, 1), "c"},
		{"between c's polygons", at(45, 1), ""},
		{"north of everything", at(5, 50), ""},
		{"far away", zones.LatLng{Lat: 55.95, Lng: -3.19}, ""},
		{"unknown position", zones.LatLng{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, m.ZoneAt(tt.p).ID)
		})
	}
	require.Equal(t, schemeZones, m.Zones(), "the scheme's zones, with the scheme's names")
	require.True(t, m.Drawn("c"))
}

func TestZonesFromTheFile(t *testing.T) {
	f := polygonFeature("north", square(0, 0, 10))
	f.Properties["name"] = "North"
	m, err := zonemap.Parse(collection(f, polygonFeature("south", square(0, -10, 10))), nil)
	require.NoError(t, err)
	require.Equal(t, []zones.Zone{{ID: "north", Name: "North"}, {ID: "south", Name: "south"}}, m.Zones())
	require.Equal(t, zones.Zone{ID: "south", Name: "south"}, m.ZoneAt(at(5, -5)))
}

func TestPriority(t *testing.T) {
	big := polygonFeature("a", square(0, 0, 10))
	small := polygonFeature("b", square(2, 2, 3))
	small.Properties["priority"] = 1
	m, err := zonemap.Parse(collection(big, small), &zonemap.Options{Zones: schemeZones})
	require.NoError(t, err)
	require.Equal(t, "b", m.ZoneAt(at(3, 3)).ID, "the higher priority wins inside the overlap")
	require.Equal(t, "a", m.ZoneAt(at(8, 8)).ID)

	// Two features of one zone may overlap.
	_, err = zonemap.Parse(collection(big, polygonFeature("a", square(5, 5, 10))), nil)
	require.NoError(t, err)
}

func TestZoneOfProperty(t *testing.T) {
	m := testMap(t, &zonemap.Options{Zones: schemeZones, Overrides: map[zones.UPRN]string{7: "b", 8: ""}})
	p := zones.Property{UPRN: 1, BuildingNumber: "1", Street: "High Street", Town: "Anstey", Postcode: zones.MustParsePostcode("LE7 7AA"), Location: at(5, 5)}
	z, err := m.Zone(p)
	require.NoError(t, err)
	require.Equal(t, "a", z.ID)

	p.UPRN = 7 // overridden to b although it lies in a
	z, err = m.Zone(p)
	require.NoError(t, err)
	require.Equal(t, "b", z.ID)

	p.UPRN = 8 // overridden to no zone
	z, err = m.Zone(p)
	require.NoError(t, err)
	require.True(t, z.IsZero())
	z, ok := m.Overridden(8)
	require.True(t, ok)
	require.True(t, z.IsZero())
	_, ok = m.Overridden(1)
	require.False(t, ok)

	p.UPRN, p.Location = 9, zones.LatLng{}
	_, err = m.Zone(p)
	require.ErrorIs(t, err, zonemap.ErrNoPosition)
	require.ErrorContains(t, err, "UPRN 9, 1 High Street, Anstey, LE7 7AA")

	p.UPRN = 7 // an overridden property needs no position
	z, err = m.Zone(p)
	require.NoError(t, err)
	require.Equal(t, "b", z.ID)
}

func TestLocator(t *testing.T) {
	csv := zones.GazetteerHeader + "," + zones.GazetteerPositionColumns + "\n" +
		"1,,,1,High Street,Anstey,LE7 7AA,b,Zone B," + at(5, 5).String() + "\n" + // listed b, drawn in a
		"2,,,2,High Street,Anstey,LE7 7AA,,," + at(15, 5).String() + "\n" +
		"3,,,3,High Street,Anstey,LE7 7AA,c,Zone C,,\n" // no position
	csv = strings.ReplaceAll(csv, ", ", ",")
	g, err := zones.LoadGazetteer(strings.NewReader(csv))
	require.NoError(t, err)
	m := testMap(t, &zonemap.Options{Zones: schemeZones})
	ctx := context.Background()
	pc := zones.MustParsePostcode("LE7 7AA")

	strict := zonemap.NewLocator(g, m, nil)
	got, err := strict.FindProperties(ctx, pc, "1")
	require.NoError(t, err)
	require.Equal(t, zones.Zone{ID: "a", Name: "Zone A"}, got[0].Zone, "the map, not the listed zone")
	p, err := strict.Property(ctx, 2)
	require.NoError(t, err)
	require.Equal(t, "b", p.Zone.ID)
	_, err = strict.Property(ctx, 3)
	require.ErrorIs(t, err, zonemap.ErrNoPosition)
	_, err = strict.FindProperties(ctx, pc, "")
	require.ErrorIs(t, err, zonemap.ErrNoPosition, "a postcode with a property that cannot be placed")
	_, err = strict.Property(ctx, 4)
	require.ErrorIs(t, err, zones.ErrPropertyNotFound)

	lenient := zonemap.NewLocator(g, m, &zonemap.LocatorOptions{ListedZoneWithoutPosition: true})
	p, err = lenient.Property(ctx, 3)
	require.NoError(t, err)
	require.Equal(t, "c", p.Zone.ID, "the listed zone")
	all, err := lenient.FindProperties(ctx, pc, "")
	require.NoError(t, err)
	require.Len(t, all, 3)
}

// TestLocateAgreesWithOrb checks the map's own point-in-polygon index
// against orb's planar.PolygonContains on random points around wiggly
// polygons with holes.
func TestLocateAgreesWithOrb(t *testing.T) {
	data := gridMap(4, 60, 0.02)
	m, err := zonemap.Parse(data, nil)
	require.NoError(t, err)
	var fc struct {
		Features []struct {
			Properties struct{ Zone string }
			Geometry   struct{ Coordinates [][][]float64 }
		}
	}
	require.NoError(t, json.Unmarshal(data, &fc))
	polys := make([]orb.Polygon, len(fc.Features))
	for i, f := range fc.Features {
		for _, ring := range f.Geometry.Coordinates {
			var rg orb.Ring
			for _, c := range ring {
				rg = append(rg, orb.Point{c[0], c[1]})
			}
			polys[i] = append(polys[i], rg)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		p := orb.Point{lng0 - 0.01 + r.Float64()*0.1, lat0 - 0.01 + r.Float64()*0.1}
		want := ""
		for i, poly := range polys {
			if planar.PolygonContains(poly, p) {
				want = fc.Features[i].Properties.Zone
				break
			}
		}
		require.Equal(t, want, m.ZoneAt(zones.LatLng{Lat: p[1], Lng: p[0]}).ID, "at %v", p)
	}
}
