package permit

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/zones"
)

// VehicleCheck is the answer to a civil enforcement officer's look-up:
// whether a vehicle may park in a permit zone at an instant because of a
// permit, and which permits carry its registration then.
type VehicleCheck struct {
	VRM  VRM
	Zone zones.Zone
	At   time.Time // the instant asked about, UTC
	On   time.Time // At's civil date in the scheme's time zone: permits are valid for whole days
	// Permitted is true when at least one of Permits is Valid.
	Permitted bool
	// Permits are the issued permits (approved, cancelled or ended) on
	// which the registration is the one in force on On, in any zone, each
	// with its status at At:
	// valid ones first, then latest expiry first, then by ID. An officer
	// sees why a vehicle is not permitted (expired yesterday, another
	// zone, cancelled) as well as which permit lets it park.
	Permits []CheckedPermit
}

// CheckedPermit is one permit of a VehicleCheck as seen on its date.
type CheckedPermit struct {
	Permit Permit
	Status Status // at the check's instant: upcoming, current, expired, cancelled or ended
	Valid  bool   // current on the date and for the zone asked about
}

// VRMOn returns the registration in force on a permit on a date: a
// scheduled vehicle change counts from the start of its EffectiveOn even
// before the due jobs have applied it (R4), so enforcement never depends
// on when the jobs last ran.
func (p Permit) VRMOn(on time.Time) VRM {
	if vc := p.PendingVehicleChange; vc != nil && !vc.EffectiveOn.After(on) {
		return vc.VRM
	}
	return p.VRM
}

// statusAt is the permit's status at an instant, judged on on (the
// instant's civil date): an approved permit cancelled or ended after the
// instant was still in force then, so a look-up for the moment a penalty
// charge notice was issued is answered as it stood at that moment.
func (p Permit) statusAt(at, on time.Time) Status {
	if (p.Status == Cancelled || p.Status == Ended) && p.Cancellation != nil && p.Cancellation.At.After(at) {
		p.Status = Approved
	}
	return p.StatusOn(on)
}

// issued reports whether the permit was ever issued: approved, or ended
// or cancelled after approval. Applications that were never decided, or
// were refused, never let anyone park.
func (p Permit) issued() bool {
	switch p.Status {
	case Approved, Cancelled, Ended:
		return true
	}
	return false
}

// CheckVehicle answers an enforcement look-up: may the vehicle vrm (as an
// officer types it: any case, spaces) park in the zone zoneID at the
// instant at (zero: the service's clock now) under a permit? A permit
// counts when it is approved, current on at's date in the scheme's time
// zone (permits run whole days, Europe/London), in that zone, and the
// registration in force on it that day is vrm (see Permit.VRMOn).
//
// An instant in the past is answered from the permits as stored now, with
// one allowance: a permit cancelled or ended after the instant counts as it
// stood then (Cancellation.At). A registration changed since is not seen
// as it was; the event feed keeps that history.
//
// Errors: *ValidationError naming "vrm" (code invalid_vrm), "zone"
// (required or unknown_zone, one of the scheme's zones) and "at"
// (out_of_range: outside the years 1900 to 9998); ErrForbidden for anyone
// but an officer (enforcement) or the system, before anything is read.
func (s *Service) CheckVehicle(ctx context.Context, by Actor, vrmText, zoneID string, at time.Time) (VehicleCheck, error) {
	if err := by.mayReadAll("which permits a vehicle has", false); err != nil {
		return VehicleCheck{}, err
	}
	var v ValidationError
	vrm, err := ParseVRM(vrmText)
	if err != nil {
		v.add("vrm", "invalid_vrm", err.Error())
	}
	zone, ok := s.zone(zoneID)
	switch {
	case zoneID == "":
		v.add("zone", "required", "Give the permit zone the vehicle is parked in, such as ?zone=loughborough-1.")
	case !ok:
		v.add("zone", "unknown_zone", "No permit zone of "+s.scheme.Council.Name+" has the ID "+quote(zoneID)+".")
	}
	if !at.IsZero() && (at.Year() < minCheckYear || at.Year() > maxCheckYear) {
		v.add("at", "out_of_range", "at must be an instant between the years 1900 and 9998.")
	}
	if err := v.err(); err != nil {
		return VehicleCheck{}, err
	}
	if at.IsZero() {
		at = s.now()
	}
	check := VehicleCheck{VRM: vrm, Zone: zone, At: at.UTC(), On: s.today(at)}
	found, err := s.permitsByVRM(ctx, vrm)
	if err != nil {
		return VehicleCheck{}, err
	}
	for _, p := range found {
		if !p.issued() || p.VRMOn(check.On) != vrm {
			continue
		}
		status := p.statusAt(check.At, check.On)
		valid := status == Current && p.Zone.ID == zone.ID
		check.Permitted = check.Permitted || valid
		check.Permits = append(check.Permits, CheckedPermit{Permit: p, Status: status, Valid: valid})
	}
	if err := s.hideProtectedAddresses(ctx, check.Permits); err != nil {
		return VehicleCheck{}, err
	}
	slices.SortFunc(check.Permits, func(a, b CheckedPermit) int {
		if a.Valid != b.Valid {
			if a.Valid {
				return -1
			}
			return 1
		}
		if c := b.Permit.ExpiresOn.Compare(a.Permit.ExpiresOn); c != 0 {
			return c
		}
		return cmp.Compare(a.Permit.ID, b.Permit.ID)
	})
	return check, nil
}

