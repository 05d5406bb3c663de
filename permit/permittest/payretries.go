package permittest

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Payment retries are the captures, voids and refunds the service owes the
// payment provider. They are versioned like permits, found by ID (the
// call's idempotency key), and listed while pending: by next attempt for
// the due jobs, oldest first for officers. Done ones are never listed.
var paymentRetryTests = []namedTest{
	{"RoundTrip", testPaymentRetryRoundTrip},
	{"CreateTwiceIsConflict", testPaymentRetryTwice},
	{"UpdateIsVersioned", testPaymentRetryVersioned},
	{"DueByNextAttempt", testPaymentRetriesDue},
	{"PendingOldestFirst", testPaymentRetriesPending},
	{"SeenInOwnTransaction", testPaymentRetryOwnWrites},
}

// NewPaymentRetry returns a pending void of permit permitID's payment,
// owed since a fixed instant and due then. Tests change the fields they
// are about.
func NewPaymentRetry(permitID string) permit.PaymentRetry {
	return permit.PaymentRetry{
		ID:            "void:" + permitID,
		Op:            permit.PaymentOpVoid,
		PaymentID:     "pay-" + permitID,
		Amount:        decimal.RequireFromString("55.00"),
		PermitID:      permitID,
		AccountID:     "acc-1",
		Status:        permit.PaymentRetryPending,
		NextAttemptAt: fixtureCreatedAt,
		CreatedAt:     fixtureCreatedAt,
		UpdatedAt:     fixtureCreatedAt,
	}
}

func getPaymentRetry(t *testing.T, st permit.Store, id string) permit.PaymentRetry {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) (permit.PaymentRetry, error) { return tx.PaymentRetry(id) })
}

func seedRetries(t *testing.T, st permit.Store, rs ...permit.PaymentRetry) {
	t.Helper()
	update(t, st, func(tx permit.Tx) error {
		for _, r := range rs {
			if err := tx.CreatePaymentRetry(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func requireRetry(t *testing.T, want, got permit.PaymentRetry) {
	t.Helper()
	require.True(t, want.Amount.Equal(got.Amount), "amount: want %s, got %s", want.Amount, got.Amount)
	require.Equal(t, want.Amount.StringFixed(2), got.Amount.StringFixed(2))
	for _, ts := range []time.Time{got.NextAttemptAt, got.CreatedAt, got.UpdatedAt} {
		require.Equal(t, time.UTC, ts.Location(), "instants come back in UTC")
	}
	require.True(t, want.NextAttemptAt.Equal(got.NextAttemptAt), "next attempt: want %s, got %s", want.NextAttemptAt, got.NextAttemptAt)
	require.True(t, want.CreatedAt.Equal(got.CreatedAt))
	require.True(t, want.UpdatedAt.Equal(got.UpdatedAt))
	want.Amount, got.Amount = decimal.Zero, decimal.Zero
	want.NextAttemptAt, got.NextAttemptAt = time.Time{}, time.Time{}
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	require.Equal(t, want, got)
}

func retryIDs(rs []permit.PaymentRetry) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testPaymentRetryRoundTrip(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	r := NewPaymentRetry("p-1")
	r.Op, r.ID = permit.PaymentOpRefund, "refund:p-1"
	r.Amount = decimal.RequireFromString("22.91")
	r.Attempts, r.LastError = 2, "gateway timeout: nobody answered"
	r.NextAttemptAt = time.Date(2028, time.March, 26, 2, 10, 0, 123456000, loc)
	r.UpdatedAt = time.Date(2027, time.October, 27, 11, 0, 0, 0, loc)
	r.Version = 7 // Create stores 1 whatever it is given
	seedRetries(t, st, r)

	got := getPaymentRetry(t, st, "refund:p-1")
	r.Version = 1
	requireRetry(t, r, got)

	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.PaymentRetry("void:p-missing")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	})
}

func testPaymentRetryTwice(t *testing.T, s suite) {
	st := s.store(t)
	r := NewPaymentRetry("p-1")
	seedRetries(t, st, r)
	update(t, st, func(tx permit.Tx) error {
		other := r
		other.Amount = decimal.RequireFromString("1.00")
		require.ErrorIs(t, tx.CreatePaymentRetry(other), permit.ErrConflict)
		// The refusal leaves the transaction usable.
		return tx.CreatePaymentRetry(NewPaymentRetry("p-2"))
	})
	requireMoney(t, "55.00", getPaymentRetry(t, st, r.ID).Amount)
	require.Equal(t, "p-2", getPaymentRetry(t, st, "void:p-2").PermitID)
}

func requireMoney(t *testing.T, want string, got decimal.Decimal) {
	t.Helper()
	require.True(t, decimal.RequireFromString(want).Equal(got), "want %s, got %s", want, got)
}

func testPaymentRetryVersioned(t *testing.T, s suite) {
	st := s.store(t)
	r := NewPaymentRetry("p-1")
	seedRetries(t, st, r)
	r.Version = 1
	failed := r
	failed.Attempts, failed.LastError = 1, "refused"
	failed.NextAttemptAt = fixtureCreatedAt.Add(time.Minute)
	update(t, st, func(tx permit.Tx) error { return tx.UpdatePaymentRetry(failed) })
	failed.Version = 2
	requireRetry(t, failed, getPaymentRetry(t, st, r.ID))

	err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdatePaymentRetry(r) })
	require.ErrorIs(t, err, permit.ErrConflict, "version 1 is stale")
	missing := NewPaymentRetry("p-missing")
	missing.Version = 1
	err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdatePaymentRetry(missing) })
	require.ErrorIs(t, err, permit.ErrNotFound)

	done := failed
	done.Status = permit.PaymentRetryDone
	update(t, st, func(tx permit.Tx) error { return tx.UpdatePaymentRetry(done) })
	done.Version = 3
	requireRetry(t, done, getPaymentRetry(t, st, r.ID))
}

