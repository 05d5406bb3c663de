package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// A write transaction on PostgreSQL runs on its connection driven by pgx
// natively (sqldb.Pipeline, which adapters/sqlstore/postgres gives), not
// through database/sql, so that what needs no answer travels with what
// does:
//
//   - BEGIN is queued, and goes out with the transaction's first read;
//   - a write whose outcome the transaction's own reads already settle
//     (see known) is queued, and goes out with the next read, or with the
//     events and COMMIT at the end;
//   - the events and COMMIT go out together.
//
// An application is then three round trips (BEGIN with the account, the
// permits that count, the claims of its pool; the permit, its claim, its
// event and COMMIT in the fourth), where database/sql takes seven. The
// statements are the same ones SQLite runs through database/sql: the SQL
// is written once. Every other write goes out at once, as on SQLite, so a
// refusal (ErrNotFound, ErrConflict) still comes from the call that
// caused it and leaves the transaction usable.

// known is what a pipelined transaction has read or written itself, and
// so knows to hold until it commits: SERIALIZABLE makes any concurrent
// change to it fail this transaction (a serialization failure, retried),
// never change what a write finds. A write whose outcome this settles is
// deferred; its statement fails, failing the transaction before its
// COMMIT, when a concurrent writer slipped in regardless.
type known struct {
	// versions are the permits read or written, by ID: the version each
	// has in the transaction.
	versions map[string]int
	// accounts are the IDs of accounts read or written.
	accounts map[string]bool
	// claims are the slots held in the (pool, scope) pairs whose claims
	// were read, and not changed since by a write that went out at once.
	claims map[[2]string]map[int]bool
}

func newKnown() *known {
	return &known{versions: map[string]int{}, accounts: map[string]bool{}, claims: map[[2]string]map[int]bool{}}
}

// sawPermits notes the versions of permits read (k may be nil).
func (k *known) sawPermits(ps ...permit.Permit) {
	if k == nil {
		return
	}
	for _, p := range ps {
		k.versions[p.ID] = p.Version
	}
}

func (k *known) sawAccount(id string) {
	if k != nil {
		k.accounts[id] = true
	}
}

func (k *known) sawClaims(pool, scope string, cs []permit.Claim) {
	if k == nil {
		return
	}
	held := make(map[int]bool, len(cs))
	for _, c := range cs {
		held[c.Slot] = true
	}
	k.claims[[2]string{pool, scope}] = held
}

// forgetClaims drops what is known of a scope's claims (a write to them
// went out at once).
func (k *known) forgetClaims(pool, scope string) {
	if k != nil {
		delete(k.claims, [2]string{pool, scope})
	}
}

// queue defers a write that must change exactly one row: its outcome is
// checked when its answer comes back, and a failure makes the transaction
// run again from the start (the Store retries it as a serialization
// failure).
func (t *tx) queue(op, q string, args []any) {
	t.p.Queue(q, args, func(n int64, err error) {
		if err == nil && n != 1 {
			err = fmt.Errorf("sqlstore: %s: a deferred write changed %d rows, not 1: %w", op, n, permit.ErrConflict)
		} else if err != nil {
			err = t.s.describe(op, err)
		}
		if err != nil && t.aborted == nil {
			t.aborted = err
		}
	})
}

// errBadConn ends a Conn.Raw whose connection was left in a state no one
// else may use it in (a transaction not rolled back): database/sql then
// closes it rather than hand it out again.
var errBadConn = driver.ErrBadConn

// updatePipelined is updateOnce on a connection driven natively.
func (s *Store) updatePipelined(ctx context.Context, fn func(permit.Tx) error) (err error, again bool) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.failure(ctx, "beginning a write transaction", err)
	}
	defer func() { _ = conn.Close() }() // after a panic in fn too (closing twice is harmless)
	ran := false
	rawErr := conn.Raw(func(dc any) error {
		p, ok := s.d.Pipeline(dc)
		if !ok {
			return nil
		}
		ran = true
		a := s.runPipelined(ctx, p, fn)
		err, again = a.err, a.again
		if !a.clean {
			return errBadConn
		}
		return nil
	})
	_ = conn.Close() // back to the pool (or closed, after errBadConn)
	if !ran {
		if rawErr != nil && !errors.Is(rawErr, errBadConn) {
			return s.failure(ctx, "beginning a write transaction", rawErr)
		}
		// Not a connection pgx drives: database/sql's own transaction.
		return s.updateSQL(ctx, fn)
	}
	return err, again
}

// attempt is how one attempt of a pipelined transaction ended: its error,
// whether another attempt may succeed (again), and whether the
// connection is out of any transaction (clean).
type attempt struct {
	err          error
	again, clean bool
}

// runPipelined runs one attempt of fn on p.
func (s *Store) runPipelined(ctx context.Context, p sqldb.Pipeline, fn func(permit.Tx) error) attempt {
	p.Queue("BEGIN ISOLATION LEVEL SERIALIZABLE", nil, nil)
	t := &tx{readTx: readTx{s: s, ctx: ctx, p: p, known: newKnown()}}
	rollback := func() bool {
		p.Discard()
		if p.RoundTrips() == 0 {
			return true // BEGIN never went out
		}
		_, rbErr := p.Exec(context.WithoutCancel(ctx), "ROLLBACK", nil)
		return rbErr == nil
	}
	fnErr := fn(t)
	switch {
	case t.aborted != nil:
		return attempt{t.aborted, true, rollback()}
	case fnErr != nil:
		return attempt{fnErr, false, rollback()}
	case ctx.Err() != nil:
		return attempt{ctx.Err(), false, rollback()}
	}
	t.queueEvents()
	if s.eventsWritten != nil {
		if err := p.Flush(ctx); err != nil || t.aborted != nil {
			return s.pipelineFailure(ctx, t, "appending events", err, rollback)
		}
		s.eventsWritten()
	}
	p.Queue("COMMIT", nil, nil)
	if err := p.Flush(ctx); err != nil || t.aborted != nil {
		// A statement before COMMIT failed (COMMIT then did not run), or
		// COMMIT did: either way nothing is kept.
		return s.pipelineFailure(ctx, t, "committing", err, rollback)
	}
	return attempt{clean: true}
}

// pipelineFailure describes a failed flush of a pipelined transaction and
// rolls it back.
func (s *Store) pipelineFailure(ctx context.Context, t *tx, op string, err error, rollback func() bool) attempt {
	clean := rollback()
	if t.aborted != nil {
		return attempt{t.aborted, true, clean}
	}
	e, again := s.failure(ctx, op, err)
	return attempt{e, again, clean}
}
