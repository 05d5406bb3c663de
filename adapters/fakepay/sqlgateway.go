package fakepay

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// Dialect names the database an SQLGateway is on: the same type as
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
var migrationSet = sqldb.Migrations{FS: migrations, Dir: "migrations", Table: VersionTable, Lock: "carerpermit/fakepay"}

// VersionTable keeps the gateway's schema version, apart from the other
// tables' versions in the same database.
const VersionTable = "fakepay_db_version"

// SQLGateway implements permit.Payments like Gateway, moving no money, but
// keeps its payments, the answer to every idempotency key and its ledger
// in a database/sql database (SQLite or PostgreSQL, tables fakepay_*), so
// a payment authorised before a restart, or on another server instance on
// the same database, can be captured, voided or refunded. Payment ids are
// random (pay_ and 16 hex digits) and never reissued. Safe for concurrent
// use, across instances too: an operation locks its payment's row.
type SQLGateway struct {
	db      *sql.DB
	dialect *sqldb.Dialect
	now     func() time.Time

	// Decline, when it returns a reason, refuses an authorisation; used to
	// test card failures.
	Decline func(req permit.PaymentRequest) string
}

var _ permit.Payments = (*SQLGateway)(nil)

// NewSQL migrates the gateway's tables and returns the gateway. The caller
// owns db (the gateway never closes it); for SQLite its DSN should set a
// busy timeout and immediate write transactions (_txlock=immediate), as
// adapters/sqlstore.Open does.
func NewSQL(ctx context.Context, db *sql.DB, dialect Dialect) (*SQLGateway, error) {
	if db == nil {
		return nil, errors.New("fakepay: NewSQL: db is nil")
	}
	d, err := sqldb.Lookup("fakepay: NewSQL", dialect)
	if err != nil {
		return nil, err
	}
	g := &SQLGateway{db: db, dialect: d, now: time.Now}
	if err := g.migrate(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// migrate brings the tables to this code's version; on PostgreSQL an
// advisory lock (per schema) lets one of several instances migrate.
func (g *SQLGateway) migrate(ctx context.Context) error {
	p, err := g.dialect.Provider(ctx, g.db, migrationSet)
	if err != nil {
		return fmt.Errorf("fakepay: %w", err)
	}
	if err := sqldb.Up(ctx, p); err != nil {
		return fmt.Errorf("fakepay: migrating the gateway's tables: %w", err)
	}
	return nil
}

// q rewrites ? placeholders for the database.
func (g *SQLGateway) q(query string) string { return g.dialect.Rebind(query) }

// replayedError is a refusal given again for its idempotency key.
type replayedError struct {
	msg  string
	kind error
}

func (e *replayedError) Error() string { return e.msg }
func (e *replayedError) Unwrap() error { return e.kind }

// errorKinds are the refusals the gateway remembers, by name.
var errorKinds = map[string]error{"payment_failed": permit.ErrPaymentFailed, "validation": permit.ErrValidation}

func errorKind(err error) string {
	for name, kind := range errorKinds {
		if errors.Is(err, kind) {
			return name
		}
	}
	return "validation"
}

// inTx runs fn in a transaction, committing when it returns nil.
func (g *SQLGateway) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("fakepay: beginning a transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("fakepay: committing: %w", err)
	}
	return nil
}

// result reads the answer already given for key, if any.
func (g *SQLGateway) result(ctx context.Context, tx *sql.Tx, key, op string) (p permit.Payment, err error, found bool, dbErr error) {
	var (
		gotOp, status, amount, refunded, kind, msg string
		paymentID                                  sql.NullString
	)
	dbErr = tx.QueryRowContext(ctx, g.q(`SELECT op, payment_id, status, amount, refunded, error_kind, error FROM fakepay_results WHERE key = ?`), key).
		Scan(&gotOp, &paymentID, &status, &amount, &refunded, &kind, &msg)
	if errors.Is(dbErr, sql.ErrNoRows) {
		return permit.Payment{}, nil, false, nil
	}
	if dbErr != nil {
		return permit.Payment{}, nil, false, fmt.Errorf("fakepay: reading the answer for key %q: %w", key, dbErr)
	}
	if gotOp != op {
		return permit.Payment{}, fmt.Errorf("fakepay: idempotency key %q was used for %s, not %s: %w", key, gotOp, op, permit.ErrConflict), true, nil
	}
	if kind != "" {
		return permit.Payment{}, &replayedError{msg: msg, kind: errorKinds[kind]}, true, nil
	}
	p, dbErr = payment(paymentID.String, status, amount, refunded)
	return p, nil, true, dbErr
}

// money writes an amount as text: pounds and pence ("55.00"), or every
// place it has when it has more.
func money(d decimal.Decimal) string {
	if d.Exponent() >= -2 {
		return d.StringFixed(2)
	}
	return d.String()
}

func payment(id, status, amount, refunded string) (permit.Payment, error) {
	a, err := decimal.NewFromString(amount)
	if err != nil {
		return permit.Payment{}, fmt.Errorf("fakepay: payment %s: amount %q: %w", id, amount, err)
	}
	r, err := decimal.NewFromString(refunded)
	if err != nil {
		return permit.Payment{}, fmt.Errorf("fakepay: payment %s: refunded %q: %w", id, refunded, err)
	}
	return permit.Payment{ID: id, Status: permit.PaymentStatus(status), Amount: a, Refunded: r}, nil
}

// remember records the answer for key; lost says another call with the
// same key recorded one first (this transaction must then be undone).
func (g *SQLGateway) remember(ctx context.Context, tx *sql.Tx, key, op string, p permit.Payment, refusal error) (lost bool, err error) {
	var paymentID any
	kind, msg := "", ""
	if refusal != nil {
		kind, msg = errorKind(refusal), refusal.Error()
	} else {
		paymentID = p.ID
	}
	res, err := tx.ExecContext(ctx, g.q(`INSERT INTO fakepay_results (key, op, payment_id, status, amount, refunded, error_kind, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		key, op, paymentID, string(p.Status), money(p.Amount), money(p.Refunded), kind, msg)
	if err != nil {
		return false, fmt.Errorf("fakepay: recording the answer for key %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("fakepay: recording the answer for key %q: %w", key, err)
	}
	return n == 0, nil
}

func (g *SQLGateway) record(ctx context.Context, tx *sql.Tx, p permit.Payment, op string, amount decimal.Decimal, key string) error {
	_, err := tx.ExecContext(ctx, g.q(`INSERT INTO fakepay_ledger (payment_id, op, amount, key) VALUES (?, ?, ?, ?)`), p.ID, op, money(amount), key)
	if err != nil {
		return fmt.Errorf("fakepay: writing the ledger: %w", err)
	}
	return nil
}

// errLostRace undoes a transaction whose key another call answered first.
var errLostRace = errors.New("fakepay: lost the race for an idempotency key")

// Authorise holds the amount. A declined card returns ErrPaymentFailed;
// the same key returns the first answer again.
func (g *SQLGateway) Authorise(ctx context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	for {
		var out permit.Payment
		var refusal error
		err := g.inTx(ctx, func(tx *sql.Tx) error {
			p, perr, found, err := g.result(ctx, tx, req.IdempotencyKey, "authorise")
			if err != nil {
				return err
			}
			if found {
				out, refusal = p, perr
				return nil
			}
			if refusal = authoriseCheck(req, g.Decline); refusal == nil {
				var b [8]byte
				if _, err := rand.Read(b[:]); err != nil {
					return fmt.Errorf("fakepay: making a payment id: %w", err)
				}
				out = permit.Payment{ID: "pay_" + hex.EncodeToString(b[:]), Status: permit.PaymentAuthorised, Amount: req.Amount, Refunded: decimal.Zero}
				if _, err := tx.ExecContext(ctx, g.q(`INSERT INTO fakepay_payments (id, status, amount, refunded, account_id, permit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
					out.ID, string(out.Status), money(out.Amount), money(out.Refunded), req.AccountID, req.PermitID, g.dialect.Instant(g.now())); err != nil {
					return fmt.Errorf("fakepay: storing a payment: %w", err)
				}
				if err := g.record(ctx, tx, out, "authorise", req.Amount, req.IdempotencyKey); err != nil {
					return err
				}
			}
			lost, err := g.remember(ctx, tx, req.IdempotencyKey, "authorise", out, refusal)
			if err == nil && lost {
				err = errLostRace
			}
			return err
		})
		if errors.Is(err, errLostRace) {
			continue // the other call's answer is there now
		}
		if err != nil {
			return permit.Payment{}, err
		}
		if refusal != nil {
			return permit.Payment{}, refusal
		}
		return out, nil
	}
}

