package pricing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/pricing"
)

func TestExpiryDate(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	tests := []struct {
		starts time.Time
		months int
		want   time.Time
	}{
		{date(2025, 1, 15), 12, date(2026, 1, 14)},
		{date(2025, 4, 1), 12, date(2026, 3, 31)},
		{date(2025, 1, 31), 1, date(2025, 2, 28)},
		{date(2028, 1, 31), 1, date(2028, 2, 29)},
		{date(2028, 2, 29), 12, date(2029, 2, 28)},
		{date(2028, 2, 29), 48, date(2032, 2, 28)},
		{date(2025, 11, 30), 3, date(2026, 2, 28)},
		{date(2025, 3, 31), 1, date(2025, 4, 30)},
		{date(2025, 12, 15), 1, date(2026, 1, 14)},
		{date(2025, 12, 31), 2, date(2026, 2, 28)},
		{date(2025, 12, 31), 12, date(2026, 12, 30)},
		{date(2025, 6, 1), 0, date(2025, 5, 31)},
		{time.Date(2025, 3, 30, 0, 0, 0, 0, london), 1, date(2025, 4, 29)}, // the day the clocks go forward
	}
	for _, tt := range tests {
		got := pricing.ExpiryDate(tt.starts, tt.months)
		require.Equal(t, tt.want, got, "%s + %d months", tt.starts.Format(time.DateOnly), tt.months)
	}
}

