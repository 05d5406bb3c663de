package eligibility

import (
	"time"

	"github.com/carerpermit/carerpermit/zones"
)

// Holding is a permit the property or the account already has, as
// eligibility needs to see it. Dates are civil dates (only year, month and
// day count).
type Holding struct {
	ID        string
	AccountID string
	Type      string // permit type ID
	UPRN      zones.UPRN
	Status    Status
	Free      bool
	// FreeSlot is the place in the allowance pool a free permit occupies,
	// 1 to the pool's Free; a renewal chain keeps its slot number.
	FreeSlot int
	// ChainID is the ID of the first permit of the renewal chain this one
	// belongs to (its own ID for a first permit; "" is read as ID). A
	// permit and its renewal are one chain, so they count once.
	ChainID   string
	StartsOn  time.Time
	ExpiresOn time.Time
	// RenewedBy is the ID of the permit that renews this one, if any
	// (a renewal that was not rejected or cancelled).
	RenewedBy string
}

// Live reports whether h occupies its place on date on: its status is
// awaiting payment, pending review or approved, and it has not expired
// (ExpiresOn is on or after on). A rejected, cancelled, withdrawn, ended or
// expired permit occupies nothing. A permit that starts after on is live:
// it holds its place from the moment it is applied for.
func (h Holding) Live(on time.Time) bool { return h.liveOn(dayOf(on)) }

// liveOn takes a pointer: Decide calls it for every holding, and a Holding
// is too big to copy that often.
func (h *Holding) liveOn(d day) bool {
	return h.Status.holdsPlace() && dayOf(h.ExpiresOn) >= d
}

// chain returns the ID of h's renewal chain.
func (h *Holding) chain() string {
	if h.ChainID == "" {
		return h.ID
	}
	return h.ChainID
}
