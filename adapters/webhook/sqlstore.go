package webhook

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// Dialect names the database an SQLStore is on: the same type as
// adapters/sqlstore's Dialect, so a server passes the store's dialect.
type Dialect = sqldb.Name

// Dialects.
const (
	SQLite   Dialect = sqldb.SQLite   // modernc.org/sqlite
	Postgres Dialect = sqldb.Postgres // github.com/jackc/pgx/v5/stdlib
)

//go:embed migrations
var migrations embed.FS

// migrationSet is the schema, versioned in VersionTable.
var migrationSet = sqldb.Migrations{FS: migrations, Dir: "migrations", Table: VersionTable, Lock: "carerpermit/webhook"}

// VersionTable keeps the webhook schema's version: a table of its own, so
// the webhook tables migrate independently of the permit store's in the
// same database.
const VersionTable = "webhook_db_version"

// SQLStore is a Store on a database/sql database, SQLite or PostgreSQL,
// in tables of its own (webhook_*) created by embedded migrations; it
// shares the database with adapters/sqlstore without touching its tables.
// Several server instances on one database share endpoints, the cursor and
// deliveries; on PostgreSQL claims use FOR UPDATE SKIP LOCKED, on SQLite
// the single writer serialises them.
type SQLStore struct {
	db      *sql.DB
	dialect *sqldb.Dialect
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore migrates the webhook tables and returns the store. The
// caller owns db (SQLStore never closes it); for SQLite it should set a
// busy timeout, as adapters/sqlstore.Open does.
func NewSQLStore(ctx context.Context, db *sql.DB, dialect Dialect) (*SQLStore, error) {
	if db == nil {
		return nil, errors.New("webhook: NewSQLStore: db is nil")
	}
	d, err := sqldb.Lookup("webhook: NewSQLStore", dialect)
	if err != nil {
		return nil, err
	}
	s := &SQLStore{db: db, dialect: d}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// migrate brings the webhook tables to this code's version. On PostgreSQL
// an advisory lock (per schema) lets one of several instances starting at
// once migrate while the others wait; on SQLite a lost race is retried.
func (s *SQLStore) migrate(ctx context.Context) error {
	p, err := s.dialect.Provider(ctx, s.db, migrationSet)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	if err := sqldb.Up(ctx, p); err != nil {
		return fmt.Errorf("webhook: migrating the webhook tables: %w", err)
	}
	found, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("webhook: reading the schema version: %w", err)
	}
	if known := sqldb.Known(p); found != known {
		return fmt.Errorf("webhook: the database's webhook schema is version %d; this code knows %d", found, known)
	}
	return nil
}

// q rewrites ? placeholders for the database.
func (s *SQLStore) q(query string) string { return s.dialect.Rebind(query) }

// at is how an instant is passed to the database (sqldb.Dialect.Instant:
// TIMESTAMPTZ on PostgreSQL, fixed-width UTC text on SQLite, NULL for
// none), as adapters/sqlstore keeps its instants in the same database.
func (s *SQLStore) at(t time.Time) any { return s.dialect.Instant(t) }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const endpointColumns = `id, url, description, event_types, secret, previous_secret, previous_secret_until, paused_at, paused_reason,
	created_at, created_by, COALESCE(idempotency_key, ''), request_hash`

type scanner interface{ Scan(dest ...any) error }

func scanEndpoint(r scanner) (Endpoint, error) {
	var (
		e     Endpoint
		types string
	)
	if err := r.Scan(&e.ID, &e.URL, &e.Description, &types, &e.Secret, &e.PreviousSecret, sqldb.ScanInstant(&e.PreviousSecretUntil),
		sqldb.ScanInstant(&e.PausedAt), &e.PausedReason, sqldb.ScanInstant(&e.CreatedAt), &e.CreatedBy, &e.IdempotencyKey, &e.RequestHash); err != nil {
		return Endpoint{}, err
	}
	if types != "" {
		e.EventTypes = strings.Split(types, ",")
	}
	return e, nil
}

// CreateEndpoint implements Store.
func (s *SQLStore) CreateEndpoint(ctx context.Context, e Endpoint) error {
	for _, t := range e.EventTypes {
		if t == "" || strings.Contains(t, ",") {
			return fmt.Errorf("%w: event type filter %q", ErrValidation, clip(t, 40))
		}
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO webhook_endpoints
		(id, url, description, event_types, secret, previous_secret, previous_secret_until, paused_at, paused_reason,
		created_at, created_by, idempotency_key, request_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		e.ID, e.URL, e.Description, strings.Join(e.EventTypes, ","), e.Secret, e.PreviousSecret, s.at(e.PreviousSecretUntil),
		s.at(e.PausedAt), e.PausedReason, s.at(e.CreatedAt), e.CreatedBy, nullable(e.IdempotencyKey), e.RequestHash)
	if err != nil {
		return fmt.Errorf("webhook: storing endpoint %s: %w", e.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%w: endpoint ID or idempotency key taken", ErrConflict)
	}
	return nil
}

// Endpoint implements Store.
func (s *SQLStore) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	e, err := scanEndpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhook: reading endpoint: %w", err)
	}
	return e, nil
}

// EndpointByIdempotencyKey implements Store.
func (s *SQLStore) EndpointByIdempotencyKey(ctx context.Context, key string) (Endpoint, error) {
	e, err := scanEndpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE idempotency_key = ?`), key))
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, fmt.Errorf("%w: no endpoint with that idempotency key", ErrNotFound)
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhook: reading endpoint: %w", err)
	}
	return e, nil
}

// Endpoints implements Store.
func (s *SQLStore) Endpoints(ctx context.Context) ([]Endpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("webhook: listing endpoints: %w", err)
	}
	defer rows.Close()
	out := []Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook: listing endpoints: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook: listing endpoints: %w", err)
	}
	return out, nil
}

// tx runs fn in a transaction, committed when fn returns nil.
func (s *SQLStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhook: beginning a transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhook: committing: %w", err)
	}
	return nil
}

// DeleteEndpoint implements Store. Deliveries are deleted explicitly:
// an SQLite connection may have foreign keys off.
func (s *SQLStore) DeleteEndpoint(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM webhook_deliveries WHERE endpoint_id = ?`), id); err != nil {
			return fmt.Errorf("webhook: deleting deliveries: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM webhook_endpoints WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("webhook: deleting endpoint: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
		}
		return nil
	})
}

