// Package zonestest is the conformance suite every zones.Locator must pass.
// It decides, with one table of cases, what Locator's documentation says
// in words: which properties a house number or name finds at a postcode,
// that they come in file order, how a property reads back by UPRN, and
// which errors a Locator returns. The in-memory zones.Gazetteer and every
// adapter's Locator run the same cases, so that an applicant finds the
// same addresses whichever one a council deploys.
//
// A Locator's test loads the suite's gazetteer file into its storage:
//
//	func TestLocatorConformance(t *testing.T) {
//		zonestest.RunLocatorTests(t, func(t *testing.T, gazetteerCSV string) zones.Locator {
//			... load gazetteerCSV (zones.GazetteerHeader format) into a fresh store ...
//		})
//	}
package zonestest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// LoadFunc loads a gazetteer file (CSV with zones.GazetteerHeader, every
// row valid) into a fresh Locator. It fails t when it cannot.
type LoadFunc func(t *testing.T, gazetteerCSV string) zones.Locator

// Gazetteer is the file the suite loads. At LE11 3AB it has 12, 12A, 112,
// Rose Cottage, two flats in number 14 and one in its neighbour "The
// Maltings" (number 16); Flat 21 at number 2 (to tell "Flat 2, 12" from
// "Flat 21, 2"); and, in another postcode written in lower case without a
// space, one property outside every zone. LE7 7AA is listed in two runs
// with LE7 7AB between them.
const Gazetteer = zones.GazetteerHeader + `
1001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1002,,,12A,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1003,,,112,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1004,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1005,Flat 1,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1006,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1007,Flat 2,The Maltings,16,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1008,Flat 21,,2,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
2001,,Home Farm,,,Quorn,le128ab,,
3004,,,4,High Street,Anstey,LE7 7AA,anstey-2,Anstey 2
3002,,,2,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
3003,,,3,High Street,Anstey,LE7 7AB,,
3001,,,1,High Street,Anstey,LE7 7AA,anstey-2,Anstey 2
`

// GazetteerWithPositions is a file with the optional latitude,longitude
// columns: one property with a position, one without, one exactly on the
// Greenwich meridian (longitude 0 is a position, not "unknown"), and one
// with a position given to the 1e-7 degrees a gazetteer keeps.
const GazetteerWithPositions = zones.GazetteerHeader + "," + zones.GazetteerPositionColumns + `
5001,,,1,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,52.7721,-1.2062
5002,,,3,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1,,
5003,,,5,Ashby Road,Loughborough,LE11 3AB,,,51.4779,0
5004,,,7,Ashby Road,Loughborough,LE11 3AB,,,52.7721234,-1.2062345
`

// HouseCase is one search at LE11 3AB in Gazetteer and the UPRNs it must
// find, in file order.
type HouseCase struct {
	House string
	Want  []zones.UPRN
}

// HouseCases are the house-matching cases: numbers are kept whole, case,
// spaces and punctuation are ignored, a building's number finds its flats.
var HouseCases = []HouseCase{
	{House: "12", Want: []zones.UPRN{1001}},
	{House: " 12 ", Want: []zones.UPRN{1001}},
	{House: "12A", Want: []zones.UPRN{1002}},
	{House: "12a", Want: []zones.UPRN{1002}},
	{House: "12 a", Want: []zones.UPRN{1002}},
	{House: "112", Want: []zones.UPRN{1003}},
	{House: "1", Want: []zones.UPRN{}},
	{House: "2", Want: []zones.UPRN{1008}},
	{House: "Rose Cottage", Want: []zones.UPRN{1004}},
	{House: "rose  cottage", Want: []zones.UPRN{1004}},
	{House: "ROSE-COTTAGE", Want: []zones.UPRN{1004}},
	{House: "Rose", Want: []zones.UPRN{}},
	{House: "14", Want: []zones.UPRN{1005, 1006}},
	{House: "Flat 2, 14", Want: []zones.UPRN{1006}},
	{House: "flat 2 14", Want: []zones.UPRN{1006}},
	{House: "FLAT2 14", Want: []zones.UPRN{1006}},
	{House: "Flat 2", Want: []zones.UPRN{1006, 1007}},
	{House: "Flat 2, The Maltings", Want: []zones.UPRN{1007}},
	{House: "The Maltings", Want: []zones.UPRN{1007}},
	{House: "The Maltings, 16", Want: []zones.UPRN{1007}},
	{House: "16", Want: []zones.UPRN{1007}},
	{House: "Flat 21, 2", Want: []zones.UPRN{1008}},
	{House: "Flat 2, 12", Want: []zones.UPRN{}},
	{House: "flat 212", Want: []zones.UPRN{}},
	{House: "Flat 1, 12", Want: []zones.UPRN{}},
	{House: "Home Farm", Want: []zones.UPRN{}},
	{House: "", Want: []zones.UPRN{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008}},
	{House: " , ", Want: []zones.UPRN{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008}},
}

// RunLocatorTests runs the suite against Locators that load makes from
// Gazetteer. Each test loads its own.
func RunLocatorTests(t *testing.T, load LoadFunc) {
	tests := []struct {
		name string
		run  func(t *testing.T, l zones.Locator)
	}{
		{"HouseMatching", testHouseMatching},
		{"Fields", testFields},
		{"FileOrderAcrossRuns", testFileOrder},
		{"UnknownPostcode", testUnknownPostcode},
		{"Property", testProperty},
		{"Errors", testErrors},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, load(t, Gazetteer)) })
	}
	t.Run("Positions", func(t *testing.T) { testPositions(t, load(t, GazetteerWithPositions)) })
}

