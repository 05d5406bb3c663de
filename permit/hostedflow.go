package permit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// This file takes paid applications through a hosted payment page
// (Options.HostedPayments): the application is stored awaiting_payment,
// a payment is started with the provider (delayed capture: the money is
// held, taken on approval, released on rejection), and the payer is sent
// to its NextURL. The provider says what happened, never the payer's
// browser: ConfirmPayment reads the payment and moves the application to
// pending_review when it is held, or records why it failed so that the
// payer may try again (NewPaymentAttempt). The return route, the
// provider's notifications and the due jobs all confirm the same way.

// HostedSessionLifetime is how long a payer has on the provider's page
// (GOV.UK Pay's 90 minutes): an unpaid application is abandoned no sooner.
const HostedSessionLifetime = 90 * time.Minute

// confirmSweepPage bounds the payments one RunDue reads from the provider.
const confirmSweepPage = 200

// startKey is the idempotency key of a permit's payment attempt: asked
// again (the provider was unavailable, the answer lost), the provider
// returns the same payment.
func startKey(permitID string, attempt int) string {
	return "start:" + permitID + ":" + strconv.Itoa(attempt)
}

// paymentFrom is the permit's record of a provider's payment.
func paymentFrom(hp HostedPayment, attempt int) Payment {
	pay := Payment{ID: hp.ID, Status: hp.Status, Amount: hp.Amount, Refunded: hp.Refunded, Attempt: attempt,
		ExpiresAt: hp.ExpiresAt.UTC(), Failure: hp.Failure}
	if hp.ExpiresAt.IsZero() {
		pay.ExpiresAt = time.Time{}
	}
	if hp.Status == PaymentCreated {
		pay.NextURL = hp.NextURL
	}
	return pay
}

// startPayment starts attempt of p's payment with the provider and records
// it on the permit. When the provider fails nothing is recorded: the
// permit stays awaiting_payment as it was, and the same attempt started
// again (the same idempotency key) gives the same payment. tell, when not
// nil, is the message recorded with the payment.
func (s *Service) startPayment(ctx context.Context, by Actor, p Permit, attempt int, tell *notice) (Permit, error) {
	acc, err := view(ctx, s.store, func(tx ReadTx) (Account, error) { return tx.Account(p.AccountID) })
	if err != nil {
		return Permit{}, err
	}
	hp, err := s.hosted.StartPayment(ctx, HostedPaymentRequest{
		IdempotencyKey: startKey(p.ID, attempt), AccountID: p.AccountID, PermitID: p.ID, Amount: p.Price,
		Reference:      p.ID,
		Description:    fmt.Sprintf("%s %s to %s", s.typeName(p.Type), date(p.StartsOn), date(p.ExpiresOn)),
		ReturnURL:      s.returnTo(p.ID, attempt),
		DelayedCapture: true,
		Email:          acc.Email,
		Metadata:       map[string]string{"permit_id": p.ID, "account_id": p.AccountID, "attempt": strconv.Itoa(attempt)},
	})
	if err != nil {
		return Permit{}, fmt.Errorf("permit %s: starting payment attempt %d: %w", p.ID, attempt, err)
	}
	var out Permit
	var orphan bool
	err = s.update(ctx, by, func(o *op) error {
		orphan = false
		cur, err := o.Permit(p.ID)
		if err != nil {
			return err
		}
		if cur.Status != AwaitingPayment || (cur.Payment != nil && cur.Payment.Attempt >= attempt && cur.Payment.ID != hp.ID) {
			orphan = cur.Status != AwaitingPayment
			out = cur
			return nil
		}
		pay := paymentFrom(hp, attempt)
		cur.Payment = &pay
		if err := o.save(&cur); err != nil {
			return err
		}
		out = cur
		if tell != nil {
			return o.notify(tell.kind, cur, tell.data)
		}
		return nil
	})
	if err != nil {
		return Permit{}, err
	}
	if orphan {
		// The application closed meanwhile: the payment must hold nothing.
		if _, err := s.hosted.Cancel(ctx, hp.ID, "cancel:"+startKey(p.ID, attempt)); err != nil && s.paymentRecordFailed != nil {
			s.paymentRecordFailed(fmt.Errorf("permit %s: cancelling payment %s of a closed application: %w", p.ID, hp.ID, err))
		}
		return out, nil
	}
	if hp.Status != PaymentCreated {
		return s.confirm(ctx, by, out, hp)
	}
	return out, nil
}

