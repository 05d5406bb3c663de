package eligibility_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

func TestR2ZoneCoverage(t *testing.T) {
	r := scheme(t)
	tests := []struct {
		name   string
		prop   func(*zones.Property)
		detail string // "" = eligible
	}{
		{"a property in a covered zone", func(*zones.Property) {}, ""},
		{"a property outside every zone", func(p *zones.Property) { p.Zone = zones.Zone{} },
			"The property at LE11 3AB is not in a permit zone, so no permit can be issued for it."},
		{"a property in a zone the scheme does not cover", func(p *zones.Property) {
			p.Zone = zones.Zone{ID: "melton-mowbray", Name: "Melton Mowbray"}
		}, "The property at LE11 3AB is in Melton Mowbray, which this scheme does not cover, so no permit can be issued for it."},
		{"a zone with a covered zone's name but another ID", func(p *zones.Property) {
			p.Zone = zones.Zone{ID: "loughborough-2", Name: "Loughborough"}
		}, "The property at LE11 3AB is in Loughborough, which this scheme does not cover, so no permit can be issued for it."},
		{"a property with no postcode outside every zone", func(p *zones.Property) { p.Zone, p.Postcode = zones.Zone{}, zones.Postcode{} },
			"This property is not in a permit zone, so no permit can be issued for it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := property()
			tt.prop(&p)
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: p, At: noon(2027, 6, 15)})
			if tt.detail == "" {
				require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
				return
			}
			require.False(t, dec.Eligible)
			got := reason(t, dec, eligibility.CodeOutsideZone)
			require.True(t, got.Blocking)
			require.Equal(t, tt.detail, got.Detail)
			require.Equal(t, []eligibility.Code{eligibility.CodeOutsideZone}, blockingCodes(dec),
				"no price is looked up for a zone the scheme does not cover")
			require.False(t, dec.Free, "nothing is priced outside the scheme's zones")
			require.Empty(t, dec.Pool)
		})
	}
}

func TestUnknownPermitType(t *testing.T) {
	r := scheme(t)
	p := property()
	p.Zone = zones.Zone{}
	dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: "resident", AccountID: "acc-1",
		Property: p, At: noon(2027, 6, 15)})
	require.False(t, dec.Eligible)
	require.Equal(t, []eligibility.Code{eligibility.CodeUnknownPermitType, eligibility.CodeOutsideZone}, codes(dec),
		"every blocking reason is collected")
	require.Equal(t, `There is no permit type "resident" in this scheme; the permit types are Essential Carer Permit ("essential-carer") `+
		`and Disabled Resident Permit ("disabled-resident").`, dec.Reasons[0].Detail)
	require.True(t, dec.StartsOn.IsZero())
	require.Nil(t, dec.RequiredEvidence)
}

func TestR2NewApplicationDates(t *testing.T) {
	r := scheme(t)
	tests := []struct {
		name           string
		at             string
		startsOn       time.Time
		wantStart      time.Time
		wantEnd        time.Time
		wantPastDetail string
	}{
		{"no start date means today", "2027-01-15T09:00:00Z", time.Time{}, d(2027, 1, 15), d(2028, 1, 14), ""},
		{"today in London when UTC is still yesterday (BST)", "2027-06-30T23:30:00Z", time.Time{}, d(2027, 7, 1), d(2028, 6, 30), ""},
		{"a start today is allowed", "2027-01-15T09:00:00Z", d(2027, 1, 15), d(2027, 1, 15), d(2028, 1, 14), ""},
		{"a future start", "2027-01-15T09:00:00Z", d(2027, 2, 1), d(2027, 2, 1), d(2028, 1, 31), ""},
		{"a start on 29 February", "2028-02-01T09:00:00Z", d(2028, 2, 29), d(2028, 2, 29), d(2029, 2, 28), ""},
		{"a start on 31 January", "2027-01-15T09:00:00Z", d(2027, 1, 31), d(2027, 1, 31), d(2028, 1, 30), ""},
		{"a start yesterday is in the past", "2027-01-15T09:00:00Z", d(2027, 1, 14), d(2027, 1, 14), d(2028, 1, 13),
			"The permit cannot start on 14 January 2027 because that date has passed; the earliest start is today, 15 January 2027."},
		{"yesterday in London though today in UTC (BST)", "2027-06-30T23:30:00Z", d(2027, 6, 30), d(2027, 6, 30), d(2028, 6, 29),
			"The permit cannot start on 30 June 2027 because that date has passed; the earliest start is today, 1 July 2027."},
		{"a London midnight start date is read as its London date", "2027-06-30T09:00:00Z",
			time.Date(2027, 7, 1, 0, 0, 0, 0, london(t)), d(2027, 7, 1), d(2028, 6, 30), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), At: instant(t, tt.at), StartsOn: tt.startsOn})
			require.Equal(t, tt.wantStart, dec.StartsOn)
			require.Equal(t, tt.wantEnd, dec.ExpiresOn)
			require.Equal(t, []string{"proof_of_care", "proof_of_residency"}, requirementNames(dec))
			if tt.wantPastDetail == "" {
				require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
				return
			}
			require.False(t, dec.Eligible)
			require.Equal(t, tt.wantPastDetail, reason(t, dec, eligibility.CodeStartsInPast).Detail)
		})
	}
}

