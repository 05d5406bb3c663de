package permit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

func TestPermitHistory(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	other := w.mustApply(w.account(otherZone, ""), "essential-carer", "CD34EFG")
	w.setNow(at(2026, 11, 25, 9, 30))
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	_, err = w.svc.Reject(ctx, w.officer, other.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter does not name the carer."})
	require.NoError(t, err)

	evs, err := w.svc.PermitHistory(ctx, permit.System, p.ID)
	require.NoError(t, err)
	var types []permit.EventType
	for i, e := range evs {
		types = append(types, e.Type)
		require.Equal(t, p.ID, e.PermitID)
		if i > 0 {
			require.Less(t, evs[i-1].ID, e.ID, "feed order")
		}
	}
	require.Equal(t, []permit.EventType{permit.EventPermitApplied, permit.EventPermitApproved}, types)
	require.Equal(t, "officer:jo.bloggs", evs[1].Actor)
	require.True(t, evs[1].At.Equal(at(2026, 11, 25, 9, 30)))

	_, err = w.svc.PermitHistory(ctx, permit.System, "per_missing")
	require.ErrorIs(t, err, permit.ErrNotFound)
}

func TestCurrentPermits(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	var approved []string
	for _, uprn := range []zones.UPRN{home, neighbour, sameZone, otherZone} {
		p := w.mustApply(w.account(uprn, ""), "essential-carer", "AB12CDE")
		if uprn != otherZone {
			_, err := w.svc.Approve(ctx, w.officer, p.ID)
			require.NoError(t, err)
			approved = append(approved, p.ID)
		}
	}
	// Today (the zero date) and a given date; paging by ID.
	got, err := w.svc.CurrentPermits(ctx, permit.System, time.Time{}, "", 2)
	require.NoError(t, err)
	require.Equal(t, approved[:2], permitIDs(got))
	got, err = w.svc.CurrentPermits(ctx, permit.System, d(2027, 11, 23), got[1].ID, 2)
	require.NoError(t, err)
	require.Equal(t, approved[2:], permitIDs(got))
	got, err = w.svc.CurrentPermits(ctx, permit.System, d(2027, 11, 24), "", 100)
	require.NoError(t, err)
	require.Empty(t, got, "expired the day after expires_on")

	for _, limit := range []int{0, permit.MaxPageSize + 1} {
		_, err = w.svc.CurrentPermits(ctx, permit.System, time.Time{}, "", limit)
		require.ErrorIs(t, err, permit.ErrValidation)
	}
}

func permitIDs(ps []permit.Permit) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
