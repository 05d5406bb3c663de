package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/metrics"
	"github.com/carerpermit/carerpermit/permit"
)

// value reads one sample: name{labels} as "k=v,k=v" in label order; 0 when
// absent. Histograms give their count.
func value(t *testing.T, m *metrics.Metrics, name, labels string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			var ls []string
			for _, l := range s.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			if strings.Join(ls, ",") != labels {
				continue
			}
			switch {
			case s.Counter != nil:
				return s.GetCounter().GetValue()
			case s.Gauge != nil:
				return s.GetGauge().GetValue()
			case s.Histogram != nil:
				return float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// fakePayments answers every call with err.
type fakePayments struct{ err error }

func (f fakePayments) Authorise(context.Context, permit.PaymentRequest) (permit.Payment, error) {
	return permit.Payment{ID: "pay_1"}, f.err
}
func (f fakePayments) Capture(context.Context, string, string) (permit.Payment, error) {
	return permit.Payment{ID: "pay_1"}, f.err
}
func (f fakePayments) Void(context.Context, string, string) (permit.Payment, error) {
	return permit.Payment{ID: "pay_1"}, f.err
}
func (f fakePayments) Refund(context.Context, string, decimal.Decimal, string) (permit.Payment, error) {
	return permit.Payment{ID: "pay_1"}, f.err
}

func TestPayments(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		result string
	}{
		{"ok", nil, "ok"},
		{"card refused", fmt.Errorf("%w: insufficient funds", permit.ErrPaymentFailed), "refused"},
		{"unknown payment", fmt.Errorf("pay_9: %w", permit.ErrNotFound), "not_found"},
		{"not authorised", permit.ErrInvalidTransition, "invalid_transition"},
		{"gave up", context.DeadlineExceeded, "canceled"},
		{"provider down", errors.New("HTTP 503"), "error"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			p := m.Payments(fakePayments{err: tt.err})
			pay, err := p.Authorise(ctx, permit.PaymentRequest{})
			require.Equal(t, "pay_1", pay.ID, "the answer passes through")
			require.Equal(t, tt.err, err, "the error passes through unchanged")
			_, _ = p.Capture(ctx, "pay_1", "k")
			_, _ = p.Capture(ctx, "pay_1", "k")
			_, _ = p.Void(ctx, "pay_1", "k")
			_, _ = p.Refund(ctx, "pay_1", decimal.RequireFromString("1.00"), "k")
			for op, n := range map[string]float64{"authorise": 1, "capture": 2, "void": 1, "refund": 1} {
				require.Equal(t, n, value(t, m, "carerpermit_payment_calls_total", "operation="+op+",result="+tt.result), op)
				require.Equal(t, n, value(t, m, "carerpermit_payment_call_duration_seconds", "operation="+op), op)
			}
		})
	}
}

type fakeNotifier struct{ err error }

func (f fakeNotifier) Notify(context.Context, permit.Message) error { return f.err }

func TestNotifier(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	require.Nil(t, m.Notifier(nil), "no notifier stays none")
	ok, failing := m.Notifier(fakeNotifier{}), m.Notifier(fakeNotifier{err: errors.New("SMTP 451")})
	require.NoError(t, ok.Notify(ctx, permit.Message{Kind: permit.MessageApproved}))
	require.NoError(t, ok.Notify(ctx, permit.Message{Kind: permit.MessageApproved}))
	require.NoError(t, ok.Notify(ctx, permit.Message{Kind: "made_up"}))
	require.EqualError(t, failing.Notify(ctx, permit.Message{Kind: permit.MessageExpiryReminder}), "SMTP 451")

	require.Equal(t, 2.0, value(t, m, "carerpermit_notifier_calls_total", "kind=approved,result=ok"))
	require.Equal(t, 1.0, value(t, m, "carerpermit_notifier_calls_total", "kind=other,result=ok"), "an unknown kind is not a label")
	require.Equal(t, 1.0, value(t, m, "carerpermit_notifier_calls_total", "kind=expiry_reminder,result=error"))
	require.Equal(t, 2.0, value(t, m, "carerpermit_notifier_call_duration_seconds", "kind=approved"))
}

