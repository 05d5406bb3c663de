package httpclient_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
)

// step is one scripted answer of the test server.
type step struct {
	status int
	header map[string]string
	body   string
	hangUp bool // close the connection without answering
	stall  bool // answer only when the request's context ends
}

// script is a test server answering its steps in turn (the last one
// repeats) and recording what it was sent.
type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	got   []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.got)
	s.got = append(s.got, recorded{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
	st := s.steps[min(n, len(s.steps)-1)]
	s.mu.Unlock()
	switch {
	case st.hangUp:
		conn, _, err := http.NewResponseController(w).Hijack()
		require.NoError(s.t, err)
		_ = conn.Close()
		return
	case st.stall:
		<-r.Context().Done()
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

func (s *script) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.got...)
}

// fakeTime is a clock that only moves when the client sleeps.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	onWait func() // called at each sleep, before it returns
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	hook := f.onWait
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (f *fakeTime) sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

var t0 = time.Date(2027, 3, 28, 0, 59, 50, 0, time.UTC) // ten seconds before BST begins

func newClient(ft *fakeTime, o httpclient.Options) *httpclient.Client {
	o.Now, o.Sleep = ft.Now, ft.Sleep
	o.Jitter = func() float64 { return 0.5 }
	if o.BaseDelay == 0 {
		o.BaseDelay = 100 * time.Millisecond
	}
	return httpclient.New(&o)
}

func TestDo(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		opts   httpclient.Options
		method string
		header map[string]string
		body   string
		steps  []step

		wantStatus   int // 0: an error is expected
		wantErr      *httpclient.Error
		wantAttempts int
		wantSleeps   []time.Duration
	}{
		{name: "429 then 200", method: "GET",
			steps:      []step{{status: 429, body: `{"code":"P0900","description":"Too many requests"}`}, {status: 200, body: `{}`}},
			wantStatus: 200, wantAttempts: 2, wantSleeps: []time.Duration{75 * ms}},
		{name: "503 with Retry-After in seconds", method: "POST",
			steps:      []step{{status: 503, header: map[string]string{"Retry-After": "3"}}, {status: 201}},
			wantStatus: 201, wantAttempts: 2, wantSleeps: []time.Duration{3 * time.Second}},
		{name: "503 with Retry-After as a date", method: "GET",
			steps:      []step{{status: 503, header: map[string]string{"Retry-After": "Sun, 28 Mar 2027 01:00:02 GMT"}}, {status: 200}},
			wantStatus: 200, wantAttempts: 2, wantSleeps: []time.Duration{12 * time.Second}},
		{name: "500 until the attempts run out, backoff doubling", method: "GET",
			steps:        []step{{status: 500, body: `{"errors":[{"error":"Exception","message":"Internal server error"}],"status_code":500}`}},
			wantErr:      &httpclient.Error{Method: "GET", Status: 500, Code: "Exception", Description: "Internal server error", Attempts: 4},
			wantAttempts: 4, wantSleeps: []time.Duration{75 * ms, 150 * ms, 300 * ms}},
		{name: "backoff capped at MaxDelay", method: "GET", opts: httpclient.Options{MaxAttempts: 5, MaxDelay: 200 * ms},
			steps:   []step{{status: 502}},
			wantErr: &httpclient.Error{Method: "GET", Status: 502, Attempts: 5}, wantAttempts: 5,
			wantSleeps: []time.Duration{75 * ms, 150 * ms, 150 * ms, 150 * ms}},
		{name: "400 is not retried", method: "POST",
			steps:        []step{{status: 400, body: `{"errors":[{"status":"400","code":"105","title":"Bad Request","detail":"Invalid format for field - vehicle registration number"}]}`}},
			wantErr:      &httpclient.Error{Method: "POST", Status: 400, Code: "105", Description: "Invalid format for field - vehicle registration number", Attempts: 1},
			wantAttempts: 1},
		{name: "Retry-After past the retry time cap: give up at once", method: "GET",
			steps:        []step{{status: 429, header: map[string]string{"Retry-After": "120"}}, {status: 200}},
			wantErr:      &httpclient.Error{Method: "GET", Status: 429, RetryAfter: 120 * time.Second, Attempts: 1},
			wantAttempts: 1},
		{name: "retry time cap stops the backoff", method: "GET", opts: httpclient.Options{MaxAttempts: 10, MaxRetryTime: 400 * ms},
			steps:        []step{{status: 503}},
			wantErr:      &httpclient.Error{Method: "GET", Status: 503, Attempts: 3},
			wantAttempts: 3, wantSleeps: []time.Duration{75 * ms, 150 * ms}},
		{name: "body sent again on each attempt", method: "POST", body: `{"registrationNumber":"AA19AAA"}`,
			steps:      []step{{status: 502}, {status: 500}, {status: 200}},
			wantStatus: 200, wantAttempts: 3, wantSleeps: []time.Duration{75 * ms, 150 * ms}},
		{name: "a POST cut off is not sent again", method: "POST", body: `{"amount":5000}`,
			steps:        []step{{hangUp: true}, {status: 201}},
			wantAttempts: 1},
		{name: "a POST with an Idempotency-Key cut off is sent again", method: "POST", body: `{"amount":5000}`,
			header:     map[string]string{"Idempotency-Key": "k-1"},
			steps:      []step{{hangUp: true}, {status: 201}},
			wantStatus: 201, wantAttempts: 2, wantSleeps: []time.Duration{75 * ms}},
		{name: "a GET that times out is tried again", method: "GET", opts: httpclient.Options{Timeout: 30 * ms},
			steps:      []step{{stall: true}, {status: 200}},
			wantStatus: 200, wantAttempts: 2, wantSleeps: []time.Duration{75 * ms}},
		{name: "a POST that times out is not", method: "POST", opts: httpclient.Options{Timeout: 30 * ms},
			steps:        []step{{stall: true}, {status: 200}},
			wantAttempts: 1},
		{name: "MaxAttempts 1 disables retries", method: "GET", opts: httpclient.Options{MaxAttempts: 1},
			steps:   []step{{status: 503}, {status: 200}},
			wantErr: &httpclient.Error{Method: "GET", Status: 503, Attempts: 1}, wantAttempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, steps: tt.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			ft := &fakeTime{now: t0}
			c := newClient(ft, tt.opts)

			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequestWithContext(context.Background(), tt.method, srv.URL+"/v1/things?key=secret", body)
			require.NoError(t, err)
			req.GetBody = nil // Do must make the body re-sendable itself
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)

			got := s.requests()
			require.Len(t, got, tt.wantAttempts, "attempts the server saw")
			for _, r := range got {
				require.Equal(t, tt.body, r.body, "every attempt carries the whole body")
				require.Equal(t, httpclient.DefaultUserAgent, r.header.Get("User-Agent"))
			}
			require.Equal(t, tt.wantSleeps, ft.sleeps())
			switch {
			case tt.wantStatus != 0:
				require.NoError(t, err)
				require.Equal(t, tt.wantStatus, resp.Status)
				require.Equal(t, tt.wantAttempts, resp.Attempts)
			case tt.wantErr != nil:
				var herr *httpclient.Error
				require.ErrorAs(t, err, &herr)
				require.Equal(t, srv.URL+"/v1/things", herr.URL, "the query (which may hold a key) is left out")
				require.NotContains(t, err.Error(), "secret")
				herr.URL, herr.Body = "", nil
				require.Equal(t, tt.wantErr, herr)
			default:
				require.Error(t, err)
				var herr *httpclient.Error
				require.False(t, errors.As(err, &herr), "a transport failure is not an answer: %v", err)
				require.NotContains(t, err.Error(), "secret")
			}
		})
	}
}

