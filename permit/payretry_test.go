package permit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// flakyPay is a payment provider that fails the next calls of an
// operation: failures[op] calls fail, the first of them after the gateway
// has moved the money (the answer lost on the way back), the others before.
type flakyPay struct {
	*fakepay.Gateway
	mu       sync.Mutex
	failures map[string]int
	calls    map[string]int
	// refusing: every failure happens before the money moves.
	refusing bool
}

func newFlaky(g *fakepay.Gateway, failures map[string]int) *flakyPay {
	return &flakyPay{Gateway: g, failures: failures, calls: map[string]int{}}
}

var errGatewayDown = errors.New("gateway timeout: no answer from the card provider")

// call runs op, failing as configured.
func (f *flakyPay) call(op string, do func() (permit.Payment, error)) (permit.Payment, error) {
	f.mu.Lock()
	f.calls[op]++
	left := f.failures[op]
	first := left > 0 && f.calls[op] == 1 && !f.refusing
	if left > 0 {
		f.failures[op]--
	}
	f.mu.Unlock()
	switch {
	case first:
		_, _ = do() // the money moves, the answer is lost
		return permit.Payment{}, errGatewayDown
	case left > 0:
		return permit.Payment{}, errGatewayDown
	}
	return do()
}

func (f *flakyPay) Capture(ctx context.Context, id, key string) (permit.Payment, error) {
	return f.call("capture", func() (permit.Payment, error) { return f.Gateway.Capture(ctx, id, key) })
}

func (f *flakyPay) Void(ctx context.Context, id, key string) (permit.Payment, error) {
	return f.call("void", func() (permit.Payment, error) { return f.Gateway.Void(ctx, id, key) })
}

func (f *flakyPay) Refund(ctx context.Context, id string, amount decimal.Decimal, key string) (permit.Payment, error) {
	return f.call("refund", func() (permit.Payment, error) { return f.Gateway.Refund(ctx, id, amount, key) })
}

func flakyWorld(t *testing.T, now time.Time, failures map[string]int) *world {
	t.Helper()
	return newWorldPaying(t, now, func(g *fakepay.Gateway) permit.Payments { return newFlaky(g, failures) })
}

// ledgerOps counts the gateway's movements of an operation.
func ledgerOps(g *fakepay.Gateway, op string) int {
	n := 0
	for _, e := range g.Ledger() {
		if e.Op == op {
			n++
		}
	}
	return n
}

