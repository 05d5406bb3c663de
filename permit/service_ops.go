package permit

import (
	"context"
	"fmt"
	"time"
)

// PermitHistory returns a permit's events, in feed order (oldest first): who
// did what to it, when and why; to its holder, the council or a read-only
// integration. ErrNotFound when there is no such permit, or when by is
// another account; ErrForbidden for any other actor.
func (s *Service) PermitHistory(ctx context.Context, by Actor, permitID string) ([]Event, error) {
	var evs []Event
	err := s.store.View(ctx, func(tx ReadTx) error {
		p, err := tx.Permit(permitID)
		if err != nil {
			return err
		}
		if err := by.mayRead(p.AccountID, "permit", permitID, true); err != nil {
			return err
		}
		evs, err = tx.EventsOfPermit(permitID)
		return err
	})
	return evs, err
}

// MaxPageSize bounds the pages of CurrentPermits.
const MaxPageSize = 1000

// CurrentPermits returns up to limit permits current on a date (approved,
// StartsOn <= on <= ExpiresOn), by ID, after the permit ID afterID (""
// for the first page): what enforcement officers' handhelds carry. Page
// on with the last ID returned until a page comes back short. on is a
// calendar date; the zero time means today in the council's time zone.
//
// Errors: *ValidationError (ErrValidation) when limit is not between 1 and
// MaxPageSize; ErrForbidden for anyone but an officer or the system.
func (s *Service) CurrentPermits(ctx context.Context, by Actor, on time.Time, afterID string, limit int) ([]Permit, error) {
	if err := by.mayReadAll("the current permits", false); err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, &ValidationError{Fields: []FieldError{{Field: "limit", Code: "out_of_range",
			Detail: fmt.Sprintf("limit must be a whole number from 1 to %d, not %d.", MaxPageSize, limit)}}}
	}
	if on.IsZero() {
		on = s.today(s.now())
	}
	return view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsCurrentOn(on, afterID, limit) })
}
