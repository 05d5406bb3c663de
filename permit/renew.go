package permit

import (
	"context"
	"fmt"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
)

// Renewal is a holder's request to renew a permit (R5).
type Renewal struct {
	Evidence []evidence.Document // updated proof of care for a carer permit
	Pay      bool                // decline a free slot that has opened
}

// Renew applies for the renewal of a permit within the scheme's window
// (Leicestershire: at most 30 days before expiry). The new permit starts the
// day after the old one expires — no gap, no overlap — and is pending
// review. It is free when its chain held the free slot, or when a slot is
// open on its start date.
//
// Errors: ErrNotFound (also for another account's permit); ErrForbidden
// for an actor that is neither its account, an officer nor the system;
// *NotEligibleError (renewal_window_not_open, not_renewable, ...);
// *EvidenceError; ErrPaymentFailed.
func (s *Service) Renew(ctx context.Context, by Actor, permitID string, in Renewal) (Permit, error) {
	var p Permit
	return s.submit(ctx, by, &p, func(o *op) error { return s.renewOnce(ctx, o, permitID, in, &p) },
		map[string]string{"renewal_of": permitID})
}

// RenewalEligibility answers "may this permit be renewed now, is the
// renewal free, what does it cost, what evidence is needed, and why",
// without changing anything: the decision Renew would take. A renewal of
// a free permit whose place another permit took for the days after it
// expires is paid, and the answer says so (free_place_taken, R1 decision
// of 2026-12). It is for the permit's holder and the council: ErrNotFound
// when the permit does not exist, or when by is another account;
// ErrForbidden for any other actor.
func (s *Service) RenewalEligibility(ctx context.Context, by Actor, permitID string, pay bool) (eligibility.Decision, error) {
	at := s.now()
	var d eligibility.Decision
	err := s.store.View(ctx, func(tx ReadTx) error {
		old, err := tx.Permit(permitID)
		if err != nil {
			return err
		}
		if err := by.mayRead(old.AccountID, "permit", permitID, false); err != nil {
			return err
		}
		d, _, _, err = s.decide(ctx, tx, old.AccountID, old.UPRN, eligibility.Request{
			Kind: eligibility.KindRenewal, PermitType: old.Type, At: at, Pay: pay, RenewalOf: old.ID,
		})
		return err
	})
	return d, err
}

// renewOnce decides and stores the renewal of permitID in o as *p.
func (s *Service) renewOnce(ctx context.Context, o *op, permitID string, in Renewal, p *Permit) error {
	old, err := o.Permit(permitID)
	if err != nil {
		return err
	}
	if err := o.by.mayActFor(old.AccountID, "permit", permitID); err != nil {
		return err
	}
	acc, err := o.Account(old.AccountID)
	if err != nil {
		return err
	}
	d, prop, counting, err := s.decide(ctx, o, acc.ID, old.UPRN, eligibility.Request{
		Kind: eligibility.KindRenewal, PermitType: old.Type, At: o.at, Pay: in.Pay, RenewalOf: old.ID,
	})
	if err != nil {
		return err
	}
	if !d.Eligible {
		return &NotEligibleError{Decision: d}
	}
	if err := old.may(TransitionRenew, o.today); err != nil {
		return err
	}
	res := s.scheme.Evidence.Check(evidence.Submission{
		Action: evidence.ActionRenew, On: o.today, Requirements: d.RequiredEvidence, Documents: in.Evidence,
		VRM: string(old.VRM), HolderName: acc.Name, PreviousAcceptedOn: old.EvidenceAcceptedOn,
		PropertyPostcode: prop.Postcode, PropertyAddress: prop.Address(),
	})
	if !res.OK() {
		return &EvidenceError{Result: res, Requirements: d.RequiredEvidence}
	}
	// The chain's scheduled vehicle change belongs to the renewal too
	// (R4, decision of 2026-12): it is applied to both on its day, and
	// withdrawing or replacing it reaches both.
	vrm := old.VRM
	var pending *VehicleChange
	if vc := old.PendingVehicleChange; vc != nil {
		c := *vc
		pending = &c
	}
	id := s.newID("per")
	*p = Permit{
		ID: id, AccountID: old.AccountID, Type: old.Type, Status: PendingReview,
		Free: d.Free, Pool: d.Pool, Price: d.Price, VRM: vrm, PendingVehicleChange: pending,
		UPRN: old.UPRN, Address: old.Address, Zone: old.Zone, AddressProtected: old.AddressProtected,
		StartsOn: d.StartsOn, ExpiresOn: d.ExpiresOn,
		ChainID: old.ChainID, RenewalOf: old.ID,
		Evidence: in.Evidence,
	}
	if d.Free {
		p.FreeSlot = d.FreeSlot
	} else if d.Price.IsPositive() {
		p.Status = AwaitingPayment
	}
	if err := o.create(p); err != nil {
		return err
	}
	if d.Free {
		if err := s.claim(o, *p, counting); err != nil {
			return err
		}
	}
	data := map[string]string{"renewal_of": old.ID, "free": fmt.Sprint(p.Free), "price": pricing.FormatMoney(p.Price),
		"starts_on": date(p.StartsOn), "expires_on": date(p.ExpiresOn)}
	// Why it is free or paid (e.g. free_place_taken: another permit
	// took the free place for the days after the old one expires).
	for _, r := range d.Reasons {
		if !r.Blocking {
			data["allowance"], data["allowance_detail"] = string(r.Code), r.Detail
		}
	}
	return o.renewed(&old, *p, data)
}