func eventsOfType(evs []permit.Event, typ permit.EventType) []permit.Event {
	var out []permit.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func (w *world) retries() []permit.PaymentRetry {
	w.t.Helper()
	rs, err := w.svc.PaymentRetries(context.Background(), permit.System, 100)
	require.NoError(w.t, err)
	return rs
}

func (w *world) runDue() permit.DueReport {
	w.t.Helper()
	rep, err := w.svc.RunDue(context.Background(), w.svc.Now())
	require.NoError(w.t, err)
	return rep
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

// paidApplication files a free application (taking the household's free
// slot) and then a paid one, whose £55.00 is authorised.
func (w *world) paidApplication() permit.Permit {
	w.t.Helper()
	a := w.account(home, "jane@example.org")
	w.mustApply(a, "essential-carer", "AB12CDE")
	p := w.mustApply(a, "essential-carer", "CD34EFG")
	require.False(w.t, p.Free)
	require.Equal(w.t, permit.PaymentAuthorised, p.Payment.Status)
	return p
}

// A refund the provider fails twice (the first time after moving the
// money) is retried by the due jobs with a growing pause until it
// succeeds, and the money is returned exactly once.
func TestRefundFailingTwiceIsReturnedExactlyOnce(t *testing.T) {
	failures := map[string]int{}
	w := flakyWorld(t, at(2026, 11, 24, 10, 0), failures)
	w.svc.Scheme().Refunds = pricing.RefundPolicy{Kind: pricing.RefundFull}
	ctx := context.Background()
	p := w.paidApplication()
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	requireMoney(t, "55.00", w.pay.Taken())

	failures["refund"] = 2
	c, err := w.svc.Cancel(ctx, permit.AccountActor(p.AccountID), p.ID, "no longer needed")
	require.NoError(t, err, "a refund the provider fails does not stop the cancellation")
	require.Equal(t, permit.Cancelled, c.Status)
	requireMoney(t, "55.00", c.Cancellation.Refund)
	require.Equal(t, permit.PaymentCaptured, c.Payment.Status, "the permit shows what the provider has confirmed")

	rs := w.retries()
	require.Len(t, rs, 1)
	require.Equal(t, permit.PaymentRetry{
		ID: "refund:" + p.ID, Op: permit.PaymentOpRefund, PaymentID: p.Payment.ID, Amount: rs[0].Amount,
		PermitID: p.ID, AccountID: p.AccountID, Status: permit.PaymentRetryPending, Attempts: 1, LastError: errGatewayDown.Error(),
		NextAttemptAt: w.svc.Now().Add(time.Minute).UTC(), CreatedAt: w.svc.Now().UTC(), UpdatedAt: w.svc.Now().UTC(), Version: 2,
	}, rs[0])
	requireMoney(t, "55.00", rs[0].Amount)
	scheduled := eventsOfType(w.events(), permit.EventPaymentRetryScheduled)
	require.Len(t, scheduled, 1)
	require.Equal(t, map[string]string{"payment_retry_id": "refund:" + p.ID, "operation": "refund", "payment_id": p.Payment.ID,
		"amount": "55.00", "attempts": "1", "next_attempt_at": "2026-11-24T10:01:00Z", "error": errGatewayDown.Error()}, scheduled[0].Data)

	require.Equal(t, permit.DueReport{}, w.runDue(), "not due until a minute has passed")

	w.advance(time.Minute)
	require.Equal(t, permit.DueReport{PaymentRetriesFailed: 1}, w.runDue())
	rs = w.retries()
	require.Len(t, rs, 1)
	require.Equal(t, 2, rs[0].Attempts)
	require.True(t, w.svc.Now().Add(2*time.Minute).Equal(rs[0].NextAttemptAt), "the pause doubles")

	w.advance(time.Minute)
	require.Equal(t, permit.DueReport{}, w.runDue())
	w.advance(time.Minute)
	require.Equal(t, permit.DueReport{PaymentsRetried: 1}, w.runDue())
	require.Empty(t, w.retries())
	require.Equal(t, 1, ledgerOps(w.pay, "refund"), "the money is returned exactly once")
	requireMoney(t, "0.00", w.pay.Taken())
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, got.Payment.Status)
	requireMoney(t, "55.00", got.Payment.Refunded)
	done := eventsOfType(w.events(), permit.EventPaymentRetrySucceeded)
	require.Len(t, done, 1)
	require.Equal(t, "3", done[0].Data["attempts"])
	require.Len(t, eventsOfType(w.events(), permit.EventPaymentRetryScheduled), 2)

	w.advance(24 * time.Hour)
	require.Equal(t, permit.DueReport{}, w.runDue(), "done once")
	require.Equal(t, 1, ledgerOps(w.pay, "refund"))
}

// When the capture fails at approval, the permit is approved all the same
// with its payment authorised, and the capture is retried until the
// money is taken, once.
func TestApprovalWhenCaptureFails(t *testing.T) {
	w := flakyWorld(t, at(2026, 11, 24, 10, 0), map[string]int{"capture": 2})
	ctx := context.Background()
	p := w.paidApplication()

	ok, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, ok.Status)
	require.Equal(t, permit.PaymentAuthorised, ok.Payment.Status)
	rs := w.retries()
	require.Len(t, rs, 1)
	require.Equal(t, permit.PaymentOpCapture, rs[0].Op)
	require.Equal(t, "capture:"+p.ID, rs[0].ID)

	w.advance(time.Minute)
	require.Equal(t, permit.DueReport{PaymentRetriesFailed: 1}, w.runDue())
	w.advance(2 * time.Minute)
	require.Equal(t, permit.DueReport{PaymentsRetried: 1}, w.runDue())
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCaptured, got.Payment.Status)
	require.Equal(t, 1, ledgerOps(w.pay, "capture"))
	requireMoney(t, "55.00", w.pay.Taken())
	requireMoney(t, "0.00", w.pay.Held())
	require.Empty(t, w.retries())
}

