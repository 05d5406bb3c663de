package govukpay_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
	"github.com/carerpermit/carerpermit/permit"
)

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sleeps records the client's waits instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

// newPair starts a fake (which checks every request against Pay's
// document) and a client of it that never really waits.
func newPair(t *testing.T, opts govukpaytest.Options) (*govukpaytest.Server, *govukpay.Client, *sleeps) {
	t.Helper()
	pay := govukpaytest.New(t, opts)
	sl := &sleeps{}
	c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: govukpaytest.DefaultAPIKey, Sleep: sl.sleep, RateLimit: -1})
	require.NoError(t, err)
	return pay, c, sl
}

func request(key string) permit.HostedPaymentRequest {
	return permit.HostedPaymentRequest{
		IdempotencyKey: key, AccountID: "acc_000001", PermitID: "per_000001", Amount: money("55.00"),
		Reference: "per_000001", Description: "Essential Carer Permit, Zone B, 1 Apr 2027 to 31 Mar 2028",
		ReturnURL: "https://permits.example.gov.uk/v1/payments/return/s3cr3t", DelayedCapture: true,
		Email: "resident@example.com", Language: "en", Metadata: map[string]string{"permit_id": "per_000001", "account_id": "acc_000001"},
	}
}

func TestHostedPaymentJourney(t *testing.T) {
	pay, c, _ := newPair(t, govukpaytest.Options{})
	ctx := context.Background()

	p, err := c.StartPayment(ctx, request("authorise:per_000001"))
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCreated, p.Status)
	require.NotEmpty(t, p.NextURL)
	require.True(t, p.Amount.Equal(money("55.00")))
	require.Equal(t, pay.Now(), p.CreatedAt)
	require.Equal(t, p.CreatedAt.Add(90*time.Minute), p.ExpiresAt)
	held, _ := pay.Payment(p.ID)
	require.EqualValues(t, 5500, held.Amount, "pence, exactly")
	require.Equal(t, map[string]any{"permit_id": "per_000001", "account_id": "acc_000001"}, held.Metadata)

	_, err = pay.Complete(p.NextURL, govukpaytest.Pay)
	require.NoError(t, err)
	p, err = c.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentAuthorised, p.Status)
	require.Equal(t, "capturable", p.ProviderStatus)
	require.Equal(t, p.CreatedAt.Add(120*time.Hour), p.ExpiresAt, "the capture window runs from creation")
	require.Empty(t, p.NextURL)

	p, err = c.Capture(ctx, p.ID, "capture:per_000001")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCaptured, p.Status)
	again, err := c.Capture(ctx, p.ID, "capture:per_000001")
	require.NoError(t, err, "capturing again is harmless")
	require.Equal(t, permit.PaymentCaptured, again.Status)
	require.True(t, p.RefundAvailable.Equal(money("55.00")))

	refund := permit.RefundRequest{PaymentID: p.ID, Amount: money("20.50"), Available: p.RefundAvailable, IdempotencyKey: "refund:per_000001"}
	p, err = c.Refund(ctx, refund)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, p.Status)
	require.True(t, p.Refunded.Equal(money("20.50")))
	require.True(t, p.RefundAvailable.Equal(money("34.50")))

	// The same refund asked again (an answer lost, a retry) moves nothing.
	p, err = c.Refund(ctx, refund)
	require.NoError(t, err)
	require.True(t, p.Refunded.Equal(money("20.50")))
	held, _ = pay.Payment(p.ID)
	require.Len(t, held.Refunds, 1)

	// A refund decided on a stale amount is a conflict, not a second refund.
	_, err = c.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("1.00"), Available: money("55.00"), IdempotencyKey: "refund:x"})
	require.ErrorIs(t, err, permit.ErrConflict)
	_, err = c.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("34.51"), Available: money("34.50"), IdempotencyKey: "refund:y"})
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	p, err = c.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("34.50"), Available: money("34.50"), IdempotencyKey: "refund:z"})
	require.NoError(t, err)
	require.True(t, p.RefundAvailable.IsZero())
}

