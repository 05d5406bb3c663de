// Package sqldb is the SQL plumbing shared by the adapters that keep state
// in a database (sqlstore, webhook, fakepay): which database a connection
// pool is on and what differs between them (placeholders, transaction
// options, locking clauses, error codes), goose migrations from embedded
// files under a lock, and the one way an instant is stored. It holds no
// domain rules and imports no domain package.
package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Name names a database kind. The adapters export it as their Dialect
// type, so one store's dialect can be passed to another.
type Name string

// The databases the adapters run on.
const (
	SQLite   Name = "sqlite"   // modernc.org/sqlite
	Postgres Name = "postgres" // github.com/jackc/pgx/v5/stdlib
)

// Dialect holds everything that differs between the databases: queries
// are written once with ? placeholders and rebound here.
type Dialect struct {
	name    Name
	goose   goose.Dialect
	writeTx *sql.TxOptions
	readTx  *sql.TxOptions
	rebind  func(q string) string
	// forUpdate and forShare are the row-locking suffixes of a SELECT;
	// skipLocked locks for update and passes over rows locked already.
	forUpdate, forShare, skipLocked string
	// singleWriter: one writer at a time (SQLite).
	singleWriter bool
	// prepare: statements are worth preparing once per pool.
	prepare bool
	// analyze refreshes the planner's statistics; atClose is run (best
	// effort) when a pool closes.
	analyze, atClose string
	// distinct is the null-safe "differs from" comparison.
	distinct  string
	classify  func(err error) Kind
	retryable func(err error) bool
}

var (
	sqliteDialect = &Dialect{
		name:  SQLite,
		goose: goose.DialectSQLite3,
		// _txlock=immediate (in the DSN) makes a write transaction take
		// the write lock at BEGIN, so two writers never both read and
		// then fail to upgrade (SQLITE_BUSY mid-transaction).
		writeTx: &sql.TxOptions{},
		readTx:  &sql.TxOptions{ReadOnly: true},
		rebind:  func(q string) string { return q },
		// No row-locking suffixes: SQLite has one writer, and an
		// immediate transaction already holds every row it reads.
		singleWriter: true,
		// Parsing SQL is a quarter of an apply's CPU on SQLite.
		prepare: true,
		analyze: `PRAGMA optimize`,
		// SQLite's advice for long-lived connections: refresh the
		// planner's statistics where they have drifted, at close.
		atClose:  `PRAGMA optimize`,
		distinct: "IS NOT",
		classify: ClassifySQLite,
		retryable: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
		},
	}
	postgresDialect = &Dialect{
		name:  Postgres,
		goose: goose.DialectPostgres,
		// SERIALIZABLE makes the reads of a write transaction and the
		// writes they lead to one atomic step across server instances.
		writeTx:    &sql.TxOptions{Isolation: sql.LevelSerializable},
		readTx:     &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		rebind:     RebindDollar,
		forUpdate:  " FOR UPDATE",
		forShare:   " FOR SHARE",
		skipLocked: " FOR UPDATE SKIP LOCKED",
		// pgx caches prepared statements itself.
		analyze:  `ANALYZE`,
		distinct: "IS DISTINCT FROM",
		classify: classifyPostgres,
		retryable: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
		},
	}
)

// Lookup returns the dialect of a database kind; an unknown name is an
// error naming the ones there are. who prefixes the error ("webhook: ...").
func Lookup(who string, name Name) (*Dialect, error) {
	switch name {
	case SQLite:
		return sqliteDialect, nil
	case Postgres:
		return postgresDialect, nil
	}
	return nil, fmt.Errorf("%s: unknown dialect %q: want %q or %q", who, string(name), SQLite, Postgres)
}

// Name is the database kind.
func (d *Dialect) Name() Name { return d.name }

// Rebind rewrites a query written with ? placeholders for the database
// ($1, $2, ... on PostgreSQL). Queries hold no ? of their own.
func (d *Dialect) Rebind(q string) string { return d.rebind(q) }

// WriteTx is the options of a read-write transaction: SERIALIZABLE on
// PostgreSQL; on SQLite the DSN's _txlock=immediate does the work.
func (d *Dialect) WriteTx() *sql.TxOptions { return d.writeTx }

