// Package fakepay is a payment gateway for tests and evaluation that moves
// no real money but keeps an exact ledger of what it would have moved, so
// tests can prove that nothing is taken twice, that every rejection returns
// the money, and that idempotency keys are honoured. Gateway keeps all of
// it in memory (tests); SQLGateway keeps it in a database, as a server
// must, so payments outlive a restart and are shared by every instance.
// Hosted is the same simulated provider in the shape of GOV.UK Pay
// (permit.HostedPayments): a hosted page the server serves itself (Page),
// delayed capture, and Pay's 90-minute and 120-hour deadlines.
package fakepay

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/permit"
)

// Entry is one line of the ledger: one movement of money (or of a hold on it).
type Entry struct {
	PaymentID string
	Op        string // "authorise", "capture", "void", "refund"
	Amount    decimal.Decimal
	Key       string // idempotency key
}

// Gateway implements permit.Payments in memory, for tests: its payments
// are lost when the process stops and its ids (pay_000001, ...) start again
// (a server uses SQLGateway). The zero value is not usable; call New. Safe
// for concurrent use.
type Gateway struct {
	mu       sync.Mutex
	payments map[string]*permit.Payment
	results  map[string]result // by idempotency key
	ledger   []Entry
	next     int

	// Decline, when it returns a reason, refuses an authorisation; used to
	// test card failures. It is called with the gateway's lock held.
	Decline func(req permit.PaymentRequest) string
}

type result struct {
	op  string
	p   permit.Payment
	err error
}

var _ permit.Payments = (*Gateway)(nil)

// New returns an empty gateway.
func New() *Gateway {
	return &Gateway{payments: map[string]*permit.Payment{}, results: map[string]result{}}
}

// replay returns the first result for a key, refusing a key reused for
// another operation.
func (g *Gateway) replay(key, op string) (permit.Payment, error, bool) {
	r, ok := g.results[key]
	if !ok {
		return permit.Payment{}, nil, false
	}
	if r.op != op {
		return permit.Payment{}, fmt.Errorf("fakepay: idempotency key %q was used for %s, not %s: %w", key, r.op, op, permit.ErrConflict), true
	}
	return r.p, r.err, true
}

func (g *Gateway) remember(key, op string, p permit.Payment, err error) (permit.Payment, error) {
	g.results[key] = result{op: op, p: p, err: err}
	return p, err
}

func (g *Gateway) record(p *permit.Payment, op string, amount decimal.Decimal, key string) {
	g.ledger = append(g.ledger, Entry{PaymentID: p.ID, Op: op, Amount: amount, Key: key})
}

// Authorise holds the amount. A declined card returns ErrPaymentFailed.
func (g *Gateway) Authorise(_ context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, err, ok := g.replay(req.IdempotencyKey, "authorise"); ok {
		return p, err
	}
	if err := authoriseCheck(req, g.Decline); err != nil {
		return g.remember(req.IdempotencyKey, "authorise", permit.Payment{}, err)
	}
	g.next++
	p := &permit.Payment{ID: fmt.Sprintf("pay_%06d", g.next), Status: permit.PaymentAuthorised, Amount: req.Amount, Refunded: decimal.Zero}
	g.payments[p.ID] = p
	g.record(p, "authorise", req.Amount, req.IdempotencyKey)
	return g.remember(req.IdempotencyKey, "authorise", *p, nil)
}

// move runs one operation on a stored payment; apply changes it and says
// how much money the operation moved.
func (g *Gateway) move(paymentID, key, op string, apply func(p *permit.Payment) (decimal.Decimal, error)) (permit.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, err, ok := g.replay(key, op); ok {
		return p, err
	}
	p, ok := g.payments[paymentID]
	if !ok {
		return permit.Payment{}, fmt.Errorf("fakepay: payment %q: %w", paymentID, permit.ErrNotFound)
	}
	amount, err := apply(p)
	if err != nil {
		return *p, err // not remembered: a retry after fixing state may succeed
	}
	g.record(p, op, amount, key)
	return g.remember(key, op, *p, nil)
}

