package permit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/pricing"
)

// Money the service owes the payment provider a call about — a capture on
// approval, a void when an application closes, a refund on cancellation — is
// written down in the same transaction as the decision that owes it, as a
// PaymentRetry, and asked for once that transaction has committed. When
// the provider fails, the record stays pending: an event says so, and the
// due jobs (RunDue) ask again with a growing pause until it succeeds. Each
// record carries the call's idempotency key, so asking again after an
// answer that never arrived moves no money twice. Officers list what is
// still owed with Service.PaymentRetries.

// PaymentOp is a call about money the service makes to the payment provider
// after a decision.
type PaymentOp string

// Payment operations that can be owed and retried.
const (
	PaymentOpCapture PaymentOp = "capture" // take an authorised payment (approval)
	PaymentOpVoid    PaymentOp = "void"    // release an authorisation (rejection, withdrawal)
	PaymentOpRefund  PaymentOp = "refund"  // return captured money (cancellation)
)

// PaymentRetryStatus says whether a PaymentRetry is still owed.
type PaymentRetryStatus string

// Payment retry states.
const (
	PaymentRetryPending PaymentRetryStatus = "pending" // owed: asked for at NextAttemptAt
	PaymentRetryDone    PaymentRetryStatus = "done"    // the provider has done it
)

// PaymentRetry is a capture, void or refund the service owes the payment
// provider, kept until the provider has done it.
type PaymentRetry struct {
	// ID is also the idempotency key sent to the provider, the operation
	// and the permit ("void:per_1"): one record per movement of money.
	ID        string
	Op        PaymentOp
	PaymentID string          // the provider's reference
	Amount    decimal.Decimal // the amount moved: the refund, or the authorised amount
	PermitID  string
	AccountID string
	Status    PaymentRetryStatus
	Attempts  int    // failed attempts so far
	LastError string // the provider's answer to the last failed attempt
	// NextAttemptAt is when the due jobs next ask the provider (instant,
	// UTC); meaningful while pending.
	NextAttemptAt time.Time
	CreatedAt     time.Time // instant, UTC
	UpdatedAt     time.Time // instant, UTC
	Version       int       // optimistic concurrency; the store increments it
}

// Backoff of failed payment calls: the first retry a minute after the
// failure, then doubling, at most six hours apart.
const (
	paymentRetryFirst = time.Minute
	paymentRetryMax   = 6 * time.Hour
)

// PaymentRetryBackoff is the pause after the given number of failed
// attempts (from 1) before the due jobs ask the provider again: one minute,
// then doubling, never more than six hours.
func PaymentRetryBackoff(attempts int) time.Duration {
	d := paymentRetryFirst
	for i := 1; i < attempts && d < paymentRetryMax; i++ {
		d *= 2
	}
	return min(d, paymentRetryMax)
}

// owe records, inside tx, that the service owes the provider op on a
// payment of permit p; the caller settles the record once tx has
// committed. A movement already recorded (the same key) is not recorded
// again: ok is false and there is nothing more to settle for it.
func (s *Service) owe(tx Tx, op PaymentOp, p Permit, paymentID string, amount decimal.Decimal, at time.Time) (r PaymentRetry, ok bool, err error) {
	key := string(op) + ":" + p.ID
	switch _, err := tx.PaymentRetry(key); {
	case err == nil:
		return PaymentRetry{}, false, nil
	case !errors.Is(err, ErrNotFound):
		return PaymentRetry{}, false, err
	}
	r = PaymentRetry{
		ID: key, Op: op, PaymentID: paymentID, Amount: amount, PermitID: p.ID, AccountID: p.AccountID,
		Status: PaymentRetryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at,
	}
	if err := tx.CreatePaymentRetry(r); err != nil {
		return PaymentRetry{}, false, err
	}
	r.Version = 1
	return r, true, nil
}

