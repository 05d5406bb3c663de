package permit

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/pricing"
)

// The free slot goes to the first application approved, not merely the
// first filed (RULES R1, decision of 2026-12, against squatting): anyone
// may open an account at any address and apply, and a free application
// pending review then holds the household's free slot while the real
// resident is quoted the full price. So when a free application still
// pending review is rejected or withdrawn, the oldest paid application of
// the same pool and scope still pending review takes the slot in the same
// transaction: it becomes free (price 0.00), its card authorisation is
// voided (owed like every other return of money, see PaymentRetry), the
// applicant is told (MessageBecameFree) and the feed says so
// (EventPermitBecameFree).
//
// Decisions: an application paid by choice is not told apart from one
// paid because the slot was taken (the choice is not stored), so it too
// may become free: the allowance is the household's either way. Only an
// application pending review is promoted; one still awaiting its card
// authorisation is not yet an application an officer can decide. An
// application withdrawn because its account's new-zone application was
// approved passes nothing on: that approval decides the slots itself.

// promoteToFree gives the free slot that gone (a free application just
// rejected or withdrawn, already released) held to the oldest paid
// application of its pool and scope still pending review. It returns the
// promoted permit and the void it owes, or nil when the slot stays open
// (no such application, or the slot is held again).
func (s *Service) promoteToFree(o *op, gone Permit) (*Permit, []PaymentRetry, error) {
	if !gone.Free || gone.Pool == "" || gone.FreeSlot < 1 {
		return nil, nil, nil
	}
	pool, ok := poolOf(s.scheme, gone.Pool)
	if !ok {
		return nil, nil, nil
	}
	key := scopeKey(pool, gone.AccountID, gone.UPRN)
	claims, err := o.Claims(pool.ID, key)
	if err != nil {
		return nil, nil, err
	}
	if slices.ContainsFunc(claims, func(c Claim) bool { return c.Slot == gone.FreeSlot }) {
		return nil, nil, nil // gone's chain kept it (a renewal gave it back), or another won it
	}
	var near []Permit
	if pool.Scope == eligibility.ScopeAccount {
		near, err = o.PermitsOfAccount(gone.AccountID)
	} else {
		near, err = o.PermitsAtProperty(gone.UPRN)
	}
	if err != nil {
		return nil, nil, err
	}
	var cands []Permit
	for _, p := range near {
		if p.ID != gone.ID && p.Status == PendingReview && !p.Free && slices.Contains(pool.Types, p.Type) &&
			scopeKey(pool, p.AccountID, p.UPRN) == key {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return nil, nil, nil
	}
	slices.SortFunc(cands, func(a, b Permit) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	p := cands[0]
	wasPrice := p.Price
	p.Free, p.Pool, p.FreeSlot, p.Price = true, pool.ID, gone.FreeSlot, decimal.Zero
	switch err := s.claim(o, p, near); {
	case errors.Is(err, ErrConflict):
		return nil, nil, nil // the slot is held after all: nothing changes
	case err != nil:
		return nil, nil, err
	}
	owed, err := s.releaseHold(o, p, o.at)
	if err != nil {
		return nil, nil, err
	}
	data := map[string]string{"pool": pool.ID, "slot": strconv.Itoa(p.FreeSlot), "previous_price": pricing.FormatMoney(wasPrice),
		"freed_by": gone.ID}
	if p.Payment != nil {
		data["payment_id"] = p.Payment.ID
	}
	return &p, owed, o.record(&p, EventPermitBecameFree, data)
}
