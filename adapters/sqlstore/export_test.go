package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

// OnEventsWritten makes every write transaction of s call fn after it has
// inserted its events and before it commits.
func OnEventsWritten(s *Store, fn func()) { s.eventsWritten = fn }

// BulkInsert stores accounts, then permits, then claims, with multi-row INSERTs in
// transactions of a few tens of thousands of rows: the benchmarks' way to
// fill a database with a million permits in seconds, in exactly the
// encoding the store writes. It bypasses the checks CreatePermit makes.
func BulkInsert(ctx context.Context, s *Store, accounts []permit.Account, permits []permit.Permit, claims []permit.Claim) error {
	enc := &tx{readTx: readTx{s: s}}
	const rowsPerInsert = 500 // below SQLite's and PostgreSQL's bind-variable limits
	const rowsPerTx = 50000
	insert := func(table, cols string, n int, args func(i int) ([]any, error)) error {
		row := "(" + placeholders(countColumns(cols)) + ")"
		for start := 0; start < n; start += rowsPerTx {
			sqlTx, err := s.db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			for from := start; from < min(start+rowsPerTx, n); from += rowsPerInsert {
				to := min(from+rowsPerInsert, start+rowsPerTx, n)
				values := make([]any, 0, (to-from)*countColumns(cols))
				for i := from; i < to; i++ {
					a, err := args(i)
					if err != nil {
						_ = sqlTx.Rollback()
						return err
					}
					values = append(values, a...)
				}
				q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", to-from), ", ")
				if _, err := sqlTx.ExecContext(ctx, s.d.Rebind(q), values...); err != nil {
					_ = sqlTx.Rollback()
					return fmt.Errorf("bulk insert into %s: %w", table, err)
				}
			}
			if err := sqlTx.Commit(); err != nil {
				return err
			}
		}
		return nil
	}
	err := insert("accounts", accountColumns, len(accounts), func(i int) ([]any, error) {
		a, err := enc.accountArgs(accounts[i])
		return append(append([]any{accounts[i].ID}, a...), 1), err
	})
	if err != nil {
		return err
	}
	err = insert("permits", permitColumns, len(permits), func(i int) ([]any, error) {
		a, err := enc.permitArgs(permits[i])
		return append(append([]any{permits[i].ID}, a...), 1), err
	})
	if err != nil {
		return err
	}
	err = insert("claims", "pool, scope_key, slot, chain_id, permit_id", len(claims), func(i int) ([]any, error) {
		c := claims[i]
		return []any{c.Pool, c.ScopeKey, c.Slot, c.ChainID, c.PermitID}, nil
	})
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.d.Analyze())
	return err
}
