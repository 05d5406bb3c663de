// Package notifyoutbox decides when a message to a resident is handed to
// the provider that sends it: never in the request that caused it. Its
// Outbox is a permit.Notifier that only records the message in the
// server's database (table notify_outbox, SQLite or PostgreSQL), which
// takes the time of one insert; a sender (Run, or Drain from the due jobs)
// hands recorded messages to the real Notifier (adapters/govuknotify) and
// records what happened. A message the provider could not take now is
// tried again later with a growing pause, for ever; one it refuses for
// good (Options.Permanent) is kept as failed and reported
// (Options.Failed). Nothing is discarded, and a restart or another
// instance on the same database carries on where it stopped.
package notifyoutbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

//go:embed migrations
var migrations embed.FS

// VersionTable keeps the schema version of this package's table.
const VersionTable = "notifyoutbox_db_version"

// Dialect names the database (adapters/sqlstore's dialect names).
type Dialect = sqldb.Name

// Message states.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Options tune an Outbox; the zero value is usable.
type Options struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Permanent reports whether a send error means the provider will never
	// take the message (govuknotify.ErrPermanent: a bad number, a missing
	// template); such a message is kept as failed. Nil: every error is
	// retried.
	Permanent func(error) bool
	// Failed is told of each message kept as failed; nil tells nothing.
	Failed func(m permit.Message, err error)
	// FirstRetry is the pause after a first failure (default 30 s),
	// doubling each time up to MaxRetry (default 1 h).
	FirstRetry, MaxRetry time.Duration
	// Lease is how long a sender holds a message it is sending before
	// another may take it (default 2 min, above a send's own time limit).
	Lease time.Duration
	// Batch is how many due messages one Drain takes (default 100).
	Batch int
	// LockWriter, when set, is held around each write: a SQLite store's
	// own writer lock (sqlstore.Store.LockWriter), so that the outbox's
	// writes queue behind the store's rather than collide with them.
	LockWriter func(ctx context.Context) (unlock func(), err error)
}

// Outbox records messages and sends them later. Safe for concurrent use.
type Outbox struct {
	db   *sql.DB
	d    *sqldb.Dialect
	next permit.Notifier
	o    Options
	wake chan struct{}
}

var (
	_ permit.Notifier   = (*Outbox)(nil)
	_ permit.MessageLog = (*Outbox)(nil)
)

