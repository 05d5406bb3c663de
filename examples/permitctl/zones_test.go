package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// The Leicestershire scheme's loughborough-1 and loughborough-2 drawn as
// two squares side by side.
const twoZones = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"zone": "loughborough-1"}, "geometry": {"type": "Polygon", "coordinates": [[[-1.22, 52.76], [-1.20, 52.76], [-1.20, 52.78], [-1.22, 52.78], [-1.22, 52.76]]]}},
 {"type": "Feature", "properties": {"zone": "loughborough-2"}, "geometry": {"type": "Polygon", "coordinates": [[[-1.20, 52.76], [-1.18, 52.76], [-1.18, 52.78], [-1.20, 52.78], [-1.20, 52.76]]]}}
]}`

func TestZonesCheck(t *testing.T) {
	db := newDB(t)
	mapFile := writeFile(t, "zones.geojson", twoZones)

	r := ctl(t, db, "zones", "check", mapFile)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "2 zones of scheme leicestershire; not drawn: anstey-1, anstey-2, loughborough-3")

	gaz := writeFile(t, "gazetteer.csv", zones.GazetteerHeader+","+zones.GazetteerPositionColumns+`
1,,,1,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,52.77,-1.21
2,,,2,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,52.77,-1.19
3,,,3,Ashby Road,Loughborough,LE11 3AB,loughborough-2,Loughborough 2,52.70,-1.19
4,,,4,Ashby Road,Loughborough,LE11 3AB,,,52.77,-1.19
5,,,5,Ashby Road,Loughborough,LE11 3AB,,,52.70,-1.19
6,,,6,Ashby Road,Loughborough,LE11 3AB,loughborough-2,Loughborough 2,,
7,,,7,Ashby Road,Loughborough,LE11 3AB,,,-1.19,52.70
`)
	r = ctl(t, db, "zones", "check", mapFile, "--gazetteer", gaz)
	require.Equal(t, exitRejected, r.code, r.stdout+r.stderr)
	for _, want := range []string{
		// UPRN 6 has no position: the Leicestershire scheme's zone_map
		// keeps its listed zone (without_position: listed_zone).
		"6 properties, 4 in a zone by the map; 3 agree with the gazetteer's zone column",
		"1 property in another zone than the gazetteer lists:\n  line 3: UPRN 2, 2 Ashby Road, Loughborough, LE11 3AB at 52.77, -1.19: listed in loughborough-1, but the map puts it in loughborough-2",
		"1 property listed in a zone but on no zone of the map:\n  line 4: UPRN 3",
		"1 property listed in no zone but inside one on the map:\n  line 5: UPRN 4",
		"1 row of the gazetteer rejected",
	} {
		require.Contains(t, r.stdout, want)
	}
	require.Contains(t, r.stderr, "line 8: latitude: -1.19, 52.70: latitude and longitude look swapped")

	agreeing := writeFile(t, "agreeing.csv", zones.GazetteerHeader+","+zones.GazetteerPositionColumns+`
1,,,1,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,52.77,-1.21
5,,,5,Ashby Road,Loughborough,LE11 3AB,,,52.70,-1.19
`)
	r = ctl(t, db, "zones", "check", mapFile, "--gazetteer", agreeing)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "every property agrees")

	bad := writeFile(t, "bad.geojson", strings.Replace(twoZones, "[-1.22, 52.76]]]", "[-1.22, 52.765]]]", 1))
	r = ctl(t, db, "zones", "check", bad)
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "is not a usable zone map (1 problem):\n  feature 1 (zone \"loughborough-1\"): the outer ring is not closed")

	r = ctl(t, db, "zones", "draw", mapFile)
	require.Equal(t, exitUsage, r.code)
	require.Contains(t, r.stderr, `unknown subcommand "draw"`)
}

func TestZonesCheckLeicestershire(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole example gazetteer")
	}
	r := ctl(t, newDB(t), "zones", "check", "../leicestershire/zones.geojson", "--gazetteer", "../leicestershire/gazetteer.csv.gz")
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "263,021 properties")
	require.Contains(t, r.stdout, "every property agrees")
}
