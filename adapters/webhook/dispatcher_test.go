package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
)

// feed is an EventSource over a slice: the cursor is how many events
// were read, as a decimal.
type feed struct {
	mu     sync.Mutex
	events []permit.Event
}

var _ webhook.EventSource = (*feed)(nil)

func (f *feed) add(typ permit.EventType, permitID, accountID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("%020d", len(f.events)+1)
	f.events = append(f.events, permit.Event{ID: id, Type: typ, At: t0.Add(time.Duration(len(f.events)) * time.Second),
		Actor: "system", PermitID: permitID, AccountID: accountID, Data: map[string]string{"n": strconv.Itoa(len(f.events) + 1)}})
	return id
}

func (f *feed) Events(_ context.Context, after string, limit int) ([]permit.Event, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 || n > len(f.events) {
			return nil, "", fmt.Errorf("%w: bad cursor %q", permit.ErrValidation, after)
		}
		start = n
	}
	end := min(start+limit, len(f.events))
	if end == start {
		return nil, after, nil
	}
	return append([]permit.Event(nil), f.events[start:end]...), strconv.Itoa(end), nil
}

// request is what a receiver got.
type request struct {
	header http.Header
	body   []byte
}

func (r request) eventID() string { return r.header.Get(webhook.EventIDHeader) }

func (r request) permitID(t *testing.T) string {
	var ev struct {
		PermitID string `json:"permit_id"`
	}
	require.NoError(t, json.Unmarshal(r.body, &ev))
	return ev.PermitID
}

// receiver is a back-office system on loopback. answer decides each
// request's fate: a status, or 0 to hang until the sender gives up.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []request
	answer func(r request, n int) int // n: requests for this event so far, from 1
}

