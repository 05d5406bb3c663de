package eligibility_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/pricing"
)

// Decide prepares its quotes in NewRules; on every day, in every zone, they
// must be what pricing itself would answer, however the rows overlap by
// specificity and wherever they leave gaps.
func TestR1PreparedQuotesMatchPricing(t *testing.T) {
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: ecp, From: d(2024, 4, 1), Until: d(2025, 3, 31), Price: money("50.00")},
		{PermitType: ecp, From: d(2025, 4, 1), Price: money("55.00")},
		{PermitType: ecp, Zone: "anstey", From: d(2025, 6, 1), Until: d(2025, 12, 31), Price: money("60.00")},
		{PermitType: ecp, Zone: "anstey", DurationMonths: 12, From: d(2026, 3, 1), Price: money("65.00")},
		{PermitType: ecp, DurationMonths: 12, From: d(2025, 9, 1), Until: d(2025, 10, 31), Price: money("58.00")},
		{PermitType: ecp, DurationMonths: 6, From: d(2025, 1, 1), Price: money("1.00")},
		{PermitType: drp, Zone: "loughborough", From: d(2025, 4, 1), Until: d(2025, 4, 30), Price: money("27.50")},
		{PermitType: drp, Zone: "anstey", From: d(2025, 4, 1), Price: money("20.00")},
		{PermitType: drp, Zone: "loughborough", DurationMonths: 12, From: d(2025, 6, 1), Price: money("30.00")},
	})
	require.NoError(t, err)
	r := scheme(t, func(r *eligibility.Rules) { r.Tariffs = tariffs })
	for _, zone := range r.Zones {
		for _, typ := range []string{ecp, drp} {
			for on := d(2024, 3, 1); on.Before(d(2026, 6, 1)); on = on.AddDate(0, 0, 1) {
				p := property()
				p.Zone = zone
				req := eligibility.Request{Kind: eligibility.KindNew, PermitType: typ, AccountID: "acc-1", Property: p,
					At: on, Pay: true}
				want, werr := tariffs.Quote(typ, zone.ID, 12, on, false, "")
				dec := r.Decide(req)
				if errors.Is(werr, pricing.ErrNoTariff) {
					require.Equal(t, []eligibility.Code{eligibility.CodeNoTariff, eligibility.CodePaidByChoice}, codes(dec),
						"%s %s %s", typ, zone.ID, on)
				} else {
					require.NoError(t, werr)
					require.Equal(t, want, dec.Quote, "%s %s %s", typ, zone.ID, on)
					require.True(t, dec.Price.Equal(want.Amount))
				}

				req.Pay = false
				dec = r.Decide(req)
				require.True(t, dec.Eligible, "a free permit needs no tariff")
				require.True(t, dec.Quote.Free)
				require.Equal(t, "0.00", pricing.FormatMoney(dec.Price))
				require.Equal(t, want.Tariff, dec.Quote.Tariff, "a free quote names the tariff it would have cost")
			}
		}
	}
}
