package fakepay

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// The simulated provider's limits: GOV.UK Pay's, so that a server
// evaluated with it meets the same deadlines it will meet in production.
const (
	SessionLifetime = 90 * time.Minute // the payer's time on the page
	CaptureWindow   = 120 * time.Hour  // a hold's life, from creation
)

// Hosted implements permit.HostedPayments with the same shape as GOV.UK
// Pay, moving no money: a payment waits for the payer on a page the
// server itself serves (Page), at next_url; the payer pays, declines or
// cancels; a delayed-capture payment is then held until Capture or
// Cancel, or until its hold lapses CaptureWindow after creation; a payer
// who does not finish within SessionLifetime finds it expired. Payments
// live in the database (table fakepay_hosted), so every server instance
// on it agrees and a restart loses nothing; every movement goes to the
// ledger (Ledger). Safe for concurrent use.
type Hosted struct {
	db      *sql.DB
	dialect *sqldb.Dialect
	now     func() time.Time
	pageURL string
	lock    func(ctx context.Context) (unlock func(), err error)
}

var _ permit.HostedPayments = (*Hosted)(nil)

// HostedOptions configure a Hosted provider.
type HostedOptions struct {
	// PageURL is the absolute URL the page handler is served under (for
	// example "http://127.0.0.1:8080/v1/payments/fake"); a payment's
	// next_url is PageURL/<token>.
	PageURL string
	// Now is the provider's clock (time.Now when nil): a server passes its
	// test clock.
	Now func() time.Time
	// LockWriter, when set, is held around each write transaction: a
	// SQLite store's own writer lock (sqlstore.Store.LockWriter), so that
	// the provider's writes queue with the store's in the process instead
	// of contending for the file's lock (busy waits).
	LockWriter func(ctx context.Context) (unlock func(), err error)
}