// Cursor implements Store.
func (s *SQLStore) Cursor(ctx context.Context) (string, error) {
	var pos string
	if err := s.db.QueryRowContext(ctx, `SELECT position FROM webhook_cursor WHERE id = 1`).Scan(&pos); err != nil {
		return "", fmt.Errorf("webhook: reading the cursor: %w", err)
	}
	return pos, nil
}

const insertColumns = 11

// insertChunk bounds the rows of one INSERT: 10 parameters a row stays
// well under both databases' parameter limits.
const insertChunk = 500

// Enqueue implements Store. The cursor moves first: on PostgreSQL that
// update locks the cursor row, so concurrent fan-outs queue behind it and
// then find it moved (ErrConflict) instead of inserting the same rows.
func (s *SQLStore) Enqueue(ctx context.Context, from, to string, ds []Delivery) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_cursor SET position = ? WHERE id = 1 AND position = ?`), to, from)
		if err != nil {
			return fmt.Errorf("webhook: moving the cursor: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: the fan-out cursor moved", ErrConflict)
		}
		if len(ds) == 0 {
			return nil
		}
		// Only endpoints that still exist get deliveries; on PostgreSQL
		// FOR SHARE keeps them existing until this commits.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_endpoints`+s.dialect.ForShare())
		if err != nil {
			return fmt.Errorf("webhook: reading endpoints: %w", err)
		}
		live := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("webhook: reading endpoints: %w", err)
			}
			live[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("webhook: reading endpoints: %w", err)
		}
		keep := slices.DeleteFunc(slices.Clone(ds), func(d Delivery) bool { return !live[d.EndpointID] })
		for chunk := range slices.Chunk(keep, insertChunk) {
			var b strings.Builder
			b.WriteString(`INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, permit_id, account_id,
				order_key, body, status, next_attempt_at, created_at, retrying_since) VALUES `)
			args := make([]any, 0, len(chunk)*insertColumns)
			for i, d := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)")
				args = append(args, d.EndpointID, d.EventID, d.EventType, d.PermitID, d.AccountID,
					d.OrderKey, string(d.Body), s.at(d.NextAttemptAt), s.at(d.CreatedAt), s.at(d.CreatedAt))
			}
			b.WriteString(" ON CONFLICT (endpoint_id, event_id) DO NOTHING")
			if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
				return fmt.Errorf("webhook: enqueueing deliveries: %w", err)
			}
		}
		return nil
	})
}

