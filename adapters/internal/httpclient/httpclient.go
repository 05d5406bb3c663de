// Package httpclient is the HTTP client the provider adapters share
// (GOV.UK Pay, GOV.UK Notify, DVLA VES, OS Places): a timeout per attempt,
// bounded retries with exponential backoff and jitter on 429 and 5xx
// answers (and on transport failures of requests that are safe to send
// again), honouring Retry-After, within a cap on the total time spent
// retrying; error answers become an *Error keeping the provider's code.
//
// It decides nothing about any provider: which answers mean what is the
// adapter's business. It uses only net/http.
package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults used where Options leaves a field zero.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxAttempts      = 4
	DefaultBaseDelay        = 500 * time.Millisecond
	DefaultMaxDelay         = 8 * time.Second
	DefaultMaxRetryTime     = 30 * time.Second
	DefaultMaxResponseBytes = 4 << 20
	DefaultUserAgent        = "carerpermit (+https://github.com/carerpermit/carerpermit)"

	// MaxErrorBody is how much of an error answer's body an *Error keeps.
	MaxErrorBody = 4 << 10
)

// Options configure a Client. A nil *Options, or a zero field, means the
// default named beside the field.
type Options struct {
	// HTTP sends the requests (http.DefaultClient). Its own Timeout, if
	// any, applies as well as Timeout below.
	HTTP *http.Client
	// UserAgent is set on requests that carry none (DefaultUserAgent).
	UserAgent string
	// Timeout bounds one attempt, reading the answer included
	// (DefaultTimeout).
	Timeout time.Duration
	// MaxAttempts bounds the attempts, the first included
	// (DefaultMaxAttempts); 1 disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles each retry
	// up to MaxDelay, and each wait is jittered to between half and all of
	// it (DefaultBaseDelay, DefaultMaxDelay).
	BaseDelay, MaxDelay time.Duration
	// MaxRetryTime caps the time from the first attempt to the start of
	// the last: a retry that would start later is not made, and the last
	// answer or failure is returned (DefaultMaxRetryTime).
	MaxRetryTime time.Duration
	// MaxResponseBytes bounds a successful answer's body; a longer one is
	// an error (DefaultMaxResponseBytes).
	MaxResponseBytes int64

	// Prepare, if set, is called on every attempt's request just before it
	// is sent: for credentials that must be fresh on each attempt (GOV.UK
	// Notify's JWT lives 30 seconds). An error stops the call.
	Prepare func(*http.Request) error
	// Retryable decides whether an attempt is tried again (nil:
	// DefaultRetryable). Exactly one of status (non-zero) and err is set.
	Retryable func(req *http.Request, status int, err error) bool
	// DecodeError reads a provider's error body into its code and
	// description (nil: DecodeError, which knows the common shapes).
	DecodeError func(body []byte) (code, description string)

	// Now and Sleep stand in for the clock and for waiting, in tests
	// (time.Now; a timer that stops early when ctx ends, returning its
	// error). Jitter returns a number in [0, 1) (math/rand/v2.Float64).
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

// Client sends requests with retries. It is safe for concurrent use.
type Client struct {
	o Options
}

// New returns a Client; opts may be nil.
func New(opts *Options) *Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = DefaultMaxRetryTime
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.Retryable == nil {
		o.Retryable = DefaultRetryable
	}
	if o.DecodeError == nil {
		o.DecodeError = DecodeError
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	return &Client{o: o}
}

// Response is a successful (2xx) answer, its body read in full.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

// Error is a non-2xx answer. Callers find it with errors.As.
type Error struct {
	Method string
	// URL is the request's scheme, host and path: never its query, which
	// may carry a key.
	URL    string
	Status int
	// Code and Description are the provider's, from the body (either may
	// be empty).
	Code        string
	Description string
	// Body is the start of the answer's body, at most MaxErrorBody bytes.
	Body []byte
	// RetryAfter is the answer's Retry-After, zero when it had none.
	RetryAfter time.Duration
	// Attempts is how many attempts were made in all.
	Attempts int
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Temporary reports whether the answer says the same request may work
// later (429 or 5xx).
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// DefaultRetryable retries 429 and 5xx answers, and transport failures
// (a timeout included) of requests that are safe to send again: those
// whose method is idempotent and those carrying an Idempotency-Key.
func DefaultRetryable(req *http.Request, status int, err error) bool {
	if err != nil {
		return Replayable(req)
	}
	return status == http.StatusTooManyRequests || status >= 500
}

// Replayable reports whether req may be sent twice without harm: its
// method is idempotent (RFC 9110 §9.2.2) or it carries an Idempotency-Key.
func Replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// Do sends req, trying again as the Options say, and returns its 2xx
// answer, an *Error for any other status, or the last transport failure
// (wrapped, with the attempts made). req's context bounds everything:
// when it ends, Do returns its error at once. A body is sent again on
// each attempt (from req.GetBody, or read once into memory if that is nil).
func (c *Client) Do(req *http.Request) (*Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: reading the request body: %w", req.Method, redact(req.URL), err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	start := c.o.Now()
	for attempt := 1; ; attempt++ {
		resp, status, retryAfter, err := c.attempt(ctx, req)
		if err == nil && status/100 == 2 {
			resp.Attempts = attempt
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req.URL), ctx.Err())
		}
		var stop *stopError
		if errors.As(err, &stop) {
			return nil, c.final(req, stop.error, attempt)
		}
		var herr *Error
		if errors.As(err, &herr) {
			herr.Attempts = attempt
		}
		if attempt >= c.o.MaxAttempts || !c.o.Retryable(req, status, transportErr(err, herr)) {
			return nil, c.final(req, err, attempt)
		}
		wait := retryAfter
		if wait < 0 {
			wait = c.backoff(attempt)
		}
		next := c.o.Now().Add(wait)
		if next.Sub(start) > c.o.MaxRetryTime {
			return nil, c.final(req, err, attempt)
		}
		if dl, ok := ctx.Deadline(); ok && next.After(dl) {
			return nil, c.final(req, err, attempt)
		}
		if serr := c.o.Sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req.URL), serr)
		}
	}
}