// Defect 1 of issue 11: a start of 9999-12-31 expired in year 10000, which
// a store could not read back. R1 decision: a start at most the scheme's
// furthest start ahead.
func TestR1FurthestStart(t *testing.T) {
	r := scheme(t, func(r *eligibility.Rules) { r.FurthestStartDays = 90 })
	at := "2027-01-15T09:00:00Z" // 90 days on is 15 April 2027
	tests := []struct {
		name     string
		startsOn time.Time
		tooLate  bool
	}{
		{"the furthest start itself", d(2027, 4, 15), false},
		{"a day later", d(2027, 4, 16), true},
		{"the last day a store can hold", d(9999, 12, 31), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), At: instant(t, at), StartsOn: tt.startsOn})
			if !tt.tooLate {
				require.True(t, dec.Eligible, "%+v", dec.Reasons)
				require.Equal(t, tt.startsOn, dec.StartsOn)
				return
			}
			require.False(t, dec.Eligible)
			first, ok := dec.Blocking()
			require.True(t, ok)
			require.Equal(t, eligibility.CodeStartsTooLate, first.Code)
			require.Contains(t, first.Detail, "the latest start is 15 April 2027")
			require.True(t, dec.ExpiresOn.IsZero(), "no expiry is worked out for a start that is refused")
		})
	}
	unlimited := scheme(t)
	dec := unlimited.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
		Property: property(), At: instant(t, at), StartsOn: d(2028, 1, 15)})
	require.True(t, dec.Eligible, "0 sets no limit")

	_, err := eligibility.NewRules(func() eligibility.Rules { x := *r; x.FurthestStartDays = -1; return x }())
	require.ErrorContains(t, err, "furthest_start_days")
	_, err = eligibility.NewRules(func() eligibility.Rules {
		x := *r
		x.FurthestStartDays = eligibility.MaxFurthestStartDays + 1
		return x
	}())
	require.ErrorContains(t, err, "furthest_start_days")
}

