package osplaces_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/osplaces"
	"github.com/carerpermit/carerpermit/adapters/osplaces/osplacestest"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
	"github.com/carerpermit/carerpermit/zones/zonestest"
)

// TestLocatorConformance runs the suite every Locator passes: the suite's
// gazetteer is put into the fake as OS Places would hold it (in capitals,
// as residential DPA records), and since OS Places knows no zones, a zone
// map whose override list gives each property its listed zone stands in
// front, as permitd puts one.
func TestLocatorConformance(t *testing.T) {
	zonestest.RunLocatorTests(t, func(t *testing.T, gazetteerCSV string) zones.Locator {
		fake := osplacestest.New("")
		t.Cleanup(fake.Close)
		overrides := map[zones.UPRN]string{}
		var drawn []zones.Zone
		_, err := zones.ReadGazetteer(strings.NewReader(gazetteerCSV), func(_ int, p zones.Property) error {
			fake.Add(osplacestest.Address(p.UPRN.String(), p.SubBuilding, p.BuildingName, p.BuildingNumber, p.Street, p.Town,
				p.Postcode.String(), p.Location.Lat, p.Location.Lng, "RD04"))
			overrides[p.UPRN] = p.Zone.ID
			if !p.Zone.IsZero() && !containsZone(drawn, p.Zone) {
				drawn = append(drawn, p.Zone)
			}
			return nil
		}, nil)
		require.NoError(t, err)
		l, err := osplaces.New(osplaces.Config{Key: osplacestest.APIKey, BaseURL: fake.BaseURL()}, nil)
		require.NoError(t, err)
		if len(drawn) == 0 {
			return l
		}
		// One small square per zone, far from every property: the
		// overrides decide.
		var b strings.Builder
		b.WriteString(`{"type": "FeatureCollection", "features": [`)
		for i, z := range drawn {
			if i > 0 {
				b.WriteString(",")
			}
			lng := -3.0 + float64(i)*0.01
			b.WriteString(`{"type": "Feature", "properties": {"zone": "` + z.ID + `", "name": "` + z.Name + `"}, "geometry": {"type": "Polygon", "coordinates": [[` +
				pt(lng, 55.0) + "," + pt(lng+0.005, 55.0) + "," + pt(lng+0.005, 55.005) + "," + pt(lng, 55.005) + "," + pt(lng, 55.0) + `]]}}`)
		}
		b.WriteString("]}")
		m, err := zonemap.Parse([]byte(b.String()), &zonemap.Options{Overrides: overrides})
		require.NoError(t, err)
		return zonemap.NewLocator(l, m, nil)
	})
}

func containsZone(zs []zones.Zone, z zones.Zone) bool {
	for _, x := range zs {
		if x == z {
			return true
		}
	}
	return false
}

func pt(lng, lat float64) string {
	return "[" + strconv.FormatFloat(lng, 'f', -1, 64) + ", " + strconv.FormatFloat(lat, 'f', -1, 64) + "]"
}
