package govukpay_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
	"github.com/carerpermit/carerpermit/permit"
)

// A permit's payment held with delayed capture, then taken on approval.
// The fake stands in for GOV.UK Pay; a council gives its API key and
// leaves BaseURL empty.
func ExampleClient() {
	pay, err := govukpaytest.NewServer(govukpaytest.Options{})
	if err != nil {
		panic(err)
	}
	defer pay.Close()
	c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: govukpaytest.DefaultAPIKey})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	p, err := c.StartPayment(ctx, permit.HostedPaymentRequest{
		IdempotencyKey: "authorise:per_000001", PermitID: "per_000001", Amount: decimal.RequireFromString("55.00"),
		Reference: "per_000001", Description: "Essential Carer Permit", DelayedCapture: true,
		ReturnURL: "https://permits.example.gov.uk/v1/payments/return/8f4c",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.ExpiresAt.Sub(p.CreatedAt)) // send the payer to p.NextURL

	if _, err := pay.Complete(p.NextURL, govukpaytest.Pay); err != nil { // the payer pays
		panic(err)
	}
	p, _ = c.Payment(ctx, p.ID) // on the return: ask Pay
	fmt.Println(p.Status, p.ExpiresAt.Sub(p.CreatedAt))

	p, _ = c.Capture(ctx, p.ID, "capture:per_000001") // on approval
	fmt.Println(p.Status, p.Amount)
	fmt.Println(pay.TakeRequestViolations(), pay.TakeAnswerViolations())
	// Output:
	// created 1h30m0s
	// authorised 120h0m0s
	// captured 55
	// <nil> <nil>
}