func newReceiver(t *testing.T, answer func(r request, n int) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{header: r.Header.Clone(), body: body}
		rc.mu.Lock()
		rc.got = append(rc.got, req)
		n := 0
		for _, g := range rc.got {
			if g.eventID() == req.eventID() {
				n++
			}
		}
		answer := rc.answer
		rc.mu.Unlock()
		status := http.StatusNoContent
		if answer != nil {
			status = answer(req, n)
		}
		if status == 0 {
			// Processed, but the answer never comes in time.
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

func (rc *receiver) setAnswer(f func(r request, n int) int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = f
}

// processed is what a receiver that dedupes by event ID processes, in
// the order it first saw each event.
func processed(rs []request) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if id := r.eventID(); !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// ofPermit keeps the event IDs of one permit's requests, in order.
func ofPermit(t *testing.T, rs []request, permitID string) []string {
	var out []string
	for _, r := range rs {
		if r.permitID(t) == permitID {
			out = append(out, r.eventID())
		}
	}
	return out
}

func register(t *testing.T, s webhook.Store, id, url string, types ...string) webhook.Endpoint {
	t.Helper()
	secret, err := webhook.NewSecret()
	require.NoError(t, err)
	e := webhook.Endpoint{ID: id, URL: url, Secret: secret, EventTypes: types, CreatedAt: t0}
	require.NoError(t, s.CreateEndpoint(context.Background(), e))
	return e
}

// testOptions: loopback allowed, quick timeouts, backoff 30s, 1m, 2m...
// with no jitter taken off beyond the fixed half.
func testOptions() *webhook.DispatcherOptions {
	return &webhook.DispatcherOptions{Policy: webhook.Policy{AllowLoopback: true}, Timeout: 300 * time.Millisecond,
		BackoffBase: time.Minute, BackoffMax: 10 * time.Minute, Jitter: func() float64 { return 0 }}
}

func runOnce(t *testing.T, d *webhook.Dispatcher, at time.Time) webhook.Report {
	t.Helper()
	rep, err := d.RunOnce(context.Background(), at)
	require.NoError(t, err)
	return rep
}

// The whole promise against real receivers on loopback: a receiver that
// fails, then times out, then recovers gets every event at least once,
// each permit's events in order, signed; a failing permit holds back only
// its own later events for that endpoint; filters and late registrations
// are honoured.
func TestDispatcherAtLeastOnceInOrderPerPermit(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		f := &feed{}
		// Receiver A fails p1's first request, lets the second time out
		// (having processed it), and takes everything after.
		var (
			mu         sync.Mutex
			p1Requests int
		)
		a := newReceiver(t, func(r request, _ int) int {
			if r.permitID(t) != "p1" {
				return http.StatusOK
			}
			mu.Lock()
			defer mu.Unlock()
			p1Requests++
			switch p1Requests {
			case 1:
				return http.StatusInternalServerError
			case 2:
				return 0
			}
			return http.StatusNoContent
		})
		b := newReceiver(t, nil)
		epA := register(t, s, "wh_a", a.URL+"/hook")
		epB := register(t, s, "wh_b", b.URL+"/hook", "permit.approved")
		d, err := webhook.NewDispatcher(s, f, testOptions())
		require.NoError(t, err)

		e1 := f.add(permit.EventPermitApplied, "p1", "a1")
		e2 := f.add(permit.EventPermitApplied, "p2", "a2")
		e3 := f.add(permit.EventPermitApproved, "p1", "a1")
		e4 := f.add(permit.EventAccountCreated, "", "a3")
		e5 := f.add(permit.EventPermitApproved, "p2", "a2")
		e6 := f.add(permit.EventPermitCancelled, "p1", "a1")

		rep := runOnce(t, d, t0)
		require.Equal(t, webhook.Report{Enqueued: 8, Delivered: 5, Failed: 1}, rep)
		require.ElementsMatch(t, []string{e1, e2, e4, e5}, processed(a.requests()), "p1 waits behind its failure; p2 and the account do not")
		require.ElementsMatch(t, []string{e3, e5}, processed(b.requests()), "B's filter; A's failure on p1 holds nothing of B's")

		require.Equal(t, webhook.Report{}, runOnce(t, d, t0.Add(29*time.Second)), "not due before the backoff")
		rep = runOnce(t, d, t0.Add(30*time.Second))
		require.Equal(t, webhook.Report{Failed: 1}, rep, "the second attempt times out")
		dl := deliveryOf(t, s, "wh_a", e1)
		require.Equal(t, 2, dl.Attempts)
		require.Equal(t, "timed out", dl.LastError)
		require.Zero(t, dl.LastStatusCode)
		require.Equal(t, t0.Add(90*time.Second), dl.NextAttemptAt, "30s then 1m: doubling, half taken off by jitter 0")

		// A registration now gets only what is fanned out from now on.
		c := newReceiver(t, nil)
		epC := register(t, s, "wh_c", c.URL+"/hook")
		e7 := f.add(permit.EventPermitEnded, "p1", "a1")

		rep = runOnce(t, d, t0.Add(90*time.Second))
		require.Equal(t, webhook.Report{Enqueued: 2, Delivered: 5}, rep, "A: e1, e3, e6, e7 one after another; C: e7")
		require.Equal(t, []string{e1, e1, e1, e3, e6, e7}, ofPermit(t, a.requests(), "p1"), "at least once, in order")
		require.Equal(t, []string{e1, e3, e6, e7}, processed(ofPermitRequests(t, a.requests(), "p1")), "deduped by event ID")
		require.Equal(t, []string{e7}, processed(c.requests()))

		// Every request is signed for its endpoint, at the instant sent,
		// and names its event; attempts are numbered.
		for rc, ep := range map[*receiver]webhook.Endpoint{a: epA, b: epB, c: epC} {
			for _, r := range rc.requests() {
				require.Equal(t, "application/json", r.header.Get("Content-Type"))
				var ev map[string]any
				require.NoError(t, json.Unmarshal(r.body, &ev))
				require.Equal(t, r.eventID(), ev["id"])
				require.Equal(t, r.header.Get(webhook.EventTypeHeader), ev["type"])
				require.NotEmpty(t, r.header.Get(webhook.DeliveryIDHeader))
				sentAt := signedAt(t, r.header.Get(webhook.SignatureHeader))
				require.NoError(t, webhook.Verify(ep.Secret, r.header.Get(webhook.SignatureHeader), r.body, sentAt, time.Second))
				require.ErrorIs(t, webhook.Verify(epB.Secret+"x", r.header.Get(webhook.SignatureHeader), r.body, sentAt, 0), webhook.ErrInvalidSignature)
			}
		}
		var attempts []string
		for _, r := range a.requests() {
			if r.eventID() == e1 {
				attempts = append(attempts, r.header.Get(webhook.AttemptHeader))
			}
		}
		require.Equal(t, []string{"1", "2", "3"}, attempts)

		// The body is the event as GET /v1/events shows it.
		first := ofPermitRequests(t, a.requests(), "p1")[0]
		require.JSONEq(t, `{"id":"`+first.eventID()+`","type":"`+first.header.Get(webhook.EventTypeHeader)+`","at":"`+
			jsonField(t, first.body, "at")+`","actor":"system","permit_id":"`+first.permitID(t)+`","account_id":"`+
			jsonField(t, first.body, "account_id")+`","data":{"n":"`+jsonField(t, first.body, "data.n")+`"}}`, string(first.body))

		all, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 100})
		require.NoError(t, err)
		require.Len(t, all, 7)
		for _, x := range all {
			require.Equal(t, webhook.StatusDelivered, x.Status, x.EventID)
		}
		require.Equal(t, webhook.Report{}, runOnce(t, d, t0.Add(time.Hour)), "nothing left")
	})
}

