package fakepay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// Issue 15: random lives of paid applications through permit.Service and
// the simulated hosted provider (in the database, with its 90-minute
// sessions and 120-hour holds), the provider failing at random — refusing
// a call, or doing it and losing the answer. After every step: every
// pound the provider holds or has taken belongs to an application that
// should hold or have paid it, or a movement the service still owes (a
// PaymentRetry) will put it right; nothing is captured twice. At the end,
// the provider working again and the due jobs run: money taken = the
// prices of the approved paid permits (captured, less refunds), every
// rejected or withdrawn application holds and keeps nothing, and nothing
// is owed.

// flaky is a HostedPayments that fails now and then: before the call
// (nothing happened) or after it (it happened; the answer was lost).
type flaky struct {
	next permit.HostedPayments
	mu   sync.Mutex
	rng  *rand.Rand
	rate float64 // the chance a call fails; 0 when the provider works
}

func (f *flaky) roll() (before, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rate == 0 || f.rng.Float64() >= f.rate {
		return false, false
	}
	if f.rng.IntN(2) == 0 {
		return true, false
	}
	return false, true
}

var errFlaky = fmt.Errorf("%w: the provider failed (injected)", permit.ErrUnavailable)

func call[T any](f *flaky, do func() (T, error)) (T, error) {
	before, after := f.roll()
	var zero T
	if before {
		return zero, errFlaky
	}
	out, err := do()
	if after {
		return zero, errFlaky
	}
	return out, err
}

func (f *flaky) StartPayment(ctx context.Context, r permit.HostedPaymentRequest) (permit.HostedPayment, error) {
	return call(f, func() (permit.HostedPayment, error) { return f.next.StartPayment(ctx, r) })
}
func (f *flaky) Payment(ctx context.Context, id string) (permit.HostedPayment, error) {
	return call(f, func() (permit.HostedPayment, error) { return f.next.Payment(ctx, id) })
}
func (f *flaky) Capture(ctx context.Context, id, key string) (permit.HostedPayment, error) {
	return call(f, func() (permit.HostedPayment, error) { return f.next.Capture(ctx, id, key) })
}
func (f *flaky) Cancel(ctx context.Context, id, key string) (permit.HostedPayment, error) {
	return call(f, func() (permit.HostedPayment, error) { return f.next.Cancel(ctx, id, key) })
}
func (f *flaky) Refund(ctx context.Context, r permit.RefundRequest) (permit.HostedPayment, error) {
	return call(f, func() (permit.HostedPayment, error) { return f.next.Refund(ctx, r) })
}

// moneyWorld is a Service on memstore with the simulated hosted provider
// in a database, behind flaky.
type moneyWorld struct {
	t      *testing.T
	svc    *permit.Service
	store  *memstore.Store
	pay    *fakepay.Hosted
	ledger *fakepay.SQLGateway
	flaky  *flaky
	clock  *clock
	rng    *rand.Rand
	accs   []permit.Account
	lapsed map[string]bool // permits whose hold lapsed before the due jobs could take it (provider down, or no run in the window)
}

const moneyProperties = 24

func newMoneyWorld(t *testing.T, db database, seed uint64) *moneyWorld {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	sch, err := scheme.Load(f)
	require.NoError(t, err)
	var csv strings.Builder
	csv.WriteString(zones.GazetteerHeader + "\n")
	for i := range moneyProperties {
		fmt.Fprintf(&csv, "%d,,,%d,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n", 100000000001+i, 2*i+2)
	}
	g, err := zones.LoadGazetteer(strings.NewReader(csv.String()))
	require.NoError(t, err)
	c := &clock{now: time.Date(2027, 3, 22, 9, 0, 0, 0, time.UTC)} // Easter and BST within the first week
	sqlDB := db.Open(t)
	h, err := fakepay.NewHosted(ctx, sqlDB, db.Dialect, fakepay.HostedOptions{PageURL: "https://pay.example/v1/payments/fake", Now: c.Now})
	require.NoError(t, err)
	ledger, err := fakepay.NewSQL(ctx, sqlDB, db.Dialect)
	require.NoError(t, err)
	w := &moneyWorld{t: t, store: memstore.New(), pay: h, ledger: ledger, clock: c, rng: rand.New(rand.NewPCG(seed, 15)), lapsed: map[string]bool{}}
	w.flaky = &flaky{next: h, rng: rand.New(rand.NewPCG(seed, 16))}
	w.svc, err = permit.NewService(sch, w.store, g, nil, &permit.Options{HostedPayments: w.flaky, Now: c.Now,
		PaymentReturnURL: func(id string, attempt int) string {
			return fmt.Sprintf("https://permits.example/v1/payments/%s.%d/return", id, attempt)
		}})
	require.NoError(t, err)
	for i := range moneyProperties {
		a, err := w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Email: "jane@example.com", UPRN: zones.UPRN(100000000001 + i)})
		require.NoError(t, err)
		w.accs = append(w.accs, a)
	}
	return w
}

