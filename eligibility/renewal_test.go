package eligibility_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
)

func TestR5RenewalWindow(t *testing.T) {
	r := scheme(t)
	tests := []struct {
		name    string
		expires time.Time
		at      string
		want    eligibility.Code // "" = renewal allowed
		detail  string
	}{
		{"30 days before expiry is allowed", d(2027, 3, 31), "2027-03-01T12:00:00Z", "", ""},
		{"31 days before expiry is too early", d(2027, 3, 31), "2027-02-28T12:00:00Z", eligibility.CodeRenewalWindowNotOpen,
			"You can renew from 1 March 2027, 30 days before it expires on 31 March 2027."},
		{"on the expiry date is allowed", d(2027, 3, 31), "2027-03-31T12:00:00Z", "", ""},
		{"the day after expiry is closed", d(2027, 3, 31), "2027-04-01T12:00:00Z", eligibility.CodeRenewalWindowClosed,
			"This permit expired on 31 March 2027, so it can no longer be renewed; apply for a new permit instead."},
		{"window opening in a leap February", d(2028, 3, 15), "2028-02-14T12:00:00Z", "", ""},
		{"the day before it opens in a leap February", d(2028, 3, 15), "2028-02-13T12:00:00Z", eligibility.CodeRenewalWindowNotOpen,
			"You can renew from 14 February 2028, 30 days before it expires on 15 March 2028."},

		// The clocks go back at 01:00 UTC on 25 October 2026. At 23:30 UTC
		// on the 24th it is already 00:30 BST on the 25th in London.
		{"October change: 30 days before in London, 31 in UTC", d(2026, 11, 24), "2026-10-24T23:30:00Z", "", ""},
		{"October change: 23:59 BST is still 31 days before", d(2026, 11, 24), "2026-10-24T22:59:00Z", eligibility.CodeRenewalWindowNotOpen,
			"You can renew from 25 October 2026, 30 days before it expires on 24 November 2026."},
		{"October change: expiry day in UTC, the day after in London", d(2026, 10, 24), "2026-10-24T23:30:00Z", eligibility.CodeRenewalWindowClosed,
			"This permit expired on 24 October 2026, so it can no longer be renewed; apply for a new permit instead."},
		{"October change: the evening after, GMT again, London and UTC agree", d(2026, 11, 24), "2026-10-25T23:30:00Z", "", ""},

		// The clocks go forward at 01:00 UTC on 28 March 2027.
		{"March change: still GMT at 00:30, London and UTC agree", d(2027, 4, 27), "2027-03-28T00:30:00Z", "", ""},
		{"March change: the day before the window in GMT", d(2027, 4, 28), "2027-03-28T00:30:00Z", eligibility.CodeRenewalWindowNotOpen,
			"You can renew from 29 March 2027, 30 days before it expires on 28 April 2027."},
		{"March change: 23:30 UTC is the next London day in BST", d(2027, 4, 28), "2027-03-28T23:30:00Z", "", ""},
		{"March change: 22:30 UTC is 23:30 BST, still 31 days before", d(2027, 4, 28), "2027-03-28T22:30:00Z", eligibility.CodeRenewalWindowNotOpen,
			"You can renew from 29 March 2027, 30 days before it expires on 28 April 2027."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := permit("p1", tt.expires.AddDate(-1, 0, 1), expires(tt.expires))
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: []eligibility.Holding{old}, At: instant(t, tt.at), RenewalOf: "p1"})
			if tt.want == "" {
				require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
			} else {
				require.False(t, dec.Eligible)
				got := reason(t, dec, tt.want)
				require.True(t, got.Blocking)
				require.Equal(t, tt.detail, got.Detail)
			}
			// Whether or not it is allowed today, the renewal would start
			// the day after the old permit expires.
			require.Equal(t, tt.expires.AddDate(0, 0, 1), dec.StartsOn)
		})
	}
}

func TestR5RenewalDatesEvidenceAndWindowSize(t *testing.T) {
	tests := []struct {
		name                string
		window              int
		oldExpires          time.Time
		at                  time.Time
		wantStart, wantEnds time.Time
		wantCode            eligibility.Code
	}{
		{"a renewal starts the day after expiry and runs 12 months", 30, d(2027, 3, 31), noon(2027, 3, 15), d(2027, 4, 1), d(2028, 3, 31), ""},
		{"a permit that started on 29 February", 30, d(2029, 2, 28), noon(2029, 2, 1), d(2029, 3, 1), d(2030, 2, 28), ""},
		{"a renewal starting on 29 February", 30, d(2028, 2, 28), noon(2028, 2, 1), d(2028, 2, 29), d(2029, 2, 28), ""},
		{"a renewal starting on the 31st", 30, d(2027, 12, 30), noon(2027, 12, 30), d(2027, 12, 31), d(2028, 12, 30), ""},
		{"a council with a 60-day window", 60, d(2027, 3, 31), noon(2027, 1, 30), d(2027, 4, 1), d(2028, 3, 31), ""},
		{"a 60-day window, 61 days before", 60, d(2027, 3, 31), noon(2027, 1, 29), d(2027, 4, 1), d(2028, 3, 31), eligibility.CodeRenewalWindowNotOpen},
		{"a zero-day window allows the expiry date only", 0, d(2027, 3, 31), noon(2027, 3, 31), d(2027, 4, 1), d(2028, 3, 31), ""},
		{"a zero-day window, the day before", 0, d(2027, 3, 31), noon(2027, 3, 30), d(2027, 4, 1), d(2028, 3, 31), eligibility.CodeRenewalWindowNotOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scheme(t, func(r *eligibility.Rules) { r.RenewalWindowDays = tt.window })
			old := permit("p1", d(2020, 1, 1), expires(tt.oldExpires))
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: []eligibility.Holding{old}, At: tt.at, RenewalOf: "p1"})
			require.Equal(t, tt.wantStart, dec.StartsOn)
			require.Equal(t, tt.wantEnds, dec.ExpiresOn)
			require.Equal(t, []string{"proof_of_care"}, requirementNames(dec), "R5: updated proof of care to renew")
			if tt.wantCode == "" {
				require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
			} else {
				require.Contains(t, codes(dec), tt.wantCode)
			}
		})
	}
}