func ofPermitRequests(t *testing.T, rs []request, permitID string) []request {
	var out []request
	for _, r := range rs {
		if r.permitID(t) == permitID {
			out = append(out, r)
		}
	}
	return out
}

func jsonField(t *testing.T, body []byte, path string) string {
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	var v any = m
	for _, k := range strings.Split(path, ".") {
		v = v.(map[string]any)[k]
	}
	return fmt.Sprint(v)
}

// signedAt reads the t= of a signature header.
func signedAt(t *testing.T, header string) time.Time {
	for part := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return time.Unix(n, 0)
		}
	}
	t.Fatalf("no t= in %q", header)
	return time.Time{}
}

func deliveryOf(t *testing.T, s webhook.Store, endpointID, eventID string) webhook.Delivery {
	t.Helper()
	all, err := s.Deliveries(context.Background(), webhook.DeliveryQuery{EndpointID: endpointID, Limit: 1000})
	require.NoError(t, err)
	for _, d := range all {
		if d.EventID == eventID {
			return d
		}
	}
	t.Fatalf("no delivery of %s to %s", eventID, endpointID)
	return webhook.Delivery{}
}

// After MaxAttempts a delivery is dead: visible as such, holding back its
// permit's later events, tried no more until retried by hand.
func TestDispatcherDeadLetterAndManualRetry(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		f := &feed{}
		down := func(r request, _ int) int {
			if r.permitID(t) == "p1" {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}
		rc := newReceiver(t, down)
		register(t, s, "wh_a", rc.URL)
		opts := testOptions()
		opts.MaxAttempts = 3
		var pauses []webhook.Pause
		opts.Paused = func(_ context.Context, p webhook.Pause) { pauses = append(pauses, p) }
		d, err := webhook.NewDispatcher(s, f, opts)
		require.NoError(t, err)
		e1 := f.add(permit.EventPermitApplied, "p1", "a1")
		e2 := f.add(permit.EventPermitApproved, "p1", "a1")
		e3 := f.add(permit.EventPermitApplied, "p2", "a2")

		require.Equal(t, webhook.Report{Enqueued: 3, Delivered: 1, Failed: 1}, runOnce(t, d, t0))
		require.Equal(t, webhook.Report{Failed: 1}, runOnce(t, d, t0.Add(30*time.Second)))
		require.Equal(t, webhook.Report{Dead: 1, Paused: 1}, runOnce(t, d, t0.Add(90*time.Second)))
		e4 := f.add(permit.EventPermitApplied, "p3", "a3")
		before := len(rc.requests())
		require.Equal(t, webhook.Report{Enqueued: 1}, runOnce(t, d, t0.Add(24*time.Hour)))
		require.Len(t, rc.requests(), before, "a dead delivery is not tried again, and its paused endpoint gets nothing")

		// The officer is told: which webhook, which delivery, why.
		require.Len(t, pauses, 1)
		ep, err := s.Endpoint(ctx, "wh_a")
		require.NoError(t, err)
		require.Equal(t, t0.Add(90*time.Second), ep.PausedAt)
		require.Equal(t, ep.PausedReason, pauses[0].Reason)
		require.Equal(t, webhook.Pause{EndpointID: "wh_a", URL: rc.URL, DeliveryID: pauses[0].DeliveryID, EventID: e1, At: ep.PausedAt, Reason: pauses[0].Reason}, pauses[0])
		require.Contains(t, ep.PausedReason, "failed 3 times over 2m")
		require.Contains(t, ep.PausedReason, "HTTP 503")

		dead, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusDead, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{e1}, ids(dead))
		require.Equal(t, pauses[0].DeliveryID, dead[0].ID)
		require.Equal(t, 3, dead[0].Attempts)
		require.Equal(t, 503, dead[0].LastStatusCode)
		require.Equal(t, "HTTP 503", dead[0].LastError)
		pending, _ := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusPending, Limit: 10})
		require.Equal(t, []string{e2, e4}, ids(pending), "waiting for the paused endpoint")
		delivered, _ := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusDelivered, Limit: 10})
		require.Equal(t, []string{e3}, ids(delivered))

		// The receiver is mended; an officer retries the dead deliveries,
		// which resumes the endpoint, and the held one follows, in order.
		rc.setAnswer(nil)
		later := t0.Add(25 * time.Hour)
		n, err := s.RetryDead(ctx, "wh_a", later)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, webhook.Report{Delivered: 3}, runOnce(t, d, later))
		require.Equal(t, []string{e1, e1, e1, e1, e2}, ofPermit(t, rc.requests(), "p1"))
	})
}

