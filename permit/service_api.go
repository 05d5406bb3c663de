package permit

import "context"

// AddressChange returns an address change, so that whoever asked for a
// move can follow it to its decision: to the account that asked, the
// council or a read-only integration. ErrNotFound when there is none, or
// when by is another account; ErrForbidden for any other actor.
func (s *Service) AddressChange(ctx context.Context, by Actor, id string) (AddressChange, error) {
	ch, err := view(ctx, s.store, func(tx ReadTx) (AddressChange, error) { return tx.AddressChange(id) })
	if err != nil {
		return AddressChange{}, err
	}
	if err := by.mayRead(ch.AccountID, "address change", id, true); err != nil {
		return AddressChange{}, err
	}
	return ch, nil
}
