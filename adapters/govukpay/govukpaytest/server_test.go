package govukpaytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
)

// call sends one API request with the fake's key and decodes the JSON answer.
func call(t *testing.T, s *govukpaytest.Server, method, path string, body any, header ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+govukpaytest.DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), "body %s", raw)
	}
	return resp.StatusCode, out
}

func createBody(delayed bool) map[string]any {
	return map[string]any{
		"amount": 5500, "reference": "per_000001", "description": "Essential Carer Permit, Zone B",
		"return_url": "https://permits.example.gov.uk/payments/return/abc", "delayed_capture": delayed,
		"language": "en", "email": "resident@example.com", "metadata": map[string]any{"permit_id": "per_000001"},
	}
}

func state(p map[string]any) (status, code string) {
	st := p["state"].(map[string]any)
	status, _ = st["status"].(string)
	code, _ = st["code"].(string)
	return status, code
}

func link(p map[string]any, name string) string {
	l, ok := p["_links"].(map[string]any)[name].(map[string]any)
	if !ok {
		return ""
	}
	return l["href"].(string)
}

func create(t *testing.T, s *govukpaytest.Server, delayed bool) (id, next string) {
	t.Helper()
	status, p := call(t, s, "POST", "/v1/payments", createBody(delayed))
	require.Equal(t, http.StatusCreated, status, p)
	st, _ := state(p)
	require.Equal(t, "created", st)
	return p["payment_id"].(string), link(p, "next_url")
}

func get(t *testing.T, s *govukpaytest.Server, id string) map[string]any {
	t.Helper()
	status, p := call(t, s, "GET", "/v1/payments/"+id, nil)
	require.Equal(t, http.StatusOK, status, p)
	return p
}

// receiver is a notification endpoint that checks Pay-Signature.
type receiver struct {
	mu     sync.Mutex
	secret string
	fail   bool
	got    []map[string]any
	badSig int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("Pay-Signature") != govukpaytest.Sign(rc.secret, body) || r.Header.Get("Content-Type") != "application/json" {
		rc.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	rc.got = append(rc.got, m)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) events() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, m := range rc.got {
		out = append(out, m["event_type"].(string))
	}
	return out
}

func newWithReceiver(t *testing.T) (*govukpaytest.Server, *receiver) {
	rc := &receiver{secret: "whsec-test"}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	s := govukpaytest.New(t, govukpaytest.Options{WebhookURL: hook.URL, WebhookSecret: rc.secret, ManualDelivery: true})
	return s, rc
}