// Issue 14: retries go on for RetryFor (three days by default) from the
// start of the round, whatever the count; the attempt whose next one
// would fall after that is the last.
func TestDispatcherRetriesForRetryFor(t *testing.T) {
	f := &feed{}
	rc := newReceiver(t, func(request, int) int { return http.StatusBadGateway })
	s := webhook.NewMemoryStore()
	register(t, s, "wh_a", rc.URL)
	opts := testOptions()
	opts.BackoffBase, opts.BackoffMax, opts.RetryFor = 4*time.Minute, 4*time.Minute, 10*time.Minute
	opts.Jitter = func() float64 { return 0.999999 }
	d, err := webhook.NewDispatcher(s, f, opts)
	require.NoError(t, err)
	f.add(permit.EventPermitApplied, "p1", "a1")
	require.Equal(t, webhook.Report{Enqueued: 1, Failed: 1}, runOnce(t, d, t0))
	require.Equal(t, webhook.Report{Failed: 1}, runOnce(t, d, t0.Add(4*time.Minute)))
	require.Equal(t, webhook.Report{Dead: 1, Paused: 1}, runOnce(t, d, t0.Add(8*time.Minute)), "the next would be after 10 minutes")

	// The defaults: attempts keep coming for three days, never longer.
	var last time.Time
	at := t0.Add(time.Hour)
	n, err := s.RetryDead(context.Background(), "wh_a", at)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, err = webhook.NewDispatcher(s, f, &webhook.DispatcherOptions{Policy: webhook.Policy{AllowLoopback: true}, Timeout: opts.Timeout})
	require.NoError(t, err)
	for range 200 {
		rep := runOnce(t, d, at)
		if rep.Dead == 1 {
			last = at
			break
		}
		require.Equal(t, 1, rep.Failed)
		ds, _ := s.Deliveries(context.Background(), webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 1})
		at = ds[0].NextAttemptAt
	}
	require.False(t, last.IsZero(), "dead in the end")
	require.True(t, last.Sub(t0.Add(time.Hour)) > 70*time.Hour && !last.After(t0.Add(time.Hour+webhook.DefaultRetryFor)),
		"the last attempt %s after the retry", last.Sub(t0.Add(time.Hour)))
}

// A 3xx is a failed attempt: the Location is never fetched.
func TestDispatcherRefusesRedirects(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			target := newReceiver(t, nil)
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/elsewhere", status)
			}))
			t.Cleanup(rc.Close)
			s := webhook.NewMemoryStore()
			f := &feed{}
			register(t, s, "wh_a", rc.URL)
			e1 := f.add(permit.EventPermitApplied, "p1", "a1")
			d, err := webhook.NewDispatcher(s, f, testOptions())
			require.NoError(t, err)
			require.Equal(t, webhook.Report{Enqueued: 1, Failed: 1}, runOnce(t, d, t0))
			require.Empty(t, target.requests(), "the redirect was not followed")
			dl := deliveryOf(t, s, "wh_a", e1)
			require.Equal(t, status, dl.LastStatusCode)
			require.Contains(t, dl.LastError, "redirects are not followed")
		})
	}
}

