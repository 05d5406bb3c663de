package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// Application is a resident's application for a permit (R1, R2).
type Application struct {
	AccountID string
	Type      string    // permit type ID from the scheme
	VRM       string    // as typed; normalised by ParseVRM
	StartsOn  time.Time // date; zero = today
	Pay       bool      // decline the free slot and pay (R1 "and vice versa")
	Evidence  []evidence.Document
	// MoveTo, when set to a property in another permit zone, makes this the
	// new application R7 asks for after a move: it needs proof of residency
	// at the new address and the V5C, and when approved the account moves
	// there and its permits in the old zone end.
	MoveTo zones.UPRN
}

func holding(p Permit) eligibility.Holding {
	return eligibility.Holding{
		ID: p.ID, AccountID: p.AccountID, Type: p.Type, UPRN: p.UPRN,
		Status: p.Status, Free: p.Free, FreeSlot: p.FreeSlot,
		ChainID: p.ChainID, StartsOn: p.StartsOn, ExpiresOn: p.ExpiresOn, RenewedBy: p.RenewedBy,
	}
}

// decide runs the eligibility rules for an account at a property, with
// every permit that counts there (at the property or of the account, read
// at once); it also returns the property and those permits.
func (s *Service) decide(ctx context.Context, tx ReadTx, accountID string, uprn zones.UPRN, req eligibility.Request) (eligibility.Decision, zones.Property, []Permit, error) {
	return s.decideExcept(ctx, tx, accountID, uprn, req, nil)
}

// decideExcept is decide leaving out the permits except reports true for:
// those a new-zone application's approval ends (R7, decision of 2026-12).
func (s *Service) decideExcept(ctx context.Context, tx ReadTx, accountID string, uprn zones.UPRN, req eligibility.Request, except func(Permit) bool) (eligibility.Decision, zones.Property, []Permit, error) {
	prop, err := s.property(ctx, uprn)
	if err != nil {
		return eligibility.Decision{}, zones.Property{}, nil, err
	}
	counting, err := tx.PermitsAtPropertyOrOfAccount(uprn, accountID)
	if err != nil {
		return eligibility.Decision{}, zones.Property{}, nil, err
	}
	if except != nil {
		counting = slices.DeleteFunc(counting, except)
	}
	hs := make([]eligibility.Holding, len(counting))
	for i, p := range counting {
		hs[i] = holding(p)
	}
	req.AccountID, req.Property, req.Holdings = accountID, prop, hs
	d := s.scheme.Rules.Decide(req)
	if req.Kind == eligibility.KindNew {
		s.capPendingApplications(&d, prop.UPRN, counting)
	}
	return d, prop, counting, nil
}

// slotHeldBy reports whether p's free slot is held by a permit ending
// reports true for.
func (s *Service) slotHeldBy(tx ReadTx, p Permit, ending func(Permit) bool) (bool, error) {
	pool, ok := poolOf(s.scheme, p.Pool)
	if !ok {
		return false, nil
	}
	claims, err := tx.Claims(p.Pool, scopeKey(pool, p.AccountID, p.UPRN))
	if err != nil {
		return false, err
	}
	for _, c := range claims {
		if c.Slot != p.FreeSlot {
			continue
		}
		holder, err := tx.Permit(c.PermitID)
		if err != nil {
			return false, err
		}
		return ending(holder), nil
	}
	return false, nil
}

func (s *Service) property(ctx context.Context, uprn zones.UPRN) (zones.Property, error) {
	prop, err := s.locator.Property(ctx, uprn)
	if err != nil {
		if errors.Is(err, zones.ErrPropertyNotFound) {
			return zones.Property{}, fmt.Errorf("%w: property %s: %w", ErrNotFound, uprn, err)
		}
		return zones.Property{}, fmt.Errorf("permit: looking up property %s: %w", uprn, err)
	}
	return prop, nil
}

// EligibilityQuery is what Eligibility is asked: may AccountID apply for a
// permit of Type starting on StartsOn (zero: today), and, with Pay, as a
// paid permit even if a free place is open.
type EligibilityQuery struct {
	AccountID string
	Type      string
	StartsOn  time.Time
	Pay       bool
}

