package permit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/recorder"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// scriptedPay is a permit.HostedPayments whose payer the test plays:
// payments are created waiting for the payer, and the test says what the
// payer did (pay, decline) before the service asks. Down makes the next
// calls fail with ErrUnavailable; lose makes StartPayment create the
// payment and then lose its answer.
type scriptedPay struct {
	mu       sync.Mutex
	now      func() time.Time
	byID     map[string]*permit.HostedPayment
	byKey    map[string]string
	keys     []string // every start key asked for, in order
	down     int
	lose     int
	captured int
	voided   int
}

func newScriptedPay(now func() time.Time) *scriptedPay {
	return &scriptedPay{now: now, byID: map[string]*permit.HostedPayment{}, byKey: map[string]string{}}
}

var errDown = fmt.Errorf("%w: the provider is down", permit.ErrUnavailable)

func (f *scriptedPay) fail() bool {
	if f.down > 0 {
		f.down--
		return true
	}
	return false
}

func (f *scriptedPay) StartPayment(_ context.Context, req permit.HostedPaymentRequest) (permit.HostedPayment, error) {
	if err := req.Validate(); err != nil {
		return permit.HostedPayment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, req.IdempotencyKey)
	if f.fail() {
		return permit.HostedPayment{}, errDown
	}
	if id, ok := f.byKey[req.IdempotencyKey]; ok {
		return *f.byID[id], nil
	}
	if !req.DelayedCapture || !strings.HasPrefix(req.ReturnURL, "https://permits.example/") {
		return permit.HostedPayment{}, fmt.Errorf("%w: want delayed capture and the service's return URL, got %+v", permit.ErrValidation, req)
	}
	id := fmt.Sprintf("pay%d", len(f.byID)+1)
	p := &permit.HostedPayment{ID: id, Status: permit.PaymentCreated, ProviderStatus: "created", Amount: req.Amount,
		DelayedCapture: true, CreatedAt: f.now(), NextURL: "https://pay.example/secure/" + id,
		ExpiresAt: f.now().Add(90 * time.Minute), Refunded: decimal.Zero, RefundAvailable: decimal.Zero}
	f.byID[id], f.byKey[req.IdempotencyKey] = p, id
	if f.lose > 0 {
		f.lose--
		return permit.HostedPayment{}, fmt.Errorf("%w: the answer was lost", permit.ErrUnavailable)
	}
	return *p, nil
}

// payer plays the payer of payment id: "pay", "decline" or "cancel".
func (f *scriptedPay) payer(t *testing.T, id, outcome string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[id]
	require.True(t, ok, "payment %s", id)
	require.Equal(t, permit.PaymentCreated, p.Status)
	switch outcome {
	case "pay":
		p.Status, p.ProviderStatus, p.NextURL = permit.PaymentAuthorised, "capturable", ""
		p.ExpiresAt = p.CreatedAt.Add(120 * time.Hour)
	case "decline":
		p.Status, p.ProviderStatus, p.NextURL, p.ExpiresAt = permit.PaymentFailed, "failed", "", time.Time{}
		p.Failure = &permit.PaymentFailure{Code: permit.FailureDeclined, ProviderCode: "P0010", Detail: "Payment method rejected"}
	case "cancel":
		p.Status, p.ProviderStatus, p.NextURL, p.ExpiresAt = permit.PaymentFailed, "failed", "", time.Time{}
		p.Failure = &permit.PaymentFailure{Code: permit.FailureCancelledByPayer, ProviderCode: "P0030", Detail: "Payment was cancelled by the user"}
	default:
		t.Fatalf("unknown outcome %q", outcome)
	}
}

func (f *scriptedPay) get(id string) (*permit.HostedPayment, error) {
	if f.fail() {
		return nil, errDown
	}
	p, ok := f.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: payment %s", permit.ErrNotFound, id)
	}
	return p, nil
}

func (f *scriptedPay) Payment(_ context.Context, id string) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.get(id)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	out := *p
	if out.Status == permit.PaymentCreated {
		out.NextURL = fmt.Sprintf("https://pay.example/secure/%s?fresh=%d", id, len(f.keys))
	}
	return out, nil
}

