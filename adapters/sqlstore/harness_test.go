package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
)

// postgresDSN returns the server's DSN or skips the test.
func postgresDSN(t testing.TB) string { return sqldbtest.PostgresDSN(t) }

// postgresSchema creates a schema of its own for one test and returns a
// DSN whose connections use it (search_path), so that runs never see each
// other's rows. The schema is dropped when the test ends.
func postgresSchema(t testing.TB) string { return sqldbtest.PostgresSchema(t, "sqlstore_test_") }

// sqliteFile is a new database file path in the test's temporary directory.
func sqliteFile(t testing.TB) string { return sqldbtest.SQLiteFile(t, "permits.db") }

// openStore opens a store and closes it when the test ends.
func openStore(t testing.TB, dsn string, opts *sqlstore.Options) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

// stores are the databases a test runs on: SQLite always, PostgreSQL when
// the server is configured. Each gets a fresh database.
func stores(t *testing.T, run func(t *testing.T, newDSN func(testing.TB) string)) {
	t.Run("SQLite", func(t *testing.T) { run(t, sqliteFile) })
	t.Run("Postgres", func(t *testing.T) {
		postgresDSN(t)
		run(t, postgresSchema)
	})
}

type harness struct{ newDSN func(testing.TB) string }

func (h harness) MakeStore(ctx context.Context, t *testing.T) (permit.Store, error) {
	st, err := sqlstore.Open(ctx, h.newDSN(t), nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st, nil
}

func TestConformanceSQLite(t *testing.T) {
	permittest.RunStoreTests(t, func(context.Context, *testing.T) (permittest.Harness, error) {
		return harness{newDSN: sqliteFile}, nil
	})
}

func TestConformancePostgres(t *testing.T) {
	postgresDSN(t)
	permittest.RunStoreTests(t, func(context.Context, *testing.T) (permittest.Harness, error) {
		return harness{newDSN: postgresSchema}, nil
	})
}