func TestR5NotRenewable(t *testing.T) {
	now := noon(2027, 3, 15)
	old := func(opts ...func(*eligibility.Holding)) eligibility.Holding {
		return permit("p1", d(2026, 4, 1), opts...) // expires 31 March 2027: in the window
	}
	tests := []struct {
		name      string
		rules     func(*eligibility.Rules)
		holdings  []eligibility.Holding
		renewalOf string
		typ       string
		want      eligibility.Code
		detail    string
	}{
		{name: "pending review", holdings: []eligibility.Holding{old(status(eligibility.StatusPendingReview))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is waiting for the council's decision; only an approved permit can be renewed.`},
		{name: "awaiting payment", holdings: []eligibility.Holding{old(status(eligibility.StatusAwaitingPayment))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is awaiting payment; only an approved permit can be renewed.`},
		{name: "rejected", holdings: []eligibility.Holding{old(status(eligibility.StatusRejected))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is rejected; only an approved permit can be renewed.`},
		{name: "cancelled", holdings: []eligibility.Holding{old(status(eligibility.StatusCancelled))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is cancelled; only an approved permit can be renewed.`},
		{name: "ended after a move to another zone", holdings: []eligibility.Holding{old(status(eligibility.StatusEnded))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is ended by the council; only an approved permit can be renewed.`},
		{name: "already renewed", holdings: []eligibility.Holding{old(renewedBy("p2"))},
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" has already been renewed (by permit "p2").`},
		{name: "type not renewable", rules: func(r *eligibility.Rules) { r.PermitTypes[0].Renewable = false },
			holdings: []eligibility.Holding{old()},
			want:     eligibility.CodeNotRenewable, detail: "An Essential Carer Permit cannot be renewed; apply for a new permit instead."},
		{name: "renewed as another type", holdings: []eligibility.Holding{old()}, typ: drp,
			want: eligibility.CodeNotRenewable, detail: `Permit "p1" is not a Disabled Resident Permit, so it cannot be renewed as one.`},
		{name: "not among the holdings", holdings: []eligibility.Holding{old()}, renewalOf: "p9",
			want: eligibility.CodeNotRenewable, detail: `Permit "p9" is not one of this property's or account's permits, so it cannot be renewed here.`},
		{name: "no permit named", holdings: []eligibility.Holding{old()}, renewalOf: "-",
			want: eligibility.CodeInvalidRequest, detail: "The renewal request does not say which permit to renew (RenewalOf)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*eligibility.Rules)
			if tt.rules != nil {
				change = append(change, tt.rules)
			}
			r := scheme(t, change...)
			req := eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: tt.holdings, At: now, RenewalOf: "p1"}
			if tt.typ != "" {
				req.PermitType = tt.typ
			}
			switch tt.renewalOf {
			case "":
			case "-":
				req.RenewalOf = ""
			default:
				req.RenewalOf = tt.renewalOf
			}
			dec := r.Decide(req)
			require.False(t, dec.Eligible)
			require.Equal(t, []eligibility.Code{tt.want}, blockingCodes(dec),
				"a permit that cannot be renewed at all is not also told about the window")
			require.Equal(t, tt.detail, reason(t, dec, tt.want).Detail)
		})
	}
}

func TestR5NotRenewableAndOutsideWindowReportsOnlyNotRenewable(t *testing.T) {
	r := scheme(t)
	old := permit("p1", d(2026, 4, 1), status(eligibility.StatusCancelled))
	dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
		Property: property(), Holdings: []eligibility.Holding{old}, At: noon(2026, 6, 1), RenewalOf: "p1"})
	require.Equal(t, []eligibility.Code{eligibility.CodeNotRenewable}, blockingCodes(dec))
}

func blockingCodes(dec eligibility.Decision) []eligibility.Code {
	var cs []eligibility.Code
	for _, r := range dec.Reasons {
		if r.Blocking {
			cs = append(cs, r.Code)
		}
	}
	return cs
}

func requirementNames(dec eligibility.Decision) []string {
	var ns []string
	for _, r := range dec.RequiredEvidence {
		ns = append(ns, r.Name)
	}
	return ns
}