func TestDoContextCancelled(t *testing.T) {
	t.Run("while waiting to retry", func(t *testing.T) {
		s := &script{t: t, steps: []step{{status: 503}, {status: 200}}}
		srv := httptest.NewServer(s)
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ft := &fakeTime{now: t0, onWait: cancel}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		_, err := newClient(ft, httpclient.Options{}).Do(req)
		require.ErrorIs(t, err, context.Canceled)
		require.Len(t, s.requests(), 1)
	})
	t.Run("during a request", func(t *testing.T) {
		s := &script{t: t, steps: []step{{stall: true}}}
		srv := httptest.NewServer(s)
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for len(s.requests()) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		_, err := newClient(&fakeTime{now: t0}, httpclient.Options{}).Do(req)
		require.ErrorIs(t, err, context.Canceled)
		require.Len(t, s.requests(), 1, "a GET is replayable, but not once its context is over")
	})
	t.Run("a context deadline before the next retry stops early", func(t *testing.T) {
		s := &script{t: t, steps: []step{{status: 503, header: map[string]string{"Retry-After": "5"}}, {status: 200}}}
		srv := httptest.NewServer(s)
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ft := &fakeTime{now: time.Now()}
		ft.now = ft.now.Add(time.Minute - time.Second) // the deadline is one second away on the fake clock
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		_, err := newClient(ft, httpclient.Options{}).Do(req)
		var herr *httpclient.Error
		require.ErrorAs(t, err, &herr)
		require.Equal(t, 503, herr.Status)
		require.Empty(t, ft.sleeps())
	})
}

