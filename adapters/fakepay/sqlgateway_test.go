package fakepay_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/permit"
)

// database opens connection pools to one test database, as separate
// server processes would.
type database struct{ sqldbtest.Database }

// databases are the test databases: SQLite always, PostgreSQL when
// configured.
func databases(t *testing.T) map[string]func(t *testing.T) database {
	dbs := map[string]func(t *testing.T) database{"sqlite": func(t *testing.T) database {
		return database{sqldbtest.NewSQLite(t, "pay.db")}
	}}
	if os.Getenv(sqldbtest.PostgresEnv) != "" {
		dbs["postgres"] = func(t *testing.T) database {
			return database{sqldbtest.NewPostgres(t, "fakepay_test_")}
		}
	}
	return dbs
}

func (d database) gateway(t *testing.T) *fakepay.SQLGateway {
	g, err := fakepay.NewSQL(context.Background(), d.Open(t), d.Dialect)
	require.NoError(t, err)
	return g
}

// Issue 11: the simulated gateway as a server wires it keeps its payments
// in the database, so a payment authorised before a restart (or on another
// instance) is captured after it, and ids are never reissued.
func TestSQLGatewaySurvivesRestart(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			first := db.gateway(t)
			p1, err := first.Authorise(ctx, req("authorise:per_1", "55.00"))
			require.NoError(t, err)
			require.Equal(t, permit.PaymentAuthorised, p1.Status)
			require.True(t, strings.HasPrefix(p1.ID, "pay_"))
			require.NotEqual(t, "pay_000001", p1.ID)

			// A new process on the same database.
			second := db.gateway(t)
			again, err := second.Authorise(ctx, req("authorise:per_1", "55.00"))
			require.NoError(t, err)
			samePayment(t, p1, again, "the same key returns the first result after a restart")
			p2, err := second.Authorise(ctx, req("authorise:per_2", "55.00"))
			require.NoError(t, err)
			require.NotEqual(t, p1.ID, p2.ID, "ids are never reissued")

			captured, err := second.Capture(ctx, p1.ID, "capture:per_1")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCaptured, captured.Status)
			replayed, err := first.Capture(ctx, p1.ID, "capture:per_1")
			require.NoError(t, err)
			samePayment(t, captured, replayed)

			refunded, err := first.Refund(ctx, p1.ID, decimal.RequireFromString("20.00"), "refund:per_1")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentRefunded, refunded.Status)
			require.True(t, refunded.Refunded.Equal(decimal.RequireFromString("20")))

			voided, err := first.Void(ctx, p2.ID, "void:per_2")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentVoided, voided.Status)

			got, found, err := second.Payment(ctx, p1.ID)
			require.NoError(t, err)
			require.True(t, found)
			samePayment(t, refunded, got)

			ledger, err := second.Ledger(ctx)
			require.NoError(t, err)
			var ops []string
			for _, e := range ledger {
				ops = append(ops, e.Op+" "+e.Amount.StringFixed(2))
			}
			require.Equal(t, []string{"authorise 55.00", "authorise 55.00", "capture 55.00", "refund 20.00", "void 55.00"}, ops)
		})
	}
}

// samePayment compares payments, amounts as numbers.
func samePayment(t *testing.T, want, got permit.Payment, msg ...any) {
	t.Helper()
	require.Equal(t, want.ID, got.ID, msg...)
	require.Equal(t, want.Status, got.Status, msg...)
	require.True(t, want.Amount.Equal(got.Amount), "amount %s, want %s", got.Amount, want.Amount)
	require.True(t, want.Refunded.Equal(got.Refunded), "refunded %s, want %s", got.Refunded, want.Refunded)
}

func TestSQLGatewayRefusals(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := newDB(t).gateway(t)
			g.Decline = func(r permit.PaymentRequest) string {
				if r.PermitID == "per_declined" {
					return "insufficient funds"
				}
				return ""
			}
			declined := req("authorise:per_declined", "55.00")
			declined.PermitID = "per_declined"
			for _, c := range []struct {
				name string
				call func() error
				want error
			}{
				{"declined", func() error { _, err := g.Authorise(ctx, declined); return err }, permit.ErrPaymentFailed},
				{"declined again, remembered", func() error {
					g.Decline = nil
					_, err := g.Authorise(ctx, declined)
					return err
				}, permit.ErrPaymentFailed},
				{"nothing to pay", func() error { _, err := g.Authorise(ctx, req("authorise:zero", "0")); return err }, permit.ErrValidation},
				{"unknown payment", func() error { _, err := g.Capture(ctx, "pay_nothing", "capture:x"); return err }, permit.ErrNotFound},
				{"void a captured payment", func() error {
					p, err := g.Authorise(ctx, req("authorise:per_3", "10.00"))
					require.NoError(t, err)
					_, err = g.Capture(ctx, p.ID, "capture:per_3")
					require.NoError(t, err)
					_, err = g.Void(ctx, p.ID, "void:per_3")
					return err
				}, permit.ErrInvalidTransition},
				{"key reused for another operation", func() error {
					p, err := g.Authorise(ctx, req("authorise:per_4", "10.00"))
					require.NoError(t, err)
					_, err = g.Void(ctx, p.ID, "authorise:per_4")
					return err
				}, permit.ErrConflict},
				{"refund more than taken", func() error {
					p, err := g.Authorise(ctx, req("authorise:per_5", "10.00"))
					require.NoError(t, err)
					_, err = g.Capture(ctx, p.ID, "capture:per_5")
					require.NoError(t, err)
					_, err = g.Refund(ctx, p.ID, decimal.RequireFromString("10.01"), "refund:per_5")
					return err
				}, permit.ErrValidation},
			} {
				require.ErrorIs(t, c.call(), c.want, c.name)
			}
		})
	}
}

// Concurrent calls with one key, from two instances, move money once.
func TestSQLGatewayConcurrentKeys(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			gs := []*fakepay.SQLGateway{db.gateway(t), db.gateway(t)}
			const n = 8
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					p, err := gs[i%2].Authorise(ctx, req("authorise:per_c", "55.00"))
					require.NoError(t, err)
					ids[i] = p.ID
				})
			}
			wg.Wait()
			for i := range n {
				wg.Go(func() {
					_, err := gs[i%2].Capture(ctx, ids[0], "capture:per_c")
					require.NoError(t, err)
				})
			}
			wg.Wait()
			for _, id := range ids {
				require.Equal(t, ids[0], id)
			}
			ledger, err := gs[0].Ledger(ctx)
			require.NoError(t, err)
			require.Len(t, ledger, 2, "one authorisation and one capture")
		})
	}
}
