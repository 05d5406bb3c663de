package eligibility_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

func TestNewRulesListsEveryProblem(t *testing.T) {
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: ecp, From: d(2025, 4, 1), Price: money("55.00")},
		{PermitType: "resident", From: d(2025, 4, 1), Price: money("55.00")},
		{PermitType: drp, Zone: "anstey", DurationMonths: 6, From: d(2025, 4, 1), Price: money("10.00")},
	})
	require.NoError(t, err)
	_, err = eligibility.NewRules(eligibility.Rules{
		PermitTypes: []eligibility.PermitType{
			{ID: ecp, Name: "Essential Carer Permit", ValidityMonths: 12,
				Evidence: map[evidence.Action][]evidence.Requirement{"reapply": nil}},
			{ID: drp, Name: " ", ValidityMonths: 12},
			{ID: ecp, Name: "Again", ValidityMonths: 12},
			{ID: " x", Name: "Padded", ValidityMonths: 121},
		},
		Pools: []eligibility.AllowancePool{
			{ID: "p", Name: "pool", Types: []string{ecp, "nope", ecp}, Scope: "household", Free: -1},
			{ID: "p", Name: "", Types: []string{ecp, drp}, Scope: eligibility.ScopeAccount, Free: 1},
			{ID: "q", Name: "q"},
		},
		Limits: []eligibility.Limit{
			{Types: []string{drp, "ghost"}, Scope: eligibility.ScopeProperty, Max: 0},
			{Scope: "street", Max: 1, Why: "because"},
		},
		RenewalWindowDays: -1,
		Zones:             []zones.Zone{loughborough, {ID: "loughborough", Name: ""}, {ID: "", Name: "Nowhere"}},
		Tariffs:           tariffs,
	})
	require.ErrorIs(t, err, eligibility.ErrInvalidRules)
	var re *eligibility.RulesError
	require.True(t, errors.As(err, &re))
	require.Len(t, re.Problems, 26)
	require.Equal(t, []eligibility.Problem{
		{Field: "location", Reason: "is missing; UK councils use Europe/London"},
		{Field: "permit_types[0].evidence", Reason: `unknown action "reapply"`},
		{Field: "permit_types[1].name", Reason: "is blank; it is shown to residents"},
		{Field: "permit_types[2].id", Reason: `"essential-carer" is listed more than once`},
		{Field: "permit_types[3].id", Reason: `" x" has spaces around it`},
		{Field: "permit_types[3].validity_months", Reason: "is 121; it must be 1 to 120"},
		{Field: "pools[0].scope", Reason: `"household" is not "property" or "account"`},
		{Field: "pools[0].free", Reason: "is -1; it must be 0 or more"},
		{Field: "pools[0].types[1]", Reason: `unknown permit type "nope"`},
		{Field: "pools[0].types[2]", Reason: `"essential-carer" is listed more than once`},
		{Field: "pools[1].id", Reason: `"p" is listed more than once`},
		{Field: "pools[1].name", Reason: "is blank"},
		{Field: "pools[1].types[0]", Reason: `"essential-carer" is already in pool "p"; a permit type shares one free allowance at most`},
		{Field: "pools[2].scope", Reason: `"" is not "property" or "account"`},
		{Field: "pools[2].types", Reason: "lists no permit types"},
		{Field: "limits[0].types[1]", Reason: `unknown permit type "ghost"`},
		{Field: "limits[0].max", Reason: "is 0; it must be 1 or more"},
		{Field: "limits[0].why", Reason: "is blank; it tells residents why the limit exists"},
		{Field: "limits[1].types", Reason: "lists no permit types"},
		{Field: "limits[1].scope", Reason: `"street" is not "property" or "account"`},
		{Field: "renewal_window_days", Reason: "is -1; it must be 0 or more"},
		{Field: "zones[1].id", Reason: `"loughborough" is listed more than once`},
		{Field: "zones[1].name", Reason: "is blank; it is shown to residents"},
		{Field: "zones[2].id", Reason: "is blank"},
		{Field: "tariffs[1]", Reason: `prices unknown permit type "resident"`},
		{Field: "permit_types[1]", Reason: `no tariff prices "disabled-resident" for 12 months in zone "loughborough"`},
	}, re.Problems)
	require.Contains(t, err.Error(), `eligibility: invalid rules: location: is missing; UK councils use Europe/London; permit_types[0].evidence: `)
}

func TestNewRulesTariffPerZoneAndDuration(t *testing.T) {
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: ecp, Zone: "loughborough", DurationMonths: 12, From: d(2025, 4, 1), Price: money("55.00")},
		{PermitType: drp, DurationMonths: 6, From: d(2025, 4, 1), Price: money("10.00")},
	})
	require.NoError(t, err)
	_, err = eligibility.NewRules(eligibility.Rules{
		Location: time.UTC,
		PermitTypes: []eligibility.PermitType{
			{ID: ecp, Name: "Essential Carer Permit", ValidityMonths: 12},
			{ID: drp, Name: "Disabled Resident Permit", ValidityMonths: 12},
		},
		Zones:   []zones.Zone{loughborough, anstey},
		Tariffs: tariffs,
	})
	var re *eligibility.RulesError
	require.ErrorAs(t, err, &re)
	require.Equal(t, []eligibility.Problem{
		{Field: "permit_types[0]", Reason: `no tariff prices "essential-carer" for 12 months in zone "anstey"`},
		{Field: "permit_types[1]", Reason: `no tariff prices "disabled-resident" for 12 months in zones "loughborough" and "anstey"`},
	}, re.Problems)
}