// An approved permit whose capture is still owed counts as paid when it
// is cancelled: the refund waits for the capture, and the holder ends
// with the scheme's refund, not the money kept or given twice.
func TestCancelWhileCaptureOwed(t *testing.T) {
	var flaky *flakyPay
	w := newWorldPaying(t, at(2026, 11, 24, 10, 0), func(g *fakepay.Gateway) permit.Payments {
		flaky = newFlaky(g, map[string]int{"capture": 1})
		flaky.refusing = true
		return flaky
	})
	w.svc.Scheme().Refunds = pricing.RefundPolicy{Kind: pricing.RefundFull}
	ctx := context.Background()
	p := w.paidApplication()
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	c, err := w.svc.Cancel(ctx, permit.AccountActor(p.AccountID), p.ID, "")
	require.NoError(t, err)
	requireMoney(t, "55.00", c.Cancellation.Refund)
	require.Len(t, w.retries(), 2, "the capture and the refund are owed")
	requireMoney(t, "55.00", w.pay.Held())
	for range 3 {
		w.advance(time.Hour)
		w.runDue()
	}
	require.Empty(t, w.retries())
	require.Equal(t, 1, ledgerOps(w.pay, "capture"))
	require.Equal(t, 1, ledgerOps(w.pay, "refund"))
	requireMoney(t, "0.00", w.pay.Taken())
	requireMoney(t, "0.00", w.pay.Held())
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, got.Payment.Status, "a late capture's answer does not hide the refund")
}

// A capture whose first answer was lost has taken the money: the refund
// of a cancellation then goes through at once, and the capture's answer
// when it is retried does not turn the permit's payment back.
func TestLateCaptureAnswerDoesNotHideRefund(t *testing.T) {
	w := flakyWorld(t, at(2026, 11, 24, 10, 0), map[string]int{"capture": 1})
	w.svc.Scheme().Refunds = pricing.RefundPolicy{Kind: pricing.RefundFull}
	ctx := context.Background()
	p := w.paidApplication()
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	c, err := w.svc.Cancel(ctx, permit.AccountActor(p.AccountID), p.ID, "")
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, c.Payment.Status)
	w.advance(time.Hour)
	require.Equal(t, permit.DueReport{PaymentsRetried: 1}, w.runDue())
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentRefunded, got.Payment.Status)
	require.Equal(t, 1, ledgerOps(w.pay, "capture"))
	require.Equal(t, 1, ledgerOps(w.pay, "refund"))
	requireMoney(t, "0.00", w.pay.Taken())
}

// A void the provider fails at a rejection or a withdrawal does not stop
// it; the hold is released by the due jobs.
func TestVoidFailingAtRejectionAndWithdrawal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(w *world, p permit.Permit) (permit.Permit, error)
		want  permit.Status
	}{
		{"reject", func(w *world, p permit.Permit) (permit.Permit, error) {
			return w.svc.Reject(context.Background(), w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is unreadable."})
		}, permit.Rejected},
		{"withdraw", func(w *world, p permit.Permit) (permit.Permit, error) {
			return w.svc.Cancel(context.Background(), permit.AccountActor(p.AccountID), p.ID, "changed my mind")
		}, permit.Withdrawn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := flakyWorld(t, at(2026, 11, 24, 10, 0), map[string]int{"void": 2})
			p := w.paidApplication()
			got, err := tc.close(w, p)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Status)
			require.Equal(t, permit.PaymentAuthorised, got.Payment.Status)
			rs := w.retries()
			require.Len(t, rs, 1)
			require.Equal(t, "void:"+p.ID, rs[0].ID)
			require.Len(t, eventsOfType(w.events(), permit.EventPaymentRetryScheduled), 1)

			w.advance(time.Minute)
			require.Equal(t, permit.DueReport{PaymentRetriesFailed: 1}, w.runDue())
			w.advance(2 * time.Minute)
			require.Equal(t, permit.DueReport{PaymentsRetried: 1}, w.runDue())
			require.Empty(t, w.retries())
			require.Equal(t, 1, ledgerOps(w.pay, "void"))
			requireMoney(t, "0.00", w.pay.Held())
			after, err := w.svc.Permit(context.Background(), permit.System, p.ID)
			require.NoError(t, err)
			require.Equal(t, permit.PaymentVoided, after.Payment.Status)
		})
	}
}