func TestStartPaymentIdempotency(t *testing.T) {
	pay, c, _ := newPair(t, govukpaytest.Options{})
	ctx := context.Background()
	first, err := c.StartPayment(ctx, request("authorise:per_000001:1"))
	require.NoError(t, err)
	again, err := c.StartPayment(ctx, request("authorise:per_000001:1"))
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	require.Len(t, pay.Payments(), 1)

	other := request("authorise:per_000001:1")
	other.Amount = money("60.00")
	_, err = c.StartPayment(ctx, other)
	require.ErrorIs(t, err, permit.ErrConflict)
	var pe *permit.ProviderError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "P0191", pe.Code)

	keys := map[string]bool{}
	for _, r := range pay.Requests() {
		if r.Method == "POST" {
			require.Regexp(t, `^[a-zA-Z0-9-]{1,255}$`, r.IdempotencyKey)
			keys[r.IdempotencyKey] = true
		}
	}
	require.Len(t, keys, 1)
}

func TestStartPaymentRefusals(t *testing.T) {
	_, c, _ := newPair(t, govukpaytest.Options{})
	ctx := context.Background()
	r := request("k1")
	r.Amount = money("55.005")
	_, err := c.StartPayment(ctx, r)
	require.ErrorIs(t, err, permit.ErrValidation)
	r = request("k2")
	r.Amount = money("100000.01")
	_, err = c.StartPayment(ctx, r)
	require.ErrorIs(t, err, permit.ErrValidation)
	r = request("k3")
	r.Metadata = map[string]string{"a_key_that_is_far_too_long_for_pay": "v"}
	_, err = c.StartPayment(ctx, r)
	require.ErrorIs(t, err, permit.ErrValidation)

	// Characters Pay's firewall refuses are left out, not sent.
	r = request("k4")
	r.Description = `Permit "Zone <B>" | carer\`
	p, err := c.StartPayment(ctx, r)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCreated, p.Status)
}

func TestPayerOutcomesMapped(t *testing.T) {
	for _, tc := range []struct {
		outcome  govukpaytest.Outcome
		status   permit.PaymentStatus
		failure  string
		provider string
	}{
		{govukpaytest.Decline, permit.PaymentFailed, permit.FailureDeclined, "P0010"},
		{govukpaytest.Cancel, permit.PaymentFailed, permit.FailureCancelledByPayer, "P0030"},
		{govukpaytest.Fail, permit.PaymentFailed, permit.FailureProviderError, "P0050"},
		{govukpaytest.Abandon, permit.PaymentCreated, "", ""},
	} {
		t.Run(string(tc.outcome), func(t *testing.T) {
			pay, c, _ := newPair(t, govukpaytest.Options{})
			ctx := context.Background()
			p, err := c.StartPayment(ctx, request("k"))
			require.NoError(t, err)
			_, err = pay.Complete(p.NextURL, tc.outcome)
			require.NoError(t, err)
			p, err = c.Payment(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, tc.status, p.Status)
			if tc.failure == "" {
				require.Nil(t, p.Failure)
				require.NotEmpty(t, p.NextURL, "the payer can resume on a fresh link")
				return
			}
			require.Equal(t, tc.failure, p.Failure.Code)
			require.Equal(t, tc.provider, p.Failure.ProviderCode)
			require.NotEmpty(t, p.Failure.Detail)
		})
	}
}

func TestExpiriesAndCaptureWindow(t *testing.T) {
	pay, c, _ := newPair(t, govukpaytest.Options{})
	ctx := context.Background()
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err)
	pay.Advance(90 * time.Minute)
	p, err = c.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentExpired, p.Status)
	require.Equal(t, permit.FailureExpired, p.Failure.Code)

	held, err := c.StartPayment(ctx, request("k2"))
	require.NoError(t, err)
	_, err = pay.Complete(held.NextURL, govukpaytest.Pay)
	require.NoError(t, err)
	pay.Advance(120 * time.Hour)
	p, err = c.Capture(ctx, held.ID, "capture:k2")
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	var pe *permit.ProviderError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "P1003", pe.Code)
	require.Equal(t, http.StatusConflict, pe.Status)
	require.Equal(t, permit.PaymentExpired, p.Status, "the refusal comes with the payment as Pay holds it")
}

func TestCancel(t *testing.T) {
	pay, c, _ := newPair(t, govukpaytest.Options{})
	ctx := context.Background()
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err)
	_, err = pay.Complete(p.NextURL, govukpaytest.Pay)
	require.NoError(t, err)
	p, err = c.Cancel(ctx, p.ID, "void:k1")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, p.Status)
	require.Equal(t, "P0040", p.Failure.ProviderCode)
	p, err = c.Cancel(ctx, p.ID, "void:k1")
	require.NoError(t, err, "cancelling again is harmless")
	require.Equal(t, permit.PaymentVoided, p.Status)

	// A declined payment is finished already: nothing to cancel.
	declined, err := c.StartPayment(ctx, request("k2"))
	require.NoError(t, err)
	_, err = pay.Complete(declined.NextURL, govukpaytest.Decline)
	require.NoError(t, err)
	p, err = c.Cancel(ctx, declined.ID, "void:k2")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentFailed, p.Status)

	// A captured payment is refunded, not cancelled.
	taken, err := c.StartPayment(ctx, request("k3"))
	require.NoError(t, err)
	_, err = pay.Complete(taken.NextURL, govukpaytest.Pay)
	require.NoError(t, err)
	_, err = c.Capture(ctx, taken.ID, "capture:k3")
	require.NoError(t, err)
	p, err = c.Cancel(ctx, taken.ID, "void:k3")
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	require.Equal(t, permit.PaymentCaptured, p.Status)

	_, err = c.Cancel(ctx, "nosuchpayment", "void:x")
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = c.Payment(ctx, "nosuchpayment")
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = c.Capture(ctx, "nosuchpayment", "capture:x")
	require.ErrorIs(t, err, permit.ErrNotFound)
}

func TestBackoffOn429AndFaults(t *testing.T) {
	pay, c, sl := newPair(t, govukpaytest.Options{})
	ctx := context.Background()
	pay.Throttle(2)
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err, "two 429s, then created")
	require.Equal(t, permit.PaymentCreated, p.Status)
	require.Len(t, sl.waits, 2)
	require.GreaterOrEqual(t, sl.waits[0], 500*time.Millisecond, "about a second, jittered")
	require.LessOrEqual(t, sl.waits[0], time.Second)
	require.GreaterOrEqual(t, sl.waits[1], time.Second, "backing off: doubled")
	require.LessOrEqual(t, sl.waits[1], 2*time.Second)
	var tries []string
	for _, r := range pay.Requests() {
		tries = append(tries, r.IdempotencyKey)
	}
	require.Len(t, tries, 3)
	require.Equal(t, tries[0], tries[2], "every attempt carries the same key")

	pay.Throttle(100)
	_, err = c.Payment(ctx, p.ID)
	require.ErrorIs(t, err, permit.ErrUnavailable, "still limited after the attempts: unavailable")
	var pe *permit.ProviderError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "P0900", pe.Code)
	pay.Throttle(0)

	pay.FailNext(100)
	_, err = c.StartPayment(ctx, request("k2"))
	require.ErrorIs(t, err, permit.ErrUnavailable)
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "P0198", pe.Code)
	pay.FailNext(0)
	n := len(pay.Payments())
	second, err := c.StartPayment(ctx, request("k2"))
	require.NoError(t, err, "asked again with the same key, it completes")
	again, err := c.StartPayment(ctx, request("k2"))
	require.NoError(t, err)
	require.Equal(t, second.ID, again.ID, "once")
	require.Len(t, pay.Payments(), n+1)
}

func TestBadKey(t *testing.T) {
	pay := govukpaytest.New(t, govukpaytest.Options{})
	c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: "api_test_wrong"})
	require.NoError(t, err)
	_, err = c.StartPayment(context.Background(), request("k"))
	require.ErrorIs(t, err, permit.ErrUnavailable)
	var pe *permit.ProviderError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, http.StatusUnauthorized, pe.Status)

	_, err = govukpay.New(govukpay.Options{})
	require.Error(t, err, "a key is required")
	_, err = govukpay.New(govukpay.Options{APIKey: "k", BaseURL: "publicapi.payments.service.gov.uk"})
	require.Error(t, err, "an absolute URL is required")
}

// The client keeps under Pay's 15 POSTs a second of its own accord: the
// fake, counting on the real clock, answers no 429.
func TestRateLimitRespected(t *testing.T) {
	if testing.Short() {
		t.Skip("takes more than a second")
	}
	pay := govukpaytest.New(t, govukpaytest.Options{})
	c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: govukpaytest.DefaultAPIKey, MaxAttempts: 1})
	require.NoError(t, err)
	const n = 24
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.StartPayment(context.Background(), request("rate-"+string(rune('a'+i))))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.GreaterOrEqual(t, time.Since(start), time.Second*(n-1)/govukpay.RateLimit, "spaced")
	for _, r := range pay.Requests() {
		require.NotEqual(t, http.StatusTooManyRequests, r.Status)
	}
}

func TestPence(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"55.00", 5500, true}, {"55", 5500, true}, {"0.01", 1, true}, {"0.1", 10, true},
		{"100000.00", 10000000, true}, {"19.99", 1999, true},
		{"55.001", 0, false}, {"0", 0, false}, {"-1.00", 0, false}, {"100000.01", 0, false}, {"0.005", 0, false},
	} {
		got, err := govukpay.Pence(money(tc.in))
		if !tc.ok {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.True(t, govukpay.Pounds(got).Equal(money(tc.in)), tc.in)
	}
}

var payKey = regexp.MustCompile(`^[a-zA-Z0-9-]{1,255}$`)

func TestIdempotencyKey(t *testing.T) {
	require.Equal(t, "per-000001-attempt-1", govukpay.IdempotencyKey("per-000001-attempt-1"), "a key Pay takes goes as it is")
	for _, k := range []string{"authorise:per_01", "authorise-per_01", "authorise:per-01", "", "ü", string(make([]byte, 300))} {
		require.Regexp(t, payKey, govukpay.IdempotencyKey(k), k)
	}
	require.NotEqual(t, govukpay.IdempotencyKey("a:b"), govukpay.IdempotencyKey("a_b"))
	require.NotEqual(t, govukpay.IdempotencyKey("a:b"), govukpay.IdempotencyKey("a-b"))
	require.Equal(t, govukpay.IdempotencyKey("capture:per_1"), govukpay.IdempotencyKey("capture:per_1"), "the same key maps the same way")
}

func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{"authorise:per_01", "x", "", "a-b", "ü:€"} {
		f.Add(s, s+"!")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := govukpay.IdempotencyKey(a), govukpay.IdempotencyKey(b)
		if !payKey.MatchString(ka) {
			t.Fatalf("%q maps to %q, outside Pay's alphabet", a, ka)
		}
		if a != b && ka == kb {
			t.Fatalf("%q and %q both map to %q", a, b, ka)
		}
	})
}

func FuzzPence(f *testing.F) {
	for _, s := range []string{"55.00", "0.01", "55.001", "-3", "1e3", "100000.00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := decimal.NewFromString(s)
		if err != nil {
			return
		}
		p, err := govukpay.Pence(d)
		if err != nil {
			return
		}
		if p < 1 || p > govukpay.MaxAmount || !govukpay.Pounds(p).Equal(d) {
			t.Fatalf("%s → %d pence", s, p)
		}
	})
}
