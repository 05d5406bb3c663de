package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// RequestAddressChange asks for an account to move to another property
// (R7). In the same permit zone it creates a change pending an officer's
// review of the proof of residency; the permits follow once approved. In
// another zone it is refused with a *DifferentZoneError naming the evidence
// a new application there needs (Apply with MoveTo).
//
// An account has one address change pending at a time: while one is,
// another is refused with a *PendingAddressChangeError naming it (two at
// once left the account and its permits at different addresses).
//
// A same-zone move that would break a per-property limit at the new
// property is refused at once with a *NotEligibleError (limit_reached), as
// its approval would be.
//
// Errors: *ValidationError; ErrNotFound (account or property, or another
// account's); ErrForbidden for an actor that is neither the account, an
// officer nor the system; *PendingAddressChangeError;
// *DifferentZoneError; *NotEligibleError; *EvidenceError.
func (s *Service) RequestAddressChange(ctx context.Context, by Actor, accountID string, to zones.UPRN, docs []evidence.Document) (AddressChange, error) {
	if err := by.mayActFor(accountID, "account", accountID); err != nil {
		return AddressChange{}, err
	}
	if to.IsZero() {
		return AddressChange{}, &ValidationError{Fields: []FieldError{{Field: "uprn", Code: "required", Detail: "Choose the new property (UPRN)."}}}
	}
	prop, err := s.property(ctx, to)
	if err != nil {
		return AddressChange{}, err
	}
	var c AddressChange
	err = s.update(ctx, by, func(o *op) error {
		at, today := o.at, o.today
		acc, err := o.Account(accountID)
		if err != nil {
			return err
		}
		if acc.UPRN == to {
			return &ValidationError{Fields: []FieldError{{Field: "uprn", Code: "same_address", Detail: "That is the account's current address."}}}
		}
		if err := pendingAddressChange(o, acc.ID); err != nil {
			return err
		}
		ps, err := o.PermitsOfAccount(acc.ID)
		if err != nil {
			return err
		}
		if prop.Zone.IsZero() || prop.Zone != acc.Zone {
			return s.differentZone(acc, prop, ps, today)
		}
		var moving []Permit
		for _, p := range ps {
			if p.Live(today) && p.UPRN == acc.UPRN {
				moving = append(moving, p)
			}
		}
		if err := s.checkMoveLimits(o, moving, prop.UPRN, prop.Address(), today); err != nil {
			return err
		}
		res := s.scheme.Evidence.Check(evidence.Submission{
			Action: evidence.ActionAddressChangeSameZone, On: today, Requirements: s.scheme.AddressChangeSameZone,
			Documents: docs, HolderName: acc.Name, PropertyPostcode: prop.Postcode, PropertyAddress: prop.Address(),
		})
		if !res.OK() {
			return &EvidenceError{Result: res, Requirements: slices.Clone(s.scheme.AddressChangeSameZone)}
		}
		c = AddressChange{
			ID: s.newID("adc"), AccountID: acc.ID, FromUPRN: acc.UPRN, ToUPRN: prop.UPRN, ToAddress: prop.Address(),
			Zone: prop.Zone, Evidence: docs, Status: AddressChangePending, SubmittedOn: today,
			DueOn: s.scheme.ReviewDueOn(today), CreatedAt: at, Version: 1,
		}
		if err := o.CreateAddressChange(c); err != nil {
			return err
		}
		return o.event(EventAddressChangeRequested, "", acc.ID,
			map[string]string{"address_change_id": c.ID, "from_uprn": c.FromUPRN.String(), "to_uprn": c.ToUPRN.String(), "zone": c.Zone.ID})
	})
	return c, err
}

