package zonemap_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

func ExampleParse() {
	// Two zones side by side in Loughborough, as a council's GIS exports
	// them: [longitude, latitude], each ring closed.
	const geojson = `{"type": "FeatureCollection", "features": [
	  {"type": "Feature", "id": "lb1", "properties": {"zone": "loughborough-1"},
	   "geometry": {"type": "Polygon", "coordinates": [[[-1.22, 52.76], [-1.20, 52.76], [-1.20, 52.78], [-1.22, 52.78], [-1.22, 52.76]]]}},
	  {"type": "Feature", "id": "lb2", "properties": {"zone": "loughborough-2"},
	   "geometry": {"type": "Polygon", "coordinates": [[[-1.20, 52.76], [-1.18, 52.76], [-1.18, 52.78], [-1.20, 52.78], [-1.20, 52.76]]]}}
	]}`
	m, err := zonemap.Parse([]byte(geojson), &zonemap.Options{
		Zones: []zones.Zone{{ID: "loughborough-1", Name: "Loughborough 1"}, {ID: "loughborough-2", Name: "Loughborough 2"}},
		// A house on the boundary road that the council puts in zone 2.
		Overrides: map[zones.UPRN]string{100030000001: "loughborough-2"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.ZoneAt(zones.LatLng{Lat: 52.77, Lng: -1.21}))
	fmt.Println(m.ZoneAt(zones.LatLng{Lat: 52.77, Lng: -1.19}))
	fmt.Println(m.ZoneAt(zones.LatLng{Lat: 52.70, Lng: -1.19}))
	z, _ := m.Zone(zones.Property{UPRN: 100030000001, Location: zones.LatLng{Lat: 52.77, Lng: -1.2}})
	fmt.Println(z)

	// The same file with latitude and longitude the wrong way round.
	swapped := strings.NewReplacer("[-1.22, 52.76]", "[52.76, -1.22]").Replace(geojson)
	_, err = zonemap.Parse([]byte(swapped), nil)
	fmt.Println(errors.Is(err, zonemap.ErrInvalidZoneMap))
	fmt.Println(err)
	// Output:
	// Loughborough 1
	// Loughborough 2
	// outside every permit zone
	// Loughborough 2
	// true
	// zonemap: invalid zone map: feature 1 (id "lb1", zone "loughborough-1"): the outer ring position 1 [52.76, -1.22]: latitude and longitude look swapped: UK latitudes are 49 to 61 and longitudes -8.7 to 1.8
}

func ExampleNewLocator() {
	gazetteer, _ := zones.LoadGazetteer(strings.NewReader(zones.GazetteerHeader + "," + zones.GazetteerPositionColumns + `
1,,,1,Ashby Road,Loughborough,LE11 3AB,,,52.77,-1.21
2,,,3,Ashby Road,Loughborough,LE11 3AB,,,,
`))
	m, _ := zonemap.Parse([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zone": "loughborough-1", "name": "Loughborough 1"},
	   "geometry": {"type": "Polygon", "coordinates": [[[-1.22, 52.76], [-1.20, 52.76], [-1.20, 52.78], [-1.22, 52.78], [-1.22, 52.76]]]}}]}`), nil)
	locator := zonemap.NewLocator(gazetteer, m, nil)
	p, _ := locator.Property(context.Background(), 1)
	fmt.Println(p.Zone)
	_, err := locator.Property(context.Background(), 2)
	fmt.Println(err)
	// Output:
	// Loughborough 1
	// zonemap: UPRN 2, 3 Ashby Road, Loughborough, LE11 3AB: the property has no position to find its zone by
}