func TestRefund(t *testing.T) {
	policy := func(kind pricing.RefundKind, fee string) pricing.RefundPolicy {
		p, err := pricing.NewRefundPolicy(kind, mustMoney(fee))
		require.NoError(t, err)
		return p
	}
	none, proRata, full := policy(pricing.RefundNone, "0"), policy(pricing.RefundProRata, "0"), policy(pricing.RefundFull, "0")
	proRataFee, fullFee := policy(pricing.RefundProRata, "10.00"), policy(pricing.RefundFull, "10.00")

	tests := []struct {
		name                string
		policy              pricing.RefundPolicy
		paid                string
		starts, expires, on time.Time
		want                string
		wantFee             string
		wantUnused, wantTot int
		wantReason          string
	}{
		{
			name: "Leicestershire: non-refundable", policy: none, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "0.00", wantFee: "0.00", wantUnused: 5, wantTot: 12,
			wantReason: "Nothing to refund: permits are non-refundable.",
		},
		{
			name: "the zero policy refunds nothing", policy: pricing.RefundPolicy{}, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "0.00", wantFee: "0.00", wantUnused: 5, wantTot: 12,
			wantReason: "Nothing to refund: permits are non-refundable.",
		},
		{
			name: "pro rata 5/12 of 55.00 is 22.9166…, rounded down", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "22.91", wantFee: "0.00", wantUnused: 5, wantTot: 12,
			wantReason: "£22.91: 5 of 12 whole months unused, so 5/12 of the £55.00 paid, rounded down to the penny.",
		},
		{
			name: "pro rata, exact", policy: proRata, paid: "60.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "25.00", wantFee: "0.00", wantUnused: 5, wantTot: 12,
			wantReason: "£25.00: 5 of 12 whole months unused, so 5/12 of the £60.00 paid.",
		},
		{
			name: "pro rata, a 1p share of a month is not rounded up", policy: proRata, paid: "0.11",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 1),
			want: "0.00", wantFee: "0.00", wantUnused: 1, wantTot: 12,
			wantReason: "£0.00: 1 of 12 whole months unused, so 1/12 of the £0.11 paid, rounded down to the penny.",
		},
		{
			name: "29 February start, cancelled 30 November", policy: proRata, paid: "55.00",
			starts: date(2028, 2, 29), expires: date(2029, 2, 28), on: date(2028, 11, 30),
			want: "13.75", wantFee: "0.00", wantUnused: 3, wantTot: 12,
			wantReason: "£13.75: 3 of 12 whole months unused, so 3/12 of the £55.00 paid.",
		},
		{
			name: "29 February start, cancelled on 1 December", policy: proRata, paid: "55.00",
			starts: date(2028, 2, 29), expires: date(2029, 2, 28), on: date(2028, 12, 1),
			want: "13.75", wantFee: "0.00", wantUnused: 3, wantTot: 12,
			wantReason: "£13.75: 3 of 12 whole months unused, so 3/12 of the £55.00 paid.",
		},
		{
			name: "29 February start is twelve months and a day: cancelled 1 March", policy: proRata, paid: "55.00",
			starts: date(2028, 2, 29), expires: date(2029, 2, 28), on: date(2028, 3, 1),
			want: "55.00", wantFee: "0.00", wantUnused: 12, wantTot: 12,
			wantReason: "£55.00: 12 of 12 whole months unused, so 12/12 of the £55.00 paid.",
		},
		{
			name: "29 February start, cancelled 2 March", policy: proRata, paid: "55.00",
			starts: date(2028, 2, 29), expires: date(2029, 2, 28), on: date(2028, 3, 2),
			want: "50.41", wantFee: "0.00", wantUnused: 11, wantTot: 12,
			wantReason: "£50.41: 11 of 12 whole months unused, so 11/12 of the £55.00 paid, rounded down to the penny.",
		},
		{
			name: "29 February start, cancelled 1 November", policy: proRata, paid: "55.00",
			starts: date(2028, 2, 29), expires: date(2029, 2, 28), on: date(2028, 11, 1),
			want: "18.33", wantFee: "0.00", wantUnused: 4, wantTot: 12,
			wantReason: "£18.33: 4 of 12 whole months unused, so 4/12 of the £55.00 paid, rounded down to the penny.",
		},
		{
			name: "the last whole month: cancelled on the 1st of it", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 1),
			want: "4.58", wantFee: "0.00", wantUnused: 1, wantTot: 12,
			wantReason: "£4.58: 1 of 12 whole months unused, so 1/12 of the £55.00 paid, rounded down to the penny.",
		},
		{
			name: "a part month is not refunded", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 2),
			want: "0.00", wantFee: "0.00", wantUnused: 0, wantTot: 12,
			wantReason: "Nothing to refund: no whole month of the permit is left unused, and a part month is not refunded.",
		},
		{
			name: "cancelled on the start date refunds every month", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 4, 1),
			want: "55.00", wantFee: "0.00", wantUnused: 12, wantTot: 12,
			wantReason: "£55.00: 12 of 12 whole months unused, so 12/12 of the £55.00 paid.",
		},
		{
			name: "cancelled before the start date refunds every month", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 1, 15),
			want: "55.00", wantFee: "0.00", wantUnused: 12, wantTot: 12,
			wantReason: "£55.00: 12 of 12 whole months unused (cancelled before the start date), so 12/12 of the £55.00 paid.",
		},
		{
			name: "cancelled on the expiry date", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 31),
			want: "0.00", wantFee: "0.00", wantUnused: 0, wantTot: 12,
			wantReason: "Nothing to refund: no whole month of the permit is left unused, and a part month is not refunded.",
		},
		{
			name: "cancelled after expiry", policy: proRata, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 4, 1),
			want: "0.00", wantFee: "0.00", wantUnused: 0, wantTot: 12,
			wantReason: "Nothing to refund: the permit expired on 31 March 2026, before it was cancelled.",
		},
		{
			name: "month-end start: 31 January for one month", policy: proRata, paid: "10.00",
			starts: date(2025, 1, 31), expires: date(2025, 2, 28), on: date(2025, 1, 31),
			want: "10.00", wantFee: "0.00", wantUnused: 1, wantTot: 1,
			wantReason: "£10.00: 1 of 1 whole months unused, so 1/1 of the £10.00 paid.",
		},
		{
			name: "a permit shorter than a month has no whole months", policy: proRata, paid: "10.00",
			starts: date(2025, 1, 1), expires: date(2025, 1, 20), on: date(2025, 1, 1),
			want: "0.00", wantFee: "0.00", wantUnused: 0, wantTot: 0,
			wantReason: "Nothing to refund: no whole month of the permit is left unused, and a part month is not refunded.",
		},
		{
			name: "admin fee deducted", policy: proRataFee, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "12.91", wantFee: "10.00", wantUnused: 5, wantTot: 12,
			wantReason: "£12.91: 5 of 12 whole months unused, so 5/12 of the £55.00 paid (£22.91, rounded down to the penny) less the £10.00 admin fee.",
		},
		{
			name: "admin fee larger than the refund", policy: proRataFee, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 1),
			want: "0.00", wantFee: "4.58", wantUnused: 1, wantTot: 12,
			wantReason: "£0.00: 1 of 12 whole months unused, so 1/12 of the £55.00 paid (£4.58, rounded down to the penny) less the £10.00 admin fee, which leaves nothing.",
		},
		{
			name: "admin fee equal to the refund", policy: proRataFee, paid: "60.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 2, 1),
			want: "0.00", wantFee: "10.00", wantUnused: 2, wantTot: 12,
			wantReason: "£0.00: 2 of 12 whole months unused, so 2/12 of the £60.00 paid (£10.00) less the £10.00 admin fee, which leaves nothing.",
		},
		{
			name: "full refund", policy: full, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 3, 31),
			want: "55.00", wantFee: "0.00", wantUnused: 0, wantTot: 12,
			wantReason: "£55.00: a full refund of the £55.00 paid.",
		},
		{
			name: "full refund less the admin fee", policy: fullFee, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "45.00", wantFee: "10.00", wantUnused: 5, wantTot: 12,
			wantReason: "£45.00: a full refund of the £55.00 paid less the £10.00 admin fee.",
		},
		{
			name: "full refund smaller than the admin fee", policy: fullFee, paid: "5.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "0.00", wantFee: "5.00", wantUnused: 5, wantTot: 12,
			wantReason: "£0.00: a full refund of the £5.00 paid less the £10.00 admin fee, which leaves nothing.",
		},
		{
			name: "full refund after expiry", policy: fullFee, paid: "55.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2026, 4, 1),
			want: "0.00", wantFee: "0.00", wantUnused: 0, wantTot: 12,
			wantReason: "Nothing to refund: the permit expired on 31 March 2026, before it was cancelled.",
		},
		{
			name: "free permit", policy: proRataFee, paid: "0.00",
			starts: date(2025, 4, 1), expires: date(2026, 3, 31), on: date(2025, 10, 20),
			want: "0.00", wantFee: "0.00", wantUnused: 5, wantTot: 12,
			wantReason: "Nothing to refund: nothing was paid for this permit.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.policy.Refund(mustMoney(tt.paid), tt.starts, tt.expires, tt.on)
			require.Equal(t, tt.want, pricing.FormatMoney(r.Amount))
			require.Equal(t, tt.wantFee, pricing.FormatMoney(r.AdminFee))
			require.Equal(t, tt.wantUnused, r.UnusedMonths, "unused months")
			require.Equal(t, tt.wantTot, r.TotalMonths, "total months")
			require.Equal(t, tt.wantReason, r.Reason)
		})
	}
}

