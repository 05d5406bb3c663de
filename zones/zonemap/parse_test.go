package zonemap_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

func TestParseRefuses(t *testing.T) {
	good := polygonFeature("a", square(0, 0, 10))
	swap := func(ring [][]float64) [][]float64 {
		out := make([][]float64, len(ring))
		for i, p := range ring {
			out[i] = []float64{p[1], p[0]}
		}
		return out
	}
	withID := func(f feature, id string) feature { f.ID = id; return f }
	withProp := func(f feature, k string, v any) feature {
		props := map[string]any{}
		for key, val := range f.Properties {
			props[key] = val
		}
		props[k] = v
		f.Properties = props
		return f
	}
	open := square(0, 0, 10)[:4]
	open = append(open, []float64{lng0, lat0 + 0.05})
	bowtie := [][]float64{{lng0, lat0}, {lng0 + 0.1, lat0 + 0.1}, {lng0 + 0.1, lat0}, {lng0, lat0 + 0.1}, {lng0, lat0}}
	spike := [][]float64{{lng0, lat0}, {lng0 + 0.1, lat0}, {lng0 + 0.2, lat0}, {lng0 + 0.1, lat0}, {lng0 + 0.1, lat0 + 0.1}, {lng0, lat0}}
	flat := [][]float64{{lng0, lat0}, {lng0 + 0.1, lat0}, {lng0 + 0.2, lat0}, {lng0, lat0}}
	grid := make([][]float64, 5)
	for i, p := range square(0, 0, 10) {
		grid[i] = []float64{437000 + p[0], 310000 + p[1]}
	}

	tests := []struct {
		name string
		data string
		opts *zonemap.Options
		want []string // each a part of one problem, in order
	}{
		{"empty", "", nil, []string{"not GeoJSON: the JSON ends too soon"}},
		{"not JSON", "zone,uprn\n", nil, []string{"not GeoJSON: invalid character"}},
		{"not an object", "[1,2]", nil, []string{"not GeoJSON"}},
		{"no type", `{"features":[]}`, nil, []string{`no "type"`}},
		{"a Feature alone", string(mustJSON(good)), nil, []string{`"type" is "Feature"; a zone map is a GeoJSON FeatureCollection`}},
		{"no features", `{"type":"FeatureCollection","features":[]}`, nil, []string{"no features"}},
		{"British National Grid crs", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},"features":[` + string(mustJSON(good)) + `]}`,
			nil, []string{`"crs" is "urn:ogc:def:crs:EPSG::27700"`}},
		{"feature of wrong type", `{"type":"FeatureCollection","features":[{"type":"Point"}, 5]}`, nil,
			[]string{`feature 1: "type" is "Point"`, "feature 2: not a GeoJSON feature"}},
		{"no geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"zone":"a"},"geometry":null}]}`, nil,
			[]string{`feature 1 (id "7", zone "a"): has no geometry`}},
		{"a line", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"a"},"geometry":{"type":"LineString","coordinates":[[-1.2,52.7],[-1.1,52.7]]}}]}`, nil,
			[]string{`geometry is a "LineString"`}},
		{"coordinates not numbers", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"a"},"geometry":{"type":"Polygon","coordinates":[[["-1.2",52.7]]]}}]}`, nil,
			[]string{"expected a number"}},
		{"no zone", string(collection(withProp(good, "zone", 3), withID(polygonFeature("", square(0, 0, 1)), "x"))), nil,
			[]string{`feature 1: has no "zone"`, `feature 2 (id "x"): has no "zone"`}},
		{"unknown zone", string(collection(polygonFeature("d", square(0, 0, 10)))), &zonemap.Options{Zones: schemeZones},
			[]string{`feature 1 (zone "d"): zone "d" is not one of the scheme's zones (a, b, c)`}},
		{"bad priority", string(collection(withProp(good, "priority", 1.5))), nil, []string{`"priority" is 1.5; give a whole number`}},
		{"open ring", string(collection(withID(polygonFeature("a", open), "north"))), nil,
			[]string{`feature 1 (id "north", zone "a"): the outer ring is not closed: it starts at [-1.25, 52.75] and ends at [-1.25, 52.8]`}},
		{"too few positions", string(collection(polygonFeature("a", square(0, 0, 1)[:3]))), nil, []string{"the outer ring has 3 positions; a ring needs at least 4"}},
		{"a position of one number", string(collection(polygonFeature("a", [][]float64{{-1.2}, {-1.2, 52.7}, {-1.1, 52.7}, {-1.2}}))), nil,
			[]string{"the outer ring position 1 has 1 numbers"}},
		{"latitude and longitude swapped", string(collection(polygonFeature("a", swap(square(0, 0, 10))))), nil,
			[]string{"has [latitude, longitude] positions: GeoJSON (RFC 7946) writes [longitude, latitude]"}},
		{"one position swapped", string(collection(polygonFeature("a", append(append([][]float64{}, square(0, 0, 10)[:2]...), []float64{52.8, -1.15}, []float64{-1.25, 52.8}, []float64{lng0, lat0})))), nil,
			[]string{"position 3 [52.8, -1.15]: latitude and longitude look swapped"}},
		{"grid references", string(collection(polygonFeature("a", grid))), nil, []string{"British National Grid"}},
		{"crossing itself", string(collection(polygonFeature("a", bowtie))), nil, []string{"the outer ring crosses itself: side 1"}},
		{"doubling back", string(collection(polygonFeature("a", spike))), nil, []string{"the outer ring crosses itself: side 1 ([-1.25, 52.75] to [-1.15, 52.75]) meets side 3"}},
		{"all on one line", string(collection(polygonFeature("a", flat))), nil, []string{"the outer ring doubles back on itself at [-1.25, 52.75]"}},
		{"hole outside", string(collection(polygonFeature("a", square(0, 0, 10), square(20, 0, 2)))), nil, []string{"hole 1 lies outside the outer ring"}},
		{"hole crossing", string(collection(polygonFeature("a", square(0, 0, 10), square(8, 2, 4)))), nil, []string{"hole 1 meets the outer ring"}},
		{"multipolygon part", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"a"},"geometry":{"type":"MultiPolygon","coordinates":[` +
			string(mustJSON([][][]float64{square(0, 0, 1)})) + "," + string(mustJSON([][][]float64{bowtie})) + `]}}]}`, nil,
			[]string{"polygon 2: the outer ring crosses itself"}},
		{"zones overlapping", string(collection(withID(polygonFeature("a", square(0, 0, 10)), "west"), polygonFeature("b", square(5, 5, 10)))), nil,
			[]string{`feature 1 (id "west", zone "a"): overlaps feature 2 of zone "b" near`, `both have priority 0`}},
		{"a zone inside another", string(collection(polygonFeature("a", square(0, 0, 10)), polygonFeature("b", square(2, 2, 2)))), nil,
			[]string{`overlaps feature 2 of zone "b"`}},
		{"identical zones", string(collection(polygonFeature("a", square(0, 0, 10)), polygonFeature("b", square(0, 0, 10)))), nil,
			[]string{`overlaps feature 2 of zone "b"`}},
		{"override naming an unknown zone", string(collection(good)), &zonemap.Options{Overrides: map[zones.UPRN]string{12: "b"}},
			[]string{`override for UPRN 12 names zone "b", which the map does not have (a)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := zonemap.Parse([]byte(tt.data), tt.opts)
			require.Nil(t, m)
			require.ErrorIs(t, err, zonemap.ErrInvalidZoneMap)
			var ze *zonemap.Error
			require.ErrorAs(t, err, &ze)
			var got []string
			for _, p := range ze.Problems {
				got = append(got, p.String())
			}
			require.Len(t, got, countProblems(tt.want), "problems: %q", got)
			joined := strings.Join(got, "\n")
			for _, w := range tt.want {
				require.Contains(t, joined, w)
			}
		})
	}
}