// stopError is a failure no retry can mend: the request could not be
// prepared, or the answer was too long.
type stopError struct{ error }

func (e *stopError) Unwrap() error { return e.error }

// transportErr is err when it is a transport failure, nil when it is an
// answer's *Error.
func transportErr(err error, herr *Error) error {
	if herr != nil {
		return nil
	}
	return err
}

func (c *Client) final(req *http.Request, err error, attempts int) error {
	var herr *Error
	if errors.As(err, &herr) {
		return herr
	}
	prefix := fmt.Sprintf("%s %s: ", req.Method, redact(req.URL))
	var uerr *url.Error
	if errors.As(err, &uerr) {
		prefix = "" // it names the method and the URL already
	}
	if attempts > 1 {
		return fmt.Errorf("%s%w (after %d attempts)", prefix, err, attempts)
	}
	return fmt.Errorf("%s%w", prefix, err)
}

// attempt sends one copy of req. It returns a 2xx answer, or the status
// and an *Error, or a transport error (status 0); and the wait the answer
// asked for (its Retry-After), negative when it asked for none.
func (c *Client) attempt(ctx context.Context, req *http.Request) (*Response, int, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	r := req.Clone(actx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, 0, -1, &stopError{fmt.Errorf("replaying the request body: %w", err)}
		}
		r.Body = body
	}
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", c.o.UserAgent)
	}
	if c.o.Prepare != nil {
		if err := c.o.Prepare(r); err != nil {
			return nil, 0, -1, &stopError{fmt.Errorf("preparing the request: %w", err)}
		}
	}
	hr, err := c.o.HTTP.Do(r)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = redact(req.URL) // the query may hold a key
		}
		return nil, 0, -1, err
	}
	defer hr.Body.Close()
	if hr.StatusCode/100 == 2 {
		body, err := io.ReadAll(io.LimitReader(hr.Body, c.o.MaxResponseBytes+1))
		if err != nil {
			return nil, 0, -1, fmt.Errorf("reading the answer: %w", err)
		}
		if int64(len(body)) > c.o.MaxResponseBytes {
			return nil, 0, -1, &stopError{fmt.Errorf("answer longer than %d bytes", c.o.MaxResponseBytes)}
		}
		return &Response{Status: hr.StatusCode, Header: hr.Header, Body: body}, hr.StatusCode, 0, nil
	}
	body, _ := io.ReadAll(io.LimitReader(hr.Body, MaxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(hr.Body, 64<<10)) // let the connection be reused
	retryAfter, ok := ParseRetryAfter(hr.Header.Get("Retry-After"), c.o.Now())
	wait := retryAfter
	if !ok {
		wait = -1
	}
	code, desc := c.o.DecodeError(body)
	return nil, hr.StatusCode, wait, &Error{
		Method: req.Method, URL: redact(req.URL), Status: hr.StatusCode,
		Code: code, Description: desc, Body: body, RetryAfter: retryAfter,
	}
}

