package zonemap_test

import (
	"testing"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

// FuzzParse: no input makes Parse panic, and a map it accepts answers
// ZoneAt for any point without panicking.
func FuzzParse(f *testing.F) {
	f.Add(collection(polygonFeature("a", square(0, 0, 10)), polygonFeature("b", square(10, 0, 10))))
	f.Add(gridMap(2, 5, 0.02))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"a","priority":2},"geometry":{"type":"MultiPolygon","coordinates":[[[[-1.2,52.7],[-1.1,52.7],[-1.1,52.8],[-1.2,52.7]]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"a"},"geometry":{"type":"Polygon","coordinates":[[[52.7,-1.2],[52.7,-1.1],[52.8,-1.1],[52.7,-1.2]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null,{},{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}]}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := zonemap.Parse(data, &zonemap.Options{Overrides: map[zones.UPRN]string{1: ""}})
		if err != nil {
			if m != nil {
				t.Fatal("a map and an error")
			}
			_ = err.Error()
			return
		}
		for _, p := range []zones.LatLng{{Lat: 52.75, Lng: -1.25}, {Lat: 52.8, Lng: -1.1}, {Lat: 60, Lng: 1}, {}} {
			_ = m.ZoneAt(p)
		}
		if len(m.Zones()) == 0 {
			t.Fatal("a map with no zones")
		}
	})
}