func (f *scriptedPay) Capture(_ context.Context, id, _ string) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.get(id)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	switch p.Status {
	case permit.PaymentCaptured:
	case permit.PaymentAuthorised:
		p.Status, p.ProviderStatus, p.ExpiresAt, p.RefundAvailable = permit.PaymentCaptured, "success", time.Time{}, p.Amount
		f.captured++
	default:
		return permit.HostedPayment{}, fmt.Errorf("%w: payment %s is %s", permit.ErrInvalidTransition, id, p.Status)
	}
	return *p, nil
}

func (f *scriptedPay) Cancel(_ context.Context, id, _ string) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.get(id)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	switch p.Status {
	case permit.PaymentCaptured, permit.PaymentRefunded:
		return permit.HostedPayment{}, fmt.Errorf("%w: payment %s was captured", permit.ErrInvalidTransition, id)
	case permit.PaymentCreated, permit.PaymentAuthorised:
		p.Status, p.ProviderStatus, p.NextURL, p.ExpiresAt = permit.PaymentVoided, "cancelled", "", time.Time{}
		p.Failure = &permit.PaymentFailure{Code: permit.FailureCancelled, ProviderCode: "P0040"}
		f.voided++
	}
	return *p, nil
}

func (f *scriptedPay) Refund(_ context.Context, req permit.RefundRequest) (permit.HostedPayment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.get(req.PaymentID)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	switch {
	case p.RefundAvailable.Equal(req.Available.Sub(req.Amount)):
	case !p.RefundAvailable.Equal(req.Available):
		return permit.HostedPayment{}, permit.ErrConflict
	default:
		p.Refunded, p.RefundAvailable = p.Refunded.Add(req.Amount), p.RefundAvailable.Sub(req.Amount)
		p.Status = permit.PaymentRefunded
	}
	return *p, nil
}

type hostedWorld struct {
	*world
	hp *scriptedPay
}

func newHostedWorld(t *testing.T, now time.Time) hostedWorld {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	w := &world{t: t, store: memstore.New(), notes: &recorder.Notifier{}, now: now, ids: map[string]int{},
		officer: permit.OfficerActor("jo.bloggs")}
	hp := newScriptedPay(w.clock)
	w.svc, err = permit.NewService(loadLeicestershire(t), w.store, g, nil, &permit.Options{Notifier: w.notes,
		Now: w.clock, NewID: w.newID, NotifyFailed: w.notifyFailed, HostedPayments: hp,
		PaymentReturnURL: func(id string, attempt int) string {
			return fmt.Sprintf("https://permits.example/v1/permits/%s/payment/return?attempt=%d", id, attempt)
		}})
	require.NoError(t, err)
	return hostedWorld{world: w, hp: hp}
}