func TestLimits(t *testing.T) {
	now := noon(2027, 6, 15)
	started := d(2027, 1, 10)
	tests := []struct {
		name     string
		rules    func(*eligibility.Rules)
		kind     eligibility.Kind
		account  string
		holdings []eligibility.Holding
		want     string // limit_reached detail; "" = allowed
	}{
		{name: "one live permit, room for another",
			holdings: []eligibility.Holding{permit("a", started, free(1))}},
		{name: "two live permits reach the limit",
			holdings: []eligibility.Holding{permit("a", started, free(1)), permit("b", started, ofType(drp), account("acc-2"))},
			want: "This property already has 2 permits (Essential Carer Permit or Disabled Resident Permit) current or applied for " +
				"on 15 June 2027, and no more than 2 are allowed. The council issues up to 2 of these permits per property."},
		{name: "rejected, cancelled, withdrawn, ended and expired permits do not count",
			holdings: []eligibility.Holding{permit("a", started, free(1)),
				permit("b", started, status(eligibility.StatusRejected)), permit("c", started, status(eligibility.StatusCancelled)),
				permit("e", started, status(eligibility.StatusWithdrawn)), permit("f", started, status(eligibility.StatusEnded)),
				permit("g", d(2026, 1, 1))}},
		{name: "a pending review permit counts",
			holdings: []eligibility.Holding{permit("a", started), permit("b", started, status(eligibility.StatusPendingReview))},
			want: "This property already has 2 permits (Essential Carer Permit or Disabled Resident Permit) current or applied for " +
				"on 15 June 2027, and no more than 2 are allowed. The council issues up to 2 of these permits per property."},
		{name: "a permit and its pending renewal are one chain",
			holdings: []eligibility.Holding{permit("a", d(2026, 7, 1), renewedBy("a2")),
				permit("a2", d(2027, 7, 1), chain("a"), status(eligibility.StatusPendingReview))}},
		{name: "a renewal at the limit is allowed: it adds no chain", kind: eligibility.KindRenewal,
			holdings: []eligibility.Holding{permit("p1", d(2026, 7, 1)), permit("b", started)}},
		{name: "permits of types outside the limit do not count",
			rules:    func(r *eligibility.Rules) { r.Limits[0].Types = []string{ecp} },
			holdings: []eligibility.Holding{permit("a", started), permit("b", started, ofType(drp))}},
		{name: "account scope counts the account's permits at other addresses",
			rules: func(r *eligibility.Rules) {
				r.Limits[0].Scope, r.Limits[0].Max, r.Limits[0].Why = eligibility.ScopeAccount, 1, "One permit per account."
			},
			holdings: []eligibility.Holding{permit("a", started, at(elsewhere))},
			want: "This account already has 1 permit (Essential Carer Permit or Disabled Resident Permit) current or applied for " +
				"on 15 June 2027, and no more than 1 are allowed. One permit per account."},
		{name: "account scope ignores another account at the same address", account: "acc-2",
			rules: func(r *eligibility.Rules) {
				r.Limits[0].Scope, r.Limits[0].Max, r.Limits[0].Why = eligibility.ScopeAccount, 1, "One permit per account."
			},
			holdings: []eligibility.Holding{permit("a", started)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*eligibility.Rules)
			if tt.rules != nil {
				change = append(change, tt.rules)
			}
			r := scheme(t, change...)
			req := eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: tt.holdings, At: now}
			if tt.kind == eligibility.KindRenewal {
				req.Kind, req.RenewalOf = eligibility.KindRenewal, "p1"
			}
			if tt.account != "" {
				req.AccountID = tt.account
			}
			dec := r.Decide(req)
			if tt.want == "" {
				require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
				return
			}
			require.False(t, dec.Eligible)
			require.Equal(t, tt.want, reason(t, dec, eligibility.CodeLimitReached).Detail)
		})
	}
}

func TestEveryBlockingReasonIsCollected(t *testing.T) {
	r := scheme(t)
	p := property()
	p.Zone = anstey
	started := d(2027, 1, 10)
	dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1", Property: p,
		Holdings: []eligibility.Holding{permit("a", started, free(1)), permit("b", started)},
		At:       noon(2027, 6, 15), StartsOn: d(2027, 6, 1)})
	require.False(t, dec.Eligible)
	require.Equal(t, []eligibility.Code{eligibility.CodeStartsInPast, eligibility.CodeLimitReached, eligibility.CodeFreeAllowanceUsed},
		codes(dec))

	p.Zone = zones.Zone{}
	dec = r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1", Property: p,
		Holdings: []eligibility.Holding{permit("a", started, free(1)), permit("b", started)},
		At:       noon(2027, 6, 15), StartsOn: d(2027, 6, 1)})
	require.Equal(t, []eligibility.Code{eligibility.CodeOutsideZone, eligibility.CodeStartsInPast, eligibility.CodeLimitReached},
		codes(dec))
	first, ok := dec.Blocking()
	require.True(t, ok)
	require.Equal(t, eligibility.CodeOutsideZone, first.Code)
}

func TestInvalidRequest(t *testing.T) {
	r := scheme(t)
	dec := r.Decide(eligibility.Request{Kind: "renew", PermitType: ecp, Property: property(), At: noon(2027, 6, 15)})
	require.Equal(t, []eligibility.Code{eligibility.CodeInvalidRequest}, codes(dec))
	require.False(t, dec.Eligible)

	dec = r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, Property: property()})
	require.Equal(t, []eligibility.Code{eligibility.CodeInvalidRequest}, codes(dec), "no At: no today to judge by")
}

