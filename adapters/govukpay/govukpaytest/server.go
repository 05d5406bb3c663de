// Package govukpaytest is a fake of GOV.UK Pay for tests: an httptest
// server that keeps Pay's payment state machine, serves a hosted payment
// page, takes delayed captures, cancellations and refunds, expires
// payments on its own clock, signs and posts notifications, and can be
// told to answer 429 or 500. It decides nothing about permits.
//
// Every request it receives and every answer it gives is checked against
// Pay's published OpenAPI document (publicapi_spec.json, see SOURCES.md)
// with kin-openapi, so neither the fake nor a client tested against it can
// drift from the real service; New reports mismatches as test failures.
//
// What the fake does, and where the facts come from (INTEGRATIONS.md §1):
//
//   - created → started (the payer opens next_url) → submitted (card
//     details accepted) → capturable (the payer confirmed a delayed-capture
//     payment) → success (captured: at once without delayed capture, or on
//     POST /capture).
//   - failed with P0010 (the card was declined), P0020 (expired: not
//     finished within 90 minutes of creation, or a capturable payment not
//     captured within 120 hours of creation), P0030 (the payer cancelled);
//     cancelled with P0040 (POST /cancel); error with P0050 (the card
//     provider failed).
//   - Each next_url works once; GET /v1/payments/{id} gives a fresh one
//     while the payer can still go on.
//   - Refunds need refund_amount_available equal to the payment's
//     refund_summary.amount_available (412 P0604 otherwise); a refund is
//     submitted at once and succeeds a minute later on the fake's clock.
//   - Notifications are sent for the events pay-webhooks maps (started,
//     succeeded, captured, failed, expired, refunded); none when a
//     delayed-capture payment becomes capturable, as in Pay.
//   - _links.next_url_post is left out: Pay sends its params as strings,
//     which its own document's schema (objects) refuses.
package govukpaytest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultAPIKey is the bearer key the fake accepts when Options.APIKey is
// empty (the shape of a Pay test key).
const DefaultAPIKey = "api_test_govukpaytest"

// Pay's time limits.
const (
	// SessionLifetime is how long the payer has to finish after the
	// payment is created; then it fails with P0020.
	SessionLifetime = 90 * time.Minute
	// CaptureWindow is how long after creation a delayed-capture payment
	// may be captured; then Pay releases the hold (failed, P0020).
	CaptureWindow = 120 * time.Hour
	// RefundSettles is how long the fake takes to move a refund from
	// submitted to success.
	RefundSettles = time.Minute
	// RateLimit is Pay's limit of POSTs per second for each of: creating
	// payments, capturing, and other POSTs.
	RateLimit = 15
)

// Options configure a fake. The zero value is usable.
type Options struct {
	// APIKey is the bearer key to accept; DefaultAPIKey when empty.
	APIKey string
	// Start is the fake clock's first instant; when zero, 2027-03-01 09:00 UTC.
	// Ignored when Clock is set.
	Start time.Time
	// Clock, when set, is the fake's clock (for example a server's test
	// clock); Advance then refuses, and Sweep applies expiries after the
	// clock has moved.
	Clock func() time.Time
	// WebhookURL receives notifications, signed with WebhookSecret; none
	// are posted when it is empty (they are still recorded).
	WebhookURL    string
	WebhookSecret string
	// ManualDelivery keeps notifications queued until DeliverNotifications
	// is called, for tests that need one order of events. Otherwise they
	// are posted in the background as soon as they happen, as Pay does.
	ManualDelivery bool
	// RateLimit is the POSTs per second allowed per kind (RateLimit when
	// 0; no limit when negative), counted on Wall.
	RateLimit int
	// Wall is the real clock the rate limit counts on; time.Now when nil.
	Wall func() time.Time
	// Provider is the payment_provider the fake reports; "sandbox" when empty.
	Provider string
	// Client posts notifications; a client with a 5-second timeout (Pay's)
	// when nil.
	Client *http.Client
	// AllowInvalidRequests stops New from failing the test when a request
	// does not match Pay's document (tests of the fake's own refusals).
	AllowInvalidRequests bool
}

