package evidence_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
)

func TestParseVRM(t *testing.T) {
	tests := []struct {
		in   string
		want evidence.VRM
		err  string // part of the error; "" for none
	}{
		{in: "AB12CDE", want: "AB12CDE"},
		{in: "ab12 cde", want: "AB12CDE"},
		{in: "AB12-CDE", want: "AB12CDE"},
		{in: "\tA1 ", want: "A1"},
		{in: "A123BCD", want: "A123BCD"},  // prefix
		{in: "ABC 123D", want: "ABC123D"}, // suffix
		{in: "1 ABC", want: "1ABC"},       // dateless
		// Issue 11, defect 15: messages in the council's words, not Go's
		// ("invalid vehicle registration: registration is empty").
		{in: "", err: "Enter the vehicle registration, such as AB12 CDE."},
		{in: " - ", err: "Enter the vehicle registration, such as AB12 CDE."},
		{in: "A", err: `A vehicle registration has 2 to 7 letters and digits, such as AB12 CDE; "A" has 1.`},
		{in: "AB12CDEF", err: `A vehicle registration has 2 to 7 letters and digits, such as AB12 CDE; "AB12CDEF" has 8.`},
		{in: strings.Repeat("AB12", 100), err: `such as AB12 CDE; "AB12AB12AB12…" has 400.`},
		{in: "ABCDEF", err: `A vehicle registration has both letters and digits, such as AB12 CDE; "ABCDEF" has no digits.`},
		{in: "123 456", err: `A vehicle registration has both letters and digits, such as AB12 CDE; "123 456" has no letters.`},
		{in: "AB*12", err: `A vehicle registration has only letters and digits, such as AB12 CDE; '*' is neither.`},
		{in: "ÅB12", err: "'Å' is neither."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := evidence.ParseVRM(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, evidence.ErrInvalidVRM)
				require.ErrorContains(t, err, tt.err)
				require.NotContains(t, err.Error(), "invalid vehicle registration", "a sentence for the resident")
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, string(tt.want), got.String())
		})
	}
}

// Defect 8: the hyphenated form a V5C may carry and the typed form of an
// application are one registration.
func TestParseVRMDefect8HyphenAndSpaceAreOneVehicle(t *testing.T) {
	a, err := evidence.ParseVRM("AB12-CDE")
	require.NoError(t, err)
	b, err := evidence.ParseVRM("ab12 cde")
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func FuzzParseVRM(f *testing.F) {
	for _, s := range []string{"AB12CDE", "ab12 cde", "AB12-CDE", "", "A", "AB*12", "1 ABC", "ÅB12", "\xff", strings.Repeat("A1", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := evidence.ParseVRM(s)
		if err != nil {
			require.ErrorIs(t, err, evidence.ErrInvalidVRM)
			require.Empty(t, v)
			require.True(t, utf8.ValidString(err.Error()) || !utf8.ValidString(s))
			return
		}
		// A parsed registration is canonical: 2 to 7 upper-case letters
		// and digits, at least one of each, and parses to itself.
		require.GreaterOrEqual(t, len(v), 2)
		require.LessOrEqual(t, len(v), 7)
		require.True(t, strings.IndexFunc(string(v), func(r rune) bool {
			return (r < 'A' || r > 'Z') && (r < '0' || r > '9')
		}) < 0, "not canonical: %q", v)
		require.True(t, strings.ContainsAny(string(v), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		require.True(t, strings.ContainsAny(string(v), "0123456789"))
		again, err := evidence.ParseVRM(string(v))
		require.NoError(t, err)
		require.Equal(t, v, again)
		// Separators never change the evidence.
		spaced, err := evidence.ParseVRM(" " + strings.Join(strings.Split(string(v), ""), "-") + "\t")
		require.NoError(t, err)
		require.Equal(t, v, spaced)
	})
}
