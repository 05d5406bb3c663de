package govukpay

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

//go:embed migrations
var migrations embed.FS

// VersionTable keeps the schema version of this package's tables, apart
// from the other tables' versions in the same database.
const VersionTable = "govukpay_db_version"

// Dialect names the database a SQLMessageLog is on (adapters/sqlstore's
// dialect names).
type Dialect = sqldb.Name

// SQLMessageLog is a MessageLog in the server's database (SQLite or
// PostgreSQL, table govukpay_notifications), so that every instance on it
// knows which notifications were handled, and a restart forgets none.
// Safe for concurrent use.
type SQLMessageLog struct {
	db      *sql.DB
	dialect *sqldb.Dialect
	now     func() time.Time
}

var _ MessageLog = (*SQLMessageLog)(nil)

// NewSQLMessageLog migrates the table and returns the log. The caller
// owns db; now is the clock handled_at is read from (time.Now when nil).
func NewSQLMessageLog(ctx context.Context, db *sql.DB, dialect Dialect, now func() time.Time) (*SQLMessageLog, error) {
	if db == nil {
		return nil, errors.New("govukpay: NewSQLMessageLog: db is nil")
	}
	d, err := sqldb.Lookup("govukpay: NewSQLMessageLog", dialect)
	if err != nil {
		return nil, err
	}
	p, err := d.Provider(ctx, db, sqldb.Migrations{FS: migrations, Dir: "migrations", Table: VersionTable, Lock: "carerpermit/govukpay"})
	if err != nil {
		return nil, fmt.Errorf("govukpay: %w", err)
	}
	if err := sqldb.Up(ctx, p); err != nil {
		return nil, fmt.Errorf("govukpay: migrating the notification log: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &SQLMessageLog{db: db, dialect: d, now: now}, nil
}

func (l *SQLMessageLog) fail(what string, err error) error {
	if k := l.dialect.Classify(err); k == sqldb.Unavailable || k == sqldb.Conflict {
		return fmt.Errorf("govukpay: %s: %w: %w", what, permit.ErrUnavailable, err)
	}
	return fmt.Errorf("govukpay: %s: %w", what, err)
}

// Handled implements MessageLog.
func (l *SQLMessageLog) Handled(ctx context.Context, id string) (bool, error) {
	var one int
	err := l.db.QueryRowContext(ctx, l.dialect.Rebind(`SELECT 1 FROM govukpay_notifications WHERE message_id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, l.fail("reading the notification log", err)
	}
	return true, nil
}

// MarkHandled implements MessageLog; marking twice is harmless.
func (l *SQLMessageLog) MarkHandled(ctx context.Context, id string) error {
	_, err := l.db.ExecContext(ctx, l.dialect.Rebind(`INSERT INTO govukpay_notifications (message_id, handled_at) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING`),
		id, l.dialect.Instant(l.now()))
	if err != nil {
		return l.fail("writing the notification log", err)
	}
	return nil
}

// Forget deletes the records of notifications handled before the
// instant (Pay stops sending a notification again after about three
// days) and says how many it deleted: for a server's due jobs.
func (l *SQLMessageLog) Forget(ctx context.Context, before time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, l.dialect.Rebind(`DELETE FROM govukpay_notifications WHERE handled_at < ?`), l.dialect.Instant(before))
	if err != nil {
		return 0, l.fail("forgetting old notifications", err)
	}
	return res.RowsAffected()
}
