package pricing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/pricing"
)

func TestQuote(t *testing.T) {
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: "essential-carer", From: date(2024, 4, 1), Until: date(2025, 3, 31), Price: mustMoney("50.00")},
		{PermitType: "essential-carer", From: date(2025, 4, 1), Price: mustMoney("55.00")},
		{PermitType: "essential-carer", Zone: "Loughborough", DurationMonths: 6, From: date(2025, 4, 1), Until: date(2026, 3, 31), Price: mustMoney("30")},
		{PermitType: "disabled-resident", From: date(2025, 4, 1), Price: mustMoney("0")},
	})
	require.NoError(t, err)
	const allowance = "the household's one free permit in the Essential Carer and Disabled Resident allowance"
	tests := []struct {
		name       string
		permitType string
		zone       string
		months     int
		startsOn   time.Time
		free       bool
		freeReason string
		wantAmount string
		wantReason string
		wantFrom   time.Time // of the Tariff reported; zero when none
	}{
		{
			name: "paid before the rise", permitType: "essential-carer", zone: "Anstey", months: 12, startsOn: date(2025, 3, 31),
			wantAmount: "50.00", wantReason: "£50.00: the tariff for essential-carer in force from 1 April 2024 to 31 March 2025.",
			wantFrom: date(2024, 4, 1),
		},
		{
			name: "paid from the rise", permitType: "essential-carer", zone: "Anstey", months: 12, startsOn: date(2025, 4, 1),
			wantAmount: "55.00", wantReason: "£55.00: the tariff for essential-carer in force from 1 April 2025.",
			wantFrom: date(2025, 4, 1),
		},
		{
			name: "paid, zone and duration row", permitType: "essential-carer", zone: "Loughborough", months: 6, startsOn: date(2025, 6, 1),
			wantAmount: "30.00", wantReason: "£30.00: the tariff for essential-carer in zone Loughborough for 6 months in force from 1 April 2025 to 31 March 2026.",
			wantFrom: date(2025, 4, 1),
		},
		{
			name: "a tariff of nothing is still a paid quote", permitType: "disabled-resident", months: 12, startsOn: date(2025, 6, 1),
			wantAmount: "0.00", wantReason: "£0.00: the tariff for disabled-resident in force from 1 April 2025.",
			wantFrom: date(2025, 4, 1),
		},
		{
			name: "free, with the tariff for information", permitType: "essential-carer", zone: "Anstey", months: 12, startsOn: date(2025, 4, 1),
			free: true, freeReason: allowance,
			wantAmount: "0.00", wantReason: "Free: " + allowance + ".",
			wantFrom: date(2025, 4, 1),
		},
		{
			name: "free reason already ending in a full stop", permitType: "essential-carer", startsOn: date(2025, 4, 1),
			free: true, freeReason: " " + allowance + ". ",
			wantAmount: "0.00", wantReason: "Free: " + allowance + ".",
			wantFrom: date(2025, 4, 1),
		},
		{
			name: "free needs no tariff", permitType: "essential-carer", startsOn: date(2020, 1, 1),
			free: true, freeReason: allowance,
			wantAmount: "0.00", wantReason: "Free: " + allowance + ".",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tariffs.Quote(tt.permitType, tt.zone, tt.months, tt.startsOn, tt.free, tt.freeReason)
			require.NoError(t, err)
			require.Equal(t, tt.wantAmount, pricing.FormatMoney(q.Amount))
			require.Equal(t, tt.free, q.Free)
			require.Equal(t, tt.wantReason, q.Reason)
			require.Equal(t, tt.wantFrom, q.Tariff.From)
			if !tt.free {
				require.True(t, q.Amount.Equal(q.Tariff.Price))
			}
		})
	}
}

func TestQuoteErrors(t *testing.T) {
	tariffs := leicestershire(t)
	_, err := tariffs.Quote("essential-carer", "Anstey", 12, date(2024, 3, 31), false, "")
	require.ErrorIs(t, err, pricing.ErrNoTariff, "a paid quote needs a tariff")

	for _, reason := range []string{"", "  ", "."} {
		_, err = tariffs.Quote("essential-carer", "Anstey", 12, date(2025, 4, 1), true, reason)
		require.ErrorIs(t, err, pricing.ErrFreeReasonMissing, "reason %q", reason)
		require.EqualError(t, err, `pricing: free quote for permit type "essential-carer" starting on 2025-04-01: a free quote needs a reason`)
	}
}
