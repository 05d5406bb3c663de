package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Issue 11, defect 5 (RULES R1, 2026-12), on SQLite and PostgreSQL: a
// squatter's free application rejected, the resident's paid application
// pending review takes the free slot in the same transaction, its hold is
// voided, and the feed says so. A second squatter's application, and the
// per-property caps, then see the slot held; a third account at the
// property in a day is refused.
func TestFreeSlotGoesToTheFirstApplicationApproved(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		svc := newService(t, st, 1)
		ctx := t.Context()
		squatter, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Sam Squatter", UPRN: firstUPRN})
		require.NoError(t, err)
		resident, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Alex Resident", UPRN: firstUPRN})
		require.NoError(t, err)
		squat, err := svc.Apply(ctx, permit.AccountActor(squatter.ID), application(squatter, "ZZ99 ZZZ", false))
		require.NoError(t, err)
		require.True(t, squat.Free)
		paid, err := svc.Apply(ctx, permit.AccountActor(resident.ID), application(resident, "AB12 CDE", false))
		require.NoError(t, err)
		require.False(t, paid.Free)

		_, err = svc.Reject(ctx, permit.OfficerActor("jo"), squat.ID, permit.Rejection{Code: "not_resident", Reason: "The applicant does not live here."})
		require.NoError(t, err)
		got, err := svc.Permit(ctx, permit.System, paid.ID)
		require.NoError(t, err)
		require.True(t, got.Free)
		require.Equal(t, "0.00", got.Price.StringFixed(2))
		require.Equal(t, permit.PaymentVoided, got.Payment.Status)
		require.NoError(t, st.View(ctx, func(tx permit.ReadTx) error {
			claims, err := tx.Claims("carer-or-disabled", "uprn:"+got.UPRN.String())
			require.NoError(t, err)
			require.Equal(t, []permit.Claim{{Pool: "carer-or-disabled", ScopeKey: "uprn:" + got.UPRN.String(), Slot: 1, ChainID: paid.ID, PermitID: paid.ID}}, claims)
			return nil
		}))
		evs, _, err := svc.Events(ctx, permit.System, "", 100)
		require.NoError(t, err)
		var became []permit.Event
		for _, e := range evs {
			if e.Type == permit.EventPermitBecameFree {
				became = append(became, e)
			}
		}
		require.Len(t, became, 1)
		require.Equal(t, paid.ID, became[0].PermitID)

		again, err := svc.Apply(ctx, permit.AccountActor(squatter.ID), application(squatter, "YY88 YYY", false))
		require.NoError(t, err)
		require.False(t, again.Free, "the slot is the resident's now")

		_, err = svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Third Person", UPRN: firstUPRN})
		require.NoError(t, err)
		_, err = svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Fourth Person", UPRN: firstUPRN})
		var le *permit.LimitError
		require.ErrorAs(t, err, &le, "Leicestershire opens at most 3 accounts at one address in a day")
		require.Equal(t, permit.CodeTooManyNewAccounts, le.Code)
	})
}
