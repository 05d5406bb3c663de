// Package govukpay is a client of GOV.UK Pay's public API: it implements
// permit.HostedPayments (a payment the payer completes on Pay's hosted
// page, held with delayed capture, then captured, cancelled or refunded),
// and NotificationHandler receives Pay's signed notifications. It decides
// nothing about permits; it maps.
//
// What it does, and why (facts from GOV.UK Pay's documentation and
// source, summarised in the project's INTEGRATIONS.md §1):
//
//   - The base URL is configurable (the real service by default; a fake
//     in tests); the API key is sent as a bearer token.
//   - Amounts are integer pence, converted from decimal.Decimal exactly:
//     an amount with a fraction of a penny is refused, never rounded.
//   - Idempotency keys go to Pay in its alphabet ([a-zA-Z0-9-], at most
//     255): a key outside it is mapped to a readable form plus a hash of
//     the whole key, so distinct keys stay distinct.
//   - Pay allows 15 POSTs a second for each of creating, capturing and
//     other POSTs: the client spaces its own requests of each kind, and
//     backs off and tries again when Pay still answers 429 (P0900).
//   - Every request may be sent again safely: a create carries its
//     Idempotency-Key, a capture of a captured payment answers 204, a
//     cancel that already happened answers 409 and the payment is read,
//     and a refund names the amount available, so a repeat is refused
//     (412 P0604) and the payment read shows it was done.
//   - Pay's errors ({code, description}) become *permit.ProviderError
//     values keeping the code and unwrapping to the port's sentinels.
//   - The provider is the source of truth: Capture, Cancel and Refund
//     read the payment afterwards and return what Pay says, and the
//     notification handler acts only on the payment as read from Pay,
//     never on the notification's body.
package govukpay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
	"github.com/carerpermit/carerpermit/permit"
)

// DefaultBaseURL is GOV.UK Pay's public API, for test and live keys alike
// (the key decides which).
const DefaultBaseURL = "https://publicapi.payments.service.gov.uk"

// Pay's limits.
const (
	// RateLimit is how many POSTs of one kind (create, capture, other) Pay
	// takes in a second.
	RateLimit = 15
	// SessionLifetime is how long the payer has to finish on Pay's page.
	SessionLifetime = 90 * time.Minute
	// CaptureWindow is how long after creation a delayed-capture payment
	// can be captured before Pay releases the hold.
	CaptureWindow = 120 * time.Hour
	// MaxAmount is the largest payment Pay takes, in pence (£100,000).
	MaxAmount = 10000000
)