// move runs one operation on a stored payment, its row locked.
func (g *SQLGateway) move(ctx context.Context, paymentID, key, op string, apply func(p *permit.Payment) (decimal.Decimal, error)) (permit.Payment, error) {
	for {
		var out permit.Payment
		var refusal error
		err := g.inTx(ctx, func(tx *sql.Tx) error {
			var status, amount, refunded string
			err := tx.QueryRowContext(ctx, g.q(`SELECT status, amount, refunded FROM fakepay_payments WHERE id = ?`+g.dialect.ForUpdate()), paymentID).
				Scan(&status, &amount, &refunded)
			if errors.Is(err, sql.ErrNoRows) {
				// An unknown payment, unless this key was answered before.
				p, perr, found, err := g.result(ctx, tx, key, op)
				if err != nil {
					return err
				}
				if found {
					out, refusal = p, perr
					return nil
				}
				refusal = fmt.Errorf("fakepay: payment %q: %w", paymentID, permit.ErrNotFound)
				return nil
			}
			if err != nil {
				return fmt.Errorf("fakepay: reading payment %s: %w", paymentID, err)
			}
			// With the row locked, a concurrent call with the same key has
			// either finished (its answer is there) or not started.
			p, perr, found, err := g.result(ctx, tx, key, op)
			if err != nil {
				return err
			}
			if found {
				out, refusal = p, perr
				return nil
			}
			cur, err := payment(paymentID, status, amount, refunded)
			if err != nil {
				return err
			}
			moved, err := apply(&cur)
			if err != nil {
				out, refusal = cur, err // not remembered: a retry after fixing state may succeed
				return nil
			}
			if _, err := tx.ExecContext(ctx, g.q(`UPDATE fakepay_payments SET status = ?, refunded = ? WHERE id = ?`),
				string(cur.Status), money(cur.Refunded), cur.ID); err != nil {
				return fmt.Errorf("fakepay: updating payment %s: %w", cur.ID, err)
			}
			if err := g.record(ctx, tx, cur, op, moved, key); err != nil {
				return err
			}
			out = cur
			lost, err := g.remember(ctx, tx, key, op, cur, nil)
			if err == nil && lost {
				err = errLostRace
			}
			return err
		})
		if errors.Is(err, errLostRace) {
			continue
		}
		if err != nil {
			return permit.Payment{}, err
		}
		return out, refusal
	}
}

