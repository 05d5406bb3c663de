package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// DueReport says what one RunDue call did.
type DueReport struct {
	VehicleChangesApplied int
	RemindersSent         int
	UnpaidWithdrawn       int
}

// RunDue runs every job due at an instant: scheduled vehicle changes whose
// day has started, expiry reminders, and unpaid applications abandoned for
// longer than the scheme allows. It is safe to run from several processes
// at once: each item is claimed in its own transaction, so nothing is done
// twice. The error joins every failure; the report counts what succeeded.
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
	if r.UnpaidWithdrawn, err = s.withdrawUnpaid(ctx, at); err != nil {
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

// dueOffset returns the reminder offset to send for a permit on a date:
// the smallest scheme offset whose day has come and that was not yet sent.
// ok is false when nothing is due. Larger offsets that were missed (jobs
// did not run) are reported as passed so they are never sent late.
func dueOffset(reminderDays []int, sent []int, expiresOn, today time.Time) (offset int, passed []int, ok bool) {
	left := int(expiresOn.Sub(today).Hours() / 24)
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

func (s *Service) sendReminders(ctx context.Context, at time.Time) (int, error) {
	days := s.scheme.ReminderDays
	if len(days) == 0 {
		return 0, nil
	}
	today := s.today(at)
	var due []Permit
	if err := s.store.View(ctx, func(tx ReadTx) (err error) {
		due, err = tx.PermitsExpiringBetween(today, today.AddDate(0, 0, slices.Max(days)))
		return err
	}); err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, d := range due {
		if _, _, ok := dueOffset(days, d.RemindersSent, d.ExpiresOn, today); !ok {
			continue
		}
		var p Permit
		var acc Account
		var offset int
		err := retry(ctx, func() error {
			p = Permit{}
			return s.store.Update(ctx, func(tx Tx) error {
				cur, err := tx.Permit(d.ID)
				if err != nil {
					return err
				}
				o, passed, ok := dueOffset(days, cur.RemindersSent, cur.ExpiresOn, today)
				if !ok || cur.RenewedBy != "" || cur.StatusOn(today) == Expired {
					return nil
				}
				if err := cur.transition(Remind, today); err != nil {
					return nil // no longer approved: nothing to remind
				}
				if acc, err = tx.Account(cur.AccountID); err != nil {
					return err
				}
				cur.RemindersSent = append(append(cur.RemindersSent, passed...), o)
				cur.UpdatedAt = at
				if err := save(tx, &cur); err != nil {
					return err
				}
				p, offset = cur, o
				to := "none"
				if acc.Email != "" {
					to = "email"
				}
				return tx.AppendEvent(Event{Type: EventReminderSent, At: at, Actor: System.String(), PermitID: cur.ID, AccountID: cur.AccountID,
					Data: map[string]string{"days_before": strconv.Itoa(o), "expires_on": date(cur.ExpiresOn), "channel": to}})
			})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("permit: reminder for %s: %w", d.ID, err))
			continue
		}
		if p.ID == "" || acc.Email == "" {
			continue
		}
		sent++
		renewFrom := p.ExpiresOn.AddDate(0, 0, -s.scheme.Rules.RenewalWindowDays)
		s.notify(ctx, MessageExpiryReminder, p, map[string]string{"days_before": strconv.Itoa(offset), "renew_from": date(renewFrom)})
	}
	return sent, errors.Join(errs...)
}

// withdrawUnpaid closes applications still awaiting payment after the
// scheme's AbandonUnpaidAfter, voiding any authorisation the provider holds.
func (s *Service) withdrawUnpaid(ctx context.Context, at time.Time) (int, error) {
	if s.scheme.AbandonUnpaidAfter <= 0 {
		return 0, nil
	}
	var stale []Permit
	if err := s.store.View(ctx, func(tx ReadTx) (err error) {
		stale, err = tx.PermitsAwaitingPaymentSince(at.Add(-s.scheme.AbandonUnpaidAfter))
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, p := range stale {
		s.voidAbandoned(ctx, p)
		_, err := s.closePermit(ctx, System, p.ID, FailPayment, EventPermitPaymentFailed, func(cur *Permit) map[string]string {
			return map[string]string{"reason": "not paid within " + s.scheme.AbandonUnpaidAfter.String()}
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

// voidAbandoned makes sure no authorisation survives an abandoned
// application. When the store never learnt the payment (a crash between
// the provider and the store), repeating the authorisation with its
// idempotency key returns the provider's record of it — or makes one that
// is voided at once; either way nothing is taken.
func (s *Service) voidAbandoned(ctx context.Context, p Permit) {
	id := ""
	if p.Payment != nil {
		id = p.Payment.ID
	} else if pay, err := s.payments.Authorise(ctx, PaymentRequest{IdempotencyKey: "authorise:" + p.ID, AccountID: p.AccountID, PermitID: p.ID, Amount: p.Price}); err == nil {
		id = pay.ID
	}
	s.voidQuietly(ctx, id, "void:"+p.ID)
}

// ReviewItem is one entry of the officers' review queue.
type ReviewItem struct {
	Kind          string // "permit" or "address_change"
	Permit        *Permit
	AddressChange *AddressChange
	SubmittedAt   time.Time
	DueOn         time.Time // submission date + the scheme's review working days
}

// ReviewQueue returns up to limit pending applications and address
// changes, oldest first, each with its review deadline counted in working
// days of the council nation's calendar.
func (s *Service) ReviewQueue(ctx context.Context, limit int) ([]ReviewItem, error) {
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
			items = append(items, ReviewItem{Kind: "permit", Permit: &p, SubmittedAt: p.CreatedAt,
				DueOn: s.scheme.ReviewDueOn(s.submittedOn(p))})
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
	return items, err
}

// notify sends a message about a permit to its account holder, after the
// change it reports has been committed. A failure is reported through
// NotifyFailed and never undoes the operation.
func (s *Service) notify(ctx context.Context, kind MessageKind, p Permit, extra map[string]string) {
	if s.notifier == nil {
		return
	}
	var acc Account
	if err := s.store.View(ctx, func(tx ReadTx) (err error) {
		acc, err = tx.Account(p.AccountID)
		return err
	}); err != nil {
		s.notifyFailed(Message{Kind: kind, AccountID: p.AccountID, PermitID: p.ID}, err)
		return
	}
	data := map[string]string{
		"permit_id": p.ID, "permit_type": s.typeName(p.Type), "vrm": string(p.VRM), "status": string(p.StatusOn(s.today(s.now()))),
		"starts_on": date(p.StartsOn), "expires_on": date(p.ExpiresOn), "price": pricing.FormatMoney(p.Price), "address": p.Address,
	}
	for k, v := range extra {
		data[k] = v
	}
	s.notifyAccount(ctx, kind, acc, p.ID, data)
}

func (s *Service) notifyAccount(ctx context.Context, kind MessageKind, acc Account, permitID string, data map[string]string) {
	if s.notifier == nil || acc.Email == "" {
		return
	}
	if data == nil {
		data = map[string]string{}
	}
	data["name"] = acc.Name
	c := s.scheme.Council
	data["council_name"], data["council_email"], data["council_phone"], data["council_website"] = c.Name, c.Email, c.Phone, c.Website
	m := Message{Kind: kind, AccountID: acc.ID, To: acc.Email, PermitID: permitID, Data: data}
	if err := s.notifier.Notify(ctx, m); err != nil {
		s.notifyFailed(m, err)
	}
}

func (s *Service) notifyFailed(m Message, err error) {
	if s.NotifyFailed != nil {
		s.NotifyFailed(m, err)
	}
}
