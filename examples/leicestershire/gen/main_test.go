package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

// smallInput mixes the ONS fixed-width form, other spellings, a duplicate,
// other areas and a non-geographic LE district.
const smallInput = `LE113AB
LE7 7AB
le19 2hq
LE113AA
LE2 4AA
LE2 5AA
LE1 1AA
LE21 1AA
LE113AB
NG1 1AA
LE181AA
LE184AA
LE183AA
LE165AA
`

func generateCSV(t *testing.T, input string) []byte {
	t.Helper()
	postcodes, err := readPostcodes(strings.NewReader(input), "LE")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, generate(&b, postcodes))
	return b.Bytes()
}

func TestGenerateIsDeterministic(t *testing.T) {
	first := generateCSV(t, smallInput)
	require.Equal(t, first, generateCSV(t, smallInput))

	// The input's order does not matter.
	lines := strings.Split(strings.TrimSpace(smallInput), "\n")
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	require.Equal(t, first, generateCSV(t, strings.Join(lines, "\n")))

	// Nor does the gzip step add anything that changes from run to run.
	postcodes, err := readPostcodes(strings.NewReader(smallInput), "LE")
	require.NoError(t, err)
	var a, b bytes.Buffer
	require.NoError(t, writeGzipped(&a, postcodes))
	require.NoError(t, writeGzipped(&b, postcodes))
	require.Equal(t, a.Bytes(), b.Bytes())
}

func TestGenerateLoads(t *testing.T) {
	g, err := zones.LoadGazetteer(bytes.NewReader(generateCSV(t, smallInput)))
	require.NoError(t, err)
	ctx := context.Background()

	postcodes := map[string]bool{}
	towns := map[string]string{}
	for p := range g.All() {
		postcodes[p.Postcode.String()] = true
		towns[p.Postcode.String()] = p.Town
	}
	require.Equal(t, map[string]bool{
		"LE1 1AA": true, "LE2 4AA": true, "LE2 5AA": true, "LE7 7AB": true, "LE11 3AA": true, "LE11 3AB": true,
		"LE16 5AA": true, "LE18 1AA": true, "LE18 3AA": true, "LE18 4AA": true, "LE19 2HQ": true,
	}, postcodes, "LE only, without LE21 (non-geographic) and without the duplicate")
	require.Equal(t, "Loughborough", towns["LE11 3AB"])
	require.Equal(t, "Anstey", towns["LE7 7AB"])
	require.Equal(t, "Narborough", towns["LE19 2HQ"])
	require.Equal(t, "Oadby", towns["LE2 4AA"])
	require.Equal(t, "Wigston", towns["LE18 3AA"])
	require.Equal(t, "Market Harborough", towns["LE16 5AA"])
	require.Equal(t, "Leicester", towns["LE1 1AA"])

	zoneOfPostcode := func(pc string) zones.Zone {
		found, err := g.FindProperties(ctx, zones.MustParsePostcode(pc), "")
		require.NoError(t, err)
		require.NotEmpty(t, found, pc)
		for _, p := range found[1:] {
			require.Equal(t, found[0].Zone, p.Zone, "a postcode lies in one zone")
		}
		return found[0].Zone
	}
	require.Equal(t, zones.Zone{ID: "loughborough-3", Name: "Loughborough 3"}, zoneOfPostcode("LE11 3AB"))
	require.Equal(t, zones.Zone{ID: "anstey-1", Name: "Anstey 1"}, zoneOfPostcode("LE7 7AB"))
	require.Equal(t, zones.Zone{ID: "narborough-2", Name: "Narborough 2"}, zoneOfPostcode("LE19 2HQ"))
	require.Equal(t, zones.Zone{ID: "oadby-wigston-1", Name: "Oadby & Wigston 1"}, zoneOfPostcode("LE2 4AA"))
	require.Equal(t, zones.Zone{ID: "oadby-wigston-5", Name: "Oadby & Wigston 5"}, zoneOfPostcode("LE18 4AA"))
	require.True(t, zoneOfPostcode("LE18 3AA").IsZero(), "a Wigston sector outside the zones")
	require.True(t, zoneOfPostcode("LE1 1AA").IsZero())

	// Neighbouring postcodes on one street do not repeat house numbers.
	numbers := map[string]string{}
	for _, pc := range []string{"LE11 3AA", "LE11 3AB"} {
		found, err := g.FindProperties(ctx, zones.MustParsePostcode(pc), "")
		require.NoError(t, err)
		for _, p := range found {
			if p.BuildingNumber == "" || p.SubBuilding != "" {
				continue
			}
			key := p.Street + " " + p.BuildingNumber
			require.NotContains(t, numbers, key, "%s is in %s and %s", key, numbers[key], pc)
			numbers[key] = pc
		}
	}
}

