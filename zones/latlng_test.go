package zones_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

func TestLatLngCheckUK(t *testing.T) {
	tests := []struct {
		name string
		p    zones.LatLng
		want string // "" when valid; else part of the reason
	}{
		{"Loughborough", zones.LatLng{Lat: 52.7721, Lng: -1.2062}, ""},
		{"Greenwich meridian", zones.LatLng{Lat: 51.4779, Lng: 0}, ""},
		{"Lowestoft, east of it", zones.LatLng{Lat: 52.48, Lng: 1.75}, ""},
		{"Shetland", zones.LatLng{Lat: 60.8, Lng: -0.8}, ""},
		{"Fermanagh", zones.LatLng{Lat: 54.3, Lng: -8.1}, ""},
		{"swapped", zones.LatLng{Lat: -1.2062, Lng: 52.7721}, "look swapped"},
		{"swapped, near Greenwich", zones.LatLng{Lat: 0.1, Lng: 51.5}, "look swapped"},
		{"zero", zones.LatLng{}, "is it missing"},
		{"grid reference", zones.LatLng{Lat: 437292.43, Lng: 115541.95}, "British National Grid"},
		{"Paris", zones.LatLng{Lat: 48.85, Lng: 2.35}, "outside the United Kingdom"},
		{"not a number", zones.LatLng{Lat: math.NaN(), Lng: -1}, "not a number"},
		{"infinite", zones.LatLng{Lat: 52, Lng: math.Inf(-1)}, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.CheckUK()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, zones.ErrInvalidLatLng)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestParseLatLng(t *testing.T) {
	p, err := zones.ParseLatLng("52.7721", "-1.2062")
	require.NoError(t, err)
	require.Equal(t, zones.LatLng{Lat: 52.7721, Lng: -1.2062}, p)
	require.Equal(t, "52.7721, -1.2062", p.String())

	for _, tt := range []struct{ lat, lng, want string }{
		{"north", "-1.2", `latitude "north" is not a decimal number`},
		{"52.7", "", `longitude "" is not a decimal number`},
		{"-1.2", "52.7", "look swapped"},
		{"0", "0", "is it missing"},
	} {
		_, err := zones.ParseLatLng(tt.lat, tt.lng)
		require.ErrorIs(t, err, zones.ErrInvalidLatLng, tt)
		require.ErrorContains(t, err, tt.want)
	}
}

const positionGazetteer = zones.GazetteerHeader + "," + zones.GazetteerPositionColumns + `
1001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,52.7721234,-1.2062
1002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,,
1003,,,16,Ashby Road,Loughborough,LE11 3AB,,,51.4779,0
`

func TestGazetteerPositions(t *testing.T) {
	g := loadTest(t, positionGazetteer)
	ctx := context.Background()
	for _, tt := range []struct {
		uprn zones.UPRN
		want zones.LatLng
	}{
		{1001, zones.LatLng{Lat: 52.7721234, Lng: -1.2062}}, // kept to 1e-7 degrees exactly
		{1002, zones.LatLng{}},
		{1003, zones.LatLng{Lat: 51.4779, Lng: 0}}, // longitude 0 is a position, not "unknown"
	} {
		p, err := g.Property(ctx, tt.uprn)
		require.NoError(t, err)
		require.Equal(t, tt.want, p.Location, tt.uprn)
	}

	// Without the columns, every position is unknown.
	p, err := loadTest(t, testGazetteer).Property(ctx, 1001)
	require.NoError(t, err)
	require.True(t, p.Location.IsZero())

	// The columns may come in any order, like the others.
	reordered := "longitude,latitude," + zones.GazetteerHeader + "\n-1.2062,52.7721,1001,,,12,Ashby Road,Loughborough,LE11 3AB,,\n"
	p, err = loadTest(t, reordered).Property(ctx, 1001)
	require.NoError(t, err)
	require.Equal(t, zones.LatLng{Lat: 52.7721, Lng: -1.2062}, p.Location)
}

func TestLoadGazetteerPositionProblems(t *testing.T) {
	header := zones.GazetteerHeader + "," + zones.GazetteerPositionColumns
	tests := []struct {
		name string
		csv  string
		want []zones.RowProblem
	}{
		{
			name: "latitude without longitude",
			csv:  zones.GazetteerHeader + ",latitude\n",
			want: []zones.RowProblem{{Line: 1, Field: "header", Reason: `column "latitude" is given without "longitude": give both or neither`}},
		},
		{
			name: "longitude without latitude",
			csv:  zones.GazetteerHeader + ",longitude\n",
			want: []zones.RowProblem{{Line: 1, Field: "header", Reason: `column "longitude" is given without "latitude": give both or neither`}},
		},
		{
			name: "bad rows",
			csv: header + `
1,,,1,High Street,Anstey,LE7 7AA,,,52.68,
2,,,2,High Street,Anstey,LE7 7AA,,,,-1.19
3,,,3,High Street,Anstey,LE7 7AA,,,-1.19,52.68
4,,,4,High Street,Anstey,LE7 7AA,,,52.68,west
5,,,5,High Street,Anstey,LE7 7AA,,,458000,310000
6,,,6,High Street,Anstey,LE7 7AA,,
`,
			want: []zones.RowProblem{
				{Line: 2, Field: "longitude", Reason: `empty, but latitude is "52.68": give both or neither`},
				{Line: 3, Field: "latitude", Reason: `empty, but longitude is "-1.19": give both or neither`},
				{Line: 4, Field: "latitude", Reason: "-1.19, 52.68: latitude and longitude look swapped: UK latitudes are 49 to 61 and longitudes -8.7 to 1.8"},
				{Line: 5, Field: "longitude", Reason: `52.68, west: longitude "west" is not a decimal number of degrees`},
				{Line: 6, Field: "latitude", Reason: "458000, 310000: not degrees (British National Grid eastings and northings?); give WGS84 latitude and longitude"},
				{Line: 7, Reason: "has 9 fields; the header has 11"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zones.LoadGazetteer(strings.NewReader(tt.csv))
			var ge *zones.GazetteerError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, tt.want, ge.Problems)
		})
	}
}
