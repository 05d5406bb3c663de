package metrics

import (
	"context"

	"github.com/carerpermit/carerpermit/permit"
)

// Store wraps a permit store so that the events of every committed
// transaction are counted: events_total{type}, and the applications and
// decisions among them in permit_outcomes_total{outcome,charge}. It
// changes nothing the store does or returns, and keeps its optional
// permit.VehicleLookup.
//
// Counting here, at the commit of the transaction that did the work,
// rather than by reading the event feed, is what keeps instances from
// counting the same event twice: every instance reads the whole feed, but
// only one committed each event. A transaction the store runs again
// (a serialization retry) is counted once, from its last run, and a
// transaction that did not commit is not counted.
func (m *Metrics) Store(s permit.Store) permit.Store {
	st := &store{Store: s, m: m}
	if vl, ok := s.(permit.VehicleLookup); ok {
		return &lookupStore{store: st, lookup: vl}
	}
	return st
}

type store struct {
	permit.Store
	m *Metrics
}

type lookupStore struct {
	*store
	lookup permit.VehicleLookup
}

func (s *lookupStore) PermitsByVRM(ctx context.Context, vrm permit.VRM) ([]permit.Permit, error) {
	return s.lookup.PermitsByVRM(ctx, vrm)
}

// counted is one event of a transaction, with its outcome label ("" when
// it is not an application or decision) and charge.
type counted struct {
	typ, outcome, charge string
}

func (s *store) Update(ctx context.Context, fn func(permit.Tx) error) error {
	var got []counted
	err := s.Store.Update(ctx, func(tx permit.Tx) error {
		ct := &countingTx{Tx: tx}
		err := fn(ct)
		got = ct.events // the last run is the one committed
		return err
	})
	if err == nil {
		for _, c := range got {
			s.m.events.WithLabelValues(c.typ).Inc()
			if c.outcome != "" {
				s.m.outcomes.WithLabelValues(c.outcome, c.charge).Inc()
			}
		}
	}
	return err
}

// outcomes are the events counted in permit_outcomes_total.
var outcomes = map[permit.EventType]string{
	permit.EventPermitApplied:   "applied",
	permit.EventPermitRenewed:   "renewed",
	permit.EventPermitApproved:  "approved",
	permit.EventPermitRejected:  "rejected",
	permit.EventPermitCancelled: "cancelled",
	permit.EventPermitWithdrawn: "withdrawn",
}

// countingTx notes the events appended, and whether each permit written
// is free, to label the outcome of its events without another read.
type countingTx struct {
	permit.Tx
	events []counted
	free   map[string]bool
}

func (t *countingTx) CreatePermit(p permit.Permit) error {
	err := t.Tx.CreatePermit(p)
	if err == nil {
		t.noteFree(p)
	}
	return err
}

func (t *countingTx) UpdatePermit(p permit.Permit) error {
	err := t.Tx.UpdatePermit(p)
	if err == nil {
		t.noteFree(p)
	}
	return err
}

func (t *countingTx) noteFree(p permit.Permit) {
	if t.free == nil {
		t.free = map[string]bool{}
	}
	t.free[p.ID] = p.Free
}

func (t *countingTx) AppendEvent(e permit.Event) error {
	if err := t.Tx.AppendEvent(e); err != nil {
		return err
	}
	c := counted{typ: eventType(e.Type)}
	if c.outcome = outcomes[e.Type]; c.outcome != "" {
		c.charge = t.charge(e.PermitID)
	}
	t.events = append(t.events, c)
	return nil
}

// charge is "free" or "paid" for a permit of this transaction; "unknown"
// when it cannot be read.
func (t *countingTx) charge(permitID string) string {
	free, ok := t.free[permitID]
	if !ok {
		p, err := t.Tx.Permit(permitID)
		if err != nil {
			return "unknown"
		}
		free = p.Free
	}
	if free {
		return "free"
	}
	return "paid"
}

// eventType keeps the type label to the library's event types.
func eventType(t permit.EventType) string {
	for _, known := range permit.EventTypes() {
		if t == known {
			return string(t)
		}
	}
	return "other"
}