// ConfirmPayment asks the payment provider how the payment of an
// application awaiting payment stands, and records it: held (or taken)
// moves the application to pending_review; failed or expired keeps it
// awaiting_payment with the failure, for the payer to try again
// (NewPaymentAttempt); still waiting for the payer changes nothing. It is
// harmless to call any number of times and from several places at once
// (the payer's return, the provider's notification, the due jobs). A
// permit not awaiting payment is returned as it is.
//
// Errors: ErrNotFound; ErrForbidden or ErrNotFound for an actor that may
// not act for the permit's account; ErrUnavailable (the provider could not
// say: nothing changed); ErrInvalidTransition when the service takes no
// hosted payments.
func (s *Service) ConfirmPayment(ctx context.Context, by Actor, permitID string) (Permit, error) {
	if s.hosted == nil {
		return Permit{}, fmt.Errorf("%w: this service takes no hosted payments", ErrInvalidTransition)
	}
	p, err := s.permit(ctx, permitID)
	if err != nil {
		return Permit{}, err
	}
	if err := by.mayActFor(p.AccountID, "permit", permitID); err != nil {
		return Permit{}, err
	}
	if p.Status != AwaitingPayment || p.Payment == nil || p.Payment.Status != PaymentCreated {
		return p, nil
	}
	hp, err := s.hosted.Payment(ctx, p.Payment.ID)
	if err != nil {
		return Permit{}, fmt.Errorf("permit %s: reading payment %s: %w", p.ID, p.Payment.ID, err)
	}
	return s.confirm(ctx, by, p, hp)
}

// ConfirmPaymentByID is ConfirmPayment for the permit whose payment has
// the provider's id paymentID, found through the permit ID the payment
// was started with (permitID, from the provider's metadata). A payment
// that is not that permit's current attempt changes nothing. It is what a
// provider notification calls, as the System.
func (s *Service) ConfirmPaymentByID(ctx context.Context, permitID, paymentID string) (Permit, error) {
	p, err := s.permit(ctx, permitID)
	if err != nil {
		return Permit{}, err
	}
	if p.Payment == nil || p.Payment.ID != paymentID {
		return p, nil
	}
	return s.ConfirmPayment(ctx, System, permitID)
}