// Eligibility answers "may this account apply for this type, is it free,
// what does it cost, what evidence is needed" without changing anything,
// for the account itself or the council. ErrNotFound when the account does
// not exist, or when by is another account; ErrForbidden for any other
// actor (a read-only integration too: it is the applicant's question).
func (s *Service) Eligibility(ctx context.Context, by Actor, q EligibilityQuery) (eligibility.Decision, error) {
	accountID, permitType, startsOn, pay := q.AccountID, q.Type, q.StartsOn, q.Pay
	if err := by.mayRead(accountID, "account", accountID, false); err != nil {
		return eligibility.Decision{}, err
	}
	at := s.now()
	var d eligibility.Decision
	err := s.store.View(ctx, func(tx ReadTx) error {
		acc, err := tx.Account(accountID)
		if err != nil {
			return err
		}
		d, _, _, err = s.decide(ctx, tx, acc.ID, acc.UPRN, eligibility.Request{
			Kind: eligibility.KindNew, PermitType: permitType, At: at, StartsOn: startsOn, Pay: pay,
		})
		return err
	})
	return d, err
}

// vrmInUse reports whether the registration is on a live permit of the
// same type at the property uprn (R4: one vehicle, one permit), other than
// the permits of the renewal chain exceptChain ("" for a new application):
// a chain never clashes with itself (R4, decision of 2026-12).
func vrmInUse(permits []Permit, uprn zones.UPRN, exceptChain string, typ string, vrm VRM, today time.Time) bool {
	for _, p := range permits {
		if p.UPRN == uprn && (exceptChain == "" || chainOf(p) != exceptChain) && p.Type == typ && p.Live(today) && (p.VRM == vrm || (p.PendingVehicleChange != nil && p.PendingVehicleChange.VRM == vrm)) {
			return true
		}
	}
	return false
}

// Apply applies for a permit: the eligibility decision, the evidence check,
// the free-slot claim and, for a paid permit, the card authorisation happen
// together or not at all. It returns the permit pending review.
//
// Errors: *ValidationError; ErrNotFound (account or property);
// ErrVehicleNotFound (the scheme's vehicle_check is require and the
// register of vehicles holds no such vehicle; asked before anything else);
// *NotEligibleError (among its reasons CodeTooManyPendingApplications when
// the property has the scheme's number of applications waiting); *EvidenceError; ErrVRMInUse; ErrPaymentFailed (the
// application is withdrawn and nothing is taken). An account applying for
// another account gets ErrNotFound; an actor that is neither the account,
// an officer nor the system, ErrForbidden.
func (s *Service) Apply(ctx context.Context, by Actor, in Application) (Permit, error) {
	if err := by.mayActFor(in.AccountID, "account", in.AccountID); err != nil {
		return Permit{}, err
	}
	var v ValidationError
	vrm, err := ParseVRM(in.VRM)
	if err != nil {
		v.add("vrm", "invalid_vrm", err.Error())
	}
	if in.Type == "" {
		v.add("type", "required", "Choose a permit type.")
	}
	if err := v.err(); err != nil {
		return Permit{}, err
	}
	// The register of vehicles is asked before the transaction (it is a
	// call over the network), bounded so that it never holds the
	// resident up: no answer is a flag, not a refusal.
	chk, err := s.checkVehicle(ctx, vrm)
	if err != nil {
		return Permit{}, err
	}
	var p Permit
	return s.submit(ctx, by, &p, func(o *op) error { return s.applyOnce(ctx, o, in, vrm, chk, &p) }, nil)
}

