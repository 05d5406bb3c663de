package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/permit"
)

// heldPayments is the evaluation's simulated card gateway as permitctl
// sees it. permitd's gateway (adapters/fakepay) moves no money and keeps
// its ledger in permitd's memory, which another process cannot read; so
// before a decision permitctl tells this one the payment the permit
// records (hold), and the decision's capture, void or refund is applied to
// that. A council wires its real payment provider here and in permitd
// alike. Safe for concurrent use; each permitctl run makes one decision,
// so idempotency keys need no memory beyond the run.
type heldPayments struct {
	mu       sync.Mutex
	payments map[string]permit.Payment
}

var _ permit.Payments = (*heldPayments)(nil)

func newHeldPayments() *heldPayments {
	return &heldPayments{payments: map[string]permit.Payment{}}
}

// hold makes the gateway know a payment as the permit records it; nil
// (a free permit) is ignored.
func (g *heldPayments) hold(p *permit.Payment) {
	if p == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.payments[p.ID] = *p
}

// Authorise refuses: the back office takes no card payments.
func (g *heldPayments) Authorise(context.Context, permit.PaymentRequest) (permit.Payment, error) {
	return permit.Payment{}, fmt.Errorf("%w: permitctl takes no card payments", permit.ErrPaymentFailed)
}

func (g *heldPayments) move(id, op string, apply func(p *permit.Payment) error) (permit.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.payments[id]
	if !ok {
		return permit.Payment{}, fmt.Errorf("simulated gateway: payment %q: %w", id, permit.ErrNotFound)
	}
	if err := apply(&p); err != nil {
		return p, err
	}
	g.payments[id] = p
	return p, nil
}

func refuse(p *permit.Payment, op string) error {
	return fmt.Errorf("simulated gateway: cannot %s payment %s that is %s: %w", op, p.ID, p.Status, permit.ErrInvalidTransition)
}

// Capture takes an authorised payment.
func (g *heldPayments) Capture(_ context.Context, id, _ string) (permit.Payment, error) {
	return g.move(id, "capture", func(p *permit.Payment) error {
		if p.Status != permit.PaymentAuthorised {
			return refuse(p, "capture")
		}
		p.Status = permit.PaymentCaptured
		return nil
	})
}

// Void releases an authorisation.
func (g *heldPayments) Void(_ context.Context, id, _ string) (permit.Payment, error) {
	return g.move(id, "void", func(p *permit.Payment) error {
		if p.Status != permit.PaymentAuthorised {
			return refuse(p, "void")
		}
		p.Status = permit.PaymentVoided
		return nil
	})
}

// Refund returns up to what was captured and not yet refunded.
func (g *heldPayments) Refund(_ context.Context, id string, amount decimal.Decimal, _ string) (permit.Payment, error) {
	return g.move(id, "refund", func(p *permit.Payment) error {
		if p.Status != permit.PaymentCaptured && p.Status != permit.PaymentRefunded {
			return refuse(p, "refund")
		}
		if left := p.Amount.Sub(p.Refunded); !amount.IsPositive() || amount.GreaterThan(left) {
			return fmt.Errorf("simulated gateway: refund of %s on payment %s with %s left: %w", amount.StringFixed(2), p.ID, left.StringFixed(2), permit.ErrValidation)
		}
		p.Refunded = p.Refunded.Add(amount)
		p.Status = permit.PaymentRefunded
		return nil
	})
}
