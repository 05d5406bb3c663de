package permit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

func eventsOf(evs []permit.Event, typ permit.EventType) []permit.Event {
	var out []permit.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func runDue(t *testing.T, w *world, at time.Time) permit.DueReport {
	t.Helper()
	w.setNow(at)
	rep, err := w.svc.RunDue(context.Background(), at)
	require.NoError(t, err)
	return rep
}

// Leicestershire gives officers 10 working days (England and Wales). An
// application still pending after its due date is flagged once, the day
// after; the review queue shows it overdue.
func TestReviewOverdueFlaggedOnce(t *testing.T) {
	w := newWorld(t, at(2026, 12, 1, 10, 0)) // a Tuesday
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	require.Equal(t, d(2026, 12, 15), w.svc.Scheme().ReviewDueOn(d(2026, 12, 1)))

	rep := runDue(t, w, at(2026, 12, 15, 23, 59))
	require.Zero(t, rep.ReviewsOverdue, "the due date itself is not late")
	items, err := w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.False(t, items[0].Overdue)

	rep = runDue(t, w, at(2026, 12, 16, 0, 0))
	require.Equal(t, 1, rep.ReviewsOverdue)
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, d(2026, 12, 16), got.ReviewOverdueOn)
	require.Equal(t, permit.PendingReview, got.Status, "flagging decides nothing")
	evs := eventsOf(w.events(), permit.EventReviewOverdue)
	require.Len(t, evs, 1)
	require.Equal(t, p.ID, evs[0].PermitID)
	require.Equal(t, a.ID, evs[0].AccountID)
	require.Equal(t, "system", evs[0].Actor)
	require.Equal(t, map[string]string{"submitted_on": "2026-12-01", "due_on": "2026-12-15"}, evs[0].Data)

	for _, when := range []time.Time{at(2026, 12, 16, 9, 0), at(2027, 1, 20, 9, 0)} {
		require.Zero(t, runDue(t, w, when).ReviewsOverdue, "flagged once")
	}
	require.Len(t, eventsOf(w.events(), permit.EventReviewOverdue), 1)

	fresh := w.mustApply(w.account(neighbour, ""), "essential-carer", "CD34EFG")
	items, err = w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.Len(t, items, 2)
	require.Equal(t, p.ID, items[0].Permit.ID)
	require.True(t, items[0].Overdue)
	require.Equal(t, fresh.ID, items[1].Permit.ID)
	require.False(t, items[1].Overdue)

	// Once decided it is no longer a breach to report.
	_, err = w.svc.Approve(ctx, w.officer, fresh.ID)
	require.NoError(t, err)
	require.Zero(t, runDue(t, w, at(2027, 6, 1, 9, 0)).ReviewsOverdue)
}

// Bank holidays do not count: submitted on Friday 18 December 2026, the
// tenth working day is Wednesday 6 January 2027 (Christmas Day, Boxing Day
// on Monday 28 December and New Year's Day are skipped).
func TestReviewOverdueSkipsBankHolidays(t *testing.T) {
	w := newWorld(t, at(2026, 12, 18, 16, 0))
	w.mustApply(w.account(home, ""), "essential-carer", "AB12CDE")
	require.Equal(t, d(2027, 1, 6), w.svc.Scheme().ReviewDueOn(d(2026, 12, 18)))
	require.Zero(t, runDue(t, w, at(2027, 1, 6, 17, 0)).ReviewsOverdue)
	require.Equal(t, 1, runDue(t, w, at(2027, 1, 7, 8, 0)).ReviewsOverdue)
}

// The submission date is the London date of the application: 23:30 BST
// and 00:30 BST the next day (both 1 June in UTC) have different deadlines.
func TestReviewOverdueByLondonDate(t *testing.T) {
	w := newWorld(t, at(2027, 6, 1, 23, 30))
	late := w.mustApply(w.account(home, ""), "essential-carer", "AB12CDE")
	w.setNow(at(2027, 6, 2, 0, 30))
	next := w.mustApply(w.account(neighbour, ""), "essential-carer", "CD34EFG")
	require.Equal(t, 1, next.CreatedAt.UTC().Day(), "both made on 1 June in UTC")

	due1, due2 := w.svc.Scheme().ReviewDueOn(d(2027, 6, 1)), w.svc.Scheme().ReviewDueOn(d(2027, 6, 2))
	require.Equal(t, d(2027, 6, 15), due1)
	require.Equal(t, d(2027, 6, 16), due2)
	require.Equal(t, 1, runDue(t, w, at(2027, 6, 16, 0, 5)).ReviewsOverdue)
	got, err := w.svc.Permit(context.Background(), permit.System, late.ID)
	require.NoError(t, err)
	require.Equal(t, d(2027, 6, 16), got.ReviewOverdueOn)
	got, err = w.svc.Permit(context.Background(), permit.System, next.ID)
	require.NoError(t, err)
	require.True(t, got.ReviewOverdueOn.IsZero(), "due on 16 June: not late yet")
	require.Equal(t, 1, runDue(t, w, at(2027, 6, 17, 0, 5)).ReviewsOverdue)
}

func TestAddressChangeReviewOverdue(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	c, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
	require.NoError(t, err)
	require.Equal(t, d(2026, 12, 8), c.DueOn)

	require.Zero(t, runDue(t, w, at(2026, 12, 8, 18, 0)).AddressChangesOverdue)
	rep := runDue(t, w, at(2026, 12, 9, 8, 0))
	require.Equal(t, 1, rep.AddressChangesOverdue)
	require.Zero(t, rep.ReviewsOverdue)
	got, err := w.svc.AddressChange(ctx, permit.System, c.ID)
	require.NoError(t, err)
	require.Equal(t, d(2026, 12, 9), got.ReviewOverdueOn)
	evs := eventsOf(w.events(), permit.EventAddressChangeReviewOverdue)
	require.Len(t, evs, 1)
	require.Equal(t, map[string]string{"address_change_id": c.ID, "submitted_on": "2026-11-24", "due_on": "2026-12-08"}, evs[0].Data)
	items, err := w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.True(t, items[0].Overdue)

	require.Zero(t, runDue(t, w, at(2026, 12, 10, 8, 0)).AddressChangesOverdue, "flagged once")
	// The officer can still decide it.
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.NoError(t, err)
}
