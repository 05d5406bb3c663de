package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/osplaces/osplacestest"
)

// The Leicestershire scheme names its zone map: permitd gives properties
// the polygons' zones by default, and --zones none goes back to the
// gazetteer's zone column (the two agree for every example property).
func TestZoneMapByDefault(t *testing.T) {
	db := filepath.Join(t.TempDir(), "permitd.db")
	s := startServer(t, db)
	require.Contains(t, s.out.String(), "zones drawn as polygons")
	require.Contains(t, s.out.String(), "the Leicestershire example's zones.geojson")
	found := addresses(t, s, "LE11 3AB", "12")
	require.Len(t, found, 1)
	require.Equal(t, "loughborough-3", zoneID(found[0]))
	s.stop()

	s = startServer(t, db, "--zones", "none")
	require.NotContains(t, s.out.String(), "zones drawn as polygons")
	require.Equal(t, "loughborough-3", zoneID(addresses(t, s, "LE11 3AB", "12")[0]))
}

// --gazetteer osplaces: addresses from OS Places (here its fake), zones
// from --zones.
func TestOSPlaces(t *testing.T) {
	fake := osplacestest.New("")
	defer fake.Close()
	fake.Add(
		osplacestest.Address("100030000012", "", "", "12", "Ashby Road", "Loughborough", "LE11 3AB", 52.77, -1.21, "RD04"),
		osplacestest.Address("100030000014", "", "", "14", "Ashby Road", "Loughborough", "LE11 3AB", 52.70, -1.21, "RD04"),
		osplacestest.Address("100030000016", "", "", "16", "Ashby Road", "Loughborough", "LE11 3AB", 52.77, -1.21, "CO01GV"),
	)
	zonesFile := filepath.Join(t.TempDir(), "zones.geojson")
	require.NoError(t, os.WriteFile(zonesFile, []byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zone": "loughborough-1"},
	   "geometry": {"type": "Polygon", "coordinates": [[[-1.22, 52.76], [-1.20, 52.76], [-1.20, 52.78], [-1.22, 52.78], [-1.22, 52.76]]]}}]}`), 0o600))
	db := filepath.Join(t.TempDir(), "permitd.db")

	err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", db, "--gazetteer", "osplaces"},
		func(string) string { return "" }, &lockedBuffer{})
	require.ErrorContains(t, err, "--gazetteer osplaces needs PERMITD_OSPLACES_KEY")
	err = run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", db, "--gazetteer", "osplaces", "--zones", "none"},
		func(k string) string { return map[string]string{"PERMITD_OSPLACES_KEY": "k"}[k] }, &lockedBuffer{})
	require.ErrorContains(t, err, "OS Places knows no permit zones")

	s := startServerEnv(t, db, map[string]string{"PERMITD_OSPLACES_KEY": osplacestest.APIKey, "PERMITD_OSPLACES_URL": fake.BaseURL()},
		"--gazetteer", "osplaces", "--zones", zonesFile)
	require.Contains(t, s.out.String(), "properties=\"OS Places\"")
	found := addresses(t, s, "le113ab", "")
	require.Len(t, found, 2, "homes only")
	require.Equal(t, "loughborough-1", zoneID(found[0]))
	require.Nil(t, found[1]["zone"], "14 lies outside the drawn zone")

	acc := s.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": "100030000012"})
	require.Contains(t, acc["address"], "12 Ashby Road")
	require.Equal(t, osplacestest.APIKey, fake.Requests()[0].Header.Get("key"))
}

func addresses(t *testing.T, s *server, postcode, house string) []map[string]any {
	t.Helper()
	r := s.do("GET", "/v1/addresses?postcode="+url.QueryEscape(postcode)+"&house="+url.QueryEscape(house), "", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var found []map[string]any
	require.NoError(t, jsonDecode(r.body, &found))
	return found
}

func zoneID(p map[string]any) string {
	z, _ := p["zone"].(map[string]any)
	id, _ := z["id"].(string)
	return id
}
