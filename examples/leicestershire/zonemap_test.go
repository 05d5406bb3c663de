package leicestershire_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
)

// TestZoneMapAgreesWithGazetteer: for every one of the example's
// properties, the polygon its position lies in is the zone its gazetteer
// row lists (none where it lists none).
func TestZoneMapAgreesWithGazetteer(t *testing.T) {
	g, err := leicestershire.Gazetteer()
	require.NoError(t, err)
	m, err := leicestershire.ZoneMap()
	require.NoError(t, err)
	s, err := leicestershire.Scheme()
	require.NoError(t, err)
	require.NotNil(t, s.ZoneMap)
	require.Equal(t, "zones.geojson", s.ZoneMap.File)
	require.Equal(t, s.Rules.Zones, m.Zones())
	for _, z := range s.Rules.Zones {
		require.True(t, m.Drawn(z.ID), "zone %s is drawn", z.ID)
	}

	inZone, checked := 0, 0
	for p := range g.All() {
		require.False(t, p.Location.IsZero(), "%v has a position", p)
		got, err := m.Zone(p)
		require.NoError(t, err)
		if got != p.Zone {
			require.Equal(t, p.Zone, got, "%v at %v", p, p.Location)
		}
		if p.InZone() {
			inZone++
		}
		checked++
	}
	require.Equal(t, g.Len(), checked)
	require.Greater(t, inZone, 10_000)
}