// releaseHold records, inside tx, the return of whatever p's payment
// still holds: an authorisation is voided, a captured payment refunded in
// full (what is left of it). It returns the records to settle after the
// commit (see settle); nothing when p has no payment that holds money.
// Operations that close an application (rejection, withdrawal, a hold
// cancelled for any other reason) call it in their own transaction.
func (s *Service) releaseHold(tx Tx, p Permit, at time.Time) ([]PaymentRetry, error) {
	if p.Payment == nil || p.Payment.ID == "" {
		return nil, nil
	}
	var r PaymentRetry
	var ok bool
	var err error
	switch p.Payment.Status {
	case PaymentAuthorised:
		r, ok, err = s.owe(tx, PaymentOpVoid, p, p.Payment.ID, p.Payment.Amount, at)
	case PaymentCreated:
		// A hosted payment the payer has not finished: end it, so that
		// nothing is held if they finish it now.
		r, ok, err = s.owe(tx, PaymentOpVoid, p, p.Payment.ID, p.Payment.Amount, at)
	case PaymentCaptured, PaymentRefunded:
		left := p.Payment.Amount.Sub(p.Payment.Refunded)
		if !left.IsPositive() {
			return nil, nil
		}
		r, ok, err = s.owe(tx, PaymentOpRefund, p, p.Payment.ID, left, at)
	}
	if err != nil || !ok {
		return nil, err
	}
	return []PaymentRetry{r}, nil
}

// settleReport counts what settle did.
type settleReport struct {
	done, failed int
}

// settle asks the provider for each owed movement and records the outcome:
// when it succeeds the record is done and the permit's payment is the
// provider's answer; when it fails the record waits for the due jobs,
// with an event. It runs after the transaction that recorded them has
// committed, never inside one. The error joins the store failures (the
// records stay pending and the due jobs find them).
func (s *Service) settle(ctx context.Context, owed []PaymentRetry) (settleReport, error) {
	var rep settleReport
	var errs []error
	for _, r := range owed {
		ok, counted, err := s.attemptPayment(ctx, r)
		switch {
		case err != nil:
			errs = append(errs, err)
		case !counted:
		case ok:
			rep.done++
		default:
			rep.failed++
		}
	}
	return rep, errors.Join(errs...)
}

// callProvider makes the call a record owes.
func (s *Service) callProvider(ctx context.Context, r PaymentRetry) (Payment, error) {
	if s.hosted != nil {
		return s.callHosted(ctx, r)
	}
	switch r.Op {
	case PaymentOpCapture:
		return s.payments.Capture(ctx, r.PaymentID, r.ID)
	case PaymentOpVoid:
		return s.payments.Void(ctx, r.PaymentID, r.ID)
	case PaymentOpRefund:
		return s.payments.Refund(ctx, r.PaymentID, r.Amount, r.ID)
	}
	return Payment{}, fmt.Errorf("permit: payment retry %s: unknown operation %q", r.ID, r.Op)
}

// attemptPayment asks the provider once for what r owes and records the
// outcome; ok says whether the provider did it (now or already), counted
// whether this call recorded the outcome (false when another run had
// settled the record first).
func (s *Service) attemptPayment(ctx context.Context, r PaymentRetry) (ok, counted bool, err error) {
	pay, callErr := s.callProvider(ctx, r)
	if callErr != nil && ctx.Err() != nil {
		// Cancelled, not refused: the record stays as it was, due.
		return false, false, fmt.Errorf("permit: %s of payment %s for permit %s: %w", r.Op, r.PaymentID, r.PermitID, ctx.Err())
	}
	err = s.update(ctx, System, func(o *op) error {
		counted = true
		cur, err := o.PaymentRetry(r.ID)
		if err != nil {
			return err
		}
		if cur.Status != PaymentRetryPending {
			counted = false // another run has settled it
			return nil
		}
		data := map[string]string{"payment_retry_id": cur.ID, "operation": string(cur.Op), "payment_id": cur.PaymentID,
			"amount": pricing.FormatMoney(cur.Amount)}
		if callErr != nil {
			cur.Attempts++
			cur.LastError = callErr.Error()
			cur.NextAttemptAt = o.at.Add(PaymentRetryBackoff(cur.Attempts))
			cur.UpdatedAt = o.at
			if err := o.UpdatePaymentRetry(cur); err != nil {
				return err
			}
			data["attempts"] = strconv.Itoa(cur.Attempts)
			data["next_attempt_at"] = cur.NextAttemptAt.UTC().Format(time.RFC3339)
			data["error"] = cur.LastError
			return o.event(EventPaymentRetryScheduled, cur.PermitID, cur.AccountID, data)
		}
		cur.Status, cur.UpdatedAt = PaymentRetryDone, o.at
		if err := o.UpdatePaymentRetry(cur); err != nil {
			return err
		}
		p, changed, err := s.recordPayment(o, cur, pay)
		if err != nil {
			return err
		}
		if cur.Attempts == 0 {
			// Done at the first attempt: the decision's own event says
			// the rest; the payment's new state on the permit is told.
			if !changed {
				return nil
			}
			return o.about(EventPermitUpdated, &p, map[string]string{"reason": "payment_recorded",
				"payment_id": pay.ID, "payment_status": string(pay.Status), "operation": string(cur.Op)})
		}
		data["attempts"] = strconv.Itoa(cur.Attempts + 1)
		return o.event(EventPaymentRetrySucceeded, cur.PermitID, cur.AccountID, data)
	})
	if err != nil {
		return false, false, fmt.Errorf("permit: recording the %s of payment %s for permit %s: %w", r.Op, r.PaymentID, r.PermitID, err)
	}
	return callErr == nil, counted, nil
}

