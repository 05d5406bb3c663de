package zones_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// postcodeFixture is one case of the Ideal Postcodes test data: Expected is
// a JSON bool, string or null (null is decoded as nil).
type postcodeFixture struct {
	Base     string `json:"base"`
	Expected any    `json:"expected"`
}

func readPostcodeFixtures(t testing.TB, name string) []postcodeFixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "postcode-fixtures", name))
	require.NoError(t, err)
	var file struct {
		Tests []postcodeFixture `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Tests, name)
	return file.Tests
}

func TestParsePostcodeValidationFixtures(t *testing.T) {
	for _, tc := range readPostcodeFixtures(t, "validation.json") {
		t.Run(tc.Base, func(t *testing.T) {
			want, ok := tc.Expected.(bool)
			require.True(t, ok, "expected must be a bool")
			_, err := zones.ParsePostcode(tc.Base)
			if want {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, zones.ErrInvalidPostcode)
			}
		})
	}
}

// TestPostcodePartFixtures checks every accessor against the fixture file of
// the same name. A null expectation means the library answers null: either
// the input is invalid or the postcode has no such part.
func TestPostcodePartFixtures(t *testing.T) {
	parts := []struct {
		file string
		get  func(zones.Postcode) string
	}{
		{"normalisation.json", zones.Postcode.String},
		{"outcodes.json", zones.Postcode.Outcode},
		{"incodes.json", zones.Postcode.Incode},
		{"areas.json", zones.Postcode.Area},
		{"districts.json", zones.Postcode.District},
		{"sub-districts.json", zones.Postcode.SubDistrict},
		{"sectors.json", zones.Postcode.Sector},
		{"units.json", zones.Postcode.Unit},
	}
	for _, part := range parts {
		t.Run(part.file, func(t *testing.T) {
			for _, tc := range readPostcodeFixtures(t, part.file) {
				p, err := zones.ParsePostcode(tc.Base)
				if tc.Expected == nil {
					if err != nil {
						require.ErrorIs(t, err, zones.ErrInvalidPostcode, tc.Base)
						continue
					}
					require.Empty(t, part.get(p), tc.Base)
					continue
				}
				want, ok := tc.Expected.(string)
				require.True(t, ok, "%s: expected must be a string or null", tc.Base)
				require.NoError(t, err, tc.Base)
				require.Equal(t, want, part.get(p), tc.Base)
			}
		})
	}
}

func TestParsePostcodeNormalises(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"LE11 3AB", "LE11 3AB"},
		{"le113ab", "LE11 3AB"},
		{" LE11  3AB ", "LE11 3AB"},
		{"Le11 3aB", "LE11 3AB"},
		{"\tle11\n3ab\r\n", "LE11 3AB"},
		{"L1  0AB", "L1 0AB"}, // the ONS fixed-width form
		{"AB101AA", "AB10 1AA"},
		{"w1a0ax", "W1A 0AX"},
		{"ec1a 1bb", "EC1A 1BB"},
		{"NW1W 1AA", "NW1W 1AA"},
		{"gir0aa", "GIR 0AA"},
		{"BF1 3AD", "BF1 3AD"}, // BFPO
		{"M1 1AE", "M1 1AE"},
		{"B33 8TH", "B33 8TH"},
		{"CR2 6XH", "CR2 6XH"},
		{"DN55 1PT", "DN55 1PT"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := zones.ParsePostcode(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, p.String())
			require.False(t, p.IsZero())
			require.Equal(t, p.Outcode()+" "+p.Incode(), p.String())
			require.Equal(t, p.Sector()+p.Unit(), p.String())
		})
	}
}

func TestParsePostcodeRejects(t *testing.T) {
	tests := []struct {
		in     string
		reason string // a fragment of the error's reason
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"LE1", "too short"},
		{"LE13A", "inward code \"13A\""},
		{"LE11 3A", "inward code \"3A\" must be a digit and two letters"},
		{"LE11 3ABC", "too long"},
		{"LE11 3AB 12", "too long"},
		{"LE11-3AB", "contains '-'"},
		{"LE11 3AB.", "contains '.'"},
		{"LÉ11 3AB", "contains 'É'"},
		{"LE1 13AB", "inward code \"13AB\""},
		{"L E11 3AB", "more than one space"},
		{"LE11 3 AB", "more than one space"},
		{"LE11 OAB", "is the letter O meant to be a zero?"},
		{"LE11 3AC", "other than C, I, K, M, O and V"},
		{"LE11 3IA", "other than C, I, K, M, O and V"},
		{"LE11 3AK", "other than C, I, K, M, O and V"},
		{"LE11 3MA", "other than C, I, K, M, O and V"},
		{"LE11 3VA", "other than C, I, K, M, O and V"},
		{"LE11 AAB", "inward code \"AAB\""},
		{"1A1 1AA", "must start with a letter"},
		{"12FSSD", "inward code"},
		{"EH 1JS", "outward code \"EH\" must be"},
		{"EH1 JS", "inward code \"JS\""},
		{"LEE1 3AB", "outward code \"LEE1\" must be"},
		{"LE111 3AB", "too long"},
		{"L0L 1AA", "cannot end in L"},      // L is not a sub-district letter after A9
		{"EC1C 1AA", "cannot end in C"},     // nor C after AA9
		{"LEO 1AA", "outward code \"LEO\""}, // O is never read as 0
		{"QA1 1AA", "cannot start with Q"},
		{"VA1 1AA", "cannot start with V"},
		{"XA1 1AA", "cannot start with X"},
		{"AI1 1AA", "cannot have I as its second letter"},
		{"AJ1 1AA", "cannot have J as its second letter"},
		{"AZ1 1AA", "cannot have Z as its second letter"},
		{"GIR 0AB", "only used in GIR 0AA"},
		{"Definitely wrong", "too long"},
		{"Wrong", "inward code"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := zones.ParsePostcode(tc.in)
			require.ErrorIs(t, err, zones.ErrInvalidPostcode)
			require.True(t, p.IsZero())
			var perr *zones.PostcodeError
			require.ErrorAs(t, err, &perr)
			require.Equal(t, tc.in, perr.Input)
			require.Contains(t, perr.Reason, tc.reason)
			require.Contains(t, err.Error(), perr.Reason)
		})
	}
}

func TestPostcodeErrorMessage(t *testing.T) {
	_, err := zones.ParsePostcode("LE11 3A")
	require.EqualError(t, err, `zones: invalid postcode "LE11 3A": inward code "3A" must be a digit and two letters other than C, I, K, M, O and V`)

	// A long input is named but not repeated in full.
	long := "Flat 2, 10 Ashby Road, Loughborough, Leicestershire LE11 3AB"
	_, err = zones.ParsePostcode(long)
	var perr *zones.PostcodeError
	require.ErrorAs(t, err, &perr)
	require.Equal(t, long, perr.Input)
	require.Contains(t, err.Error(), `"Flat 2, 10 Ashby Road, Loughborough, Lei…"`)
	require.NotContains(t, err.Error(), "LE11 3AB")

	wrapped := errors.Join(errors.New("address lookup"), err)
	require.ErrorIs(t, wrapped, zones.ErrInvalidPostcode)
}

func TestPostcodeZeroValue(t *testing.T) {
	var p zones.Postcode
	require.True(t, p.IsZero())
	for _, s := range []string{p.String(), p.Outcode(), p.Incode(), p.Area(), p.District(), p.SubDistrict(), p.Sector(), p.Unit()} {
		require.Empty(t, s)
	}
	text, err := p.MarshalText()
	require.NoError(t, err)
	require.Empty(t, text)
}

func TestPostcodeGirobank(t *testing.T) {
	p := zones.MustParsePostcode("GIR 0AA")
	require.Equal(t, "GIR", p.Outcode())
	require.Equal(t, "GIR", p.Area())
	require.Equal(t, "GIR", p.District())
	require.Empty(t, p.SubDistrict())
	require.Equal(t, "GIR 0", p.Sector())
}

func TestPostcodeIsComparable(t *testing.T) {
	seen := map[zones.Postcode]int{}
	for _, s := range []string{"LE11 3AB", "le113ab", " Le11  3aB ", "LE11 3AD", "LE1 13AB"} {
		if p, err := zones.ParsePostcode(s); err == nil {
			seen[p]++
		}
	}
	require.Equal(t, map[zones.Postcode]int{
		zones.MustParsePostcode("LE11 3AB"): 3,
		zones.MustParsePostcode("LE11 3AD"): 1,
	}, seen)
	require.NotEqual(t, zones.MustParsePostcode("LE1 1AB"), zones.MustParsePostcode("LE11 1AB"))
}

func TestMustParsePostcodePanics(t *testing.T) {
	require.PanicsWithError(t, `zones: invalid postcode "LE11": too short: a postcode has at least 5 letters and digits`, func() {
		zones.MustParsePostcode("LE11")
	})
}

func TestPostcodeJSON(t *testing.T) {
	type address struct {
		Postcode zones.Postcode `json:"postcode"`
	}
	var a address
	require.NoError(t, json.Unmarshal([]byte(`{"postcode":"le11  3ab"}`), &a))
	require.Equal(t, zones.MustParsePostcode("LE11 3AB"), a.Postcode)
	out, err := json.Marshal(a)
	require.NoError(t, err)
	require.JSONEq(t, `{"postcode":"LE11 3AB"}`, string(out))

	// The zero Postcode round-trips as "", as netip.Addr does.
	out, err = json.Marshal(address{})
	require.NoError(t, err)
	require.JSONEq(t, `{"postcode":""}`, string(out))
	a = address{Postcode: zones.MustParsePostcode("LE11 3AB")}
	require.NoError(t, json.Unmarshal(out, &a))
	require.True(t, a.Postcode.IsZero())

	err = json.Unmarshal([]byte(`{"postcode":"LE11 3A"}`), &a)
	require.ErrorIs(t, err, zones.ErrInvalidPostcode)
}

func TestPostcodeMarshalTextIsACopy(t *testing.T) {
	p := zones.MustParsePostcode("LE11 3AB")
	text, err := p.MarshalText()
	require.NoError(t, err)
	text[0] = 'X'
	require.Equal(t, "LE11 3AB", p.String())
}

// TestParsePostcodeONSDirectory parses every postcode of the 2019 ONS
// directory, which is given in its fixed 7-character form ("L1  0AB",
// "AB101AA").
func TestParsePostcodeONSDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 1.7 million postcodes in -short mode")
	}
	path := filepath.Join(postcodeRepoRoot(t), "..", "shared", "data", "uk-postcodes-2019.txt.gz")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent: it is only on machines that have the shared test data (see ../shared/data/SOURCES.md)", path)
	}
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	defer gz.Close()

	count := 0
	var rejected []string
	sc := bufio.NewScanner(gz)
	for sc.Scan() {
		line := sc.Text()
		count++
		require.Len(t, line, 7, "line %d", count)
		want := strings.TrimRight(line[:4], " ") + " " + line[4:]
		p, err := zones.ParsePostcode(line)
		if err != nil {
			if len(rejected) < 20 {
				rejected = append(rejected, err.Error())
			}
			continue
		}
		if p.String() != want {
			t.Fatalf("%q: String() = %q, want %q", line, p.String(), want)
		}
	}
	require.NoError(t, sc.Err())
	require.Empty(t, rejected, "the first rejections:\n%s", strings.Join(rejected, "\n"))
	require.Equal(t, 1685341, count, "the file should hold every postcode of the 2019 directory")
}

// postcodeRepoRoot finds the module root by walking up to go.mod, so the
// test does not depend on the directory go test runs it from.
func postcodeRepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

func BenchmarkParsePostcode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := zones.ParsePostcode("LE11 3AB"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePostcodeLowerUnspaced(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := zones.ParsePostcode("le113ab"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParsePostcodeDoesNotAllocate keeps the promise the benchmarks
// measure, so that a change that starts allocating fails in go test.
func TestParsePostcodeDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"LE11 3AB", "le113ab", " W1A  0AX "} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := zones.ParsePostcode(s); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, s)
	}
}
