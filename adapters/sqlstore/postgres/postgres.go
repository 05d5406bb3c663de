// Package postgres links PostgreSQL (github.com/jackc/pgx/v5 through
// database/sql) into a program for the adapters that keep state in a
// database: importing it, usually for its side effect,
//
//	import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres"
//
// lets adapters/sqlstore.Open take a postgres:// URL, and
// adapters/webhook.NewSQLStore and adapters/fakepay.NewSQL take a
// PostgreSQL *sql.DB. A program that does not import it links no
// PostgreSQL driver. It decides how the store's connections are set up
// (sequential scans off) and what PostgreSQL's errors mean for the
// adapters (a unique violation, a serialization failure to try again, a
// server that cannot be reached).
package postgres

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// DriverName is the database/sql driver name pgx registers, for a program
// that opens its own pool.
const DriverName = "pgx"

func init() {
	sqldb.Register(sqldb.Postgres, sqldb.Driver{
		Open:      open,
		Classify:  classify,
		Retryable: retryable,
		Pipeline:  newPipeline,
	})
}

// open opens a pool for a postgres:// URL with pgx's URL parameters
// (search_path=... puts the tables in a schema of their own). Sequential
// scans are off for its connections unless the URL sets enable_seqscan.
func open(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.RuntimeParams["enable_seqscan"]; !set {
		// Every query of the store has an index. A sequential scan
		// (the planner's choice while a table is small or its
		// statistics are stale) takes a SERIALIZABLE predicate lock
		// on the whole table, so concurrent applications would fail
		// each other's serialization and retry over and over; see
		// PostgreSQL's advice in "Serializable Isolation Level".
		cfg.RuntimeParams["enable_seqscan"] = "off"
	}
	return stdlib.OpenDB(*cfg), nil
}

// retryable: a serialization failure or a deadlock may pass when the
// transaction is tried again.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

// classify says what a PostgreSQL or pgx error means for the adapters.
func classify(err error) sqldb.Kind {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case e.Code == "23505":
			return sqldb.Unique
		case e.Code == "23503":
			return sqldb.ForeignKey
		case e.Code == "40001" || e.Code == "40P01":
			return sqldb.Conflict
		case e.Code == "25006": // read_only_sql_transaction: a standby, or default_transaction_read_only
			return sqldb.ReadOnly
		case e.Code == "53100" || e.Code == "54000": // disk_full, program_limit_exceeded
			return sqldb.Full
		case strings.HasPrefix(e.Code, "08"), strings.HasPrefix(e.Code, "57P"), // connection exception, operator intervention (shutdown)
			e.Code == "3D000", e.Code == "28000", e.Code == "28P01", e.Code == "53300": // no database, auth, too many connections
			return sqldb.Unavailable
		}
		return sqldb.Other
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.Is(err, sql.ErrConnDone) || sqldb.LostConnection(err) {
		return sqldb.Unavailable
	}
	return sqldb.Other
}
