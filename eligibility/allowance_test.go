package eligibility_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/pricing"
)

func TestR1FreeAllowanceNewApplication(t *testing.T) {
	now := noon(2027, 6, 15)
	started := d(2027, 1, 10) // a permit current on now, expiring 9 January 2028
	tests := []struct {
		name     string
		rules    func(*eligibility.Rules)
		typ      string
		account  string
		startsOn time.Time
		pay      bool
		holdings []eligibility.Holding
		wantFree bool
		wantSlot int
		price    string
		want     eligibility.Code
	}{
		{name: "first permit is free", wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "free permit approved: the next is paid",
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "free permit pending review holds the slot",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusPendingReview))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "free permit awaiting payment holds the slot",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusAwaitingPayment))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "rejected then reapplied: free again",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusRejected))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "cancelled then reapplied: free again",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusCancelled))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "withdrawn then reapplied: free again",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusWithdrawn))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "ended by a move then reapplied: free again",
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusEnded))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "expired then reapplied: free",
			holdings: []eligibility.Holding{permit("a", d(2026, 6, 1), free(1))}, // expired 31 May 2027
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "expires on the day of the decision: still holds the slot",
			holdings: []eligibility.Holding{permit("a", d(2026, 6, 16), free(1))}, // expires 15 June 2027
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "a future start after the free permit expires unrenewed: free (R1, judged on the start date)",
			holdings: []eligibility.Holding{permit("a", started, free(1))}, startsOn: d(2028, 1, 10),
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "a future start after the free permit expires, but it was renewed: paid",
			holdings: []eligibility.Holding{permit("a", started, free(1), renewedBy("a2")),
				permit("a2", d(2028, 1, 10), free(1), chain("a"), status(eligibility.StatusPendingReview))}, startsOn: d(2028, 1, 10),
			price: "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "a future start on the free permit's last day: paid",
			holdings: []eligibility.Holding{permit("a", started, free(1))}, startsOn: d(2028, 1, 9),
			price: "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "only paid permits held: free",
			holdings: []eligibility.Holding{permit("a", started)},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "free Disabled Resident Permit, then an Essential Carer Permit is paid",
			holdings: []eligibility.Holding{permit("a", started, free(1), ofType(drp))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "free Essential Carer Permit, then a Disabled Resident Permit is paid", typ: drp,
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			price:    "27.50", want: eligibility.CodeFreeAllowanceUsed},
		{name: "Pay declines the open slot", pay: true,
			price: "55.00", want: eligibility.CodePaidByChoice},
		{name: "Pay with no open slot is simply paid", pay: true,
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "property scope: a second account at the same address gains nothing", account: "acc-2",
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "account scope: a second account at the same address gains a free permit", account: "acc-2",
			rules:    func(r *eligibility.Rules) { r.Pools[0].Scope = eligibility.ScopeAccount },
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "account scope: the account's free permit at its old address counts",
			rules:    func(r *eligibility.Rules) { r.Pools[0].Scope = eligibility.ScopeAccount },
			holdings: []eligibility.Holding{permit("a", started, free(1), at(elsewhere))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "property scope: a permit at another address does not count",
			holdings: []eligibility.Holding{permit("a", started, free(1), at(elsewhere))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "Free=2: slot 1 held, slot 2 is given",
			rules:    func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("a", started, free(1))},
			wantFree: true, wantSlot: 2, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "Free=2: slot 2 held, slot 1 is given",
			rules:    func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("b", started, free(2))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "Free=2: both held, paid",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2; r.Limits[0].Max = 3 },
			holdings: []eligibility.Holding{permit("a", started, free(1)),
				permit("b", started, free(2), ofType(drp))},
			price: "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "Free=2: slot 1's permit rejected, slot 1 is given again",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("a", started, free(1), status(eligibility.StatusRejected)),
				permit("b", started, free(2))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "a free permit and its pending renewal are one chain, one slot",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("a", d(2026, 7, 1), free(1), renewedBy("a2")),
				permit("a2", d(2027, 7, 1), free(1), chain("a"), status(eligibility.StatusPendingReview))},
			wantFree: true, wantSlot: 2, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "a permit listed twice counts once",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("a", started, free(1)),
				permit("a", started, free(1), account("acc-2"))},
			wantFree: true, wantSlot: 2, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*eligibility.Rules)
			if tt.rules != nil {
				change = append(change, tt.rules)
			}
			r := scheme(t, change...)
			req := eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: tt.holdings, At: now, StartsOn: tt.startsOn, Pay: tt.pay}
			if tt.typ != "" {
				req.PermitType = tt.typ
			}
			if tt.account != "" {
				req.AccountID = tt.account
			}
			dec := r.Decide(req)
			require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
			require.Equal(t, tt.wantFree, dec.Free)
			require.Equal(t, tt.wantSlot, dec.FreeSlot)
			require.Equal(t, "carer-and-disabled", dec.Pool)
			require.Equal(t, tt.price, pricing.FormatMoney(dec.Price))
			require.True(t, dec.Price.Equal(dec.Quote.Amount), "the price is the quote's amount")
			require.Equal(t, tt.wantFree, dec.Quote.Free)
			require.Equal(t, []eligibility.Code{tt.want}, codes(dec))
			require.False(t, dec.Reasons[0].Blocking, "the allowance never blocks")
		})
	}
}

