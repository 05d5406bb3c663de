package webhook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// database is one test database: another connection pool to it opens as
// a second server instance would.
type database struct{ sqldbtest.Database }

// postgresDatabase makes a schema of its own for one test, dropped when
// the test ends, so runs never see each other's rows.
func postgresDatabase(t testing.TB) database {
	t.Helper()
	return database{sqldbtest.NewPostgres(t, "webhook_test_")}
}

// sqliteDatabase is a new SQLite file with the settings adapters/sqlstore
// uses: WAL, a busy timeout, immediate write transactions.
func sqliteDatabase(t testing.TB) database {
	return database{sqldbtest.NewSQLite(t, "webhooks.db")}
}

func (d database) store(t testing.TB) *webhook.SQLStore {
	t.Helper()
	s, err := webhook.NewSQLStore(context.Background(), d.Open(t), d.Dialect)
	require.NoError(t, err)
	return s
}

// storeKinds are the Store implementations every store test runs on:
// memory, SQLite always, PostgreSQL when configured. newStores returns
// stores sharing one state (one per "server instance").
type storeKind struct {
	name      string
	newStores func(t *testing.T, n int) []webhook.Store
}

func storeKinds() []storeKind {
	return []storeKind{
		{"Memory", func(_ *testing.T, n int) []webhook.Store {
			s := webhook.NewMemoryStore()
			out := make([]webhook.Store, n)
			for i := range out {
				out[i] = s
			}
			return out
		}},
		{"SQLite", func(t *testing.T, n int) []webhook.Store { return sqlStores(t, sqliteDatabase(t), n) }},
		{"Postgres", func(t *testing.T, n int) []webhook.Store { return sqlStores(t, postgresDatabase(t), n) }},
	}
}

func sqlStores(t *testing.T, db database, n int) []webhook.Store {
	out := make([]webhook.Store, n)
	for i := range out {
		out[i] = db.store(t)
	}
	return out
}

// eachStore runs a test on every Store implementation.
func eachStore(t *testing.T, run func(t *testing.T, newStores func(t *testing.T, n int) []webhook.Store)) {
	for _, k := range storeKinds() {
		t.Run(k.name, func(t *testing.T) { run(t, k.newStores) })
	}
}

func oneStore(newStores func(t *testing.T, n int) []webhook.Store, t *testing.T) webhook.Store {
	return newStores(t, 1)[0]
}
