package permit

import (
	"context"
	"sort"
	"time"
)

// ReviewItem is one entry of the officers' review queue.
type ReviewItem struct {
	Kind          string // "permit" or "address_change"
	Permit        *Permit
	AddressChange *AddressChange
	SubmittedAt   time.Time
	DueOn         time.Time // submission date + the scheme's review working days
	Overdue       bool      // DueOn has passed: the review deadline is breached
	// HoldLapsesAt, for a paid application whose money is held by a
	// hosted payment provider, is when the hold lapses if not taken, and
	// HoldCapturedFrom when the due jobs take it if no decision has come
	// by then (Scheme.PaymentHold); zero otherwise.
	HoldLapsesAt     time.Time
	HoldCapturedFrom time.Time
}

// permitReviewItem is a permit's entry of the review queue.
func (s *Service) permitReviewItem(p Permit) ReviewItem {
	it := ReviewItem{Kind: "permit", Permit: &p, SubmittedAt: p.CreatedAt, DueOn: s.scheme.ReviewDueOn(s.submittedOn(p))}
	if s.hosted != nil {
		it.HoldLapsesAt, _ = s.scheme.HoldLapsesAt(p)
		it.HoldCapturedFrom, _ = s.scheme.HoldCapturedFrom(p)
	}
	return it
}

// ReviewQueue returns up to limit pending applications and address
// changes, oldest first, each with its review deadline counted in working
// days of the council nation's calendar and whether that deadline has
// passed (today by the service's clock). It is for the council and
// read-only integrations: ErrForbidden for anyone else.
func (s *Service) ReviewQueue(ctx context.Context, by Actor, limit int) ([]ReviewItem, error) {
	if err := by.mayReadAll("the review queue", true); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	var items []ReviewItem
	err := s.store.View(ctx, func(tx ReadTx) error {
		ps, err := tx.PendingReview(limit)
		if err != nil {
			return err
		}
		cs, err := tx.PendingAddressChanges(limit)
		if err != nil {
			return err
		}
		for i := range ps {
			p := ps[i]
			items = append(items, s.permitReviewItem(p))
		}
		for i := range cs {
			c := cs[i]
			items = append(items, ReviewItem{Kind: "address_change", AddressChange: &c, SubmittedAt: c.CreatedAt, DueOn: c.DueOn})
		}
		return nil
	})
	sort.SliceStable(items, func(i, j int) bool { return items[i].SubmittedAt.Before(items[j].SubmittedAt) })
	if len(items) > limit {
		items = items[:limit]
	}
	today := s.today(s.now())
	for i := range items {
		items[i].Overdue = items[i].DueOn.Before(today)
	}
	return items, err
}
