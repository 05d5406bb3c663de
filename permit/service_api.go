package permit

import "context"

// AddressChange returns an address change, so that whoever asked for a
// move can follow it to its decision. ErrNotFound when there is none.
func (s *Service) AddressChange(ctx context.Context, id string) (AddressChange, error) {
	return view(ctx, s.store, func(tx ReadTx) (AddressChange, error) { return tx.AddressChange(id) })
}
