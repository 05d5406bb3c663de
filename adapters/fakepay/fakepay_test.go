package fakepay_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/permit"
)

func req(key, amount string) permit.PaymentRequest {
	return permit.PaymentRequest{IdempotencyKey: key, AccountID: "acc_1", PermitID: "per_1", Amount: decimal.RequireFromString(amount)}
}

func TestIdempotencyKeysMoveMoneyOnce(t *testing.T) {
	ctx := context.Background()
	g := fakepay.New()
	p1, err := g.Authorise(ctx, req("authorise:per_1", "55.00"))
	require.NoError(t, err)
	p2, err := g.Authorise(ctx, req("authorise:per_1", "55.00"))
	require.NoError(t, err)
	require.Equal(t, p1, p2, "the same key returns the first result")
	require.Len(t, g.Ledger(), 1)

	for range 3 {
		_, err = g.Capture(ctx, p1.ID, "capture:per_1")
		require.NoError(t, err)
	}
	require.True(t, g.Taken().Equal(decimal.RequireFromString("55.00")))
	require.Len(t, g.Ledger(), 2)

	_, err = g.Void(ctx, p1.ID, "capture:per_1")
	require.ErrorIs(t, err, permit.ErrConflict, "a key reused for another operation")
}

func TestStates(t *testing.T) {
	ctx := context.Background()
	g := fakepay.New()
	p, err := g.Authorise(ctx, req("a", "55.00"))
	require.NoError(t, err)
	_, err = g.Refund(ctx, p.ID, p.Amount, "r0")
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "nothing captured to refund")
	v, err := g.Void(ctx, p.ID, "v")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, v.Status)
	_, err = g.Capture(ctx, p.ID, "c")
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	require.True(t, g.Held().IsZero())
	require.True(t, g.Taken().IsZero())

	q, err := g.Authorise(ctx, req("b", "55.00"))
	require.NoError(t, err)
	_, err = g.Capture(ctx, q.ID, "cb")
	require.NoError(t, err)
	_, err = g.Refund(ctx, q.ID, decimal.RequireFromString("60.00"), "rb")
	require.ErrorIs(t, err, permit.ErrValidation, "never more than was taken")
	r, err := g.Refund(ctx, q.ID, decimal.RequireFromString("20.00"), "rb2")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, r.Status)
	require.True(t, g.Taken().Equal(decimal.RequireFromString("35.00")))

	_, err = g.Capture(ctx, "pay_nope", "x")
	require.ErrorIs(t, err, permit.ErrNotFound)
}

func TestDeclineAndZeroAmount(t *testing.T) {
	ctx := context.Background()
	g := fakepay.New()
	g.Decline = func(permit.PaymentRequest) string { return "card expired" }
	_, err := g.Authorise(ctx, req("a", "55.00"))
	require.ErrorIs(t, err, permit.ErrPaymentFailed)
	require.ErrorContains(t, err, "card expired")
	_, err = g.Authorise(ctx, req("z", "0.00"))
	require.ErrorIs(t, err, permit.ErrValidation)
	require.Empty(t, g.Ledger())
}

func TestConcurrentRetriesChargeOnce(t *testing.T) {
	ctx := context.Background()
	g := fakepay.New()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := g.Authorise(ctx, req(fmt.Sprintf("authorise:per_%d", i%4), "55.00"))
			if err == nil {
				_, _ = g.Capture(ctx, p.ID, fmt.Sprintf("capture:per_%d", i%4))
			}
		}()
	}
	wg.Wait()
	require.True(t, g.Taken().Equal(decimal.RequireFromString("220.00")), "four permits, each charged once")
}

func ExampleGateway() {
	ctx := context.Background()
	g := fakepay.New()
	p, _ := g.Authorise(ctx, permit.PaymentRequest{IdempotencyKey: "authorise:per_1", Amount: decimal.RequireFromString("55.00")})
	_, _ = g.Capture(ctx, p.ID, "capture:per_1")
	fmt.Print(g)
	fmt.Println("taken", g.Taken().StringFixed(2))
	// Output:
	// pay_000001 authorise 55.00
	// pay_000001 capture   55.00
	// taken 55.00
}
