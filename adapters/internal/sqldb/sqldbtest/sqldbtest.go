// Package sqldbtest sets up test databases for the adapters' tests: a
// PostgreSQL schema of its own per test (through search_path), when
// CARERPERMIT_POSTGRES_DSN names a server, and an SQLite file in the
// test's temporary directory. Importing it links both drivers
// (adapters/sqlstore/sqlite and adapters/sqlstore/postgres).
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/adapters/sqlstore/postgres" // links PostgreSQL: the "pgx" database/sql driver
	"github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"   // links SQLite: the "sqlite" database/sql driver
)

// PostgresEnv names the variable that points the tests at a PostgreSQL
// server; without it the PostgreSQL tests skip.
const PostgresEnv = "CARERPERMIT_POSTGRES_DSN"

// PostgresDSN returns the server's DSN or skips the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	return dsn
}

// RandomName is prefix and twelve random hex digits.
func RandomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PostgresSchema creates a schema of its own for one test (named prefix
// and random digits) and returns a DSN whose connections use it
// (search_path), so that runs never see each other's rows. The schema is
// dropped when the test ends. It skips the test without a server.
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	dsn := PostgresDSN(t)
	schema := RandomName(prefix)
	admin, err := sql.Open(postgres.DriverName, dsn)
	require.NoError(t, err)
	_, err = admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema)
	require.NoError(t, err, "creating schema %s", schema)
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

// SQLiteFile is a new database file path, named name, in the test's
// temporary directory.
func SQLiteFile(t testing.TB, name string) string {
	return filepath.Join(t.TempDir(), name)
}

// SQLiteDSN is a modernc.org/sqlite DSN for the file at path with the
// settings adapters/sqlstore.Open uses: WAL, a busy timeout, foreign keys
// and immediate write transactions.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// Database is one test database: how to open another connection pool to
// it (as a second server instance would) and its dialect.
type Database struct {
	Dialect sqldb.Name
	DSN     string
}

// Open opens a connection pool to the database, closed when the test ends.
func (d Database) Open(t testing.TB) *sql.DB {
	t.Helper()
	driver := sqlite.DriverName
	if d.Dialect == sqldb.Postgres {
		driver = postgres.DriverName
	}
	db, err := sql.Open(driver, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// NewSQLite is a new SQLite database file (named name) for one test.
func NewSQLite(t testing.TB, name string) Database {
	return Database{Dialect: sqldb.SQLite, DSN: SQLiteDSN(SQLiteFile(t, name))}
}

// NewPostgres is a new PostgreSQL schema (named prefix and random digits)
// for one test; it skips the test without a server.
func NewPostgres(t testing.TB, prefix string) Database {
	return Database{Dialect: sqldb.Postgres, DSN: PostgresSchema(t, prefix)}
}

// New is a new test database of the kind named: an SQLite file, or a
// PostgreSQL schema (skipping the test without a server); prefix names
// either.
func New(t testing.TB, kind sqldb.Name, prefix string) Database {
	if kind == sqldb.Postgres {
		return NewPostgres(t, prefix)
	}
	return NewSQLite(t, prefix+".db")
}

// OpenAt opens a connection pool to the database with an adapter's
// migrations applied up to version only: an older schema, to fill with
// rows the way older code wrote them and then migrate.
func (d Database) OpenAt(t testing.TB, m sqldb.Migrations, version int64) *sql.DB {
	t.Helper()
	db := d.Open(t)
	dialect, err := sqldb.Lookup("sqldbtest", d.Dialect)
	require.NoError(t, err)
	ctx := context.Background()
	p, err := dialect.Provider(ctx, db, m)
	require.NoError(t, err)
	_, err = p.UpTo(ctx, version)
	require.NoError(t, err)
	return db
}
