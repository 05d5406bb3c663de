// Package sqlstore is the permit.Store on a SQL database: SQLite through
// database/sql and modernc.org/sqlite (pure Go, the embedded default), and
// PostgreSQL through github.com/jackc/pgx/v5 (production, several server
// instances on one database): database/sql's pool, with write
// transactions driven by pgx natively on a connection of it.
//
// The package itself links neither driver: a program imports the ones it
// runs on, for their side effect,
//
//	import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"   // SQLite files
//	import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres" // postgres:// URLs
//
// so a PostgreSQL server links no SQLite and an SQLite program no pgx.
// Open (and New, adapters/webhook and adapters/fakepay) given a database
// whose driver is not linked is an error naming the package to import.
//
// It decides how permits, accounts, address changes, free-slot claims, the
// event feed and the council's gazetteer (ImportGazetteer streams a
// gazetteer file in; Locator finds addresses in it) are laid out in
// tables, how a transaction is isolated on
// each database, which database failures are retried and which are
// reported, and how the schema is versioned. One set of queries serves both
// databases; the differences (placeholders, column types, isolation, the
// event feed's order) live in the dialect.
//
// Guarantees:
//   - Money is stored exactly (NUMERIC(12,2) on PostgreSQL, text with two
//     places on SQLite), calendar dates as dates, instants in UTC with
//     microsecond precision.
//   - A free slot is never won twice: the claims table's primary key is the
//     last line of defence, not only the rules that read it.
//   - On PostgreSQL write transactions are SERIALIZABLE, so two Store values
//     (two server instances) keep every invariant the rules check; Update
//     re-runs fn after a serialization failure or a deadlock, a bounded
//     number of times. On SQLite writers take the write lock at BEGIN
//     (IMMEDIATE), in WAL mode with synchronous=FULL and a busy timeout.
//   - The event feed never skips: a reader paging with the returned cursor
//     sees every committed event exactly once: on SQLite ids are drawn in
//     commit order; on PostgreSQL writers hold an advisory lock shared from
//     their event insert to their commit, and a reader takes it exclusively,
//     so no id it has passed is still to commit.
//   - The schema is migrated by embedded, versioned, forward-only SQL files
//     (github.com/pressly/goose/v3); on PostgreSQL an advisory lock makes two
//     processes starting at once safe. A database from a newer schema than
//     this code knows is refused with a *SchemaVersionError.
//
// PostgreSQL's write transactions are pipelined. database/sql sends one
// statement and waits for its answer before the next, so an application
// took seven round trips to the server (BEGIN, three reads, two writes and
// the event, COMMIT), each costing both processes system calls and a
// context switch. A write transaction instead takes a connection from the
// pool, drives the pgx connection beneath it (sqldb.Pipeline, given by
// adapters/sqlstore/postgres, the one package that links pgx) and queues
// what needs no answer to go out with what does, as one pgx.Batch sent in
// pipeline mode:
//   - BEGIN ISOLATION LEVEL SERIALIZABLE goes out with the first read;
//   - a write whose outcome the transaction's own reads settle is
//     deferred (see known in pipelined.go): updating a permit at the
//     version the transaction read or wrote, creating a permit of an
//     account it read, claiming a slot it saw free. SERIALIZABLE makes
//     such a write either do what the reads promised or fail with a
//     serialization failure (a unique violation for a slot or ID taken
//     meanwhile), which fails the transaction and runs it again, as any
//     serialization failure does. The deferred statements cannot
//     silently change nothing: the inserts carry no ON CONFLICT DO
//     NOTHING, and the update is guarded (it divides by the rows it
//     changed), so a miss fails the transaction before its COMMIT. They
//     go out with the next read, which therefore sees them, or at the
//     end;
//   - the events (the first taking the feed lock) and COMMIT go out
//     together, after the deferred writes.
//
// Every other write goes out at once, as on SQLite, so a refusal the
// port promises from the call (a stale version, an ID taken, a slot
// held, an unknown account) still comes from that call and leaves the
// transaction usable. A free application is four round trips (BEGIN and
// the account; the permits that count; the claims; the permit, claim,
// event and COMMIT), a paid one's recorded authorisation two; the
// statements are the SQL SQLite runs, written once (queries.go), with the
// deferred forms differing only by the refusal clause or the guard. Reads (View,
// Events) stay on database/sql. adapters/sqlstore/postgres's
// TestRoundTripsPerApply counts the round trips of an application.
//
// Give the store a database (SQLite file) or a schema (PostgreSQL
// search_path) of its own: its tables have plain names (accounts, permits,
// events...). Its schema version is kept in carerpermit_schema_version.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

