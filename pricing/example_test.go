package pricing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

func ExampleParseMoney() {
	for _, s := range []string{"55", "55.0", "0.5", "55.001", "-1", "£55.00"} {
		m, err := pricing.ParseMoney(s)
		if err != nil {
			fmt.Println(errors.Is(err, pricing.ErrInvalidMoney), err)
			continue
		}
		fmt.Println(pricing.FormatMoney(m))
	}
	// Output:
	// 55.00
	// 55.00
	// 0.50
	// true pricing: invalid money amount "55.001": has more than two decimal places; amounts are whole pence
	// true pricing: invalid money amount "-1": is negative; amounts are never below 0.00
	// true pricing: invalid money amount "£55.00": contains a currency symbol; write the amount alone, as in "55.00" (the currency is always GBP)
}

// Leicestershire raised its permit prices by 10% on 1 April 2025; the
// Essential Carer Permit example price is £55.00 from then, £50.00 before.
func ExampleTariffs_Quote() {
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: "essential-carer", From: date(2024, 4, 1), Until: date(2025, 3, 31), Price: mustMoney("50.00")},
		{PermitType: "essential-carer", From: date(2025, 4, 1), Price: mustMoney("55.00")},
	})
	if err != nil {
		panic(err)
	}
	for _, on := range []time.Time{date(2025, 3, 31), date(2025, 4, 1)} {
		q, err := tariffs.Quote("essential-carer", "Loughborough", 12, on, false, "")
		if err != nil {
			panic(err)
		}
		fmt.Println(pricing.FormatMoney(q.Amount), q.Reason)
	}
	q, err := tariffs.Quote("essential-carer", "Loughborough", 12, date(2025, 4, 1), true,
		"the household's one free permit in the Essential Carer and Disabled Resident allowance")
	if err != nil {
		panic(err)
	}
	fmt.Println(pricing.FormatMoney(q.Amount), q.Reason)
	_, err = tariffs.Quote("essential-carer", "Loughborough", 12, date(2024, 3, 31), false, "")
	fmt.Println(errors.Is(err, pricing.ErrNoTariff), err)
	// Output:
	// 50.00 £50.00: the tariff for essential-carer in force from 1 April 2024 to 31 March 2025.
	// 55.00 £55.00: the tariff for essential-carer in force from 1 April 2025.
	// 0.00 Free: the household's one free permit in the Essential Carer and Disabled Resident allowance.
	// true pricing: no tariff for permit type "essential-carer" in zone "Loughborough" for 12 months on 2024-03-31
}

func ExampleRefundPolicy_Refund() {
	paid := mustMoney("55.00")
	starts := date(2025, 4, 1)
	expires := pricing.ExpiryDate(starts, 12)
	cancelled := date(2025, 10, 20)

	leicestershire, err := pricing.NewRefundPolicy(pricing.RefundNone, mustMoney("0"))
	if err != nil {
		panic(err)
	}
	proRata, err := pricing.NewRefundPolicy(pricing.RefundProRata, mustMoney("10.00"))
	if err != nil {
		panic(err)
	}
	fmt.Println("expires", expires.Format(time.DateOnly))
	for _, p := range []pricing.RefundPolicy{leicestershire, proRata} {
		r := p.Refund(paid, starts, expires, cancelled)
		fmt.Println(pricing.FormatMoney(r.Amount), r.Reason)
	}
	// Output:
	// expires 2026-03-31
	// 0.00 Nothing to refund: permits are non-refundable.
	// 12.91 £12.91: 5 of 12 whole months unused, so 5/12 of the £55.00 paid (£22.91, rounded down to the penny) less the £10.00 admin fee.
}
