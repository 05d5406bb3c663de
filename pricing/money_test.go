package pricing_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/pricing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in     string
		want   string // FormatMoney of the result; "" when rejected
		reason string // part of the error's reason
	}{
		{in: "55", want: "55.00"},
		{in: "55.0", want: "55.00"},
		{in: "55.00", want: "55.00"},
		{in: "0.5", want: "0.50"},
		{in: "0", want: "0.00"},
		{in: "0.00", want: "0.00"},
		{in: "0.01", want: "0.01"},
		{in: "1000.99", want: "1000.99"},
		{in: "999999999.99", want: "999999999.99"},
		{in: "", reason: "is empty"},
		{in: "55.001", reason: "more than two decimal places"},
		{in: "55.000", reason: "more than two decimal places"},
		{in: "-1", reason: "is negative"},
		{in: "-0.00", reason: "is negative"},
		{in: "+1", reason: "has a sign"},
		{in: "1e2", reason: "exponent"},
		{in: "1E2", reason: "exponent"},
		{in: " 55.00", reason: "contains a space"},
		{in: "55.00 ", reason: "contains a space"},
		{in: "5 5", reason: "contains a space"},
		{in: "£55.00", reason: "currency symbol"},
		{in: "$55", reason: "currency symbol"},
		{in: "55 GBP", reason: "contains a space"},
		{in: "1,000.00", reason: "comma"},
		{in: "55.", reason: "digits after the decimal point"},
		{in: ".5", reason: "digit before the decimal point"},
		{in: "5.5.5", reason: "more than one decimal point"},
		{in: "055", reason: "leading zero"},
		{in: "00.50", reason: "leading zero"},
		{in: "1000000000", reason: "too large"},
		{in: "NaN", reason: `contains 'N'`},
		{in: "5½", reason: `contains '½'`},
		{in: "0x10", reason: `contains 'x'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := pricing.ParseMoney(tt.in)
			if tt.want == "" {
				require.ErrorIs(t, err, pricing.ErrInvalidMoney)
				var me *pricing.MoneyError
				require.ErrorAs(t, err, &me)
				require.Equal(t, tt.in, me.Input)
				require.Contains(t, me.Reason, tt.reason)
				require.Contains(t, err.Error(), `"`+tt.in+`"`)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, pricing.FormatMoney(got))
			require.True(t, got.Equal(decimal.RequireFromString(tt.in)), "%s parsed as %s", tt.in, got)
			require.Equal(t, int32(-2), got.Exponent(), "amounts carry two places")
		})
	}
}

func TestFormatMoney(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0.00"},
		{"55", "55.00"},
		{"55.5", "55.50"},
		{"22.9166666", "22.92"}, // half away from zero, documented; never reached by pence-exact amounts
		{"0.005", "0.01"},
		{"0.004", "0.00"},
		{"-5.5", "-5.50"},
		{"1e3", "1000.00"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, pricing.FormatMoney(decimal.RequireFromString(tt.in)), tt.in)
	}
	require.Equal(t, "0.00", pricing.FormatMoney(decimal.Decimal{}), "the zero Decimal")
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"55", "55.0", "55.00", "0.5", "0", "55.001", "-1", "1e2", " 55.00", "£55", "999999999.99", "055", ".5", "55."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := pricing.ParseMoney(s)
		if err != nil {
			require.ErrorIs(t, err, pricing.ErrInvalidMoney)
			return
		}
		require.False(t, m.IsNegative())
		require.Equal(t, int32(-2), m.Exponent())
		// The decimal package must agree on the value of anything we accept.
		require.True(t, m.Equal(decimal.RequireFromString(s)), "%q parsed as %s", s, m)
		formatted := pricing.FormatMoney(m)
		again, err := pricing.ParseMoney(formatted)
		require.NoError(t, err, "FormatMoney(ParseMoney(%q)) = %q does not parse", s, formatted)
		require.True(t, again.Equal(m))
		require.Equal(t, formatted, pricing.FormatMoney(again))
	})
}
