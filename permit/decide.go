package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
)

// releaseChain gives up what a permit held when it stops being live: its
// place as its predecessor's renewal and its free slot (which returns to
// the predecessor when that one is still live and free).
func (s *Service) releaseChain(o *op, p Permit) error {
	var prev *Permit
	if p.RenewalOf != "" {
		old, err := o.Permit(p.RenewalOf)
		if err != nil {
			return err
		}
		if old.RenewedBy == p.ID {
			old.RenewedBy = ""
			if err := o.touch(&old, "renewal_released", map[string]string{"renewal": p.ID}); err != nil {
				return err
			}
		}
		prev = &old
	}
	c, held, err := s.heldClaim(o, p)
	if err != nil || !held || c.PermitID != p.ID {
		return err
	}
	if prev != nil && prev.Free && prev.Live(o.today) {
		back := c
		back.PermitID = prev.ID
		return o.MoveClaim(c, back)
	}
	return o.Release(c)
}

// submittedOn is the date an application was made, in the council's zone.
func (s *Service) submittedOn(p Permit) time.Time { return s.today(p.CreatedAt) }

// recheckEvidence runs the evidence rules again on the submission date, so
// nothing is approved with evidence that does not pass.
func (s *Service) recheckEvidence(tx ReadTx, p Permit, acc Account) error {
	sub := evidence.Submission{Action: evidence.ActionApply, On: s.submittedOn(p), Documents: p.Evidence, VRM: string(p.VRM), HolderName: acc.Name}
	switch {
	case p.RenewalOf != "":
		old, err := tx.Permit(p.RenewalOf)
		if err != nil {
			return err
		}
		sub.Action, sub.PreviousAcceptedOn = evidence.ActionRenew, old.EvidenceAcceptedOn
	case p.UPRN != acc.UPRN:
		sub.Action = evidence.ActionApplicationNewZone
	}
	reqs, ok := s.scheme.Requirements(p.Type, sub.Action)
	if !ok {
		return fmt.Errorf("permit %s: scheme has no permit type %q", p.ID, p.Type)
	}
	if first, _ := s.scheme.Requirements(p.Type, evidence.ActionFirstApplication); sub.Action == evidence.ActionApply && len(first) > 0 {
		// The account's first application at its property needs those
		// groups too (eligibility.FirstApplication), as it did when made.
		held, err := tx.PermitsAtPropertyOrOfAccount(p.UPRN, acc.ID)
		if err != nil {
			return err
		}
		holdings := make([]eligibility.Holding, len(held))
		for i, h := range held {
			holdings[i] = holding(h)
		}
		if eligibility.FirstApplication(acc.ID, p.UPRN, holdings) {
			for _, q := range first {
				if !slices.ContainsFunc(reqs, func(r evidence.Requirement) bool { return r.Name == q.Name }) {
					reqs = append(reqs, q)
				}
			}
		}
	}
	sub.Requirements = reqs
	if res := s.scheme.Evidence.Check(sub); !res.OK() {
		return &EvidenceError{Result: res, Requirements: reqs}
	}
	return nil
}

// Approve issues a permit pending review (officer only): the evidence is
// re-checked, the payment captured and, for a move to another zone, the
// account moves and its old-zone permits end.
//
// The capture is recorded as owed in the approval's own transaction and
// asked for once it has committed, so money is taken only for a permit
// that is approved, and never twice. When the provider fails, the permit
// is approved all the same with its payment still authorised; the capture
// is retried by the due jobs until it succeeds (see PaymentRetry) and an
// event says so.
//
// An application whose whole period has passed while it waited is not
// approved (that would issue a permit already expired): it is withdrawn,
// its hold returned and its free place given up, and Approve answers a
// *PeriodPassedError; the applicant applies again for the dates they need.
//
// Errors: ErrForbidden unless an officer (or the system) approves;
// ErrNotFound; *TransitionError when it is not pending review;
// *PeriodPassedError; *EvidenceError.
func (s *Service) Approve(ctx context.Context, by Actor, permitID string) (Permit, error) {
	if err := by.mayDecide("approve applications"); err != nil {
		return Permit{}, err
	}
	out, err := s.approve(ctx, by, permitID)
	var pe *PeriodPassedError
	if errors.As(err, &pe) {
		return Permit{}, s.lapse(ctx, by, pe)
	}
	return out, err
}

