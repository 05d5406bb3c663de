package permit_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// heldOverEaster applies on Thursday 25 March 2027 at 10:00 (GMT) and
// has the payer pay at once: the hold lapses 120 hours later, on Tuesday
// 30 March at 10:00 UTC — 11:00 in London, after the clocks went forward
// on Sunday 28 March — over Good Friday and Easter Monday, while the
// review is due ten working days on.
func heldOverEaster(t *testing.T) (hostedWorld, permit.Permit) {
	t.Helper()
	w := newHostedWorld(t, at(2027, time.March, 25, 10, 0))
	acc := w.account(home, "jane@example.com")
	p, err := w.applyPaid(acc)
	require.NoError(t, err)
	w.hp.payer(t, p.Payment.ID, "pay")
	p, err = w.svc.ConfirmPayment(context.Background(), permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, p.Status)
	return w, p
}

func TestCaptureWindowOverEasterAndTheClockChange(t *testing.T) {
	ctx := context.Background()
	w, p := heldOverEaster(t)
	lapse := time.Date(2027, time.March, 30, 10, 0, 0, 0, time.UTC)
	from := time.Date(2027, time.March, 29, 10, 0, 0, 0, time.UTC)

	// Officers see the window in the review queue, in instants: hours,
	// not working days, and no hour lost to BST.
	q, err := w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.Len(t, q, 1)
	require.True(t, q[0].HoldLapsesAt.Equal(lapse), "%s", q[0].HoldLapsesAt)
	require.True(t, q[0].HoldCapturedFrom.Equal(from), "%s", q[0].HoldCapturedFrom)
	require.Equal(t, "11:00 BST", q[0].HoldLapsesAt.In(london).Format("15:04 MST"))
	require.True(t, q[0].DueOn.After(lapse), "the review may take longer than the hold: due %s", q[0].DueOn)

	// Easter Monday 10:59 London (09:59 UTC): not yet.
	w.setNow(from.Add(-time.Minute))
	require.Zero(t, w.runDue().HoldsCapturedEarly)
	require.Zero(t, w.hp.captured)
	// 11:00 London, a day before the hold lapses: taken.
	w.setNow(from)
	require.Equal(t, 1, w.runDue().HoldsCapturedEarly)
	require.Equal(t, 1, w.hp.captured)
	p, err = w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, p.Status, "still awaiting the officer")
	require.Equal(t, permit.PaymentCaptured, p.Payment.Status)
	ev := w.events()[len(w.events())-2]
	require.Equal(t, permit.EventPaymentCapturedEarly, ev.Type)
	require.Equal(t, map[string]string{"payment_id": p.Payment.ID, "amount": "55.00", "hold_lapses_at": "2027-03-30T10:00:00Z"}, ev.Data)
	require.Zero(t, w.runDue().HoldsCapturedEarly, "once")
	q, err = w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.True(t, q[0].HoldLapsesAt.IsZero(), "nothing held any more")

	// Approval takes nothing more.
	p, err = w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, p.Status)
	require.Equal(t, permit.PaymentCaptured, p.Payment.Status)
	require.Equal(t, 1, w.hp.captured)
	require.Empty(t, w.retries())
}

func TestCaptureWindowRejectionRefunds(t *testing.T) {
	ctx := context.Background()
	w, p := heldOverEaster(t)
	w.setNow(time.Date(2027, time.March, 29, 12, 0, 0, 0, time.UTC))
	require.Equal(t, 1, w.runDue().HoldsCapturedEarly)
	p, err := w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter does not say who is cared for."})
	require.NoError(t, err)
	require.Equal(t, permit.Rejected, p.Status)
	require.Equal(t, permit.PaymentRefunded, p.Payment.Status, "taken early, given back in full")
	require.True(t, p.Payment.Refunded.Equal(decimal.RequireFromString("55.00")), p.Payment.Refunded.String())
	require.Empty(t, w.retries())
}

// The early capture fails and the officer rejects before it is done:
// whichever the provider then does first, nothing is kept.
func TestCaptureWindowCaptureOwedWhenRejected(t *testing.T) {
	for _, tc := range []struct {
		name       string
		downReject bool // the provider is still down when the officer rejects
		want       permit.PaymentStatus
	}{
		{"the release comes first", false, permit.PaymentVoided},
		{"the capture comes first", true, permit.PaymentRefunded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w, p := heldOverEaster(t)
			w.setNow(time.Date(2027, time.March, 29, 10, 0, 0, 0, time.UTC))
			w.hp.down = 1
			rep, err := w.svc.RunDue(ctx, w.svc.Now())
			require.NoError(t, err)
			require.Equal(t, 1, rep.HoldsCapturedEarly, "owed")
			require.Len(t, w.retries(), 1)
			if tc.downReject {
				w.hp.down = 1
			}
			p, err = w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "Unclear."})
			require.NoError(t, err)
			w.advance(time.Hour)
			for range 3 {
				w.runDue()
				w.advance(time.Hour)
			}
			p, err = w.svc.Permit(ctx, permit.System, p.ID)
			require.NoError(t, err)
			require.Equal(t, permit.Rejected, p.Status)
			require.Equal(t, tc.want, p.Payment.Status)
			require.Empty(t, w.retries(), "nothing still owed")
			held := w.hp.byID[p.Payment.ID]
			require.NotEqual(t, permit.PaymentCaptured, held.Status, "the provider keeps nothing")
			require.NotEqual(t, permit.PaymentAuthorised, held.Status)
		})
	}
}
