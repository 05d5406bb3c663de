package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// Open connects to the database a DSN names and returns a Store that owns
// the connections (Close releases them). The program links the drivers of
// the databases it opens by importing adapters/sqlstore/sqlite,
// adapters/sqlstore/postgres or both; a DSN for a database whose driver
// is not linked is an error saying which package to import.
//
//   - "postgres://..." or "postgresql://..." is PostgreSQL through pgx, with
//     pgx's URL parameters (search_path=... puts the tables in a schema of
//     their own). Open turns the planner's sequential scans off for its
//     connections (enable_seqscan=off, unless the DSN sets it): a
//     sequential scan locks a whole table against SERIALIZABLE writers;
//   - anything else is an SQLite database file, as a path or as a "file:"
//     URI; it is created when missing. Open sets WAL journal mode,
//     synchronous=FULL (an acknowledged write survives a crash or power
//     loss), a busy timeout, foreign keys and immediate write
//     transactions; parameters of a "file:" URI are applied after those,
//     so a URI can add pragmas (for example _pragma=max_page_count(n)).
//     A new file is created readable and writable by its owner only
//     (0600), and so are its -wal and -shm files, which SQLite creates
//     with the database file's permissions: it holds personal data.
//
// The schema is migrated unless opts.SkipMigrate. A database that cannot
// be reached gives an error wrapping ErrUnavailable; a PostgreSQL
// search_path that names no schema that exists, one wrapping ErrNoSchema
// that says which schema is missing.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var (
		db      *sql.DB
		dialect Dialect
		conns   = o.MaxOpenConns
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		drv, err := sqldb.Registered("sqlstore: Open", Postgres)
		if err != nil {
			return nil, err
		}
		// The driver turns sequential scans off (see
		// adapters/sqlstore/postgres).
		if db, err = drv.Open(dsn); err != nil {
			return nil, fmt.Errorf("sqlstore: PostgreSQL DSN: %w", err)
		}
		dialect = Postgres
		if conns <= 0 {
			conns = 10
		}
	case dsn == "":
		return nil, fmt.Errorf("sqlstore: Open: empty DSN: give a PostgreSQL URL or an SQLite file path")
	default:
		drv, err := sqldb.Registered("sqlstore: Open", SQLite)
		if err != nil {
			return nil, err
		}
		name, err := sqliteDSN(dsn, o.BusyTimeout)
		if err != nil {
			return nil, err
		}
		if err := createPrivate(sqlitePath(dsn)); err != nil {
			return nil, err
		}
		if db, err = drv.Open(name); err != nil {
			return nil, fmt.Errorf("sqlstore: SQLite: %w", err)
		}
		dialect = SQLite
		if conns <= 0 {
			conns = 8
		}
	}
	db.SetMaxOpenConns(conns)
	// Idle connections are kept: reconnecting to PostgreSQL (or reopening
	// an SQLite file with its pragmas) on every burst costs more than the
	// transaction.
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s, err := New(ctx, db, dialect, &o)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.ownDB = true
	return s, nil
}

// sqliteDSN turns a path or "file:" URI into modernc.org/sqlite's DSN with
// the store's settings first.
func sqliteDSN(dsn string, busy time.Duration) (string, error) {
	if busy <= 0 {
		busy = 10 * time.Second
	}
	ours := url.Values{}
	// busy_timeout first: the pragmas after it may wait for a lock.
	ours.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	ours.Add("_pragma", "journal_mode(WAL)")
	ours.Add("_pragma", "synchronous(FULL)")
	ours.Add("_pragma", "foreign_keys(1)")
	// Deleted and overwritten content is zeroed in the file, not left in
	// free space where a copy of the file would still show it: what
	// anonymisation and retention delete must be gone (docs/PRIVACY.md).
	ours.Add("_pragma", "secure_delete(1)")
	ours.Set("_txlock", "immediate")

	name, query := "", ""
	if strings.HasPrefix(dsn, "file:") {
		name, query, _ = strings.Cut(dsn, "?")
	} else {
		// A path becomes a URI; characters that mean something in a URI
		// are escaped.
		name = "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(dsn)
	}
	theirs, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlstore: SQLite DSN %s: %w", quote(dsn), err)
	}
	parts := []string{encodeValues(ours, theirs)}
	if len(theirs) > 0 {
		parts = append(parts, theirs.Encode())
	}
	return name + "?" + strings.Join(parts, "&"), nil
}

// encodeValues encodes ours without the single-valued keys theirs sets.
func encodeValues(ours, theirs url.Values) string {
	v := url.Values{}
	for k, vs := range ours {
		if _, ok := theirs[k]; ok && k != "_pragma" {
			continue
		}
		v[k] = vs
	}
	return v.Encode()
}

// sqlitePath is the file an SQLite DSN names, or "" for an in-memory
// database or a URI it cannot read.
func sqlitePath(dsn string) string {
	if !strings.HasPrefix(dsn, "file:") {
		if dsn == ":memory:" {
			return ""
		}
		return dsn
	}
	name, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if v, err := url.ParseQuery(query); err != nil || v.Get("mode") == "memory" || v.Get("vfs") != "" {
		return ""
	}
	path, err := url.PathUnescape(name)
	if err != nil || path == "" || path == ":memory:" {
		return ""
	}
	return path
}

// createPrivate creates an empty file at path, readable and writable by
// its owner only, unless there is one already (whose permissions are left
// as they are: its owner chose them).
func createPrivate(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: creating the SQLite file: %w: %w", ErrUnavailable, err)
	}
	return f.Close()
}
