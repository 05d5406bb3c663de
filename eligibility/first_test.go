package eligibility_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
)

// Issue 14: "proof of residency for the first application only". A type's
// first_application groups are asked of the account's first application
// at its property, after the apply groups; once a permit of the account
// there was issued, later applications and renewals do not need them.
func TestFirstApplicationEvidence(t *testing.T) {
	r := scheme(t, func(r *eligibility.Rules) {
		r.PermitTypes[0].Evidence = map[evidence.Action][]evidence.Requirement{
			evidence.ActionApply:            {proofOfCare},
			evidence.ActionFirstApplication: {proofOfResidency, proofOfCare}, // care is asked once
			evidence.ActionRenew:            {proofOfCare},
		}
	})
	started := d(2026, 1, 10)
	names := func(qs []evidence.Requirement) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.Name)
		}
		return out
	}
	first := []string{"proof_of_care", "proof_of_residency"}
	later := []string{"proof_of_care"}
	tests := []struct {
		name     string
		holdings []eligibility.Holding
		want     []string
	}{
		{"nothing held", nil, first},
		{"an approved permit of the account here", []eligibility.Holding{permit("a", started)}, later},
		{"one of another type", []eligibility.Holding{permit("a", started, ofType(drp))}, later},
		{"a cancelled one", []eligibility.Holding{permit("a", started, status(eligibility.StatusCancelled))}, later},
		{"an ended one", []eligibility.Holding{permit("a", started, status(eligibility.StatusEnded))}, later},
		{"an expired one", []eligibility.Holding{permit("a", d(2024, 1, 10))}, later},
		{"only pending", []eligibility.Holding{permit("a", started, status(eligibility.StatusPendingReview))}, first},
		{"only rejected", []eligibility.Holding{permit("a", started, status(eligibility.StatusRejected))}, first},
		{"only withdrawn", []eligibility.Holding{permit("a", started, status(eligibility.StatusWithdrawn))}, first},
		{"another account's here", []eligibility.Holding{permit("a", started, account("acc-2"))}, first},
		{"the account's elsewhere", []eligibility.Holding{permit("a", started, at(elsewhere))}, first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := r.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
				Property: property(), Holdings: tt.holdings, At: noon(2026, 6, 15), Pay: true})
			require.Equal(t, tt.want, names(dec.RequiredEvidence))
		})
	}
	// A renewal never needs them.
	dec := r.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: ecp, AccountID: "acc-1",
		Property: property(), Holdings: []eligibility.Holding{permit("a", d(2025, 7, 1))}, At: noon(2026, 6, 15), RenewalOf: "a"})
	require.Equal(t, later, names(dec.RequiredEvidence))
	// Without first_application groups nothing changes.
	dec = scheme(t).Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
		Property: property(), At: noon(2026, 6, 15)})
	require.Equal(t, []string{"proof_of_care", "proof_of_residency"}, names(dec.RequiredEvidence))
}
