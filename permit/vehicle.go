package permit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
)

// ChangeVehicle changes the registration on a permit (R4). With effectiveOn
// zero or not after today it takes effect at once and the permit is
// returned with change nil; a later date schedules the change for the start
// of that day (Europe/London), returned as change.
//
// A vehicle change applies to the permit's renewal chain (R4, decision of
// 2026-12): the permit and its renewal, whether current, upcoming or
// pending review, all get it, whichever of them it is asked on. A chain has
// at most one scheduled change: a new change replaces it on every member,
// and the replaced change gets its own event (vehicle_change_replaced). A
// scheduled change reaches the members still in force on its day; a date
// after the last of them expires is refused (renew first).
//
// docs are the documents the scheme asks for a vehicle change of the
// permit's type (evidence action vehicle_change, e.g. the new vehicle's
// V5C); they are checked against the new registration and kept with the
// change's event.
//
// Errors: *ValidationError (bad registration or date); ErrNotFound (also
// for another account's permit); ErrForbidden for an actor that is
// neither its account, an officer nor the system;
// *TransitionError (the permit is not pending review or in force);
// *EvidenceError (the scheme's vehicle-change evidence is missing or
// wrong); ErrVehicleNotFound (the scheme's vehicle_check is require and
// the register of vehicles holds no such vehicle; the permit is kept as it
// was); ErrVRMInUse when the registration is on a live permit of another
// chain of the same type at the property.
func (s *Service) ChangeVehicle(ctx context.Context, by Actor, permitID, vrmText string, effectiveOn time.Time, docs ...evidence.Document) (p Permit, change *VehicleChange, err error) {
	vrm, err := ParseVRM(vrmText)
	if err != nil {
		return Permit{}, nil, &ValidationError{Fields: []FieldError{{Field: "vrm", Code: "invalid_vrm", Detail: err.Error()}}}
	}
	var chk *RegisterCheck
	if s.vehicleCheckMode() != VehicleCheckOff {
		// The register is asked only for a caller who may change the
		// permit, and before the transaction (a call over the network).
		cur, err := view(ctx, s.store, func(tx ReadTx) (Permit, error) { return tx.Permit(permitID) })
		if err != nil {
			return Permit{}, nil, err
		}
		if err := by.mayActFor(cur.AccountID, "permit", permitID); err != nil {
			return Permit{}, nil, err
		}
		if chk, err = s.checkVehicle(ctx, vrm); err != nil {
			return Permit{}, nil, err
		}
	}
	var changeID string
	err = s.update(ctx, by, func(o *op) error {
		change = nil
		changeID = s.newID("vch")
		at, today := o.at, o.today
		cur, err := o.Permit(permitID)
		if err != nil {
			return err
		}
		if err := by.mayActFor(cur.AccountID, "permit", permitID); err != nil {
			return err
		}
		if err := cur.may(TransitionChangeVehicle, today); err != nil {
			return err
		}
		others, err := o.PermitsAtProperty(cur.UPRN)
		if err != nil {
			return err
		}
		members := chainMembers(others, cur, today)
		day := today
		if !effectiveOn.IsZero() && effectiveOn.After(today) {
			day = effectiveOn
		}
		last := members[len(members)-1]
		if day.After(last.ExpiresOn) {
			detail := fmt.Sprintf("The permit ends on %s; a change from %s can be made once it has been renewed.", date(last.ExpiresOn), date(day))
			return &ValidationError{Fields: []FieldError{{Field: "effective_on", Code: "after_expiry", Detail: detail}}}
		}
		if vrmInUse(others, cur.UPRN, chainOf(cur), cur.Type, vrm, today) {
			return fmt.Errorf("%w: %s is already on another live %s permit at this property", ErrVRMInUse, vrm, cur.Type)
		}
		if err := s.checkVehicleEvidence(o, cur, vrm, docs, today); err != nil {
			return err
		}
		vc := VehicleChange{ID: changeID, VRM: vrm, EffectiveOn: day, RequestedAt: at, RequestedBy: by.String()}
		immediate := !day.After(today)
		fromVRM := make(map[string]VRM, len(members))
		for _, m := range members {
			fromVRM[m.ID] = m.VRM
		}
		for i := range members {
			m := &members[i]
			var replaced map[string]string
			if old := m.PendingVehicleChange; old != nil {
				// Defect 7 of issue 11: a replaced change leaves a trace
				// (appended once m is written, so that it carries m).
				replaced = map[string]string{"change_id": old.ID, "vrm": string(old.VRM), "effective_on": date(old.EffectiveOn),
					"replaced_by": vc.ID, "reason": "replaced by a new vehicle change"}
				m.PendingVehicleChange = nil
			}
			var et EventType
			switch {
			case immediate:
				m.VRM = vrm
				et = events[TransitionChangeVehicle]
			case !day.After(m.ExpiresOn):
				c := vc
				m.PendingVehicleChange = &c
				et = EventVehicleChangeScheduled
			}
			if et != "" {
				// The check is about the new vehicle, shown with its
				// registration even before a scheduled change's day.
				m.RegisterCheck = cloneCheck(chk)
			}
			// A member that ends before a scheduled change's day keeps
			// its vehicle: the change is its renewal's.
			if et != "" || replaced != nil {
				if err := o.save(m); err != nil {
					return err
				}
			}
			if replaced != nil {
				if err := o.about(EventVehicleChangeReplaced, m, replaced); err != nil {
					return err
				}
			}
			if et != "" {
				data := map[string]string{"change_id": vc.ID, "from_vrm": string(fromVRM[m.ID]), "to_vrm": string(vrm), "effective_on": date(vc.EffectiveOn)}
				if m.ID != cur.ID {
					data["chain_of"] = cur.ID
				}
				checkData(data, chk)
				if len(docs) > 0 {
					kinds := make([]string, len(docs))
					for i, d := range docs {
						kinds[i] = string(d.Kind)
					}
					data["evidence"] = strings.Join(kinds, ",")
				}
				if err := o.about(et, m, data); err != nil {
					return err
				}
			}
			if m.ID == cur.ID {
				p = *m
			}
		}
		if !immediate {
			change = &vc
			return o.notify(MessageVehicleScheduled, p, map[string]string{"vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn)})
		}
		return o.notify(MessageVehicleChanged, p, map[string]string{"vrm": string(p.VRM)})
	})
	if err != nil {
		return Permit{}, nil, err
	}
	return p, change, nil
}

// chainOf is the ID of p's renewal chain.
func chainOf(p Permit) string {
	if p.ChainID == "" {
		return p.ID
	}
	return p.ChainID
}

// chainMembers returns the permits of cur's renewal chain live on today
// (cur itself, as read, among them) in the order they start. permits are
// those at cur's property, where every member of its chain is.
func chainMembers(permits []Permit, cur Permit, today time.Time) []Permit {
	out := []Permit{cur}
	for _, o := range permits {
		if o.ID != cur.ID && chainOf(o) == chainOf(cur) && o.Live(today) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Permit) int { return a.StartsOn.Compare(b.StartsOn) })
	return out
}

// checkVehicleEvidence checks the documents a vehicle change needs, when
// the scheme asks for any for the permit's type (R4, decision of 2026-12).
func (s *Service) checkVehicleEvidence(tx ReadTx, p Permit, vrm VRM, docs []evidence.Document, today time.Time) error {
	reqs, _ := s.scheme.Requirements(p.Type, evidence.ActionVehicleChange)
	if len(reqs) == 0 && len(docs) == 0 {
		return nil
	}
	acc, err := tx.Account(p.AccountID)
	if err != nil {
		return err
	}
	res := s.scheme.Evidence.Check(evidence.Submission{
		Action: evidence.ActionVehicleChange, On: today, Requirements: reqs, Documents: docs, VRM: string(vrm), HolderName: acc.Name,
	})
	if !res.OK() {
		return &EvidenceError{Result: res, Requirements: reqs}
	}
	return nil
}

// WithdrawVehicleChange withdraws a scheduled vehicle change before it
// takes effect, from every permit of the chain it was scheduled on (the
// permit and its renewal), whichever of them it is asked on. ErrNotFound
// when the chain has no such scheduled change, or the permit is another
// account's; ErrForbidden for an actor that is neither its account, an
// officer nor the system.
func (s *Service) WithdrawVehicleChange(ctx context.Context, by Actor, permitID, changeID string) (Permit, error) {
	var out Permit
	err := s.update(ctx, by, func(o *op) error {
		cur, err := o.Permit(permitID)
		if err != nil {
			return err
		}
		if err := by.mayActFor(cur.AccountID, "permit", permitID); err != nil {
			return err
		}
		others, err := o.PermitsAtProperty(cur.UPRN)
		if err != nil {
			return err
		}
		found := false
		out = cur
		for _, m := range chainMembers(others, cur, o.today) {
			vc := m.PendingVehicleChange
			if vc == nil || vc.ID != changeID {
				continue
			}
			found = true
			m.PendingVehicleChange = nil
			if c := m.RegisterCheck; c != nil && c.VRM == vc.VRM && m.VRM != vc.VRM {
				m.RegisterCheck = nil // it was about the withdrawn vehicle
			}
			if err := o.record(&m, EventVehicleChangeWithdrawn,
				map[string]string{"change_id": vc.ID, "vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn)}); err != nil {
				return err
			}
			if m.ID == cur.ID {
				out = m
			}
		}
		if !found {
			return fmt.Errorf("%w: permit %s has no scheduled vehicle change %s", ErrNotFound, permitID, changeID)
		}
		return nil
	})
	return out, err
}

// appliedChange is a scheduled vehicle change applied in a committed
// transaction.
type appliedChange struct {
	p Permit
}

// applyDueVehicleChanges makes scheduled changes whose day has come take
// effect (in batches, see runDue). It returns how many were applied.
func (s *Service) applyDueVehicleChanges(ctx context.Context, at time.Time) (int, error) {
	today := s.today(at)
	due, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.VehicleChangesDue(today) })
	if err != nil {
		return 0, err
	}
	done, err := runDue(ctx, s, at, dueJob[Permit, appliedChange]{what: "applying the vehicle change on", id: permitID, reload: reloadPermit,
		do: func(o *op, cur Permit) (appliedChange, bool, error) {
			vc := cur.PendingVehicleChange
			if vc == nil || vc.EffectiveOn.After(today) {
				return appliedChange{}, false, nil // withdrawn or replaced meanwhile
			}
			from := cur.VRM
			cur.PendingVehicleChange = nil
			if !cur.Live(vc.EffectiveOn) {
				// The permit ended before the change's day: nothing to change.
				return appliedChange{}, false, o.record(&cur, EventVehicleChangeWithdrawn,
					map[string]string{"change_id": vc.ID, "vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn), "reason": "permit no longer live"})
			}
			acc, err := o.Account(cur.AccountID)
			if err != nil {
				return appliedChange{}, false, err
			}
			cur.VRM = vc.VRM
			if err := o.record(&cur, events[TransitionChangeVehicle],
				map[string]string{"change_id": vc.ID, "from_vrm": string(from), "to_vrm": string(vc.VRM), "effective_on": date(vc.EffectiveOn), "scheduled": "true"}); err != nil {
				return appliedChange{}, false, err
			}
			// A renewal that starts after the change's day is not told:
			// the holder hears once, on the permit in force that day.
			if !cur.StartsOn.After(vc.EffectiveOn) {
				if err := o.notifyPermit(MessageVehicleChanged, acc, cur, map[string]string{"vrm": string(cur.VRM)}); err != nil {
					return appliedChange{}, false, err
				}
			}
			return appliedChange{p: cur}, true, nil
		},
	}, due)
	return len(done), err
}