// Decisions whose payment call succeeds at once leave no retry behind and
// no retry event.
func TestPaymentsDoneAtOnceLeaveNothingOwed(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	p := w.paidApplication()
	got, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCaptured, got.Payment.Status)
	q := w.mustApply(w.account(neighbour, ""), "essential-carer", "EF56GHI")
	q2 := w.mustApply(w.account(neighbour, ""), "essential-carer", "JK12LMN")
	_, err = w.svc.Reject(ctx, w.officer, q2.ID, permit.Rejection{Code: "proof_unclear", Reason: "y"})
	require.NoError(t, err)
	require.True(t, q.Free)
	require.Empty(t, w.retries())
	require.Empty(t, eventsOfType(w.events(), permit.EventPaymentRetryScheduled))
	require.Empty(t, eventsOfType(w.events(), permit.EventPaymentRetrySucceeded))
	require.Equal(t, permit.DueReport{}, w.runDue())
}

func TestPaymentRetryBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{
		{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {9, 256 * time.Minute},
		{10, 6 * time.Hour}, {50, 6 * time.Hour}, {1000, 6 * time.Hour},
	} {
		require.Equal(t, tc.want, permit.PaymentRetryBackoff(tc.attempts), "after %d failures", tc.attempts)
	}
}

func TestPaymentRetriesLimit(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	for _, limit := range []int{0, -1, 1001} {
		_, err := w.svc.PaymentRetries(context.Background(), permit.System, limit)
		require.ErrorIs(t, err, permit.ErrValidation, "limit %d", limit)
	}
}

// withdrawingPay withdraws the application while its card is being
// authorised, as a holder cancelling in another tab would.
type withdrawingPay struct {
	*flakyPay
	w *world
}

func (p *withdrawingPay) Authorise(ctx context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	if _, err := p.w.svc.Cancel(ctx, permit.AccountActor(req.AccountID), req.PermitID, "changed my mind"); err != nil {
		return permit.Payment{}, err
	}
	return p.flakyPay.Authorise(ctx, req)
}

// An authorisation that arrives for an application withdrawn meanwhile is
// voided; when the provider fails that void, it is owed and retried.
func TestAuthorisationOfWithdrawnApplicationIsVoided(t *testing.T) {
	for _, fails := range []int{0, 1} {
		var wp *withdrawingPay
		w := newWorldPaying(t, at(2026, 11, 24, 10, 0), func(g *fakepay.Gateway) permit.Payments {
			f := newFlaky(g, map[string]int{"void": fails})
			f.refusing = true
			wp = &withdrawingPay{flakyPay: f}
			return wp
		})
		wp.w = w
		a := w.account(home, "")
		w.mustApply(a, "essential-carer", "AB12CDE")
		_, err := w.apply(a, "essential-carer", "CD34EFG")
		require.ErrorIs(t, err, permit.ErrInvalidTransition, "the application was withdrawn")
		require.Len(t, w.retries(), fails)
		if fails > 0 {
			requireMoney(t, "55.00", w.pay.Held())
			w.advance(time.Minute)
			require.Equal(t, 1, w.runDue().PaymentsRetried)
		}
		requireMoney(t, "0.00", w.pay.Held(), "%d failures", fails)
		require.Equal(t, 1, ledgerOps(w.pay, "void"))
		require.Empty(t, w.retries())
	}
}

