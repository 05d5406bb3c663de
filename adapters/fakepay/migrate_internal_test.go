package fakepay

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/permit"
)

// TestMigrationKeepsCreatedAt: a payment stored by the first schema, its
// created_at in unix milliseconds, keeps its instant (now a TIMESTAMPTZ or
// ISO text) and can still be captured after the migration.
func TestMigrationKeepsCreatedAt(t *testing.T) {
	for _, name := range []sqldb.Name{SQLite, Postgres} {
		t.Run(string(name), func(t *testing.T) {
			ctx := context.Background()
			pool := sqldbtest.New(t, name, "fakepay_migrate_").OpenAt(t, migrationSet, 1)
			d, err := sqldb.Lookup("test", name)
			require.NoError(t, err)

			created := time.Date(2026, 10, 25, 1, 59, 59, 987e6, time.UTC)
			_, err = pool.ExecContext(ctx, d.Rebind(`INSERT INTO fakepay_payments (id, status, amount, refunded, account_id, permit_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), "pay_old", string(permit.PaymentAuthorised), "55.00", "0", "acc_1", "per_1", created.UnixMilli())
			require.NoError(t, err)

			g, err := NewSQL(ctx, pool, name)
			require.NoError(t, err)
			var got time.Time
			require.NoError(t, pool.QueryRowContext(ctx, `SELECT created_at FROM fakepay_payments WHERE id = 'pay_old'`).Scan(sqldb.ScanInstant(&got)))
			require.Equal(t, created, got)

			paid, err := g.Capture(ctx, "pay_old", "capture:per_1")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCaptured, paid.Status)

			// A new payment's instant is stored the new way.
			g.now = func() time.Time { return created.Add(time.Hour + 1500*time.Nanosecond) }
			fresh, err := g.Authorise(ctx, permit.PaymentRequest{IdempotencyKey: "authorise:per_2", Amount: decimal.RequireFromString("10.00"), AccountID: "acc_1", PermitID: "per_2"})
			require.NoError(t, err)
			require.NoError(t, pool.QueryRowContext(ctx, d.Rebind(`SELECT created_at FROM fakepay_payments WHERE id = ?`), fresh.ID).Scan(sqldb.ScanInstant(&got)))
			require.Equal(t, created.Add(time.Hour+time.Microsecond), got)
		})
	}
}
