package permit

import (
	"context"
	"errors"
	"fmt"
)

// dueBatchSize is how many due items one transaction takes. A run over
// thousands of items spends its time committing (each commit waits for the
// disk), so items go in batches; a batch is no less safe than one
// transaction per item, because every item is decided again inside the
// transaction on what is stored then: when several instances run the jobs
// at once, one finds the other's work done and does nothing, and a
// serialization conflict re-runs the whole batch on fresh data.
const dueBatchSize = 200

// dueStep does one due item inside a transaction. It re-reads what it needs
// and decides again; counted is false when there was nothing (or no longer
// anything) to report. Its result is kept only when the transaction commits.
type dueStep[T any] func(tx Tx, id string) (result T, counted bool, err error)

// runDue does step for every ID, dueBatchSize of them per transaction, and
// returns the results of the committed steps that counted, in the order of
// ids. When a batch fails, its items are done again one transaction each,
// so one bad item holds up no other; every item's failure is in the joined
// error, named with what and the item's ID.
func runDue[T any](ctx context.Context, s *Service, what string, ids []string, step dueStep[T]) ([]T, error) {
	var out []T
	var errs []error
	for start := 0; start < len(ids); start += dueBatchSize {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("permit: %s: %w", what, err))
			break
		}
		batch := ids[start:min(start+dueBatchSize, len(ids))]
		var results []T
		err := retry(ctx, func() error {
			return s.store.Update(ctx, func(tx Tx) error {
				results = results[:0] // the store may run fn again
				for _, id := range batch {
					r, counted, err := step(tx, id)
					if err != nil {
						return err
					}
					if counted {
						results = append(results, r)
					}
				}
				return nil
			})
		})
		if err == nil {
			out = append(out, results...)
			continue
		}
		if len(batch) == 1 || ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("permit: %s %s: %w", what, batch[0], err))
			continue
		}
		for _, id := range batch {
			var r T
			var counted bool
			err := retry(ctx, func() error {
				return s.store.Update(ctx, func(tx Tx) (err error) {
					r, counted, err = step(tx, id)
					return err
				})
			})
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("permit: %s %s: %w", what, id, err))
			case counted:
				out = append(out, r)
			}
		}
	}
	return out, errors.Join(errs...)
}

// idsOf lists the permits' IDs once each, in order.
func idsOf(ps []Permit) []string {
	ids := make([]string, 0, len(ps))
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if !seen[p.ID] {
			seen[p.ID] = true
			ids = append(ids, p.ID)
		}
	}
	return ids
}
