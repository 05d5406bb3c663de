package scheme_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// withZoneMap puts section (a zone_map block) before Strathmore's
// permit_types, which has no zone map of its own.
func withZoneMap(t *testing.T, section string) string {
	t.Helper()
	raw, err := os.ReadFile(strathmoreFile)
	require.NoError(t, err)
	require.Contains(t, string(raw), "\npermit_types:")
	return strings.Replace(string(raw), "\npermit_types:", "\n"+section+"\npermit_types:", 1)
}

func TestSchemeZoneMap(t *testing.T) {
	require.Nil(t, mustLoad(t, strathmoreFile).ZoneMap, "no section, no map")

	s, err := scheme.Load(strings.NewReader(withZoneMap(t, `zone_map:
  file: zones.geojson
  without_position: listed_zone
  overrides:
    - {uprn: "000000001234", zone: none}
    - {uprn: 5678, zone: `+firstZone(t)+`}
`)))
	require.NoError(t, err)
	require.Equal(t, &permit.ZoneMapSource{
		File:                      "zones.geojson",
		Overrides:                 map[zones.UPRN]string{1234: "", 5678: firstZone(t)},
		ListedZoneWithoutPosition: true,
	}, s.ZoneMap)

	s, err = scheme.Load(strings.NewReader(withZoneMap(t, "zone_map:\n  file: zones.geojson\n")))
	require.NoError(t, err)
	require.Equal(t, &permit.ZoneMapSource{File: "zones.geojson"}, s.ZoneMap, "refuse by default, no overrides")

	_, err = scheme.Load(strings.NewReader(withZoneMap(t, `zone_map:
  without_position: guess
  overrides:
    - {uprn: "12x", zone: none}
    - {uprn: 7, zone: atlantis}
    - {uprn: 8, zone: none}
    - {uprn: 8, zone: none}
`)))
	var se *permit.SchemeError
	require.ErrorAs(t, err, &se)
	var got []string
	for _, p := range se.Problems {
		got = append(got, p.Path+": "+p.Reason)
	}
	require.Equal(t, []string{
		"zone_map.file: is required",
		`zone_map.without_position: "guess" is not refuse or listed_zone`,
		`zone_map.overrides[0].uprn: "12x": contains character 'x'; only digits are allowed`,
		`zone_map.overrides[1].zone: unknown zone "atlantis"; give one of the zones above, or none for outside every zone`,
	}, got[:4])
	require.Len(t, got, 5)
	require.Contains(t, got[4], "zone_map.overrides[3].uprn: 8 is also overridden on line")
}

func firstZone(t *testing.T) string {
	t.Helper()
	return mustLoad(t, strathmoreFile).Rules.Zones[0].ID
}