// testPositions: a property's Location is its file's latitude and
// longitude, the zero LatLng when the file gives none, by UPRN and by
// postcode alike.
func testPositions(t *testing.T, l zones.Locator) {
	want := map[zones.UPRN]zones.LatLng{
		5001: {Lat: 52.7721, Lng: -1.2062},
		5002: {},
		5003: {Lat: 51.4779, Lng: 0},
		5004: {Lat: 52.7721234, Lng: -1.2062345},
	}
	for u, ll := range want {
		p, err := l.Property(t.Context(), u)
		require.NoError(t, err)
		require.Equal(t, ll, p.Location, "UPRN %s", u)
	}
	got, err := l.FindProperties(t.Context(), le113ab, "")
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for _, p := range got {
		require.Equal(t, want[p.UPRN], p.Location, "UPRN %s", p.UPRN)
	}
}

// UPRNs lists the UPRNs of properties, in order.
func UPRNs(ps []zones.Property) []zones.UPRN {
	out := make([]zones.UPRN, len(ps))
	for i, p := range ps {
		out[i] = p.UPRN
	}
	return out
}

var le113ab = zones.MustParsePostcode("LE11 3AB")

func testHouseMatching(t *testing.T, l zones.Locator) {
	for _, tc := range HouseCases {
		t.Run(fmt.Sprintf("%q", tc.House), func(t *testing.T) {
			got, err := l.FindProperties(t.Context(), le113ab, tc.House)
			require.NoError(t, err)
			require.NotNil(t, got, "an empty answer is an empty slice, not nil, so that JSON shows []")
			require.Equal(t, tc.Want, UPRNs(got))
			for _, p := range got {
				require.Equal(t, le113ab, p.Postcode)
				require.True(t, zones.MatchHouse(p, tc.House), "MatchHouse agrees")
			}
		})
	}
}

func testFields(t *testing.T, l zones.Locator) {
	ctx := t.Context()
	got, err := l.FindProperties(ctx, le113ab, "flat 2 14")
	require.NoError(t, err)
	require.Equal(t, []zones.Property{{
		UPRN:           1006,
		SubBuilding:    "Flat 2",
		BuildingNumber: "14",
		Street:         "Ashby Road",
		Town:           "Loughborough",
		Postcode:       le113ab,
		Zone:           zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
	}}, got)
	require.Equal(t, "Flat 2, 14 Ashby Road, Loughborough, LE11 3AB", got[0].Address())

	// The file wrote the postcode in lower case without a space; the
	// property has no street and no zone.
	got, err = l.FindProperties(ctx, zones.MustParsePostcode("LE12 8AB"), "home farm")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "Home Farm, Quorn, LE12 8AB", got[0].Address())
	require.False(t, got[0].InZone())
	require.Equal(t, zones.Zone{}, got[0].Zone)
}

func testFileOrder(t *testing.T, l zones.Locator) {
	got, err := l.FindProperties(t.Context(), zones.MustParsePostcode("LE7 7AA"), "")
	require.NoError(t, err)
	require.Equal(t, []zones.UPRN{3004, 3002, 3001}, UPRNs(got), "file order, not UPRN order")
	require.Equal(t, "anstey-2", got[0].Zone.ID)
	require.Equal(t, zones.Zone{ID: "anstey-1", Name: "Anstey 1"}, got[1].Zone)
}

func testUnknownPostcode(t *testing.T, l zones.Locator) {
	got, err := l.FindProperties(t.Context(), zones.MustParsePostcode("LE11 9ZZ"), "12")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
}

func testProperty(t *testing.T, l zones.Locator) {
	ctx := t.Context()
	p, err := l.Property(ctx, 1004)
	require.NoError(t, err)
	require.Equal(t, zones.Property{
		UPRN: 1004, BuildingName: "Rose Cottage", Street: "Ashby Road", Town: "Loughborough", Postcode: le113ab,
		Zone: zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
	}, p)
	p, err = l.Property(ctx, 2001)
	require.NoError(t, err)
	require.Equal(t, "Home Farm, Quorn, LE12 8AB", p.Address())
	require.False(t, p.InZone())

	for _, u := range []zones.UPRN{0, 1, 1000, 1009, 2000, 2002, zones.MaxUPRN} {
		_, err = l.Property(ctx, u)
		require.ErrorIs(t, err, zones.ErrPropertyNotFound)
		require.ErrorContains(t, err, u.String(), "the error names the UPRN asked for (UPRN.String: \"0\" for the zero UPRN)")
	}
}

func testErrors(t *testing.T, l zones.Locator) {
	_, err := l.FindProperties(t.Context(), zones.Postcode{}, "12")
	require.ErrorIs(t, err, zones.ErrInvalidPostcode)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = l.FindProperties(ctx, le113ab, "12")
	require.ErrorIs(t, err, context.Canceled)
	_, err = l.Property(ctx, 1001)
	require.ErrorIs(t, err, context.Canceled)
}