// PeriodPassedError refuses to approve an application whose whole period
// (StartsOn to ExpiresOn) passed before it was decided. The application
// has been withdrawn and its hold returned. It unwraps to
// ErrInvalidTransition.
type PeriodPassedError struct {
	PermitID  string
	StartsOn  time.Time // date
	ExpiresOn time.Time // date
}

func (e *PeriodPassedError) Error() string {
	return fmt.Sprintf("permit %s: its period, %s to %s, passed before it was decided: it has been withdrawn and its hold returned; apply again for the dates needed",
		e.PermitID, date(e.StartsOn), date(e.ExpiresOn))
}

// Unwrap lets errors.Is match ErrInvalidTransition.
func (e *PeriodPassedError) Unwrap() error { return ErrInvalidTransition }

// periodPassed returns a *PeriodPassedError when p's whole period is
// before today.
func periodPassed(p Permit, today time.Time) error {
	if !p.ExpiresOn.IsZero() && today.After(p.ExpiresOn) {
		return &PeriodPassedError{PermitID: p.ID, StartsOn: p.StartsOn, ExpiresOn: p.ExpiresOn}
	}
	return nil
}

// lapse withdraws the application pe names, whose period passed before it
// was decided, tells the applicant, and returns pe, or the error that
// stopped the withdrawal.
func (s *Service) lapse(ctx context.Context, by Actor, pe *PeriodPassedError) error {
	const why = "its period passed before it was decided"
	_, err := s.closePermit(ctx, by, pe.PermitID, TransitionWithdraw, func(o *op, cur *Permit) (closing, error) {
		if err := periodPassed(*cur, o.today); err == nil {
			return closing{}, fmt.Errorf("%w: permit %s: its period has not passed", ErrConflict, cur.ID)
		}
		owed, err := s.releaseHold(o, *cur, o.at)
		cur.Cancellation = &Cancellation{At: o.at, By: o.by.String(), Reason: why, Refund: decimal.Zero}
		return closing{data: map[string]string{"reason": why, "starts_on": date(cur.StartsOn), "expires_on": date(cur.ExpiresOn)}, owed: owed,
			tell: MessageCancelled, told: map[string]string{"reason": why}}, err
	})
	if err != nil {
		return err
	}
	return pe
}