func TestR1FreeAllowanceRenewal(t *testing.T) {
	now := noon(2027, 3, 15)
	old := d(2026, 4, 1) // expires 31 March 2027, in its renewal window on now
	tests := []struct {
		name     string
		rules    func(*eligibility.Rules)
		pay      bool
		holdings []eligibility.Holding
		wantFree bool
		wantSlot int
		price    string
		want     eligibility.Code
	}{
		{name: "renewal of the free permit is free in the same slot",
			holdings: []eligibility.Holding{permit("p1", old, free(1))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeRenewalContinuesFreePermit},
		{name: "renewal of the free permit while the account also has a paid one",
			holdings: []eligibility.Holding{permit("p1", old, free(1)), permit("p2", d(2026, 9, 1))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeRenewalContinuesFreePermit},
		{name: "renewal of a free permit that is itself a renewal keeps the chain's slot",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("p0", d(2025, 4, 1), free(2), renewedBy("p1")),
				permit("p1", old, free(2), chain("p0")), permit("q", d(2026, 9, 1), free(1), ofType(drp))},
			wantFree: true, wantSlot: 2, price: "0.00", want: eligibility.CodeRenewalContinuesFreePermit},
		{name: "renewal of a paid permit once the free slot has opened is free",
			holdings: []eligibility.Holding{permit("p1", old),
				permit("f", d(2026, 9, 1), free(1), status(eligibility.StatusCancelled))},
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "renewal of a paid permit whose free companion expires unrenewed before it starts is free (judged on the start date)",
			holdings: []eligibility.Holding{permit("p1", old),
				permit("f", d(2026, 3, 20), free(1), ofType(drp))}, // current now, expires 19 March 2027
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "renewal of a paid permit once its free companion has expired is free",
			holdings: []eligibility.Holding{permit("p1", old),
				permit("f", d(2025, 3, 1), free(1), ofType(drp))}, // expired 28 February 2026
			wantFree: true, wantSlot: 1, price: "0.00", want: eligibility.CodeFreeAllowanceAvailable},
		{name: "renewal of a paid permit while the free slot is still held is paid",
			holdings: []eligibility.Holding{permit("p1", old), permit("f", d(2026, 9, 1), free(1), ofType(drp))},
			price:    "55.00", want: eligibility.CodeFreeAllowanceUsed},
		{name: "Pay declines the free slot on a renewal too", pay: true,
			holdings: []eligibility.Holding{permit("p1", old, free(1))},
			price:    "55.00", want: eligibility.CodePaidByChoice},
		{name: "a slot taken by a later-starting permit is not given twice",
			// While p1 was current, a permit was applied for starting after
			// p1 expires; its slot was open on that date, so it took it.
			holdings: []eligibility.Holding{permit("p1", old, free(1)), permit("f", d(2027, 4, 5), free(1), ofType(drp),
				status(eligibility.StatusPendingReview))},
			price: "55.00", want: eligibility.CodeFreePlaceTaken},
		{name: "with Free=2 such a renewal moves to the other slot",
			rules: func(r *eligibility.Rules) { r.Pools[0].Free = 2 },
			holdings: []eligibility.Holding{permit("p1", old, free(1)), permit("f", d(2027, 4, 5), free(1), ofType(drp),
				status(eligibility.StatusPendingReview))},
			wantFree: true, wantSlot: 2, price: "0.00", want: eligibility.CodeRenewalContinuesFreePermit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*eligibility.Rules)
			if tt.rules != nil {
				change = append(change, tt.rules)
			}
			r := scheme(t, change...)
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: tt.holdings, At: now, RenewalOf: "p1", Pay: tt.pay})
			require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
			require.Equal(t, tt.wantFree, dec.Free)
			require.Equal(t, tt.wantSlot, dec.FreeSlot)
			require.Equal(t, tt.price, pricing.FormatMoney(dec.Price))
			require.Equal(t, []eligibility.Code{tt.want}, codes(dec))
			require.Equal(t, d(2027, 4, 1), dec.StartsOn)
			require.Equal(t, d(2028, 3, 31), dec.ExpiresOn)
		})
	}
}