func TestDelayedCaptureJourney(t *testing.T) {
	s, rc := newWithReceiver(t)
	id, next := create(t, s, true)
	p := get(t, s, id)
	require.NotEmpty(t, link(p, "cancel"))
	require.Empty(t, link(p, "capture"), "no capture link before the payer confirms")

	ret, err := s.Complete(next, govukpaytest.Pay)
	require.NoError(t, err)
	require.Equal(t, "https://permits.example.gov.uk/payments/return/abc", ret)

	p = get(t, s, id)
	st, _ := state(p)
	require.Equal(t, "capturable", st)
	require.Equal(t, false, p["state"].(map[string]any)["finished"])
	require.NotEmpty(t, link(p, "capture"))
	require.Empty(t, link(p, "next_url"), "a capturable payment has no page left for the payer")
	require.Equal(t, "0005", p["card_details"].(map[string]any)["last_digits_card_number"])

	status, _ := call(t, s, "POST", "/v1/payments/"+id+"/capture", nil)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = call(t, s, "POST", "/v1/payments/"+id+"/capture", nil)
	require.Equal(t, http.StatusNoContent, status, "capturing again answers 204, as Pay's connector does")
	p = get(t, s, id)
	st, _ = state(p)
	require.Equal(t, "success", st)
	require.Equal(t, true, p["state"].(map[string]any)["finished"])
	sum := p["refund_summary"].(map[string]any)
	require.Equal(t, "available", sum["status"])
	require.EqualValues(t, 5500, sum["amount_available"])
	require.Equal(t, "2027-03-01", p["settlement_summary"].(map[string]any)["captured_date"])

	status, r := call(t, s, "POST", "/v1/payments/"+id+"/refunds", map[string]any{"amount": 2000, "refund_amount_available": 5500})
	require.Equal(t, http.StatusAccepted, status, r)
	require.Equal(t, "submitted", r["status"])
	sum = get(t, s, id)["refund_summary"].(map[string]any)
	require.EqualValues(t, 3500, sum["amount_available"])
	require.EqualValues(t, 2000, sum["amount_submitted"])

	s.Advance(govukpaytest.RefundSettles)
	status, r = call(t, s, "GET", "/v1/payments/"+id+"/refunds/"+r["refund_id"].(string), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "success", r["status"])
	status, list := call(t, s, "GET", "/v1/payments/"+id+"/refunds", nil)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, list["_embedded"].(map[string]any)["refunds"], 1)

	require.NoError(t, s.DeliverNotifications(context.Background()))
	require.Equal(t, []string{"card_payment_started", "card_payment_succeeded", "card_payment_captured", "card_payment_refunded"}, rc.events(),
		"no notification when the payment becomes capturable, as in Pay")
	require.Zero(t, rc.badSig)
	for _, m := range rc.got {
		require.Equal(t, id, m["resource_id"])
		require.EqualValues(t, 1, m["api_version"])
		require.Equal(t, "payment", m["resource_type"])
		require.NotEmpty(t, m["webhook_message_id"])
	}
}

func TestImmediatePaymentIsTakenAtOnce(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{})
	id, next := create(t, s, false)
	_, err := s.Complete(next, govukpaytest.Pay)
	require.NoError(t, err)
	st, _ := state(get(t, s, id))
	require.Equal(t, "success", st)
	status, e := call(t, s, "POST", "/v1/payments/"+id+"/capture", nil)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "P1003", e["code"])
}

func TestPayerOutcomes(t *testing.T) {
	for _, tc := range []struct {
		outcome      govukpaytest.Outcome
		status, code string
		event        string
	}{
		{govukpaytest.Decline, "failed", "P0010", "card_payment_failed"},
		{govukpaytest.Cancel, "failed", "P0030", "card_payment_failed"},
		{govukpaytest.Fail, "error", "P0050", "card_payment_failed"},
		{govukpaytest.Abandon, "submitted", "", ""},
	} {
		t.Run(string(tc.outcome), func(t *testing.T) {
			s := govukpaytest.New(t, govukpaytest.Options{})
			id, next := create(t, s, true)
			_, err := s.Complete(next, tc.outcome)
			require.NoError(t, err)
			p := get(t, s, id)
			st, code := state(p)
			require.Equal(t, tc.status, st)
			require.Equal(t, tc.code, code)
			var events []string
			for _, n := range s.Notifications() {
				events = append(events, n.EventType)
			}
			want := []string{"card_payment_started"}
			if tc.event != "" {
				want = append(want, tc.event)
			}
			require.Equal(t, want, events)
		})
	}
}