// countProblems: "both have priority" continues the problem before it.
func countProblems(want []string) int {
	n := 0
	for _, w := range want {
		if !strings.HasPrefix(w, "both have") {
			n++
		}
	}
	return n
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestErrorMessage(t *testing.T) {
	var fs []feature
	for i := range 12 {
		fs = append(fs, polygonFeature(fmt.Sprintf("z%d", i), square(0, 0, 1)[:3]))
	}
	_, err := zonemap.Parse(collection(fs...), nil)
	require.ErrorContains(t, err, `zonemap: invalid zone map: feature 1 (zone "z0"): the outer ring has 3 positions`)
	require.ErrorContains(t, err, "; and 2 more")
}

func TestParseAcceptsForeignMembersAltitudeAndDuplicatePoints(t *testing.T) {
	ring := square(0, 0, 10)
	ring = append(ring[:1], append([][]float64{ring[0]}, ring[1:]...)...) // a repeated position
	ring[2] = append(ring[2], 120.5)                                      // an altitude
	data := `{"type":"FeatureCollection","name":"zones","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[` +
		`{"type":"Feature","id":"a-1","properties":{"zone":"a","colour":"red"},"geometry":{"type":"Polygon","coordinates":` + string(mustJSON([][][]float64{ring})) + `},"bbox":[1,2,3,4]}]}`
	m, err := zonemap.Parse([]byte(data), nil)
	require.NoError(t, err)
	require.Equal(t, "a", m.ZoneAt(at(5, 5)).ID)
}
