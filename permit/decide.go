package permit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
)

// save writes p (optimistically, by version) and keeps p's version in step
// with the store's.
func save(tx Tx, p *Permit) error {
	if err := tx.UpdatePermit(*p); err != nil {
		return err
	}
	p.Version++
	return nil
}

// releaseChain gives up what a permit held when it stops being live: its
// place as its predecessor's renewal and its free slot (which returns to
// the predecessor when that one is still live and free).
func (s *Service) releaseChain(tx Tx, p Permit) error {
	today := s.today(s.now())
	var prev *Permit
	if p.RenewalOf != "" {
		old, err := tx.Permit(p.RenewalOf)
		if err != nil {
			return err
		}
		if old.RenewedBy == p.ID {
			old.RenewedBy = ""
			old.UpdatedAt = s.now()
			if err := save(tx, &old); err != nil {
				return err
			}
		}
		prev = &old
	}
	c, held, err := s.heldClaim(tx, p)
	if err != nil || !held || c.PermitID != p.ID {
		return err
	}
	if prev != nil && prev.Free && prev.Live(today) {
		back := c
		back.PermitID = prev.ID
		return tx.MoveClaim(c, back)
	}
	return tx.Release(c)
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
// Errors: ErrNotFound; *TransitionError when it is not pending review;
// *EvidenceError; ErrPaymentFailed when the capture fails.
func (s *Service) Approve(ctx context.Context, by Actor, permitID string) (Permit, error) {
	p, err := s.pendingForDecision(ctx, permitID, Approve, true)
	if err != nil {
		return Permit{}, err
	}
	captured := p.Payment
	if p.Payment != nil && p.Payment.Status == PaymentAuthorised {
		pay, err := s.payments.Capture(ctx, p.Payment.ID, "capture:"+p.ID)
		if err != nil {
			return Permit{}, fmt.Errorf("%w: capturing payment for permit %s: %w", ErrPaymentFailed, p.ID, err)
		}
		captured = &pay
	}
	var out Permit
	var ended []Permit
	err = retry(ctx, func() error {
		ended = nil
		return s.store.Update(ctx, func(tx Tx) error {
			at := s.now()
			today := s.today(at)
			cur, err := tx.Permit(permitID)
			if err != nil {
				return err
			}
			if err := cur.transition(Approve, today); err != nil {
				return err
			}
			cur.Payment = captured
			cur.EvidenceAcceptedOn = today
			cur.UpdatedAt = at
			acc, err := tx.Account(cur.AccountID)
			if err != nil {
				return err
			}
			if cur.UPRN != acc.UPRN {
				if ended, err = s.moveAccount(tx, by, acc, cur, at); err != nil {
					return err
				}
			}
			if err := save(tx, &cur); err != nil {
				return err
			}
			out = cur
			return tx.AppendEvent(Event{Type: EventPermitApproved, At: at, Actor: by.String(), PermitID: cur.ID, AccountID: cur.AccountID,
				Data: map[string]string{"starts_on": date(cur.StartsOn), "expires_on": date(cur.ExpiresOn), "captured": pricing.FormatMoney(amount(captured))}})
		})
	})
	if err != nil {
		if captured != nil && captured.Status == PaymentCaptured && (p.Payment == nil || p.Payment.Status != PaymentCaptured) {
			// The permit changed under us after the money was taken: return it.
			_, _ = s.payments.Refund(ctx, captured.ID, captured.Amount, "refund:"+p.ID)
		}
		return Permit{}, err
	}
	s.notify(ctx, MessageApproved, out, nil)
	for _, e := range ended {
		s.notify(ctx, MessageCancelled, e, map[string]string{"reason": "moved to another permit zone"})
	}
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
		probe := p
		if err := probe.transition(t, s.today(s.now())); err != nil {
			return err
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
func (s *Service) moveAccount(tx Tx, by Actor, acc Account, newPermit Permit, at time.Time) ([]Permit, error) {
	today := s.today(at)
	ps, err := tx.PermitsOfAccount(acc.ID)
	if err != nil {
		return nil, err
	}
	var ended []Permit
	for _, old := range ps {
		if old.ID == newPermit.ID || old.UPRN == newPermit.UPRN || !old.Live(today) {
			continue
		}
		t := End
		if old.Status != Approved {
			t = Withdraw
		}
		if err := old.transition(t, today); err != nil {
			return nil, err
		}
		if err := s.releaseChain(tx, old); err != nil {
			return nil, err
		}
		old.Cancellation = &Cancellation{At: at, By: by.String(), Reason: "moved to another permit zone", Refund: decimal.Zero}
		old.UpdatedAt = at
		if err := save(tx, &old); err != nil {
			return nil, err
		}
		ended = append(ended, old)
		if err := tx.AppendEvent(Event{Type: EventPermitEnded, At: at, Actor: by.String(), PermitID: old.ID, AccountID: acc.ID,
			Data: map[string]string{"reason": "moved_zone", "superseded_by": newPermit.ID}}); err != nil {
			return nil, err
		}
	}
	from := acc.UPRN
	acc.UPRN, acc.Address, acc.Zone, acc.UpdatedAt = newPermit.UPRN, newPermit.Address, newPermit.Zone, at
	if err := tx.UpdateAccount(acc); err != nil {
		return nil, err
	}
	return ended, tx.AppendEvent(Event{Type: EventAddressChangeApproved, At: at, Actor: by.String(), AccountID: acc.ID,
		Data: map[string]string{"from_uprn": from.String(), "to_uprn": acc.UPRN.String(), "zone": acc.Zone.ID, "via_permit": newPermit.ID}})
}

// Reject refuses an application (officer only, R3): the authorisation is
// voided (or a captured payment refunded in full), the free slot released,
// and the applicant must apply again. code is the council's reason code,
// reason the words the applicant reads.
//
// Errors: *ValidationError (missing reason); ErrNotFound; *TransitionError.
func (s *Service) Reject(ctx context.Context, by Actor, permitID string, r Rejection) (Permit, error) {
	r.Code, r.Reason = strings.TrimSpace(r.Code), strings.TrimSpace(r.Reason)
	var v ValidationError
	if r.Code == "" {
		v.add("reason_code", "required", "Give the council's reason code.")
	}
	if r.Reason == "" {
		v.add("reason", "required", "Say why the application is rejected; the applicant reads this.")
	}
	if err := v.err(); err != nil {
		return Permit{}, err
	}
	p, err := s.pendingForDecision(ctx, permitID, Reject, false)
	if err != nil {
		return Permit{}, err
	}
	pay, err := s.returnMoney(ctx, p, "void:"+p.ID, "refund:"+p.ID)
	if err != nil {
		return Permit{}, err
	}
	out, err := s.closePermit(ctx, by, permitID, Reject, EventPermitRejected, func(cur *Permit) map[string]string {
		cur.Rejection = &r
		cur.Payment = pay
		return map[string]string{"reason_code": r.Code, "reason": r.Reason}
	})
	if err != nil {
		return Permit{}, err
	}
	s.notify(ctx, MessageRejected, out, map[string]string{"reason_code": r.Code, "reason": r.Reason})
	return out, nil
}

// returnMoney voids an authorisation or refunds a captured payment in
// full, returning the payment as it then stands.
func (s *Service) returnMoney(ctx context.Context, p Permit, voidKey, refundKey string) (*Payment, error) {
	if p.Payment == nil {
		return nil, nil
	}
	var pay Payment
	var err error
	switch p.Payment.Status {
	case PaymentAuthorised:
		pay, err = s.payments.Void(ctx, p.Payment.ID, voidKey)
	case PaymentCaptured:
		pay, err = s.payments.Refund(ctx, p.Payment.ID, p.Payment.Amount.Sub(p.Payment.Refunded), refundKey)
	default:
		return p.Payment, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: returning payment of permit %s: %w", ErrPaymentFailed, p.ID, err)
	}
	return &pay, nil
}

// closePermit moves a permit out of the live set by t, releasing what its
// chain held, with one event; edit sets the transition's own fields.
func (s *Service) closePermit(ctx context.Context, by Actor, permitID string, t Transition, et EventType, edit func(*Permit) map[string]string) (Permit, error) {
	var out Permit
	err := retry(ctx, func() error {
		return s.store.Update(ctx, func(tx Tx) error {
			at := s.now()
			cur, err := tx.Permit(permitID)
			if err != nil {
				return err
			}
			if err := cur.transition(t, s.today(at)); err != nil {
				return err
			}
			if err := s.releaseChain(tx, cur); err != nil {
				return err
			}
			data := edit(&cur)
			cur.UpdatedAt = at
			if err := save(tx, &cur); err != nil {
				return err
			}
			out = cur
			return tx.AppendEvent(Event{Type: et, At: at, Actor: by.String(), PermitID: cur.ID, AccountID: cur.AccountID, Data: data})
		})
	})
	return out, err
}

// Cancel ends a permit at its holder's or the council's request (R6). An
// approved permit is cancelled with the scheme's refund (Leicestershire:
// non-refundable, 0.00); an application still pending a decision is
// withdrawn and its authorisation voided.
//
// Errors: ErrNotFound; *TransitionError (rejected, already cancelled,
// expired, ...); ErrPaymentFailed when the refund or void fails.
func (s *Service) Cancel(ctx context.Context, by Actor, permitID, reason string) (Permit, error) {
	p, err := s.Permit(ctx, permitID)
	if err != nil {
		return Permit{}, err
	}
	today := s.today(s.now())
	if p.Status == PendingReview || p.Status == AwaitingPayment {
		return s.withdraw(ctx, by, p, reason)
	}
	probe := p
	if err := probe.transition(Cancel, today); err != nil {
		return Permit{}, err
	}
	paid := decimal.Zero
	if p.Payment != nil && p.Payment.Status == PaymentCaptured {
		paid = p.Payment.Amount
	}
	refund := s.scheme.Refunds.Refund(paid, p.StartsOn, p.ExpiresOn, today)
	pay := p.Payment
	if refund.Amount.IsPositive() {
		np, err := s.payments.Refund(ctx, p.Payment.ID, refund.Amount, "refund:"+p.ID)
		if err != nil {
			return Permit{}, fmt.Errorf("%w: refunding permit %s: %w", ErrPaymentFailed, p.ID, err)
		}
		pay = &np
	}
	out, err := s.closePermit(ctx, by, permitID, Cancel, EventPermitCancelled, func(cur *Permit) map[string]string {
		cur.Payment = pay
		cur.Cancellation = &Cancellation{At: s.now(), By: by.String(), Reason: reason, Refund: refund.Amount}
		return map[string]string{"reason": reason, "refund": pricing.FormatMoney(refund.Amount), "refund_reason": refund.Reason}
	})
	if err != nil {
		return Permit{}, err
	}
	s.notify(ctx, MessageCancelled, out, map[string]string{"reason": reason, "refund": pricing.FormatMoney(refund.Amount)})
	return out, nil
}

func (s *Service) withdraw(ctx context.Context, by Actor, p Permit, reason string) (Permit, error) {
	pay, err := s.returnMoney(ctx, p, "void:"+p.ID, "refund:"+p.ID)
	if err != nil {
		return Permit{}, err
	}
	return s.closePermit(ctx, by, p.ID, Withdraw, EventPermitWithdrawn, func(cur *Permit) map[string]string {
		cur.Payment = pay
		cur.Cancellation = &Cancellation{At: s.now(), By: by.String(), Reason: reason, Refund: decimal.Zero}
		return map[string]string{"reason": reason}
	})
}
