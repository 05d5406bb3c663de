package permit

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// This file is the payment port as UK councils take card payments: the
// payer's browser is sent to the provider's hosted page, and the provider,
// not this process, says what happened (GOV.UK Pay; the evaluation
// server's simulated provider). It is additive: Payments (one synchronous
// authorisation) stays until the Service moves to HostedPayments.

// Payment states a hosted payment adds to those of PaymentStatus.
const (
	// PaymentCreated: the payment exists and waits for the payer on the
	// provider's page (Pay's created, started and submitted).
	PaymentCreated PaymentStatus = "created"
	// PaymentExpired: the payer did not finish in time, or a hold was not
	// captured within the provider's window and was released.
	PaymentExpired PaymentStatus = "expired"
)

// Why a hosted payment failed, in words the HTTP API shows
// (payment.failure.code).
const (
	FailureDeclined         = "declined"           // the card was refused (Pay P0010)
	FailureExpired          = "expired"            // not finished in time, or the hold lapsed (P0020)
	FailureCancelledByPayer = "cancelled_by_payer" // the payer chose Cancel (P0030)
	FailureCancelled        = "cancelled"          // cancelled by us: the hold released (P0040)
	FailureProviderError    = "provider_error"     // the provider failed; no money taken (P0050)
)

// PaymentFailure says why a hosted payment did not go through.
type PaymentFailure struct {
	Code         string // one of the Failure... codes
	ProviderCode string // the provider's own code, e.g. "P0010"
	Detail       string // the provider's words
}

// HostedPaymentRequest asks a provider to create a payment the payer
// completes on the provider's page.
type HostedPaymentRequest struct {
	// IdempotencyKey: the same key returns the first payment; nothing is
	// created twice.
	IdempotencyKey string
	AccountID      string
	PermitID       string
	Amount         decimal.Decimal // GBP, at most two decimal places, above zero
	// Reference is the council's reference for the payment (the permit
	// ID); providers show it in their reports. At most 255 characters.
	Reference string
	// Description is shown to the payer. At most 255 characters.
	Description string
	// ReturnURL is where the provider sends the payer's browser back to:
	// an absolute http or https URL. It should carry a secret that matches
	// the payment, never the provider's payment ID alone.
	ReturnURL string
	// DelayedCapture holds the money (authorised) until Capture; otherwise
	// it is taken when the payer confirms.
	DelayedCapture bool
	Email          string            // prefills the provider's page; optional
	Language       string            // "en" or "cy"; "" is "en"
	Metadata       map[string]string // for reconciliation, e.g. permit_id; never personal data
}

// Validate checks the request; every problem is a field of the
// *ValidationError it returns.
func (r HostedPaymentRequest) Validate() error {
	var v ValidationError
	if r.IdempotencyKey == "" {
		v.add("idempotency_key", "required", "Every payment needs an idempotency key.")
	}
	if !r.Amount.IsPositive() || !r.Amount.Equal(r.Amount.Round(2)) {
		v.add("amount", "invalid_amount", "The amount must be above zero with at most two decimal places (pence).")
	}
	if r.Reference == "" || utf8.RuneCountInString(r.Reference) > 255 {
		v.add("reference", "invalid_reference", "The reference must have 1 to 255 characters.")
	}
	if r.Description == "" || utf8.RuneCountInString(r.Description) > 255 {
		v.add("description", "invalid_description", "The description must have 1 to 255 characters.")
	}
	if u, err := url.Parse(r.ReturnURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.add("return_url", "invalid_return_url", "The return URL must be an absolute http or https URL.")
	}
	if r.Language != "" && r.Language != "en" && r.Language != "cy" {
		v.add("language", "invalid_language", "The language must be en or cy.")
	}
	if strings.ContainsAny(r.Email, " \t\r\n") || (r.Email != "" && !strings.Contains(r.Email, "@")) {
		v.add("email", "invalid_email", "The email address is not one.")
	}
	return v.err()
}

