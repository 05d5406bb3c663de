package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

func scanPaymentRetry(row rowScanner) (permit.PaymentRetry, error) {
	var r permit.PaymentRetry
	var op, status string
	err := row.Scan(&r.ID, &op, &r.PaymentID, moneyCol{d: &r.Amount}, &r.PermitID, &r.AccountID, &status, &r.Attempts, &r.LastError,
		sqldb.ScanInstant(&r.NextAttemptAt), sqldb.ScanInstant(&r.CreatedAt), sqldb.ScanInstant(&r.UpdatedAt), &r.Version)
	r.Op, r.Status = permit.PaymentOp(op), permit.PaymentRetryStatus(status)
	return r, err
}

func (r *readTx) PaymentRetry(id string) (permit.PaymentRetry, error) {
	pr, err := scanPaymentRetry(r.queryRow(r.s.q.paymentRetry, id))
	if errors.Is(err, sql.ErrNoRows) {
		return permit.PaymentRetry{}, fmt.Errorf("sqlstore: payment retry %s: %w", quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return permit.PaymentRetry{}, r.fail("reading payment retry "+quote(id), err)
	}
	return pr, nil
}

func (r *readTx) PaymentRetriesDue(at time.Time, limit int) ([]permit.PaymentRetry, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	return collect(r, "listing payment retries due", scanPaymentRetry, r.s.q.paymentRetriesDue, r.s.d.Instant(at), limit)
}

func (r *readTx) PaymentRetriesPending(limit int) ([]permit.PaymentRetry, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	return collect(r, "listing pending payment retries", scanPaymentRetry, r.s.q.paymentRetriesPending, limit)
}

// paymentRetryArgs are the values of a payment retry's columns after id,
// before version.
func (t *tx) paymentRetryArgs(r permit.PaymentRetry) ([]any, error) {
	amount, err := moneyArg("amount", r.Amount)
	if err != nil {
		return nil, err
	}
	d := t.s.d
	return []any{string(r.Op), r.PaymentID, amount, r.PermitID, r.AccountID, string(r.Status), r.Attempts, r.LastError,
		d.Instant(r.NextAttemptAt), d.Instant(r.CreatedAt), d.Instant(r.UpdatedAt)}, nil
}

func (t *tx) CreatePaymentRetry(r permit.PaymentRetry) error {
	op := "creating payment retry " + quote(r.ID)
	args, err := t.paymentRetryArgs(r)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.createPaymentRetry, append([]any{r.ID}, args...)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: the ID is taken: %w", op, permit.ErrConflict)
	}
	return nil
}

func (t *tx) UpdatePaymentRetry(r permit.PaymentRetry) error {
	op := "updating payment retry " + quote(r.ID)
	args, err := t.paymentRetryArgs(r)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.updatePaymentRetry, append(args, r.ID, r.Version)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.staleOrMissing("payment retry", r.ID, r.Version, t.s.q.paymentRetryVersion)
	}
	return nil
}
