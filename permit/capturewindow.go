package permit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// This file keeps the provider's capture window. A card payment taken on a
// hosted page is held (delayed capture) and taken on approval; but the
// provider releases a hold it was not asked to take within its lifetime
// (GOV.UK Pay: 120 hours from the payment's creation), while a review may
// take ten working days. The scheme says what then happens
// (PaymentHold): the due jobs take the money of an application still
// awaiting a decision shortly before its hold would lapse, and a rejection
// or withdrawal that follows refunds it in full, as it releases a hold.

// CaptureOnApproval: the money is held at application and taken on
// approval (the only PaymentHold.Capture there is).
const CaptureOnApproval = "on_approval"

// PaymentHold is how a scheme holds the money of a paid application until
// it is decided (scheme key payment_hold).
type PaymentHold struct {
	// Capture is when the money is taken: CaptureOnApproval.
	Capture string
	// Lifetime is how long the provider keeps a hold, counted from when
	// the application was made (GOV.UK Pay counts from the payment's
	// creation, which follows it). It must not be longer than the
	// provider's: the due jobs act on the earlier of the two.
	Lifetime time.Duration
	// CaptureBeforeLapse is how long before the hold lapses the due jobs
	// take the money of an application still awaiting a decision; it is
	// refunded in full if the application is then rejected or withdrawn.
	CaptureBeforeLapse time.Duration
}

// DefaultPaymentHold is GOV.UK Pay's: a 120-hour hold, taken a day before
// it lapses when no decision has come.
var DefaultPaymentHold = PaymentHold{Capture: CaptureOnApproval, Lifetime: 120 * time.Hour, CaptureBeforeLapse: 24 * time.Hour}

// paymentHold is the scheme's PaymentHold, or the default.
func (s *Scheme) paymentHold() PaymentHold {
	if s.PaymentHold == (PaymentHold{}) {
		return DefaultPaymentHold
	}
	return s.PaymentHold
}

// HoldLapsesAt is when the money held for p lapses if it is not taken:
// the earlier of the provider's expiry and the scheme's lifetime counted
// from the application. ok is false when p holds no money (no payment, or
// one not authorised).
func (s *Scheme) HoldLapsesAt(p Permit) (at time.Time, ok bool) {
	if p.Payment == nil || p.Payment.Status != PaymentAuthorised || p.Free {
		return time.Time{}, false
	}
	at = p.CreatedAt.Add(s.paymentHold().Lifetime).UTC()
	if e := p.Payment.ExpiresAt; !e.IsZero() && e.Before(at) {
		at = e.UTC()
	}
	return at, true
}

// HoldCapturedFrom is when the due jobs take the money held for p if no
// decision has come: CaptureBeforeLapse before HoldLapsesAt.
func (s *Scheme) HoldCapturedFrom(p Permit) (at time.Time, ok bool) {
	lapse, ok := s.HoldLapsesAt(p)
	if !ok {
		return time.Time{}, false
	}
	return lapse.Add(-s.paymentHold().CaptureBeforeLapse), true
}

// capturePage is how many pending applications one run reads at a time
// looking for holds about to lapse.
const capturePage = 500

// captureLapsingHolds is the due jobs' part of the capture window: the
// money held for each application still pending review whose hold
// reaches HoldCapturedFrom by at is taken now (an owed capture, settled
// like the others), with a permit.payment_captured_early event. It
// returns how many it took or owes. It runs with hosted payments
// (Options.HostedPayments) only.
func (s *Service) captureLapsingHolds(ctx context.Context, at time.Time) (int, error) {
	if s.hosted == nil {
		return 0, nil // the synchronous Payments port keeps its own holds
	}
	hold := s.scheme.paymentHold()
	// An application made after this cannot reach its capture instant
	// by at (its hold lapses no sooner than the scheme's lifetime after
	// it was made... unless the provider's is shorter: see PaymentHold).
	newest := at.Add(hold.CaptureBeforeLapse - hold.Lifetime)
	var due []Permit
	var after time.Time
	var afterID string
	for {
		page, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) {
			return tx.PendingReviewAfter(after, afterID, capturePage)
		})
		if err != nil {
			return 0, err
		}
		for _, p := range page {
			if from, ok := s.scheme.HoldCapturedFrom(p); ok && !from.After(at) {
				due = append(due, p)
			}
		}
		if len(page) < capturePage || page[len(page)-1].CreatedAt.After(newest) {
			break
		}
		last := page[len(page)-1]
		after, afterID = last.CreatedAt, last.ID
	}
	if len(due) == 0 {
		return 0, nil
	}
	var owed []PaymentRetry
	done, err := runDue(ctx, s, at, dueJob[Permit, PaymentRetry]{what: "capturing the lapsing hold of", id: permitID, reload: reloadPermit,
		do: func(o *op, cur Permit) (PaymentRetry, bool, error) {
			from, ok := s.scheme.HoldCapturedFrom(cur)
			if !ok || from.After(o.at) || cur.Status != PendingReview {
				return PaymentRetry{}, false, nil
			}
			lapse, _ := s.scheme.HoldLapsesAt(cur)
			r, ok, err := s.owe(o, PaymentOpCapture, cur, cur.Payment.ID, cur.Payment.Amount, o.at)
			if err != nil || !ok {
				return PaymentRetry{}, false, err
			}
			err = o.record(&cur, EventPaymentCapturedEarly, map[string]string{"payment_id": cur.Payment.ID,
				"amount": pricing.FormatMoney(cur.Payment.Amount), "hold_lapses_at": lapse.Format(time.RFC3339)})
			return r, true, err
		},
	}, due)
	owed = append(owed, done...)
	if _, serr := s.settle(ctx, owed); serr != nil {
		err = errors.Join(err, fmt.Errorf("permit: capturing lapsing holds: %w", serr))
	}
	return len(done), err
}