// HostedPayment is a payment as the provider reports it.
type HostedPayment struct {
	ID string
	// PermitID is the permit the payment was started for
	// (HostedPaymentRequest.PermitID) as the provider keeps it (GOV.UK
	// Pay: metadata permit_id); "" when the provider does not say. A
	// provider's notification finds its application by it.
	PermitID string
	Status   PaymentStatus // created, authorised, captured, refunded, voided, failed or expired
	// ProviderStatus is the provider's own word for the state (Pay's
	// "capturable"), for officers and logs.
	ProviderStatus string
	Amount         decimal.Decimal
	DelayedCapture bool
	CreatedAt      time.Time
	// NextURL is where to send the payer while Status is created: single
	// use, and never to be shown to anyone but the payer. Reading the
	// payment again gives a fresh one.
	NextURL string
	// ExpiresAt is when the provider gives up: for a created payment the
	// end of the payer's session, for an authorised one the end of the
	// capture window (the hold is then released). Zero otherwise.
	ExpiresAt time.Time
	// Refunded is what has been refunded (submitted) so far, and
	// RefundAvailable what may still be refunded.
	Refunded        decimal.Decimal
	RefundAvailable decimal.Decimal
	Failure         *PaymentFailure // when failed, expired or voided
}

// Finished reports whether the payment can no longer change, refunds
// aside.
func (p HostedPayment) Finished() bool {
	switch p.Status {
	case PaymentCreated, PaymentAuthorised:
		return false
	}
	return true
}

// RefundRequest asks for part or all of a captured payment back.
type RefundRequest struct {
	PaymentID string
	Amount    decimal.Decimal // above zero, at most two decimal places
	// Available is the refundable amount the caller saw when it decided
	// (HostedPayment.RefundAvailable). The refund is made only while the
	// provider still shows it; when the provider shows Available less
	// Amount, the refund is taken as made already (a retry after an
	// answer was lost) and nothing moves again.
	Available      decimal.Decimal
	IdempotencyKey string
}

// HostedPayments is a card payment provider with a hosted payment page.
// The provider is the source of truth: an outcome is always confirmed by
// reading the payment (Payment), never inferred from a redirect or a
// notification's body. Errors wrap ErrNotFound, ErrInvalidTransition,
// ErrConflict, ErrValidation, ErrPaymentFailed or ErrUnavailable, as each
// method says; ErrUnavailable means nothing is known to have changed and
// the same call (same idempotency key) may be made again later. Errors
// the provider gave keep its code (a *ProviderError).
type HostedPayments interface {
	// StartPayment creates a payment and returns it with its NextURL and
	// ExpiresAt. The same IdempotencyKey returns the same payment.
	// Errors: ErrValidation (the request, or the provider refused a
	// field); ErrUnavailable.
	StartPayment(ctx context.Context, req HostedPaymentRequest) (HostedPayment, error)
	// Payment reads a payment's state from the provider. Errors:
	// ErrNotFound; ErrUnavailable.
	Payment(ctx context.Context, paymentID string) (HostedPayment, error)
	// Capture takes a held (authorised) payment; capturing a captured
	// payment again returns it unchanged. Errors: ErrNotFound;
	// ErrInvalidTransition when it is not held (the hold lapsed: expired);
	// ErrUnavailable.
	Capture(ctx context.Context, paymentID, idempotencyKey string) (HostedPayment, error)
	// Cancel releases a hold, or ends a payment the payer has not
	// finished; cancelling a payment already voided, failed or expired
	// returns it unchanged. Errors: ErrNotFound; ErrInvalidTransition
	// when it was captured (refund it instead); ErrUnavailable.
	Cancel(ctx context.Context, paymentID, idempotencyKey string) (HostedPayment, error)
	// Refund returns part or all of a captured payment (see
	// RefundRequest.Available). Errors: ErrValidation; ErrNotFound;
	// ErrInvalidTransition when it was not captured or Amount is more than
	// is available; ErrConflict when the available amount is neither
	// Available nor Available less Amount (another refund came first:
	// read the payment and decide again); ErrUnavailable.
	Refund(ctx context.Context, req RefundRequest) (HostedPayment, error)
}

// ProviderError is an error a payment provider answered, with its code
// kept (GOV.UK Pay's "P0102"). It unwraps to the sentinel it means.
type ProviderError struct {
	Provider    string // "govukpay"
	Status      int    // the HTTP status, 0 when there was none
	Code        string // the provider's code
	Field       string // the request field it names, if any
	Description string // the provider's words
	Err         error  // the sentinel: ErrNotFound, ErrInvalidTransition, ...
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is match the sentinel.
func (e *ProviderError) Unwrap() error { return e.Err }