// Options configure a Client.
type Options struct {
	// BaseURL is Pay's API (DefaultBaseURL when empty), e.g. a
	// govukpaytest fake's URL.
	BaseURL string
	// APIKey is the service's Pay API key (required).
	APIKey string
	// HTTP sends the requests (http.DefaultClient when nil).
	HTTP *http.Client
	// RateLimit is the POSTs a second of each kind this client sends at
	// most (RateLimit when 0; no spacing when negative). Several servers
	// sharing one key share Pay's limit: give each its part.
	RateLimit int
	// Timeout bounds one attempt (10 s when 0); MaxAttempts bounds the
	// attempts (4 when 0).
	Timeout     time.Duration
	MaxAttempts int
	// Now and Sleep stand in for the clock and for waiting, in tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a GOV.UK Pay client. Safe for concurrent use.
type Client struct {
	base   string
	key    string
	http   *httpclient.Client
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	spaced map[string]*spacer
}

var _ permit.HostedPayments = (*Client)(nil)

// New returns a client. It refuses a missing key or a base URL that is
// not an absolute http(s) URL.
func New(opts Options) (*Client, error) {
	if opts.APIKey == "" {
		return nil, errors.New("govukpay: an API key is required")
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("govukpay: base URL %q is not an absolute http(s) URL", opts.BaseURL)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	c := &Client{base: base, key: opts.APIKey, now: opts.Now, sleep: opts.Sleep, spaced: map[string]*spacer{}}
	limit := opts.RateLimit
	if limit == 0 {
		limit = RateLimit
	}
	for _, kind := range []string{"create", "capture", "post"} {
		c.spaced[kind] = &spacer{limit: limit}
	}
	c.http = httpclient.New(&httpclient.Options{
		HTTP: opts.HTTP, Timeout: opts.Timeout, MaxAttempts: opts.MaxAttempts,
		BaseDelay: time.Second, // Pay: "retry after about a second, backing off"
		Prepare:   c.prepare,
		Retryable: retryable,
		Now:       opts.Now, Sleep: opts.Sleep,
	})
	return c, nil
}

// retryable tries again on 429, 5xx and transport failures: every request
// this client sends may be repeated safely (see the package comment).
func retryable(_ *http.Request, status int, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return status == http.StatusTooManyRequests || status >= 500
}

// prepare runs before every attempt: the key, and Pay's rate limit.
func (c *Client) prepare(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+c.key)
	if req.Method != http.MethodPost {
		return nil
	}
	kind := "post"
	switch {
	case strings.HasSuffix(req.URL.Path, "/v1/payments"):
		kind = "create"
	case strings.HasSuffix(req.URL.Path, "/capture"):
		kind = "capture"
	}
	return c.spaced[kind].wait(req.Context(), c.now, c.sleep)
}

// spacer lets at most limit requests a second through, evenly spaced.
type spacer struct {
	mu    sync.Mutex
	limit int
	next  time.Time
}

// margin widens the spacing a little, so requests that reach Pay a little
// out of step still keep under its limit.
const margin = 5 * time.Millisecond

func (s *spacer) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	if s.limit < 0 {
		return nil
	}
	s.mu.Lock()
	t := now()
	at := s.next
	if at.Before(t) {
		at = t
	}
	s.next = at.Add(time.Second/time.Duration(s.limit) + margin)
	s.mu.Unlock()
	if d := at.Sub(t); d > 0 {
		return sleep(ctx, d)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pence converts an amount in pounds to Pay's integer pence, exactly: an
// amount with a fraction of a penny, not above zero, or above MaxAmount
// is refused.
func Pence(amount decimal.Decimal) (int64, error) {
	p := amount.Shift(2)
	if !p.IsInteger() {
		return 0, fmt.Errorf("govukpay: %s is not a whole number of pence", amount)
	}
	if !p.IsPositive() || p.GreaterThan(decimal.NewFromInt(MaxAmount)) {
		return 0, fmt.Errorf("govukpay: %s is outside Pay's range of 0.01 to 100000.00", amount)
	}
	return p.IntPart(), nil
}

// Pounds is the amount of n pence.
func Pounds(n int64) decimal.Decimal { return decimal.New(n, -2) }

// IdempotencyKey maps a key to Pay's alphabet ([a-zA-Z0-9-], 1 to 255
// characters). A key already in it is sent as it is; any other is sent as
// its allowed characters (others become "-", at most 100) followed by a
// hash of the whole key, so two different keys never meet.
func IdempotencyKey(key string) string {
	if key != "" && len(key) <= 255 && strings.Trim(key, allowedKeyChars) == "" {
		return key
	}
	var b strings.Builder
	for _, r := range key {
		if b.Len() >= 100 {
			break
		}
		if strings.ContainsRune(allowedKeyChars, r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	sum := sha256.Sum256([]byte(key))
	return b.String() + "-" + hex.EncodeToString(sum[:16])
}

const allowedKeyChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

// firewall drops the characters Pay's firewall refuses in a request
// (P0920): < > " \ |.
func firewall(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>"\|`, r) {
			return -1
		}
		return r
	}, s)
}

// The wire forms Pay uses.

type createRequest struct {
	Amount         int64             `json:"amount"`
	Reference      string            `json:"reference"`
	Description    string            `json:"description"`
	ReturnURL      string            `json:"return_url"`
	DelayedCapture bool              `json:"delayed_capture"`
	Email          string            `json:"email,omitempty"`
	Language       string            `json:"language"`
	Metadata       map[string]string `json:"metadata,omitempty"`
}

type payLink struct {
	Href string `json:"href"`
}

type payPayment struct {
	PaymentID      string         `json:"payment_id"`
	Metadata       map[string]any `json:"metadata"`
	Amount         int64          `json:"amount"`
	DelayedCapture bool           `json:"delayed_capture"`
	CreatedDate    string         `json:"created_date"`
	State          struct {
		Status   string `json:"status"`
		Finished bool   `json:"finished"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"state"`
	RefundSummary struct {
		Status          string `json:"status"`
		AmountAvailable int64  `json:"amount_available"`
		AmountSubmitted int64  `json:"amount_submitted"`
	} `json:"refund_summary"`
	Links struct {
		NextURL *payLink `json:"next_url"`
	} `json:"_links"`
}

// hosted maps Pay's payment to the port's.
func hosted(p payPayment) (permit.HostedPayment, error) {
	created, err := time.Parse(time.RFC3339Nano, p.CreatedDate)
	if err != nil {
		return permit.HostedPayment{}, unavailable(fmt.Errorf("govukpay: payment %s: created_date %q: %w", p.PaymentID, p.CreatedDate, err))
	}
	h := permit.HostedPayment{
		ID: p.PaymentID, PermitID: permitID(p.Metadata), ProviderStatus: p.State.Status, Amount: Pounds(p.Amount), DelayedCapture: p.DelayedCapture,
		CreatedAt: created.UTC(), Refunded: Pounds(p.RefundSummary.AmountSubmitted), RefundAvailable: decimal.Zero,
	}
	failure := func(code string) *permit.PaymentFailure {
		return &permit.PaymentFailure{Code: code, ProviderCode: p.State.Code, Detail: p.State.Message}
	}
	switch p.State.Status {
	case "created", "started", "submitted":
		h.Status, h.ExpiresAt = permit.PaymentCreated, h.CreatedAt.Add(SessionLifetime)
		if p.Links.NextURL != nil {
			h.NextURL = p.Links.NextURL.Href
		}
	case "capturable":
		h.Status, h.ExpiresAt = permit.PaymentAuthorised, h.CreatedAt.Add(CaptureWindow)
	case "success":
		// Only money taken can be refunded (Pay also shows the amount of
		// an unfinished payment as available, with status "pending").
		h.Status, h.RefundAvailable = permit.PaymentCaptured, Pounds(p.RefundSummary.AmountAvailable)
		if p.RefundSummary.AmountSubmitted > 0 {
			h.Status = permit.PaymentRefunded
		}
	case "cancelled":
		h.Status, h.Failure = permit.PaymentVoided, failure(permit.FailureCancelled)
	case "error":
		h.Status, h.Failure = permit.PaymentFailed, failure(permit.FailureProviderError)
	case "failed":
		switch p.State.Code {
		case "P0020":
			h.Status, h.Failure = permit.PaymentExpired, failure(permit.FailureExpired)
		case "P0030":
			h.Status, h.Failure = permit.PaymentFailed, failure(permit.FailureCancelledByPayer)
		case "P0010":
			h.Status, h.Failure = permit.PaymentFailed, failure(permit.FailureDeclined)
		default:
			h.Status, h.Failure = permit.PaymentFailed, failure(permit.FailureProviderError)
		}
	default:
		return permit.HostedPayment{}, unavailable(fmt.Errorf("govukpay: payment %s is in a state this client does not know: %q", p.PaymentID, p.State.Status))
	}
	return h, nil
}

// permitID is the permit_id of a payment's metadata (a string, as this
// client sends it), or "".
func permitID(md map[string]any) string {
	id, _ := md["permit_id"].(string)
	return id
}

func unavailable(err error) error { return fmt.Errorf("%w: %w", permit.ErrUnavailable, err) }

// StartPayment creates a payment (POST /v1/payments) with the request's
// idempotency key.
func (c *Client) StartPayment(ctx context.Context, r permit.HostedPaymentRequest) (permit.HostedPayment, error) {
	if err := r.Validate(); err != nil {
		return permit.HostedPayment{}, err
	}
	amount, err := Pence(r.Amount)
	if err != nil {
		return permit.HostedPayment{}, &permit.ValidationError{Fields: []permit.FieldError{{Field: "amount", Code: "invalid_amount", Detail: err.Error()}}}
	}
	body := createRequest{Amount: amount, Reference: firewall(r.Reference), Description: firewall(r.Description),
		ReturnURL: r.ReturnURL, DelayedCapture: r.DelayedCapture, Email: r.Email, Language: r.Language}
	if body.Language == "" {
		body.Language = "en"
	}
	if len(r.Metadata) > 0 {
		if len(r.Metadata) > 15 {
			return permit.HostedPayment{}, metadataError("at most 15 keys")
		}
		body.Metadata = map[string]string{}
		for k, v := range r.Metadata {
			k, v = firewall(k), firewall(v)
			if k == "" || len([]rune(k)) > 30 || len([]rune(v)) > 100 {
				return permit.HostedPayment{}, metadataError("keys of 1 to 30 characters, values of at most 100")
			}
			body.Metadata[k] = v
		}
	}
	req, err := httpclient.NewJSONRequest(ctx, http.MethodPost, c.base+"/v1/payments", body)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	req.Header.Set("Idempotency-Key", IdempotencyKey(r.IdempotencyKey))
	var p payPayment
	if _, err := c.http.DoJSON(req, &p); err != nil {
		return permit.HostedPayment{}, c.fail("creating the payment", err)
	}
	return hosted(p)
}

func metadataError(why string) error {
	return &permit.ValidationError{Fields: []permit.FieldError{{Field: "metadata", Code: "invalid_metadata", Detail: "Pay takes metadata with " + why + "."}}}
}

// Payment reads a payment (GET /v1/payments/{id}).
func (c *Client) Payment(ctx context.Context, id string) (permit.HostedPayment, error) {
	if id == "" {
		return permit.HostedPayment{}, fmt.Errorf("govukpay: no payment id: %w", permit.ErrNotFound)
	}
	req, err := httpclient.NewJSONRequest(ctx, http.MethodGet, c.paymentURL(id), nil)
	if err != nil {
		return permit.HostedPayment{}, err
	}
	var p payPayment
	if _, err := c.http.DoJSON(req, &p); err != nil {
		return permit.HostedPayment{}, c.fail("reading payment "+id, err)
	}
	return hosted(p)
}

func (c *Client) paymentURL(id string) string { return c.base + "/v1/payments/" + url.PathEscape(id) }

// post sends a POST with no body (Pay's capture and cancel), saying it is
// JSON as Pay's firewall wants.
func (c *Client) post(ctx context.Context, u string, body any) error {
	req, err := httpclient.NewJSONRequest(ctx, http.MethodPost, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	_, err = c.http.Do(req)
	return err
}

// Capture takes a held payment (POST /v1/payments/{id}/capture), then
// reads it. Pay's capture needs no key: capturing twice answers 204.
func (c *Client) Capture(ctx context.Context, id, _ string) (permit.HostedPayment, error) {
	if err := c.post(ctx, c.paymentURL(id)+"/capture", nil); err != nil {
		err = c.fail("capturing payment "+id, err)
		if errors.Is(err, permit.ErrInvalidTransition) {
			// Say why: read what Pay holds (expired, cancelled...).
			if p, rerr := c.Payment(ctx, id); rerr == nil {
				return p, err
			}
		}
		return permit.HostedPayment{}, err
	}
	return c.Payment(ctx, id)
}

// Cancel ends a payment (POST /v1/payments/{id}/cancel), then reads it. A
// payment already finished other than by capture is returned as it is.
func (c *Client) Cancel(ctx context.Context, id, _ string) (permit.HostedPayment, error) {
	err := c.post(ctx, c.paymentURL(id)+"/cancel", nil)
	if err == nil {
		return c.Payment(ctx, id)
	}
	err = c.fail("cancelling payment "+id, err)
	var herr *permit.ProviderError
	if !errors.As(err, &herr) || herr.Status != http.StatusConflict {
		return permit.HostedPayment{}, err
	}
	// 409: it is finished. Cancelled, failed or expired is what we wanted.
	p, rerr := c.Payment(ctx, id)
	if rerr != nil {
		return permit.HostedPayment{}, rerr
	}
	switch p.Status {
	case permit.PaymentVoided, permit.PaymentFailed, permit.PaymentExpired:
		return p, nil
	}
	herr.Err = permit.ErrInvalidTransition
	return p, err
}

// Refund asks for part or all of a captured payment back (POST
// /v1/payments/{id}/refunds with refund_amount_available), guarded by the
// amount the caller saw available (see permit.RefundRequest).
func (c *Client) Refund(ctx context.Context, r permit.RefundRequest) (permit.HostedPayment, error) {
	amount, err := Pence(r.Amount)
	if err != nil {
		return permit.HostedPayment{}, &permit.ValidationError{Fields: []permit.FieldError{{Field: "amount", Code: "invalid_amount", Detail: err.Error()}}}
	}
	available, err := Pence(r.Available)
	if err != nil {
		return permit.HostedPayment{}, &permit.ValidationError{Fields: []permit.FieldError{{Field: "available", Code: "invalid_amount", Detail: err.Error()}}}
	}
	if amount > available {
		return permit.HostedPayment{}, fmt.Errorf("govukpay: refund of %s from payment %s with %s available: %w", r.Amount, r.PaymentID, r.Available, permit.ErrInvalidTransition)
	}
	// done reads the payment and decides whether the refund has been made.
	done := func(cause error) (permit.HostedPayment, error) {
		p, err := c.Payment(ctx, r.PaymentID)
		if err != nil {
			return permit.HostedPayment{}, err
		}
		now, _ := Pence(p.RefundAvailable)
		switch {
		case p.Status != permit.PaymentCaptured && p.Status != permit.PaymentRefunded:
			return p, fmt.Errorf("govukpay: payment %s is %s, not captured: %w", r.PaymentID, p.Status, permit.ErrInvalidTransition)
		case now == available-amount:
			return p, nil // made, by this request or an earlier attempt of it
		case now == available && cause != nil:
			return p, cause
		case now == available:
			return p, nil
		}
		return p, fmt.Errorf("govukpay: payment %s has %s available to refund, not %s: %w", r.PaymentID, p.RefundAvailable, r.Available, permit.ErrConflict)
	}
	before, err := done(nil)
	if err != nil {
		return before, err
	}
	if got, _ := Pence(before.RefundAvailable); got == available-amount {
		return before, nil // an earlier attempt made it
	}
	body := map[string]int64{"amount": amount, "refund_amount_available": available}
	if err := c.post(ctx, c.paymentURL(r.PaymentID)+"/refunds", body); err != nil {
		err = c.fail("refunding payment "+r.PaymentID, err)
		if errors.Is(err, permit.ErrUnavailable) {
			return permit.HostedPayment{}, err
		}
		return done(err)
	}
	return done(nil)
}

// fail turns a failed call into the port's errors, keeping Pay's code.
func (c *Client) fail(what string, err error) error {
	var herr *httpclient.Error
	if !errors.As(err, &herr) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("govukpay: %s: %w", what, err)
		}
		return fmt.Errorf("govukpay: %s: %w: %w", what, permit.ErrUnavailable, err)
	}
	pe := &permit.ProviderError{Provider: "govukpay", Status: herr.Status, Code: herr.Code, Description: herr.Description}
	var extra struct {
		Field  string `json:"field"`
		Header string `json:"header"`
	}
	if json.Unmarshal(herr.Body, &extra) == nil {
		pe.Field = extra.Field
		if pe.Field == "" {
			pe.Field = extra.Header
		}
	}
	switch {
	case herr.Status == http.StatusUnauthorized:
		pe.Description = "Pay refused the API key"
		pe.Err = permit.ErrUnavailable
	case herr.Temporary():
		pe.Err = permit.ErrUnavailable
	case herr.Status == http.StatusNotFound:
		pe.Err = permit.ErrNotFound
	case herr.Code == "P0191" || herr.Code == "P0604":
		pe.Err = permit.ErrConflict
	case herr.Status == http.StatusConflict || herr.Code == "P0603" || herr.Status == http.StatusPreconditionFailed:
		pe.Err = permit.ErrInvalidTransition
	case herr.Code == "P1001":
		pe.Err = permit.ErrPaymentFailed
	case herr.Status == http.StatusBadRequest || herr.Status == http.StatusUnprocessableEntity:
		pe.Err = permit.ErrValidation
	default:
		pe.Err = permit.ErrUnavailable
	}
	return fmt.Errorf("govukpay: %s: %w", what, pe)
}
