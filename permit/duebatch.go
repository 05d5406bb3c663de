package permit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// dueBatchSize is how many due items one transaction takes. A run over
// thousands of items spends its time in commits (each waits for the disk)
// and, on a database server, in round trips, so items go in batches.
const dueBatchSize = 200

// dueJob is one kind of due work over candidates of type C (a Permit or an
// AddressChange) found by a View.
type dueJob[C, T any] struct {
	what string // for errors: "expiry reminder for", then the item's ID
	id   func(C) string
	// reload reads the candidate again inside a transaction.
	reload func(tx ReadTx, id string) (C, error)
	// do decides on the candidate as given and writes what it decided,
	// saving it under the version it was read with; counted is false when
	// there was nothing (or no longer anything) to report. Its result is
	// kept only when the transaction commits.
	do func(o *op, c C) (result T, counted bool, err error)
}

// runDue does a job for every candidate, by the system at the instant at,
// and returns the results of the committed ones that counted, in
// candidate order.
//
// Candidates go dueBatchSize to a transaction, each decided on the state
// the View read and saved only if that is still the stored version (the
// store's optimistic check), which costs no read per item. Once-only does
// not rest on the batch: when anything in it fails — a version gone stale
// because another instance did the work first, a serialization conflict,
// one bad item — nothing of it is kept, and it is done again in one
// transaction that reloads each item (an item done elsewhere is found
// done), then, if that fails too, one transaction per item, so one bad
// item holds up no other. Every item's failure is in the joined error,
// named with job.what and the item's ID.
func runDue[C, T any](ctx context.Context, s *Service, at time.Time, job dueJob[C, T], cands []C) ([]T, error) {
	cands = uniqueBy(cands, job.id)
	var out []T
	var errs []error
	for start := 0; start < len(cands); start += dueBatchSize {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("permit: %s: %w", job.what, err))
			break
		}
		batch := cands[start:min(start+dueBatchSize, len(cands))]
		var results []T
		inBatch := func(reload bool) func(o *op) error {
			return func(o *op) error {
				results = results[:0] // the store may run fn again
				for _, c := range batch {
					if reload {
						var err error
						if c, err = job.reload(o, job.id(c)); err != nil {
							return err
						}
					}
					r, counted, err := job.do(o, c)
					if err != nil {
						return err
					}
					if counted {
						results = append(results, r)
					}
				}
				return nil
			}
		}
		err := s.updateOnce(ctx, System, at, inBatch(false))
		if err != nil && ctx.Err() == nil {
			// Most often another instance did some of the batch first: one
			// more transaction that reads each item finds that out cheaply.
			err = s.updateAt(ctx, System, at, inBatch(true))
		}
		if err == nil {
			out = append(out, results...)
			continue
		}
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("permit: %s %s: %w", job.what, job.id(batch[0]), err))
			continue
		}
		for _, c := range batch {
			id := job.id(c)
			var r T
			var counted bool
			err := s.updateAt(ctx, System, at, func(o *op) error {
				cur, err := job.reload(o, id)
				if err != nil {
					return err
				}
				r, counted, err = job.do(o, cur)
				return err
			})
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("permit: %s %s: %w", job.what, id, err))
			case counted:
				out = append(out, r)
			}
		}
	}
	return out, errors.Join(errs...)
}

// uniqueBy keeps the first of the items with the same key, in order.
func uniqueBy[C any](items []C, key func(C) string) []C {
	out := make([]C, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, c := range items {
		if k := key(c); !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

func permitID(p Permit) string { return p.ID }

func reloadPermit(tx ReadTx, id string) (Permit, error) { return tx.Permit(id) }
