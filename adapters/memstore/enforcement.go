package memstore

import (
	"cmp"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// vrmsOf lists the registrations a permit is indexed under: its own and
// its scheduled change's.
func vrmsOf(p *permit.Permit) []permit.VRM {
	if vc := p.PendingVehicleChange; vc != nil && vc.VRM != p.VRM {
		return []permit.VRM{p.VRM, vc.VRM}
	}
	return []permit.VRM{p.VRM}
}

// PermitsByVRM implements permit.ReadTx through the registration index, so
// an enforcement look-up reads only that vehicle's permits.
func (t *tx) PermitsByVRM(vrm permit.VRM) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.indexedPermits(t.s.committed.permitsByVRM[vrm],
		func(p *permit.Permit) bool { return slices.Contains(vrmsOf(p), vrm) },
		func(a, b *permit.Permit) int { return cmp.Compare(a.ID, b.ID) }), nil
}

// PermitsVehicleUnchecked implements permit.ReadTx by a scan.
func (t *tx) PermitsVehicleUnchecked() ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectPermits(func(p *permit.Permit) bool {
		return p.RegisterCheck != nil && p.RegisterCheck.Outcome == permit.VehicleUnchecked
	}, func(a, b *permit.Permit) int { return cmp.Compare(a.ID, b.ID) }), nil
}

// ReviewsOverdueBefore implements permit.ReadTx by a scan, as the other
// back-office queries do.
func (t *tx) ReviewsOverdueBefore(createdBefore time.Time) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectPermits(func(p *permit.Permit) bool {
		return p.Status == permit.PendingReview && p.ReviewOverdueOn.IsZero() && p.CreatedAt.Before(createdBefore)
	}, permitsByCreated), nil
}

// AddressChangesOverdueOn implements permit.ReadTx.
func (t *tx) AddressChangesOverdueOn(on time.Time) ([]permit.AddressChange, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectChanges(func(c *permit.AddressChange) bool {
		return c.Status == permit.AddressChangePending && c.ReviewOverdueOn.IsZero() && c.DueOn.Before(on)
	}), nil
}
