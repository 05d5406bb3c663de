package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
)

// Issue 19 item 4: a dry run of an erasure, and a refused erasure, change
// nothing: every row of every table is the same after them, and on SQLite
// the database file is the same byte for byte.
func TestErasureDryRunChangesNothing(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := t.Context()
		dsn := newDSN(t)
		st, err := sqlstore.Open(ctx, dsn, nil)
		require.NoError(t, err)
		svc := newService(t, st, 2)
		accs := residents(properties(2))
		var live permit.Account
		for i, a := range accs {
			got, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: a.Name, Email: a.Email, UPRN: a.UPRN})
			require.NoError(t, err)
			if i == 0 {
				live = got
			}
			accs[i] = got
		}
		p, err := svc.Apply(ctx, permit.AccountActor(live.ID), application(live, "AB12CDE", false))
		require.NoError(t, err)
		_, err = svc.Approve(ctx, permit.OfficerActor("jo"), p.ID)
		require.NoError(t, err)
		require.NoError(t, st.Close())
		sqliteBytes := func() []byte { return nil }
		if st.Dialect() == sqlstore.SQLite {
			path := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
			sqliteBytes = func() []byte {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				return b
			}
		}
		// An open and close of its own first, so that what opening and
		// closing do (migrations checked, the planner's statistics) is
		// not counted.
		st, err = sqlstore.Open(ctx, dsn, nil)
		require.NoError(t, err)
		before := dumpTables(t, st.DB())
		require.NoError(t, st.Close())
		fileBefore := sqliteBytes()

		st, err = sqlstore.Open(ctx, dsn, nil)
		require.NoError(t, err)
		svc = newService(t, st, 2)
		officer := permit.OfficerActor("jo")
		for _, a := range accs {
			e, err := svc.RequestErasure(ctx, officer, a.ID, true)
			require.NoError(t, err)
			require.False(t, e.Erased)
		}
		e, err := svc.RequestErasure(ctx, officer, live.ID, false)
		var refused *permit.NotAnonymisableError
		require.ErrorAs(t, err, &refused)
		require.Equal(t, permit.RefusalPermitLive, e.Refused[0].Code)
		require.Equal(t, before, dumpTables(t, st.DB()), "every row of every table as it was")
		require.NoError(t, st.Close())
		require.Equal(t, fileBefore, sqliteBytes(), "the SQLite file byte for byte")
	})
}

// dumpTables is every row of every table of the store's schema, as text,
// tables by name and rows sorted.
func dumpTables(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`); err == nil {
		rows.Close()
		q = `SELECT name FROM sqlite_master WHERE type = 'table'`
	}
	rows, err := db.QueryContext(ctx, q)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Close())
	out := map[string][]string{}
	for _, tb := range tables {
		if strings.HasPrefix(tb, "sqlite_stat") {
			continue // the planner's statistics, not data (the file's bytes cover them)
		}
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+tb+`"`)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var all []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			all = append(all, fmt.Sprintf("%v", vals))
		}
		require.NoError(t, rows.Close())
		slices.Sort(all)
		out[tb] = all
	}
	require.NotEmpty(t, out["events"])
	return out
}
