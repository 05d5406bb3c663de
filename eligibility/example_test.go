package eligibility_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// leicestershire builds rules like Leicestershire's: one free Essential
// Carer or Disabled Resident Permit per property, 12-month permits, renewal
// from 30 days before expiry, £55.00 from 1 April 2025.
func leicestershire() *eligibility.Rules {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: "essential-carer", From: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), Price: decimal.RequireFromString("55.00")},
		{PermitType: "disabled-resident", From: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), Price: decimal.RequireFromString("55.00")},
	})
	if err != nil {
		panic(err)
	}
	proofOfCare := evidence.Requirement{Name: "proof_of_care", Title: "proof of care", OneOf: []evidence.Kind{"proof_of_care"}}
	rules, err := eligibility.NewRules(eligibility.Rules{
		Location: london,
		PermitTypes: []eligibility.PermitType{
			{ID: "essential-carer", Name: "Essential Carer Permit", ValidityMonths: 12, Renewable: true,
				Evidence: map[evidence.Action][]evidence.Requirement{
					evidence.ActionApply: {proofOfCare},
					evidence.ActionRenew: {proofOfCare},
				}},
			{ID: "disabled-resident", Name: "Disabled Resident Permit", ValidityMonths: 12, Renewable: true},
		},
		Pools: []eligibility.AllowancePool{{ID: "carer-and-disabled", Name: "free carer or disabled resident permit",
			Types: []string{"essential-carer", "disabled-resident"}, Scope: eligibility.ScopeProperty, Free: 1}},
		Limits: []eligibility.Limit{{Types: []string{"essential-carer", "disabled-resident"}, Scope: eligibility.ScopeProperty,
			Max: 2, Why: "The council issues up to 2 of these permits per property."}},
		RenewalWindowDays: 30,
		Zones:             []zones.Zone{{ID: "loughborough", Name: "Loughborough"}},
		Tariffs:           tariffs,
	})
	if err != nil {
		panic(err)
	}
	return rules
}

func ExampleRules_Decide() {
	rules := leicestershire()
	home := zones.Property{UPRN: 100030000001, BuildingNumber: "12", Street: "Ashby Road", Town: "Loughborough",
		Postcode: zones.MustParsePostcode("LE11 3AB"), Zone: zones.Zone{ID: "loughborough", Name: "Loughborough"}}

	// 23:30 UTC on 30 June is already 1 July in London (BST).
	dec := rules.Decide(eligibility.Request{
		Kind: eligibility.KindNew, PermitType: "essential-carer", AccountID: "acc-1", Property: home,
		At: time.Date(2027, 6, 30, 23, 30, 0, 0, time.UTC),
	})
	fmt.Println("eligible:", dec.Eligible, "free:", dec.Free, "slot:", dec.FreeSlot, "price:", pricing.FormatMoney(dec.Price))
	fmt.Println("from", dec.StartsOn.Format(time.DateOnly), "to", dec.ExpiresOn.Format(time.DateOnly))
	for _, r := range dec.Reasons {
		fmt.Printf("%s: %s\n", r.Code, r.Detail)
	}
	fmt.Println(dec.Quote.Reason)
	fmt.Println("evidence:", dec.RequiredEvidence[0].Title)
	// Output:
	// eligible: true free: true slot: 1 price: 0.00
	// from 2027-07-01 to 2028-06-30
	// free_allowance_available: This permit is free: each property gets 1 free permit, which can be an Essential Carer Permit or a Disabled Resident Permit, and this property has not used it.
	// Free: the free allowance of 1 permit per property, shared by the Essential Carer Permit and the Disabled Resident Permit.
	// evidence: proof of care
}

// Renewing too early is refused with the first date renewal is possible.
func ExampleRules_Decide_renewal() {
	rules := leicestershire()
	home := zones.Property{UPRN: 100030000001, Postcode: zones.MustParsePostcode("LE11 3AB"),
		Zone: zones.Zone{ID: "loughborough", Name: "Loughborough"}}
	current := eligibility.Holding{ID: "p1", AccountID: "acc-1", Type: "essential-carer", UPRN: home.UPRN,
		Status: eligibility.StatusApproved, Free: true, FreeSlot: 1, ChainID: "p1",
		StartsOn: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), ExpiresOn: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	for _, at := range []time.Time{
		time.Date(2027, 2, 28, 12, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
	} {
		dec := rules.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: "essential-carer",
			AccountID: "acc-1", Property: home, Holdings: []eligibility.Holding{current}, At: at, RenewalOf: "p1"})
		fmt.Println(at.Format(time.DateOnly), "eligible:", dec.Eligible, "free:", dec.Free, "starts:", dec.StartsOn.Format(time.DateOnly))
		for _, r := range dec.Reasons {
			fmt.Printf("  %s: %s\n", r.Code, r.Detail)
		}
	}
	// Output:
	// 2027-02-28 eligible: false free: true starts: 2027-04-01
	//   renewal_window_not_open: You can renew from 1 March 2027, 30 days before it expires on 31 March 2027.
	//   renewal_continues_free_permit: This renewal continues a free permit, so it is free too and keeps its place in the free allowance of this property.
	// 2027-03-01 eligible: true free: true starts: 2027-04-01
	//   renewal_continues_free_permit: This renewal continues a free permit, so it is free too and keeps its place in the free allowance of this property.
}

func ExampleExpiryDate() {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	fmt.Println(eligibility.ExpiryDate(d(2027, 1, 15), 12).Format(time.DateOnly))
	fmt.Println(eligibility.ExpiryDate(d(2028, 2, 29), 12).Format(time.DateOnly))
	fmt.Println(eligibility.ExpiryDate(d(2027, 1, 31), 1).Format(time.DateOnly))
	fmt.Println(eligibility.ExpiryDate(d(2028, 1, 31), 1).Format(time.DateOnly))
	// Output:
	// 2028-01-14
	// 2029-02-28
	// 2027-02-28
	// 2028-02-29
}

func ExampleToday() {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC) // 00:30 BST on 25 October
	fmt.Println(eligibility.Today(at, london).Format(time.DateOnly))
	// Output:
	// 2026-10-25
}

func ExampleNewRules() {
	_, err := eligibility.NewRules(eligibility.Rules{
		Location:    time.UTC,
		PermitTypes: []eligibility.PermitType{{ID: "essential-carer", Name: "Essential Carer Permit", ValidityMonths: 12}},
		Pools: []eligibility.AllowancePool{{ID: "carers", Name: "free carer permit",
			Types: []string{"essential-carer", "disabled-resident"}, Scope: "household", Free: 1}},
		Zones: []zones.Zone{{ID: "loughborough", Name: "Loughborough"}},
	})
	fmt.Println(errors.Is(err, eligibility.ErrInvalidRules))
	var re *eligibility.RulesError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Reason)
		}
	}
	// Output:
	// true
	// tariffs: are missing
	// pools[0].scope: "household" is not "property" or "account"
	// pools[0].types[1]: unknown permit type "disabled-resident"
}