// recordPayment keeps the provider's answer on the permit whose payment it
// is (a permit without that payment is left alone) and says whether it
// wrote the permit; the caller appends the event that tells it.
func (s *Service) recordPayment(o *op, r PaymentRetry, pay Payment) (Permit, bool, error) {
	p, err := o.Permit(r.PermitID)
	if errors.Is(err, ErrNotFound) {
		return Permit{}, false, nil
	}
	if err != nil {
		return Permit{}, false, err
	}
	if p.Payment == nil || p.Payment.ID != r.PaymentID || pay.ID != r.PaymentID || !advances(*p.Payment, pay) {
		return p, false, nil
	}
	if pay.Attempt == 0 {
		pay.Attempt = p.Payment.Attempt
	}
	p.Payment = &pay
	return p, true, o.save(&p)
}

// paymentStage orders payment states by how far money has moved.
var paymentStage = map[PaymentStatus]int{PaymentCreated: -1, PaymentExpired: 2, PaymentAuthorised: 0, PaymentCaptured: 1, PaymentRefunded: 2, PaymentVoided: 2, PaymentFailed: 2}

// advances reports whether the provider's answer is news to the permit's
// record of its payment: an answer that arrives late (a capture retried
// after the refund that followed it) never turns it back.
func advances(cur, answer Payment) bool {
	a, b := paymentStage[cur.Status], paymentStage[answer.Status]
	if a != b {
		return b > a
	}
	return answer.Refunded.GreaterThanOrEqual(cur.Refunded)
}

// paymentRetryPage bounds the owed movements one RunDue asks for; the
// rest wait for the next run.
const paymentRetryPage = 500

// retryPayments asks the provider again for every owed movement due at
// the instant; it returns how many succeeded and how many failed again.
func (s *Service) retryPayments(ctx context.Context, at time.Time) (settleReport, error) {
	due, err := view(ctx, s.store, func(tx ReadTx) ([]PaymentRetry, error) {
		return tx.PaymentRetriesDue(at, paymentRetryPage)
	})
	if err != nil {
		return settleReport{}, err
	}
	return s.settle(ctx, due)
}

// PaymentRetries returns up to limit captures, voids and refunds still
// owed to or by the payment provider (pending), oldest first: what
// officers watch. A record being asked for right now is among them until
// the provider answers. A limit outside 1 to 1000 wraps ErrValidation;
// anyone but an officer or the system gets ErrForbidden.
func (s *Service) PaymentRetries(ctx context.Context, by Actor, limit int) ([]PaymentRetry, error) {
	if err := by.mayReadAll("the payments owed", false); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		return nil, &ValidationError{Fields: []FieldError{{Field: "limit", Code: "out_of_range", Detail: "limit must be a whole number from 1 to 1000."}}}
	}
	return view(ctx, s.store, func(tx ReadTx) ([]PaymentRetry, error) { return tx.PaymentRetriesPending(limit) })
}

// settleAfter settles what a committed decision owes and returns the
// permit as it then stands (re-read when a payment changed it). Failures
// to record are left to the due jobs: the decision stands either way.
func (s *Service) settleAfter(ctx context.Context, p Permit, owed []PaymentRetry) Permit {
	if len(owed) == 0 {
		return p
	}
	if _, err := s.settle(ctx, owed); err != nil && s.paymentRecordFailed != nil {
		s.paymentRecordFailed(err) // the records stay due: RunDue asks again
	}
	if cur, err := s.permit(ctx, p.ID); err == nil {
		return cur
	}
	return p
}
