package permit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/permit"
)

// Issue 11 defect 6: cancelling a current permit withdrew nothing of its
// renewal pending review, which kept the chain's free slot (so the
// household was quoted a price) and its hold. The renewal is withdrawn
// with the permit, with its own event, its hold voided and the chain's
// slot released.
func TestCancelWithdrawsPendingRenewal(t *testing.T) {
	for _, tc := range []struct {
		name string
		paid bool
	}{{"free chain", false}, {"paid chain", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var flaky *flakyPay
			w := newWorldPaying(t, at(2026, 4, 1, 9, 0), func(g *fakepay.Gateway) permit.Payments {
				flaky = newFlaky(g, map[string]int{})
				return flaky
			})
			ctx := context.Background()
			a := w.account(home, "jane@example.org")
			first := w.mustApply(a, "essential-carer", "AB12CDE")
			p := first
			if tc.paid {
				p = w.mustApply(a, "essential-carer", "CD34EFG") // the first holds the free slot
			}
			_, err := w.svc.Approve(ctx, w.officer, p.ID)
			require.NoError(t, err)
			if tc.paid {
				_, err = w.svc.Approve(ctx, w.officer, first.ID)
				require.NoError(t, err)
			}

			w.setNow(at(2027, 3, 10, 9, 0))
			if tc.paid {
				// The free chain renews first, so it keeps the slot past its
				// expiry (R1: the slot is judged on the renewal's start date).
				_, err = w.svc.Renew(ctx, permit.AccountActor(a.ID), first.ID, permit.Renewal{Evidence: w.proofOfCare()})
				require.NoError(t, err)
			}
			r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
			require.NoError(t, err)
			require.Equal(t, permit.PendingReview, r.Status)
			require.Equal(t, !tc.paid, r.Free)
			if tc.paid {
				requireMoney(t, "55.00", w.pay.Held(), "the renewal's hold")
				flaky.failures["void"] = 1 // and the provider fails the first void
			}

			c, err := w.svc.Cancel(ctx, permit.AccountActor(a.ID), p.ID, "carer no longer needed")
			require.NoError(t, err)
			require.Equal(t, permit.Cancelled, c.Status)
			require.Empty(t, c.RenewedBy)

			got, err := w.svc.Permit(ctx, permit.System, r.ID)
			require.NoError(t, err)
			require.Equal(t, permit.Withdrawn, got.Status, "the renewal goes with the permit it renews")
			require.NotNil(t, got.Cancellation)
			require.Equal(t, "the permit it renews was cancelled", got.Cancellation.Reason)
			var withdrawn []permit.Event
			for _, e := range eventsOfType(w.events(), permit.EventPermitWithdrawn) {
				if e.PermitID == r.ID {
					withdrawn = append(withdrawn, e)
				}
			}
			require.Len(t, withdrawn, 1)
			require.Equal(t, p.ID, withdrawn[0].Data["renewal_of"])
			require.Len(t, w.notes.Of(permit.MessageCancelled), 2, "the holder hears of both")

			if tc.paid {
				require.Len(t, w.retries(), 1, "the void the provider failed is owed")
				w.advance(time.Minute)
				require.Equal(t, 1, w.runDue().PaymentsRetried)
				require.Equal(t, 1, ledgerOps(w.pay, "void"))
				requireMoney(t, "0.00", w.pay.Held())
				require.Empty(t, w.retries())
				return
			}
			// The chain's free slot is released: the household's next
			// application is free.
			b := w.account(home, "")
			require.True(t, w.mustApply(b, "disabled-resident", "EF56GHI").Free)
		})
	}
}

// An approved renewal is a permit of its own: cancelling the current one
// leaves it, and its chain keeps the free slot.
func TestCancelLeavesApprovedRenewal(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	w.setNow(at(2027, 3, 10, 9, 0))
	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, r.ID)
	require.NoError(t, err)

	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), p.ID, "")
	require.NoError(t, err)
	got, err := w.svc.Permit(ctx, permit.System, r.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, got.Status)
	require.False(t, w.mustApply(a, "disabled-resident", "EF56GHI").Free, "the renewal's chain still holds the slot")
}