func TestR1ReasonSentences(t *testing.T) {
	now := noon(2027, 6, 15)
	r := scheme(t)
	req := eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1", Property: property(), At: now}

	dec := r.Decide(req)
	require.Equal(t, "This permit is free: each property gets 1 free permit, which can be an Essential Carer Permit "+
		"or a Disabled Resident Permit, and this property has not used it.", dec.Reasons[0].Detail)
	require.Equal(t, "Free: the free allowance of 1 permit per property, shared by the Essential Carer Permit "+
		"and the Disabled Resident Permit.", dec.Quote.Reason)

	req.Holdings = []eligibility.Holding{permit("a", d(2027, 1, 1), free(1))}
	dec = r.Decide(req)
	require.Equal(t, "This permit is not free: each property gets 1 free permit, which can be an Essential Carer Permit "+
		"or a Disabled Resident Permit, and this property already has it, so further permits require payment.", dec.Reasons[0].Detail)
	require.Equal(t, "£55.00: the tariff for essential-carer in force from 1 April 2025.", dec.Quote.Reason)

	req.Holdings, req.Pay = nil, true
	dec = r.Decide(req)
	require.Equal(t, "You chose to pay for this permit, so the free allowance of this property stays available for a later permit.",
		dec.Reasons[0].Detail)

	acct := scheme(t, func(r *eligibility.Rules) { r.Pools[0].Scope = eligibility.ScopeAccount; r.Pools[0].Free = 2 })
	req.Pay = false
	dec = acct.Decide(req)
	require.Equal(t, "This permit is free: each account gets 2 free permits, each of which can be an Essential Carer Permit "+
		"or a Disabled Resident Permit, and this account has not used them all.", dec.Reasons[0].Detail)
}

func TestR1TypeInNoPoolIsAlwaysPaid(t *testing.T) {
	r := scheme(t, func(r *eligibility.Rules) { r.Pools[0].Types = []string{drp} })
	dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
		Property: property(), At: noon(2027, 6, 15)})
	require.True(t, dec.Eligible)
	require.False(t, dec.Free)
	require.Empty(t, dec.Pool)
	require.Equal(t, "55.00", pricing.FormatMoney(dec.Price))
	require.Empty(t, dec.Reasons)
}

func TestR1PriceIsTheTariffOnTheStartDate(t *testing.T) {
	r := scheme(t)
	paid := []eligibility.Holding{permit("a", d(2024, 6, 1), free(1), expires(d(2026, 6, 1)))}
	tests := []struct {
		name   string
		at     time.Time
		starts time.Time
		price  string
	}{
		{"before the April 2025 rise", noon(2025, 3, 31), time.Time{}, "50.00"},
		{"from the April 2025 rise", noon(2025, 4, 1), time.Time{}, "55.00"},
		{"applied before the rise for a start after it", noon(2025, 3, 20), d(2025, 4, 1), "55.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: paid, At: tt.at, StartsOn: tt.starts})
			require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
			require.Equal(t, tt.price, pricing.FormatMoney(dec.Price))
			require.Equal(t, tt.price, pricing.FormatMoney(dec.Quote.Tariff.Price))
		})
	}
}

