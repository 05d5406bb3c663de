package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
)

// postgresEnv names the variable that points the tests at a PostgreSQL
// server; without it the PostgreSQL tests skip.
const postgresEnv = "CARERPERMIT_POSTGRES_DSN"

// postgresDSN returns the server's DSN or skips the test.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", postgresEnv)
	}
	return dsn
}

func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// postgresSchema creates a schema of its own for one test and returns a
// DSN whose connections use it (search_path), so that runs never see each
// other's rows. The schema is dropped when the test ends.
func postgresSchema(t testing.TB) string {
	t.Helper()
	dsn := postgresDSN(t)
	schema := randomName("sqlstore_test_")
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = admin.ExecContext(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err, "creating schema %s on %s", schema, dsn)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		require.NoError(t, err, "dropping schema %s", schema)
		require.NoError(t, admin.Close())
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// sqliteFile is a new database file path in the test's temporary directory.
func sqliteFile(t testing.TB) string {
	return filepath.Join(t.TempDir(), "permits.db")
}

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

// The pgx driver must be linked for sql.Open("pgx", ...) above.
var _ = stdlib.GetDefaultDriver