func generateGeoJSON(t *testing.T, input string) []byte {
	t.Helper()
	postcodes, err := readPostcodes(strings.NewReader(input), "LE")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, generateZones(&b, postcodes))
	return b.Bytes()
}

// TestZonesAgreeWithGazetteer: every property's position lies in the
// polygon of the zone its row lists, or in none when it lists none.
func TestZonesAgreeWithGazetteer(t *testing.T) {
	g, err := zones.LoadGazetteer(bytes.NewReader(generateCSV(t, smallInput)))
	require.NoError(t, err)
	m, err := zonemap.Parse(generateGeoJSON(t, smallInput), nil)
	require.NoError(t, err)
	n := 0
	for p := range g.All() {
		require.False(t, p.Location.IsZero(), "%v has a position", p)
		require.Equal(t, p.Zone.ID, m.ZoneAt(p.Location).ID, "%v at %v", p, p.Location)
		n++
	}
	require.Greater(t, n, 50)
	require.Equal(t, generateGeoJSON(t, smallInput), generateGeoJSON(t, smallInput), "deterministic")
}

func TestReadPostcodesRejectsBadLines(t *testing.T) {
	_, err := readPostcodes(strings.NewReader("LE113AB\nNOT A POSTCODE\n"), "LE")
	require.ErrorIs(t, err, zones.ErrInvalidPostcode)
	require.ErrorContains(t, err, "line 2")
}

// TestCommittedGazetteerIsUpToDate regenerates the whole gazetteer and
// compares it with the committed file, so that the two cannot drift apart.
// The CSV is compared rather than the gzip bytes, which may change with the
// Go release's compressor.
func TestCommittedGazetteerIsUpToDate(t *testing.T) {
	source := filepath.Join("..", "..", "..", "..", "shared", "data", "uk-postcodes-2019.txt.gz")
	f, err := os.Open(source)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: it is in the project's shared data, beside the repository", source)
	}
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	postcodes, err := readPostcodes(zr, "LE")
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, generate(&want, postcodes))

	committed, err := os.Open(filepath.Join("..", "gazetteer.csv.gz"))
	require.NoError(t, err)
	defer committed.Close()
	cr, err := gzip.NewReader(committed)
	require.NoError(t, err)
	got, err := io.ReadAll(cr)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want.Bytes(), got), "gazetteer.csv.gz is stale: run go generate ./examples/leicestershire")

	var wantZones bytes.Buffer
	require.NoError(t, generateZones(&wantZones, postcodes))
	gotZones, err := os.ReadFile(filepath.Join("..", "zones.geojson"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(wantZones.Bytes(), gotZones), "zones.geojson is stale: run go generate ./examples/leicestershire")
}

func TestRunFlags(t *testing.T) {
	var stderr bytes.Buffer
	require.Equal(t, 2, run([]string{"-nope"}, &stderr))
	stderr.Reset()
	require.Equal(t, 1, run([]string{"-postcodes", filepath.Join(t.TempDir(), "missing.gz")}, &stderr))
	require.Contains(t, stderr.String(), "missing.gz")

	dir := t.TempDir()
	in := filepath.Join(dir, "in.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write([]byte(smallInput))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(in, gz.Bytes(), 0o644))
	out := filepath.Join(dir, "out.csv.gz")
	zonesOut := filepath.Join(dir, "zones.geojson")
	stderr.Reset()
	require.Equal(t, 0, run([]string{"-postcodes", in, "-out", out, "-zones", zonesOut}, &stderr), stderr.String())
	geojson, err := os.ReadFile(zonesOut)
	require.NoError(t, err)
	require.Equal(t, generateGeoJSON(t, smallInput), geojson)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, generateCSV(t, smallInput), got)
}
