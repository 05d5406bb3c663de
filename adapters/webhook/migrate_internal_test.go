package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
)

// TestMigrationKeepsInstants: a database written by the first schema,
// whose instants were unix milliseconds (0 for none), migrates to
// TIMESTAMPTZ / ISO text with every value kept, to the millisecond.
func TestMigrationKeepsInstants(t *testing.T) {
	for _, name := range []sqldb.Name{SQLite, Postgres} {
		t.Run(string(name), func(t *testing.T) {
			ctx := context.Background()
			pool := sqldbtest.New(t, name, "webhook_migrate_").OpenAt(t, migrationSet, 1)
			d, err := sqldb.Lookup("test", name)
			require.NoError(t, err)

			created := time.Date(2026, 3, 29, 0, 59, 59, 123e6, time.UTC) // the last second of GMT, and milliseconds
			next := time.Date(2026, 10, 25, 1, 30, 0, 1e6, time.UTC)
			leased := time.Date(2027, 2, 28, 23, 59, 59, 999e6, time.UTC)
			last := time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
			ms := func(t time.Time) int64 { return t.UnixMilli() }
			exec := func(q string, args ...any) {
				t.Helper()
				_, err := pool.ExecContext(ctx, d.Rebind(q), args...)
				require.NoError(t, err)
			}
			exec(`INSERT INTO webhook_endpoints (id, url, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
				"wh_1", "https://backoffice.example/hook", "whsec_1", ms(created), "officer-1")
			ins := `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, order_key, body, status, attempts,
				next_attempt_at, lease_until, lease_token, last_attempt_at, last_status_code, last_error, delivered_at, created_at)
				VALUES ('wh_1', ?, 'permit.applied', 'permit:p1', '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			exec(ins, "ev1", "delivered", 1, 0, 0, "", ms(last), 200, "", ms(last), ms(created))
			exec(ins, "ev2", "pending", 2, ms(next), ms(leased), "tok", ms(last), 500, "HTTP 500", 0, ms(created))
			exec(ins, "ev3", "dead", 16, 0, 0, "", ms(last), 0, "timed out", 0, ms(created))
			exec(`DELETE FROM webhook_deliveries WHERE event_id = 'ev3'`) // a purge: ID 3 must not come back

			s, err := NewSQLStore(ctx, pool, name)
			require.NoError(t, err)
			e, err := s.Endpoint(ctx, "wh_1")
			require.NoError(t, err)
			require.Equal(t, created, e.CreatedAt)

			ds, err := s.Deliveries(ctx, DeliveryQuery{EndpointID: "wh_1", Limit: 10})
			require.NoError(t, err)
			require.Len(t, ds, 2)
			require.Equal(t, Delivery{ID: "1", EndpointID: "wh_1", EventID: "ev1", EventType: "permit.applied", OrderKey: "permit:p1",
				Body: []byte("{}"), Status: StatusDelivered, Attempts: 1, CreatedAt: created, RetryingSince: created, LastAttemptAt: last, LastStatusCode: 200,
				DeliveredAt: last}, ds[0])
			require.Equal(t, Delivery{ID: "2", EndpointID: "wh_1", EventID: "ev2", EventType: "permit.applied", OrderKey: "permit:p1",
				Body: []byte("{}"), Status: StatusPending, Attempts: 2, NextAttemptAt: next, CreatedAt: created, RetryingSince: created, LastAttemptAt: last,
				LastStatusCode: 500, LastError: "HTTP 500"}, ds[1])

			// The lease survived: no claim before it ends, one after.
			got, err := s.Claim(ctx, next, next.Add(time.Minute), 10)
			require.NoError(t, err)
			require.Empty(t, got, "still leased until %s", leased)
			got, err = s.Claim(ctx, leased.Add(time.Millisecond), leased.Add(time.Hour), 10)
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, "ev2", got[0].EventID)

			// Purging compares instants: ev1 was delivered at last.
			n, err := s.PurgeDelivered(ctx, last)
			require.NoError(t, err)
			require.Zero(t, n)

			// IDs keep increasing past the purged one.
			require.NoError(t, s.Enqueue(ctx, "", "c1", []Delivery{{EndpointID: "wh_1", EventID: "ev4", EventType: "permit.applied",
				OrderKey: "permit:p2", Body: []byte("{}"), NextAttemptAt: next, CreatedAt: next}}))
			d4, err := s.Deliveries(ctx, DeliveryQuery{EndpointID: "wh_1", After: "2", Limit: 10})
			require.NoError(t, err)
			require.Len(t, d4, 1)
			require.Equal(t, "4", d4[0].ID)

			n, err = s.PurgeDelivered(ctx, last.Add(time.Millisecond))
			require.NoError(t, err)
			require.Equal(t, 1, n)

			// The deliveries still refer to the endpoints table (SQLite's
			// table swap carried the reference along): deleting an
			// endpoint's row takes its deliveries with it.
			exec(`DELETE FROM webhook_endpoints WHERE id = 'wh_1'`)
			var left int
			require.NoError(t, pool.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries`).Scan(&left))
			require.Zero(t, left)
		})
	}
}
