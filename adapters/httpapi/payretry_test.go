package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Officers see the captures, voids and refunds still owed to the payment
// provider, as openapi.json describes them.
func TestPaymentRetriesList(t *testing.T) {
	hs := newHarness(t)
	got := hs.must(http.StatusOK, "GET", "/v1/payment-retries", hs.officer, nil)
	require.Equal(t, []any{}, got["items"])

	owed := permit.PaymentRetry{
		ID: "void:per_1", Op: permit.PaymentOpVoid, PaymentID: "pay_000001", Amount: decimal.RequireFromString("55"),
		PermitID: "per_1", AccountID: "acc_1", Status: permit.PaymentRetryPending, Attempts: 2, LastError: "gateway timeout",
		NextAttemptAt: start.Add(3 * time.Minute), CreatedAt: start, UpdatedAt: start.Add(time.Minute),
	}
	done := owed
	done.ID, done.Status = "void:per_2", permit.PaymentRetryDone
	require.NoError(t, hs.store.Update(t.Context(), func(tx permit.Tx) error {
		if err := tx.CreatePaymentRetry(owed); err != nil {
			return err
		}
		return tx.CreatePaymentRetry(done)
	}))
	got = hs.must(http.StatusOK, "GET", "/v1/payment-retries?limit=10", hs.officer, nil)
	require.Equal(t, []any{map[string]any{
		"id": "void:per_1", "operation": "void", "payment_id": "pay_000001", "amount": "55.00", "permit_id": "per_1",
		"account_id": "acc_1", "status": "pending", "attempts": float64(2), "last_error": "gateway timeout",
		"next_attempt_at": "2026-11-02T10:03:00Z", "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:01:00Z",
	}}, got["items"])
	requireProblem(t, hs.do("GET", "/v1/payment-retries?limit=0", hs.officer, nil), http.StatusBadRequest, "validation_failed")
}