func (s *Service) approve(ctx context.Context, by Actor, permitID string) (Permit, error) {
	if _, err := s.pendingForDecision(ctx, permitID, TransitionApprove, true); err != nil {
		return Permit{}, err
	}
	var out Permit
	var ended []Permit
	var owed []PaymentRetry
	err := s.update(ctx, by, func(o *op) error {
		ended, owed = nil, nil
		cur, err := o.Permit(permitID)
		if err != nil {
			return err
		}
		if err := cur.may(TransitionApprove, o.today); err != nil {
			return err
		}
		if err := periodPassed(cur, o.today); err != nil {
			return err
		}
		// A free permit with an authorisation is one that became free
		// (see promoteToFree): its void is owed, never a capture.
		if pay := cur.Payment; pay != nil && pay.Status == PaymentAuthorised && !cur.Free {
			r, ok, err := s.owe(o, PaymentOpCapture, cur, pay.ID, pay.Amount, o.at)
			if err != nil {
				return err
			}
			if ok {
				owed = append(owed, r)
			}
		}
		cur.EvidenceAcceptedOn = o.today
		acc, err := o.Account(cur.AccountID)
		if err != nil {
			return err
		}
		if cur.UPRN != acc.UPRN {
			var held []PaymentRetry
			if ended, held, err = s.moveAccount(o, acc, cur); err != nil {
				return err
			}
			owed = append(owed, held...)
			// A free slot the ended permits held (an account-scoped
			// pool) is this permit's now.
			if _, has, err := s.heldClaim(o, cur); err != nil {
				return err
			} else if cur.Free && !has {
				if err := s.claim(o, cur, nil); err != nil {
					return err
				}
			}
		}
		captured := amount(cur.Payment)
		if cur.Free {
			captured = decimal.Zero // a hold it had before it became free is voided, not taken
		}
		if err := o.take(&cur, TransitionApprove, map[string]string{"starts_on": date(cur.StartsOn), "expires_on": date(cur.ExpiresOn), "captured": pricing.FormatMoney(captured)}); err != nil {
			return err
		}
		out = cur
		if err := o.notify(MessageApproved, cur, nil); err != nil {
			return err
		}
		for _, e := range ended {
			data := map[string]string{"reason": "moved to another permit zone"}
			if e.Cancellation != nil && e.Status == Ended {
				data["refund"] = pricing.FormatMoney(e.Cancellation.Refund)
			}
			if err := o.notify(MessageCancelled, e, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Permit{}, err
	}
	out = s.settleAfter(ctx, out, owed)
	return out, nil
}

func amount(p *Payment) decimal.Decimal {
	if p == nil {
		return decimal.Zero
	}
	return p.Amount
}

// pendingForDecision loads a permit an officer is about to decide on and
// checks the transition is allowed (and, for approval, the evidence).
func (s *Service) pendingForDecision(ctx context.Context, permitID string, t Transition, evidenceToo bool) (Permit, error) {
	var p Permit
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if p, err = tx.Permit(permitID); err != nil {
			return err
		}
		today := s.Today()
		if err := p.may(t, today); err != nil {
			return err
		}
		if t == TransitionApprove {
			if err := periodPassed(p, today); err != nil {
				return err
			}
		}
		if !evidenceToo {
			return nil
		}
		acc, err := tx.Account(p.AccountID)
		if err != nil {
			return err
		}
		return s.recheckEvidence(tx, p, acc)
	})
	return p, err
}

// moveAccount carries out an approved new-zone application (R7): the
// account moves to the new property and its live permits elsewhere end.
//
// An application withdrawn this way has its hold returned: the payment
// retries to settle after the commit are returned with the ended permits.
func (s *Service) moveAccount(o *op, acc Account, newPermit Permit) ([]Permit, []PaymentRetry, error) {
	today, at := o.today, o.at
	ps, err := o.PermitsOfAccount(acc.ID)
	if err != nil {
		return nil, nil, err
	}
	var ended []Permit
	var owed []PaymentRetry
	for _, listed := range ps {
		if listed.ID == newPermit.ID || listed.UPRN == newPermit.UPRN {
			continue
		}
		// Read again: ending one permit of a chain writes its neighbour.
		old, err := o.Permit(listed.ID)
		if err != nil {
			return nil, nil, err
		}
		if !old.Live(today) {
			continue
		}
		t := TransitionEnd
		refund := pricing.Refund{Amount: decimal.Zero}
		if old.Status != Approved {
			t = TransitionWithdraw
			held, err := s.releaseHold(o, old, at)
			if err != nil {
				return nil, nil, err
			}
			owed = append(owed, held...)
		} else if s.scheme.RefundOnMove == RefundOnMoveAsCancelled {
			// R6/R7 (decision of 2026-12): the refund policy applies as
			// if the holder had cancelled on the day the permit ends.
			paid := decimal.Zero
			if pay := old.Payment; pay != nil && (pay.Status == PaymentCaptured || pay.Status == PaymentAuthorised && !old.Free) {
				paid = pay.Amount
			}
			refund = s.scheme.Refunds.Refund(paid, old.StartsOn, old.ExpiresOn, today)
			if refund.Amount.IsPositive() {
				r, ok, err := s.owe(o, PaymentOpRefund, old, old.Payment.ID, refund.Amount, at)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					owed = append(owed, r)
				}
			}
		}
		if _, err := old.next(t, today); err != nil {
			return nil, nil, err
		}
		if err := s.releaseChain(o, old); err != nil {
			return nil, nil, err
		}
		// releaseChain may have written old's neighbour, never old.
		old.Cancellation = &Cancellation{At: at, By: o.by.String(), Reason: "moved to another permit zone", Refund: refund.Amount}
		// An approved permit is ended (permit.ended); an application is
		// withdrawn (permit.withdrawn), so the event always names the
		// status it leaves. Both say reason moved_zone.
		if err := o.take(&old, t, map[string]string{"reason": "moved_zone", "superseded_by": newPermit.ID, "refund": pricing.FormatMoney(refund.Amount)}); err != nil {
			return nil, nil, err
		}
		ended = append(ended, old)
	}
	from := acc.UPRN
	acc.UPRN, acc.Address, acc.Zone, acc.UpdatedAt = newPermit.UPRN, newPermit.Address, newPermit.Zone, at
	if err := o.UpdateAccount(acc); err != nil {
		return nil, nil, err
	}
	return ended, owed, o.event(EventAddressChangeApproved, "", acc.ID,
		map[string]string{"from_uprn": from.String(), "to_uprn": acc.UPRN.String(), "zone": acc.Zone.ID, "via_permit": newPermit.ID})
}