func TestPrepareOnEachAttempt(t *testing.T) {
	s := &script{t: t, steps: []step{{status: 429}, {status: 200}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	n := 0
	c := newClient(&fakeTime{now: t0}, httpclient.Options{
		UserAgent: "council/1",
		Prepare: func(r *http.Request) error {
			n++
			r.Header.Set("Authorization", "Bearer token-"+strconv.Itoa(n))
			return nil
		},
	})
	req, _ := httpclient.NewJSONRequest(context.Background(), "POST", srv.URL, map[string]string{"a": "b"})
	var out struct{}
	_, err := c.DoJSON(req, &out)
	require.NoError(t, err)
	got := s.requests()
	require.Equal(t, "Bearer token-1", got[0].header.Get("Authorization"))
	require.Equal(t, "Bearer token-2", got[1].header.Get("Authorization"))
	require.Equal(t, "council/1", got[1].header.Get("User-Agent"))
	require.Equal(t, "application/json", got[1].header.Get("Content-Type"))
	require.Equal(t, `{"a":"b"}`, got[1].body)

	failing := newClient(&fakeTime{now: t0}, httpclient.Options{Prepare: func(*http.Request) error { return errors.New("no key") }})
	req, _ = http.NewRequest("GET", srv.URL, nil)
	_, err = failing.Do(req)
	require.ErrorContains(t, err, "no key")
	require.Len(t, s.requests(), 2, "a request that cannot be prepared is not sent")
}

func TestDoJSON(t *testing.T) {
	s := &script{t: t, steps: []step{{status: 200, body: `{"make":"FORD","yearOfManufacture":2019}`}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(&fakeTime{now: t0}, httpclient.Options{})

	var v struct {
		Make string `json:"make"`
		Year int    `json:"yearOfManufacture"`
	}
	req, _ := httpclient.NewJSONRequest(context.Background(), "GET", srv.URL, nil)
	_, err := c.DoJSON(req, &v)
	require.NoError(t, err)
	require.Equal(t, "FORD", v.Make)
	require.Equal(t, 2019, v.Year)
	require.Empty(t, s.requests()[0].header.Get("Content-Type"), "no body, no content type")
	require.Equal(t, "application/json", s.requests()[0].header.Get("Accept"))

	var wrong struct{ Make int }
	req, _ = httpclient.NewJSONRequest(context.Background(), "GET", srv.URL, nil)
	_, err = c.DoJSON(req, &wrong)
	require.ErrorContains(t, err, "decoding the 200 answer")
}

func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 10_000)
	s := &script{t: t, steps: []step{{status: 200, body: big}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(&fakeTime{now: t0}, httpclient.Options{MaxResponseBytes: 9_999})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := c.Do(req)
	require.ErrorContains(t, err, "longer than 9999 bytes")
	require.Len(t, s.requests(), 1, "an answer too long is not asked for again")

	s.steps = []step{{status: 418, body: big}}
	req, _ = http.NewRequest("GET", srv.URL, nil)
	_, err = c.Do(req)
	var herr *httpclient.Error
	require.ErrorAs(t, err, &herr)
	require.Len(t, herr.Body, httpclient.MaxErrorBody)
	require.False(t, herr.Temporary())
}

func TestDecodeError(t *testing.T) {
	tests := []struct{ name, body, code, desc string }{
		{"GOV.UK Pay", `{"field":"amount","code":"P0102","description":"Invalid attribute value: amount"}`, "P0102", "Invalid attribute value: amount"},
		{"GOV.UK Notify", `{"errors":[{"error":"AuthError","message":"Invalid token: service not found"}],"status_code":403}`, "AuthError", "Invalid token: service not found"},
		{"DVLA", `{"errors":[{"status":"404","code":"404","title":"Vehicle Not Found","detail":"Record for vehicle not found"}]}`, "404", "Record for vehicle not found"},
		{"DVLA without detail", `{"errors":[{"status":"500","title":"Internal Server Error"}]}`, "", "Internal Server Error"},
		{"OS Places", `{"error":{"statuscode":400,"message":"Requested postcode must contain a minimum of the sector plus 1 digit of the district e.g. SO1. Requested postcode was S"}}`, "400", "Requested postcode must contain a minimum of the sector plus 1 digit of the district e.g. SO1. Requested postcode was S"},
		{"plain error string", `{"error":"invalid_client","message":"bad key"}`, "invalid_client", "bad key"},
		{"not JSON", `<html>Bad Gateway</html>`, "", ""},
		{"empty", ``, "", ""},
		{"JSON of another shape", `[1,2]`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, desc := httpclient.DecodeError([]byte(tt.body))
			require.Equal(t, tt.code, code)
			require.Equal(t, tt.desc, desc)
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 120 ", 120 * time.Second, true},
		{"Sun, 28 Mar 2027 01:00:20 GMT", 30 * time.Second, true},
		{"Sunday, 28-Mar-27 01:00:20 GMT", 30 * time.Second, true}, // RFC 850
		{"Sun Mar 28 01:00:20 2027", 30 * time.Second, true},       // asctime
		{"Sun, 28 Mar 2027 00:00:00 GMT", 0, true},                 // in the past
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := httpclient.ParseRetryAfter(tt.in, t0)
		require.Equal(t, tt.ok, ok, "%q", tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "30", "Sun, 28 Mar 2027 01:00:20 GMT", "Sunday, 28-Mar-27 01:00:20 GMT", "x", "-5", "4294967295"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := httpclient.ParseRetryAfter(s, t0)
		if d < 0 {
			t.Fatalf("%q: negative wait %v", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("%q: unreadable but %v", s, d)
		}
		if ok && strings.TrimSpace(s) == "" {
			t.Fatalf("%q: empty read as a wait", s)
		}
	})
}

// Sanity: the request body given as bytes.Reader keeps its GetBody, and
// each attempt gets its own copy.
func TestBodyFromGetBody(t *testing.T) {
	s := &script{t: t, steps: []step{{status: 500}, {status: 200}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest("PUT", srv.URL, bytes.NewReader([]byte("payload")))
	_, err := newClient(&fakeTime{now: t0}, httpclient.Options{}).Do(req)
	require.NoError(t, err)
	require.Equal(t, "payload", s.requests()[0].body)
	require.Equal(t, "payload", s.requests()[1].body)
}
