package zones_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// testGazetteer has, at LE11 3AB: 12, 12A, 112, Rose Cottage, two flats in
// number 14 and one in Rose Cottage's neighbour "The Maltings"; Flat 21 at
// number 2 (to tell "Flat 2, 12" from "Flat 21, 2"); and one property in
// another postcode, outside every zone.
const testGazetteer = zones.GazetteerHeader + `
1001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1002,,,12A,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1003,,,112,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1004,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1005,Flat 1,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1006,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1007,Flat 2,The Maltings,16,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
1008,Flat 21,,2,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
2001,,Home Farm,,,Quorn,le128ab,,
`

func loadTest(t testing.TB, csv string) *zones.Gazetteer {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(csv))
	require.NoError(t, err)
	return g
}

func uprnsOf(ps []zones.Property) []zones.UPRN {
	out := make([]zones.UPRN, len(ps))
	for i, p := range ps {
		out[i] = p.UPRN
	}
	return out
}

// House matching is checked by the Locator conformance suite
// (zones/zonestest, run in locator_conformance_test.go), which every
// Locator, this one included, must pass.

func TestGazetteerFindPropertiesFields(t *testing.T) {
	g := loadTest(t, testGazetteer)
	ctx := context.Background()

	got, err := g.FindProperties(ctx, zones.MustParsePostcode("LE11 3AB"), "flat 2 14")
	require.NoError(t, err)
	require.Equal(t, []zones.Property{{
		UPRN:           1006,
		SubBuilding:    "Flat 2",
		BuildingNumber: "14",
		Street:         "Ashby Road",
		Town:           "Loughborough",
		Postcode:       zones.MustParsePostcode("LE11 3AB"),
		Zone:           zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
	}}, got)
	require.Equal(t, "Flat 2, 14 Ashby Road, Loughborough, LE11 3AB", got[0].Address())

	// The file wrote the postcode in lower case without a space.
	got, err = g.FindProperties(ctx, zones.MustParsePostcode("LE12 8AB"), "home farm")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "Home Farm, Quorn, LE12 8AB", got[0].Address())
	require.False(t, got[0].InZone())
}

func TestGazetteerFindPropertiesUnknownPostcode(t *testing.T) {
	g := loadTest(t, testGazetteer)
	got, err := g.FindProperties(context.Background(), zones.MustParsePostcode("LE11 9ZZ"), "12")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
}

func TestGazetteerFindPropertiesErrors(t *testing.T) {
	g := loadTest(t, testGazetteer)
	_, err := g.FindProperties(context.Background(), zones.Postcode{}, "12")
	require.ErrorIs(t, err, zones.ErrInvalidPostcode)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.FindProperties(ctx, zones.MustParsePostcode("LE11 3AB"), "12")
	require.ErrorIs(t, err, context.Canceled)
	_, err = g.Property(ctx, 1001)
	require.ErrorIs(t, err, context.Canceled)
}

func TestGazetteerProperty(t *testing.T) {
	g := loadTest(t, testGazetteer)
	ctx := context.Background()
	p, err := g.Property(ctx, 1004)
	require.NoError(t, err)
	require.Equal(t, "Rose Cottage, Ashby Road, Loughborough, LE11 3AB", p.Address())

	for _, u := range []zones.UPRN{0, 1, 1000, 1009, 2000, 2002, zones.MaxUPRN} {
		_, err = g.Property(ctx, u)
		require.ErrorIs(t, err, zones.ErrPropertyNotFound)
		require.ErrorContains(t, err, fmt.Sprint(uint64(u)))
	}
}

func TestGazetteerZonesLenAll(t *testing.T) {
	g := loadTest(t, zones.GazetteerHeader+`
1,,,1,High Street,Anstey,LE7 7AA,anstey-2,Anstey 2
2,,,2,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
3,,,3,High Street,Anstey,LE7 7AB,,
4,,,4,High Street,Anstey,LE7 7AA,anstey-2,Anstey 2
`)
	require.Equal(t, 4, g.Len())
	require.Equal(t, []zones.Zone{{ID: "anstey-1", Name: "Anstey 1"}, {ID: "anstey-2", Name: "Anstey 2"}}, g.Zones())

	// Zones hands out a copy.
	g.Zones()[0].Name = "changed"
	require.Equal(t, "Anstey 1", g.Zones()[0].Name)

	var all []zones.UPRN
	for p := range g.All() {
		all = append(all, p.UPRN)
		if p.UPRN == 3 {
			require.False(t, p.InZone())
		}
	}
	slices.Sort(all)
	require.Equal(t, []zones.UPRN{1, 2, 3, 4}, all)

	// Properties keep their zones although zones are renumbered by ID.
	p, err := g.Property(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "anstey-2", p.Zone.ID)
	p, err = g.Property(context.Background(), 2)
	require.NoError(t, err)
	require.Equal(t, "anstey-1", p.Zone.ID)

	// A postcode listed in two runs still finds all its properties, in
	// file order.
	got, err := g.FindProperties(context.Background(), zones.MustParsePostcode("LE7 7AA"), "")
	require.NoError(t, err)
	require.Equal(t, []zones.UPRN{1, 2, 4}, uprnsOf(got))

	// Stopping early is honoured.
	n := 0
	for range g.All() {
		n++
		break
	}
	require.Equal(t, 1, n)
}