func (w *moneyWorld) proof() []evidence.Document {
	today := time.Date(w.clock.Now().Year(), w.clock.Now().Month(), w.clock.Now().Day(), 0, 0, 0, 0, time.UTC)
	return []evidence.Document{{Kind: "proof_of_care", IssuedOn: today.AddDate(0, 0, -7), Name: "Jane Smith", Address: "2 Ashby Road"}}
}

func (w *moneyWorld) permits() []permit.Permit {
	w.t.Helper()
	var out []permit.Permit
	for _, a := range w.accs {
		ps, err := w.svc.PermitsOfAccount(context.Background(), permit.System, a.ID)
		require.NoError(w.t, err)
		out = append(out, ps...)
	}
	return out
}

// payer plays the payer of p's current payment on the provider's page.
func (w *moneyWorld) payer(p permit.Permit, o fakepay.Outcome) {
	if p.Payment == nil || p.Payment.NextURL == "" {
		return
	}
	token := p.Payment.NextURL[strings.LastIndexByte(p.Payment.NextURL, '/')+1:]
	_, _, _ = w.pay.Complete(context.Background(), token, o) // a used link is refused: fine
}

func (w *moneyWorld) pick(ps []permit.Permit, status permit.Status) (permit.Permit, bool) {
	var some []permit.Permit
	for _, p := range ps {
		if p.Status == status {
			some = append(some, p)
		}
	}
	if len(some) == 0 {
		return permit.Permit{}, false
	}
	return some[w.rng.IntN(len(some))], true
}

// step does one random thing; what it did, for the failure message.
func (w *moneyWorld) step() string {
	ctx := context.Background()
	officer := permit.OfficerActor("jo.bloggs")
	ps := w.permits()
	switch n := w.rng.IntN(100); {
	case n < 18:
		a := w.accs[w.rng.IntN(len(w.accs))]
		_, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer",
			VRM: fmt.Sprintf("AB%02dCDE", w.rng.IntN(100)), Pay: true, Evidence: w.proof()})
		return fmt.Sprintf("apply %s: %v", a.ID, err)
	case n < 38:
		p, ok := w.pick(ps, permit.AwaitingPayment)
		if !ok {
			return "pay: none awaiting"
		}
		if p.Payment == nil {
			_, err := w.svc.NewPaymentAttempt(ctx, permit.AccountActor(p.AccountID), p.ID)
			return fmt.Sprintf("pay %s, not started: new attempt: %v", p.ID, err)
		}
		o := []fakepay.Outcome{fakepay.OutcomePay, fakepay.OutcomePay, fakepay.OutcomePay, fakepay.OutcomeDecline, fakepay.OutcomeCancel}[w.rng.IntN(5)]
		w.payer(p, o)
		if w.rng.IntN(3) > 0 { // the browser comes back, or a notification, twice at times
			for range 1 + w.rng.IntN(2) {
				_, _ = w.svc.ConfirmPaymentByID(ctx, p.ID, p.Payment.ID)
			}
		}
		return fmt.Sprintf("payer %s %s", p.ID, o)
	case n < 44:
		p, ok := w.pick(ps, permit.AwaitingPayment)
		if !ok {
			return "new attempt: none"
		}
		_, err := w.svc.NewPaymentAttempt(ctx, permit.AccountActor(p.AccountID), p.ID)
		return fmt.Sprintf("new attempt %s: %v", p.ID, err)
	case n < 56:
		p, ok := w.pick(ps, permit.PendingReview)
		if !ok {
			return "approve: none"
		}
		_, err := w.svc.Approve(ctx, officer, p.ID)
		return fmt.Sprintf("approve %s: %v", p.ID, err)
	case n < 64:
		p, ok := w.pick(ps, permit.PendingReview)
		if !ok {
			return "reject: none"
		}
		_, err := w.svc.Reject(ctx, officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "Unclear."})
		return fmt.Sprintf("reject %s: %v", p.ID, err)
	case n < 70:
		st := []permit.Status{permit.PendingReview, permit.AwaitingPayment, permit.Approved}[w.rng.IntN(3)]
		p, ok := w.pick(ps, st)
		if !ok {
			return "cancel: none"
		}
		_, err := w.svc.Cancel(ctx, permit.AccountActor(p.AccountID), p.ID, "changed my mind")
		return fmt.Sprintf("cancel %s (%s): %v", p.ID, st, err)
	case n < 73:
		p, ok := w.pick(ps, permit.Approved)
		if !ok {
			return "renew: none"
		}
		_, err := w.svc.Renew(ctx, permit.AccountActor(p.AccountID), p.ID, permit.Renewal{Evidence: w.proof(), Pay: true})
		return fmt.Sprintf("renew %s: %v", p.ID, err)
	case n < 75:
		w.clock.Advance(330 * 24 * time.Hour) // to the renewal window of most
		_, err := w.svc.RunDue(ctx, w.clock.Now())
		return fmt.Sprintf("jump 330 days: %v", err)
	case n < 82:
		w.flaky.mu.Lock()
		w.flaky.rate = []float64{0, 0.2, 0.5, 1}[w.rng.IntN(4)]
		rate := w.flaky.rate
		w.flaky.mu.Unlock()
		return fmt.Sprintf("provider fails %.0f%% of calls", 100*rate)
	default:
		d := []time.Duration{time.Minute, 30 * time.Minute, 2 * time.Hour, 11 * time.Hour, 26 * time.Hour}[w.rng.IntN(5)]
		w.clock.Advance(d)
		_, err := w.svc.RunDue(ctx, w.clock.Now())
		return fmt.Sprintf("advance %s and run the due jobs: %v", d, err)
	}
}

