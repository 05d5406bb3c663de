package zones_test

import (
	"context"
	"errors"
	"fmt"
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

// percentVLocator reports a missing property in its own words, naming
// the UPRN with %v, as a council's own Locator might.
type percentVLocator struct{ zones.Locator }

func (l percentVLocator) Property(ctx context.Context, u zones.UPRN) (zones.Property, error) {
	p, err := l.Locator.Property(ctx, u)
	if errors.Is(err, zones.ErrPropertyNotFound) {
		return zones.Property{}, fmt.Errorf("council gazetteer: no property with UPRN %v: %w", u, zones.ErrPropertyNotFound)
	}
	return p, err
}

// Regression (issue 14): the suite asks for UPRN 0 and wants the error to
// name it, but UPRN(0).String() was "", so a Locator that printed the
// UPRN with %v or %s failed the suite.
func TestLocatorNamingUPRNWithVerbV(t *testing.T) {
	zonestest.RunLocatorTests(t, func(t *testing.T, gazetteerCSV string) zones.Locator {
		return percentVLocator{loadTest(t, gazetteerCSV)}
	})
}
