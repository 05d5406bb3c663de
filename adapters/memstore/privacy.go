package memstore

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// eventAt returns the committed event at index i as this transaction sees
// it (a rewrite staged in it wins).
func (t *tx) eventAt(i int) permit.Event {
	if e, ok := t.rewrites[i]; ok {
		return e
	}
	return t.s.committed.events[i]
}

// RewriteEvent implements permit.Tx: the rewrite replaces the committed
// event when the transaction commits.
func (t *tx) RewriteEvent(e permit.Event) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	n, err := strconv.Atoi(e.ID)
	if err != nil || n < 1 || n > len(t.s.committed.events) {
		return fmt.Errorf("memstore: event %q: %w", e.ID, permit.ErrNotFound)
	}
	old := t.eventAt(n - 1)
	r := cloneEvent(e)
	r.ID, r.Type, r.At, r.On, r.Actor, r.PermitID, r.AccountID = "", old.Type, old.At, old.On, old.Actor, old.PermitID, old.AccountID
	if t.rewrites == nil {
		t.rewrites = map[int]permit.Event{}
	}
	t.rewrites[n-1] = r
	return nil
}

// AccountsToAnonymise implements permit.ReadTx by a scan.
func (t *tx) AccountsToAnonymise(before time.Time, afterID string, limit int) ([]permit.Account, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	beforeDate := time.Date(before.UTC().Year(), before.UTC().Month(), before.UTC().Day(), 0, 0, 0, 0, time.UTC)
	var ids []string
	for id := range t.s.committed.accounts {
		if _, staged := t.accounts[id]; !staged {
			ids = append(ids, id)
		}
	}
	for id := range t.accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []permit.Account{}
	for _, id := range ids {
		if id <= afterID {
			continue
		}
		a, _ := t.account(id)
		if !a.AnonymisedAt.IsZero() || !a.UpdatedAt.Before(before) {
			continue
		}
		ps, _ := t.PermitsOfAccount(id)
		idle := !slices.ContainsFunc(ps, func(p permit.Permit) bool {
			return p.Status == permit.AwaitingPayment || p.Status == permit.PendingReview || !p.UpdatedAt.Before(before) ||
				(p.Status == permit.Approved && !p.ExpiresOn.Before(beforeDate))
		})
		cs, _ := t.AddressChangesOfAccount(id)
		idle = idle && !slices.ContainsFunc(cs, func(c permit.AddressChange) bool {
			return c.Status == permit.AddressChangePending || !c.DecidedAt.Before(before)
		})
		if idle {
			out = append(out, *a)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// PermitsEvidenceDue implements permit.ReadTx by a scan.
func (t *tx) PermitsEvidenceDue(before time.Time, afterID string, limit int) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	beforeDate := time.Date(before.UTC().Year(), before.UTC().Month(), before.UTC().Day(), 0, 0, 0, 0, time.UTC)
	out := t.selectPermits(func(p *permit.Permit) bool {
		if p.ID <= afterID || !p.EvidenceDeletedOn.IsZero() || p.Status == permit.AwaitingPayment || p.Status == permit.PendingReview {
			return false
		}
		if !p.EvidenceAcceptedOn.IsZero() {
			return p.EvidenceAcceptedOn.Before(beforeDate)
		}
		return p.UpdatedAt.Before(before)
	}, func(a, b *permit.Permit) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out[:min(limit, len(out))], nil
}
