package fakepay_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/permit"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hostedEnv is a Hosted provider with its page served.
type hostedEnv struct {
	pay   *fakepay.Hosted
	clock *clock
	srv   *httptest.Server
	db    database
}

func newHosted(t *testing.T, db database) hostedEnv {
	t.Helper()
	c := &clock{now: time.Date(2027, 3, 27, 23, 30, 0, 0, time.UTC)} // the clocks go forward in London that night
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := fakepay.NewHosted(context.Background(), db.Open(t), db.Dialect, fakepay.HostedOptions{PageURL: srv.URL + "/v1/payments/fake", Now: c.Now})
	require.NoError(t, err)
	mux.Handle("/v1/payments/fake/", http.StripPrefix("/v1/payments/fake", h.Page()))
	return hostedEnv{pay: h, clock: c, srv: srv, db: db}
}

func hostedReq(key string, delayed bool) permit.HostedPaymentRequest {
	return permit.HostedPaymentRequest{
		IdempotencyKey: key, AccountID: "acc_1", PermitID: "per_1", Amount: decimal.RequireFromString("55.00"),
		Reference: "per_1", Description: "Essential Carer Permit, Zone B", ReturnURL: "https://permits.example.gov.uk/v1/payments/return/abc",
		DelayedCapture: delayed,
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// choose posts the payer's choice to next_url as a form (a browser) or
// as JSON (a script), and returns the status and Location.
func choose(t *testing.T, nextURL, outcome string, asJSON bool) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if asJSON {
		resp, err = noRedirect.Post(nextURL, "application/json", strings.NewReader(`{"outcome": "`+outcome+`"}`))
	} else {
		resp, err = noRedirect.PostForm(nextURL, url.Values{"outcome": {outcome}})
	}
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func ledgerOps(t *testing.T, e hostedEnv) []string {
	t.Helper()
	g, err := fakepay.NewSQL(context.Background(), e.db.Open(t), e.db.Dialect)
	require.NoError(t, err)
	entries, err := g.Ledger(context.Background())
	require.NoError(t, err)
	var ops []string
	for _, en := range entries {
		ops = append(ops, en.Op+" "+en.Amount.StringFixed(2))
	}
	return ops
}

func TestHostedJourney(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newHosted(t, newDB(t))
			ctx := context.Background()
			p, err := e.pay.StartPayment(ctx, hostedReq("authorise:per_1:1", true))
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCreated, p.Status)
			require.True(t, strings.HasPrefix(p.NextURL, e.srv.URL+"/v1/payments/fake/"), p.NextURL)
			require.Equal(t, e.clock.Now(), p.CreatedAt)
			require.Equal(t, p.CreatedAt.Add(90*time.Minute), p.ExpiresAt)

			resp, err := http.Get(p.NextURL)
			require.NoError(t, err)
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			for _, button := range []string{`value="pay"`, `value="decline"`, `value="cancel"`, "£55.00", "Essential Carer Permit, Zone B"} {
				require.Contains(t, string(page), button)
			}

			status, back := choose(t, p.NextURL, "pay", false)
			require.Equal(t, http.StatusSeeOther, status)
			require.Equal(t, "https://permits.example.gov.uk/v1/payments/return/abc", back)
			status, _ = choose(t, p.NextURL, "pay", true)
			require.Equal(t, http.StatusConflict, status, "the link works once")

			p, err = e.pay.Payment(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentAuthorised, p.Status)
			require.Equal(t, p.CreatedAt.Add(120*time.Hour), p.ExpiresAt)
			require.Empty(t, p.NextURL)

			p, err = e.pay.Capture(ctx, p.ID, "capture:per_1")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCaptured, p.Status)
			p, err = e.pay.Capture(ctx, p.ID, "capture:per_1")
			require.NoError(t, err)
			require.True(t, p.RefundAvailable.Equal(decimal.RequireFromString("55")))

			refund := permit.RefundRequest{PaymentID: p.ID, Amount: decimal.RequireFromString("5.50"), Available: p.RefundAvailable, IdempotencyKey: "refund:per_1"}
			p, err = e.pay.Refund(ctx, refund)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentRefunded, p.Status)
			p, err = e.pay.Refund(ctx, refund)
			require.NoError(t, err, "a retried refund moves nothing")
			require.True(t, p.Refunded.Equal(decimal.RequireFromString("5.50")))
			_, err = e.pay.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: decimal.RequireFromString("1"), Available: decimal.RequireFromString("55"), IdempotencyKey: "refund:stale"})
			require.ErrorIs(t, err, permit.ErrConflict)
			_, err = e.pay.Cancel(ctx, p.ID, "void:per_1")
			require.ErrorIs(t, err, permit.ErrInvalidTransition, "a captured payment is refunded, not cancelled")

			require.Equal(t, []string{"authorise 55.00", "capture 55.00", "refund 5.50"}, ledgerOps(t, e))
		})
	}
}