// Server is a running fake. Safe for concurrent use.
type Server struct {
	// URL is the base of the fake's API and of its hosted pages, as
	// Options' base URL for a client (no trailing slash).
	URL string

	ts   *httptest.Server
	opts Options
	spec *specChecker

	mu       sync.Mutex
	now      time.Time // the fake clock, when Options.Clock is nil
	payments map[string]*payment
	tokens   map[string]*token
	idem     map[string]idemRecord
	rng      *rand.Rand
	throttle int // the next this many API requests answer 429
	failing  int // the next this many API requests answer 500
	posts    map[string][]time.Time
	log      []Request

	notes    []*Notification
	wake     chan struct{}
	delivery sync.Mutex // one delivery run at a time, so order holds
	done     chan struct{}
	workers  sync.WaitGroup
}

// Request is one API request the fake answered.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Status         int
	Code           string // Pay's error code of the answer, if any
}

type payment struct {
	id, description, reference, returnURL, email, language string
	amount                                                 int64
	delayed                                                bool
	metadata                                               map[string]any
	status, code, message                                  string
	created, captured                                      time.Time
	card                                                   *cardDetails
	refunds                                                []*refund
}

type refund struct {
	id      string
	amount  int64
	created time.Time
	status  string
}

type token struct {
	paymentID string
	used      bool
}

type idemRecord struct {
	body      []byte
	paymentID string
	at        time.Time
}

// New starts a fake and stops it when the test ends. At the end it fails
// the test for every answer the fake gave, and (unless
// AllowInvalidRequests) every request it received, that does not match
// Pay's document.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		if err := s.spec.take(&s.spec.answers); err != nil {
			tb.Errorf("govukpaytest: %v", err)
		}
		if err := s.spec.take(&s.spec.requests); err != nil && !opts.AllowInvalidRequests {
			tb.Errorf("govukpaytest: %v", err)
		}
	})
	return s
}

// NewServer starts a fake outside a test (New is the usual way in).
// The caller closes it, and reads TakeAnswerViolations and
// TakeRequestViolations to learn of mismatches with Pay's document.
func NewServer(opts Options) (*Server, error) {
	spec, err := newSpecChecker()
	if err != nil {
		return nil, err
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = RateLimit
	}
	if opts.Wall == nil {
		opts.Wall = time.Now
	}
	if opts.Provider == "" {
		opts.Provider = "sandbox"
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 5 * time.Second}
	}
	s := &Server{
		opts: opts, spec: spec, now: opts.Start.UTC(),
		payments: map[string]*payment{}, tokens: map[string]*token{}, idem: map[string]idemRecord{},
		rng:   rand.New(rand.NewPCG(15, 2027)),
		posts: map[string][]time.Time{}, wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	s.ts = httptest.NewServer(s.routes())
	s.URL = s.ts.URL
	if opts.WebhookURL != "" && !opts.ManualDelivery {
		s.workers.Add(1)
		go s.deliverInBackground()
	}
	return s, nil
}

// Close stops the server and its notification sender.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.workers.Wait()
	s.ts.Close()
}

// Now is the fake's clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

func (s *Server) clock() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock().UTC()
	}
	return s.now
}

// Advance moves the fake's own clock on and applies what became due:
// expiries, settled refunds, notification retries. It panics when the fake
// runs on Options.Clock (move that clock and call Sweep).
func (s *Server) Advance(d time.Duration) {
	if s.opts.Clock != nil {
		panic("govukpaytest: Advance on a fake that runs on Options.Clock")
	}
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.sweepLocked()
	s.mu.Unlock()
	s.kick()
}

// Sweep applies what is due at the clock's instant, as Pay's own sweeps
// do. The fake also sweeps before every request.
func (s *Server) Sweep() {
	s.mu.Lock()
	s.sweepLocked()
	s.mu.Unlock()
	s.kick()
}

// Throttle makes the next n API requests answer 429 P0900, as Pay does
// over its rate limit.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// FailNext makes the next n API requests answer 500 with the operation's
// "downstream error" code, changing nothing.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = n
}

// Requests lists the API requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// TakeRequestViolations returns, and forgets, the mismatches between the
// requests received so far and Pay's document; nil when there were none.
func (s *Server) TakeRequestViolations() error { return s.spec.take(&s.spec.requests) }

