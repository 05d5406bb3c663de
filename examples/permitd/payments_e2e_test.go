package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
)

// Issue 15: paying on the provider's hosted page, end to end: the
// simulated provider permitd runs by default (--payments fake) and GOV.UK
// Pay (--payments govukpay, against govukpaytest), on SQLite and
// PostgreSQL. Every exchange with the API is checked against openapi.json;
// the provider's pages are visited as a browser would.

// noRedirects is a browser that shows where it is sent instead of going.
var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// paidApplication opens an account at the house and applies for a permit
// the resident chooses to pay for; it returns the resident and the
// permit as answered (awaiting payment).
func (s *server) paidApplication(house, name, issued string) (resident, map[string]any) {
	s.t.Helper()
	r := s.open(name, s.find("LE11 3AB", house)["uprn"].(string))
	p := s.must(201, "POST", "/v1/accounts/"+r.id+"/permits", r.token, map[string]any{"type": "essential-carer",
		"vrm": "PA" + house + "YYY", "pay": true, "evidence": careLetter(name, issued)})
	require.Equal(s.t, "awaiting_payment", p["status"], "%v", p)
	require.Equal(s.t, false, p["free"])
	return r, p
}

// payment is the permit's payment object.
func payment(p map[string]any) map[string]any { return p["payment"].(map[string]any) }

// backTo follows the provider's redirect to the return URL, as the
// payer's browser does, and returns what the server answered there.
func (s *server) backTo(returnURL string) map[string]any {
	s.t.Helper()
	require.True(s.t, strings.HasPrefix(returnURL, s.base+"/v1/payments/"), "return URL %q is on this server", returnURL)
	return s.must(200, "GET", strings.TrimPrefix(returnURL, s.base), "", nil)
}

