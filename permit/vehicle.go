package permit

import (
	"context"
	"fmt"
	"time"
)

// ChangeVehicle changes the registration on a permit (R4). With effectiveOn
// zero or not after today it takes effect at once and the permit is
// returned with change nil; a later date schedules the change for the start
// of that day (Europe/London), returned as change. A new change replaces a
// scheduled one.
//
// Errors: *ValidationError (bad registration); ErrNotFound;
// *TransitionError (the permit is not pending review or in force);
// ErrVRMInUse when the registration is on another live permit of the same
// type at the property.
func (s *Service) ChangeVehicle(ctx context.Context, by Actor, permitID, vrmText string, effectiveOn time.Time) (p Permit, change *VehicleChange, err error) {
	vrm, err := ParseVRM(vrmText)
	if err != nil {
		return Permit{}, nil, &ValidationError{Fields: []FieldError{{Field: "vrm", Code: "invalid_vrm", Detail: err.Error()}}}
	}
	var changeID string
	err = retry(ctx, func() error {
		change = nil
		changeID = s.newID("vch")
		return s.store.Update(ctx, func(tx Tx) error {
			at := s.now()
			today := s.today(at)
			cur, err := tx.Permit(permitID)
			if err != nil {
				return err
			}
			if err := cur.transition(ChangeVehicle, today); err != nil {
				return err
			}
			if effectiveOn.After(cur.ExpiresOn) {
				detail := fmt.Sprintf("The permit ends on %s; a change from %s belongs on its renewal.", date(cur.ExpiresOn), date(effectiveOn))
				if cur.RenewedBy != "" {
					detail = fmt.Sprintf("The permit ends on %s; change the vehicle on its renewal %s instead.", date(cur.ExpiresOn), cur.RenewedBy)
				}
				return &ValidationError{Fields: []FieldError{{Field: "effective_on", Code: "after_expiry", Detail: detail}}}
			}
			others, err := tx.PermitsAtProperty(cur.UPRN)
			if err != nil {
				return err
			}
			if vrmInUse(others, cur.UPRN, cur.ID, cur.Type, vrm, today) {
				return fmt.Errorf("%w: %s is already on another live %s permit at this property", ErrVRMInUse, vrm, cur.Type)
			}
			vc := VehicleChange{ID: changeID, VRM: vrm, EffectiveOn: effectiveOn, RequestedAt: at, RequestedBy: by.String()}
			ev := Event{At: at, Actor: by.String(), PermitID: cur.ID, AccountID: cur.AccountID,
				Data: map[string]string{"change_id": vc.ID, "from_vrm": string(cur.VRM), "to_vrm": string(vrm)}}
			if effectiveOn.IsZero() || !effectiveOn.After(today) {
				vc.EffectiveOn = today
				cur.VRM = vrm
				cur.PendingVehicleChange = nil
				ev.Type = EventVehicleChanged
			} else {
				cur.PendingVehicleChange = &vc
				change = &vc
				ev.Type = EventVehicleChangeScheduled
			}
			ev.Data["effective_on"] = date(vc.EffectiveOn)
			cur.UpdatedAt = at
			if err := save(tx, &cur); err != nil {
				return err
			}
			p = cur
			return tx.AppendEvent(ev)
		})
	})
	if err != nil {
		return Permit{}, nil, err
	}
	if change != nil {
		s.notify(ctx, MessageVehicleScheduled, p, map[string]string{"vrm": string(change.VRM), "effective_on": date(change.EffectiveOn)})
	} else {
		s.notify(ctx, MessageVehicleChanged, p, map[string]string{"vrm": string(p.VRM)})
	}
	return p, change, nil
}

// WithdrawVehicleChange withdraws a scheduled vehicle change before it
// takes effect. ErrNotFound when the permit has no such scheduled change.
func (s *Service) WithdrawVehicleChange(ctx context.Context, by Actor, permitID, changeID string) (Permit, error) {
	var out Permit
	err := retry(ctx, func() error {
		return s.store.Update(ctx, func(tx Tx) error {
			at := s.now()
			cur, err := tx.Permit(permitID)
			if err != nil {
				return err
			}
			vc := cur.PendingVehicleChange
			if vc == nil || vc.ID != changeID {
				return fmt.Errorf("%w: permit %s has no scheduled vehicle change %s", ErrNotFound, permitID, changeID)
			}
			cur.PendingVehicleChange = nil
			cur.UpdatedAt = at
			if err := save(tx, &cur); err != nil {
				return err
			}
			out = cur
			return tx.AppendEvent(Event{Type: EventVehicleChangeWithdrawn, At: at, Actor: by.String(), PermitID: cur.ID, AccountID: cur.AccountID,
				Data: map[string]string{"change_id": vc.ID, "vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn)}})
		})
	})
	return out, err
}

// appliedChange is a scheduled vehicle change applied in a committed
// transaction, to be confirmed to the holder.
type appliedChange struct {
	p   Permit
	acc Account
}

// applyDueVehicleChanges makes scheduled changes whose day has come take
// effect (in batches, see runDue). It returns how many were applied.
func (s *Service) applyDueVehicleChanges(ctx context.Context, at time.Time) (int, error) {
	today := s.today(at)
	due, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.VehicleChangesDue(today) })
	if err != nil {
		return 0, err
	}
	done, err := runDue(ctx, s, dueJob[Permit, appliedChange]{what: "applying the vehicle change on", id: permitID, reload: reloadPermit,
		do: func(tx Tx, cur Permit) (appliedChange, bool, error) {
			vc := cur.PendingVehicleChange
			if vc == nil || vc.EffectiveOn.After(today) {
				return appliedChange{}, false, nil // withdrawn or replaced meanwhile
			}
			from := cur.VRM
			cur.PendingVehicleChange = nil
			cur.UpdatedAt = at
			if !cur.Live(vc.EffectiveOn) {
				// The permit ended before the change's day: nothing to change.
				if err := save(tx, &cur); err != nil {
					return appliedChange{}, false, err
				}
				return appliedChange{}, false, tx.AppendEvent(Event{Type: EventVehicleChangeWithdrawn, At: at, Actor: System.String(), PermitID: cur.ID, AccountID: cur.AccountID,
					Data: map[string]string{"change_id": vc.ID, "vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn), "reason": "permit no longer live"}})
			}
			acc, err := tx.Account(cur.AccountID)
			if err != nil {
				return appliedChange{}, false, err
			}
			cur.VRM = vc.VRM
			if err := save(tx, &cur); err != nil {
				return appliedChange{}, false, err
			}
			return appliedChange{p: cur, acc: acc}, true, tx.AppendEvent(Event{Type: EventVehicleChanged, At: at, Actor: System.String(), PermitID: cur.ID, AccountID: cur.AccountID,
				Data: map[string]string{"change_id": vc.ID, "from_vrm": string(from), "to_vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn), "scheduled": "true"}})
		},
	}, due)
	for _, c := range done {
		s.notifyPermit(ctx, MessageVehicleChanged, c.acc, c.p, map[string]string{"vrm": string(c.p.VRM)})
	}
	return len(done), err
}
