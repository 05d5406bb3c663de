package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 14: a scheme whose prices start only in the future loads, and
// permitctl says so (scheme.LoadWith's warnings) instead of staying silent.
func TestSchemeWarningsPrinted(t *testing.T) {
	data, err := os.ReadFile("../leicestershire/scheme.yaml")
	require.NoError(t, err)
	file := string(data)
	for _, typ := range []string{"essential-carer", "disabled-resident"} {
		old := "  - permit_type: " + typ + "\n    from: 2020-04-01\n    until: 2025-03-31\n    price: \"50.00\"\n"
		require.Contains(t, file, old)
		file = strings.Replace(file, old, "", 1)
	}
	file = strings.ReplaceAll(file, "from: 2025-04-01", "from: 2099-04-01")
	schemeFile := writeFile(t, "scheme.yaml", file)
	mapFile := writeFile(t, "zones.geojson", twoZones)

	r := ctl(t, newDB(t), "zones", "check", mapFile, "--scheme", schemeFile)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, typ := range []string{"essential-carer", "disabled-resident"} {
		require.Contains(t, r.stderr, "warning: scheme "+schemeFile+": line ")
		require.Contains(t, r.stderr, typ+" has no price in any zone on ")
		require.Contains(t, r.stderr, "its tariffs start on 2099-04-01")
	}
}