// onFakePage is the payer on the simulated provider's page: it opens
// next_url, then answers as a script does (POST {"outcome": ...}), and
// returns where the browser is sent (303).
func onFakePage(t *testing.T, nextURL, outcome string) string {
	t.Helper()
	resp, err := noRedirects.Get(nextURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "%s", page)
	require.Contains(t, string(page), `value="pay"`)
	require.Contains(t, string(page), "55.00")
	resp, err = noRedirects.Post(nextURL, "application/json", strings.NewReader(`{"outcome":"`+outcome+`"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	return resp.Header.Get("Location")
}

func TestHostedPaymentsFake(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, db(t), "--test-clock") // --payments fake is the default
			const officer = testOfficerToken
			s.setClock("2026-12-01T10:00:00Z")

			// Apply, pay on the page, come back: pending review, held.
			ann, p := s.paidApplication("9", "Ann Lee", "2026-11-20")
			pid := p["id"].(string)
			pay := payment(p)
			require.Equal(t, "created", pay["status"])
			require.EqualValues(t, 1, pay["attempt"])
			require.Equal(t, "55.00", pay["amount"])
			next := pay["next_url"].(string)
			require.True(t, strings.HasPrefix(next, s.base+"/v1/payments/fake/"), next)
			back := s.backTo(onFakePage(t, next, "pay"))
			require.Equal(t, map[string]any{"permit_id": pid, "status": "pending_review", "payment_status": "authorised"}, back)
			resp, err := noRedirects.Post(next, "application/json", strings.NewReader(`{"outcome":"pay"}`))
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusConflict, resp.StatusCode, "next_url works once")
			got := s.must(200, "GET", "/v1/permits/"+pid, ann.token, nil)
			require.Equal(t, "authorised", payment(got)["status"])
			require.NotContains(t, payment(got), "next_url", "no page once paid")
			// Approval takes the money.
			got = s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)
			require.Equal(t, "current", got["status"])
			require.Equal(t, "captured", payment(got)["status"])

			// Declined, then a new attempt paid; the officer rejects: the hold is released.
			bob, p := s.paidApplication("12", "Bob Ray", "2026-11-20")
			pid = p["id"].(string)
			back = s.backTo(onFakePage(t, payment(p)["next_url"].(string), "decline"))
			require.Equal(t, "awaiting_payment", back["status"])
			require.Equal(t, "failed", back["payment_status"])
			require.Equal(t, "declined", back["failure"].(map[string]any)["code"])
			s.problem(404, "not_found", "POST", "/v1/permits/"+pid+"/payment", ann.token, nil)
			p = s.must(201, "POST", "/v1/permits/"+pid+"/payment", bob.token, nil)
			require.EqualValues(t, 2, payment(p)["attempt"])
			require.Equal(t, "created", payment(p)["status"])
			// The payer pays but their browser never comes back: the
			// refresh (a portal's "I have paid") asks the provider.
			onFakePage(t, payment(p)["next_url"].(string), "pay")
			p = s.must(200, "POST", "/v1/permits/"+pid+"/payment/refresh", bob.token, nil)
			require.Equal(t, "pending_review", p["status"])
			p = s.must(200, "POST", "/v1/permits/"+pid+"/reject", officer,
				map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for."})
			require.Equal(t, "rejected", p["status"])
			require.Equal(t, "voided", payment(p)["status"])
			s.problem(409, "invalid_transition", "POST", "/v1/permits/"+pid+"/payment", bob.token, nil)

			// Paid on the page, browser lost: the due jobs' sweep confirms.
			_, p = s.paidApplication("14", "Cat Dee", "2026-11-20")
			pid = p["id"].(string)
			onFakePage(t, payment(p)["next_url"].(string), "pay")
			rep := s.setClock("2026-12-01T10:05:00Z")
			require.EqualValues(t, 1, rep["payments_confirmed"], "%v", rep)
			require.Equal(t, "pending_review", s.must(200, "GET", "/v1/permits/"+pid, officer, nil)["status"])

			// Cancelled by the payer, then abandoned: the payment expires
			// with the payer's 90 minutes; the scheme's 24 hours withdraw it.
			dan, p := s.paidApplication("16", "Dan Fox", "2026-11-20")
			pid = p["id"].(string)
			back = s.backTo(onFakePage(t, payment(p)["next_url"].(string), "cancel"))
			require.Equal(t, "cancelled_by_payer", back["failure"].(map[string]any)["code"])
			p = s.must(201, "POST", "/v1/permits/"+pid+"/payment", dan.token, nil)
			require.EqualValues(t, 2, payment(p)["attempt"])
			rep = s.setClock("2026-12-01T11:50:00Z")
			require.EqualValues(t, 1, rep["payments_confirmed"], "the attempt expired: %v", rep)
			p = s.must(200, "GET", "/v1/permits/"+pid, dan.token, nil)
			require.Equal(t, "expired", payment(p)["status"])
			require.Equal(t, "expired", payment(p)["failure"].(map[string]any)["code"])
			rep = s.setClock("2026-12-02T12:00:00Z")
			require.EqualValues(t, 1, rep["unpaid_withdrawn"], "%v", rep)
			require.Equal(t, "withdrawn", s.must(200, "GET", "/v1/permits/"+pid, dan.token, nil)["status"])

			// A return URL that names no payment of this server is 404 and changes nothing.
			s.must(404, "GET", "/v1/payments/"+pid+".7/return", "", nil)
			s.must(404, "GET", "/v1/payments/per_nothing.1/return", "", nil)
			require.NoError(t, s.oas.Err(), "traffic that does not match openapi.json")
			s.stop()
			require.Contains(t, s.out.String(), "simulated hosted page")
		})
	}
}

// relay forwards to a URL set after it starts: govukpaytest needs its
// notification URL before permitd, whose port is chosen at start, runs.
type relay struct {
	*httptest.Server
	to atomic.Value // string
}

func newRelay(t *testing.T) *relay {
	r := &relay{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		out, err := http.NewRequestWithContext(req.Context(), req.Method, r.to.Load().(string), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out.Header = req.Header.Clone()
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(r.Close)
	return r
}

// payClock is the time both GOV.UK Pay's fake and permitd's test clock
// show: the test moves them together.
type payClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *payClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves both clocks (the fake's, then the server's, which runs the
// due jobs) and returns what the due jobs did.
func (c *payClock) set(s *server, pay *govukpaytest.Server, at string) map[string]any {
	s.t.Helper()
	t, err := time.Parse(time.RFC3339, at)
	require.NoError(s.t, err)
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
	pay.Sweep()
	return s.setClock(at)
}

const paySecret = "webhook-signing-secret-for-tests"

// startWithPay starts permitd against a fresh fake of GOV.UK Pay whose
// notifications reach the server's notification route when delivered.
func startWithPay(t *testing.T, db string) (*server, *govukpaytest.Server, *payClock) {
	clock := &payClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	rl := newRelay(t)
	pay := govukpaytest.New(t, govukpaytest.Options{Clock: clock.Now, WebhookURL: rl.URL, WebhookSecret: paySecret, ManualDelivery: true})
	s := startServerEnv(t, db, map[string]string{"PERMITD_GOVUKPAY_API_KEY": govukpaytest.DefaultAPIKey, "PERMITD_GOVUKPAY_WEBHOOK_SECRET": paySecret},
		"--test-clock", "--payments", "govukpay", "--govukpay-url", pay.URL)
	rl.to.Store(s.base + govukpayNotificationsPath)
	return s, pay, clock
}

// payStatus is the payment's state at the fake Pay.
func payStatus(t *testing.T, pay *govukpaytest.Server, id string) string {
	t.Helper()
	p, ok := pay.Payment(id)
	require.True(t, ok, "Pay knows payment %s", id)
	return p.Status
}

func TestHostedPaymentsGOVUKPay(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s, pay, clock := startWithPay(t, db(t))
			const officer = testOfficerToken
			clock.set(s, pay, "2026-12-01T10:00:00Z")
			ctx := context.Background()

			// Apply → pay on Pay's page → return → pending review → approve → captured.
			ann, p := s.paidApplication("9", "Ann Lee", "2026-11-20")
			pid, payID := p["id"].(string), payment(p)["id"].(string)
			require.True(t, strings.HasPrefix(payment(p)["next_url"].(string), pay.URL), "next_url is Pay's page")
			require.Equal(t, "created", payStatus(t, pay, payID))
			back, err := pay.Complete(payment(p)["next_url"].(string), govukpaytest.Pay)
			require.NoError(t, err)
			require.Equal(t, "pending_review", s.backTo(back)["status"])
			require.Equal(t, "capturable", payStatus(t, pay, payID), "held, not taken")
			p = s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)
			require.Equal(t, "current", p["status"])
			require.Equal(t, "captured", payment(p)["status"])
			require.Equal(t, "success", payStatus(t, pay, payID))
			require.Equal(t, "current", s.must(200, "GET", "/v1/permits/"+pid, ann.token, nil)["status"])

			// Declined: the payer never comes back; Pay's notification
			// (signed, checked) records the failure. A new attempt is paid
			// and the sweep of the due jobs confirms it; rejection cancels
			// the hold at Pay.
			bob, p := s.paidApplication("12", "Bob Ray", "2026-11-20")
			pid, payID = p["id"].(string), payment(p)["id"].(string)
			_, err = pay.Complete(payment(p)["next_url"].(string), govukpaytest.Decline)
			require.NoError(t, err)
			require.NoError(t, pay.DeliverNotifications(ctx))
			p = s.must(200, "GET", "/v1/permits/"+pid, bob.token, nil)
			require.Equal(t, "failed", payment(p)["status"], "the notification recorded the failure")
			require.Equal(t, "P0010", payment(p)["failure"].(map[string]any)["provider_code"])
			// Repeats of every notification change nothing.
			for _, n := range pay.Notifications() {
				require.NoError(t, pay.Redeliver(ctx, n.MessageID))
			}
			require.Equal(t, p["version"], s.must(200, "GET", "/v1/permits/"+pid, bob.token, nil)["version"])
			p = s.must(201, "POST", "/v1/permits/"+pid+"/payment", bob.token, nil)
			second := payment(p)["id"].(string)
			require.NotEqual(t, payID, second)
			_, err = pay.Complete(payment(p)["next_url"].(string), govukpaytest.Pay)
			require.NoError(t, err)
			rep := clock.set(s, pay, "2026-12-01T10:02:00Z")
			require.EqualValues(t, 1, rep["payments_confirmed"], "%v", rep)
			p = s.must(200, "POST", "/v1/permits/"+pid+"/reject", officer,
				map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for."})
			require.Equal(t, "voided", payment(p)["status"])
			require.Equal(t, "cancelled", payStatus(t, pay, second), "the hold is released at Pay")

			// Withdrawn by the resident while held: the hold is released.
			cat, p := s.paidApplication("14", "Cat Dee", "2026-11-20")
			pid, payID = p["id"].(string), payment(p)["id"].(string)
			back, err = pay.Complete(payment(p)["next_url"].(string), govukpaytest.Pay)
			require.NoError(t, err)
			s.backTo(back)
			p = s.must(200, "POST", "/v1/permits/"+pid+"/cancel", cat.token, nil)
			require.Equal(t, "withdrawn", p["status"])
			require.Equal(t, "cancelled", payStatus(t, pay, payID))

			// Abandoned after entering a card: Pay expires it after 90
			// minutes (its notification says so), then the scheme withdraws it.
			_, p = s.paidApplication("16", "Dan Fox", "2026-11-20")
			pid, payID = p["id"].(string), payment(p)["id"].(string)
			_, err = pay.Complete(payment(p)["next_url"].(string), govukpaytest.Abandon)
			require.NoError(t, err)
			clock.set(s, pay, "2026-12-01T11:45:00Z")
			require.Equal(t, "failed", payStatus(t, pay, payID), "expired at Pay")
			require.NoError(t, pay.DeliverNotifications(ctx))
			p = s.must(200, "GET", "/v1/permits/"+pid, officer, nil)
			require.Equal(t, "expired", payment(p)["status"])
			require.Equal(t, "P0020", payment(p)["failure"].(map[string]any)["provider_code"])
			rep = clock.set(s, pay, "2026-12-02T12:00:00Z")
			require.EqualValues(t, 1, rep["unpaid_withdrawn"], "%v", rep)

			// A notification with a bad signature: 401, nothing changes.
			n := pay.Notifications()[0]
			req, _ := http.NewRequest("POST", s.base+govukpayNotificationsPath, bytes.NewReader(n.Body))
			req.Header.Set("Pay-Signature", strings.Repeat("0", 64))
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

			// The capture window: paid on Wednesday at noon, the hold
			// lapses 120 hours later; officers see it in the review queue.
			// Undecided a day before, the money is taken; a rejection then
			// refunds it in full.
			eve, p := s.paidApplication("10", "Eve Gray", "2026-11-20")
			pid, payID = p["id"].(string), payment(p)["id"].(string)
			back, err = pay.Complete(payment(p)["next_url"].(string), govukpaytest.Pay)
			require.NoError(t, err)
			s.backTo(back)
			var item map[string]any
			for _, it := range s.must(200, "GET", "/v1/review-queue", officer, nil)["items"].([]any) {
				if it.(map[string]any)["id"] == pid {
					item = it.(map[string]any)
				}
			}
			require.NotNil(t, item)
			require.Equal(t, "2026-12-07T12:00:00Z", item["hold_expires_at"])
			require.Equal(t, "2026-12-06T12:00:00Z", item["hold_captured_from"])
			rep = clock.set(s, pay, "2026-12-06T11:59:00Z")
			require.EqualValues(t, 0, rep["holds_captured_early"])
			rep = clock.set(s, pay, "2026-12-06T12:00:00Z")
			require.EqualValues(t, 1, rep["holds_captured_early"], "%v", rep)
			require.Equal(t, "success", payStatus(t, pay, payID), "taken before Pay would release it")
			p = s.must(200, "GET", "/v1/permits/"+pid, eve.token, nil)
			require.Equal(t, "pending_review", p["status"])
			require.Equal(t, "captured", payment(p)["status"])
			p = s.must(200, "POST", "/v1/permits/"+pid+"/reject", officer,
				map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for."})
			require.Equal(t, "refunded", payment(p)["status"])
			require.Equal(t, "55.00", payment(p)["refunded"])
			held, _ := pay.Payment(payID)
			require.EqualValues(t, 5500, held.Refunded, "refunded in full at Pay")
			require.Empty(t, s.must(200, "GET", "/v1/payment-retries", officer, nil)["items"], "nothing owed")

			require.NoError(t, s.oas.Err(), "traffic that does not match openapi.json")
			s.stop()
			require.Contains(t, s.out.String(), "GOV.UK Pay")
		})
	}
}