// fakeStore runs each Update's fn runs times (as a store retrying a
// serialization failure does) and commits unless fn fails.
type fakeStore struct {
	permit.Store
	runs    int
	permits map[string]permit.Permit
}

func (s *fakeStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	var err error
	for range s.runs {
		if err = fn(&fakeTx{s: s}); err != nil {
			return err
		}
	}
	return err
}

type fakeTx struct {
	permit.Tx
	s *fakeStore
}

func (t *fakeTx) Permit(id string) (permit.Permit, error) {
	p, ok := t.s.permits[id]
	if !ok {
		return permit.Permit{}, permit.ErrNotFound
	}
	return p, nil
}
func (t *fakeTx) CreatePermit(p permit.Permit) error   { return nil }
func (t *fakeTx) UpdatePermit(p permit.Permit) error   { return nil }
func (t *fakeTx) AppendEvent(e permit.Event) error     { return nil }
func (t *fakeTx) CreateAccount(a permit.Account) error { return nil }

type lookupStore struct{ *fakeStore }

func (lookupStore) PermitsByVRM(context.Context, permit.VRM) ([]permit.Permit, error) {
	return []permit.Permit{{ID: "per_1"}}, nil
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	inner := &fakeStore{runs: 2, permits: map[string]permit.Permit{"per_stored": {ID: "per_stored", Free: true}}}
	s := m.Store(inner)
	_, isLookup := s.(permit.VehicleLookup)
	require.False(t, isLookup, "a store without the look-up does not gain one")

	require.NoError(t, s.Update(ctx, func(tx permit.Tx) error {
		require.NoError(t, tx.CreateAccount(permit.Account{ID: "acc_1"}))
		require.NoError(t, tx.AppendEvent(permit.Event{Type: permit.EventAccountCreated, AccountID: "acc_1"}))
		require.NoError(t, tx.CreatePermit(permit.Permit{ID: "per_free", Free: true}))
		require.NoError(t, tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: "per_free"}))
		require.NoError(t, tx.CreatePermit(permit.Permit{ID: "per_paid"}))
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: "per_paid"})
	}), "fn run twice, as by a store's retry, is counted once")
	require.NoError(t, s.Update(ctx, func(tx permit.Tx) error {
		// A decision on a permit this transaction did not write: its
		// charge is read.
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApproved, PermitID: "per_stored"})
	}))
	require.NoError(t, s.Update(ctx, func(tx permit.Tx) error {
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitRejected, PermitID: "per_gone"})
	}))
	require.EqualError(t, s.Update(ctx, func(tx permit.Tx) error {
		require.NoError(t, tx.UpdatePermit(permit.Permit{ID: "per_paid"}))
		require.NoError(t, tx.AppendEvent(permit.Event{Type: permit.EventPermitCancelled, PermitID: "per_paid"}))
		return errors.New("rolled back")
	}), "rolled back", "the error passes through")

	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"carerpermit_events_total", "type=account.created", 1},
		{"carerpermit_events_total", "type=permit.applied", 2},
		{"carerpermit_events_total", "type=permit.approved", 1},
		{"carerpermit_events_total", "type=permit.cancelled", 0},
		{"carerpermit_permit_outcomes_total", "charge=free,outcome=applied", 1},
		{"carerpermit_permit_outcomes_total", "charge=paid,outcome=applied", 1},
		{"carerpermit_permit_outcomes_total", "charge=free,outcome=approved", 1},
		{"carerpermit_permit_outcomes_total", "charge=unknown,outcome=rejected", 1},
		{"carerpermit_permit_outcomes_total", "charge=paid,outcome=cancelled", 0},
	} {
		require.Equal(t, c.want, value(t, m, c.name, c.labels), c.name+"{"+c.labels+"}")
	}

	withLookup := m.Store(lookupStore{inner})
	vl, ok := withLookup.(permit.VehicleLookup)
	require.True(t, ok, "the store's look-up is kept")
	got, err := vl.PermitsByVRM(ctx, "AB12CDE")
	require.NoError(t, err)
	require.Equal(t, "per_1", got[0].ID)
}

