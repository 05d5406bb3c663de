package memstore

import (
	"cmp"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

func (t *tx) retry(id string) (*permit.PaymentRetry, bool) {
	if r, ok := t.retries[id]; ok {
		return r, true
	}
	r, ok := t.s.committed.retries[id]
	return r, ok
}

func (t *tx) stageRetry(r permit.PaymentRetry) {
	if t.retries == nil {
		t.retries = make(map[string]*permit.PaymentRetry)
	}
	utc(&r.NextAttemptAt, &r.CreatedAt, &r.UpdatedAt)
	t.retries[r.ID] = &r
}

// PaymentRetry implements permit.ReadTx.
func (t *tx) PaymentRetry(id string) (permit.PaymentRetry, error) {
	if err := t.check(); err != nil {
		return permit.PaymentRetry{}, err
	}
	r, ok := t.retry(id)
	if !ok {
		return permit.PaymentRetry{}, notFound("payment retry", id)
	}
	return *r, nil
}

// selectRetries returns copies of the pending payment retries, committed
// or staged, that match, sorted by cmp and cut to limit; like
// selectPermits it scans.
func (t *tx) selectRetries(limit int, match func(*permit.PaymentRetry) bool, cmp func(a, b permit.PaymentRetry) int) ([]permit.PaymentRetry, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := []permit.PaymentRetry{}
	keep := func(r *permit.PaymentRetry) {
		if r.Status == permit.PaymentRetryPending && match(r) {
			out = append(out, *r)
		}
	}
	for id, r := range t.s.committed.retries {
		if _, staged := t.retries[id]; !staged {
			keep(r)
		}
	}
	for _, r := range t.retries {
		keep(r)
	}
	slices.SortFunc(out, cmp)
	return out[:min(limit, len(out))], nil
}

// PaymentRetriesDue implements permit.ReadTx.
func (t *tx) PaymentRetriesDue(at time.Time, limit int) ([]permit.PaymentRetry, error) {
	return t.selectRetries(limit,
		func(r *permit.PaymentRetry) bool { return !r.NextAttemptAt.After(at) },
		func(a, b permit.PaymentRetry) int {
			if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
}

// PaymentRetriesPending implements permit.ReadTx.
func (t *tx) PaymentRetriesPending(limit int) ([]permit.PaymentRetry, error) {
	return t.selectRetries(limit,
		func(*permit.PaymentRetry) bool { return true },
		func(a, b permit.PaymentRetry) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
}

// CreatePaymentRetry implements permit.Tx.
func (t *tx) CreatePaymentRetry(r permit.PaymentRetry) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if _, ok := t.retry(r.ID); ok {
		return conflict("payment retry %q already exists", r.ID)
	}
	r.Version = 1
	t.stageRetry(r)
	return nil
}

// UpdatePaymentRetry implements permit.Tx.
func (t *tx) UpdatePaymentRetry(r permit.PaymentRetry) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	cur, ok := t.retry(r.ID)
	if !ok {
		return notFound("payment retry", r.ID)
	}
	if r.Version != cur.Version {
		return stale("payment retry", r.ID, r.Version, cur.Version)
	}
	r.Version++
	t.stageRetry(r)
	return nil
}
