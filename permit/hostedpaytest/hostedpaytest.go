// Package hostedpaytest is the conformance suite every
// permit.HostedPayments must pass: the semantics of a payment on a
// provider's hosted page (states, deadlines, idempotency, the refund
// guard, the errors each method returns) written once, so that GOV.UK
// Pay's adapter and the evaluation server's simulated provider behave the
// same. A provider's test gives a Harness and calls Run; it decides
// nothing itself.
package hostedpaytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Outcome is what the payer does on the provider's page.
type Outcome string

// Outcomes a Harness must be able to play.
const (
	Pay     Outcome = "pay"     // the card is authorised and the payer confirms
	Decline Outcome = "decline" // the card is refused
	Cancel  Outcome = "cancel"  // the payer chooses Cancel
)

// The deadlines every provider keeps (GOV.UK Pay's).
const (
	SessionLifetime = 90 * time.Minute
	CaptureWindow   = 120 * time.Hour
)

// Harness is one provider under test, fresh (no payments) for each case.
type Harness struct {
	// Payments is the provider.
	Payments permit.HostedPayments
	// Payer plays the payer's browser on next_url and returns the URL the
	// provider sends the browser back to.
	Payer func(ctx context.Context, nextURL string, o Outcome) (returnURL string, err error)
	// Advance moves the provider's clock on by d (and applies what fell due).
	Advance func(d time.Duration)
}

// Run runs every case against fresh harnesses.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newHarness(t)) })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, h Harness)
}{
	{"StartWaitsForThePayer", testStart},
	{"StartIsIdempotent", testStartIdempotent},
	{"StartRefusesBadRequests", testStartRefusals},
	{"DelayedCaptureHoldsThenTakes", testDelayedCapture},
	{"ImmediatePaymentIsTaken", testImmediate},
	{"PayerDeclinesOrCancels", testPayerFails},
	{"CancelReleasesTheHold", testCancel},
	{"RefundAgainstTheAmountAvailable", testRefund},
	{"PayerSessionExpires", testSessionExpiry},
	{"HoldLapsesAfterTheCaptureWindow", testHoldLapses},
	{"UnknownPayment", testUnknown},
}

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func request(key string, delayed bool) permit.HostedPaymentRequest {
	return permit.HostedPaymentRequest{
		IdempotencyKey: key, AccountID: "acc_000001", PermitID: "per_000001", Amount: money("55.00"),
		Reference: "per_000001", Description: "Essential Carer Permit, Zone B",
		ReturnURL: "https://permits.example.gov.uk/v1/payments/return/" + key, DelayedCapture: delayed,
		Email: "resident@example.com", Language: "en", Metadata: map[string]string{"permit_id": "per_000001"},
	}
}

func start(t *testing.T, h Harness, key string, delayed bool) permit.HostedPayment {
	t.Helper()
	p, err := h.Payments.StartPayment(context.Background(), request(key, delayed))
	require.NoError(t, err)
	return p
}

// paid starts a payment and has the payer pay it.
func paid(t *testing.T, h Harness, key string, delayed bool) permit.HostedPayment {
	t.Helper()
	p := start(t, h, key, delayed)
	back, err := h.Payer(context.Background(), p.NextURL, Pay)
	require.NoError(t, err)
	require.Equal(t, request(key, delayed).ReturnURL, back, "the browser goes back to the return URL")
	p, err = h.Payments.Payment(context.Background(), p.ID)
	require.NoError(t, err)
	return p
}

func testStart(t *testing.T, h Harness) {
	p := start(t, h, "authorise-per_000001-1", true)
	require.NotEmpty(t, p.ID)
	require.Equal(t, permit.PaymentCreated, p.Status)
	require.True(t, p.Amount.Equal(money("55.00")), p.Amount.String())
	require.True(t, p.DelayedCapture)
	require.NotEmpty(t, p.NextURL)
	require.False(t, p.CreatedAt.IsZero())
	require.Equal(t, p.CreatedAt.Add(SessionLifetime), p.ExpiresAt)
	require.False(t, p.Finished())
	require.Nil(t, p.Failure)
	require.True(t, p.RefundAvailable.IsZero() && p.Refunded.IsZero(), "nothing taken, nothing to refund")
	read, err := h.Payments.Payment(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCreated, read.Status)
	require.NotEmpty(t, read.NextURL, "the payer can still be sent to the page")
	require.Equal(t, "per_000001", p.PermitID, "the provider keeps the permit the payment is for")
	require.Equal(t, "per_000001", read.PermitID)
}

