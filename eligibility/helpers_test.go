package eligibility_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

const (
	ecp = "essential-carer"
	drp = "disabled-resident"
)

var (
	loughborough = zones.Zone{ID: "loughborough", Name: "Loughborough"}
	anstey       = zones.Zone{ID: "anstey", Name: "Anstey"}
)

// d is a civil date at 00:00 UTC, the package's convention.
func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

// noon is an instant in the middle of a London day, far from any midnight.
func noon(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, time.UTC) }

func instant(t testing.TB, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return at
}

func london(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	return loc
}

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	proofOfCare      = evidence.Requirement{Name: "proof_of_care", Title: "proof of care", OneOf: []evidence.Kind{"proof_of_care"}}
	proofOfResidency = evidence.Requirement{Name: "proof_of_residency", Title: "proof of residency",
		OneOf: []evidence.Kind{"tenancy_agreement", "utility_bill", "bank_statement"}}
	blueBadge = evidence.Requirement{Name: "blue_badge", Title: "Blue Badge", OneOf: []evidence.Kind{"blue_badge"}}
)

// scheme returns Leicestershire-like rules: one free Essential Carer or
// Disabled Resident Permit per property, at most 2 of them per property, a
// 30-day renewal window, and the 10% price rise of 1 April 2025.
func scheme(t testing.TB, change ...func(*eligibility.Rules)) *eligibility.Rules {
	t.Helper()
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: ecp, From: d(2024, 4, 1), Until: d(2025, 3, 31), Price: money("50.00")},
		{PermitType: ecp, From: d(2025, 4, 1), Price: money("55.00")},
		{PermitType: drp, From: d(2025, 4, 1), Price: money("27.50")},
	})
	require.NoError(t, err)
	r := eligibility.Rules{
		Location: london(t),
		PermitTypes: []eligibility.PermitType{
			{ID: ecp, Name: "Essential Carer Permit", ValidityMonths: 12, Renewable: true,
				Evidence: map[evidence.Action][]evidence.Requirement{
					evidence.ActionApply: {proofOfCare, proofOfResidency},
					evidence.ActionRenew: {proofOfCare},
				}},
			{ID: drp, Name: "Disabled Resident Permit", ValidityMonths: 12, Renewable: true,
				Evidence: map[evidence.Action][]evidence.Requirement{
					evidence.ActionApply: {blueBadge, proofOfResidency},
					evidence.ActionRenew: {blueBadge},
				}},
		},
		Pools: []eligibility.AllowancePool{{ID: "carer-and-disabled", Name: "free carer or disabled resident permit",
			Types: []string{ecp, drp}, Scope: eligibility.ScopeProperty, Free: 1}},
		Limits: []eligibility.Limit{{Types: []string{ecp, drp}, Scope: eligibility.ScopeProperty, Max: 2,
			Why: "The council issues up to 2 of these permits per property."}},
		RenewalWindowDays: 30,
		Zones:             []zones.Zone{loughborough, anstey},
		Tariffs:           tariffs,
	}
	for _, c := range change {
		c(&r)
	}
	built, err := eligibility.NewRules(r)
	require.NoError(t, err)
	return built
}

const (
	home      zones.UPRN = 100030000001
	elsewhere zones.UPRN = 100030000002
)

// property is 12 Ashby Road, Loughborough: in a zone the scheme covers.
func property() zones.Property {
	return zones.Property{UPRN: home, BuildingNumber: "12", Street: "Ashby Road", Town: "Loughborough",
		Postcode: zones.MustParsePostcode("LE11 3AB"), Zone: loughborough}
}

// permit is a holding of account "acc-1" at home: an approved, paid
// Essential Carer Permit that is its own chain, for 12 months from starts.
func permit(id string, starts time.Time, opts ...func(*eligibility.Holding)) eligibility.Holding {
	h := eligibility.Holding{ID: id, AccountID: "acc-1", Type: ecp, UPRN: home, Status: eligibility.StatusApproved,
		ChainID: id, StartsOn: starts, ExpiresOn: eligibility.ExpiryDate(starts, 12)}
	for _, o := range opts {
		o(&h)
	}
	return h
}

func free(slot int) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.Free, h.FreeSlot = true, slot }
}

func status(s eligibility.Status) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.Status = s }
}

func ofType(typ string) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.Type = typ }
}

func account(id string) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.AccountID = id }
}

func at(u zones.UPRN) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.UPRN = u }
}

func chain(id string) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.ChainID = id }
}

func renewedBy(id string) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.RenewedBy = id }
}

func expires(e time.Time) func(*eligibility.Holding) {
	return func(h *eligibility.Holding) { h.ExpiresOn = e }
}

// codes lists a decision's reason codes in order, for compact assertions.
func codes(dec eligibility.Decision) []eligibility.Code {
	var cs []eligibility.Code
	for _, r := range dec.Reasons {
		cs = append(cs, r.Code)
	}
	return cs
}

func reason(t testing.TB, dec eligibility.Decision, c eligibility.Code) eligibility.Reason {
	t.Helper()
	for _, r := range dec.Reasons {
		if r.Code == c {
			return r
		}
	}
	require.Failf(t, "reason missing", "no %q among %v", c, codes(dec))
	return eligibility.Reason{}
}
