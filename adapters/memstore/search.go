package memstore

import (
	"cmp"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// SearchAccounts implements permit.ReadTx by scanning every account: the
// reference semantics (permit.AccountQuery.MatchAccount), not a fast path.
func (t *tx) SearchAccounts(q permit.AccountQuery) ([]permit.Account, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	var permitsOf func(string) []permit.Permit
	if q.VRM != "" {
		permitsOf = func(accountID string) []permit.Permit {
			return t.selectPermits(func(p *permit.Permit) bool { return p.AccountID == accountID && p.VRM == q.VRM }, byID)
		}
	}
	var out []permit.Account
	seen := func(a *permit.Account) {
		if a.ID > q.AfterID && q.MatchAccount(*a, permitsOf) {
			out = append(out, cloneAccount(*a))
		}
	}
	for id, a := range t.s.committed.accounts {
		if _, staged := t.accounts[id]; !staged {
			seen(a)
		}
	}
	for _, a := range t.accounts {
		seen(a)
	}
	slices.SortFunc(out, func(a, b permit.Account) int { return cmp.Compare(a.ID, b.ID) })
	if out == nil {
		out = []permit.Account{}
	}
	return out[:min(q.Limit, len(out))], nil
}

// SearchPermits implements permit.ReadTx by scanning every permit: the
// reference semantics (permit.PermitQuery.MatchPermit).
func (t *tx) SearchPermits(q permit.PermitQuery) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	out := t.selectPermits(func(p *permit.Permit) bool {
		if p.ID <= q.AfterID {
			return false
		}
		holder, _ := t.account(p.AccountID)
		if holder == nil {
			holder = &permit.Account{}
		}
		return q.MatchPermit(*p, *holder)
	}, byID)
	return out[:min(q.Limit, len(out))], nil
}

func byID(a, b *permit.Permit) int { return cmp.Compare(a.ID, b.ID) }

// after reports whether (at, id) comes after the place (from, fromID) of
// the review queue; a zero from is before everything.
func after(at time.Time, id string, from time.Time, fromID string) bool {
	if from.IsZero() {
		return true
	}
	if c := at.Compare(from); c != 0 {
		return c > 0
	}
	return id > fromID
}

// PendingReviewAfter implements permit.ReadTx.
func (t *tx) PendingReviewAfter(at time.Time, id string, limit int) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := t.selectPermits(func(p *permit.Permit) bool {
		return p.Status == permit.PendingReview && after(p.CreatedAt, p.ID, at, id)
	}, permitsByCreated)
	return out[:min(limit, len(out))], nil
}

// PendingAddressChangesAfter implements permit.ReadTx.
func (t *tx) PendingAddressChangesAfter(at time.Time, id string, limit int) ([]permit.AddressChange, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := t.selectChanges(func(c *permit.AddressChange) bool {
		return c.Status == permit.AddressChangePending && after(c.CreatedAt, c.ID, at, id)
	})
	return out[:min(limit, len(out))], nil
}

// LastEventID implements permit.ReadTx: the newest committed event's ID.
func (t *tx) LastEventID() (string, error) {
	if err := t.check(); err != nil {
		return "", err
	}
	if n := len(t.s.committed.events); n > 0 {
		return eventID(n), nil
	}
	return "", nil
}