const deliveryColumns = `id, endpoint_id, event_id, event_type, permit_id, account_id, order_key, body, status,
	attempts, next_attempt_at, created_at, retrying_since, last_attempt_at, last_status_code, last_error, delivered_at, lease_token`

func scanDelivery(r scanner) (Delivery, error) {
	var (
		d            Delivery
		id           int64
		body, status string
	)
	if err := r.Scan(&id, &d.EndpointID, &d.EventID, &d.EventType, &d.PermitID, &d.AccountID, &d.OrderKey, &body, &status,
		&d.Attempts, sqldb.ScanInstant(&d.NextAttemptAt), sqldb.ScanInstant(&d.CreatedAt), sqldb.ScanInstant(&d.RetryingSince), sqldb.ScanInstant(&d.LastAttemptAt),
		&d.LastStatusCode, &d.LastError, sqldb.ScanInstant(&d.DeliveredAt), &d.LeaseToken); err != nil {
		return Delivery{}, err
	}
	d.ID = strconv.FormatInt(id, 10)
	d.Body = []byte(body)
	d.Status = Status(status)
	return d, nil
}

func collectDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// claimQuery leases due heads: pending, due, not leased, of an endpoint
// that is not paused, and with no earlier pending delivery of its group.
// The candidates are chosen once (MATERIALIZED) and locked as they are
// chosen: on PostgreSQL SKIP LOCKED makes an instance claiming at the same
// moment take other rows instead of waiting for these; on SQLite, whose
// writers take turns, the one statement is atomic.
func (s *SQLStore) claimQuery() string {
	return s.q(`WITH c AS MATERIALIZED (SELECT d.id FROM webhook_deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
			AND d.endpoint_id NOT IN (SELECT p.id FROM webhook_endpoints p WHERE p.paused_at IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
				WHERE e.endpoint_id = d.endpoint_id AND e.order_key = d.order_key AND e.id < d.id AND e.status = 'pending')
			ORDER BY d.next_attempt_at, d.id LIMIT ?` + s.dialect.ForUpdateSkipLocked() + `)
		UPDATE webhook_deliveries SET lease_until = ?, lease_token = ?
		WHERE id IN (SELECT id FROM c)
		RETURNING ` + deliveryColumns)
}

// Claim implements Store.
func (s *SQLStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%w: claim limit %d is below 1", ErrValidation, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.claimQuery(), s.at(now), s.at(now), limit, s.at(leaseUntil), newLeaseToken())
	if err != nil {
		return nil, fmt.Errorf("webhook: claiming deliveries: %w", err)
	}
	out, err := collectDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("webhook: claiming deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	})
	return out, nil
}

// Complete implements Store.
func (s *SQLStore) Complete(ctx context.Context, r Result) error {
	id, err := parseDeliveryID(r.DeliveryID)
	if err != nil || r.LeaseToken == "" {
		return fmt.Errorf("%w: delivery %s", ErrLeaseLost, clip(r.DeliveryID, 40))
	}
	var delivered time.Time
	if r.Status == StatusDelivered {
		delivered = r.At
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?,
			next_attempt_at = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ?,
			lease_until = NULL, lease_token = ''
			WHERE id = ? AND lease_token = ?`),
			string(r.Status), s.at(r.NextAttemptAt), s.at(r.At), r.StatusCode, r.Error, s.at(delivered), id, r.LeaseToken)
		if err != nil {
			return fmt.Errorf("webhook: saving an attempt: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: delivery %s", ErrLeaseLost, r.DeliveryID)
		}
		if r.Status != StatusDead || r.PauseReason == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET paused_at = ?, paused_reason = ?
			WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?) AND paused_at IS NULL`), s.at(r.At), r.PauseReason, id)
		if err != nil {
			return fmt.Errorf("webhook: pausing the endpoint: %w", err)
		}
		return nil
	})
}

func (s *SQLStore) endpointExists(ctx context.Context, id string) error {
	var one int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT 1 FROM webhook_endpoints WHERE id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
	}
	if err != nil {
		return fmt.Errorf("webhook: reading endpoint: %w", err)
	}
	return nil
}