// ReadTx is the options of a read-only transaction (a snapshot).
func (d *Dialect) ReadTx() *sql.TxOptions { return d.readTx }

// ForUpdate is the suffix that locks the rows a SELECT reads until the
// transaction ends (" FOR UPDATE"; "" on SQLite, whose immediate write
// transaction already holds the database).
func (d *Dialect) ForUpdate() string { return d.forUpdate }

// ForShare is the suffix that keeps the rows a SELECT reads from being
// changed or deleted until the transaction ends ("" on SQLite).
func (d *Dialect) ForShare() string { return d.forShare }

// ForUpdateSkipLocked is the suffix that locks the rows a SELECT reads and
// passes over rows another transaction holds (" FOR UPDATE SKIP LOCKED"),
// so that workers claiming at once take different rows; "" on SQLite,
// whose writers take turns.
func (d *Dialect) ForUpdateSkipLocked() string { return d.skipLocked }

// PrepareStatements reports whether a store should prepare its frequent
// statements once (SQLite, where parsing is a large share of the work;
// pgx caches PostgreSQL's statements itself).
func (d *Dialect) PrepareStatements() bool { return d.prepare }

// Analyze is the statement that refreshes the query planner's statistics,
// as after a bulk load ("ANALYZE"; SQLite's "PRAGMA optimize").
func (d *Dialect) Analyze() string { return d.analyze }

// AtClose is a statement worth running, best effort, when a long-lived
// pool closes ("PRAGMA optimize" on SQLite), or "".
func (d *Dialect) AtClose() string { return d.atClose }

// IsDistinctFrom is the null-safe inequality operator ("IS DISTINCT
// FROM"; SQLite's "IS NOT").
func (d *Dialect) IsDistinctFrom() string { return d.distinct }

// SingleWriter reports whether the database lets one writer in at a time
// (SQLite): writers queue in the process instead of failing each other.
func (d *Dialect) SingleWriter() bool { return d.singleWriter }

// Retryable reports an error that trying the transaction again may cure:
// a serialization failure or deadlock (PostgreSQL), a busy database
// (SQLite).
func (d *Dialect) Retryable(err error) bool { return d.retryable(err) }

// Classify says what a database error means for the caller.
func (d *Dialect) Classify(err error) Kind { return d.classify(err) }

// RebindDollar turns ? placeholders into $1, $2, ...
func RebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Kind is what a database error means for the caller.
type Kind int

// The kinds of database error.
const (
	Other       Kind = iota
	Unique           // a unique or primary key violation
	ForeignKey       // a foreign key violation
	Conflict         // serialization failure, deadlock, busy: try again
	Unavailable      // the database cannot be reached or opened
	ReadOnly         // the database refuses writes
	Full             // no room for the write
)

// ClassifySQLite is Classify for modernc.org/sqlite's errors.
func ClassifySQLite(err error) Kind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		if strings.Contains(err.Error(), "sql: database is closed") {
			return Unavailable
		}
		return Other
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return Unique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return ForeignKey
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return Conflict
	case sqlite3.SQLITE_READONLY:
		return ReadOnly
	case sqlite3.SQLITE_FULL:
		return Full
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return Unavailable
	}
	return Other
}

func classifyPostgres(err error) Kind {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case e.Code == "23505":
			return Unique
		case e.Code == "23503":
			return ForeignKey
		case e.Code == "40001" || e.Code == "40P01":
			return Conflict
		case e.Code == "25006": // read_only_sql_transaction: a standby, or default_transaction_read_only
			return ReadOnly
		case e.Code == "53100" || e.Code == "54000": // disk_full, program_limit_exceeded
			return Full
		case strings.HasPrefix(e.Code, "08"), strings.HasPrefix(e.Code, "57P"), // connection exception, operator intervention (shutdown)
			e.Code == "3D000", e.Code == "28000", e.Code == "28P01", e.Code == "53300": // no database, auth, too many connections
			return Unavailable
		}
		return Other
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, sql.ErrConnDone) || LostConnection(err) {
		return Unavailable
	}
	return Other
}

// LostConnection reports an error of a connection that went away under a
// query — the server restarted or the network dropped — or of a pool that
// was closed: the database cannot be used right now.
func LostConnection(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.Timeout(err) || strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "conn closed")
}