func TestNextURLWorksOnceAndResumes(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{})
	id, next := create(t, s, true)
	_, err := s.Complete(next, govukpaytest.Abandon)
	require.NoError(t, err)
	_, err = s.Complete(next, govukpaytest.Pay)
	require.ErrorIs(t, err, govukpaytest.ErrPage, "a next_url works once")

	fresh := link(get(t, s, id), "next_url")
	require.NotEmpty(t, fresh)
	require.NotEqual(t, next, fresh)
	resp, err := http.Get(fresh)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(page), "Confirm your payment", "a submitted payment resumes at the confirmation")
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		PostForm(fresh, map[string][]string{"action": {"confirm"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	st, _ := state(get(t, s, id))
	require.Equal(t, "capturable", st)
}

func TestExpiries(t *testing.T) {
	t.Run("90 minutes to pay", func(t *testing.T) {
		s := govukpaytest.New(t, govukpaytest.Options{})
		id, next := create(t, s, true)
		s.Advance(govukpaytest.SessionLifetime - time.Second)
		st, _ := state(get(t, s, id))
		require.Equal(t, "created", st)
		s.Advance(time.Second)
		st, code := state(get(t, s, id))
		require.Equal(t, "failed", st)
		require.Equal(t, "P0020", code)
		_, err := s.Complete(next, govukpaytest.Pay)
		require.ErrorIs(t, err, govukpaytest.ErrPage)
		require.Equal(t, "card_payment_expired", s.Notifications()[0].EventType)
	})
	t.Run("120 hours to capture, from creation", func(t *testing.T) {
		s := govukpaytest.New(t, govukpaytest.Options{})
		id, next := create(t, s, true)
		s.Advance(80 * time.Minute)
		_, err := s.Complete(next, govukpaytest.Pay)
		require.NoError(t, err)
		s.Advance(govukpaytest.CaptureWindow - 80*time.Minute - time.Second)
		st, _ := state(get(t, s, id))
		require.Equal(t, "capturable", st)
		s.Advance(time.Second)
		st, code := state(get(t, s, id))
		require.Equal(t, "failed", st)
		require.Equal(t, "P0020", code)
		status, e := call(t, s, "POST", "/v1/payments/"+id+"/capture", nil)
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "P1003", e["code"])
	})
	t.Run("an outside clock", func(t *testing.T) {
		now := time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC) // across the change to BST
		s := govukpaytest.New(t, govukpaytest.Options{Clock: func() time.Time { return now }})
		id, _ := create(t, s, true)
		now = now.Add(2 * time.Hour)
		s.Sweep()
		p, ok := s.Payment(id)
		require.True(t, ok)
		require.Equal(t, "failed", p.Status)
		require.Panics(t, func() { s.Advance(time.Minute) })
	})
}

func TestCancel(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{})
	id, next := create(t, s, true)
	_, err := s.Complete(next, govukpaytest.Pay)
	require.NoError(t, err)
	status, _ := call(t, s, "POST", "/v1/payments/"+id+"/cancel", nil)
	require.Equal(t, http.StatusNoContent, status)
	p := get(t, s, id)
	st, code := state(p)
	require.Equal(t, "cancelled", st)
	require.Equal(t, "P0040", code)
	require.Empty(t, link(p, "cancel"))
	status, e := call(t, s, "POST", "/v1/payments/"+id+"/cancel", nil)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "P0502", e["code"])
	status, e = call(t, s, "POST", "/v1/payments/nosuchpayment/cancel", nil)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "P0500", e["code"])
}

func TestRefundRules(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{})
	id, next := create(t, s, true)
	status, e := call(t, s, "POST", "/v1/payments/"+id+"/refunds", map[string]any{"amount": 100})
	require.Equal(t, http.StatusPreconditionFailed, status)
	require.Equal(t, "P0603", e["code"], "nothing taken, nothing to refund")
	_, err := s.Complete(next, govukpaytest.Pay)
	require.NoError(t, err)
	status, _ = call(t, s, "POST", "/v1/payments/"+id+"/capture", nil)
	require.Equal(t, http.StatusNoContent, status)

	for _, tc := range []struct {
		name      string
		amount    int
		available int
		status    int
		code      string
	}{
		{"stale amount available", 100, 5400, http.StatusPreconditionFailed, "P0604"},
		{"more than available", 5501, 5500, http.StatusPreconditionFailed, "P0603"},
		{"part", 5000, 5500, http.StatusAccepted, ""},
		{"blind retry of the part", 5000, 5500, http.StatusPreconditionFailed, "P0603"},
		{"the rest", 500, 500, http.StatusAccepted, ""},
		{"nothing left", 1, 1, http.StatusPreconditionFailed, "P0603"},
	} {
		status, e := call(t, s, "POST", "/v1/payments/"+id+"/refunds", map[string]any{"amount": tc.amount, "refund_amount_available": tc.available})
		require.Equal(t, tc.status, status, tc.name)
		if tc.code != "" {
			require.Equal(t, tc.code, e["code"], tc.name)
		}
	}
	p, _ := s.Payment(id)
	require.EqualValues(t, 5500, p.Refunded)
	require.Equal(t, "full", get(t, s, id)["refund_summary"].(map[string]any)["status"])
}

