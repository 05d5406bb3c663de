package eligibility_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
)

// benchRequest is the target case: a property with 10 permits, 3 of
// them live (one free) and 7 rejected, cancelled or expired, and a new
// Essential Carer Permit application, which is paid because the free one
// is held.
func benchRequest(tb testing.TB) (*eligibility.Rules, eligibility.Request) {
	r := scheme(tb, func(r *eligibility.Rules) { r.Limits[0].Max = 4 })
	started := d(2027, 1, 10)
	hs := []eligibility.Holding{
		permit("a", started, free(1), ofType(drp)),
		permit("b", started, account("acc-2")),
		permit("c", started, status(eligibility.StatusPendingReview)),
		permit("d", started, free(1), status(eligibility.StatusRejected)),
		permit("e", started, status(eligibility.StatusCancelled)),
		permit("f", started, status(eligibility.StatusWithdrawn)),
		permit("g", d(2025, 1, 10)),
		permit("h", d(2025, 6, 1), free(1)),
		permit("i", d(2026, 1, 10), status(eligibility.StatusEnded)),
		permit("j", d(2024, 2, 29)),
	}
	return r, eligibility.Request{Kind: eligibility.KindNew, PermitType: ecp, AccountID: "acc-1",
		Property: property(), Holdings: hs, At: noon(2027, 6, 15)}
}

func BenchmarkDecide(b *testing.B) {
	r, req := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		dec := r.Decide(req)
		if !dec.Eligible || dec.Free {
			b.Fatalf("unexpected decision: %+v", dec)
		}
	}
}

// The budget: at most 2 allocations per decision on the common
// path. The race detector adds its own, so the check needs a plain build.
func TestDecideAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	r, req := benchRequest(t)
	dec := r.Decide(req)
	require.True(t, dec.Eligible, "reasons: %v", dec.Reasons)
	require.Equal(t, []eligibility.Code{eligibility.CodeFreeAllowanceUsed}, codes(dec))
	require.LessOrEqual(t, testing.AllocsPerRun(200, func() { r.Decide(req) }), 2.0)

	req.Holdings = req.Holdings[3:] // the free permit gone: the free path
	dec = r.Decide(req)
	require.True(t, dec.Free)
	require.LessOrEqual(t, testing.AllocsPerRun(200, func() { r.Decide(req) }), 2.0)
}
