package govukpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
	"github.com/carerpermit/carerpermit/permit"
)

// seen records what the handler gave OnPayment.
type seen struct {
	mu   sync.Mutex
	got  []permit.HostedPayment
	fail error
}

func (s *seen) on(_ context.Context, p permit.HostedPayment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.got = append(s.got, p)
	return nil
}

func (s *seen) statuses() []permit.PaymentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []permit.PaymentStatus
	for _, p := range s.got {
		out = append(out, p.Status)
	}
	return out
}

const secret = "webhook-signing-secret"

// newNotified starts a fake that posts its notifications to a
// NotificationHandler using a client of the same fake.
func newNotified(t *testing.T) (*govukpaytest.Server, *govukpay.Client, *seen, *httptest.Server) {
	t.Helper()
	var h http.Handler
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hook.Close)
	pay := govukpaytest.New(t, govukpaytest.Options{WebhookURL: hook.URL, WebhookSecret: secret, ManualDelivery: true})
	c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: govukpaytest.DefaultAPIKey, RateLimit: -1, MaxAttempts: 1})
	require.NoError(t, err)
	sn := &seen{}
	h = &govukpay.NotificationHandler{Secret: secret, Payments: c, Log: &govukpay.MemoryLog{}, OnPayment: sn.on}
	return pay, c, sn, hook
}

func TestNotificationsActOnThePaymentAsPayHoldsIt(t *testing.T) {
	pay, c, sn, _ := newNotified(t)
	ctx := context.Background()
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err)
	_, err = pay.Complete(p.NextURL, govukpaytest.Pay)
	require.NoError(t, err)
	_, err = c.Capture(ctx, p.ID, "capture:k1")
	require.NoError(t, err)
	require.NoError(t, pay.DeliverNotifications(ctx))
	// started, succeeded, captured: each read from Pay after the capture
	// had happened, whatever each body said.
	require.Equal(t, []permit.PaymentStatus{permit.PaymentCaptured, permit.PaymentCaptured, permit.PaymentCaptured}, sn.statuses())

	// A repeat of a message handled before is acknowledged, not acted on.
	notes := pay.Notifications()
	require.NoError(t, pay.Redeliver(ctx, notes[0].MessageID))
	require.Len(t, sn.statuses(), 3)
}

func TestNotificationSignatureChecked(t *testing.T) {
	_, c, sn, hook := newNotified(t)
	ctx := context.Background()
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err)

	// A forged body claiming success, signed with the wrong key: refused.
	body := []byte(`{"webhook_message_id":"forged1","resource_id":"` + p.ID + `","resource_type":"payment","event_type":"card_payment_captured","api_version":1,"created_date":"2027-03-01T09:00:00.000Z","resource":{"state":{"status":"success"}}}`)
	for _, sig := range []string{"", "not-hex", govukpaytest.Sign("another-secret", body)} {
		status := postNotification(t, hook.URL, body, sig)
		require.Equal(t, http.StatusUnauthorized, status, sig)
	}
	require.Empty(t, sn.statuses(), "nothing changes on a bad signature")

	// Signed properly but lying: the handler reads Pay, which says created.
	status := postNotification(t, hook.URL, body, govukpaytest.Sign(secret, body))
	require.Equal(t, http.StatusNoContent, status)
	require.Equal(t, []permit.PaymentStatus{permit.PaymentCreated}, sn.statuses(), "the body is never trusted")

	// The older message-id field is accepted too.
	old := []byte(`{"id":"old1","resource_id":"` + p.ID + `","resource_type":"payment","event_type":"card_payment_started"}`)
	require.Equal(t, http.StatusNoContent, postNotification(t, hook.URL, old, govukpaytest.Sign(secret, old)))
	require.Len(t, sn.statuses(), 2)
	require.Equal(t, http.StatusNoContent, postNotification(t, hook.URL, old, govukpaytest.Sign(secret, old)))
	require.Len(t, sn.statuses(), 2, "deduplicated by message id")

	bad := []byte(`{"resource_id":`)
	require.Equal(t, http.StatusBadRequest, postNotification(t, hook.URL, bad, govukpaytest.Sign(secret, bad)))
	unknown := []byte(`{"webhook_message_id":"m9","resource_id":"nosuchpayment","resource_type":"payment"}`)
	require.Equal(t, http.StatusNoContent, postNotification(t, hook.URL, unknown, govukpaytest.Sign(secret, unknown)))
	require.Len(t, sn.statuses(), 2)
}

func TestNotificationRetriedWhenItCannotBeHandled(t *testing.T) {
	pay, c, sn, _ := newNotified(t)
	ctx := context.Background()
	p, err := c.StartPayment(ctx, request("k1"))
	require.NoError(t, err)
	_, err = pay.Complete(p.NextURL, govukpaytest.Decline)
	require.NoError(t, err)

	pay.FailNext(1) // reading the payment fails for the first notification
	require.Error(t, pay.DeliverNotifications(ctx))
	require.Equal(t, []permit.PaymentStatus{permit.PaymentFailed}, sn.statuses(), "the second was handled")

	sn.mu.Lock()
	sn.fail = context.DeadlineExceeded
	sn.mu.Unlock()
	pay.Advance(time.Minute)
	require.Error(t, pay.DeliverNotifications(ctx), "OnPayment failing: 503, Pay tries again")
	sn.mu.Lock()
	sn.fail = nil
	sn.mu.Unlock()
	pay.Advance(5 * time.Minute)
	require.NoError(t, pay.DeliverNotifications(ctx))
	require.Equal(t, []permit.PaymentStatus{permit.PaymentFailed, permit.PaymentFailed}, sn.statuses())
	for _, n := range pay.Notifications() {
		require.True(t, n.Delivered, n.EventType)
	}
}

func postNotification(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("Pay-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		var prob map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&prob))
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		require.NotEmpty(t, prob["code"])
	}
	return resp.StatusCode
}

func TestVerify(t *testing.T) {
	body := []byte(`{"a":1}`)
	sig := govukpaytest.Sign("k", body)
	require.True(t, govukpay.Verify("k", body, sig))
	require.False(t, govukpay.Verify("k", []byte(`{"a":2}`), sig))
	require.False(t, govukpay.Verify("", body, govukpaytest.Sign("", body)), "no secret configured: nothing verifies")
	require.False(t, govukpay.Verify("k", body, sig[:10]))
}