func TestLoadGazetteerHeaderOnlyAndColumnOrder(t *testing.T) {
	g := loadTest(t, zones.GazetteerHeader+"\n")
	require.Zero(t, g.Len())
	require.Empty(t, g.Zones())

	// Columns in another order, in upper case, with a byte order mark and
	// spaces, as a spreadsheet may write them; CRLF line ends.
	g = loadTest(t, "\uFEFFTown, Postcode ,UPRN,building_number,street,sub_building,building_name,zone_name,zone_id\r\n"+
		"Loughborough,LE11 3AB,77,\"5\",\"Ashby Road\",,,Loughborough 1,loughborough-1\r\n")
	p, err := g.Property(context.Background(), 77)
	require.NoError(t, err)
	require.Equal(t, "5 Ashby Road, Loughborough, LE11 3AB", p.Address())
	require.Equal(t, "loughborough-1", p.Zone.ID)

	// A byte order mark before a quoted column name.
	g = loadTest(t, "\uFEFF\"uprn\",sub_building,building_name,building_number,street,town,postcode,zone_id,zone_name\n"+
		"78,,,6,Ashby Road,Loughborough,LE11 3AB,,\n")
	require.Equal(t, 1, g.Len())
}

// postcodeReason is why ParsePostcode rejects s: the gazetteer reports it
// as it is.
func postcodeReason(s string) string {
	_, err := zones.ParsePostcode(s)
	var pe *zones.PostcodeError
	if !errors.As(err, &pe) {
		panic(fmt.Sprintf("ParsePostcode(%q) gave %v, not a *PostcodeError", s, err))
	}
	return pe.Reason
}

func TestLoadGazetteerProblems(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []zones.RowProblem
	}{
		{
			name: "empty file",
			csv:  "",
			want: []zones.RowProblem{{Line: 1, Field: "header", Reason: "missing: the file is empty; the first line must be " + zones.GazetteerHeader}},
		},
		{
			name: "header problems",
			csv:  "uprn,uprn,street,town,postcode,zone_id,zone_name,colour\n",
			want: []zones.RowProblem{
				{Line: 1, Field: "header", Reason: `column "uprn" appears twice`},
				{Line: 1, Field: "header", Reason: `unknown column "colour"; the columns are ` + zones.GazetteerHeader},
				{Line: 1, Field: "header", Reason: `column "sub_building" is missing; the columns are ` + zones.GazetteerHeader},
				{Line: 1, Field: "header", Reason: `column "building_name" is missing; the columns are ` + zones.GazetteerHeader},
				{Line: 1, Field: "header", Reason: `column "building_number" is missing; the columns are ` + zones.GazetteerHeader},
			},
		},
		{
			name: "bad rows",
			csv: zones.GazetteerHeader + `
1,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
x1,,,2,High Street,Anstey,LE7 7AA,,
3,,,3,High Street,Anstey,LE7 7A,,
4,,,,High Street,Anstey,LE7 7AA,,
5,,,Rose Cottage,High Street,Anstey,LE7 7AA,,
6,,,6,High Street,,LE7 7AA,,
7,,,7,High Street,Anstey,LE7 7AA,anstey-1,
8,,,8,High Street,Anstey,LE7 7AA,,Anstey 1
9,,,9,High Street,Anstey,LE7 7AA,anstey-1,Anstey One
10,,,10,High Street,Anstey,LE7 7AA
11,,,"11
A",High Street,Anstey,LE7 7AA,,
12,,,12,High Street,Anstey,LE7 7AA,,
13,,,13,High Street,Anstey,LE7 7AA,,
0,,,,,,,,
1,,,14,High Street,Anstey,LE7 7AA,,
13,,,15,High Street,Anstey,,,
1,,,16,High Street,Anstey,LE7 7AA,,
`,
			want: []zones.RowProblem{
				{Line: 3, Field: "uprn", Reason: `"x1": contains character 'x'; only digits are allowed`},
				{Line: 4, Field: "postcode", Reason: `"LE7 7A": ` + postcodeReason("LE7 7A")},
				{Line: 5, Field: "building_number", Reason: "empty, and so is building_name: a property needs a number, a name or both"},
				{Line: 6, Field: "building_number", Reason: `"Rose Cottage" does not start with a digit; house names go in building_name`},
				{Line: 7, Field: "town", Reason: "empty"},
				{Line: 8, Field: "zone_name", Reason: `empty, but zone_id is "anstey-1": give both or neither`},
				{Line: 9, Field: "zone_id", Reason: `empty, but zone_name is "Anstey 1": give both or neither`},
				{Line: 10, Field: "zone_name", Reason: `"Anstey One" differs from "Anstey 1", the name of zone "anstey-1" on line 2`},
				{Line: 11, Reason: "has 7 fields; the header has 9"},
				{Line: 12, Field: "building_number", Reason: `"11\nA" contains a control character`},
				{Line: 16, Field: "uprn", Reason: `"0": zero is not a UPRN`},
				{Line: 17, Field: "uprn", Reason: "1 is also on line 2; a UPRN identifies one property"},
				{Line: 18, Field: "postcode", Reason: `"": ` + postcodeReason("")},
				{Line: 18, Field: "uprn", Reason: "13 is also on line 15; a UPRN identifies one property"},
				{Line: 19, Field: "uprn", Reason: "1 is also on line 2; a UPRN identifies one property"},
			},
		},
		{
			name: "invalid UTF-8 and a bare quote",
			csv:  zones.GazetteerHeader + "\n1,,,1,High \xffStreet,Anstey,LE7 7AA,,\n2,,,2,High \"Street,Anstey,LE7 7AA,,\n3,,,3,High Street,Anstey,LE7 7AA,,\n",
			want: []zones.RowProblem{
				{Line: 2, Field: "street", Reason: `"High \xffStreet" is not valid UTF-8`},
				{Line: 3, Reason: `bare " in non-quoted-field`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := zones.LoadGazetteer(strings.NewReader(tt.csv))
			require.Nil(t, g)
			require.ErrorIs(t, err, zones.ErrInvalidGazetteer)
			var ge *zones.GazetteerError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, tt.want, ge.Problems)
			require.ErrorContains(t, err, tt.want[0].String())
		})
	}
}

