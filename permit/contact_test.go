package permit_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

func TestUKMobile(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"07700 900123", "+447700900123", true},
		{"07700900123", "+447700900123", true},
		{"07700-900-123", "+447700900123", true},
		{"+44 7700 900123", "+447700900123", true},
		{"+44 (0)7700 900123", "+447700900123", true},
		{"0044 7700 900123", "+447700900123", true},
		{"(07700) 900.123", "+447700900123", true},
		{"  07123 456789 ", "+447123456789", true},
		{"07624 123456", "+447624123456", true}, // Isle of Man mobile
		{"", "", true},
		{"   ", "", true},
		{"01509 123456", "", false},      // a landline
		{"07600 123456", "", false},      // a pager
		{"07000 123456", "", false},      // a personal number
		{"0770 090012", "", false},       // too short
		{"077009001234", "", false},      // too long
		{"+33 6 12 34 56 78", "", false}, // France
		{"447700900123", "", false},      // no + or 0
		{"07700 9001x3", "", false},      // a letter
		{"07700+900123", "", false},      // a plus inside
		{"+44 7700 900123 ext 2", "", false},
		{strings.Repeat("0", 41), "", false},
	} {
		got, ok := permit.UKMobile(tc.in)
		require.Equal(t, tc.ok, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func FuzzUKMobile(f *testing.F) {
	for _, s := range []string{"07700 900123", "+44 (0)7700 900123", "0044 7624 123456", "", "+", "(0)", "07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := permit.UKMobile(s)
		if !ok {
			require.Empty(t, got)
			return
		}
		if got == "" {
			require.Empty(t, strings.TrimSpace(s))
			return
		}
		require.Len(t, got, 13)
		require.True(t, strings.HasPrefix(got, "+447"), got)
		again, ok := permit.UKMobile(got)
		require.True(t, ok, "E.164 reads back")
		require.Equal(t, got, again)
	})
}
