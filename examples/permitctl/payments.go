package main

import (
	"context"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/permit"
)

// backOfficePayments is the evaluation's simulated card gateway as
// permitctl uses it: permitd's own (adapters/fakepay's SQLGateway, whose
// payments are in the same database), so the capture, void or refund a
// decision here makes moves the payment permitd authorised, and permitd
// sees it afterwards. It takes no card payments. A council wires its real
// payment provider here and in permitd alike.
type backOfficePayments struct{ *fakepay.SQLGateway }

var _ permit.Payments = backOfficePayments{}

// Authorise refuses: the back office takes no card payments.
func (backOfficePayments) Authorise(context.Context, permit.PaymentRequest) (permit.Payment, error) {
	return permit.Payment{}, fmt.Errorf("%w: permitctl takes no card payments", permit.ErrPaymentFailed)
}