// confirm records the provider's answer hp about p's current payment.
func (s *Service) confirm(ctx context.Context, by Actor, p Permit, hp HostedPayment) (Permit, error) {
	if hp.Status == PaymentCreated {
		// Still with the payer: keep the fresh page address.
		if p.Payment != nil && p.Payment.NextURL == hp.NextURL {
			return p, nil
		}
	}
	var out Permit
	var release []PaymentRetry
	err := s.update(ctx, by, func(o *op) error {
		release = nil
		cur, err := o.Permit(p.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Payment == nil || cur.Payment.ID != hp.ID || cur.Payment.Status != PaymentCreated {
			return nil // another confirmation came first, or another attempt
		}
		pay := paymentFrom(hp, cur.Payment.Attempt)
		switch hp.Status {
		case PaymentCreated:
			if pay.NextURL == "" {
				pay.NextURL = cur.Payment.NextURL
			}
			cur.Payment = &pay
			err = o.save(&cur)
		case PaymentAuthorised, PaymentCaptured:
			cur.Payment = &pay
			if cur.Status != AwaitingPayment {
				// Held after the application closed: give it back.
				if err := o.save(&cur); err != nil {
					return err
				}
				release, err = s.releaseHold(o, cur, o.at)
				break
			}
			err = o.take(&cur, TransitionAuthorise, map[string]string{"payment_id": pay.ID, "amount": pricing.FormatMoney(pay.Amount),
				"attempt": strconv.Itoa(pay.Attempt)})
		default: // failed, expired, voided: the payer may try again
			if pay.Status == PaymentVoided {
				pay.Status = PaymentFailed
			}
			if pay.Failure == nil {
				pay.Failure = &PaymentFailure{Code: FailureProviderError, Detail: "The provider reported the payment " + hp.ProviderStatus + "."}
			}
			cur.Payment = &pay
			data := map[string]string{"payment_id": pay.ID, "attempt": strconv.Itoa(pay.Attempt), "status": string(pay.Status),
				"code": pay.Failure.Code, "provider_code": pay.Failure.ProviderCode}
			err = o.record(&cur, EventPaymentAttemptFailed, data)
		}
		out = cur
		return err
	})
	if err != nil {
		return Permit{}, err
	}
	return s.settleAfter(ctx, out, release), nil
}

// NewPaymentAttempt starts the payer's next try at paying for an
// application awaiting payment whose last attempt failed or expired, or
// whose first could not be started (the provider was unavailable; the
// same attempt is asked for again, so it is made once). While the current
// attempt still waits for the payer it is confirmed instead and returned
// with a fresh NextURL. The permit returned has the payment's NextURL.
//
// Errors: ErrNotFound; ErrForbidden or ErrNotFound for an actor that may
// not act for the permit's account; ErrInvalidTransition when the permit is
// not awaiting payment (or the service takes no hosted payments);
// ErrUnavailable.
func (s *Service) NewPaymentAttempt(ctx context.Context, by Actor, permitID string) (Permit, error) {
	if s.hosted == nil {
		return Permit{}, fmt.Errorf("%w: this service takes no hosted payments", ErrInvalidTransition)
	}
	p, err := s.permit(ctx, permitID)
	if err != nil {
		return Permit{}, err
	}
	if err := by.mayActFor(p.AccountID, "permit", permitID); err != nil {
		return Permit{}, err
	}
	if p.Status != AwaitingPayment {
		return Permit{}, &TransitionError{PermitID: p.ID, State: p.StatusOn(s.Today()), Event: "pay"}
	}
	switch {
	case p.Payment == nil:
		return s.startPayment(ctx, by, p, 1, nil)
	case p.Payment.Status == PaymentCreated:
		hp, err := s.hosted.Payment(ctx, p.Payment.ID)
		if err != nil {
			return Permit{}, fmt.Errorf("permit %s: reading payment %s: %w", p.ID, p.Payment.ID, err)
		}
		p, err = s.confirm(ctx, by, p, hp)
		if err != nil || p.Status != AwaitingPayment || p.Payment == nil || p.Payment.Status == PaymentCreated {
			return p, err
		}
	}
	return s.startPayment(ctx, by, p, p.Payment.Attempt+1, nil)
}

// confirmAwaiting is the due jobs' sweep: the payments of applications
// awaiting payment that wait for an outcome are read from the provider
// (at most confirmSweepPage a run), in case neither the payer's return
// nor the provider's notification arrived. It returns how many moved to
// pending review or failed.
func (s *Service) confirmAwaiting(ctx context.Context, at time.Time) (int, error) {
	if s.hosted == nil {
		return 0, nil
	}
	waiting, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsAwaitingPaymentSince(at) })
	if err != nil {
		return 0, err
	}
	n, asked := 0, 0
	var errs []error
	for _, p := range waiting {
		if p.Payment == nil || p.Payment.Status != PaymentCreated {
			continue
		}
		if asked++; asked > confirmSweepPage {
			break
		}
		cur, err := s.ConfirmPayment(ctx, System, p.ID)
		switch {
		case err != nil:
			errs = append(errs, err)
		case cur.Status != AwaitingPayment || cur.Payment == nil || cur.Payment.Status != PaymentCreated:
			n++
		}
	}
	return n, errors.Join(errs...)
}