// TestRefundMonthsAgreeWithExpiryDate checks the month rules against each
// other over three years of start dates, leap day and month ends included.
func TestRefundMonthsAgreeWithExpiryDate(t *testing.T) {
	p, err := pricing.NewRefundPolicy(pricing.RefundProRata, decimal.Zero)
	require.NoError(t, err)
	paid := mustMoney("55.00")
	for start := date(2027, 1, 1); start.Before(date(2030, 1, 1)); start = start.AddDate(0, 0, 1) {
		for _, n := range []int{1, 2, 6, 12, 13, 24} {
			expires := pricing.ExpiryDate(start, n)
			r := p.Refund(paid, start, expires, start)
			require.Equal(t, n, r.TotalMonths, "start %s, %d months", start.Format(time.DateOnly), n)
			require.Equal(t, n, r.UnusedMonths)
			require.True(t, r.Amount.Equal(paid))

			// Unused months never grow as the cancellation date moves on,
			// and the refund never exceeds what was paid.
			prev := n
			for on := start; !on.After(expires.AddDate(0, 0, 1)); on = on.AddDate(0, 0, 13) {
				r := p.Refund(paid, start, expires, on)
				require.LessOrEqual(t, r.UnusedMonths, prev)
				require.True(t, r.Amount.LessThanOrEqual(paid))
				prev = r.UnusedMonths
			}
		}
	}
}

func TestParseRefundKind(t *testing.T) {
	for _, s := range []string{"none", "pro_rata", "full"} {
		k, err := pricing.ParseRefundKind(s)
		require.NoError(t, err)
		require.Equal(t, pricing.RefundKind(s), k)
	}
	for _, s := range []string{"", "None", "pro-rata", "prorata", "admin_fee", " none"} {
		_, err := pricing.ParseRefundKind(s)
		require.ErrorIs(t, err, pricing.ErrInvalidRefundPolicy, s)
		var pe *pricing.RefundPolicyError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, "Kind", pe.Field)
		require.Equal(t, s, pe.Value)
	}
}