func TestNewRulesRequiresTariffsAndTypes(t *testing.T) {
	_, err := eligibility.NewRules(eligibility.Rules{Location: time.UTC})
	require.ErrorIs(t, err, eligibility.ErrInvalidRules)
	require.EqualError(t, err, "eligibility: invalid rules: tariffs: are missing; permit_types: lists no permit types; "+
		"zones: lists no zones; no property could be eligible")
}

func TestParseEnums(t *testing.T) {
	s, err := eligibility.ParseScope("property")
	require.NoError(t, err)
	require.Equal(t, eligibility.ScopeProperty, s)
	s, err = eligibility.ParseScope("account")
	require.NoError(t, err)
	require.Equal(t, eligibility.ScopeAccount, s)
	for _, bad := range []string{"", "Property", " account", "household"} {
		_, err = eligibility.ParseScope(bad)
		require.ErrorIs(t, err, eligibility.ErrUnknownScope, bad)
	}

	for _, st := range []eligibility.Status{eligibility.StatusAwaitingPayment, eligibility.StatusPendingReview,
		eligibility.StatusApproved, eligibility.StatusRejected, eligibility.StatusCancelled, eligibility.StatusWithdrawn,
		eligibility.StatusEnded} {
		got, err := eligibility.ParseStatus(string(st))
		require.NoError(t, err)
		require.Equal(t, st, got)
	}
	for _, bad := range []string{"", "current", "expired", "APPROVED"} {
		_, err = eligibility.ParseStatus(bad)
		require.ErrorIs(t, err, eligibility.ErrUnknownStatus, bad)
	}

	k, err := eligibility.ParseKind("renewal")
	require.NoError(t, err)
	require.Equal(t, eligibility.KindRenewal, k)
	k, err = eligibility.ParseKind("new")
	require.NoError(t, err)
	require.Equal(t, eligibility.KindNew, k)
	_, err = eligibility.ParseKind("renew")
	require.ErrorIs(t, err, eligibility.ErrUnknownKind)
	require.EqualError(t, err, `eligibility: request kind "renew": unknown request kind (want "new" or "renewal")`)
}

func TestExpiryDate(t *testing.T) {
	tests := []struct {
		name   string
		starts time.Time
		months int
		want   time.Time
	}{
		{"12 months from the 15th", d(2027, 1, 15), 12, d(2028, 1, 14)},
		{"12 months from 1 January", d(2027, 1, 1), 12, d(2027, 12, 31)},
		{"12 months from 1 March ends on leap day", d(2027, 3, 1), 12, d(2028, 2, 29)},
		{"12 months from 29 February", d(2028, 2, 29), 12, d(2029, 2, 28)},
		{"48 months from 29 February reaches a leap year", d(2028, 2, 29), 48, d(2032, 2, 28)},
		{"1 month from 31 January", d(2027, 1, 31), 1, d(2027, 2, 28)},
		{"1 month from 31 January in a leap year", d(2028, 1, 31), 1, d(2028, 2, 29)},
		{"1 month from 30 January", d(2027, 1, 30), 1, d(2027, 2, 28)},
		{"1 month from 28 January", d(2027, 1, 28), 1, d(2027, 2, 27)},
		{"1 month from 31 August", d(2027, 8, 31), 1, d(2027, 9, 30)},
		{"3 months from 30 November", d(2027, 11, 30), 3, d(2028, 2, 29)},
		{"2 months from 31 December", d(2027, 12, 31), 2, d(2028, 2, 29)},
		{"12 months from 31 December", d(2027, 12, 31), 12, d(2028, 12, 30)},
		{"a London midnight is its London date", time.Date(2027, 7, 1, 0, 0, 0, 0, london(t)), 12, d(2028, 6, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, eligibility.ExpiryDate(tt.starts, tt.months))
		})
	}
}

func TestToday(t *testing.T) {
	loc := london(t)
	tests := []struct {
		at   string
		want time.Time
	}{
		{"2027-01-15T23:30:00Z", d(2027, 1, 15)}, // GMT: London and UTC agree
		{"2027-06-30T23:30:00Z", d(2027, 7, 1)},  // BST: London is an hour ahead
		{"2026-10-24T23:30:00Z", d(2026, 10, 25)},
		{"2026-10-25T00:59:59Z", d(2026, 10, 25)}, // the repeated hour
		{"2026-10-25T23:30:00Z", d(2026, 10, 25)},
		{"2027-03-28T00:30:00Z", d(2027, 3, 28)},
		{"2027-03-28T23:30:00Z", d(2027, 3, 29)},
		{"2027-03-28T01:00:00+01:00", d(2027, 3, 28)}, // an offset in the input changes nothing
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, eligibility.Today(instant(t, tt.at), loc), tt.at)
	}
	require.Equal(t, d(2027, 6, 30), eligibility.Today(instant(t, "2027-06-30T23:30:00Z"), nil), "nil means UTC")
}