func testStartIdempotent(t *testing.T, h Harness) {
	first := start(t, h, "authorise:per_000001:1", true)
	again := start(t, h, "authorise:per_000001:1", true)
	require.Equal(t, first.ID, again.ID, "the same key gives the same payment")
	other := start(t, h, "authorise:per_000001:2", true)
	require.NotEqual(t, first.ID, other.ID)

	changed := request("authorise:per_000001:1", true)
	changed.Amount = money("60.00")
	_, err := h.Payments.StartPayment(context.Background(), changed)
	require.ErrorIs(t, err, permit.ErrConflict, "a key reused for another payment")
}

func testStartRefusals(t *testing.T, h Harness) {
	for _, change := range []func(*permit.HostedPaymentRequest){
		func(r *permit.HostedPaymentRequest) { r.Amount = money("55.005") },
		func(r *permit.HostedPaymentRequest) { r.Amount = decimal.Zero },
		func(r *permit.HostedPaymentRequest) { r.ReturnURL = "/relative" },
		func(r *permit.HostedPaymentRequest) { r.IdempotencyKey = "" },
	} {
		r := request("refused", true)
		change(&r)
		_, err := h.Payments.StartPayment(context.Background(), r)
		require.ErrorIs(t, err, permit.ErrValidation)
	}
}

func testDelayedCapture(t *testing.T, h Harness) {
	ctx := context.Background()
	p := paid(t, h, "k1", true)
	require.Equal(t, permit.PaymentAuthorised, p.Status)
	require.Equal(t, p.CreatedAt.Add(CaptureWindow), p.ExpiresAt, "the hold's life counts from creation")
	require.Empty(t, p.NextURL)
	require.False(t, p.Finished())
	require.True(t, p.RefundAvailable.IsZero(), "a hold is released, not refunded")

	p, err := h.Payments.Capture(ctx, p.ID, "capture:k1")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCaptured, p.Status)
	require.True(t, p.Finished())
	require.True(t, p.RefundAvailable.Equal(money("55.00")))
	p, err = h.Payments.Capture(ctx, p.ID, "capture:k1")
	require.NoError(t, err, "capturing again is harmless")
	require.Equal(t, permit.PaymentCaptured, p.Status)
}

func testImmediate(t *testing.T, h Harness) {
	p := paid(t, h, "k1", false)
	require.Equal(t, permit.PaymentCaptured, p.Status, "without delayed capture the money is taken at once")
}

func testPayerFails(t *testing.T, h Harness) {
	ctx := context.Background()
	for o, code := range map[Outcome]string{Decline: permit.FailureDeclined, Cancel: permit.FailureCancelledByPayer} {
		p := start(t, h, "k-"+string(o), true)
		back, err := h.Payer(ctx, p.NextURL, o)
		require.NoError(t, err)
		require.Equal(t, request("k-"+string(o), true).ReturnURL, back)
		p, err = h.Payments.Payment(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, permit.PaymentFailed, p.Status, o)
		require.NotNil(t, p.Failure, o)
		require.Equal(t, code, p.Failure.Code, o)
		require.NotEmpty(t, p.Failure.ProviderCode, o)
		require.True(t, p.Finished())
		_, err = h.Payments.Capture(ctx, p.ID, "capture:"+string(o))
		require.ErrorIs(t, err, permit.ErrInvalidTransition, "nothing to capture")
		p, err = h.Payments.Cancel(ctx, p.ID, "void:"+string(o))
		require.NoError(t, err, "cancelling a failed payment is harmless")
		require.Equal(t, permit.PaymentFailed, p.Status)
	}
}

