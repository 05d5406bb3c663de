package sqlstore

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/carerpermit/carerpermit/permit"
)

// Dialect names the database a Store is on.
type Dialect string

// The databases a Store runs on.
const (
	SQLite   Dialect = "sqlite"   // modernc.org/sqlite
	Postgres Dialect = "postgres" // github.com/jackc/pgx/v5/stdlib
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// dialect holds everything that differs between the databases: the
// queries are written once with ? placeholders and rebound here.
type dialect struct {
	name       Dialect
	goose      goose.Dialect
	migrations fs.FS
	writeTx    *sql.TxOptions
	readTx     *sql.TxOptions
	rebind     func(q string) string
	// instant is how a point in time is passed to the database.
	instant func(t time.Time) any
	// eventsQuery selects the feed after an event ID.
	eventsQuery string
	retryable   func(err error) bool
	classify    func(err error) errorKind
}

// An event ID is also a cursor: the event's id, fixed-width so that IDs
// increase in feed order as strings as well as numbers.
const cursorDigits = 19 // int64's decimal digits

// parseCursor reads a cursor: "" is the start of the feed.
func parseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) != cursorDigits || !digits(s) {
		return 0, badCursor(s)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badCursor(s)
	}
	return id, nil
}

func eventID(id int64) string { return fmt.Sprintf("%0*d", cursorDigits, id) }

func dialectFor(name Dialect) (*dialect, error) {
	switch name {
	case SQLite:
		return sqliteDialect(), nil
	case Postgres:
		return postgresDialect(), nil
	}
	return nil, fmt.Errorf("sqlstore: unknown dialect %q: want %q or %q", string(name), SQLite, Postgres)
}

func subFS(dir string) fs.FS {
	f, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		panic("sqlstore: embedded migrations missing: " + err.Error()) // the build embeds them
	}
	return f
}

// digits reports whether s is ASCII digits only (no sign, no spaces).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func sqliteDialect() *dialect {
	return &dialect{
		name:       SQLite,
		goose:      goose.DialectSQLite3,
		migrations: subFS("migrations/sqlite"),
		// _txlock=immediate (set by Open) makes a write transaction take
		// the write lock at BEGIN, so two writers never both read and then
		// fail to upgrade (SQLITE_BUSY mid-transaction).
		writeTx: &sql.TxOptions{},
		readTx:  &sql.TxOptions{ReadOnly: true},
		rebind:  func(q string) string { return q },
		instant: func(t time.Time) any {
			if t.IsZero() {
				return nil
			}
			return formatInstant(t)
		},
		eventsQuery: `SELECT id, type, at, actor, permit_id, account_id, data FROM events WHERE id > ? ORDER BY id LIMIT ?`,
		retryable: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
		},
		classify: classifySQLite,
	}
}

func postgresDialect() *dialect {
	return &dialect{
		name:       Postgres,
		goose:      goose.DialectPostgres,
		migrations: subFS("migrations/postgres"),
		// SERIALIZABLE makes the rules' reads and the writes they lead to
		// one atomic step across server instances, as memstore's lock does
		// in one process: no limit or free slot is won on a stale read.
		writeTx: &sql.TxOptions{Isolation: sql.LevelSerializable},
		readTx:  &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		rebind:  rebindDollar,
		instant: func(t time.Time) any {
			if t.IsZero() {
				return nil
			}
			return t.UTC().Truncate(time.Microsecond)
		},
		// Ids are taken under the feed lock at commit (see flushEvents), so
		// id order is commit order and a reader paging by id skips nothing.
		eventsQuery: `SELECT id, type, at, actor, permit_id, account_id, data FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
		retryable: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
		},
		classify: classifyPostgres,
	}
}

func badCursor(s string) error {
	return fmt.Errorf("sqlstore: event cursor %s is not one this store gave out: %w", quote(s), &permit.ValidationError{
		Fields: []permit.FieldError{{Field: "after", Code: "invalid_cursor", Detail: "The cursor " + quote(s) + " is not an event ID from this feed."}},
	})
}

// rebindDollar turns ? placeholders into $1, $2... (no query here has a ?
// inside a string literal).
func rebindDollar(q string) string {
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

// errorKind is what a database error means for the caller.
type errorKind int

const (
	kindOther errorKind = iota
	kindUnique
	kindForeignKey
	kindConflict // serialization failure, deadlock, busy
	kindUnavailable
	kindReadOnly
	kindFull
)

func classifySQLite(err error) errorKind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		if strings.Contains(err.Error(), "sql: database is closed") {
			return kindUnavailable
		}
		return kindOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return kindUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return kindForeignKey
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return kindConflict
	case sqlite3.SQLITE_READONLY:
		return kindReadOnly
	case sqlite3.SQLITE_FULL:
		return kindFull
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return kindUnavailable
	}
	return kindOther
}

func classifyPostgres(err error) errorKind {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case e.Code == "23505":
			return kindUnique
		case e.Code == "23503":
			return kindForeignKey
		case e.Code == "40001" || e.Code == "40P01":
			return kindConflict
		case e.Code == "25006": // read_only_sql_transaction: a standby, or default_transaction_read_only
			return kindReadOnly
		case e.Code == "53100" || e.Code == "54000": // disk_full, program_limit_exceeded
			return kindFull
		case strings.HasPrefix(e.Code, "08"), strings.HasPrefix(e.Code, "57P"), // connection exception, operator intervention (shutdown)
			e.Code == "3D000", e.Code == "28000", e.Code == "28P01", e.Code == "53300": // no database, auth, too many connections
			return kindUnavailable
		}
		return kindOther
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, sql.ErrConnDone) || lostConnection(err) {
		return kindUnavailable
	}
	return kindOther
}

// lostConnection reports an error of a connection that went away under a
// query — the server restarted or the network dropped — or of a pool that
// was closed: the database cannot be used right now.
func lostConnection(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.Timeout(err) || strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "conn closed")
}