// callHosted makes the call a PaymentRetry owes through the hosted
// provider, answering in the permit's terms.
func (s *Service) callHosted(ctx context.Context, r PaymentRetry) (Payment, error) {
	var hp HostedPayment
	var err error
	switch r.Op {
	case PaymentOpCapture:
		hp, err = s.hosted.Capture(ctx, r.PaymentID, r.ID)
		if errors.Is(err, ErrInvalidTransition) {
			// Not held any more. When the application has closed (a
			// capture owed before the hold lapsed, then the rejection
			// that released it) there is nothing to take: done.
			if released, rerr := s.releasedBeforeCapture(ctx, r); rerr == nil && released.ID != "" {
				hp, err = released, nil
			}
		}
	case PaymentOpVoid:
		hp, err = s.hosted.Cancel(ctx, r.PaymentID, r.ID)
		if errors.Is(err, ErrInvalidTransition) {
			// Taken meanwhile (a capture owed before the decision that
			// released the hold, done first): give it all back.
			hp, err = s.refundTaken(ctx, r, err)
		}
	case PaymentOpRefund:
		// One refund per permit (its key): what was available when it was
		// decided is the permit's record, which only this refund changes.
		p, perr := s.permit(ctx, r.PermitID)
		if perr != nil {
			return Payment{}, perr
		}
		avail := r.Amount
		if p.Payment != nil && p.Payment.ID == r.PaymentID {
			avail = p.Payment.Amount.Sub(p.Payment.Refunded)
		}
		hp, err = s.hosted.Refund(ctx, RefundRequest{PaymentID: r.PaymentID, Amount: r.Amount, Available: avail, IdempotencyKey: r.ID})
	default:
		return Payment{}, fmt.Errorf("permit: payment retry %s: unknown operation %q", r.ID, r.Op)
	}
	if err != nil {
		return Payment{}, err
	}
	pay := paymentFrom(hp, 0)
	if pay.Status == PaymentExpired || pay.Status == PaymentFailed {
		pay.Status = PaymentVoided // nothing held any more
	}
	return pay, nil
}

// releasedBeforeCapture reads the payment a refused capture was owed for:
// when it holds nothing any more (voided, failed, expired) and the
// application was rejected or withdrawn,
// the capture has nothing left to do and the payment is returned; else
// the zero payment.
func (s *Service) releasedBeforeCapture(ctx context.Context, r PaymentRetry) (HostedPayment, error) {
	hp, err := s.hosted.Payment(ctx, r.PaymentID)
	if err != nil {
		return HostedPayment{}, err
	}
	switch hp.Status {
	case PaymentVoided, PaymentFailed, PaymentExpired:
	default:
		return HostedPayment{}, nil
	}
	p, err := s.permit(ctx, r.PermitID)
	if err != nil {
		return HostedPayment{}, err
	}
	if p.Status != Rejected && p.Status != Withdrawn {
		// The money is still due (approved, or awaiting the decision):
		// the retry stays, for officers to see that the hold lapsed.
		return HostedPayment{}, nil
	}
	return hp, nil
}

// refundTaken is a void that found the payment captured: it refunds what
// is left of it, guarded by the amount the provider shows available.
func (s *Service) refundTaken(ctx context.Context, r PaymentRetry, refused error) (HostedPayment, error) {
	hp, err := s.hosted.Payment(ctx, r.PaymentID)
	if err != nil {
		return HostedPayment{}, err
	}
	if hp.Status != PaymentCaptured && hp.Status != PaymentRefunded {
		return HostedPayment{}, refused
	}
	if !hp.RefundAvailable.IsPositive() {
		return hp, nil
	}
	return s.hosted.Refund(ctx, RefundRequest{PaymentID: r.PaymentID, Amount: hp.RefundAvailable, Available: hp.RefundAvailable, IdempotencyKey: r.ID + ":refund"})
}
