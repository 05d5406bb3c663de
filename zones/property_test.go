package zones_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

func TestParseUPRN(t *testing.T) {
	tests := []struct {
		in      string
		want    zones.UPRN
		wantErr string // part of the error message; "" for success
	}{
		{in: "1", want: 1},
		{in: "100030123456", want: 100030123456},
		{in: "999999999999", want: zones.MaxUPRN},
		{in: "000000000042", want: 42},
		{in: "", wantErr: `"": empty`},
		{in: "0", wantErr: "zero is not a UPRN"},
		{in: "000000000000", wantErr: "zero is not a UPRN"},
		{in: "1000000000000", wantErr: "at most 12 digits"},
		{in: "99999999999999999999999", wantErr: "at most 12 digits"},
		{in: " 123", wantErr: `character ' '`},
		{in: "123 ", wantErr: `character ' '`},
		{in: "-123", wantErr: `character '-'`},
		{in: "+123", wantErr: `character '+'`},
		{in: "12a4", wantErr: `"12a4": contains character 'a'`},
		{in: "1_000", wantErr: `character '_'`},
		{in: "１２", wantErr: `character '１'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := zones.ParseUPRN(tt.in)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, zones.ErrInvalidUPRN)
				require.ErrorContains(t, err, tt.wantErr)
				var ue *zones.UPRNError
				require.ErrorAs(t, err, &ue)
				require.Equal(t, tt.in, ue.Input)
				require.Zero(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, strconv.FormatUint(uint64(tt.want), 10), got.String())
		})
	}
}

func TestUPRNText(t *testing.T) {
	type doc struct {
		UPRN zones.UPRN `json:"uprn"`
	}
	b, err := json.Marshal(doc{UPRN: 100030123456})
	require.NoError(t, err)
	require.JSONEq(t, `{"uprn":"100030123456"}`, string(b))

	var d doc
	require.NoError(t, json.Unmarshal([]byte(`{"uprn":"000100030123"}`), &d))
	require.Equal(t, zones.UPRN(100030123), d.UPRN)

	// The zero UPRN round-trips as empty text, though it prints as "0"
	// (regression, issue 14: String gave "" and %v printed nothing).
	require.Equal(t, "0", zones.UPRN(0).String())
	require.Equal(t, "0", fmt.Sprint(zones.UPRN(0)))
	text, err := zones.UPRN(0).MarshalText()
	require.NoError(t, err)
	require.Empty(t, text)
	b, err = json.Marshal(doc{})
	require.NoError(t, err)
	require.JSONEq(t, `{"uprn":""}`, string(b))
	d = doc{UPRN: 7}
	require.NoError(t, json.Unmarshal([]byte(`{"uprn":""}`), &d))
	require.True(t, d.UPRN.IsZero())

	err = json.Unmarshal([]byte(`{"uprn":"12x"}`), &d)
	require.ErrorIs(t, err, zones.ErrInvalidUPRN)
	err = json.Unmarshal([]byte(`{"uprn":12}`), &d)
	require.Error(t, err, "a JSON number is not accepted: UPRNs travel as strings")

	_, err = zones.UPRN(zones.MaxUPRN + 1).MarshalText()
	require.ErrorIs(t, err, zones.ErrInvalidUPRN)
}

func TestMustParseUPRN(t *testing.T) {
	require.Equal(t, zones.UPRN(12), zones.MustParseUPRN("12"))
	require.Panics(t, func() { zones.MustParseUPRN("x") })
}

func TestPropertyAddress(t *testing.T) {
	pc := zones.MustParsePostcode("le113ab")
	tests := []struct {
		name string
		p    zones.Property
		want string
	}{
		{
			name: "flat in a numbered building",
			p:    zones.Property{SubBuilding: "Flat 2", BuildingNumber: "12", Street: "Ashby Road", Town: "Loughborough", Postcode: pc},
			want: "Flat 2, 12 Ashby Road, Loughborough, LE11 3AB",
		},
		{
			name: "named house",
			p:    zones.Property{BuildingName: "Rose Cottage", Street: "Ashby Road", Town: "Loughborough", Postcode: pc},
			want: "Rose Cottage, Ashby Road, Loughborough, LE11 3AB",
		},
		{
			name: "name and number",
			p:    zones.Property{BuildingName: "Rose Cottage", BuildingNumber: "12A", Street: "Ashby Road", Town: "Loughborough", Postcode: pc},
			want: "Rose Cottage, 12A Ashby Road, Loughborough, LE11 3AB",
		},
		{
			name: "no street",
			p:    zones.Property{BuildingName: "Home Farm", Town: "Loughborough", Postcode: pc},
			want: "Home Farm, Loughborough, LE11 3AB",
		},
		{
			name: "number without street",
			p:    zones.Property{BuildingNumber: "3", Town: "Loughborough"},
			want: "3, Loughborough",
		},
		{name: "zero", p: zones.Property{}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.p.Address())
		})
	}
}

func TestPropertyInZone(t *testing.T) {
	p := zones.Property{UPRN: 1, BuildingNumber: "1", Town: "Anstey"}
	require.False(t, p.InZone())
	require.Equal(t, "outside every permit zone", p.Zone.String())
	p.Zone = zones.Zone{ID: "anstey-1", Name: "Anstey 1"}
	require.True(t, p.InZone())
	require.False(t, p.Zone.IsZero())
	require.Equal(t, "Anstey 1", p.Zone.String())
	require.Equal(t, "UPRN 1, 1, Anstey", p.String())
}

func FuzzParseUPRN(f *testing.F) {
	for _, s := range []string{"1", "100030123456", "0", "", "1000000000000", "12a", "007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := zones.ParseUPRN(s)
		if err != nil {
			require.ErrorIs(t, err, zones.ErrInvalidUPRN)
			require.Zero(t, u)
			return
		}
		require.False(t, u.IsZero())
		require.LessOrEqual(t, u, zones.MaxUPRN)
		// The canonical form parses back to the same UPRN.
		again, err := zones.ParseUPRN(u.String())
		require.NoError(t, err)
		require.Equal(t, u, again)
		text, err := u.MarshalText()
		require.NoError(t, err)
		require.Equal(t, u.String(), string(text))
	})
}

func TestHouseMatcherAgreesWithMatchHouse(t *testing.T) {
	props := []zones.Property{
		{BuildingNumber: "12"}, {BuildingNumber: "12A"}, {BuildingName: "Rose Cottage"},
		{SubBuilding: "Flat 2", BuildingNumber: "14"}, {SubBuilding: "Flat 21", BuildingNumber: "2"},
		{SubBuilding: "Flat 2", BuildingName: "The Maltings", BuildingNumber: "16"},
	}
	for _, house := range []string{"", "12", "12a", "12 A", "rose cottage", "Flat 2", "flat 2, 14", "Flat 21, 2", "2", "the maltings", "16", "x"} {
		m := zones.NewHouseMatcher(house)
		for _, p := range props {
			require.Equal(t, zones.MatchHouse(p, house), m.Matches(zones.HouseKeysOf(p)), "%q against %+v", house, p)
		}
	}
}