// TakeAnswerViolations returns, and forgets, the mismatches between the
// fake's answers so far and Pay's document; nil when there were none.
func (s *Server) TakeAnswerViolations() error { return s.spec.take(&s.spec.answers) }

// Payment is what the fake holds about one payment, for test assertions.
type Payment struct {
	ID             string
	Amount         int64
	Status         string // Pay's external status: created, started, ...
	Code           string // P0010 ... when failed, cancelled or in error
	DelayedCapture bool
	Reference      string
	Description    string
	ReturnURL      string
	Metadata       map[string]any
	Created        time.Time
	Refunded       int64 // submitted or settled
	Refunds        []Refund
}

// Refund is one refund of a payment.
type Refund struct {
	ID     string
	Amount int64
	Status string // submitted, success
}

// Payment returns a payment by id.
func (s *Server) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return p.snapshot(), true
}

// Payments returns every payment, oldest first.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	out := make([]Payment, 0, len(s.payments))
	for _, p := range s.payments {
		out = append(out, p.snapshot())
	}
	slices.SortFunc(out, func(a, b Payment) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func (p *payment) snapshot() Payment {
	out := Payment{ID: p.id, Amount: p.amount, Status: p.status, Code: p.code, DelayedCapture: p.delayed,
		Reference: p.reference, Description: p.description, ReturnURL: p.returnURL, Created: p.created,
		Refunded: p.refunded()}
	if p.metadata != nil {
		out.Metadata = map[string]any{}
		for k, v := range p.metadata {
			out.Metadata[k] = v
		}
	}
	for _, r := range p.refunds {
		out.Refunds = append(out.Refunds, Refund{ID: r.id, Amount: r.amount, Status: r.status})
	}
	return out
}

func (p *payment) refunded() int64 {
	var n int64
	for _, r := range p.refunds {
		n += r.amount
	}
	return n
}

// finished is Pay's state.finished.
func (p *payment) finished() bool {
	switch p.status {
	case "success", "failed", "cancelled", "error":
		return true
	}
	return false
}

// payerCanGoOn: the payer may still use the hosted page.
func (p *payment) payerCanGoOn() bool {
	return p.status == "created" || p.status == "started" || p.status == "submitted"
}

// sweepLocked applies expiries and settles refunds at the clock's instant.
func (s *Server) sweepLocked() {
	now := s.clock()
	ids := make([]string, 0, len(s.payments))
	for id := range s.payments {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := s.payments[id]
		switch {
		case p.payerCanGoOn() && !now.Before(p.created.Add(SessionLifetime)):
			s.fail(p, "failed", "P0020", "Payment expired", "card_payment_expired")
		case p.status == "capturable" && !now.Before(p.created.Add(CaptureWindow)):
			s.fail(p, "failed", "P0020", "Payment expired", "card_payment_expired")
		}
		for _, r := range p.refunds {
			if r.status == "submitted" && !now.Before(r.created.Add(RefundSettles)) {
				r.status = "success"
				s.notifyLocked(p, "card_payment_refunded")
			}
		}
	}
	s.retryDueLocked(now)
}

func (s *Server) fail(p *payment, status, code, message, event string) {
	p.status, p.code, p.message = status, code, message
	for t, tok := range s.tokens {
		if tok.paymentID == p.id {
			delete(s.tokens, t)
		}
	}
	if event != "" {
		s.notifyLocked(p, event)
	}
}

// newID returns 26 characters of Pay's id alphabet.
func (s *Server) newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (s *Server) newToken(p *payment) string {
	t := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", s.rng.Uint32(), s.rng.Uint32()&0xffff, s.rng.Uint32()&0xffff,
		s.rng.Uint32()&0xffff, s.rng.Uint64()&0xffffffffffff)
	s.tokens[t] = &token{paymentID: p.id}
	return t
}

func payTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Sign returns the Pay-Signature of a notification body: lower-case hex
// HMAC-SHA256 of the raw body with the signing secret as key.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// readBody reads a request body whole, limited to 1 MB.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // the fake's own values always encode
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