// Reject refuses an application (officer only, R3): the authorisation is
// voided (or a captured payment refunded in full), the free slot released,
// and the applicant must apply again. code is the council's reason code,
// reason the words the applicant reads. The void is recorded as owed in
// the rejection's transaction and asked for after it commits; when the
// provider fails, the rejection stands and the due jobs retry the void.
//
// code must be one of the scheme's RejectionReasons when it lists any; the
// notice then gives the reason's text before the officer's words.
//
// Errors: ErrForbidden unless an officer (or the system) rejects;
// *ValidationError (missing reason, or a code the scheme does not list);
// ErrNotFound; *TransitionError.
func (s *Service) Reject(ctx context.Context, by Actor, permitID string, r Rejection) (Permit, error) {
	if err := by.mayDecide("reject applications"); err != nil {
		return Permit{}, err
	}
	r.Code, r.Reason = strings.TrimSpace(r.Code), strings.TrimSpace(r.Reason)
	var v ValidationError
	s.scheme.checkRejection(&v, r, true)
	if r.Reason == "" {
		v.add("reason", "required", "Say why the application is rejected; the applicant reads this.")
	}
	if err := v.err(); err != nil {
		return Permit{}, err
	}
	if _, err := s.pendingForDecision(ctx, permitID, TransitionReject, false); err != nil {
		return Permit{}, err
	}
	reason, _ := s.scheme.RejectionReason(r.Code)
	return s.closePermit(ctx, by, permitID, TransitionReject, func(o *op, cur *Permit) (closing, error) {
		owed, err := s.releaseHold(o, *cur, o.at)
		cur.Rejection = &r
		return closing{data: map[string]string{"reason_code": r.Code, "reason": r.Reason}, owed: owed,
			tell: MessageRejected, told: map[string]string{"reason_code": r.Code, "reason": r.Reason, "reason_text": reason.Text}}, err
	})
}

// closeEdit sets a closing transition's own fields on cur, inside o, and
// says how to close it.
type closeEdit func(o *op, cur *Permit) (closing, error)

// closing is what a closeEdit decided: the event's data, the payment
// calls the closing owes (to settle after the commit) and the message of
// kind tell (none when "") with told's values that tells the holder.
type closing struct {
	data map[string]string
	owed []PaymentRetry
	tell MessageKind
	told map[string]string
}