// submit stores an application (or renewal) *p by running once until it
// does not lose a race, takes the card authorisation when it is paid, and
// tells the applicant it was received: in the transaction that leaves it
// waiting for a decision (a free one's own) or for the payer (the payment
// started), so that an application the card refused tells nothing.
func (s *Service) submit(ctx context.Context, by Actor, p *Permit, once func(o *op) error, extra map[string]string) (Permit, error) {
	received := &notice{kind: MessageApplicationReceived, data: extra}
	err := s.update(ctx, by, func(o *op) error {
		if err := once(o); err != nil {
			return err
		}
		if p.Status == AwaitingPayment {
			return nil
		}
		return o.notify(received.kind, *p, received.data)
	})
	if err != nil {
		return Permit{}, err
	}
	out := *p
	if out.Status == AwaitingPayment && s.hosted != nil {
		var err error
		if out, err = s.startPayment(ctx, by, out, 1, received); err != nil {
			// The application stays awaiting payment with no payment
			// recorded: NewPaymentAttempt asks again with the same key.
			return Permit{}, fmt.Errorf("%w (application %s awaits payment; start it again with a new payment attempt)", err, p.ID)
		}
	} else if out.Status == AwaitingPayment {
		var err error
		if out, err = s.authorise(ctx, by, out, received); err != nil {
			return Permit{}, err
		}
	}
	return out, nil
}

// notice is a message to make once something has happened.
type notice struct {
	kind MessageKind
	data map[string]string
}

// applyOnce decides and stores an application in o as *p.
func (s *Service) applyOnce(ctx context.Context, o *op, in Application, vrm VRM, chk *RegisterCheck, p *Permit) error {
	acc, err := o.Account(in.AccountID)
	if err != nil {
		return err
	}
	uprn, move := acc.UPRN, false
	var ending func(Permit) bool
	if !in.MoveTo.IsZero() && in.MoveTo != acc.UPRN {
		uprn, move = in.MoveTo, true
		// The account's permits elsewhere end when this application
		// is approved (moveAccount), so they count neither in its
		// pools nor in its limits (R7, decision of 2026-12).
		ending = func(o Permit) bool { return o.AccountID == acc.ID && o.UPRN != uprn }
	}
	d, prop, counting, err := s.decideExcept(ctx, o, acc.ID, uprn, eligibility.Request{
		Kind: eligibility.KindNew, PermitType: in.Type, At: o.at, StartsOn: in.StartsOn, Pay: in.Pay,
	}, ending)
	if err != nil {
		return err
	}
	if move && prop.Zone == acc.Zone {
		return &ValidationError{Fields: []FieldError{{Field: "move_to", Code: "same_zone",
			Detail: "The new address is in the same permit zone: ask for an address change instead of a new permit."}}}
	}
	if !d.Eligible {
		return &NotEligibleError{Decision: d}
	}
	if vrmInUse(counting, prop.UPRN, "", in.Type, vrm, o.today) {
		return fmt.Errorf("%w: %s is already on a live %s permit at this property", ErrVRMInUse, vrm, in.Type)
	}
	reqs, action, address := d.RequiredEvidence, evidence.ActionApply, prop.Address()
	if move {
		action = evidence.ActionApplicationNewZone
		reqs, _ = s.scheme.Requirements(in.Type, action)
	}
	res := s.scheme.Evidence.Check(evidence.Submission{
		Action: action, On: o.today, Requirements: reqs, Documents: in.Evidence, VRM: string(vrm), HolderName: acc.Name,
		PropertyPostcode: prop.Postcode, PropertyAddress: address,
	})
	if !res.OK() {
		return &EvidenceError{Result: res, Requirements: reqs}
	}
	id := s.newID("per")
	*p = Permit{
		ID: id, AccountID: acc.ID, Type: in.Type, Status: PendingReview,
		Free: d.Free, Pool: d.Pool, Price: d.Price,
		VRM: vrm, UPRN: prop.UPRN, Address: address, Zone: prop.Zone, AddressProtected: acc.Protected,
		StartsOn: d.StartsOn, ExpiresOn: d.ExpiresOn, ChainID: id,
		Evidence: in.Evidence, RegisterCheck: cloneCheck(chk),
	}
	if d.Free {
		p.FreeSlot = d.FreeSlot
		if err := s.claim(o, *p, counting); err != nil {
			if !move || !errors.Is(err, ErrConflict) {
				return err
			}
			// An account-scoped slot still held by a permit this
			// application's approval ends is claimed on approval.
			held, herr := s.slotHeldBy(o, *p, ending)
			if herr != nil {
				return herr
			}
			if !held {
				return err
			}
		}
	} else if d.Price.IsPositive() {
		p.Status = AwaitingPayment
	}
	if err := o.create(p); err != nil {
		return err
	}
	data := make(map[string]string, 8) // one group: the keys below but the rarest
	data["type"], data["free"], data["price"] = p.Type, strconv.FormatBool(p.Free), pricing.FormatMoney(p.Price)
	data["starts_on"], data["expires_on"], data["vrm"], data["uprn"] = date(p.StartsOn), date(p.ExpiresOn), string(p.VRM), p.UPRN.String()
	if move {
		data["move_from_uprn"] = acc.UPRN.String()
	}
	checkData(data, chk)
	return o.about(EventPermitApplied, p, data)
}

