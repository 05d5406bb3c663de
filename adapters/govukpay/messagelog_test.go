package govukpay_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
)

// The log of handled notifications lives in the database: another
// instance, or the same server after a restart, knows a repeat.
func TestSQLMessageLog(t *testing.T) {
	dbs := map[string]func(t *testing.T) sqldbtest.Database{"sqlite": func(t *testing.T) sqldbtest.Database { return sqldbtest.NewSQLite(t, "pay.db") }}
	if os.Getenv(sqldbtest.PostgresEnv) != "" {
		dbs["postgres"] = func(t *testing.T) sqldbtest.Database { return sqldbtest.NewPostgres(t, "govukpay_test_") }
	}
	for name, newDB := range dbs {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
			first, err := govukpay.NewSQLMessageLog(ctx, db.Open(t), db.Dialect, func() time.Time { return now })
			require.NoError(t, err)
			done, err := first.Handled(ctx, "msg-1")
			require.NoError(t, err)
			require.False(t, done)
			require.NoError(t, first.MarkHandled(ctx, "msg-1"))
			require.NoError(t, first.MarkHandled(ctx, "msg-1"), "marking twice is harmless")

			second, err := govukpay.NewSQLMessageLog(ctx, db.Open(t), db.Dialect, func() time.Time { return now.Add(96 * time.Hour) })
			require.NoError(t, err)
			done, err = second.Handled(ctx, "msg-1")
			require.NoError(t, err)
			require.True(t, done, "another instance knows it")
			require.NoError(t, second.MarkHandled(ctx, "msg-2"))

			n, err := second.Forget(ctx, now.Add(72*time.Hour))
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			done, err = second.Handled(ctx, "msg-1")
			require.NoError(t, err)
			require.False(t, done)
			done, err = second.Handled(ctx, "msg-2")
			require.NoError(t, err)
			require.True(t, done)
		})
	}
}
