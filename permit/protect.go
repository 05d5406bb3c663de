package permit

import (
	"context"
	"strconv"
)

// ProtectAddress marks the account's address protected (or takes the mark
// off), recording EventAccountProtectionChanged: while it is protected,
// CheckVehicle leaves the address and UPRN of its permits out of its
// answer, and the feed's JSON (adapters' eventjson: GET /v1/events and
// webhooks) leaves them out of the account, its permits (each marked
// Permit.AddressProtected, with a permit.updated event, reason
// address_protection_changed) and their events' data. Only an officer (or the system) may; the
// holder cannot see or change the mark. Setting what is already set is
// no event. Errors: ErrForbidden; ErrNotFound.
func (s *Service) ProtectAddress(ctx context.Context, by Actor, accountID string, protected bool) (Account, error) {
	if err := by.mayDecide("protect an address"); err != nil {
		return Account{}, err
	}
	var out Account
	err := s.update(ctx, by, func(o *op) error {
		a, err := o.Account(accountID)
		if err != nil {
			return err
		}
		out = a
		if a.Protected == protected {
			return nil
		}
		a.Protected, a.UpdatedAt = protected, o.at
		if err := o.UpdateAccount(a); err != nil {
			return err
		}
		a.Version++
		out = a
		ps, err := o.PermitsOfAccount(a.ID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.AddressProtected != protected {
				p.AddressProtected = protected
				if err := o.touch(&p, "address_protection_changed", nil); err != nil {
					return err
				}
			}
		}
		return o.event(EventAccountProtectionChanged, "", a.ID, map[string]string{"protected": strconv.FormatBool(protected)})
	})
	return out, err
}

// withoutProtectedAddress blanks the address and UPRN of a permit whose
// account's address is protected.
func withoutProtectedAddress(p Permit) Permit {
	p.Address, p.UPRN = "", 0
	return p
}