// The instants a look-up accepts: far wider than any permit, narrow enough
// that every date in the answer is written YYYY-MM-DD.
const minCheckYear, maxCheckYear = 1900, 9998

// permitsByVRM reads a registration's permits, without a transaction when
// the store, or a store it wraps (StoreUnwrapper), offers that
// (VehicleLookup).
func (s *Service) permitsByVRM(ctx context.Context, vrm VRM) ([]Permit, error) {
	if vl, ok := vehicleLookup(s.store); ok {
		return vl.PermitsByVRM(ctx, vrm)
	}
	return view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsByVRM(vrm) })
}

// maxUnwrap bounds the walk down a chain of wrapped stores: a wrapper
// that (by mistake) returns itself must not hang the look-up.
const maxUnwrap = 100

// vehicleLookup finds the VehicleLookup of st or of the first store under
// it, following Unwrap.
func vehicleLookup(st Store) (VehicleLookup, bool) {
	for range maxUnwrap {
		if vl, ok := st.(VehicleLookup); ok {
			return vl, true
		}
		u, ok := st.(StoreUnwrapper)
		if !ok {
			return nil, false
		}
		if st = u.Unwrap(); st == nil {
			return nil, false
		}
	}
	return nil, false
}

// zone finds one of the scheme's permit zones by ID.
func (s *Service) zone(id string) (zones.Zone, bool) {
	for _, z := range s.scheme.Rules.Zones {
		if z.ID == id {
			return z, true
		}
	}
	return zones.Zone{}, false
}

// hideProtectedAddresses blanks the address and UPRN of the permits whose
// account's address is protected (Account.Protected): an enforcement
// officer learns whether the vehicle may park, never where a protected
// resident lives.
func (s *Service) hideProtectedAddresses(ctx context.Context, ps []CheckedPermit) error {
	if len(ps) == 0 {
		return nil
	}
	return s.store.View(ctx, func(tx ReadTx) error {
		protected := map[string]bool{}
		for i, c := range ps {
			id := c.Permit.AccountID
			if _, ok := protected[id]; !ok {
				a, err := tx.Account(id)
				if err != nil {
					return err
				}
				protected[id] = a.Protected
			}
			if protected[id] {
				ps[i].Permit = withoutProtectedAddress(c.Permit)
			}
		}
		return nil
	})
}
