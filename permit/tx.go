package permit

import (
	"context"
	"errors"
	"time"
)

// op is one transaction of a Service operation as its rules see it: the
// store's transaction, who acts, and the one clock reading everything in
// it is judged and stamped by (at, and today, its date in the scheme's
// time zone). Every write of the package goes through one: a permit's
// lifecycle moves only by take, which writes the transition's event with
// it.
type op struct {
	Tx
	s     *Service
	by    Actor
	at    time.Time
	today time.Time

	fixed time.Time         // the instant to judge at; zero: read the clock
	fn    func(o *op) error // what the operation does in the transaction

	// messages are those the transaction made (notify), for after its
	// commit.
	messages []Message
}

// update runs fn in a read-write transaction of the store, again on the
// fresh state when a concurrent change won (ErrConflict), at most
// maxAttempts times; the clock is read once per attempt. Whatever fn
// gathers for after the commit it must reset at its start: the store may
// run it more than once.
func (s *Service) update(ctx context.Context, by Actor, fn func(o *op) error) error {
	return s.updateAt(ctx, by, time.Time{}, fn)
}

// updateAt is update judged at the instant at (the zero time: the clock's
// reading): the due jobs run at the instant RunDue was given.
func (s *Service) updateAt(ctx context.Context, by Actor, at time.Time, fn func(o *op) error) error {
	o := &op{s: s, by: by, fixed: at, fn: fn}
	var err error
	for range maxAttempts {
		if err = s.store.Update(ctx, o.run); !errors.Is(err, ErrConflict) {
			if err == nil {
				s.sent(ctx, o.messages)
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return err
}

// updateOnce is one attempt of updateAt.
func (s *Service) updateOnce(ctx context.Context, by Actor, at time.Time, fn func(o *op) error) error {
	o := &op{s: s, by: by, fixed: at, fn: fn}
	err := s.store.Update(ctx, o.run)
	if err == nil {
		s.sent(ctx, o.messages)
	}
	return err
}

// run is the store's transaction function: one clock reading, then fn.
func (o *op) run(tx Tx) error {
	o.Tx, o.at, o.messages = tx, o.fixed, nil
	if o.at.IsZero() {
		o.at = o.s.now()
	}
	o.today = o.s.today(o.at)
	return o.fn(o)
}

// take moves p by t, refusing what the lifecycle table refuses on o's
// date, and writes it with the event the table gives t; data are the
// event's details.
func (o *op) take(p *Permit, t Transition, data map[string]string) error {
	to, err := p.next(t, o.today)
	if err != nil {
		return err
	}
	p.Status = to
	return o.record(p, events[t], data)
}

// record writes a change to p that is not a move of its lifecycle (a
// vehicle change, a free place taken, a deadline breach), with its event.
func (o *op) record(p *Permit, et EventType, data map[string]string) error {
	if err := o.save(p); err != nil {
		return err
	}
	return o.about(et, p, data)
}

// touch writes a change to p that another change brought about (a
// renewal taking or giving back its place, a same-zone move, a payment
// settled) with a permit.updated event whose data say why, so that the
// feed shows every state a permit passes through.
func (o *op) touch(p *Permit, why string, data map[string]string) error {
	if data == nil {
		data = map[string]string{}
	}
	data["reason"] = why
	return o.record(p, EventPermitUpdated, data)
}

// save stamps p with o's instant and writes it (optimistically, by
// version), keeping p's version in step with the store's. It appends no
// event: for what the operation's own event already tells.
func (o *op) save(p *Permit) error {
	p.UpdatedAt = o.at
	if err := o.UpdatePermit(*p); err != nil {
		return err
	}
	p.Version++
	return nil
}

// create writes a new permit, version 1, stamped with o's instant.
func (o *op) create(p *Permit) error {
	p.CreatedAt, p.UpdatedAt = o.at, o.at
	if err := o.CreatePermit(*p); err != nil {
		return err
	}
	p.Version = 1
	return nil
}

// renewed records that renewal, just created, renews old: old takes the
// renew transition (it stays approved and points at its renewal), and
// the transition's event is appended about the renewal.
func (o *op) renewed(old *Permit, renewal Permit, data map[string]string) error {
	if _, err := old.next(TransitionRenew, o.today); err != nil {
		return err
	}
	old.RenewedBy = renewal.ID
	if err := o.touch(old, "renewed", map[string]string{"renewed_by": renewal.ID}); err != nil {
		return err
	}
	return o.about(events[TransitionRenew], &renewal, data)
}

// about appends an event about p, carrying p as it stands now (p must
// already be written). The event points at a shallow copy of p: the store
// copies or encodes what it keeps as AppendEvent is called (Tx.AppendEvent),
// so a later change to p's slices or pointers does not reach the event, and
// the permit is copied once, where it is persisted, not twice.
func (o *op) about(et EventType, p *Permit, data map[string]string) error {
	snap := *p
	return o.AppendEvent(Event{Type: et, At: o.at, On: o.today, Actor: o.by.String(), PermitID: p.ID, AccountID: p.AccountID,
		Data: data, Permit: &snap})
}

// event appends an event at o's instant by o's actor. It carries the
// resources it is about as they stand in the transaction now: the permit
// (permitID), else the account (accountID) and the address change its
// data name (address_change_id).
func (o *op) event(et EventType, permitID, accountID string, data map[string]string) error {
	e := Event{Type: et, At: o.at, On: o.today, Actor: o.by.String(), PermitID: permitID, AccountID: accountID, Data: data}
	if permitID != "" {
		p, err := o.Permit(permitID)
		switch {
		case err == nil: // a copy already, the store's read gave it
			e.Permit = &p
		case !errors.Is(err, ErrNotFound):
			return err
		}
	} else if accountID != "" {
		a, err := o.Account(accountID)
		switch {
		case err == nil:
			a.Credential = ""
			e.Account = &a
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if id := data["address_change_id"]; id != "" {
			c, err := o.AddressChange(id)
			if err != nil {
				return err
			}
			e.AddressChange = &c
		}
	}
	return o.AppendEvent(e)
}