func TestObserve(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("GET /v1/permits/{id}", 200, 30*time.Millisecond)
	m.ObserveRequest("GET /v1/permits/{id}", 404, time.Millisecond)
	m.ObserveRequest("", 404, time.Millisecond)
	m.ObserveDue(permit.DueReport{VehicleChangesApplied: 2, PaymentRetriesFailed: 1}, nil)
	m.ObserveDue(permit.DueReport{RemindersSent: 3}, errors.New("one batch failed"))
	m.ObserveWebhooks(metrics.WebhookRound{Enqueued: 4, Delivered: 3, Failed: 1}, nil)
	m.ObserveWebhooks(metrics.WebhookRound{Dead: 1, Paused: 1, Purged: 2}, errors.New("database gone"))
	require.NoError(t, m.WatchWebhookBacklog(func(context.Context) (int, int, error) { return 5, 1, nil }))

	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"carerpermit_http_requests_total", "route=GET /v1/permits/{id},status=200", 1},
		{"carerpermit_http_requests_total", "route=GET /v1/permits/{id},status=404", 1},
		{"carerpermit_http_requests_total", "route=unmatched,status=404", 1},
		{"carerpermit_http_request_duration_seconds", "route=GET /v1/permits/{id}", 2},
		{"carerpermit_due_runs_total", "result=ok", 1},
		{"carerpermit_due_runs_total", "result=error", 1},
		{"carerpermit_due_items_total", "job=vehicle_changes_applied", 2},
		{"carerpermit_due_items_total", "job=reminders_sent", 3},
		{"carerpermit_due_items_total", "job=payment_retries_failed", 1},
		{"carerpermit_due_items_total", "job=unpaid_withdrawn", 0},
		{"carerpermit_webhook_deliveries_total", "result=enqueued", 4},
		{"carerpermit_webhook_deliveries_total", "result=delivered", 3},
		{"carerpermit_webhook_deliveries_total", "result=failed", 1},
		{"carerpermit_webhook_deliveries_total", "result=dead", 1},
		{"carerpermit_webhook_deliveries_total", "result=purged", 2},
		{"carerpermit_webhook_dispatch_errors_total", "", 1},
		{"carerpermit_webhook_endpoints_paused_total", "", 1},
		{"carerpermit_webhook_backlog", "status=pending", 5},
		{"carerpermit_webhook_backlog", "status=dead", 1},
	} {
		require.Equal(t, c.want, value(t, m, c.name, c.labels), c.name+"{"+c.labels+"}")
	}
	require.Error(t, m.WatchWebhookBacklog(func(context.Context) (int, int, error) { return 0, 0, nil }), "twice is refused")
}

func TestBacklogFailure(t *testing.T) {
	m := metrics.New()
	require.NoError(t, m.WatchWebhookBacklog(func(context.Context) (int, int, error) { return 0, 0, errors.New("database gone") }))
	require.Equal(t, 1.0, value(t, m, "carerpermit_webhook_backlog_errors_total", ""))
	body := scrape(t, m)
	require.NotContains(t, body, "carerpermit_webhook_backlog{", "no figure rather than a wrong one")
	require.Contains(t, body, "carerpermit_webhook_backlog_errors_total 2")
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(b)
}

func TestHandlerSeparateRegistries(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.ObserveRequest("GET /healthz", 200, time.Millisecond)
	require.Contains(t, scrape(t, a), `carerpermit_http_requests_total{route="GET /healthz",status="200"} 1`)
	require.NotContains(t, scrape(t, b), `carerpermit_http_requests_total{`, "each Metrics has its own registry")
	require.Contains(t, scrape(t, b), "go_goroutines", "the Go runtime's metrics")
}