// New migrates the table and returns an Outbox sending through next. The
// caller owns db.
func New(ctx context.Context, db *sql.DB, dialect Dialect, next permit.Notifier, opts *Options) (*Outbox, error) {
	if db == nil || next == nil {
		return nil, errors.New("notifyoutbox: New: db and next are required")
	}
	d, err := sqldb.Lookup("notifyoutbox: New", dialect)
	if err != nil {
		return nil, err
	}
	p, err := d.Provider(ctx, db, sqldb.Migrations{FS: migrations, Dir: "migrations", Table: VersionTable, Lock: "carerpermit/notifyoutbox"})
	if err != nil {
		return nil, fmt.Errorf("notifyoutbox: %w", err)
	}
	if err := sqldb.Up(ctx, p); err != nil {
		return nil, fmt.Errorf("notifyoutbox: migrating the outbox: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FirstRetry <= 0 {
		o.FirstRetry = 30 * time.Second
	}
	if o.MaxRetry <= 0 {
		o.MaxRetry = time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	return &Outbox{db: db, d: d, next: next, o: o, wake: make(chan struct{}, 1)}, nil
}

func (b *Outbox) fail(what string, err error) error {
	if k := b.d.Classify(err); k == sqldb.Unavailable || k == sqldb.Conflict {
		return fmt.Errorf("notifyoutbox: %s: %w: %w", what, permit.ErrUnavailable, err)
	}
	return fmt.Errorf("notifyoutbox: %s: %w", what, err)
}

// newID is unique and, within an instance, increasing, so that messages
// recorded at the same instant are sent in the order they were recorded.
func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("msg_%016x%s", time.Now().UnixNano(), hex.EncodeToString(b[:]))
}

// Notify implements permit.Notifier: it records m to be sent and wakes
// the sender. A message without an ID gets the outbox's, which the
// provider is given as its reference (never personal data), so a send
// whose answer was lost is recognised rather than repeated.
func (b *Outbox) Notify(ctx context.Context, m permit.Message) error {
	id := newID()
	if m.ID == "" {
		m.ID = id
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notifyoutbox: encoding the message: %w", err)
	}
	now := b.d.Instant(b.o.Now())
	_, err = b.exec(ctx, `INSERT INTO notify_outbox (id, message, status, attempts, next_attempt_at, created_at, last_error, account_id)
VALUES (?, ?, 'pending', 0, ?, ?, '', ?)`, id, string(body), now, now, m.AccountID)
	if err != nil {
		return b.fail("recording a message", err)
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return nil
}

// exec runs one write, under Options.LockWriter when set.
func (b *Outbox) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if b.o.LockWriter != nil {
		unlock, err := b.o.LockWriter(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	return b.db.ExecContext(ctx, b.d.Rebind(q), args...)
}

// Report says what one Drain did.
type Report struct {
	Sent    int // handed to the provider
	Retried int // not taken now: tried again later
	Failed  int // refused for good: kept as failed
}

type due struct {
	id       string
	body     string
	attempts int
	next     time.Time
}

// Drain sends the messages whose time has come (up to Options.Batch),
// each taken by one sender only: it is leased (its next attempt moved
// Lease ahead) before it is sent, so another instance skips it, and a
// sender that dies mid-send leaves it to be taken again after the lease.
func (b *Outbox) Drain(ctx context.Context) (Report, error) {
	var r Report
	rows, err := b.db.QueryContext(ctx, b.d.Rebind(`SELECT id, message, attempts, next_attempt_at FROM notify_outbox
WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`), b.d.Instant(b.o.Now()), b.o.Batch)
	if err != nil {
		return r, b.fail("reading due messages", err)
	}
	var list []due
	for rows.Next() {
		var x due
		if err := rows.Scan(&x.id, &x.body, &x.attempts, sqldb.ScanInstant(&x.next)); err != nil {
			rows.Close()
			return r, b.fail("reading due messages", err)
		}
		list = append(list, x)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return r, b.fail("reading due messages", err)
	}
	var errs []error
	for _, x := range list {
		if ctx.Err() != nil {
			return r, errors.Join(append(errs, ctx.Err())...)
		}
		res, err := b.send(ctx, x)
		if err != nil {
			errs = append(errs, err)
		}
		switch res {
		case StatusSent:
			r.Sent++
		case StatusFailed:
			r.Failed++
		case StatusPending:
			r.Retried++
		}
	}
	return r, errors.Join(errs...)
}

// send leases one message, hands it to the provider and records the
// outcome; "" when another sender had it.
func (b *Outbox) send(ctx context.Context, x due) (string, error) {
	now := b.o.Now()
	res, err := b.exec(ctx, `UPDATE notify_outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at = ?`,
		b.d.Instant(now.Add(b.o.Lease)), x.id, b.d.Instant(x.next))
	if err != nil {
		return "", b.fail("leasing message "+x.id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return "", nil // another sender has it
	}
	var m permit.Message
	if err := json.Unmarshal([]byte(x.body), &m); err != nil {
		return "", b.record(ctx, x.id, StatusFailed, x.attempts+1, now, "unreadable message: "+err.Error())
	}
	sendErr := b.next.Notify(ctx, m)
	now = b.o.Now()
	switch {
	case sendErr == nil:
		return StatusSent, b.record(ctx, x.id, StatusSent, x.attempts+1, now, "")
	case b.o.Permanent != nil && b.o.Permanent(sendErr):
		if b.o.Failed != nil {
			b.o.Failed(m, sendErr)
		}
		return StatusFailed, b.record(ctx, x.id, StatusFailed, x.attempts+1, now, sendErr.Error())
	}
	pause := b.o.FirstRetry
	for i := 0; i < x.attempts && pause < b.o.MaxRetry; i++ {
		pause *= 2
	}
	pause = min(pause, b.o.MaxRetry)
	return StatusPending, b.record(ctx, x.id, StatusPending, x.attempts+1, now.Add(pause), sendErr.Error())
}

// record writes a send's outcome: at is the next attempt's time when
// pending, the instant it was done otherwise.
func (b *Outbox) record(ctx context.Context, id, status string, attempts int, at time.Time, lastErr string) error {
	q := `UPDATE notify_outbox SET status = ?, attempts = ?, done_at = ?, last_error = ? WHERE id = ?`
	args := []any{status, attempts, b.d.Instant(at), lastErr, id}
	if status == StatusPending {
		q = `UPDATE notify_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`
	}
	if _, err := b.exec(ctx, q, args...); err != nil {
		return b.fail("recording message "+id, err)
	}
	return nil
}

// Run drains the outbox whenever a message is recorded and every poll
// (for retries and other instances' messages) until ctx ends; errors go
// to report (nil ignores them). A sender per server instance is enough.
func (b *Outbox) Run(ctx context.Context, poll time.Duration, report func(Report, error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		r, err := b.Drain(ctx)
		if report != nil && (err != nil || r != (Report{})) && ctx.Err() == nil {
			report(r, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-t.C:
		}
	}
}

// MessagesTo implements permit.MessageLog: the messages recorded for the
// account, oldest first, in whatever state (a subject access export lists
// them; permitd gives the Outbox as permit.Options.Messages).
func (b *Outbox) MessagesTo(ctx context.Context, accountID string) ([]permit.SentMessage, error) {
	out := []permit.SentMessage{}
	if accountID == "" {
		return out, nil
	}
	rows, err := b.db.QueryContext(ctx, b.d.Rebind(`SELECT message, status, created_at, done_at FROM notify_outbox
WHERE account_id = ? ORDER BY created_at, id`), accountID)
	if err != nil {
		return nil, b.fail("reading an account's messages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		var m permit.SentMessage
		var done time.Time
		if err := rows.Scan(&body, &m.Status, sqldb.ScanInstant(&m.RecordedAt), sqldb.ScanInstant(&done)); err != nil {
			return nil, b.fail("reading an account's messages", err)
		}
		if err := json.Unmarshal([]byte(body), &m.Message); err != nil {
			return nil, fmt.Errorf("notifyoutbox: a recorded message that does not read back: %w", err)
		}
		if m.Status != StatusPending {
			m.SentAt = done
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, b.fail("reading an account's messages", err)
	}
	return out, nil
}

// Count says how many messages are in a state: for tests and metrics.
func (b *Outbox) Count(ctx context.Context, status string) (int, error) {
	var n int
	if err := b.db.QueryRowContext(ctx, b.d.Rebind(`SELECT COUNT(*) FROM notify_outbox WHERE status = ?`), status).Scan(&n); err != nil {
		return 0, b.fail("counting messages", err)
	}
	return n, nil
}
