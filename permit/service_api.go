package permit

import "context"

// AddressChange returns an address change, so that whoever asked for a
// move can follow it to its decision. ErrNotFound when there is none.
func (s *Service) AddressChange(ctx context.Context, id string) (AddressChange, error) {
	var c AddressChange
	err := s.store.View(ctx, func(tx ReadTx) (err error) {
		c, err = tx.AddressChange(id)
		return err
	})
	return c, err
}