func TestGazetteerErrorMessage(t *testing.T) {
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i := range 25 {
		fmt.Fprintf(&b, "%d,,,%d,High Street,Anstey,NOT A POSTCODE,,\n", i+1, i+1)
	}
	_, err := zones.LoadGazetteer(strings.NewReader(b.String()))
	var ge *zones.GazetteerError
	require.ErrorAs(t, err, &ge)
	require.Len(t, ge.Problems, 25, "every problem is kept")
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, "zones: invalid gazetteer: 25 problems: line 2: postcode: "), msg)
	require.Contains(t, msg, "line 11: postcode")
	require.NotContains(t, msg, "line 12:", "the message lists only the first ten")
	require.True(t, strings.HasSuffix(msg, "; and 15 more"), msg)

	one := &zones.GazetteerError{Problems: []zones.RowProblem{{Line: 3, Field: "town", Reason: "empty"}}}
	require.Equal(t, "zones: invalid gazetteer: 1 problem: line 3: town: empty", one.Error())
}

func TestLoadGazetteerReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(zones.GazetteerHeader+"\n1,,,1,High Street,Anstey,LE7 7AA,,\n"), iotest.ErrReader(boom))
	_, err := zones.LoadGazetteer(r)
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, zones.ErrInvalidGazetteer)
}

// FuzzLoadGazetteer checks that any input either loads or fails with a
// *GazetteerError, never panics, and that whatever loads can be found again
// by UPRN, by postcode, and by its own number or name.
func FuzzLoadGazetteer(f *testing.F) {
	f.Add([]byte(testGazetteer))
	f.Add([]byte(zones.GazetteerHeader + "\n1,Flat 1,,12-14,A,B,LE7 7AA,z,Z\n2,Flat 1,,12-14,A,B,le77aa,z,Z\n"))
	f.Add([]byte(zones.GazetteerHeader + "\n1,,\"Ü, ß\",,,T,LE7 7AA,,\n"))
	f.Add([]byte("uprn\n1\n"))
	f.Add([]byte(""))
	f.Add([]byte("\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := zones.LoadGazetteer(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, g)
			var ge *zones.GazetteerError
			require.ErrorAs(t, err, &ge)
			require.NotEmpty(t, ge.Problems)
			for _, p := range ge.Problems {
				require.Positive(t, p.Line)
				require.NotEmpty(t, p.Reason)
			}
			return
		}
		ctx := context.Background()
		n := 0
		zoneIDs := map[string]bool{}
		for _, z := range g.Zones() {
			zoneIDs[z.ID] = true
		}
		for p := range g.All() {
			n++
			require.False(t, p.UPRN.IsZero())
			require.False(t, p.Postcode.IsZero())
			require.True(t, p.BuildingNumber != "" || p.BuildingName != "")
			if p.InZone() {
				require.True(t, zoneIDs[p.Zone.ID])
			}
			byUPRN, err := g.Property(ctx, p.UPRN)
			require.NoError(t, err)
			require.Equal(t, p, byUPRN)

			houses := []string{"", p.BuildingNumber, p.BuildingName}
			if p.SubBuilding != "" {
				houses = append(houses, p.SubBuilding+" "+p.BuildingNumber, p.SubBuilding+", "+p.BuildingName)
			}
			for _, house := range houses {
				found, err := g.FindProperties(ctx, p.Postcode, house)
				require.NoError(t, err)
				require.Contains(t, found, p, "house %q", house)
			}
		}
		require.Equal(t, g.Len(), n)
	})
}