func TestNewRefundPolicy(t *testing.T) {
	tests := []struct {
		kind       pricing.RefundKind
		fee        decimal.Decimal
		wantFields []string // fields at fault, in order; nil when valid
	}{
		{pricing.RefundNone, decimal.Zero, nil},
		{pricing.RefundNone, decimal.Decimal{}, nil},
		{pricing.RefundProRata, mustMoney("10.00"), nil},
		{pricing.RefundFull, mustMoney("0"), nil},
		{"", decimal.Zero, []string{"Kind"}},
		{"admin_fee", decimal.Zero, []string{"Kind"}},
		{pricing.RefundNone, mustMoney("5"), []string{"AdminFee"}},
		{pricing.RefundProRata, decimal.RequireFromString("-1"), []string{"AdminFee"}},
		{pricing.RefundFull, decimal.RequireFromString("0.001"), []string{"AdminFee"}},
		{"bogus", decimal.RequireFromString("-1"), []string{"Kind", "AdminFee"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.fee.String(), func(t *testing.T) {
			p, err := pricing.NewRefundPolicy(tt.kind, tt.fee)
			if tt.wantFields == nil {
				require.NoError(t, err)
				require.Equal(t, tt.kind, p.Kind)
				return
			}
			require.ErrorIs(t, err, pricing.ErrInvalidRefundPolicy)
			require.Equal(t, pricing.RefundPolicy{}, p)
			var fields []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var pe *pricing.RefundPolicyError
				require.True(t, errors.As(e, &pe))
				fields = append(fields, pe.Field)
			}
			require.Equal(t, tt.wantFields, fields)
		})
	}
}

func FuzzRefund(f *testing.F) {
	f.Add(uint8(1), int64(1000), int64(5500), int16(0), uint8(12), int16(200))
	f.Add(uint8(2), int64(0), int64(0), int16(59), uint8(1), int16(-5))
	f.Add(uint8(0), int64(999), int64(-1), int16(400), uint8(0), int16(9000))
	f.Fuzz(func(t *testing.T, kind uint8, feePence, paidPence int64, startDay int16, months uint8, cancelDay int16) {
		kinds := []pricing.RefundKind{pricing.RefundNone, pricing.RefundProRata, pricing.RefundFull, "", "other"}
		p := pricing.RefundPolicy{Kind: kinds[int(kind)%len(kinds)], AdminFee: decimal.New(feePence%100000, -2)}
		paid := decimal.New(paidPence%10000000, -2)
		start := date(2027, 1, 1).AddDate(0, 0, int(startDay))
		expires := pricing.ExpiryDate(start, int(months%40))
		cancelled := start.AddDate(0, 0, int(cancelDay))
		r := p.Refund(paid, start, expires, cancelled)

		require.False(t, r.Amount.IsNegative())
		require.False(t, r.AdminFee.IsNegative())
		require.True(t, r.Amount.Equal(r.Amount.Truncate(2)), "whole pence")
		require.True(t, r.Amount.LessThanOrEqual(decimal.Max(paid, decimal.Zero)))
		require.LessOrEqual(t, r.UnusedMonths, r.TotalMonths)
		require.Equal(t, int(months%40), r.TotalMonths)
		require.True(t, strings.HasPrefix(r.Reason, "£"+pricing.FormatMoney(r.Amount)+": ") ||
			strings.HasPrefix(r.Reason, "Nothing to refund: "), r.Reason)

		// Worked again independently, in whole pence.
		paidP, feeP := paid.CoefficientInt64(), max(p.AdminFee.CoefficientInt64(), 0)
		var want int64
		if paidP > 0 && !cancelled.After(expires) {
			switch p.Kind {
			case pricing.RefundFull:
				want = max(paidP-feeP, 0)
			case pricing.RefundProRata:
				if r.TotalMonths > 0 {
					want = max(paidP*int64(r.UnusedMonths)/int64(r.TotalMonths)-feeP, 0)
				}
			}
		}
		require.True(t, r.Amount.Equal(decimal.New(want, -2)), "refund %s, want %d pence: %s", r.Amount, want, r.Reason)
	})
}