func testCancel(t *testing.T, h Harness) {
	ctx := context.Background()
	held := paid(t, h, "k1", true)
	p, err := h.Payments.Cancel(ctx, held.ID, "void:k1")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, p.Status)
	require.Equal(t, permit.FailureCancelled, p.Failure.Code)
	p, err = h.Payments.Cancel(ctx, held.ID, "void:k1")
	require.NoError(t, err, "cancelling again is harmless")
	require.Equal(t, permit.PaymentVoided, p.Status)
	_, err = h.Payments.Capture(ctx, held.ID, "capture:k1")
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "a released hold cannot be taken")

	waiting := start(t, h, "k2", true)
	p, err = h.Payments.Cancel(ctx, waiting.ID, "void:k2")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, p.Status, "a payment the payer has not finished can be cancelled")
	_, err = h.Payer(ctx, waiting.NextURL, Pay)
	require.Error(t, err, "and then not paid")

	taken := paid(t, h, "k3", true)
	_, err = h.Payments.Capture(ctx, taken.ID, "capture:k3")
	require.NoError(t, err)
	_, err = h.Payments.Cancel(ctx, taken.ID, "void:k3")
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "a captured payment is refunded, not cancelled")
}

func testRefund(t *testing.T, h Harness) {
	ctx := context.Background()
	p := paid(t, h, "k1", true)
	_, err := h.Payments.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("1.00"), Available: money("55.00"), IdempotencyKey: "refund:early"})
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "nothing captured yet")
	p, err = h.Payments.Capture(ctx, p.ID, "capture:k1")
	require.NoError(t, err)

	part := permit.RefundRequest{PaymentID: p.ID, Amount: money("20.50"), Available: p.RefundAvailable, IdempotencyKey: "refund:1"}
	p, err = h.Payments.Refund(ctx, part)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, p.Status)
	require.True(t, p.Refunded.Equal(money("20.50")), p.Refunded.String())
	require.True(t, p.RefundAvailable.Equal(money("34.50")), p.RefundAvailable.String())

	p, err = h.Payments.Refund(ctx, part)
	require.NoError(t, err, "the same refund asked again (an answer lost) is done already")
	require.True(t, p.Refunded.Equal(money("20.50")), "and moves nothing twice")

	_, err = h.Payments.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("1.00"), Available: money("55.00"), IdempotencyKey: "refund:stale"})
	require.ErrorIs(t, err, permit.ErrConflict, "decided on an amount no longer available")
	_, err = h.Payments.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("34.51"), Available: money("34.50"), IdempotencyKey: "refund:toomuch"})
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "more than is left")

	p, err = h.Payments.Refund(ctx, permit.RefundRequest{PaymentID: p.ID, Amount: money("34.50"), Available: money("34.50"), IdempotencyKey: "refund:rest"})
	require.NoError(t, err)
	require.True(t, p.Refunded.Equal(money("55.00")))
	require.True(t, p.RefundAvailable.IsZero())
}

func testSessionExpiry(t *testing.T, h Harness) {
	ctx := context.Background()
	p := start(t, h, "k1", true)
	h.Advance(SessionLifetime - time.Second)
	read, err := h.Payments.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCreated, read.Status)
	h.Advance(time.Second)
	read, err = h.Payments.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentExpired, read.Status)
	require.Equal(t, permit.FailureExpired, read.Failure.Code)
	require.True(t, read.Finished())
	_, err = h.Payer(ctx, p.NextURL, Pay)
	require.Error(t, err, "too late to pay")
}

func testHoldLapses(t *testing.T, h Harness) {
	ctx := context.Background()
	p := start(t, h, "k1", true)
	h.Advance(80 * time.Minute) // the payer is slow: the window still counts from creation
	_, err := h.Payer(ctx, p.NextURL, Pay)
	require.NoError(t, err)
	h.Advance(CaptureWindow - 80*time.Minute - time.Second)
	read, err := h.Payments.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentAuthorised, read.Status)
	h.Advance(time.Second)
	_, err = h.Payments.Capture(ctx, p.ID, "capture:k1")
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	read, err = h.Payments.Payment(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentExpired, read.Status, "the hold was released")
	require.Equal(t, permit.FailureExpired, read.Failure.Code)
}

func testUnknown(t *testing.T, h Harness) {
	ctx := context.Background()
	_, err := h.Payments.Payment(ctx, "nosuchpayment")
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = h.Payments.Capture(ctx, "nosuchpayment", "capture:x")
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = h.Payments.Cancel(ctx, "nosuchpayment", "void:x")
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = h.Payments.Refund(ctx, permit.RefundRequest{PaymentID: "nosuchpayment", Amount: money("1.00"), Available: money("1.00"), IdempotencyKey: "refund:x"})
	require.ErrorIs(t, err, permit.ErrNotFound)
	require.False(t, errors.Is(err, permit.ErrUnavailable))
}