// applyPaid applies for a paid permit (a second one at the property: the
// free place is taken first).
func (w hostedWorld) applyPaid(acc permit.Account) (permit.Permit, error) {
	return w.svc.Apply(context.Background(), permit.AccountActor(acc.ID), permit.Application{
		AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE", Pay: true, Evidence: w.proofOfCare()})
}

func (w hostedWorld) eventTypes(permitID string) []permit.EventType {
	var out []permit.EventType
	for _, e := range w.events() {
		if e.PermitID == permitID {
			out = append(out, e.Type)
		}
	}
	return out
}

func TestHostedApplyWaitsForTheProvider(t *testing.T) {
	ctx := context.Background()
	w := newHostedWorld(t, at(2027, time.March, 1, 10, 0))
	acc := w.account(home, "jane@example.com")
	p, err := w.applyPaid(acc)
	require.NoError(t, err)
	require.Equal(t, permit.AwaitingPayment, p.Status, "waits for the payer")
	require.NotNil(t, p.Payment)
	require.Equal(t, permit.PaymentCreated, p.Payment.Status)
	require.Equal(t, 1, p.Payment.Attempt)
	require.Equal(t, "https://pay.example/secure/pay1", p.Payment.NextURL)
	require.True(t, p.Payment.ExpiresAt.Equal(w.clock().Add(90*time.Minute)))
	require.Equal(t, []string{"start:" + p.ID + ":1"}, w.hp.keys)

	// Confirming before the payer finished changes nothing but the page.
	p, err = w.svc.ConfirmPayment(ctx, permit.AccountActor(acc.ID), p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.AwaitingPayment, p.Status)
	require.Contains(t, p.Payment.NextURL, "fresh=")

	// Another account learns nothing of it.
	other := w.account(neighbour, "")
	_, err = w.svc.ConfirmPayment(ctx, permit.AccountActor(other.ID), p.ID)
	require.ErrorIs(t, err, permit.ErrNotFound)

	w.hp.payer(t, "pay1", "pay")
	for range 2 { // the return and the notification: the second is harmless
		p, err = w.svc.ConfirmPayment(ctx, permit.System, p.ID)
		require.NoError(t, err)
	}
	require.Equal(t, permit.PendingReview, p.Status)
	require.Equal(t, permit.PaymentAuthorised, p.Payment.Status)
	require.Empty(t, p.Payment.NextURL, "the page is gone once paid")
	require.Equal(t, []permit.EventType{permit.EventPermitApplied, permit.EventPermitAuthorised}, w.eventTypes(p.ID))

	p, err = w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, p.Status)
	require.Equal(t, permit.PaymentCaptured, p.Payment.Status, "approval takes the held money")
	require.Equal(t, 1, w.hp.captured)
	require.Equal(t, 1, p.Payment.Attempt, "the attempt is kept")
}

func TestHostedDeclineThenNewAttempt(t *testing.T) {
	ctx := context.Background()
	w := newHostedWorld(t, at(2027, time.March, 1, 10, 0))
	acc := w.account(home, "jane@example.com")
	p, err := w.applyPaid(acc)
	require.NoError(t, err)

	w.hp.payer(t, "pay1", "decline")
	p, err = w.svc.ConfirmPayment(ctx, permit.AccountActor(acc.ID), p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.AwaitingPayment, p.Status, "a declined card does not close the application")
	require.Equal(t, permit.PaymentFailed, p.Payment.Status)
	require.Equal(t, &permit.PaymentFailure{Code: permit.FailureDeclined, ProviderCode: "P0010", Detail: "Payment method rejected"}, p.Payment.Failure)
	require.Contains(t, w.eventTypes(p.ID), permit.EventPaymentAttemptFailed)

	p, err = w.svc.NewPaymentAttempt(ctx, permit.AccountActor(acc.ID), p.ID)
	require.NoError(t, err)
	require.Equal(t, 2, p.Payment.Attempt)
	require.Equal(t, "pay2", p.Payment.ID)
	require.Nil(t, p.Payment.Failure)
	require.Equal(t, "start:"+p.ID+":2", w.hp.keys[len(w.hp.keys)-1])

	// Asking again while the payer is on the page starts nothing new.
	again, err := w.svc.NewPaymentAttempt(ctx, permit.AccountActor(acc.ID), p.ID)
	require.NoError(t, err)
	require.Equal(t, "pay2", again.Payment.ID)
	require.Len(t, w.hp.byID, 2)

	w.hp.payer(t, "pay2", "pay")
	p, err = w.svc.ConfirmPayment(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, p.Status)

	_, err = w.svc.NewPaymentAttempt(ctx, permit.AccountActor(acc.ID), p.ID)
	require.ErrorIs(t, err, permit.ErrInvalidTransition, "paid: nothing more to pay")
}

func TestHostedProviderDownOnApply(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		down, lose int
	}{
		{"refused before creating", 1, 0},
		{"created, answer lost", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newHostedWorld(t, at(2027, time.March, 1, 10, 0))
			acc := w.account(home, "jane@example.com")
			w.hp.down, w.hp.lose = tc.down, tc.lose
			_, err := w.applyPaid(acc)
			require.ErrorIs(t, err, permit.ErrUnavailable)
			ps, err := w.svc.PermitsOfAccount(ctx, permit.System, acc.ID)
			require.NoError(t, err)
			require.Len(t, ps, 1)
			p := ps[0]
			require.Equal(t, permit.AwaitingPayment, p.Status, "kept awaiting payment")
			require.Nil(t, p.Payment, "no payment half-recorded")

			p, err = w.svc.NewPaymentAttempt(ctx, permit.AccountActor(acc.ID), p.ID)
			require.NoError(t, err)
			require.Equal(t, 1, p.Payment.Attempt, "the same attempt, asked again")
			require.Len(t, w.hp.byID, 1, "made once")
			require.Equal(t, []string{"start:" + p.ID + ":1", "start:" + p.ID + ":1"}, w.hp.keys)
		})
	}
}