// provider is what the simulated provider's ledger says of each payment.
type providerMoney struct {
	held, taken decimal.Decimal // authorised and not yet captured or released; captured less refunded
	captures    int
}

func (w *moneyWorld) providerMoney() map[string]*providerMoney {
	w.t.Helper()
	entries, err := w.ledger.Ledger(context.Background())
	require.NoError(w.t, err)
	out := map[string]*providerMoney{}
	for _, e := range entries {
		m := out[e.PaymentID]
		if m == nil {
			m = &providerMoney{held: decimal.Zero, taken: decimal.Zero}
			out[e.PaymentID] = m
		}
		switch e.Op {
		case "authorise":
			m.held = m.held.Add(e.Amount)
		case "capture":
			m.captures++
			if m.held.IsPositive() {
				m.held = m.held.Sub(e.Amount)
			}
			m.taken = m.taken.Add(e.Amount)
		case "void", "expire":
			m.held = m.held.Sub(e.Amount)
		case "refund":
			m.taken = m.taken.Sub(e.Amount)
		default:
			w.t.Fatalf("unknown ledger operation %q", e.Op)
		}
	}
	return out
}

// owes reports whether the service still owes a movement for the permit.
func (w *moneyWorld) owes(permitID string) bool {
	rs, err := w.svc.PaymentRetries(context.Background(), permit.System, 1000)
	require.NoError(w.t, err)
	for _, r := range rs {
		if r.PermitID == permitID {
			return true
		}
	}
	return false
}

