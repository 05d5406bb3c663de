package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
)

// payPage is a permit.HostedPayments whose payer the test plays.
type payPage struct {
	mu    sync.Mutex
	now   func() time.Time
	byID  map[string]*permit.HostedPayment
	byKey map[string]string
	down  bool
}

func (f *payPage) StartPayment(_ context.Context, req permit.HostedPaymentRequest) (permit.HostedPayment, error) {
	if err := req.Validate(); err != nil {
		return permit.HostedPayment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return permit.HostedPayment{}, fmt.Errorf("%w: down", permit.ErrUnavailable)
	}
	if id, ok := f.byKey[req.IdempotencyKey]; ok {
		return *f.byID[id], nil
	}
	id := fmt.Sprintf("pay%d", len(f.byID)+1)
	f.byID[id] = &permit.HostedPayment{ID: id, Status: permit.PaymentCreated, Amount: req.Amount, DelayedCapture: true,
		CreatedAt: f.now(), NextURL: "https://pay.example/secure/" + id, ExpiresAt: f.now().Add(90 * time.Minute),
		Refunded: decimal.Zero, RefundAvailable: decimal.Zero}
	f.byKey[req.IdempotencyKey] = id
	return *f.byID[id], nil
}

func (f *payPage) set(id string, st permit.PaymentStatus, failure *permit.PaymentFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byID[id]
	p.Status, p.Failure, p.NextURL = st, failure, ""
}

func (f *payPage) Payment(_ context.Context, id string) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[id]
	if !ok {
		return permit.HostedPayment{}, permit.ErrNotFound
	}
	return *p, nil
}

func (f *payPage) move(id string, to permit.PaymentStatus) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[id]
	if !ok {
		return permit.HostedPayment{}, permit.ErrNotFound
	}
	p.Status = to
	return *p, nil
}

func (f *payPage) Capture(_ context.Context, id, _ string) (permit.HostedPayment, error) {
	return f.move(id, permit.PaymentCaptured)
}

func (f *payPage) Cancel(_ context.Context, id, _ string) (permit.HostedPayment, error) {
	return f.move(id, permit.PaymentVoided)
}

func (f *payPage) Refund(_ context.Context, req permit.RefundRequest) (permit.HostedPayment, error) {
	return f.move(req.PaymentID, permit.PaymentRefunded)
}

func TestHostedPaymentRoutes(t *testing.T) {
	pp := &payPage{byID: map[string]*permit.HostedPayment{}, byKey: map[string]string{}}
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{service: func(o *permit.Options) {
		pp.now = o.Now
		o.HostedPayments = pp
		o.PaymentReturnURL = httpapi.ReturnURL("https://permits.example/")
	}})
	accID, tok := hs.account(home)
	// The free place first, then a paid one.
	hs.apply(accID, tok, "AB12CDE")
	paid := hs.must(http.StatusCreated, "POST", "/v1/accounts/"+accID+"/permits", tok, map[string]any{
		"type": "essential-carer", "vrm": "CD34EFG", "pay": true, "evidence": hs.proofOfCare()})
	require.Equal(t, "awaiting_payment", paid["status"])
	pay := paid["payment"].(map[string]any)
	require.Equal(t, "created", pay["status"])
	require.Equal(t, "https://pay.example/secure/pay1", pay["next_url"])
	require.NotEmpty(t, pay["expires_at"])
	id := paid["id"].(string)

	// The payer declines; the return confirms with the provider.
	pp.set("pay1", permit.PaymentFailed, &permit.PaymentFailure{Code: permit.FailureDeclined, ProviderCode: "P0010"})
	ret := hs.must(http.StatusOK, "GET", "/v1/payments/"+id+".1/return", "", nil)
	require.Equal(t, "awaiting_payment", ret["status"])
	require.Equal(t, "failed", ret["payment_status"])
	require.Equal(t, "declined", ret["failure"].(map[string]any)["code"])
	hs.must(http.StatusNotFound, "GET", "/v1/payments/"+id+".7/return", "", nil)
	hs.must(http.StatusNotFound, "GET", "/v1/payments/nonsense/return", "", nil)

	// Another account may not start its payment.
	_, other := hs.account(neighbour)
	hs.must(http.StatusNotFound, "POST", "/v1/permits/"+id+"/payment", other, nil)

	again := hs.must(http.StatusCreated, "POST", "/v1/permits/"+id+"/payment", tok, nil)
	require.Equal(t, "https://pay.example/secure/pay2", again["payment"].(map[string]any)["next_url"])
	require.EqualValues(t, 2, again["payment"].(map[string]any)["attempt"])

	pp.set("pay2", permit.PaymentAuthorised, nil)
	got := hs.must(http.StatusOK, "POST", "/v1/permits/"+id+"/payment/refresh", tok, nil)
	require.Equal(t, "pending_review", got["status"])
	require.Equal(t, "authorised", got["payment"].(map[string]any)["status"])
	hs.must(http.StatusConflict, "POST", "/v1/permits/"+id+"/payment", tok, nil)

	approved := hs.must(http.StatusOK, "POST", "/v1/permits/"+id+"/approve", hs.officer, nil)
	require.Equal(t, "captured", approved["payment"].(map[string]any)["status"])
}