// Capture takes an authorised payment.
func (g *SQLGateway) Capture(ctx context.Context, paymentID, key string) (permit.Payment, error) {
	return g.move(ctx, paymentID, key, "capture", capture)
}

// Void releases an authorisation.
func (g *SQLGateway) Void(ctx context.Context, paymentID, key string) (permit.Payment, error) {
	return g.move(ctx, paymentID, key, "void", void)
}

// Refund returns part or all of a captured payment.
func (g *SQLGateway) Refund(ctx context.Context, paymentID string, amount decimal.Decimal, key string) (permit.Payment, error) {
	return g.move(ctx, paymentID, key, "refund", refund(amount))
}

// Payment returns a payment as the gateway holds it; found false when
// there is none.
func (g *SQLGateway) Payment(ctx context.Context, id string) (permit.Payment, bool, error) {
	var status, amount, refunded string
	err := g.db.QueryRowContext(ctx, g.q(`SELECT status, amount, refunded FROM fakepay_payments WHERE id = ?`), id).Scan(&status, &amount, &refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return permit.Payment{}, false, nil
	}
	if err != nil {
		return permit.Payment{}, false, fmt.Errorf("fakepay: reading payment %s: %w", id, err)
	}
	p, err := payment(id, status, amount, refunded)
	return p, err == nil, err
}

// Ledger returns every movement so far, in order.
func (g *SQLGateway) Ledger(ctx context.Context) ([]Entry, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT payment_id, op, amount, key FROM fakepay_ledger ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("fakepay: reading the ledger: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var amount string
		if err := rows.Scan(&e.PaymentID, &e.Op, &amount, &e.Key); err != nil {
			return nil, fmt.Errorf("fakepay: reading the ledger: %w", err)
		}
		if e.Amount, err = decimal.NewFromString(amount); err != nil {
			return nil, fmt.Errorf("fakepay: ledger amount %q: %w", amount, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fakepay: reading the ledger: %w", err)
	}
	return out, nil
}