// Due jobs running at once in several processes ask the provider with
// the same idempotency key and record the outcome once.
func TestConcurrentRetriesMoveMoneyOnce(t *testing.T) {
	w := flakyWorld(t, at(2026, 11, 24, 10, 0), map[string]int{"void": 1})
	p := w.paidApplication()
	_, err := w.svc.Reject(context.Background(), w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "y"})
	require.NoError(t, err)
	w.advance(time.Minute)
	var wg sync.WaitGroup
	reports := make([]permit.DueReport, 8)
	for i := range reports {
		wg.Go(func() {
			rep, err := w.svc.RunDue(context.Background(), w.svc.Now())
			require.NoError(t, err)
			reports[i] = rep
		})
	}
	wg.Wait()
	retried := 0
	for _, r := range reports {
		retried += r.PaymentsRetried
	}
	require.Equal(t, 1, retried, "counted by the run that recorded it")
	require.Equal(t, 1, ledgerOps(w.pay, "void"))
	require.Len(t, eventsOfType(w.events(), permit.EventPaymentRetrySucceeded), 1, "recorded once")
	require.Empty(t, w.retries())
}

// unrecordingStore fails to record payment retries' outcomes while
// failing is set, as a database that goes away between the provider's
// answer and the write would.
type unrecordingStore struct {
	permit.Store
	failing *bool
}

var errStoreGone = errors.New("database went away")

func (s unrecordingStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	return s.Store.Update(ctx, func(tx permit.Tx) error { return fn(unrecordingTx{tx, s.failing}) })
}

type unrecordingTx struct {
	permit.Tx
	failing *bool
}

func (t unrecordingTx) UpdatePaymentRetry(r permit.PaymentRetry) error {
	if *t.failing {
		return errStoreGone
	}
	return t.Tx.UpdatePaymentRetry(r)
}

// When the provider voids but the outcome cannot be recorded, the hook
// hears of it, the rejection stands, and the due jobs ask again with the
// same key: the provider answers from its first result and no money moves
// twice.
func TestUnrecordedOutcomeIsAskedAgainOnce(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	failing := false
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	var hooked []error
	svc, err := permit.NewService(loadLeicestershire(t), unrecordingStore{w.store, &failing}, g, w.pay, &permit.Options{
		Now: w.clock, NewID: w.newID, PaymentRecordFailed: func(err error) { hooked = append(hooked, err) }})
	require.NoError(t, err)
	w.svc = svc

	p := w.paidApplication()
	failing = true
	r, err := w.svc.Reject(context.Background(), w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "y"})
	require.NoError(t, err)
	require.Equal(t, permit.Rejected, r.Status)
	require.Len(t, hooked, 1)
	require.ErrorIs(t, hooked[0], errStoreGone)
	require.Equal(t, 1, ledgerOps(w.pay, "void"))
	owed := w.retries()
	require.Len(t, owed, 1, "still owed as far as the store knows")
	require.Equal(t, 0, owed[0].Attempts)

	failing = false
	require.Equal(t, 1, w.runDue().PaymentsRetried, "due at once")
	require.Equal(t, 1, ledgerOps(w.pay, "void"), "the provider replays its first answer")
	require.Empty(t, w.retries())
	got, err := w.svc.Permit(context.Background(), permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, got.Payment.Status)
}

// R7: an application pending in the old zone is withdrawn when a move to
// another zone is approved; its hold used to stay on the card. It is
// voided now, like any other withdrawal's.
func TestMoveToAnotherZoneVoidsPendingApplicationsHold(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	old := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, old.ID)
	require.NoError(t, err)
	pending := w.mustApply(a, "essential-carer", "CD34EFG")
	requireMoney(t, "55.00", w.pay.Held())

	docs := append(w.proofOfCare(),
		evidence.Document{Kind: "utility_bill", IssuedOn: d(2026, 11, 1), Name: "Jane Smith", Address: "3 Forest Road, Loughborough LE11 2AA"},
		evidence.Document{Kind: "v5c", IssuedOn: d(2024, 5, 1), Fields: map[string]string{"document_reference": "12345678901", "vrm": "AB12 CDE"}})
	np, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", MoveTo: otherZone, Evidence: docs})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, np.ID)
	require.NoError(t, err)

	got, err := w.svc.Permit(ctx, permit.System, pending.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Withdrawn, got.Status)
	require.Equal(t, permit.PaymentVoided, got.Payment.Status)
	requireMoney(t, "0.00", w.pay.Held())
	require.Empty(t, w.retries())
}