var _ permit.Store = (*Store)(nil)

// Options are the optional settings of a Store; nil means the defaults.
type Options struct {
	// SkipMigrate leaves the schema alone on open; the database must
	// already be at the version this code knows (call Migrate, or run
	// another instance that migrates). Opening fails with a
	// *SchemaVersionError otherwise.
	SkipMigrate bool

	// MaxAttempts bounds how many times Update runs a transaction that
	// PostgreSQL aborted with a serialization failure or a deadlock (or
	// that found SQLite busy). 0 means 10.
	MaxAttempts int

	// MaxOpenConns caps the connections Open creates (New leaves the
	// caller's *sql.DB as it is). 0 means 10 for PostgreSQL, where
	// several instances share the server's max_connections, and 8 for
	// SQLite.
	MaxOpenConns int

	// BusyTimeout is how long an SQLite connection opened by Open waits
	// for another process's write lock before giving up. 0 means 10s.
	BusyTimeout time.Duration
}

func (o *Options) maxAttempts() int {
	if o == nil || o.MaxAttempts <= 0 {
		return 10
	}
	return o.MaxAttempts
}

// Store is a permit.Store on a SQL database. It is safe for concurrent use;
// several Store values (in one process or many) may share one database.
type Store struct {
	db      *sql.DB
	d       *dialect
	q       *queries
	opts    Options
	ownDB   bool          // Close closes db: Open made it
	writeMu chan struct{} // SQLite: one writer at a time in this process
	// feedLock is the second key of the PostgreSQL advisory lock that
	// orders event ids (the first is feedLockClass): one per schema.
	feedLock int32
	// eventsWritten, when set (by tests), runs after a transaction has
	// inserted its events and before it commits.
	eventsWritten func()
	// prepared holds SQLite's statements, compiled once: parsing SQL is a
	// quarter of an apply's CPU there. (pgx caches PostgreSQL's itself.)
	prepared map[string]*sql.Stmt
}

// New returns a Store on a database the caller already has. dialect says
// which database it is; the caller keeps ownership of db (Close does not
// close it). The schema is migrated unless opts.SkipMigrate.
//
// For SQLite the caller's DSN should set what Open sets: WAL journal mode,
// synchronous=FULL, a busy timeout, foreign keys and _txlock=immediate
// (modernc.org/sqlite) for write transactions.
// For PostgreSQL it should set enable_seqscan=off, as Open does (see Open).
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts *Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: New: db is nil")
	}
	d, err := dialectFor(dialect)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d, q: newQueries(d)}
	if opts != nil {
		s.opts = *opts
	}
	if d.SingleWriter() {
		s.writeMu = make(chan struct{}, 1)
	}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if d.PrepareStatements() {
		if err := s.prepare(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// prepare compiles the transactions' statements (after migrating: they
// name the tables).
func (s *Store) prepare(ctx context.Context) error {
	s.prepared = make(map[string]*sql.Stmt)
	for _, q := range s.q.all() {
		if _, ok := s.prepared[*q]; ok {
			continue
		}
		st, err := s.db.PrepareContext(ctx, *q)
		if err != nil {
			s.closeStatements()
			return s.describe("preparing statements", err)
		}
		s.prepared[*q] = st
	}
	return nil
}

func (s *Store) closeStatements() {
	for _, st := range s.prepared {
		_ = st.Close()
	}
}

// start checks the database answers and brings the schema to this code's
// version (or checks it is there when migrations are skipped).
func (s *Store) start(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		return s.describe("connecting", err)
	}
	if s.d.feedLock {
		schema, err := s.schema(ctx)
		if err != nil {
			return err
		}
		s.feedLock = int32(crc32.ChecksumIEEE([]byte(schema)))
	}
	if s.opts.SkipMigrate {
		return s.checkVersion(ctx)
	}
	return s.Migrate(ctx)
}

// feedLockClass is the first key of the event feed's advisory lock, so
// that it does not collide with a council's own single-key advisory locks
// (which PostgreSQL keeps apart from two-key ones).
const feedLockClass int32 = 0x63707374 // "cpst"

// schema is the PostgreSQL schema the store's tables are in.
func (s *Store) schema(ctx context.Context) (string, error) {
	schema, err := sqldb.CurrentSchema(ctx, s.db)
	if err != nil {
		return "", s.describe("finding the current schema", err)
	}
	return schema, nil
}

// ping connects. A new SQLite connection switches the file to WAL, which
// another process (or Store) doing the same at that moment can refuse with
// SQLITE_BUSY without waiting out the busy timeout; that is retried.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 1; ; attempt++ {
		err := s.db.PingContext(ctx)
		if err == nil || !s.d.SingleWriter() || !s.d.Retryable(err) || time.Now().After(deadline) {
			return err
		}
		if err := pause(ctx, min(attempt, 5)); err != nil {
			return err
		}
	}
}