// The address is checked when connecting, against the DNS answer of that
// moment: a name that resolved to a public address at registration and
// to a refused one now (DNS rebinding) reaches nothing, and the address
// connected to is the one checked.
func TestDispatcherChecksAddressWhenConnecting(t *testing.T) {
	rc := newReceiver(t, nil)
	_, port, err := net.SplitHostPort(rc.Listener.Addr().String())
	require.NoError(t, err)
	tests := []struct {
		name   string
		url    string
		policy webhook.Policy
		dns    resolver
		reason string // "" when delivered
	}{
		{name: "rebound to loopback", url: "http://backoffice.example:" + port + "/", dns: resolver{"backoffice.example": {"127.0.0.1"}}, reason: "loopback"},
		{name: "rebound to metadata", url: "http://backoffice.example:" + port + "/", policy: everything, dns: resolver{"backoffice.example": {"169.254.169.254"}}, reason: "link-local"},
		{name: "one refused answer among good ones", url: "http://backoffice.example:" + port + "/", policy: loopback, dns: resolver{"backoffice.example": {"127.0.0.1", "10.0.0.1"}}, reason: "private"},
		{name: "literal loopback not allowed", url: rc.URL, reason: "loopback"},
		{name: "gone from DNS", url: "http://backoffice.example:" + port + "/", policy: loopback, dns: resolver{}, reason: "no address in DNS"},
		// Issue 14: plain http only to addresses the flags allow, checked
		// when connecting too (the name was private when registered).
		{name: "plain http rebound to a public address", url: "http://backoffice.example:" + port + "/", policy: everything, dns: resolver{"backoffice.example": {"93.184.216.34"}}, reason: "must be https"},
		{name: "the checked answer is the one connected to", url: "http://backoffice.example:" + port + "/", policy: loopback, dns: resolver{"backoffice.example": {"127.0.0.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rc.requests())
			s := webhook.NewMemoryStore()
			f := &feed{}
			register(t, s, "wh_a", tt.url)
			e1 := f.add(permit.EventPermitApplied, "p1", "a1")
			opts := testOptions()
			opts.Policy, opts.Resolver = tt.policy, tt.dns
			d, err := webhook.NewDispatcher(s, f, opts)
			require.NoError(t, err)
			rep := runOnce(t, d, t0)
			dl := deliveryOf(t, s, "wh_a", e1)
			if tt.reason == "" {
				require.Equal(t, 1, rep.Delivered)
				require.Len(t, rc.requests(), before+1)
				return
			}
			require.Equal(t, 1, rep.Failed)
			require.Len(t, rc.requests(), before, "no request reached the receiver")
			require.Contains(t, dl.LastError, "address refused")
			require.Contains(t, dl.LastError, tt.reason)
		})
	}
}

func TestBackoff(t *testing.T) {
	d, err := webhook.NewDispatcher(webhook.NewMemoryStore(), &feed{}, nil)
	require.NoError(t, err)
	for n, want := range map[int]time.Duration{
		1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 8: 64 * time.Minute, 9: 2 * time.Hour, 16: 2 * time.Hour, 1000: 2 * time.Hour,
	} {
		require.Equal(t, want, d.Backoff(n), "after failure %d", n)
	}

	// Jitter takes up to half off, never more.
	for _, j := range []float64{0, 0.5, 0.999999} {
		s := webhook.NewMemoryStore()
		f := &feed{}
		rc := newReceiver(t, func(request, int) int { return 500 })
		register(t, s, "wh_a", rc.URL)
		e1 := f.add(permit.EventPermitApplied, "p1", "a1")
		opts := testOptions()
		opts.Jitter = func() float64 { return j }
		d, err := webhook.NewDispatcher(s, f, opts)
		require.NoError(t, err)
		runOnce(t, d, t0)
		for range 2 {
			runOnce(t, d, deliveryOf(t, s, "wh_a", e1).NextAttemptAt)
		}
		dl := deliveryOf(t, s, "wh_a", e1)
		wait := dl.NextAttemptAt.Sub(dl.LastAttemptAt)
		full := 4 * time.Minute // after the third failure, base 1m
		require.GreaterOrEqual(t, wait, full/2, "jitter %v", j)
		require.Less(t, wait, full, "jitter %v", j)
		require.InDelta(t, float64(full/2)+j*float64(full/2), float64(wait), float64(time.Millisecond), "jitter %v", j)
	}
}

// Several server instances on one database: each event reaches the
// receiver once (it never fails, so nothing is retried), in order per
// permit, though the instances fan out and claim at the same moments.
func TestDispatcherInstancesShareOneDatabase(t *testing.T) {
	for _, k := range storeKinds() {
		t.Run(k.name, func(t *testing.T) {
			const instances, permits, perPermit = 3, 8, 4
			stores := k.newStores(t, instances)
			f := &feed{}
			rc := newReceiver(t, nil)
			register(t, stores[0], "wh_a", rc.URL)
			for range perPermit {
				for p := range permits {
					f.add(permit.EventPermitApplied, fmt.Sprintf("p%d", p), "a")
				}
			}
			var wg sync.WaitGroup
			for _, s := range stores {
				opts := testOptions()
				opts.PageSize, opts.Batch = 5, 2
				d, err := webhook.NewDispatcher(s, f, opts)
				require.NoError(t, err)
				wg.Go(func() {
					for range 20 {
						if _, err := d.RunOnce(context.Background(), t0); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			got := rc.requests()
			require.Len(t, got, permits*perPermit, "each event once")
			require.Len(t, processed(got), permits*perPermit)
			for p := range permits {
				evs := ofPermit(t, got, fmt.Sprintf("p%d", p))
				require.Len(t, evs, perPermit)
				for i := 1; i < len(evs); i++ {
					require.Less(t, evs[i-1], evs[i], "permit p%d in feed order", p)
				}
			}
		})
	}
}

// Run delivers as events come and returns when its context ends.
func TestDispatcherRun(t *testing.T) {
	s := webhook.NewMemoryStore()
	f := &feed{}
	rc := newReceiver(t, nil)
	register(t, s, "wh_a", rc.URL)
	opts := testOptions()
	opts.PollInterval = 10 * time.Millisecond
	opts.Now = func() time.Time { return t0 }
	d, err := webhook.NewDispatcher(s, f, opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	id := f.add(permit.EventPermitApplied, "p1", "a1")
	require.Eventually(t, func() bool { return len(rc.requests()) == 1 }, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, id, rc.requests()[0].eventID())
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// Delivered deliveries are purged after KeepDelivered; dead and pending
// ones stay.
func TestDispatcherPurges(t *testing.T) {
	s := webhook.NewMemoryStore()
	f := &feed{}
	rc := newReceiver(t, func(r request, _ int) int {
		if r.permitID(t) == "p2" {
			return 500
		}
		return 200
	})
	register(t, s, "wh_a", rc.URL)
	opts := testOptions()
	opts.KeepDelivered = 24 * time.Hour
	d, err := webhook.NewDispatcher(s, f, opts)
	require.NoError(t, err)
	f.add(permit.EventPermitApplied, "p1", "a1")
	e2 := f.add(permit.EventPermitApplied, "p2", "a2")
	require.Equal(t, webhook.Report{Enqueued: 2, Delivered: 1, Failed: 1}, runOnce(t, d, t0))
	rep := runOnce(t, d, t0.Add(25*time.Hour))
	require.Equal(t, 1, rep.Purged)
	left, err := s.Deliveries(context.Background(), webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{e2}, ids(left))
}

func TestNewDispatcherRefusesBadOptions(t *testing.T) {
	_, err := webhook.NewDispatcher(nil, &feed{}, nil)
	require.Error(t, err)
	_, err = webhook.NewDispatcher(webhook.NewMemoryStore(), nil, nil)
	require.Error(t, err)
	_, err = webhook.NewDispatcher(webhook.NewMemoryStore(), &feed{}, &webhook.DispatcherOptions{PageSize: 1001})
	require.Error(t, err)
	_, err = webhook.NewDispatcher(webhook.NewMemoryStore(), &feed{}, &webhook.DispatcherOptions{BackoffBase: time.Hour, BackoffMax: time.Minute})
	require.Error(t, err)
	// A lease shorter than a batch of timed-out requests would let another
	// instance send the same delivery meanwhile.
	_, err = webhook.NewDispatcher(webhook.NewMemoryStore(), &feed{}, &webhook.DispatcherOptions{Timeout: 10 * time.Second, Concurrency: 2, Batch: 4, Lease: 45 * time.Second})
	require.ErrorContains(t, err, "Lease")
	_, err = webhook.NewDispatcher(webhook.NewMemoryStore(), &feed{}, &webhook.DispatcherOptions{Timeout: 10 * time.Second, Concurrency: 2, Batch: 4, Lease: 50 * time.Second})
	require.NoError(t, err)
}