func TestHostedRejectAndWithdrawReleaseTheHold(t *testing.T) {
	ctx := context.Background()
	w := newHostedWorld(t, at(2027, time.March, 1, 10, 0))
	acc := w.account(home, "jane@example.com")
	p, err := w.applyPaid(acc)
	require.NoError(t, err)
	w.hp.payer(t, p.Payment.ID, "pay")
	p, err = w.svc.ConfirmPayment(ctx, permit.System, p.ID)
	require.NoError(t, err)
	p, err = w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is unreadable."})
	require.NoError(t, err)
	require.Equal(t, permit.Rejected, p.Status)
	require.Equal(t, permit.PaymentVoided, p.Payment.Status)
	require.Equal(t, permit.PaymentVoided, w.hp.byID["pay1"].Status, "the hold is released at the provider")
	require.Zero(t, w.hp.captured)

	// Withdrawn while the payer is still on the page: the payment is ended.
	acc2 := w.account(sameZone, "")
	q, err := w.applyPaid(acc2)
	require.NoError(t, err)
	q, err = w.svc.Cancel(ctx, permit.AccountActor(acc2.ID), q.ID, "changed my mind")
	require.NoError(t, err)
	require.Equal(t, permit.Withdrawn, q.Status)
	require.Equal(t, permit.PaymentVoided, w.hp.byID[q.Payment.ID].Status)
}

func TestHostedDueJobsConfirmAndAbandon(t *testing.T) {
	ctx := context.Background()
	start := at(2027, time.March, 1, 10, 0)
	w := newHostedWorld(t, start)
	paid := w.account(home, "")
	unpaid := w.account(sameZone, "")
	late := w.account(neighbour, "")
	pPaid, err := w.applyPaid(paid)
	require.NoError(t, err)
	pUnpaid, err := w.applyPaid(unpaid)
	require.NoError(t, err)
	pLate, err := w.applyPaid(late)
	require.NoError(t, err)

	// Neither the return nor a notification arrived: the sweep asks.
	w.hp.payer(t, pPaid.Payment.ID, "pay")
	w.setNow(start.Add(time.Hour))
	rep, err := w.svc.RunDue(ctx, w.clock())
	require.NoError(t, err)
	require.Equal(t, 1, rep.PaymentsConfirmed)
	require.Zero(t, rep.UnpaidWithdrawn)
	got, err := w.svc.Permit(ctx, permit.System, pPaid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, got.Status)

	// After the scheme's time (24 h) the unpaid one is closed and its
	// payment ended; one paid at the last moment is read first and kept.
	w.hp.payer(t, pLate.Payment.ID, "pay")
	w.hp.mu.Lock()
	w.hp.down = 1 // the sweep's read of the late payment fails: the abandon job reads it again
	w.hp.mu.Unlock()
	w.setNow(start.Add(25 * time.Hour))
	rep, err = w.svc.RunDue(ctx, w.clock())
	require.Error(t, err, "the failed read is reported")
	require.Equal(t, 1, rep.UnpaidWithdrawn)
	got, err = w.svc.Permit(ctx, permit.System, pUnpaid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Withdrawn, got.Status)
	require.Equal(t, permit.PaymentVoided, w.hp.byID[pUnpaid.Payment.ID].Status, "the unpaid payment is ended")
	got, err = w.svc.Permit(ctx, permit.System, pLate.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, got.Status, "paid just in time: not abandoned")
}

func TestHostedNeedsAReturnURLAndTheProviderSession(t *testing.T) {
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	hp := newScriptedPay(time.Now)
	_, err = permit.NewService(loadLeicestershire(t), memstore.New(), g, nil, &permit.Options{HostedPayments: hp})
	require.ErrorContains(t, err, "PaymentReturnURL")
	sch := loadLeicestershire(t)
	sch.AbandonUnpaidAfter = time.Hour
	_, err = permit.NewService(sch, memstore.New(), g, nil, &permit.Options{HostedPayments: hp,
		PaymentReturnURL: func(string, int) string { return "https://permits.example/r" }})
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "1h0m0s"), err.Error())
	_, err = permit.NewService(sch, memstore.New(), g, nil, nil)
	require.ErrorContains(t, err, "payments", "without hosted payments the synchronous provider is required")
	require.False(t, errors.Is(err, permit.ErrUnavailable))
}