func TestDecideOnRulesNotFromNewRules(t *testing.T) {
	built := scheme(t)
	literal := eligibility.Rules{Location: built.Location, PermitTypes: built.PermitTypes, Pools: built.Pools,
		Limits: built.Limits, RenewalWindowDays: 30, Zones: built.Zones, Tariffs: built.Tariffs}
	req := eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1", Property: property(),
		At: noon(2027, 6, 15)}
	require.Equal(t, built.Decide(req), literal.Decide(req), "a literal Rules is indexed on the fly")

	literal.Location = nil
	dec := literal.Decide(req)
	require.False(t, dec.Eligible)
	require.Equal(t, []eligibility.Code{eligibility.CodeInvalidRules}, codes(dec))
	require.Contains(t, dec.Reasons[0].Detail, "location: is missing")

	var none *eligibility.Rules
	require.Equal(t, []eligibility.Code{eligibility.CodeInvalidRules}, codes(none.Decide(req)))
}

func TestNewRulesKeepsItsOwnCopies(t *testing.T) {
	r := scheme(t)
	req := eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1", Property: property(),
		At: noon(2027, 6, 15)}
	before := r.Decide(req)

	// A caller appending to the evidence it was given must not reach
	// into the rules.
	_ = append(before.RequiredEvidence, blueBadge)
	after := r.Decide(req)
	require.Equal(t, before, after)

	types := []eligibility.PermitType{
		{ID: ecp, Name: "Essential Carer Permit", ValidityMonths: 12, Renewable: true,
			Evidence: map[evidence.Action][]evidence.Requirement{evidence.ActionApply: {proofOfCare, proofOfResidency}}},
		{ID: drp, Name: "Disabled Resident Permit", ValidityMonths: 12},
	}
	input := eligibility.Rules{Location: r.Location, PermitTypes: types,
		Pools: []eligibility.AllowancePool{{ID: "p", Name: "pool", Types: []string{ecp, drp}, Scope: eligibility.ScopeProperty, Free: 1}},
		Zones: []zones.Zone{loughborough}, Tariffs: r.Tariffs}
	built, err := eligibility.NewRules(input)
	require.NoError(t, err)
	input.Pools[0].Types[0] = drp
	input.Pools[0].Free = 0
	input.Zones[0] = anstey
	input.PermitTypes[0].Evidence[evidence.ActionApply][0].Name = "changed"
	input.PermitTypes[0].ValidityMonths = 1
	dec := built.Decide(req)
	require.True(t, dec.Free)
	require.True(t, dec.Eligible)
	require.Equal(t, []string{"proof_of_care", "proof_of_residency"}, requirementNames(dec))
	require.Equal(t, d(2028, 6, 14), dec.ExpiresOn)
}

func TestHoldingLive(t *testing.T) {
	h := permit("a", d(2026, 4, 1)) // expires 31 March 2027
	tests := []struct {
		status eligibility.Status
		on     time.Time
		want   bool
	}{
		{eligibility.StatusApproved, d(2027, 3, 31), true},
		{eligibility.StatusApproved, d(2027, 4, 1), false},
		{eligibility.StatusApproved, d(2025, 1, 1), true}, // before it starts: it already holds its place
		{eligibility.StatusPendingReview, d(2027, 3, 31), true},
		{eligibility.StatusAwaitingPayment, d(2027, 3, 31), true},
		{eligibility.StatusRejected, d(2026, 5, 1), false},
		{eligibility.StatusCancelled, d(2026, 5, 1), false},
		{eligibility.StatusWithdrawn, d(2026, 5, 1), false},
		{eligibility.StatusEnded, d(2026, 5, 1), false},
		{"bogus", d(2026, 5, 1), false},
	}
	for _, tt := range tests {
		h.Status = tt.status
		require.Equal(t, tt.want, h.Live(tt.on), "%s on %s", tt.status, tt.on.Format(time.DateOnly))
	}
	// A date given as a London midnight is the same civil date.
	h.Status = eligibility.StatusApproved
	require.True(t, h.Live(time.Date(2027, 3, 31, 0, 0, 0, 0, london(t))))
	require.False(t, h.Live(time.Date(2027, 4, 1, 0, 0, 0, 0, london(t))))
}
