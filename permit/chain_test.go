package permit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// R1: an expired free permit frees the slot; the claim it left behind is
// taken over by the next application (regression: the stale claim used to
// make every retry conflict).
func TestR1ExpiredFreePermitFreesSlot(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)

	w.setNow(at(2027, 4, 1, 9, 0)) // the day after expiry
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Expired, got.StatusOn(w.today()))
	again := w.mustApply(a, "essential-carer", "AB12CDE")
	require.True(t, again.Free)
}

// R1: a rejected renewal gives the slot back to the permit it renewed, which
// can then be renewed again, still free.
func TestR1RejectedRenewalReturnsSlotToChain(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)

	w.setNow(at(2027, 3, 10, 9, 0))
	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, r.Free)
	_, err = w.svc.Reject(ctx, w.officer, r.ID, permit.Rejection{Code: "proof_unclear", Reason: "Please send a clearer letter."})
	require.NoError(t, err)

	old, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Empty(t, old.RenewedBy)

	// While the old permit is current, the slot is still its chain's.
	require.False(t, w.mustApply(a, "disabled-resident", "CD34EFG").Free)

	r2, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, r2.Free)
}

// R1 and R5: a paid permit renewed once the free slot has opened is free.
func TestR1PaidRenewalTakesOpenedFreeSlot(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "")
	free := w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	for _, p := range []permit.Permit{free, paid} {
		_, err := w.svc.Approve(ctx, w.officer, p.ID)
		require.NoError(t, err)
	}
	w.setNow(at(2026, 9, 1, 9, 0))
	_, err := w.svc.Cancel(ctx, permit.AccountActor(a.ID), free.ID, "carer left")
	require.NoError(t, err)

	w.setNow(at(2027, 3, 5, 9, 0))
	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), paid.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, r.Free, "the free slot opened when the free permit was cancelled")
	requireMoney(t, "0.00", r.Price)
}

// R5: while the free slot is still held by another chain on its start
// date (here the free permit's renewal), a paid permit's renewal is paid at
// the tariff in force on its start date.
func TestR5PaidRenewalStaysPaidWhileSlotHeld(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "")
	free := w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	for _, p := range []permit.Permit{free, paid} {
		_, err := w.svc.Approve(ctx, w.officer, p.ID)
		require.NoError(t, err)
	}
	w.setNow(at(2027, 3, 5, 9, 0))
	fr, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), free.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, fr.Free)
	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), paid.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.False(t, r.Free)
	requireMoney(t, "55.00", r.Payment.Amount)
	require.Equal(t, permit.PaymentAuthorised, r.Payment.Status)
}

// R4 regression: a vehicle change dated after the permit's expiry used to
// be accepted, then reported as applied on its day while the renewal in
// force kept the old car. It is refused while the permit has no renewal;
// once renewed, the change belongs to the chain and reaches the renewal
// whichever permit it is asked on (R4, decision of 2026-12).
func TestR4ChangeAfterExpiryIsRefused(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID) // to 31 March 2027
	require.NoError(t, err)
	w.setNow(at(2027, 3, 10, 9, 0))
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "XY99ZZZ", d(2027, 4, 10))
	var v *permit.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, "effective_on", v.Fields[0].Field)
	require.Contains(t, v.Fields[0].Detail, "once it has been renewed")

	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, r.ID)
	require.NoError(t, err)

	_, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "XY99ZZZ", d(2027, 4, 10))
	require.NoError(t, err)
	require.NotNil(t, change)
	old, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Nil(t, old.PendingVehicleChange, "the old permit ends before the change's day")
	w.setNow(at(2027, 4, 10, 0, 0))
	rep, err := w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	require.Equal(t, 1, rep.VehicleChangesApplied)
	got, err := w.svc.Permit(ctx, permit.System, r.ID)
	require.NoError(t, err)
	require.Equal(t, permit.VRM("XY99ZZZ"), got.VRM)
}