func TestHostedPayerChoices(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newHosted(t, newDB(t))
			ctx := context.Background()
			for i, tc := range []struct {
				outcome string
				delayed bool
				status  permit.PaymentStatus
				failure string
			}{
				{"decline", true, permit.PaymentFailed, permit.FailureDeclined},
				{"cancel", true, permit.PaymentFailed, permit.FailureCancelledByPayer},
				{"pay", false, permit.PaymentCaptured, ""},
			} {
				p, err := e.pay.StartPayment(ctx, hostedReq("k"+string(rune('a'+i)), tc.delayed))
				require.NoError(t, err)
				status, back := choose(t, p.NextURL, tc.outcome, true)
				require.Equal(t, http.StatusSeeOther, status, tc.outcome)
				require.NotEmpty(t, back)
				p, err = e.pay.Payment(ctx, p.ID)
				require.NoError(t, err)
				require.Equal(t, tc.status, p.Status, tc.outcome)
				if tc.failure != "" {
					require.Equal(t, tc.failure, p.Failure.Code)
				} else {
					require.Nil(t, p.Failure)
				}
			}
			require.Equal(t, []string{"capture 55.00"}, ledgerOps(t, e), "only the paid one moved money")

			p, err := e.pay.StartPayment(ctx, hostedReq("kz", true))
			require.NoError(t, err)
			status, _ := choose(t, p.NextURL, "steal", true)
			require.Equal(t, http.StatusUnprocessableEntity, status)
			status, _ = choose(t, e.srv.URL+"/v1/payments/fake/nosuchtoken", "pay", true)
			require.Equal(t, http.StatusNotFound, status)
			resp, err := noRedirect.Post(p.NextURL, "application/json", strings.NewReader(`{"outcome": "pay", "amount": 0}`))
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "unknown fields are refused")
			p, err = e.pay.Payment(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCreated, p.Status, "bad requests change nothing")
		})
	}
}

func TestHostedIdempotency(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			e := newHosted(t, db)
			ctx := context.Background()
			var wg sync.WaitGroup
			ids := make([]string, 8)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := e.pay.StartPayment(ctx, hostedReq("authorise:per_1:1", true))
					require.NoError(t, err)
					ids[i] = p.ID
				}()
			}
			wg.Wait()
			for _, id := range ids {
				require.Equal(t, ids[0], id, "one payment for one key, however many ask at once")
			}
			again := newHosted(t, db) // another instance on the same database
			p, err := again.pay.StartPayment(ctx, hostedReq("authorise:per_1:1", true))
			require.NoError(t, err)
			require.Equal(t, ids[0], p.ID)
			other := hostedReq("authorise:per_1:1", true)
			other.Amount = decimal.RequireFromString("60.00")
			_, err = again.pay.StartPayment(ctx, other)
			require.ErrorIs(t, err, permit.ErrConflict)
			bad := hostedReq("k", true)
			bad.Amount = decimal.RequireFromString("1.005")
			_, err = e.pay.StartPayment(ctx, bad)
			require.ErrorIs(t, err, permit.ErrValidation)
		})
	}
}

func TestHostedDeadlines(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newHosted(t, newDB(t))
			ctx := context.Background()
			unpaid, err := e.pay.StartPayment(ctx, hostedReq("k1", true))
			require.NoError(t, err)
			held, err := e.pay.StartPayment(ctx, hostedReq("k2", true))
			require.NoError(t, err)
			status, _ := choose(t, held.NextURL, "pay", true)
			require.Equal(t, http.StatusSeeOther, status)

			e.clock.Advance(90*time.Minute - time.Microsecond)
			p, err := e.pay.Payment(ctx, unpaid.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentCreated, p.Status)
			e.clock.Advance(time.Microsecond)
			p, err = e.pay.Payment(ctx, unpaid.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentExpired, p.Status)
			require.Equal(t, permit.FailureExpired, p.Failure.Code)
			status, _ = choose(t, unpaid.NextURL, "pay", true)
			require.Equal(t, http.StatusConflict, status, "too late to pay")

			e.clock.Advance(120*time.Hour - 90*time.Minute)
			_, err = e.pay.Capture(ctx, held.ID, "capture:k2")
			require.ErrorIs(t, err, permit.ErrInvalidTransition)
			p, err = e.pay.Payment(ctx, held.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentExpired, p.Status, "the hold lapsed 120 hours after creation")
			p, err = e.pay.Cancel(ctx, held.ID, "void:k2")
			require.NoError(t, err, "cancelling a lapsed hold is harmless")
			require.Equal(t, permit.PaymentExpired, p.Status)
			require.Equal(t, []string{"authorise 55.00", "expire 55.00"}, ledgerOps(t, e), "the lapse is recorded once")
		})
	}
}

func TestHostedCancel(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := newHosted(t, newDB(t))
			ctx := context.Background()
			waiting, err := e.pay.StartPayment(ctx, hostedReq("k1", true))
			require.NoError(t, err)
			p, err := e.pay.Cancel(ctx, waiting.ID, "void:k1")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentVoided, p.Status)
			status, _ := choose(t, waiting.NextURL, "pay", false)
			require.Equal(t, http.StatusConflict, status, "a cancelled payment cannot be paid")

			held, err := e.pay.StartPayment(ctx, hostedReq("k2", true))
			require.NoError(t, err)
			status, _ = choose(t, held.NextURL, "pay", false)
			require.Equal(t, http.StatusSeeOther, status)
			p, err = e.pay.Cancel(ctx, held.ID, "void:k2")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentVoided, p.Status)
			require.Equal(t, permit.FailureCancelled, p.Failure.Code)
			p, err = e.pay.Cancel(ctx, held.ID, "void:k2")
			require.NoError(t, err)
			require.Equal(t, permit.PaymentVoided, p.Status)
			require.Equal(t, []string{"authorise 55.00", "void 55.00"}, ledgerOps(t, e))

			_, err = e.pay.Payment(ctx, "pay_nosuch")
			require.ErrorIs(t, err, permit.ErrNotFound)
		})
	}
}
