package sqlstore

import (
	"embed"
	"fmt"
	"strconv"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// Dialect names the database a Store is on. It is the same type as
// adapters/webhook's and adapters/fakepay's Dialect, so a server passes one
// store's dialect to the others.
type Dialect = sqldb.Name

// The databases a Store runs on.
const (
	SQLite   Dialect = sqldb.SQLite   // modernc.org/sqlite
	Postgres Dialect = sqldb.Postgres // github.com/jackc/pgx/v5/stdlib
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migrations are the store's schema, versioned in versionTable.
var migrations = sqldb.Migrations{FS: migrationFiles, Dir: "migrations", Table: versionTable, Lock: "carerpermit/sqlstore"}

// dialect is the shared dialect (placeholders, transactions, errors,
// instants) and what differs for the store's own queries.
type dialect struct {
	*sqldb.Dialect
	name Dialect
	// eventsQuery selects the feed after an event ID.
	eventsQuery string
	// feedLock: ids of the feed are drawn under an advisory lock taken
	// at the first event of a transaction (see Store.Events).
	feedLock bool
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
	d, err := sqldb.Lookup("sqlstore", name)
	if err != nil {
		return nil, err
	}
	out := &dialect{Dialect: d, name: name,
		eventsQuery: d.Rebind(`SELECT id, type, at, actor, permit_id, account_id, data, resources FROM events WHERE id > ? ORDER BY id LIMIT ?`)}
	// Where writers run at once (PostgreSQL), ids are taken under the
	// feed lock at commit (see flushEvents), so id order is commit order
	// and a reader paging by id skips nothing; a single writer commits in
	// id order already.
	out.feedLock = !d.SingleWriter()
	return out, nil
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

func badCursor(s string) error {
	return fmt.Errorf("sqlstore: event cursor %s is not one this store gave out: %w", quote(s), &permit.ValidationError{
		Fields: []permit.FieldError{{Field: "after", Code: "invalid_cursor", Detail: "The cursor " + quote(s) + " is not an event ID from this feed."}},
	})
}