func TestNoTariffBlocksOnlyAPaidPermit(t *testing.T) {
	r := scheme(t)
	req := eligibility.Request{Kind: eligibility.KindNew, PermitType: drp, AccountID: "acc-1",
		Property: property(), At: noon(2025, 3, 1)} // the DRP tariff starts on 1 April 2025

	dec := r.Decide(req)
	require.True(t, dec.Eligible, "a free permit needs no tariff: %v", dec.Reasons)
	require.True(t, dec.Free)
	require.Equal(t, "0.00", pricing.FormatMoney(dec.Price))

	req.Pay = true
	dec = r.Decide(req)
	require.False(t, dec.Eligible)
	require.Equal(t, []eligibility.Code{eligibility.CodeNoTariff, eligibility.CodePaidByChoice}, codes(dec))
	require.Equal(t, "No price is set for a Disabled Resident Permit in Loughborough on 1 March 2025, so it cannot be issued yet; "+
		"please contact the council.", dec.Reasons[0].Detail)
}

// Issue 12 finding 1: the free slot was judged on the day of the decision,
// so a free permit that was never renewed kept it for dates after its
// expiry. R1 (decision of 2026-12): the slot is judged on the new permit's
// start date; a later renewal of the old chain is paid and says why.
func TestR1FreeSlotJudgedOnStartDate(t *testing.T) {
	r := scheme(t)
	now := noon(2026, 5, 20)
	// A free Essential Carer Permit running to 1 June 2026, never renewed.
	freeECP := permit("free-ecp", d(2025, 6, 2), free(1))
	require.Equal(t, d(2026, 6, 1), freeECP.ExpiresOn)
	// A paid Disabled Resident Permit expiring on 9 June 2026.
	paidDRP := permit("paid-drp", d(2025, 6, 10), ofType(drp))

	t.Run("a new permit starting after the free one expires is free", func(t *testing.T) {
		dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
			Property: property(), Holdings: []eligibility.Holding{freeECP, paidDRP}, At: now, StartsOn: d(2026, 6, 2)})
		require.True(t, dec.Eligible, "%v", dec.Reasons)
		require.True(t, dec.Free, "%v", dec.Reasons)
		require.Equal(t, 1, dec.FreeSlot)
		require.Equal(t, "0.00", pricing.FormatMoney(dec.Price))
	})
	t.Run("a new permit starting on the free one's last day is paid", func(t *testing.T) {
		dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
			Property: property(), Holdings: []eligibility.Holding{freeECP}, At: now, StartsOn: d(2026, 6, 1)})
		require.False(t, dec.Free)
		require.Equal(t, "55.00", pricing.FormatMoney(dec.Price))
	})
	t.Run("the renewal of a paid permit starting after the free one expires is free", func(t *testing.T) {
		dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: drp, AccountID: "acc-1",
			Property: property(), Holdings: []eligibility.Holding{freeECP, paidDRP}, At: now, RenewalOf: "paid-drp"})
		require.True(t, dec.Eligible, "%v", dec.Reasons)
		require.Equal(t, d(2026, 6, 10), dec.StartsOn)
		require.True(t, dec.Free, "%v", dec.Reasons)
		require.Equal(t, "0.00", pricing.FormatMoney(dec.Price))
	})
	t.Run("a later renewal of the old chain is paid and says why", func(t *testing.T) {
		taker := permit("new-ecp", d(2026, 6, 2), free(1), status(eligibility.StatusPendingReview))
		dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
			Property: property(), Holdings: []eligibility.Holding{freeECP, taker}, At: noon(2026, 5, 25), RenewalOf: "free-ecp"})
		require.True(t, dec.Eligible, "%v", dec.Reasons)
		require.False(t, dec.Free)
		require.Equal(t, "55.00", pricing.FormatMoney(dec.Price))
		why := reason(t, dec, eligibility.CodeFreePlaceTaken)
		require.False(t, why.Blocking)
		require.Equal(t, `This renewal is not free: permit "new-ecp" holds the free allowance for the days after permit "free-ecp" expires on 1 June 2026 (applied for before it was renewed, or held there before it moved), so the renewal requires payment.`, why.Detail)
	})
	t.Run("a renewed free chain keeps the slot past its expiry", func(t *testing.T) {
		renewed := freeECP
		renewed.RenewedBy = "free-ecp-2"
		renewal := permit("free-ecp-2", d(2026, 6, 2), free(1), chain("free-ecp"), status(eligibility.StatusPendingReview))
		dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
			Property: property(), Holdings: []eligibility.Holding{renewed, renewal}, At: now, StartsOn: d(2026, 6, 2)})
		require.False(t, dec.Free)
	})
}
