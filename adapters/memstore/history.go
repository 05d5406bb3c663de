package memstore

import (
	"cmp"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// EventsOfPermit implements permit.ReadTx by a scan of the log, in feed
// (commit) order. Events this transaction appended are not in the log yet.
func (t *tx) EventsOfPermit(permitID string) ([]permit.Event, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	out := []permit.Event{}
	for i, e := range t.s.committed.events {
		if e.PermitID == permitID && permitID != "" {
			out = append(out, committedEvent(i, e))
		}
	}
	return out, nil
}

// EventsOfAccount implements permit.ReadTx by a scan of the log, in feed
// (commit) order, as EventsOfPermit.
func (t *tx) EventsOfAccount(accountID string) ([]permit.Event, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	out := []permit.Event{}
	for i, e := range t.s.committed.events {
		if e.AccountID == accountID && accountID != "" {
			out = append(out, committedEvent(i, e))
		}
	}
	return out, nil
}

// PermitsCurrentOn implements permit.ReadTx by a scan, as the other
// back-office queries do.
func (t *tx) PermitsCurrentOn(on time.Time, afterID string, limit int) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := t.selectPermits(func(p *permit.Permit) bool {
		return p.Status == permit.Approved && p.ID > afterID && !on.Before(p.StartsOn) && !on.After(p.ExpiresOn)
	}, func(a, b *permit.Permit) int { return cmp.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}