func testPaymentRetriesDue(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	at := func(id string, next time.Time) permit.PaymentRetry {
		r := NewPaymentRetry(id)
		r.NextAttemptAt = next
		return r
	}
	now := time.Date(2028, time.March, 26, 1, 30, 0, 0, time.UTC)
	done := at("p-done", now.Add(-time.Hour))
	done.Status = permit.PaymentRetryDone
	seedRetries(t, st,
		at("p-later", now.Add(time.Microsecond)),
		at("p-now", now),
		// 02:10 London on the day clocks go forward is 01:10 UTC.
		at("p-wall", time.Date(2028, time.March, 26, 2, 10, 0, 0, loc)),
		at("p-tie-b", time.Date(2028, time.March, 1, 9, 0, 0, 0, time.UTC)),
		at("p-tie-a", time.Date(2028, time.March, 1, 9, 0, 0, 0, time.UTC)),
		done,
	)
	view(t, st, func(tx permit.ReadTx) error {
		rs, err := tx.PaymentRetriesDue(now, 10)
		require.NoError(t, err)
		require.Equal(t, []string{"void:p-tie-a", "void:p-tie-b", "void:p-wall", "void:p-now"}, retryIDs(rs))
		rs, err = tx.PaymentRetriesDue(now, 2)
		require.NoError(t, err)
		require.Equal(t, []string{"void:p-tie-a", "void:p-tie-b"}, retryIDs(rs))
		rs, err = tx.PaymentRetriesDue(now.Add(-365*24*time.Hour), 10)
		require.NoError(t, err)
		require.Empty(t, rs, "nothing due is no error")
		for _, limit := range []int{0, -1} {
			_, err = tx.PaymentRetriesDue(now, limit)
			require.ErrorIs(t, err, permit.ErrValidation, "limit %d", limit)
		}
		return nil
	})
}

func testPaymentRetriesPending(t *testing.T, s suite) {
	st := s.store(t)
	at := func(id string, created time.Time) permit.PaymentRetry {
		r := NewPaymentRetry(id)
		r.CreatedAt = created
		r.NextAttemptAt = created.Add(time.Duration(len(id)) * time.Hour)
		return r
	}
	t0 := time.Date(2028, time.June, 1, 12, 0, 0, 0, time.UTC)
	done := at("p-done", t0.Add(-time.Hour))
	done.Status = permit.PaymentRetryDone
	seedRetries(t, st, at("p-3", t0.Add(2*time.Hour)), at("p-b", t0), at("p-a", t0), done, at("p-first", t0.Add(-time.Minute)))
	view(t, st, func(tx permit.ReadTx) error {
		rs, err := tx.PaymentRetriesPending(10)
		require.NoError(t, err)
		require.Equal(t, []string{"void:p-first", "void:p-a", "void:p-b", "void:p-3"}, retryIDs(rs))
		rs, err = tx.PaymentRetriesPending(1)
		require.NoError(t, err)
		require.Equal(t, []string{"void:p-first"}, retryIDs(rs))
		_, err = tx.PaymentRetriesPending(0)
		require.ErrorIs(t, err, permit.ErrValidation)
		return nil
	})
}

func testPaymentRetryOwnWrites(t *testing.T, s suite) {
	st := s.store(t)
	seedRetries(t, st, NewPaymentRetry("p-1"))
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.CreatePaymentRetry(NewPaymentRetry("p-2")))
		got, err := tx.PaymentRetry("void:p-2")
		require.NoError(t, err)
		require.Equal(t, 1, got.Version)
		got.Status = permit.PaymentRetryDone
		require.NoError(t, tx.UpdatePaymentRetry(got))
		first, err := tx.PaymentRetry("void:p-1")
		require.NoError(t, err)
		first.Attempts = 1
		first.NextAttemptAt = fixtureCreatedAt.Add(time.Hour)
		require.NoError(t, tx.UpdatePaymentRetry(first))

		due, err := tx.PaymentRetriesDue(fixtureCreatedAt, 10)
		require.NoError(t, err)
		require.Empty(t, due, "one is done and the other not due until later, within the transaction")
		pending, err := tx.PaymentRetriesPending(10)
		require.NoError(t, err)
		require.Equal(t, []string{"void:p-1"}, retryIDs(pending))
		return nil
	})
	require.Equal(t, permit.PaymentRetryDone, getPaymentRetry(t, st, "void:p-2").Status)
	require.Equal(t, 2, getPaymentRetry(t, st, "void:p-1").Version)

	// A failed transaction keeps no payment retry.
	boom := st.Update(t.Context(), func(tx permit.Tx) error {
		require.NoError(t, tx.CreatePaymentRetry(NewPaymentRetry("p-3")))
		return permit.ErrConflict
	})
	require.ErrorIs(t, boom, permit.ErrConflict)
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.PaymentRetry("void:p-3")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	})
}
