package zones_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonestest"
)

func TestGazetteerLocatorConformance(t *testing.T) {
	zonestest.RunLocatorTests(t, func(t *testing.T, gazetteerCSV string) zones.Locator {
		return loadTest(t, gazetteerCSV)
	})
}

// TestMatchHouse checks MatchHouse property by property against the
// suite's cases: a property matches exactly when the case finds it.
func TestMatchHouse(t *testing.T) {
	var atLE113AB []zones.Property
	_, err := zones.ReadGazetteer(strings.NewReader(zonestest.Gazetteer), func(_ int, p zones.Property) error {
		if p.Postcode == zones.MustParsePostcode("LE11 3AB") {
			atLE113AB = append(atLE113AB, p)
		}
		return nil
	}, nil)
	require.NoError(t, err)
	require.Len(t, atLE113AB, 8)
	for _, tc := range zonestest.HouseCases {
		for _, p := range atLE113AB {
			require.Equal(t, slices.Contains(tc.Want, p.UPRN), zones.MatchHouse(p, tc.House), "house %q, property %s", tc.House, p)
		}
	}
}

func BenchmarkMatchHouse(b *testing.B) {
	p := zones.Property{UPRN: 1, SubBuilding: "Flat 2", BuildingName: "The Maltings", BuildingNumber: "16", Postcode: zones.MustParsePostcode("LE11 3AB")}
	for b.Loop() {
		if !zones.MatchHouse(p, "Flat 2, The Maltings") {
			b.Fatal("no match")
		}
	}
}