// ApproveAddressChange applies a same-zone move (officer only): the account
// and its live permits carry the new address; free slots of property-scoped
// pools move to the new property.
//
// The change must still start from the account's current address: one
// made stale by another move (a new-zone application approved meanwhile)
// is refused with a *StaleAddressChangeError, and the officer rejects it.
//
// The new property's per-property limits hold (R7, decision of 2026-12):
// a move that would give it more live permits than a limit allows is
// refused with a *NotEligibleError (limit_reached) that says so. When
// another household already holds the new property's free allowance, the
// move still goes ahead ("you do not need to purchase a new permit"): the
// moving permits keep what they paid until they expire (a free one stays
// free without a place in the new property's pool), and at renewal the new
// property's pool decides.
//
// Errors: ErrForbidden unless an officer (or the system) approves;
// ErrNotFound; *TransitionError when it is not pending;
// *StaleAddressChangeError; *NotEligibleError (limit_reached).
func (s *Service) ApproveAddressChange(ctx context.Context, by Actor, id string) (AddressChange, error) {
	if err := by.mayDecide("approve address changes"); err != nil {
		return AddressChange{}, err
	}
	var out AddressChange
	var acc Account
	err := s.update(ctx, by, func(o *op) error {
		at, today := o.at, o.today
		c, err := o.AddressChange(id)
		if err != nil {
			return err
		}
		if c.Status != AddressChangePending {
			return &TransitionError{PermitID: c.ID, State: Status(c.Status), Event: TransitionApprove}
		}
		if acc, err = o.Account(c.AccountID); err != nil {
			return err
		}
		if acc.UPRN != c.FromUPRN {
			return &StaleAddressChangeError{ID: c.ID, From: c.FromUPRN, AccountAt: acc.UPRN, AccountAddress: acc.Address}
		}
		ps, err := o.PermitsOfAccount(acc.ID)
		if err != nil {
			return err
		}
		var moving []Permit
		for _, p := range ps {
			if p.Live(today) && p.UPRN == c.FromUPRN {
				moving = append(moving, p)
			}
		}
		if err := s.checkMoveLimits(o, moving, c.ToUPRN, c.ToAddress, today); err != nil {
			return err
		}
		for _, p := range moving {
			if err := s.moveClaimTo(o, p, c.ToUPRN, today); err != nil {
				return err
			}
			p.UPRN, p.Address, p.Zone = c.ToUPRN, c.ToAddress, c.Zone
			if err := o.touch(&p, "address_changed", map[string]string{"address_change_id": c.ID,
				"from_uprn": c.FromUPRN.String(), "to_uprn": c.ToUPRN.String()}); err != nil {
				return err
			}
		}
		acc.UPRN, acc.Address, acc.Zone, acc.UpdatedAt = c.ToUPRN, c.ToAddress, c.Zone, at
		if err := o.UpdateAccount(acc); err != nil {
			return err
		}
		c.Status, c.DecidedAt = AddressChangeApproved, at
		if err := o.UpdateAddressChange(c); err != nil {
			return err
		}
		c.Version++
		out = c
		if err := o.event(EventAddressChangeApproved, "", acc.ID,
			map[string]string{"address_change_id": c.ID, "from_uprn": c.FromUPRN.String(), "to_uprn": c.ToUPRN.String()}); err != nil {
			return err
		}
		return o.notifyAccount(MessageAddressChanged, acc, "", map[string]string{"address": c.ToAddress})
	})
	if err != nil {
		return AddressChange{}, err
	}
	return out, nil
}

// RejectAddressChange refuses a same-zone move (officer only). The code
// must be one of the scheme's RejectionReasons when it lists any.
// Errors: ErrForbidden unless an officer (or the system) rejects;
// *ValidationError; ErrNotFound; *TransitionError.
func (s *Service) RejectAddressChange(ctx context.Context, by Actor, id string, r Rejection) (AddressChange, error) {
	if err := by.mayDecide("reject address changes"); err != nil {
		return AddressChange{}, err
	}
	r.Code, r.Reason = strings.TrimSpace(r.Code), strings.TrimSpace(r.Reason)
	var v ValidationError
	s.scheme.checkRejection(&v, r, false)
	if r.Reason == "" {
		v.add("reason", "required", "Say why the address change is refused.")
	}
	if err := v.err(); err != nil {
		return AddressChange{}, err
	}
	var out AddressChange
	err := s.update(ctx, by, func(o *op) error {
		c, err := o.AddressChange(id)
		if err != nil {
			return err
		}
		if c.Status != AddressChangePending {
			return &TransitionError{PermitID: c.ID, State: Status(c.Status), Event: TransitionReject}
		}
		c.Status, c.DecidedAt, c.Rejection = AddressChangeRejected, o.at, &r
		if err := o.UpdateAddressChange(c); err != nil {
			return err
		}
		c.Version++
		out = c
		return o.event(EventAddressChangeRejected, "", c.AccountID,
			map[string]string{"address_change_id": c.ID, "reason_code": r.Code, "reason": r.Reason})
	})
	return out, err
}

// ErrAddressChangePending: the account already has an address change
// pending review. The concrete error is a *PendingAddressChangeError.
var ErrAddressChangePending = errors.New("an address change is already pending")

// PendingAddressChangeError refuses a second address change while the
// account's first one waits for an officer: one move at a time keeps the
// account and its permits at the same address.
type PendingAddressChangeError struct {
	AccountID string
	PendingID string // the address change pending review
}

