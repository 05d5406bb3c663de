// Package sqldb is the SQL plumbing shared by the adapters that keep state
// in a database (sqlstore, webhook, fakepay): which database a connection
// pool is on and what differs between them (placeholders, transaction
// options, locking clauses, error codes), goose migrations from embedded
// files under a lock, and the one way an instant is stored. It holds no
// domain rules and imports no domain package.
//
// It links no database driver: the driver packages
// (adapters/sqlstore/sqlite, adapters/sqlstore/postgres) Register theirs
// when a program imports them, so a program links only the databases it
// runs on.
package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/pressly/goose/v3"
)

// Name names a database kind. The adapters export it as their Dialect
// type, so one store's dialect can be passed to another.
type Name string

// The databases the adapters run on.
const (
	SQLite   Name = "sqlite"   // modernc.org/sqlite
	Postgres Name = "postgres" // github.com/jackc/pgx/v5/stdlib
)

// Driver is what a database driver package gives the adapters: how to
// open a connection pool and what the driver's errors mean.
type Driver struct {
	// Open opens a connection pool for a DSN in the driver's own form.
	Open func(dsn string) (*sql.DB, error)
	// Classify says what an error of the driver means (Unique,
	// Conflict, Unavailable, ...); LostConnection and Other otherwise.
	Classify func(err error) Kind
	// Retryable reports an error that trying the transaction again may
	// cure: a serialization failure or deadlock, a busy database.
	Retryable func(err error) bool
	// Pipeline, when not nil, drives a connection of a pool the driver
	// opened natively (see Pipeline); driverConn is what database/sql's
	// Conn.Raw gives. It reports false for a connection it cannot drive.
	Pipeline func(driverConn any) (Pipeline, bool)
}

var (
	driversMu sync.RWMutex
	drivers   = map[Name]Driver{}
)

// Register makes a driver the one for a database kind. The driver
// packages call it from init; registering a kind twice, or a driver with
// a missing function, panics (as database/sql.Register does).
func Register(name Name, d Driver) {
	if name != SQLite && name != Postgres {
		panic(fmt.Sprintf("sqldb: Register: unknown dialect %q", string(name)))
	}
	if d.Open == nil || d.Classify == nil || d.Retryable == nil {
		panic(fmt.Sprintf("sqldb: Register %q: Open, Classify and Retryable are all required", string(name)))
	}
	driversMu.Lock()
	defer driversMu.Unlock()
	if _, dup := drivers[name]; dup {
		panic(fmt.Sprintf("sqldb: Register called twice for %q", string(name)))
	}
	drivers[name] = d
}

// DriverPackage is the package a program imports to link a database kind.
func DriverPackage(name Name) string {
	return "github.com/carerpermit/carerpermit/adapters/sqlstore/" + map[Name]string{SQLite: "sqlite", Postgres: "postgres"}[name]
}

// Registered returns the driver of a database kind; an unknown kind or one
// whose driver this program does not link is an error saying what to
// import. who prefixes the error ("sqlstore: Open: ...").
func Registered(who string, name Name) (Driver, error) {
	if name != SQLite && name != Postgres {
		return Driver{}, fmt.Errorf("%s: unknown dialect %q: want %q or %q", who, string(name), SQLite, Postgres)
	}
	driversMu.RLock()
	d, ok := drivers[name]
	driversMu.RUnlock()
	if !ok {
		return Driver{}, fmt.Errorf("%s: this program links no %s driver: import _ %q", who, string(name), DriverPackage(name))
	}
	return d, nil
}

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
	pipeline  func(driverConn any) (Pipeline, bool)
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
	}
)

// Lookup returns the dialect of a database kind with its registered
// driver's error classes; an unknown name, or one whose driver the
// program does not link, is an error saying what to do. who prefixes the
// error ("webhook: ...").
func Lookup(who string, name Name) (*Dialect, error) {
	drv, err := Registered(who, name)
	if err != nil {
		return nil, err
	}
	d := *postgresDialect
	if name == SQLite {
		d = *sqliteDialect
	}
	d.classify, d.retryable, d.pipeline = drv.Classify, drv.Retryable, drv.Pipeline
	return &d, nil
}

// Pipeline drives a connection natively (see Pipeline): false when the
// driver has no such path or cannot drive this connection.
func (d *Dialect) Pipeline(driverConn any) (Pipeline, bool) {
	if d.pipeline == nil {
		return nil, false
	}
	return d.pipeline(driverConn)
}

// Pipelines reports whether the driver drives connections natively.
func (d *Dialect) Pipelines() bool { return d.pipeline != nil }

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

// LostConnection reports an error of a connection that went away under a
// query — the server restarted or the network dropped — or of a pool that
// was closed: the database cannot be used right now. (A driver's
// Classify adds its own signs, such as pgx's timeouts.)
func LostConnection(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "conn closed")
}