// Close releases the store's prepared statements and the connections Open
// made. A Store from New leaves the caller's *sql.DB open.
func (s *Store) Close() error {
	s.closeStatements()
	if !s.ownDB {
		return nil
	}
	if s.d.AtClose() != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = s.db.ExecContext(ctx, s.d.AtClose())
		cancel()
	}
	return s.db.Close()
}

// DB returns the store's connection pool, for health checks, pool
// statistics and read-only reporting. Writing to the store's tables through
// it bypasses the rules and the event feed.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect reports which database the store is on.
func (s *Store) Dialect() Dialect { return s.d.name }

// Update runs fn in a read-write transaction; see permit.Store. On
// PostgreSQL the transaction is SERIALIZABLE, and a serialization failure
// or deadlock anywhere in it (in fn's calls or at commit) rolls it back and
// runs fn again, at most Options.MaxAttempts times in all; after that the
// error wraps permit.ErrConflict. fn's own errors are returned unchanged and
// never retried.
func (s *Store) Update(ctx context.Context, fn func(permit.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	attempts := s.opts.maxAttempts()
	for attempt := 1; ; attempt++ {
		err, again := s.updateOnce(ctx, fn)
		if !again {
			return err
		}
		if attempt >= attempts {
			return fmt.Errorf("sqlstore: gave up after %d attempts: %w", attempt, err)
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// pause waits before another attempt: a random share of a delay that grows
// with the attempt, so that writers that keep colliding spread out.
func pause(ctx context.Context, attempt int) error {
	ceiling := time.Duration(min(1<<attempt, 64)) * time.Millisecond
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// updateOnce runs one attempt; again reports that the database aborted it
// for a reason another attempt may not meet.
func (s *Store) updateOnce(ctx context.Context, fn func(permit.Tx) error) (err error, again bool) {
	if s.d.Pipelines() {
		return s.updatePipelined(ctx, fn)
	}
	return s.updateSQL(ctx, fn)
}

// updateSQL is updateOnce in a database/sql transaction.
func (s *Store) updateSQL(ctx context.Context, fn func(permit.Tx) error) (err error, again bool) {
	if s.writeMu != nil {
		select {
		case s.writeMu <- struct{}{}:
			defer func() { <-s.writeMu }()
		case <-ctx.Done():
			return ctx.Err(), false
		}
	}
	sqlTx, err := s.db.BeginTx(ctx, s.d.WriteTx())
	if err != nil {
		return s.failure(ctx, "beginning a write transaction", err)
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked: keep nothing
			_ = sqlTx.Rollback()
		}
	}()
	t := &tx{readTx: readTx{s: s, ctx: ctx, tx: sqlTx}}
	fnErr := fn(t)
	if t.aborted != nil {
		// The database gave up on the transaction (a serialization failure
		// or deadlock) while fn ran; whatever fn made of that, another
		// attempt decides again on fresh data.
		return t.aborted, true
	}
	if fnErr != nil {
		return fnErr, false
	}
	if err := ctx.Err(); err != nil {
		return err, false
	}
	if err := t.flushEvents(); err != nil {
		return err, t.aborted != nil
	}
	if s.eventsWritten != nil {
		s.eventsWritten()
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return s.failure(ctx, "committing", err)
	}
	return nil, false
}

// failure describes an error of the transaction itself (not of fn).
func (s *Store) failure(ctx context.Context, op string, err error) (error, bool) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, ctxErr), false
	}
	e := s.describe(op, err)
	return e, s.d.Retryable(err)
}

// View runs fn in a read-only transaction over one consistent snapshot
// (REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite).
func (s *Store) View(ctx context.Context, fn func(permit.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sqlTx, err := s.db.BeginTx(ctx, s.d.ReadTx())
	if err != nil {
		e, _ := s.failure(ctx, "beginning a read transaction", err)
		return e
	}
	// A read transaction keeps nothing, so it always ends in a rollback,
	// also when fn panics.
	defer func() { _ = sqlTx.Rollback() }()
	return fn(&readTx{s: s, ctx: ctx, tx: sqlTx})
}

var _ permit.VehicleLookup = (*Store)(nil)

// PermitsByVRM lists a registration's permits as ReadTx.PermitsByVRM does,
// in one statement outside a transaction: a single statement already reads
// one consistent snapshot on SQLite and PostgreSQL alike, so the BEGIN and
// ROLLBACK of a View would only cost the busiest read its time.
func (s *Store) PermitsByVRM(ctx context.Context, vrm permit.VRM) ([]permit.Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := readTx{s: s, ctx: ctx}
	return r.PermitsByVRM(vrm)
}

// Events returns up to limit events committed after the cursor; see
// permit.Store. A cursor is an event's ID: "" is the start of the feed.
//
// A reader paging by id must never pass an id that commits later. On
// SQLite the single writer hands ids out in commit order. On PostgreSQL a
// write transaction takes the feed lock (an advisory lock, one per schema)
// shared as it inserts its events, before their ids are drawn, and keeps
// it until it commits; writers share it and commit together. Events takes
// it exclusively before it reads, so every id drawn by then is committed
// or rolled back, and no id is drawn until the page is read. A reader
// waits at most for the commits already under way; nothing outside the
// store's own writers can hold the feed back.
func (s *Store) Events(ctx context.Context, after string, limit int) ([]permit.Event, string, error) {
	if limit < 1 {
		return nil, after, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	pos, err := parseCursor(after)
	if err != nil {
		return nil, after, err
	}
	r := &readTx{s: s, ctx: ctx}
	if s.d.feedLock {
		tx, err := s.settledFeed(ctx)
		if err != nil {
			return nil, after, err
		}
		defer func() { _ = tx.Rollback() }() // releases the lock
		r.tx = tx
	}
	events, err := collect(r, "reading events", s.scanEvent, s.q.events, pos, limit)
	if err != nil {
		return nil, after, err
	}
	next := after
	if len(events) > 0 {
		next = events[len(events)-1].ID
	}
	return events, next, nil
}

// settledFeed begins a READ COMMITTED transaction holding the feed lock
// exclusively, so that its statements (each with a snapshot taken after
// the lock) see every event whose id is drawn, committed or gone. Rolling
// it back releases the lock.
func (s *Store) settledFeed(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted, ReadOnly: true})
	if err != nil {
		return nil, s.describe("reading events", err)
	}
	if _, err := tx.ExecContext(ctx, s.q.feedSettled, feedLockClass, s.feedLock); err != nil {
		_ = tx.Rollback()
		return nil, s.describe("waiting for the event feed's commits", err)
	}
	return tx, nil
}

// validation is a *permit.ValidationError about one field.
func validation(field, code, detail string) error {
	return &permit.ValidationError{Fields: []permit.FieldError{{Field: field, Code: code, Detail: detail}}}
}

// quote is strconv.Quote for messages.
func quote(s string) string { return strconv.Quote(s) }