// check holds after every step; final adds that nothing is owed and
// every movement is done.
func (w *moneyWorld) check(where string, final bool) {
	w.t.Helper()
	money := w.providerMoney()
	byPayment := map[string]permit.Permit{}
	for _, p := range w.permits() {
		if p.Payment != nil && p.Payment.ID != "" {
			byPayment[p.Payment.ID] = p
		}
	}
	heldSum, wantHeld := decimal.Zero, decimal.Zero
	for id, m := range money {
		require.LessOrEqual(w.t, m.captures, 1, "%s: payment %s captured twice", where, id)
		require.False(w.t, m.held.IsNegative() || m.taken.IsNegative(), "%s: payment %s: held %s, taken %s", where, id, m.held, m.taken)
		heldSum = heldSum.Add(m.held)
		p, current := byPayment[id]
		var mayHold, mayTake bool
		switch {
		case !current:
			// An earlier attempt, or one whose start was never recorded:
			// it may hold nothing (a payer who paid it late finds it
			// released by the sweep).
		case p.Status == permit.PendingReview:
			mayHold, mayTake = true, true // held, or taken early before the hold lapsed
		case p.Status == permit.Approved || p.Status == permit.Cancelled:
			mayTake = true
			mayHold = !final // the capture may still be owed
		case p.Status == permit.AwaitingPayment:
			mayHold = !final // paid, not yet confirmed
		}
		if current && p.Status == permit.PendingReview {
			wantHeld = wantHeld.Add(m.held)
		}
		owed := current && w.owes(p.ID)
		if m.held.IsPositive() && !mayHold && !owed {
			w.t.Fatalf("%s: payment %s holds %s for permit %+v, and nothing is owed to release it", where, id, m.held, p)
		}
		if m.taken.IsPositive() && !mayTake && !owed {
			w.t.Fatalf("%s: payment %s has taken %s for permit %s (%s), and no refund is owed", where, id, m.taken, p.ID, p.Status)
		}
		if current && p.Status == permit.Approved && final && !m.taken.Equal(p.Price.Sub(p.Payment.Refunded)) {
			// The one way money is not taken: the provider was down for
			// longer than the capture window left, and the hold lapsed.
			// The capture is then owed, where officers see it.
			hp, err := w.pay.Payment(context.Background(), id)
			require.NoError(w.t, err)
			require.True(w.t, m.taken.IsZero() && hp.Status == permit.PaymentExpired && owed,
				"%s: approved %s: taken %s, price %s, at the provider %s, owed %v; its events:\n%s", where, p.ID, m.taken, p.Price, hp.Status, owed, w.history(p.ID))
			w.lapsed[p.ID] = true
		}
	}
	if final {
		require.True(w.t, heldSum.Equal(wantHeld), "%s: the provider holds %s, the applications awaiting a decision %s", where, heldSum, wantHeld)
		rs, err := w.svc.PaymentRetries(context.Background(), permit.System, 1000)
		require.NoError(w.t, err)
		for _, r := range rs {
			// Only a capture of a hold that lapsed untaken stays owed,
			// where officers see it (approved, or still pending review).
			hp, err := w.pay.Payment(context.Background(), r.PaymentID)
			require.NoError(w.t, err)
			require.True(w.t, r.Op == permit.PaymentOpCapture && hp.Status == permit.PaymentExpired, "%s: still owed: %+v", where, r)
			w.lapsed[r.PermitID] = true
		}
	}
}

func TestMoneyInvariantsRandomLives(t *testing.T) {
	steps := 400
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		steps, seeds = 120, seeds[:1]
	}
	for name, newDB := range databases(t) {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				w := newMoneyWorld(t, newDB(t), seed)
				var log []string
				for i := range steps {
					log = append(log, fmt.Sprintf("%d: %s", i, w.step()))
					if len(log) > 30 {
						log = log[1:]
					}
					w.check(strings.Join(log, "\n"), false)
				}
				// The provider works again; the due jobs settle everything.
				w.flaky.mu.Lock()
				w.flaky.rate = 0
				w.flaky.mu.Unlock()
				for range 40 {
					w.clock.Advance(7 * time.Hour)
					_, err := w.svc.RunDue(context.Background(), w.clock.Now())
					require.NoError(t, err)
				}
				w.check("at the end:\n"+strings.Join(log, "\n"), true)
				var approved, taken int
				for _, p := range w.permits() {
					if p.Status == permit.Approved && !p.Free {
						approved++
					}
				}
				for _, m := range w.providerMoney() {
					if m.taken.IsPositive() {
						taken++
					}
				}
				t.Logf("%d permits, %d approved paid, %d payments with money taken, %d holds lapsed untaken (provider down, or no due-jobs run in the window)", len(w.permits()), approved, taken, len(w.lapsed))
			})
		}
	}
}

// history is a permit's events, for failure messages.
func (w *moneyWorld) history(permitID string) string {
	evs, _, err := w.store.Events(context.Background(), "", 100000)
	require.NoError(w.t, err)
	var b strings.Builder
	for _, e := range evs {
		if e.PermitID == permitID {
			fmt.Fprintf(&b, "%s %s %s %v\n", e.At.Format(time.RFC3339), e.Actor, e.Type, e.Data)
		}
	}
	return b.String()
}