// closePermit moves a permit out of the live set by t, releasing what its
// chain held, with t's event; edit sets the transition's own fields. A
// permit cancelled or ended takes its pending renewal with it (see
// withdrawRenewal). What the closing owes the payment provider is asked
// for after the commit; the permit is returned as it then stands.
func (s *Service) closePermit(ctx context.Context, by Actor, permitID string, t Transition, edit closeEdit) (Permit, error) {
	var out Permit
	var owed []PaymentRetry
	var renewal, promoted *Permit
	err := s.update(ctx, by, func(o *op) error {
		owed, renewal, promoted = nil, nil, nil
		cur, err := o.Permit(permitID)
		if err != nil {
			return err
		}
		freeApplication := cur.Free && cur.Status == PendingReview
		if err := cur.may(t, o.today); err != nil {
			return err
		}
		if t == TransitionCancel || t == TransitionEnd {
			var held []PaymentRetry
			if renewal, held, err = s.withdrawRenewal(o, permitID); err != nil {
				return err
			}
			owed = append(owed, held...)
			if renewal != nil {
				// Withdrawing the renewal wrote this permit: read it again.
				if cur, err = o.Permit(permitID); err != nil {
					return err
				}
			}
		}
		if err := s.releaseChain(o, cur); err != nil {
			return err
		}
		c, err := edit(o, &cur)
		if err != nil {
			return err
		}
		owed = append(owed, c.owed...)
		if err := o.take(&cur, t, c.data); err != nil {
			return err
		}
		out = cur
		if c.tell != "" {
			if err := o.notify(c.tell, cur, c.told); err != nil {
				return err
			}
		}
		if freeApplication && (t == TransitionReject || t == TransitionWithdraw) {
			var held []PaymentRetry
			if promoted, held, err = s.promoteToFree(o, cur); err != nil {
				return err
			}
			owed = append(owed, held...)
			if promoted != nil {
				if err := o.notify(MessageBecameFree, *promoted, map[string]string{"previous_price": pricing.FormatMoney(amount(promoted.Payment))}); err != nil {
					return err
				}
			}
		}
		if renewal != nil {
			if err := o.notify(MessageCancelled, *renewal, map[string]string{"reason": "the permit it renews was cancelled"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Permit{}, err
	}
	out = s.settleAfter(ctx, out, owed)
	return out, nil
}

// withdrawRenewal withdraws, inside tx, the renewal still awaiting a
// decision of the permit permitID, which is being cancelled or ended: the
// renewal cannot follow a permit that no longer runs to its end. Its hold
// is returned (the retries are returned to settle after the commit), its
// place in the chain and its free slot go back to the permit (which then
// releases the slot as it closes), and a permit.withdrawn event says why.
// It returns the withdrawn renewal, or nil when there is none pending.
func (s *Service) withdrawRenewal(o *op, permitID string) (*Permit, []PaymentRetry, error) {
	p, err := o.Permit(permitID)
	if err != nil || p.RenewedBy == "" {
		return nil, nil, err
	}
	r, err := o.Permit(p.RenewedBy)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != PendingReview && r.Status != AwaitingPayment {
		return nil, nil, nil // an approved renewal is a permit of its own
	}
	owed, err := s.releaseHold(o, r, o.at)
	if err != nil {
		return nil, nil, err
	}
	if err := r.may(TransitionWithdraw, o.today); err != nil {
		return nil, nil, err
	}
	if err := s.releaseChain(o, r); err != nil {
		return nil, nil, err
	}
	const why = "the permit it renews was cancelled"
	r.Cancellation = &Cancellation{At: o.at, By: o.by.String(), Reason: why, Refund: decimal.Zero}
	return &r, owed, o.take(&r, TransitionWithdraw, map[string]string{"reason": why, "renewal_of": p.ID})
}

// Cancel ends a permit at its holder's or the council's request (R6). An
// approved permit is cancelled with the scheme's refund (Leicestershire:
// non-refundable, 0.00), and its renewal still awaiting a decision is
// withdrawn with it (its hold voided); an application still pending a
// decision is withdrawn and its authorisation voided. Refunds and voids
// are recorded as owed in the same transaction and asked for after it
// commits; when the provider fails, the cancellation stands and the due
// jobs retry them (see PaymentRetry).
//
// Errors: ErrNotFound (also for another account's permit); ErrForbidden
// for an actor that is neither its account, an officer nor the system;
// *TransitionError (rejected, already cancelled, expired, ...).
func (s *Service) Cancel(ctx context.Context, by Actor, permitID, reason string) (Permit, error) {
	p, err := s.permit(ctx, permitID)
	if err != nil {
		return Permit{}, err
	}
	if err := by.mayActFor(p.AccountID, "permit", permitID); err != nil {
		return Permit{}, err
	}
	if p.Status == PendingReview || p.Status == AwaitingPayment {
		return s.withdraw(ctx, by, p, reason)
	}
	return s.closePermit(ctx, by, permitID, TransitionCancel, func(o *op, cur *Permit) (closing, error) {
		paid := decimal.Zero
		if pay := cur.Payment; pay != nil && (pay.Status == PaymentCaptured || pay.Status == PaymentAuthorised && !cur.Free) {
			// An approved permit's authorised payment is one whose
			// capture is owed: it counts as paid.
			paid = pay.Amount
		}
		refund := s.scheme.Refunds.Refund(paid, cur.StartsOn, cur.ExpiresOn, o.today)
		var owed []PaymentRetry
		if refund.Amount.IsPositive() {
			r, ok, err := s.owe(o, PaymentOpRefund, *cur, cur.Payment.ID, refund.Amount, o.at)
			if err != nil {
				return closing{}, err
			}
			if ok {
				owed = append(owed, r)
			}
		}
		cur.Cancellation = &Cancellation{At: o.at, By: o.by.String(), Reason: reason, Refund: refund.Amount}
		return closing{data: map[string]string{"reason": reason, "refund": pricing.FormatMoney(refund.Amount), "refund_reason": refund.Reason}, owed: owed,
			tell: MessageCancelled, told: map[string]string{"reason": reason, "refund": pricing.FormatMoney(refund.Amount)}}, nil
	})
}

func (s *Service) withdraw(ctx context.Context, by Actor, p Permit, reason string) (Permit, error) {
	return s.closePermit(ctx, by, p.ID, TransitionWithdraw, func(o *op, cur *Permit) (closing, error) {
		owed, err := s.releaseHold(o, *cur, o.at)
		cur.Cancellation = &Cancellation{At: o.at, By: o.by.String(), Reason: reason, Refund: decimal.Zero}
		return closing{data: map[string]string{"reason": reason}, owed: owed}, err
	})
}