func TestCreateRefusals(t *testing.T) {
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name        string
		change      func(map[string]any)
		status      int
		code, field string
		offSpec     bool // the request itself breaks Pay's document
	}{
		{"no amount", func(b map[string]any) { delete(b, "amount") }, 400, "P0101", "amount", true},
		{"no return_url", func(b map[string]any) { delete(b, "return_url") }, 400, "P0101", "return_url", true},
		{"amount too big", func(b map[string]any) { b["amount"] = 10000001 }, 422, "P0102", "amount", true},
		{"amount zero", func(b map[string]any) { b["amount"] = 0 }, 422, "P0102", "amount", false},
		{"reference too long", func(b map[string]any) { b["reference"] = long }, 422, "P0102", "reference", true},
		{"description too long", func(b map[string]any) { b["description"] = long }, 422, "P0102", "description", true},
		{"reference with a URL", func(b map[string]any) { b["reference"] = "see https://x" }, 422, "P0102", "reference", false},
		{"language", func(b map[string]any) { b["language"] = "fr" }, 422, "P0102", "language", true},
		{"return_url", func(b map[string]any) { b["return_url"] = "not a url" }, 422, "P0102", "return_url", false},
		{"metadata empty", func(b map[string]any) { b["metadata"] = map[string]any{} }, 422, "P0102", "metadata", false},
		{"metadata key too long", func(b map[string]any) { b["metadata"] = map[string]any{strings.Repeat("k", 31): "v"} }, 422, "P0102", "metadata", false},
		{"metadata value an object", func(b map[string]any) { b["metadata"] = map[string]any{"k": map[string]any{}} }, 422, "P0102", "metadata", false},
		{"metadata keys alike", func(b map[string]any) { b["metadata"] = map[string]any{"Permit": "a", "permit": "b"} }, 422, "P0102", "metadata", false},
		{"firewall characters", func(b map[string]any) { b["description"] = "Zone <B>" }, 400, "P0920", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := govukpaytest.New(t, govukpaytest.Options{AllowInvalidRequests: true})
			b := createBody(true)
			tc.change(b)
			status, e := call(t, s, "POST", "/v1/payments", b)
			require.Equal(t, tc.status, status, e)
			require.Equal(t, tc.code, e["code"])
			if tc.field != "" {
				require.Equal(t, tc.field, e["field"])
			}
			if tc.offSpec {
				require.Error(t, s.TakeRequestViolations(), "the fake notices a request Pay's document refuses")
			} else {
				require.NoError(t, s.TakeRequestViolations())
			}
			require.Empty(t, s.Payments())
		})
	}
}

func TestCreateNeedsJSONAndKey(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{AllowInvalidRequests: true})
	req, _ := http.NewRequest("POST", s.URL+"/v1/payments", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	req, _ = http.NewRequest("POST", s.URL+"/v1/payments", strings.NewReader(`{"amount": 1}`))
	req.Header.Set("Authorization", "Bearer "+govukpaytest.DefaultAPIKey)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var e map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "P0920", e["code"], "Pay's firewall wants Content-Type: application/json")
	_ = s.TakeRequestViolations()
}