func (e *PendingAddressChangeError) Error() string {
	return fmt.Sprintf("permit: account %s already has address change %s pending review", e.AccountID, e.PendingID)
}

// Unwrap lets errors.Is match ErrAddressChangePending.
func (e *PendingAddressChangeError) Unwrap() error { return ErrAddressChangePending }

// StaleAddressChangeError refuses to approve an address change that no
// longer starts from the account's address (the account moved since it
// was asked for): approving it would leave the account and its permits at
// different addresses. It unwraps to ErrInvalidTransition.
type StaleAddressChangeError struct {
	ID             string     // the address change
	From           zones.UPRN // where it moves the account from
	AccountAt      zones.UPRN // where the account is now
	AccountAddress string
}

func (e *StaleAddressChangeError) Error() string {
	return fmt.Sprintf("permit: address change %s moves the account from UPRN %s, but it is now at UPRN %s (%s): reject it; the resident can ask again from the current address",
		e.ID, e.From, e.AccountAt, e.AccountAddress)
}

// Unwrap lets errors.Is match ErrInvalidTransition.
func (e *StaleAddressChangeError) Unwrap() error { return ErrInvalidTransition }

// pendingAddressChange refuses when the account has an address change
// pending review.
func pendingAddressChange(tx ReadTx, accountID string) error {
	cs, err := tx.AddressChangesOfAccount(accountID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Status == AddressChangePending {
			return &PendingAddressChangeError{AccountID: accountID, PendingID: c.ID}
		}
	}
	return nil
}

// checkMoveLimits refuses a same-zone move that would give the new
// property more live permits than one of the scheme's per-property limits
// allows (R7, decision of 2026-12). Permits of one renewal chain count
// once, as eligibility counts them; account-scoped limits do not change
// with a move.
func (s *Service) checkMoveLimits(tx ReadTx, moving []Permit, to zones.UPRN, toAddress string, today time.Time) error {
	there, err := tx.PermitsAtProperty(to)
	if err != nil {
		return err
	}
	for _, l := range s.scheme.Rules.Limits {
		if l.Scope != eligibility.ScopeProperty {
			continue
		}
		count := func(ps []Permit) []string {
			var chains []string
			for _, p := range ps {
				if p.Live(today) && slices.Contains(l.Types, p.Type) && !slices.Contains(chains, chainOf(p)) {
					chains = append(chains, chainOf(p))
				}
			}
			return chains
		}
		held, coming := len(count(there)), len(count(moving))
		if coming == 0 || held+coming <= l.Max {
			continue
		}
		names := make([]string, 0, len(l.Types))
		for _, t := range l.Types {
			names = append(names, s.typeName(t))
		}
		detail := fmt.Sprintf("The move cannot be made: %s already has %s (%s) current or applied for, "+
			"and moving %s there would make %d, but no more than %d are allowed. %s",
			toAddress, plural(held, "permit", "permits"), strings.Join(names, " or "), plural(coming, "permit", "permits"), held+coming, l.Max, l.Why)
		return &NotEligibleError{Decision: eligibility.Decision{Reasons: []eligibility.Reason{{Code: eligibility.CodeLimitReached, Detail: detail, Blocking: true}}}}
	}
	return nil
}

// plural writes a count with its noun: "1 permit", "2 permits".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// differentZone is the answer to a move to another zone: a new application
// is needed there, with everything it needs listed (R7): for the types of
// the account's live permits, the type's apply evidence, proof of
// residency at the new address and the V5C, each requirement once.
func (s *Service) differentZone(acc Account, prop zones.Property, ps []Permit, today time.Time) error {
	e := &DifferentZoneError{From: acc.Zone, To: prop.Zone, Property: prop, ByType: make(map[string][]evidence.Requirement)}
	for _, pt := range s.scheme.Rules.PermitTypes {
		e.ByType[pt.ID], _ = s.scheme.Requirements(pt.ID, evidence.ActionApplicationNewZone)
	}
	for _, p := range ps {
		if !p.Live(today) {
			continue
		}
		for _, q := range e.ByType[p.Type] {
			if !slices.ContainsFunc(e.RequiredEvidence, func(o evidence.Requirement) bool { return o.Name == q.Name }) {
				e.RequiredEvidence = append(e.RequiredEvidence, q)
			}
		}
	}
	if len(e.RequiredEvidence) == 0 {
		e.RequiredEvidence = slices.Clone(s.scheme.NewZoneApplication)
	}
	return e
}
