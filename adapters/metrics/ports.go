package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/permit"
)

// Payments wraps a payment provider so that each call is counted in
// payment_calls_total{operation,result} and timed. It changes nothing the
// calls do or return.
func (m *Metrics) Payments(p permit.Payments) permit.Payments {
	return &payments{next: p, m: m}
}

type payments struct {
	next permit.Payments
	m    *Metrics
}

func (p *payments) observe(op string, start time.Time, err error) {
	p.m.payCalls.WithLabelValues(op, paymentResult(err)).Inc()
	p.m.payDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// paymentResult is the result label of a provider call.
func paymentResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, permit.ErrPaymentFailed):
		return "refused"
	case errors.Is(err, permit.ErrNotFound):
		return "not_found"
	case errors.Is(err, permit.ErrInvalidTransition):
		return "invalid_transition"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}

func (p *payments) Authorise(ctx context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	start := time.Now()
	pay, err := p.next.Authorise(ctx, req)
	p.observe("authorise", start, err)
	return pay, err
}

func (p *payments) Capture(ctx context.Context, paymentID, idempotencyKey string) (permit.Payment, error) {
	start := time.Now()
	pay, err := p.next.Capture(ctx, paymentID, idempotencyKey)
	p.observe("capture", start, err)
	return pay, err
}

func (p *payments) Void(ctx context.Context, paymentID, idempotencyKey string) (permit.Payment, error) {
	start := time.Now()
	pay, err := p.next.Void(ctx, paymentID, idempotencyKey)
	p.observe("void", start, err)
	return pay, err
}

func (p *payments) Refund(ctx context.Context, paymentID string, amount decimal.Decimal, idempotencyKey string) (permit.Payment, error) {
	start := time.Now()
	pay, err := p.next.Refund(ctx, paymentID, amount, idempotencyKey)
	p.observe("refund", start, err)
	return pay, err
}

// Notifier wraps a notifier so that each message is counted in
// notifier_calls_total{kind,result} and timed. A nil notifier stays nil
// (the Service then sends nothing).
func (m *Metrics) Notifier(n permit.Notifier) permit.Notifier {
	if n == nil {
		return nil
	}
	return &notifier{next: n, m: m}
}

type notifier struct {
	next permit.Notifier
	m    *Metrics
}

func (n *notifier) Notify(ctx context.Context, msg permit.Message) error {
	start := time.Now()
	err := n.next.Notify(ctx, msg)
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		result = "canceled"
	default:
		result = "error"
	}
	kind := messageKind(msg.Kind)
	n.m.notifyCalls.WithLabelValues(kind, result).Inc()
	n.m.notifyDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	return err
}

// messageKind keeps the kind label to the Service's message kinds: a
// label holds only known words.
func messageKind(k permit.MessageKind) string {
	for _, known := range permit.MessageKinds() {
		if k == known {
			return string(k)
		}
	}
	return "other"
}