func TestIdempotencyKey(t *testing.T) {
	s := govukpaytest.New(t, govukpaytest.Options{AllowInvalidRequests: true})
	status, first := call(t, s, "POST", "/v1/payments", createBody(true), "Idempotency-Key", "per-000001-attempt-1")
	require.Equal(t, http.StatusCreated, status)
	status, again := call(t, s, "POST", "/v1/payments", createBody(true), "Idempotency-Key", "per-000001-attempt-1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, first["payment_id"], again["payment_id"])
	other := createBody(true)
	other["amount"] = 6000
	status, e := call(t, s, "POST", "/v1/payments", other, "Idempotency-Key", "per-000001-attempt-1")
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "P0191", e["code"])
	require.Len(t, s.Payments(), 1)

	status, e = call(t, s, "POST", "/v1/payments", createBody(true), "Idempotency-Key", "per:000001")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "Idempotency-Key", e["header"])
	require.Error(t, s.TakeRequestViolations(), "a key outside Pay's alphabet breaks its document")
}

func TestThrottleFailAndRateLimit(t *testing.T) {
	wall := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s := govukpaytest.New(t, govukpaytest.Options{Wall: func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }})
	s.Throttle(2)
	for range 2 {
		status, e := call(t, s, "GET", "/v1/payments/x", nil)
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Equal(t, "P0900", e["code"])
	}
	s.FailNext(1)
	status, e := call(t, s, "POST", "/v1/payments", createBody(true))
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, "P0198", e["code"])
	require.Empty(t, s.Payments(), "a failed create keeps nothing")

	// 15 creates a second pass; the 16th in the same second does not.
	for i := range govukpaytest.RateLimit - 1 { // the failed create above counted
		status, _ := call(t, s, "POST", "/v1/payments", createBody(true))
		require.Equal(t, http.StatusCreated, status, i)
	}
	status, e = call(t, s, "POST", "/v1/payments", createBody(true))
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "P0900", e["code"])
	status, _ = call(t, s, "GET", "/v1/payments/x", nil)
	require.Equal(t, http.StatusNotFound, status, "GETs are not limited")
	mu.Lock()
	wall = wall.Add(time.Second)
	mu.Unlock()
	status, _ = call(t, s, "POST", "/v1/payments", createBody(true))
	require.Equal(t, http.StatusCreated, status)
}

func TestNotificationRetriesAndRedelivery(t *testing.T) {
	s, rc := newWithReceiver(t)
	rc.fail = true
	_, next := create(t, s, true)
	_, err := s.Complete(next, govukpaytest.Decline)
	require.NoError(t, err)
	require.Error(t, s.DeliverNotifications(context.Background()))
	require.Empty(t, rc.events())

	rc.mu.Lock()
	rc.fail = false
	rc.mu.Unlock()
	require.NoError(t, s.DeliverNotifications(context.Background()))
	require.Empty(t, rc.events(), "not retried before a minute has passed")
	s.Advance(time.Minute)
	require.NoError(t, s.DeliverNotifications(context.Background()))
	require.Equal(t, []string{"card_payment_started", "card_payment_failed"}, rc.events())

	notes := s.Notifications()
	require.NoError(t, s.Redeliver(context.Background(), notes[1].MessageID))
	require.Equal(t, []string{"card_payment_started", "card_payment_failed", "card_payment_failed"}, rc.events())
	require.Equal(t, 2, s.Notifications()[1].Deliveries)
}

func TestNotificationsInTheBackground(t *testing.T) {
	rc := &receiver{secret: "s3cret"}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	s := govukpaytest.New(t, govukpaytest.Options{WebhookURL: hook.URL, WebhookSecret: rc.secret})
	_, next := create(t, s, false)
	_, err := s.Complete(next, govukpaytest.Pay)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rc.events()) == 3 }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, []string{"card_payment_started", "card_payment_succeeded", "card_payment_captured"}, rc.events())
}
