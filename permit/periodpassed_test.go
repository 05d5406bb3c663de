package permit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Issue 14 item 15 (regression): an application left pending review until
// its whole period had passed was approved as an already-expired permit.
// Approving it is refused with what to do, and it is withdrawn: its card
// hold is voided and its free place given up, so the household can apply
// again, free.
func TestApprovingAnApplicationWhosePeriodPassed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	paid := w.paidApplication() // after the household's free application, per_1
	free, err := w.svc.Permit(ctx, permit.System, "per_1")
	require.NoError(t, err)
	require.True(t, free.Free)

	w.setNow(at(2027, 11, 24, 10, 0)) // the day after both would have expired
	before := len(w.events())
	for _, p := range []permit.Permit{free, paid} {
		_, err := w.svc.Approve(ctx, w.officer, p.ID)
		require.ErrorIs(t, err, permit.ErrInvalidTransition)
		var pe *permit.PeriodPassedError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, p.ID, pe.PermitID)
		require.Equal(t, p.ExpiresOn, pe.ExpiresOn)

		got, err := w.svc.Permit(ctx, permit.System, p.ID)
		require.NoError(t, err)
		require.Equal(t, permit.Withdrawn, got.Status, "withdrawn, not approved as an expired permit")
		require.Equal(t, "its period passed before it was decided", got.Cancellation.Reason)
	}
	got, err := w.svc.Permit(ctx, permit.System, paid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, got.Payment.Status, "the card hold is released")
	requireMoney(t, "0.00", w.pay.Taken())

	var withdrawn int
	for _, e := range w.events()[before:] {
		require.NotEqual(t, permit.EventPermitApproved, e.Type)
		if e.Type == permit.EventPermitWithdrawn {
			withdrawn++
		}
	}
	require.Equal(t, 2, withdrawn)
	require.Len(t, w.notes.Of(permit.MessageCancelled), 2, "each applicant is told")

	// Approving again is an ordinary refusal: it is withdrawn.
	_, err = w.svc.Approve(ctx, w.officer, paid.ID)
	var te *permit.TransitionError
	require.ErrorAs(t, err, &te)

	// The free place is open again.
	acc, err := w.svc.Account(ctx, permit.System, free.AccountID)
	require.NoError(t, err)
	require.True(t, w.mustApply(acc, "essential-carer", "AB12CDE").Free)
}
