package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// addDays is the calendar date n days after the date t (a date at 00:00
// UTC, as permits carry them), counted on the calendar, never in hours.
func addDays(t time.Time, n int) time.Time { return civil.Of(t).AddDays(n).Time() }

// DueReport says what one RunDue call did.
type DueReport struct {
	VehicleChangesApplied int
	RemindersSent         int // emailed; accounts without an email address are recorded, not counted
	UnpaidWithdrawn       int
	ReviewsOverdue        int // applications found still pending review after their deadline
	AddressChangesOverdue int // address changes found likewise
	PaymentsRetried       int // owed captures, voids and refunds the provider has now done
	PaymentRetriesFailed  int // owed ones the provider failed again: retried later
	VehiclesChecked       int // vehicle checks the register had not answered that it now has
	PaymentsConfirmed     int // hosted payments the provider had finished: held (pending review) or failed
	HoldsCapturedEarly    int // holds of undecided applications taken before they lapsed (Scheme.PaymentHold)
	EvidenceDeleted       int // permits whose evidence the scheme's retention deleted
	DocumentsDeleted      int // evidence files deleted with them
	AccountsAnonymised    int // accounts the scheme's retention anonymised
}

// RunDue runs every job due at an instant: scheduled vehicle changes whose
// day has started, expiry reminders, unpaid applications abandoned for
// longer than the scheme allows, review-deadline breaches (each flagged
// once, with an event), and the captures, voids and refunds the payment
// provider failed whose next attempt is due (see PaymentRetry), and the
// vehicle checks the register of vehicles did not answer (asked again). It is safe to run from several processes at once:
// an item is written only if it is still as it was when the run decided on
// it (its version), so nothing is done twice, and a notification is sent
// only by the run whose transaction did the work, after it committed.
// Items are done in batches of a few hundred per transaction; a batch that
// fails is done again reading each item afresh, then item by item, so one
// bad item holds up no other. The error joins every failure; the report
// counts what succeeded.
func (s *Service) RunDue(ctx context.Context, at time.Time) (DueReport, error) {
	var r DueReport
	var errs []error
	var err error
	if r.VehicleChangesApplied, err = s.applyDueVehicleChanges(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.RemindersSent, err = s.sendReminders(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.PaymentsConfirmed, err = s.confirmAwaiting(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.UnpaidWithdrawn, err = s.withdrawUnpaid(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.HoldsCapturedEarly, err = s.captureLapsingHolds(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.ReviewsOverdue, r.AddressChangesOverdue, err = s.flagOverdueReviews(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.VehiclesChecked, err = s.recheckVehicles(ctx, at); err != nil {
		errs = append(errs, err)
	}
	paid, err := s.retryPayments(ctx, at)
	if err != nil {
		errs = append(errs, err)
	}
	r.PaymentsRetried, r.PaymentRetriesFailed = paid.done, paid.failed
	if r.EvidenceDeleted, r.DocumentsDeleted, err = s.deleteDueEvidence(ctx, at); err != nil {
		errs = append(errs, err)
	}
	if r.AccountsAnonymised, err = s.anonymiseDue(ctx, at); err != nil {
		errs = append(errs, err)
	}
	err = errors.Join(errs...)
	if s.dueRan != nil {
		s.dueRan(r, err)
	}
	return r, err
}

// dueOffset returns the reminder offset to send for a permit on a date:
// the smallest scheme offset whose day has come and that was not yet sent.
// ok is false when nothing is due. Larger offsets that were missed (jobs
// did not run) are reported as passed so they are never sent late.
func dueOffset(reminderDays []int, sent []int, expiresOn, today time.Time) (offset int, passed []int, ok bool) {
	left := int(civil.DaysOf(expiresOn) - civil.DaysOf(today))
	if left < 0 {
		return 0, nil, false
	}
	for _, d := range reminderDays { // descending
		if d < left || slices.Contains(sent, d) {
			continue
		}
		if ok {
			passed = append(passed, offset)
		}
		offset, ok = d, true
	}
	return offset, passed, ok
}

// reminder is an expiry reminder recorded in a committed transaction, to
// be sent.
type reminder struct {
	p      Permit
	acc    Account
	offset int
}

func (s *Service) sendReminders(ctx context.Context, at time.Time) (int, error) {
	days := s.scheme.ReminderDays
	if len(days) == 0 {
		return 0, nil
	}
	today := s.today(at)
	due, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) {
		return tx.PermitsExpiringBetween(today, addDays(today, slices.Max(days)))
	})
	if err != nil {
		return 0, err
	}
	due = slices.DeleteFunc(due, func(p Permit) bool {
		_, _, ok := dueOffset(days, p.RemindersSent, p.ExpiresOn, today)
		return !ok
	})
	done, err := runDue(ctx, s, at, dueJob[Permit, reminder]{what: "expiry reminder for", id: permitID, reload: reloadPermit,
		do: func(o *op, cur Permit) (reminder, bool, error) {
			offset, passed, ok := dueOffset(days, cur.RemindersSent, cur.ExpiresOn, today)
			if !ok || cur.RenewedBy != "" || cur.StatusOn(today) == Expired {
				return reminder{}, false, nil
			}
			if err := cur.may(TransitionRemind, today); err != nil {
				return reminder{}, false, nil // no longer approved: nothing to remind
			}
			acc, err := o.Account(cur.AccountID)
			if err != nil {
				return reminder{}, false, err
			}
			cur.RemindersSent = append(append(cur.RemindersSent, passed...), offset)
			to := "none"
			m, reached := s.reach().Choose(MessageExpiryReminder, acc)
			if reached {
				to = string(m.Channel)
			}
			if err := o.take(&cur, TransitionRemind, map[string]string{"days_before": strconv.Itoa(offset), "expires_on": date(cur.ExpiresOn), "channel": to}); err != nil {
				return reminder{}, false, err
			}
			renewFrom := addDays(cur.ExpiresOn, -s.scheme.Rules.RenewalWindowDays)
			err = o.notifyPermit(MessageExpiryReminder, acc, cur, map[string]string{"days_before": strconv.Itoa(offset), "renew_from": date(renewFrom)})
			return reminder{p: cur, acc: acc, offset: offset}, reached, err
		},
	}, due)
	return len(done), err
}

// withdrawUnpaid closes applications still awaiting payment after the
// scheme's AbandonUnpaidAfter, voiding any authorisation the provider holds.
func (s *Service) withdrawUnpaid(ctx context.Context, at time.Time) (int, error) {
	if s.scheme.AbandonUnpaidAfter <= 0 {
		return 0, nil
	}
	stale, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) {
		return tx.PermitsAwaitingPaymentSince(at.Add(-s.scheme.AbandonUnpaidAfter))
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, p := range stale {
		payID, err := s.abandonedPayment(ctx, p)
		if errors.Is(err, errAbandonPaid) {
			continue
		}
		if err != nil {
			// Whether a hold exists is unknown: leave the application for
			// the next run rather than close it with money held.
			errs = append(errs, fmt.Errorf("permit: closing unpaid %s: %w", p.ID, err))
			continue
		}
		_, err = s.closePermit(ctx, System, p.ID, TransitionFailPayment, func(o *op, cur *Permit) (closing, error) {
			data := map[string]string{"reason": "not paid within " + s.scheme.AbandonUnpaidAfter.String()}
			if payID == "" {
				return closing{data: data}, nil
			}
			r, ok, err := s.owe(o, PaymentOpVoid, *cur, payID, cur.Price, o.at)
			if err != nil || !ok {
				return closing{data: data}, err
			}
			return closing{data: data, owed: []PaymentRetry{r}}, nil
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, ErrInvalidTransition):
			// Paid or withdrawn meanwhile.
		default:
			errs = append(errs, fmt.Errorf("permit: closing unpaid %s: %w", p.ID, err))
		}
	}
	return n, errors.Join(errs...)
}

// abandonedPayment finds the authorisation an abandoned application may
// hold, to void it as the application closes. When the store never learnt
// the payment (a crash between the provider and the store), repeating the
// authorisation with its idempotency key returns the provider's record of
// it — or makes one, voided with the rest; a card refused holds nothing
// (""). Any other failure means the hold is unknown, and is returned.
func (s *Service) abandonedPayment(ctx context.Context, p Permit) (string, error) {
	if s.hosted != nil {
		return s.abandonedHosted(ctx, p)
	}
	if p.Payment != nil {
		if p.Payment.Status != PaymentAuthorised {
			return "", nil
		}
		return p.Payment.ID, nil
	}
	pay, err := s.payments.Authorise(ctx, PaymentRequest{IdempotencyKey: "authorise:" + p.ID, AccountID: p.AccountID, PermitID: p.ID, Amount: p.Price})
	switch {
	case errors.Is(err, ErrPaymentFailed):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("looking up its authorisation: %w", err)
	}
	return pay.ID, nil
}

// abandonedHosted is abandonedPayment for a hosted payment: the payment
// is read first, and one the payer finished in time is confirmed (the
// application then moves on and is not closed: errAbandonPaid); one still
// waiting for the payer is returned, to be cancelled as the application
// closes; a failed or expired one holds nothing.
func (s *Service) abandonedHosted(ctx context.Context, p Permit) (string, error) {
	if p.Payment == nil || p.Payment.ID == "" {
		return "", nil
	}
	if p.Payment.Status != PaymentCreated && p.Payment.Status != PaymentAuthorised {
		return "", nil
	}
	hp, err := s.hosted.Payment(ctx, p.Payment.ID)
	if err != nil {
		return "", fmt.Errorf("reading its payment: %w", err)
	}
	switch hp.Status {
	case PaymentCreated:
		return hp.ID, nil
	case PaymentAuthorised, PaymentCaptured:
		if _, err := s.confirm(ctx, System, p, hp); err != nil {
			return "", err
		}
		return "", errAbandonPaid
	}
	if _, err := s.confirm(ctx, System, p, hp); err != nil {
		return "", err
	}
	return "", nil
}

// errAbandonPaid: the application found abandoned was paid after all.
var errAbandonPaid = errors.New("paid after all")
