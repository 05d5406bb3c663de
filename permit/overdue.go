package permit

import (
	"context"
	"errors"
	"time"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// flagOverdueReviews finds applications and address changes still pending
// review after their review deadline (the scheme's ReviewWorkingDays after
// submission, see Scheme.ReviewDueOn) and flags each once: ReviewOverdueOn
// is set and an event tells the back office. It returns how many of each
// it flagged.
func (s *Service) flagOverdueReviews(ctx context.Context, at time.Time) (permits, changes int, err error) {
	today := s.today(at)
	var ps []Permit
	var cs []AddressChange
	if err := s.store.View(ctx, func(tx ReadTx) (err error) {
		if ps, err = tx.ReviewsOverdueBefore(s.overdueIfCreatedBefore(today)); err != nil {
			return err
		}
		cs, err = tx.AddressChangesOverdueOn(today)
		return err
	}); err != nil {
		return 0, 0, err
	}
	var errs []error
	flagged, err := runDue(ctx, s, at, dueJob[Permit, struct{}]{what: "flagging the overdue review of", id: permitID, reload: reloadPermit,
		do: func(o *op, cur Permit) (struct{}, bool, error) {
			dueOn := s.scheme.ReviewDueOn(s.submittedOn(cur))
			if cur.Status != PendingReview || !cur.ReviewOverdueOn.IsZero() || !dueOn.Before(today) {
				return struct{}{}, false, nil // decided or flagged meanwhile
			}
			cur.ReviewOverdueOn = today
			return struct{}{}, true, o.record(&cur, EventReviewOverdue,
				map[string]string{"submitted_on": date(s.submittedOn(cur)), "due_on": date(dueOn)})
		},
	}, ps)
	if err != nil {
		errs = append(errs, err)
	}
	flaggedChanges, err := runDue(ctx, s, at, dueJob[AddressChange, struct{}]{
		what:   "flagging the overdue review of address change",
		id:     func(c AddressChange) string { return c.ID },
		reload: func(tx ReadTx, id string) (AddressChange, error) { return tx.AddressChange(id) },
		do: func(o *op, c AddressChange) (struct{}, bool, error) {
			if c.Status != AddressChangePending || !c.ReviewOverdueOn.IsZero() || !c.DueOn.Before(today) {
				return struct{}{}, false, nil
			}
			c.ReviewOverdueOn = today
			if err := o.UpdateAddressChange(c); err != nil {
				return struct{}{}, false, err
			}
			return struct{}{}, true, o.event(EventAddressChangeReviewOverdue, "", c.AccountID,
				map[string]string{"address_change_id": c.ID, "submitted_on": date(c.SubmittedOn), "due_on": date(c.DueOn)})
		},
	}, cs)
	if err != nil {
		errs = append(errs, err)
	}
	return len(flagged), len(flaggedChanges), errors.Join(errs...)
}

// overdueIfCreatedBefore returns the instant before which an application
// still pending review on the date today is past its deadline: the start
// (in the scheme's time zone) of the day after the latest submission date
// whose deadline is before today. Deadlines never fall earlier for a later
// submission, so every application made before that instant is overdue and
// none made after it is.
func (s *Service) overdueIfCreatedBefore(today time.Time) time.Time {
	latest := civil.Of(today).AddDays(-1)
	// A deadline is at most a few weeks after its submission, whatever the
	// calendar's holidays; the bound only stops a scheme with an absurd
	// number of working days from looping for long.
	for range 3660 {
		if s.scheme.ReviewDueOn(latest.Time()).Before(today) {
			break
		}
		latest = latest.AddDays(-1)
	}
	next := latest.AddDays(1)
	return time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, s.scheme.Location).UTC()
}
