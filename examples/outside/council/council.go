// Package council is how a council outside this repository adopts the
// library: its own address list (a zones.Locator), its own card payments
// (a permit.Payments) and its own notifications (a permit.Notifier),
// wired to permit.Service over adapters/sqlstore. It imports only the
// library's public packages, as an importer's code would.
//
// Which database it runs on is chosen by the program that imports it:
// cmd/sqliteonly links SQLite and no PostgreSQL driver, cmd/pgonly links
// PostgreSQL and no SQLite (the tests check both with go list -deps).
package council

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Addresses is the council's own address list: a zones.Locator over a
// few properties it keeps itself.
type Addresses struct {
	byUPRN map[zones.UPRN]zones.Property
}

var _ zones.Locator = (*Addresses)(nil)

// NewAddresses holds the given properties.
func NewAddresses(props ...zones.Property) *Addresses {
	a := &Addresses{byUPRN: map[zones.UPRN]zones.Property{}}
	for _, p := range props {
		a.byUPRN[p.UPRN] = p
	}
	return a
}

// FindProperties returns the properties at postcode whose number or name
// is house (ignoring case and spaces), or all of them for house "".
func (a *Addresses) FindProperties(ctx context.Context, postcode zones.Postcode, house string) ([]zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if postcode.IsZero() {
		return nil, fmt.Errorf("council: postcode: %w", zones.ErrInvalidPostcode)
	}
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	want := norm(house)
	var out []zones.Property
	for _, p := range a.byUPRN {
		if p.Postcode != postcode {
			continue
		}
		if want == "" || norm(p.BuildingNumber) == want || norm(p.BuildingName) == want {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(x, y zones.Property) int { return int(x.UPRN) - int(y.UPRN) })
	return out, nil
}

// Property returns the property with the UPRN.
func (a *Addresses) Property(ctx context.Context, uprn zones.UPRN) (zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return zones.Property{}, err
	}
	p, ok := a.byUPRN[uprn]
	if !ok {
		return zones.Property{}, fmt.Errorf("council: UPRN %d: %w", uprn, zones.ErrPropertyNotFound)
	}
	return p, nil
}

// Till is the council's own card payments: authorisations held, taken,
// voided and refunded in memory, each call answered once per idempotency
// key.
type Till struct {
	mu       sync.Mutex
	payments map[string]permit.Payment
	done     map[string]permit.Payment // by idempotency key
	n        int
}

var _ permit.Payments = (*Till)(nil)

// NewTill is an empty till.
func NewTill() *Till {
	return &Till{payments: map[string]permit.Payment{}, done: map[string]permit.Payment{}}
}

// Authorise holds the amount.
func (t *Till) Authorise(_ context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.done[req.IdempotencyKey]; ok {
		return p, nil
	}
	if !req.Amount.IsPositive() {
		return permit.Payment{}, fmt.Errorf("council till: amount %s: %w", req.Amount, permit.ErrPaymentFailed)
	}
	t.n++
	p := permit.Payment{ID: fmt.Sprintf("till-%d", t.n), Status: permit.PaymentAuthorised, Amount: req.Amount}
	t.payments[p.ID], t.done[req.IdempotencyKey] = p, p
	return p, nil
}

// Capture takes an authorised amount.
func (t *Till) Capture(_ context.Context, id, key string) (permit.Payment, error) {
	return t.move(id, key, func(p *permit.Payment) error {
		if p.Status != permit.PaymentAuthorised {
			return permit.ErrInvalidTransition
		}
		p.Status = permit.PaymentCaptured
		return nil
	})
}

// Void releases an authorisation.
func (t *Till) Void(_ context.Context, id, key string) (permit.Payment, error) {
	return t.move(id, key, func(p *permit.Payment) error {
		if p.Status != permit.PaymentAuthorised {
			return permit.ErrInvalidTransition
		}
		p.Status = permit.PaymentVoided
		return nil
	})
}

// Refund returns up to what was taken and not yet returned.
func (t *Till) Refund(_ context.Context, id string, amount decimal.Decimal, key string) (permit.Payment, error) {
	return t.move(id, key, func(p *permit.Payment) error {
		left := p.Amount.Sub(p.Refunded)
		if (p.Status != permit.PaymentCaptured && p.Status != permit.PaymentRefunded) || !amount.IsPositive() || amount.GreaterThan(left) {
			return permit.ErrInvalidTransition
		}
		p.Refunded, p.Status = p.Refunded.Add(amount), permit.PaymentRefunded
		return nil
	})
}

func (t *Till) move(id, key string, f func(*permit.Payment) error) (permit.Payment, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.done[key]; ok {
		return p, nil
	}
	p, ok := t.payments[id]
	if !ok {
		return permit.Payment{}, fmt.Errorf("council till: payment %s: %w", id, permit.ErrNotFound)
	}
	if err := f(&p); err != nil {
		return permit.Payment{}, fmt.Errorf("council till: payment %s is %s: %w", id, p.Status, err)
	}
	t.payments[id], t.done[key] = p, p
	return p, nil
}

// Taken is the money captured and not refunded.
func (t *Till) Taken() decimal.Decimal {
	t.mu.Lock()
	defer t.mu.Unlock()
	sum := decimal.Zero
	for _, p := range t.payments {
		if p.Status == permit.PaymentCaptured || p.Status == permit.PaymentRefunded {
			sum = sum.Add(p.Amount.Sub(p.Refunded))
		}
	}
	return sum
}

// Outbox is the council's own notifications: kept in order, to be sent by
// its own mail system.
type Outbox struct {
	mu   sync.Mutex
	sent []permit.Message
}

var _ permit.Notifier = (*Outbox)(nil)

// Notify keeps the message.
func (o *Outbox) Notify(_ context.Context, m permit.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

// Kinds are the kinds of the messages kept, in order.
func (o *Outbox) Kinds() []permit.MessageKind {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]permit.MessageKind, len(o.sent))
	for i, m := range o.sent {
		out[i] = m.Kind
	}
	return out
}

// Parts is what the council wires together.
type Parts struct {
	Service   *permit.Service
	Store     *sqlstore.Store
	Addresses *Addresses
	Till      *Till
	Outbox    *Outbox
}

// Open opens the store a DSN names (an SQLite file or a postgres:// URL,
// whichever the program links) and wires the service to the council's
// own ports, with the clock now (nil: the wall clock). Close the Store
// when done.
func Open(ctx context.Context, dsn string, now func() time.Time, props ...zones.Property) (*Parts, error) {
	sch, err := leicestershire.Scheme()
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, dsn, nil)
	if err != nil {
		return nil, err
	}
	p := &Parts{Store: st, Addresses: NewAddresses(props...), Till: NewTill(), Outbox: &Outbox{}}
	p.Service, err = permit.NewService(sch, st, p.Addresses, p.Till, &permit.Options{Notifier: p.Outbox, Now: now})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return p, nil
}
