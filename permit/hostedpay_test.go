package permit_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

func goodHostedRequest() permit.HostedPaymentRequest {
	return permit.HostedPaymentRequest{
		IdempotencyKey: "pay:per_1:1", AccountID: "acc_1", PermitID: "per_1",
		Amount: decimal.RequireFromString("55.00"), Reference: "per_1", Description: "Essential Carer Permit",
		ReturnURL: "https://permits.example.gov.uk/v1/payments/per_1/return", DelayedCapture: true, Language: "cy",
		Email: "resident@example.com", Metadata: map[string]string{"permit_id": "per_1"},
	}
}

func TestHostedPaymentRequestValidate(t *testing.T) {
	require.NoError(t, goodHostedRequest().Validate())
	for _, tc := range []struct {
		field  string
		change func(*permit.HostedPaymentRequest)
	}{
		{"idempotency_key", func(r *permit.HostedPaymentRequest) { r.IdempotencyKey = "" }},
		{"amount", func(r *permit.HostedPaymentRequest) { r.Amount = decimal.Zero }},
		{"amount", func(r *permit.HostedPaymentRequest) { r.Amount = decimal.RequireFromString("-1") }},
		{"amount", func(r *permit.HostedPaymentRequest) { r.Amount = decimal.RequireFromString("55.001") }},
		{"reference", func(r *permit.HostedPaymentRequest) { r.Reference = "" }},
		{"description", func(r *permit.HostedPaymentRequest) { r.Description = string(make([]byte, 256)) }},
		{"return_url", func(r *permit.HostedPaymentRequest) { r.ReturnURL = "/v1/payments/return" }},
		{"return_url", func(r *permit.HostedPaymentRequest) { r.ReturnURL = "ftp://x.example/" }},
		{"language", func(r *permit.HostedPaymentRequest) { r.Language = "fr" }},
		{"email", func(r *permit.HostedPaymentRequest) { r.Email = "no at sign" }},
	} {
		r := goodHostedRequest()
		tc.change(&r)
		err := r.Validate()
		require.ErrorIs(t, err, permit.ErrValidation, tc.field)
		var v *permit.ValidationError
		require.True(t, errors.As(err, &v))
		require.Len(t, v.Fields, 1, tc.field)
		require.Equal(t, tc.field, v.Fields[0].Field)
	}
	var v *permit.ValidationError
	require.True(t, errors.As(permit.HostedPaymentRequest{}.Validate(), &v))
	require.Len(t, v.Fields, 5, "every problem is listed, not only the first")
}

func TestHostedPaymentFinished(t *testing.T) {
	for status, finished := range map[permit.PaymentStatus]bool{
		permit.PaymentCreated: false, permit.PaymentAuthorised: false, permit.PaymentCaptured: true,
		permit.PaymentRefunded: true, permit.PaymentVoided: true, permit.PaymentFailed: true, permit.PaymentExpired: true,
	} {
		require.Equal(t, finished, permit.HostedPayment{Status: status}.Finished(), status)
	}
}

func TestProviderErrorKeepsCodeAndSentinel(t *testing.T) {
	err := fmt.Errorf("capturing: %w", &permit.ProviderError{Provider: "govukpay", Status: 409, Code: "P1003",
		Description: "Payment cannot be captured", Err: permit.ErrInvalidTransition})
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	var pe *permit.ProviderError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "P1003", pe.Code)
	require.Equal(t, "capturing: govukpay P1003: Payment cannot be captured: invalid transition", err.Error())
}

func ExampleHostedPaymentRequest_Validate() {
	req := permit.HostedPaymentRequest{
		IdempotencyKey: "pay:per_1:1", PermitID: "per_1", Amount: decimal.RequireFromString("55.005"),
		Reference: "per_1", Description: "Essential Carer Permit", ReturnURL: "https://permits.example.gov.uk/return/1",
	}
	fmt.Println(req.Validate())
	// Output: permit: amount: The amount must be above zero with at most two decimal places (pence).
}
