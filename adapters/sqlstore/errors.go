package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// Errors for a database the store cannot use. Each is returned wrapped
// with what the store was doing and the database's own message; check
// with errors.Is.
var (
	// ErrUnavailable: the database cannot be reached or opened (server
	// down or restarting, a dropped connection, wrong address or
	// credentials, a file that cannot be opened, a closed Store). It wraps
	// permit.ErrUnavailable, which the HTTP API answers with 503.
	ErrUnavailable = fmt.Errorf("database %w", permit.ErrUnavailable)
	// ErrReadOnly: the database refuses writes (a read-only file or
	// mount, a PostgreSQL standby or read-only transaction default).
	ErrReadOnly = errors.New("database is read-only")
	// ErrFull: the database has no room for the write (disk full, SQLite's
	// max_page_count reached). Nothing of the transaction is kept.
	ErrFull = errors.New("database is full")
	// ErrSchemaTooNew: the database's schema is from a newer version of
	// this library than the running one. The store refuses it rather than
	// write rows an older layout does not describe. The concrete error is
	// a *SchemaVersionError.
	ErrSchemaTooNew = errors.New("database schema is newer than this program")
	// ErrSchemaNotMigrated: the schema is older than this code and
	// Options.SkipMigrate forbade bringing it up to date. The concrete
	// error is a *SchemaVersionError.
	ErrSchemaNotMigrated = errors.New("database schema is not migrated")
	// ErrNoSchema: PostgreSQL's search_path (from the DSN or the role's
	// settings) names no schema that exists, so the tables have nowhere
	// to go. The message names the missing schema; create it or correct
	// search_path.
	ErrNoSchema = sqldb.ErrNoSchema
)

// SchemaVersionError says the database's schema version is not the one
// this code works with.
type SchemaVersionError struct {
	Found int64 // the database's version (0: no schema yet)
	Known int64 // the newest version this code has migrations for
}

func (e *SchemaVersionError) Error() string {
	if e.Found > e.Known {
		return fmt.Sprintf("sqlstore: database schema version %d is newer than %d, the newest this program knows: upgrade the program (schemas are never migrated down)", e.Found, e.Known)
	}
	return fmt.Sprintf("sqlstore: database schema version %d is older than %d and migrations are skipped: run Migrate", e.Found, e.Known)
}

// Unwrap gives ErrSchemaTooNew or ErrSchemaNotMigrated.
func (e *SchemaVersionError) Unwrap() error {
	if e.Found > e.Known {
		return ErrSchemaTooNew
	}
	return ErrSchemaNotMigrated
}

// describe wraps a database error with what the store was doing and the
// category a caller can act on.
func (s *Store) describe(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	switch s.d.Classify(err) {
	case sqldb.Unique:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, permit.ErrConflict, err)
	case sqldb.ForeignKey:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, permit.ErrNotFound, err)
	case sqldb.Conflict:
		return fmt.Errorf("sqlstore: %s: a concurrent transaction won: %w: %w", op, permit.ErrConflict, err)
	case sqldb.Unavailable:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, ErrUnavailable, err)
	case sqldb.ReadOnly:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, ErrReadOnly, err)
	case sqldb.Full:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, ErrFull, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}