// authorise takes the card authorisation for a permit awaiting payment and
// moves it to pending review, telling the applicant (tell), or withdraws it
// when the card is refused.
func (s *Service) authorise(ctx context.Context, by Actor, p Permit, tell *notice) (Permit, error) {
	pay, payErr := s.payments.Authorise(ctx, PaymentRequest{
		IdempotencyKey: "authorise:" + p.ID, AccountID: p.AccountID, PermitID: p.ID, Amount: p.Price,
		Description: fmt.Sprintf("%s %s to %s", s.typeName(p.Type), date(p.StartsOn), date(p.ExpiresOn)),
	})
	var out Permit
	err := s.update(ctx, by, func(o *op) error {
		cur, err := o.Permit(p.ID)
		if err != nil {
			return err
		}
		if payErr != nil {
			if err := cur.may(TransitionFailPayment, o.today); err != nil {
				return err
			}
			if err := s.releaseChain(o, cur); err != nil {
				return err
			}
			cur.Payment = &Payment{Status: PaymentFailed, Amount: cur.Price}
			return o.take(&cur, TransitionFailPayment, map[string]string{"reason": payErr.Error()})
		}
		pay := pay
		cur.Payment = &pay
		if err := o.take(&cur, TransitionAuthorise, map[string]string{"payment_id": pay.ID, "amount": pricing.FormatMoney(pay.Amount)}); err != nil {
			return err
		}
		out = cur
		if tell != nil {
			return o.notify(tell.kind, cur, tell.data)
		}
		return nil
	})
	if err != nil {
		if payErr == nil {
			// The permit moved on meanwhile (withdrawn): give the money back.
			if voidErr := s.voidOrphan(ctx, p, pay); voidErr != nil {
				err = errors.Join(err, voidErr)
			}
		}
		return Permit{}, err
	}
	if payErr != nil {
		return Permit{}, fmt.Errorf("%w: %w", ErrPaymentFailed, payErr)
	}
	return out, nil
}

// voidOrphan returns an authorisation the store never recorded on its
// permit (the permit moved on while the card was being authorised): the
// void is recorded as owed, so that the due jobs retry it if the provider
// fails, and asked for at once. When even the record cannot be written,
// the void is asked for directly and its failure joined to the error.
func (s *Service) voidOrphan(ctx context.Context, p Permit, pay Payment) error {
	if pay.ID == "" {
		return nil
	}
	var owed []PaymentRetry
	err := s.update(ctx, System, func(o *op) error {
		owed = nil
		r, ok, err := s.owe(o, PaymentOpVoid, p, pay.ID, pay.Amount, o.at)
		if ok {
			owed = append(owed, r)
		}
		return err
	})
	if err != nil {
		if _, voidErr := s.payments.Void(ctx, pay.ID, string(PaymentOpVoid)+":"+p.ID); voidErr != nil {
			return fmt.Errorf("permit: voiding payment %s of permit %s: %w", pay.ID, p.ID, errors.Join(err, voidErr))
		}
		return nil
	}
	_, err = s.settle(ctx, owed)
	return err
}

func (s *Service) typeName(id string) string {
	if t, ok := s.scheme.PermitType(id); ok && t.Name != "" {
		return t.Name
	}
	return id
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
