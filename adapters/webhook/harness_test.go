package webhook_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// postgresEnv names the variable that points the tests at a PostgreSQL
// server; without it the PostgreSQL tests skip.
const postgresEnv = "CARERPERMIT_POSTGRES_DSN"

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

// database is one test database: how to open another connection pool to
// it (as a second server instance would) and its dialect.
type database struct {
	open    func(t testing.TB) *sql.DB
	dialect webhook.Dialect
}

// postgresDatabase makes a schema of its own for one test, dropped when
// the test ends, so runs never see each other's rows.
func postgresDatabase(t testing.TB) database {
	t.Helper()
	dsn := postgresDSN(t)
	schema := randomName("webhook_test_")
	admin, err := sql.Open("pgx", dsn)
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
	return database{dialect: webhook.Postgres, open: func(t testing.TB) *sql.DB {
		db, err := sql.Open("pgx", u.String())
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}}
}

// sqliteDatabase is a new SQLite file with the settings adapters/sqlstore
// uses: WAL, a busy timeout, immediate write transactions.
func sqliteDatabase(t testing.TB) database {
	path := filepath.Join(t.TempDir(), "webhooks.db")
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	return database{dialect: webhook.SQLite, open: func(t testing.TB) *sql.DB {
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}}
}

func (d database) store(t testing.TB) *webhook.SQLStore {
	t.Helper()
	s, err := webhook.NewSQLStore(context.Background(), d.open(t), d.dialect)
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