func stateErr(p *permit.Payment, op string) error {
	return fmt.Errorf("fakepay: cannot %s payment %s that is %s: %w", op, p.ID, p.Status, permit.ErrInvalidTransition)
}

// capture, void and refund change a payment and say how much money the
// operation moved; both gateways use them.
func capture(p *permit.Payment) (decimal.Decimal, error) {
	if p.Status != permit.PaymentAuthorised {
		return decimal.Zero, stateErr(p, "capture")
	}
	p.Status = permit.PaymentCaptured
	return p.Amount, nil
}

func void(p *permit.Payment) (decimal.Decimal, error) {
	if p.Status != permit.PaymentAuthorised {
		return decimal.Zero, stateErr(p, "void")
	}
	p.Status = permit.PaymentVoided
	return p.Amount, nil
}

func refund(amount decimal.Decimal) func(p *permit.Payment) (decimal.Decimal, error) {
	return func(p *permit.Payment) (decimal.Decimal, error) {
		if p.Status != permit.PaymentCaptured && p.Status != permit.PaymentRefunded {
			return decimal.Zero, stateErr(p, "refund")
		}
		left := p.Amount.Sub(p.Refunded)
		if !amount.IsPositive() || amount.GreaterThan(left) {
			return decimal.Zero, fmt.Errorf("fakepay: refund of %s on payment %s with %s left: %w", amount.StringFixed(2), p.ID, left.StringFixed(2), permit.ErrValidation)
		}
		p.Refunded = p.Refunded.Add(amount)
		p.Status = permit.PaymentRefunded
		return amount, nil
	}
}

// authoriseCheck refuses an authorisation before any money moves: an
// amount that is not positive, or a card that decline turns down.
func authoriseCheck(req permit.PaymentRequest, decline func(permit.PaymentRequest) string) error {
	if !req.Amount.IsPositive() {
		return fmt.Errorf("fakepay: amount %s is not positive: %w", req.Amount, permit.ErrValidation)
	}
	if decline != nil {
		if why := decline(req); why != "" {
			return fmt.Errorf("%w: card declined: %s", permit.ErrPaymentFailed, why)
		}
	}
	return nil
}

// Capture takes an authorised payment.
func (g *Gateway) Capture(_ context.Context, paymentID, key string) (permit.Payment, error) {
	return g.move(paymentID, key, "capture", capture)
}

// Void releases an authorisation.
func (g *Gateway) Void(_ context.Context, paymentID, key string) (permit.Payment, error) {
	return g.move(paymentID, key, "void", void)
}

// Refund returns part or all of a captured payment.
func (g *Gateway) Refund(_ context.Context, paymentID string, amount decimal.Decimal, key string) (permit.Payment, error) {
	return g.move(paymentID, key, "refund", refund(amount))
}

// Ledger returns every movement so far, in order.
func (g *Gateway) Ledger() []Entry {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Entry(nil), g.ledger...)
}

// Payment returns a payment as the gateway holds it.
func (g *Gateway) Payment(id string) (permit.Payment, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.payments[id]
	if !ok {
		return permit.Payment{}, false
	}
	return *p, true
}

// Taken is the money kept: captured minus refunded, over every payment.
func (g *Gateway) Taken() decimal.Decimal {
	g.mu.Lock()
	defer g.mu.Unlock()
	total := decimal.Zero
	for _, p := range g.payments {
		if p.Status == permit.PaymentCaptured || p.Status == permit.PaymentRefunded {
			total = total.Add(p.Amount.Sub(p.Refunded))
		}
	}
	return total
}

// Held is the money authorised and neither captured nor voided.
func (g *Gateway) Held() decimal.Decimal {
	g.mu.Lock()
	defer g.mu.Unlock()
	total := decimal.Zero
	for _, p := range g.payments {
		if p.Status == permit.PaymentAuthorised {
			total = total.Add(p.Amount)
		}
	}
	return total
}

// String prints the ledger, one movement a line, for golden tests.
func (g *Gateway) String() string {
	var b strings.Builder
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range g.ledger {
		fmt.Fprintf(&b, "%s %-9s %s\n", e.PaymentID, e.Op, e.Amount.StringFixed(2))
	}
	return b.String()
}