// NewHosted migrates the gateway's tables (those of NewSQL too) and
// returns the provider. The caller owns db.
func NewHosted(ctx context.Context, db *sql.DB, dialect Dialect, opts HostedOptions) (*Hosted, error) {
	g, err := NewSQL(ctx, db, dialect)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(opts.PageURL, "http://") && !strings.HasPrefix(opts.PageURL, "https://") {
		return nil, fmt.Errorf("fakepay: NewHosted: PageURL %q is not an absolute http(s) URL", opts.PageURL)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Hosted{db: db, dialect: g.dialect, now: opts.Now, pageURL: strings.TrimRight(opts.PageURL, "/"), lock: opts.LockWriter}, nil
}

// hostedRow is one payment as stored.
type hostedRow struct {
	id, token, status, failure, returnURL, description string
	permitID                                           string
	amount, refunded                                   decimal.Decimal
	delayed                                            bool
	created                                            time.Time
}

const hostedColumns = `id, token, status, failure, amount, refunded, delayed_capture, return_url, description, permit_id, created_at`

func (g *Hosted) scan(row interface{ Scan(...any) error }) (hostedRow, error) {
	var r hostedRow
	var amount, refunded string
	var delayed int
	if err := row.Scan(&r.id, &r.token, &r.status, &r.failure, &amount, &refunded, &delayed, &r.returnURL, &r.description, &r.permitID, sqldb.ScanInstant(&r.created)); err != nil {
		return r, err
	}
	var err error
	if r.amount, err = decimal.NewFromString(amount); err != nil {
		return r, fmt.Errorf("fakepay: payment %s: amount %q: %w", r.id, amount, err)
	}
	if r.refunded, err = decimal.NewFromString(refunded); err != nil {
		return r, fmt.Errorf("fakepay: payment %s: refunded %q: %w", r.id, refunded, err)
	}
	r.delayed = delayed != 0
	return r, nil
}

// failures are the simulated provider's failure codes and words.
var failures = map[string]permit.PaymentFailure{
	permit.FailureDeclined:         {Code: permit.FailureDeclined, ProviderCode: "declined", Detail: "The card was declined."},
	permit.FailureCancelledByPayer: {Code: permit.FailureCancelledByPayer, ProviderCode: "cancelled_by_payer", Detail: "The payer cancelled the payment."},
	permit.FailureExpired:          {Code: permit.FailureExpired, ProviderCode: "expired", Detail: "The payment expired."},
	permit.FailureCancelled:        {Code: permit.FailureCancelled, ProviderCode: "cancelled", Detail: "The payment was cancelled by the service."},
}

// view is the row as the port shows it.
func (g *Hosted) view(r hostedRow) permit.HostedPayment {
	p := permit.HostedPayment{
		ID: r.id, PermitID: r.permitID, Status: permit.PaymentStatus(r.status), ProviderStatus: r.status, Amount: r.amount,
		DelayedCapture: r.delayed, CreatedAt: r.created, Refunded: r.refunded, RefundAvailable: decimal.Zero,
	}
	switch p.Status {
	case permit.PaymentCreated:
		p.NextURL, p.ExpiresAt = g.pageURL+"/"+r.token, r.created.Add(SessionLifetime)
	case permit.PaymentAuthorised:
		p.ExpiresAt = r.created.Add(CaptureWindow)
	case permit.PaymentCaptured, permit.PaymentRefunded:
		p.RefundAvailable = r.amount.Sub(r.refunded)
	}
	if f, ok := failures[r.failure]; ok {
		p.Failure = &f
	}
	return p
}

// lapse applies the deadlines at now; it returns the ledger movement, if
// any (a lapsed hold releases money).
func lapse(r *hostedRow, now time.Time) (op string, moved bool) {
	switch {
	case r.status == string(permit.PaymentCreated) && !now.Before(r.created.Add(SessionLifetime)):
		r.status, r.failure = string(permit.PaymentExpired), permit.FailureExpired
	case r.status == string(permit.PaymentAuthorised) && !now.Before(r.created.Add(CaptureWindow)):
		r.status, r.failure = string(permit.PaymentExpired), permit.FailureExpired
		return "expire", true
	}
	return "", false
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("fakepay: reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (g *Hosted) q(query string) string { return g.dialect.Rebind(query) }

func (g *Hosted) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if g.lock != nil {
		unlock, err := g.lock(ctx)
		if err != nil {
			return fmt.Errorf("fakepay: waiting for the writer lock: %w", err)
		}
		defer unlock()
	}
	tx, err := g.db.BeginTx(ctx, g.dialect.WriteTx())
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

// StartPayment creates a payment waiting for the payer. The same key
// returns the same payment; the same key with another request is
// ErrConflict.
func (g *Hosted) StartPayment(ctx context.Context, req permit.HostedPaymentRequest) (permit.HostedPayment, error) {
	if err := req.Validate(); err != nil {
		return permit.HostedPayment{}, err
	}
	asked, err := json.Marshal(struct {
		Amount                                                              string
		Account, Permit, Reference, Description, ReturnURL, Email, Language string
		Delayed                                                             bool
		Metadata                                                            map[string]string
	}{money(req.Amount), req.AccountID, req.PermitID, req.Reference, req.Description, req.ReturnURL, req.Email, req.Language, req.DelayedCapture, req.Metadata})
	if err != nil {
		return permit.HostedPayment{}, fmt.Errorf("fakepay: encoding the request: %w", err)
	}
	for {
		var out permit.HostedPayment
		var refusal error
		err := g.inTx(ctx, func(tx *sql.Tx) error {
			var id, before string
			err := tx.QueryRowContext(ctx, g.q(`SELECT id, request FROM fakepay_hosted WHERE idempotency_key = ?`), req.IdempotencyKey).Scan(&id, &before)
			switch {
			case err == nil && before != string(asked):
				refusal = fmt.Errorf("fakepay: idempotency key %q was used for another payment: %w", req.IdempotencyKey, permit.ErrConflict)
				return nil
			case err == nil:
				out, refusal, err = g.read(ctx, tx, id)
				return err
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("fakepay: reading key %q: %w", req.IdempotencyKey, err)
			}
			idHex, err := randomHex(8)
			if err != nil {
				return err
			}
			token, err := randomHex(16)
			if err != nil {
				return err
			}
			r := hostedRow{id: "pay_" + idHex, token: token, status: string(permit.PaymentCreated), amount: req.Amount,
				refunded: decimal.Zero, delayed: req.DelayedCapture, returnURL: req.ReturnURL, description: req.Description, permitID: req.PermitID,
				created: g.now().UTC().Truncate(time.Microsecond)}
			delayed := 0
			if r.delayed {
				delayed = 1
			}
			_, err = tx.ExecContext(ctx, g.q(`INSERT INTO fakepay_hosted (id, idempotency_key, request, token, status, amount, refunded, delayed_capture, return_url, description, account_id, permit_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				r.id, req.IdempotencyKey, string(asked), r.token, r.status, money(r.amount), money(r.refunded), delayed,
				r.returnURL, r.description, req.AccountID, req.PermitID, g.dialect.Instant(r.created))
			if err != nil {
				if g.dialect.Classify(err) == sqldb.Unique || g.dialect.Retryable(err) {
					// The same key, concurrently (PostgreSQL may say so as a
					// serialization failure): read its payment.
					return errLostRace
				}
				return fmt.Errorf("fakepay: storing a payment: %w", err)
			}
			out = g.view(r)
			return nil
		})
		if errors.Is(err, errLostRace) {
			continue
		}
		if err != nil {
			return permit.HostedPayment{}, fmt.Errorf("%w: %w", permit.ErrUnavailable, err)
		}
		return out, refusal
	}
}

// read returns a payment inside tx, applying its deadlines.
func (g *Hosted) read(ctx context.Context, tx *sql.Tx, id string) (permit.HostedPayment, error, error) {
	var out permit.HostedPayment
	var refusal error
	err := g.change(ctx, tx, "id", id, "", func(*hostedRow) (string, decimal.Decimal, error) { return "", decimal.Zero, nil }, &out, &refusal)
	return out, refusal, err
}

// change locks the payment found by column = value, applies its
// deadlines, then apply, writes it back and records the movements in the
// ledger. A refusal from apply (or ErrNotFound) goes to *refusal, the
// payment as it stands to *out.
func (g *Hosted) change(ctx context.Context, tx *sql.Tx, column, value, key string, apply func(r *hostedRow) (op string, amount decimal.Decimal, err error), out *permit.HostedPayment, refusal *error) error {
	r, err := g.scan(tx.QueryRowContext(ctx, g.q(`SELECT `+hostedColumns+` FROM fakepay_hosted WHERE `+column+` = ?`+g.dialect.ForUpdate()), value))
	if errors.Is(err, sql.ErrNoRows) {
		*refusal = fmt.Errorf("fakepay: payment %q: %w", value, permit.ErrNotFound)
		return nil
	}
	if err != nil {
		return fmt.Errorf("fakepay: reading payment %q: %w", value, err)
	}
	was := r
	var moves []Entry
	if op, moved := lapse(&r, g.now()); moved {
		moves = append(moves, Entry{PaymentID: r.id, Op: op, Amount: r.amount, Key: "lapse:" + r.id})
	}
	lapsed := r
	op, amount, rerr := apply(&r)
	if rerr != nil {
		r = lapsed // a refusal changes nothing but what the deadlines did
		*refusal = rerr
	} else if op != "" {
		moves = append(moves, Entry{PaymentID: r.id, Op: op, Amount: amount, Key: key})
	}
	if r.status != was.status || !r.refunded.Equal(was.refunded) {
		if _, err := tx.ExecContext(ctx, g.q(`UPDATE fakepay_hosted SET status = ?, failure = ?, refunded = ? WHERE id = ?`),
			r.status, r.failure, money(r.refunded), r.id); err != nil {
			return fmt.Errorf("fakepay: updating payment %s: %w", r.id, err)
		}
	}
	for _, m := range moves {
		if _, err := tx.ExecContext(ctx, g.q(`INSERT INTO fakepay_ledger (payment_id, op, amount, key) VALUES (?, ?, ?, ?)`), m.PaymentID, m.Op, money(m.Amount), m.Key); err != nil {
			return fmt.Errorf("fakepay: writing the ledger: %w", err)
		}
	}
	*out = g.view(r)
	return nil
}

// do runs one change in its own transaction.
func (g *Hosted) do(ctx context.Context, column, value, key string, apply func(r *hostedRow) (string, decimal.Decimal, error)) (permit.HostedPayment, error) {
	var out permit.HostedPayment
	var refusal error
	if err := g.inTx(ctx, func(tx *sql.Tx) error { return g.change(ctx, tx, column, value, key, apply, &out, &refusal) }); err != nil {
		return permit.HostedPayment{}, fmt.Errorf("%w: %w", permit.ErrUnavailable, err)
	}
	return out, refusal
}

// Payment reads a payment, its deadlines applied.
func (g *Hosted) Payment(ctx context.Context, id string) (permit.HostedPayment, error) {
	return g.do(ctx, "id", id, "", func(*hostedRow) (string, decimal.Decimal, error) { return "", decimal.Zero, nil })
}

func refuse(r *hostedRow, what string) error {
	return fmt.Errorf("fakepay: cannot %s payment %s that is %s: %w", what, r.id, r.status, permit.ErrInvalidTransition)
}

// Capture takes a held payment; a captured one is returned as it is.
func (g *Hosted) Capture(ctx context.Context, id, key string) (permit.HostedPayment, error) {
	return g.do(ctx, "id", id, key, func(r *hostedRow) (string, decimal.Decimal, error) {
		switch permit.PaymentStatus(r.status) {
		case permit.PaymentAuthorised:
			r.status = string(permit.PaymentCaptured)
			return "capture", r.amount, nil
		case permit.PaymentCaptured, permit.PaymentRefunded:
			return "", decimal.Zero, nil
		}
		return "", decimal.Zero, refuse(r, "capture")
	})
}

// Cancel releases a hold or ends an unfinished payment; one already
// voided, failed or expired is returned as it is.
func (g *Hosted) Cancel(ctx context.Context, id, key string) (permit.HostedPayment, error) {
	return g.do(ctx, "id", id, key, func(r *hostedRow) (string, decimal.Decimal, error) {
		switch permit.PaymentStatus(r.status) {
		case permit.PaymentAuthorised:
			r.status, r.failure = string(permit.PaymentVoided), permit.FailureCancelled
			return "void", r.amount, nil
		case permit.PaymentCreated:
			r.status, r.failure = string(permit.PaymentVoided), permit.FailureCancelled
			return "", decimal.Zero, nil
		case permit.PaymentVoided, permit.PaymentFailed, permit.PaymentExpired:
			return "", decimal.Zero, nil
		}
		return "", decimal.Zero, refuse(r, "cancel")
	})
}

// Refund returns part or all of a captured payment, guarded by the
// amount the caller saw available (permit.RefundRequest.Available).
func (g *Hosted) Refund(ctx context.Context, req permit.RefundRequest) (permit.HostedPayment, error) {
	if !req.Amount.IsPositive() || !req.Amount.Equal(req.Amount.Round(2)) {
		return permit.HostedPayment{}, &permit.ValidationError{Fields: []permit.FieldError{{Field: "amount", Code: "invalid_amount", Detail: "A refund must be above zero, in pence."}}}
	}
	return g.do(ctx, "id", req.PaymentID, req.IdempotencyKey, func(r *hostedRow) (string, decimal.Decimal, error) {
		st := permit.PaymentStatus(r.status)
		if st != permit.PaymentCaptured && st != permit.PaymentRefunded {
			return "", decimal.Zero, refuse(r, "refund")
		}
		available := r.amount.Sub(r.refunded)
		switch {
		case available.Equal(req.Available.Sub(req.Amount)):
			return "", decimal.Zero, nil // made already: a retry
		case !available.Equal(req.Available):
			return "", decimal.Zero, fmt.Errorf("fakepay: payment %s has %s available to refund, not %s: %w", r.id, money(available), money(req.Available), permit.ErrConflict)
		case req.Amount.GreaterThan(available):
			return "", decimal.Zero, fmt.Errorf("fakepay: refund of %s from payment %s with %s available: %w", money(req.Amount), r.id, money(available), permit.ErrInvalidTransition)
		}
		r.refunded = r.refunded.Add(req.Amount)
		r.status = string(permit.PaymentRefunded)
		return "refund", req.Amount, nil
	})
}

// Outcome is what the payer does on the page.
type Outcome string

// Outcomes.
const (
	OutcomePay     Outcome = "pay"     // authorised (delayed capture) or captured
	OutcomeDecline Outcome = "decline" // the card is declined: failed
	OutcomeCancel  Outcome = "cancel"  // the payer cancels: failed
)

// ParseOutcome accepts pay, decline or cancel.
func ParseOutcome(s string) (Outcome, error) {
	switch o := Outcome(s); o {
	case OutcomePay, OutcomeDecline, OutcomeCancel:
		return o, nil
	}
	return "", &permit.ValidationError{Fields: []permit.FieldError{{Field: "outcome", Code: "invalid_outcome", Detail: "The outcome must be pay, decline or cancel."}}}
}

// Complete is the payer's choice on the page of next_url's token. It
// returns the payment and the URL to send the browser back to. A token
// whose payment is no longer waiting for the payer is ErrInvalidTransition
// (the link works once); an unknown one ErrNotFound.
func (g *Hosted) Complete(ctx context.Context, token string, o Outcome) (permit.HostedPayment, string, error) {
	var returnURL string
	p, err := g.do(ctx, "token", token, "", func(r *hostedRow) (string, decimal.Decimal, error) {
		returnURL = r.returnURL
		if r.status != string(permit.PaymentCreated) {
			return "", decimal.Zero, refuse(r, "pay")
		}
		switch o {
		case OutcomeDecline:
			r.status, r.failure = string(permit.PaymentFailed), permit.FailureDeclined
		case OutcomeCancel:
			r.status, r.failure = string(permit.PaymentFailed), permit.FailureCancelledByPayer
		case OutcomePay:
			if r.delayed {
				r.status = string(permit.PaymentAuthorised)
				return "authorise", r.amount, nil
			}
			r.status = string(permit.PaymentCaptured)
			return "capture", r.amount, nil
		default:
			_, err := ParseOutcome(string(o))
			return "", decimal.Zero, err
		}
		return "", decimal.Zero, nil
	})
	return p, returnURL, err
}

// pageView is what the page shows of a token's payment.
func (g *Hosted) pageView(ctx context.Context, token string) (permit.HostedPayment, string, error) {
	var description string
	p, err := g.do(ctx, "token", token, "", func(r *hostedRow) (string, decimal.Decimal, error) {
		description = r.description
		return "", decimal.Zero, nil
	})
	return p, description, err
}
