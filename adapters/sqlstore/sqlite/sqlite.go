// Package sqlite links SQLite (modernc.org/sqlite, pure Go) into a
// program for the adapters that keep state in a database: importing it,
// usually for its side effect,
//
//	import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"
//
// lets adapters/sqlstore.Open take an SQLite file, and
// adapters/webhook.NewSQLStore and adapters/fakepay.NewSQL take an SQLite
// *sql.DB. A program that does not import it links no SQLite. It decides
// what SQLite's errors mean for the adapters (a unique violation, a busy
// database to try again, a file that cannot be opened).
package sqlite

import (
	"database/sql"
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// DriverName is the database/sql driver name modernc.org/sqlite
// registers, for a program that opens its own pool.
const DriverName = "sqlite"

func init() {
	sqldb.Register(sqldb.SQLite, sqldb.Driver{
		Open:      func(dsn string) (*sql.DB, error) { return sql.Open(DriverName, dsn) },
		Classify:  classify,
		Retryable: retryable,
	})
}

// retryable: a busy database (another writer holds it past the busy
// timeout) may be free when the transaction is tried again.
func retryable(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// classify says what an SQLite error means for the adapters.
func classify(err error) sqldb.Kind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		if strings.Contains(err.Error(), "sql: database is closed") {
			return sqldb.Unavailable
		}
		return sqldb.Other
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return sqldb.Unique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqldb.ForeignKey
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return sqldb.Conflict
	case sqlite3.SQLITE_READONLY:
		return sqldb.ReadOnly
	case sqlite3.SQLITE_FULL:
		return sqldb.Full
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return sqldb.Unavailable
	}
	return sqldb.Other
}
