package permit

import (
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/zones"
)

// The free allowance (R1) is held through Claims the store keeps unique per
// (pool, scope, slot). Eligibility decides from the permits which slot is
// open; these functions make the claims agree, inside the same transaction.
// A claim whose chain is no longer live (expired, or ended without the
// store being told) is stale: it is taken over, never a reason to refuse.

// scopedClaims splits the claims of a pool in one scope into those of
// chains live on a date and stale ones. A holder among known (permits the
// transaction has already read and not changed since) is not read again.
func scopedClaims(tx ReadTx, pool, key string, on time.Time, known []Permit) (live, stale []Claim, err error) {
	claims, err := tx.Claims(pool, key)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range claims {
		holder, err := knownPermit(tx, c.PermitID, known)
		switch {
		case errors.Is(err, ErrNotFound):
			stale = append(stale, c)
		case err != nil:
			return nil, nil, err
		case holder.Live(on):
			live = append(live, c)
		default:
			stale = append(stale, c)
		}
	}
	return live, stale, nil
}

func knownPermit(tx ReadTx, id string, known []Permit) (Permit, error) {
	for _, p := range known {
		if p.ID == id {
			return p, nil
		}
	}
	return tx.Permit(id)
}

// claim holds slot p.FreeSlot of p's pool for p's chain from p.StartsOn: the
// chain's own claim moves to p, a stale claim on the slot is released, and
// a live claim of another chain is a lost race (ErrConflict, retried).
// known are permits the transaction has read and not changed since (see
// scopedClaims).
func (s *Service) claim(tx Tx, p Permit, known []Permit) error {
	pool, ok := poolOf(s.scheme, p.Pool)
	if !ok {
		return fmt.Errorf("permit: scheme has no allowance pool %q", p.Pool)
	}
	want := Claim{Pool: p.Pool, ScopeKey: scopeKey(pool, p.AccountID, p.UPRN), Slot: p.FreeSlot, ChainID: p.ChainID, PermitID: p.ID}
	if p.ChainID == p.ID {
		// A new chain has no claim of its own to move, so an open slot
		// is taken in one write; only a held one needs looking into.
		if err := tx.Claim(want); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	live, stale, err := scopedClaims(tx, want.Pool, want.ScopeKey, p.StartsOn, known)
	if err != nil {
		return err
	}
	var own *Claim
	for _, c := range append(live, stale...) {
		switch {
		case c.ChainID == p.ChainID:
			own = &c
		case c.Slot != want.Slot:
		case containsClaim(stale, c):
			if err := tx.Release(c); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: free slot %d of %s is held by permit %s", ErrConflict, c.Slot, c.Pool, c.PermitID)
		}
	}
	if own != nil {
		return tx.MoveClaim(*own, want)
	}
	return tx.Claim(want)
}

func containsClaim(cs []Claim, c Claim) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// heldClaim finds the claim a free permit's chain holds, if any.
func (s *Service) heldClaim(tx ReadTx, p Permit) (Claim, bool, error) {
	if !p.Free || p.Pool == "" {
		return Claim{}, false, nil
	}
	pool, ok := poolOf(s.scheme, p.Pool)
	if !ok {
		return Claim{}, false, nil
	}
	claims, err := tx.Claims(p.Pool, scopeKey(pool, p.AccountID, p.UPRN))
	if err != nil {
		return Claim{}, false, err
	}
	for _, c := range claims {
		if c.ChainID == p.ChainID {
			return c, true, nil
		}
	}
	return Claim{}, false, nil
}

// moveClaimTo moves a free permit's slot of a property-scoped pool to the
// same pool at another property (a same-zone move), taking the lowest slot
// not held by a live chain there. When every slot there is held by
// another household, the claim is released: the permit stays free until it
// expires without a place in the new property's pool (R7, decision of
// 2026-12), and its renewal is judged by that pool.
func (s *Service) moveClaimTo(tx Tx, p Permit, to zones.UPRN, today time.Time) error {
	c, held, err := s.heldClaim(tx, p)
	if err != nil || !held || c.PermitID != p.ID {
		return err
	}
	pool, _ := poolOf(s.scheme, p.Pool)
	key := scopeKey(pool, p.AccountID, to)
	if key == c.ScopeKey {
		return nil
	}
	live, stale, err := scopedClaims(tx, p.Pool, key, today, nil)
	if err != nil {
		return err
	}
	for slot := 1; slot <= pool.Free; slot++ {
		if slotIn(live, slot) {
			continue
		}
		for _, st := range stale {
			if st.Slot == slot {
				if err := tx.Release(st); err != nil {
					return err
				}
			}
		}
		moved := c
		moved.ScopeKey, moved.Slot = key, slot
		return tx.MoveClaim(c, moved)
	}
	return tx.Release(c)
}

func slotIn(cs []Claim, slot int) bool {
	for _, c := range cs {
		if c.Slot == slot {
			return true
		}
	}
	return false
}
