package zones_test

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/carerpermit/carerpermit/zones"
)

// referencePostcode is a deliberately different implementation of the
// postcode rules (field splitting and one regular expression, written from
// the Royal Mail format table) against which FuzzParsePostcode compares
// ParsePostcode. It returns the normalised postcode and whether s is valid.
func referencePostcode(s string) (string, bool) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(" \t\n\r\v\f", r)
	})
	var out, in string
	switch len(fields) {
	case 1:
		if len(fields[0]) < 3 {
			return "", false
		}
		out, in = fields[0][:len(fields[0])-3], fields[0][len(fields[0])-3:]
	case 2:
		out, in = fields[0], fields[1]
	default:
		return "", false
	}
	// Only ASCII letters change case: strings.ToUpper would also map, say,
	// the Kelvin sign to K and so accept what ParsePostcode rightly rejects.
	upper := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = c - ('a' - 'A')
			}
		}
		return string(b)
	}
	norm := upper(out) + " " + upper(in)
	return norm, referencePostcodeFormat.MatchString(norm)
}

// The outward code is A9, A99, AA9, AA99, A9A or AA9A: never Q, V or X
// first, never I, J or Z second, and a restricted final letter in A9A and
// AA9A. The inward code never uses C, I, K, M, O or V.
var referencePostcodeFormat = regexp.MustCompile(`^(GIR 0AA|` +
	`[A-PR-UWYZ]([0-9][0-9]?|[A-HK-Y][0-9][0-9]?|[0-9][ABCDEFGHJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])` +
	` [0-9][ABD-HJLNP-UW-Z]{2})$`)

func FuzzParsePostcode(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "postcode-fixtures", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no postcode fixtures to seed from: %v", err)
	}
	for _, name := range names {
		for _, tc := range readPostcodeFixtures(f, filepath.Base(name)) {
			f.Add(tc.Base)
		}
	}
	for _, s := range []string{"", " ", "le113ab", " LE11  3AB ", "GIR 0AA", "gir0ab", "LE1 13AB", "LE11 OAB", "W1A\t0AX", "LÉ11 3AB", "\xff"} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		p, err := zones.ParsePostcode(s)
		wantNorm, wantOK := referencePostcode(s)
		if err != nil {
			if !errors.Is(err, zones.ErrInvalidPostcode) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidPostcode", s, err)
			}
			var perr *zones.PostcodeError
			if !errors.As(err, &perr) || perr.Input != s || perr.Reason == "" {
				t.Fatalf("%q: error %#v does not name the input and a reason", s, err)
			}
			if !p.IsZero() {
				t.Fatalf("%q: rejected but returned %q", s, p)
			}
			if wantOK {
				t.Fatalf("%q: rejected (%v) but the reference accepts it as %q", s, err, wantNorm)
			}
			return
		}
		if !wantOK {
			t.Fatalf("%q: accepted as %q but the reference rejects it", s, p)
		}
		got := p.String()
		if got != wantNorm {
			t.Fatalf("%q: String() = %q, reference says %q", s, got, wantNorm)
		}

		// Normalising changes nothing but case and whitespace.
		if strings.ReplaceAll(got, " ", "") != strings.ToUpper(strings.Join(strings.Fields(s), "")) {
			t.Fatalf("%q: normalised to %q, which is not the same letters and digits", s, got)
		}

		again, err := zones.ParsePostcode(got)
		if err != nil || again != p {
			t.Fatalf("%q: String() %q re-parses to %q, %v", s, got, again, err)
		}
		lower, err := zones.ParsePostcode(strings.ToLower(got))
		if err != nil || lower != p {
			t.Fatalf("%q: lower-case %q parses to %q, %v", s, strings.ToLower(got), lower, err)
		}
		text, _ := p.MarshalText()
		var fromText zones.Postcode
		if err := fromText.UnmarshalText(text); err != nil || fromText != p {
			t.Fatalf("%q: text %q unmarshals to %q, %v", s, text, fromText, err)
		}

		if p.Outcode()+" "+p.Incode() != got || p.Sector()+p.Unit() != got {
			t.Fatalf("%q: parts do not add up to %q", s, got)
		}
		if !strings.HasPrefix(p.Outcode(), p.District()) || !strings.HasPrefix(p.District(), p.Area()) || p.Area() == "" {
			t.Fatalf("%q: area %q, district %q, outcode %q do not nest", s, p.Area(), p.District(), p.Outcode())
		}
		if sub := p.SubDistrict(); sub != "" && sub != p.Outcode() {
			t.Fatalf("%q: sub-district %q is not the outcode %q", s, sub, p.Outcode())
		}
	})
}