// backoff is the jittered wait before retry number attempt (1 for the
// first): BaseDelay doubled attempt-1 times, capped at MaxDelay, then
// between half and all of it.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.o.BaseDelay
	for i := 1; i < attempt && d < c.o.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.o.MaxDelay)
	return d/2 + time.Duration(c.o.Jitter()*float64(d/2))
}

// ParseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds, or an HTTP-date taken relative to now. A date in the past
// is zero. The second result is false for an empty or unreadable value.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// DecodeError reads the code and description of the error bodies the
// providers send: {"code","description"} (GOV.UK Pay), {"errors":[{"error",
// "message"}]} (GOV.UK Notify), {"errors":[{"code","title","detail"}]}
// (DVLA), {"error":{"statuscode","message"}} (OS Places). Anything else
// gives empty strings.
func DecodeError(body []byte) (code, description string) {
	type item struct {
		Code        json.RawMessage `json:"code"`
		Error       json.RawMessage `json:"error"`
		StatusCode  json.RawMessage `json:"statuscode"`
		Title       string          `json:"title"`
		Detail      string          `json:"detail"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
	}
	var top struct {
		item
		Errors []item `json:"errors"`
	}
	if json.Unmarshal(body, &top) != nil {
		return "", ""
	}
	pick := func(it item) (string, string) {
		code := scalar(it.Code)
		if code == "" {
			code = scalar(it.Error)
		}
		if code == "" {
			code = scalar(it.StatusCode)
		}
		desc := it.Description
		for _, s := range []string{it.Message, it.Detail, it.Title} {
			if desc == "" {
				desc = s
			}
		}
		return code, desc
	}
	if len(top.Errors) > 0 {
		return pick(top.Errors[0])
	}
	var nested item
	if len(top.Error) > 0 && top.Error[0] == '{' && json.Unmarshal(top.Error, &nested) == nil {
		return pick(nested)
	}
	return pick(top.item)
}

// scalar is a JSON string or number as text; anything else is "".
func scalar(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// NewJSONRequest is a request whose body is in encoded as JSON (no body
// when in is nil), accepting JSON, ready for Do or DoJSON.
func NewJSONRequest(ctx context.Context, method, url string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s %s request: %w", method, url, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// DoJSON is Do, then the answer's body decoded into out (skipped when out
// is nil or the body is empty).
func (c *Client) DoJSON(req *http.Request, out any) (*Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("%s %s: decoding the %d answer: %w", req.Method, redact(req.URL), resp.Status, err)
		}
	}
	return resp, nil
}

// redact is u without its query, user information or fragment.
func redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
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