// Deliveries implements Store.
func (s *SQLStore) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	if err := s.endpointExists(ctx, q.EndpointID); err != nil {
		return nil, err
	}
	var after int64
	if q.After != "" {
		after, _ = parseDeliveryID(q.After)
	}
	query := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE endpoint_id = ? AND id > ?`
	args := []any{q.EndpointID, after}
	if q.Status != "" {
		query += ` AND status = ?`
		args = append(args, string(q.Status))
	}
	query += ` ORDER BY id LIMIT ?`
	rows, err := s.db.QueryContext(ctx, s.q(query), append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("webhook: listing deliveries: %w", err)
	}
	out, err := collectDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("webhook: listing deliveries: %w", err)
	}
	for i := range out {
		out[i].LeaseToken = ""
	}
	return out, nil
}

// Delivery implements Store.
func (s *SQLStore) Delivery(ctx context.Context, endpointID, id string) (Delivery, error) {
	n, err := parseDeliveryID(id)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: delivery %s of endpoint %s", ErrNotFound, clip(id, 40), clip(endpointID, 40))
	}
	d, err := scanDelivery(s.db.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = ? AND id = ?`), endpointID, n))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("%w: delivery %s of endpoint %s", ErrNotFound, id, clip(endpointID, 40))
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("webhook: reading delivery: %w", err)
	}
	d.LeaseToken = ""
	return d, nil
}

// Retry implements Store.
func (s *SQLStore) Retry(ctx context.Context, endpointID, id string, now time.Time) (Delivery, error) {
	n, err := parseDeliveryID(id)
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: delivery %s of endpoint %s", ErrNotFound, clip(id, 40), clip(endpointID, 40))
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, retrying_since = ?
		WHERE endpoint_id = ? AND id = ? AND status <> 'delivered'`), s.at(now), s.at(now), endpointID, n)
	if err != nil {
		return Delivery{}, fmt.Errorf("webhook: retrying delivery: %w", err)
	}
	d, err := s.Delivery(ctx, endpointID, id)
	if err != nil {
		return Delivery{}, err
	}
	if changed, err := res.RowsAffected(); err == nil && changed == 0 && d.Status == StatusDelivered {
		return Delivery{}, fmt.Errorf("%w: delivery %s was delivered", ErrNotRetryable, id)
	}
	return d, nil
}

// RetryDead implements Store.
func (s *SQLStore) RetryDead(ctx context.Context, endpointID string, now time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET paused_at = NULL, paused_reason = '' WHERE id = ?`), endpointID)
		if err != nil {
			return fmt.Errorf("webhook: resuming the endpoint: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(endpointID, 40))
		}
		res, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, retrying_since = ?
			WHERE endpoint_id = ? AND status = 'dead'`), s.at(now), s.at(now), endpointID)
		if err != nil {
			return fmt.Errorf("webhook: retrying dead deliveries: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// Resume implements Store.
func (s *SQLStore) Resume(ctx context.Context, id string) (Endpoint, error) {
	return s.updateEndpoint(ctx, id, `UPDATE webhook_endpoints SET paused_at = NULL, paused_reason = '' WHERE id = ?`, id)
}

// RotateSecret implements Store. The right-hand sides read the row as it
// was, so the old secret becomes the previous one.
func (s *SQLStore) RotateSecret(ctx context.Context, id, secret string, previousUntil time.Time) (Endpoint, error) {
	return s.updateEndpoint(ctx, id, `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = ?, secret = ? WHERE id = ?`,
		s.at(previousUntil), secret, id)
}

func (s *SQLStore) updateEndpoint(ctx context.Context, id, update string, args ...any) (Endpoint, error) {
	var e Endpoint
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(update), args...)
		if err != nil {
			return fmt.Errorf("webhook: updating endpoint: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
		}
		e, err = scanEndpoint(tx.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`), id))
		if err != nil {
			return fmt.Errorf("webhook: reading endpoint: %w", err)
		}
		return nil
	})
	return e, err
}

// PurgeDelivered implements Store.
func (s *SQLStore) PurgeDelivered(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < ?`), s.at(before))
	if err != nil {
		return 0, fmt.Errorf("webhook: purging deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("webhook: purging deliveries: %w", err)
	}
	return int(n), nil
}
