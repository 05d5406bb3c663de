package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/eventjson"
	"github.com/carerpermit/carerpermit/permit"
)

// EventSource is the feed the Dispatcher reads: a permit.Store is one,
// and so is a permit.Service read by one actor through EventSourceFunc.
// It must behave as permit.Store.Events does: paging with the returned
// cursors sees every committed event exactly once, in feed order.
type EventSource interface {
	Events(ctx context.Context, after string, limit int) (events []permit.Event, next string, err error)
}

// EventSourceFunc is a function that reads the feed as an EventSource,
// such as the Service's feed as the system reads it:
//
//	webhook.EventSourceFunc(func(ctx context.Context, after string, limit int) ([]permit.Event, string, error) {
//		return svc.Events(ctx, permit.System, after, limit)
//	})
type EventSourceFunc func(ctx context.Context, after string, limit int) ([]permit.Event, string, error)

// Events calls f.
func (f EventSourceFunc) Events(ctx context.Context, after string, limit int) ([]permit.Event, string, error) {
	return f(ctx, after, limit)
}

// Defaults of DispatcherOptions.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultRetryFor      = 72 * time.Hour
	DefaultMaxAttempts   = 100
	DefaultBackoffBase   = 30 * time.Second
	DefaultBackoffMax    = 2 * time.Hour
	DefaultPollInterval  = 2 * time.Second
	DefaultKeepDelivered = 30 * 24 * time.Hour
	DefaultConcurrency   = 4
	DefaultPageSize      = 500
)

// leaseMargin is what a lease holds beyond the requests of its batch: the
// time to save their results.
const leaseMargin = 30 * time.Second

// maxResponseBytes is how much of an answer is read (and thrown away), so
// the connection can be reused without a huge body holding it.
const maxResponseBytes = 64 << 10

// maxErrorLength bounds the error text kept on a delivery.
const maxErrorLength = 300

// DispatcherOptions are the optional parts of a Dispatcher; the zero
// value (or nil) gives working defaults.
type DispatcherOptions struct {
	// Policy decides which addresses may be connected to; it is checked on
	// every connection. It must match the Handler's.
	Policy Policy
	// Resolver looks endpoint hosts up; nil is net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one attempt: connecting, sending and the answer's
	// headers; 0 means DefaultTimeout.
	Timeout time.Duration
	// RetryFor is how long a delivery is retried: a failed attempt whose
	// next attempt would fall later than RetryFor after the round began
	// (Delivery.RetryingSince) makes it dead. 0 means DefaultRetryFor,
	// three days, so a receiver down over a long weekend loses nothing.
	RetryFor time.Duration
	// MaxAttempts caps the failed attempts of a round, whatever the time;
	// 0 means DefaultMaxAttempts, more than the default backoff makes in
	// DefaultRetryFor.
	MaxAttempts int
	// BackoffBase and BackoffMax shape the wait after the n-th failure:
	// BackoffBase·2^(n-1), at most BackoffMax, of which a random half is
	// taken off (jitter), so receivers coming back up are not hit by every
	// instance at once. 0 means the defaults.
	BackoffBase, BackoffMax time.Duration
	// Lease is how long claimed deliveries are held before another
	// instance may take them. It must outlast the batch: at least
	// ceil(Batch/Concurrency)×Timeout + 30s, which is what 0 means;
	// NewDispatcher refuses a shorter one, as two instances could then
	// send the same delivery at once.
	Lease time.Duration
	// Concurrency is how many requests are in flight at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Batch is how many deliveries one claim takes; 0 means
	// 2×Concurrency.
	Batch int
	// PageSize is how many events one read of the feed takes (1 to 1000);
	// 0 means DefaultPageSize.
	PageSize int
	// PollInterval is Run's pause when there is nothing to do; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// KeepDelivered is how long delivered deliveries are listed before
	// they are purged; 0 means DefaultKeepDelivered, negative keeps them.
	KeepDelivered time.Duration
	// Now is Run's clock; nil means time.Now. RunOnce takes the instant.
	Now func() time.Time
	// Jitter returns a number in [0, 1) for the backoff; nil means
	// math/rand/v2.Float64.
	Jitter func() float64
	// Logger receives failures and dead letters; nil logs nothing. An
	// endpoint paused by a dead delivery is logged at Error level.
	Logger *slog.Logger
	// Paused is told of every endpoint a dead delivery paused, once, as
	// it happens: the server tells the officers (the endpoint waits for
	// one of them to resume it or retry its dead deliveries). Nil tells
	// nothing beyond the log.
	Paused func(ctx context.Context, p Pause)
	// Reported is told what each of Run's rounds did: its report, and its
	// error (nil when the round ended because Run was stopping). Metrics
	// count deliveries with it; nil tells nothing.
	Reported func(rep Report, err error)
	// Transport replaces the HTTP transport, for tests that need one; the
	// default connects only where Policy allows. A replacement bypasses
	// that check.
	Transport http.RoundTripper
}

// Pause is an endpoint paused because a delivery to it died.
type Pause struct {
	EndpointID string
	URL        string
	DeliveryID string
	EventID    string
	At         time.Time
	Reason     string // the sentence stored as the endpoint's PausedReason
}

// Dispatcher fans the feed out into deliveries and sends them. Any number
// of Dispatchers, in any number of processes, may share one Store.
type Dispatcher struct {
	store       Store
	source      EventSource
	client      *http.Client
	maxAttempts int
	retryFor    time.Duration
	base, max   time.Duration
	lease       time.Duration
	concurrency int
	batch       int
	pageSize    int
	poll        time.Duration
	keep        time.Duration
	now         func() time.Time
	jitter      func() float64
	log         *slog.Logger
	reported    func(Report, error)
	paused      func(context.Context, Pause)

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// Report says what one RunOnce did.
type Report struct {
	Enqueued  int // deliveries created from new events
	Delivered int // attempts answered 2xx
	Failed    int // attempts that failed and will be tried again
	Dead      int // attempts that failed for the last time
	Paused    int // endpoints those paused
	Purged    int // old delivered deliveries deleted
}

// NewDispatcher returns a Dispatcher reading source into store. store and
// source are required; opts may be nil.
func NewDispatcher(store Store, source EventSource, opts *DispatcherOptions) (*Dispatcher, error) {
	if store == nil || source == nil {
		return nil, errors.New("webhook: NewDispatcher needs a Store and an EventSource")
	}
	var o DispatcherOptions
	if opts != nil {
		o = *opts
	}
	d := &Dispatcher{store: store, source: source, maxAttempts: o.MaxAttempts, base: o.BackoffBase, max: o.BackoffMax,
		lease: o.Lease, concurrency: o.Concurrency, batch: o.Batch, pageSize: o.PageSize, poll: o.PollInterval,
		keep: o.KeepDelivered, now: o.Now, jitter: o.Jitter, log: o.Logger, reported: o.Reported, paused: o.Paused, retryFor: o.RetryFor}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	defaults := []struct {
		v   *time.Duration
		def time.Duration
	}{{&d.base, DefaultBackoffBase}, {&d.max, DefaultBackoffMax}, {&d.poll, DefaultPollInterval}, {&d.keep, DefaultKeepDelivered}, {&d.retryFor, DefaultRetryFor}}
	for _, x := range defaults {
		if *x.v == 0 {
			*x.v = x.def
		}
	}
	for _, x := range []struct {
		v   *int
		def int
	}{{&d.maxAttempts, DefaultMaxAttempts}, {&d.concurrency, DefaultConcurrency}, {&d.pageSize, DefaultPageSize}} {
		if *x.v <= 0 {
			*x.v = x.def
		}
	}
	if d.batch <= 0 {
		d.batch = 2 * d.concurrency
	}
	rounds := (d.batch + d.concurrency - 1) / d.concurrency
	minLease := time.Duration(rounds)*timeout + leaseMargin
	if d.lease == 0 {
		d.lease = minLease
	}
	if d.lease < minLease {
		return nil, fmt.Errorf("webhook: NewDispatcher: Lease %s is shorter than a batch can take (%s)", d.lease, minLease)
	}
	if d.pageSize > 1000 {
		return nil, fmt.Errorf("webhook: NewDispatcher: PageSize %d is above 1000", d.pageSize)
	}
	if d.base < 0 || d.max < d.base {
		return nil, errors.New("webhook: NewDispatcher: BackoffBase must be positive and at most BackoffMax")
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.jitter == nil {
		d.jitter = rand.Float64
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	transport := o.Transport
	if transport == nil {
		dl := newDialer(o.Policy, o.Resolver, net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second})
		transport = &http.Transport{
			// Never a proxy from the environment: it would connect to the
			// endpoint on our behalf, past the address check.
			Proxy:                 nil,
			DialContext:           dl.DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   d.concurrency,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		}
	}
	d.client = &http.Client{
		Transport: transport,
		Timeout:   timeout,
		// A redirect is an answer, not an instruction: following it would
		// reach a URL nobody registered (and nobody checked).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d, nil
}

// Backoff is the wait after the n-th failed attempt (n from 1), before
// jitter: BackoffBase·2^(n-1), at most BackoffMax.
func (d *Dispatcher) Backoff(n int) time.Duration {
	w := d.base
	for i := 1; i < n && w < d.max; i++ {
		w *= 2
	}
	return min(w, d.max)
}

// wait is the jittered backoff: between half of Backoff(n) and all of it.
func (d *Dispatcher) wait(n int) time.Duration {
	b := d.Backoff(n)
	j := d.jitter()
	if j < 0 || j >= 1 {
		j = 0
	}
	return b/2 + time.Duration(j*float64(b/2))
}

// Run fans out and delivers until ctx ends, then returns nil. Errors of
// one round (a database that does not answer) are logged and the next
// round tries again.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rep, err := d.round(ctx, d.now)
		if err != nil && ctx.Err() == nil {
			d.log.ErrorContext(ctx, "webhooks", "err", err)
		}
		if d.reported != nil {
			if ctx.Err() != nil {
				err = nil // stopping, not a failure
			}
			d.reported(rep, err)
		}
		if rep != (Report{}) {
			d.log.InfoContext(ctx, "webhooks", "enqueued", rep.Enqueued, "delivered", rep.Delivered, "failed", rep.Failed, "dead", rep.Dead, "paused", rep.Paused, "purged", rep.Purged)
		}
		t.Reset(d.poll)
	}
}

// RunOnce fans out every event not yet fanned out, then sends every
// delivery due at now, and keeps sending as long as successes make the
// next delivery of a permit due, until nothing is due at now. Every
// attempt is stamped with now (its signature's timestamp too): this is
// the test's handle on time; Run reads the clock afresh for each claim
// and attempt.
func (d *Dispatcher) RunOnce(ctx context.Context, now time.Time) (Report, error) {
	return d.round(ctx, func() time.Time { return now })
}

func (d *Dispatcher) round(ctx context.Context, clock func() time.Time) (Report, error) {
	var rep Report
	n, err := d.fanOut(ctx, clock())
	rep.Enqueued = n
	if err != nil {
		return rep, err
	}
	for ctx.Err() == nil {
		// The lease runs from the claim, on the clock of that moment: a
		// long round must not hand out leases that have already ended.
		at := clock()
		claimed, err := d.store.Claim(ctx, at, at.Add(d.lease), d.batch)
		if err != nil {
			return rep, err
		}
		if len(claimed) == 0 {
			break
		}
		if err := d.sendAll(ctx, clock, claimed, &rep); err != nil {
			return rep, err
		}
	}
	if err := d.purge(ctx, clock(), &rep); err != nil {
		return rep, err
	}
	return rep, ctx.Err()
}

// fanOut pages the feed from the shared cursor and enqueues a delivery
// per event and endpoint that wants it. Losing the cursor to another
// instance is not an error: that instance enqueued those events.
func (d *Dispatcher) fanOut(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for ctx.Err() == nil {
		from, err := d.store.Cursor(ctx)
		if err != nil {
			return total, err
		}
		events, next, err := d.source.Events(ctx, from, d.pageSize)
		if err != nil {
			return total, fmt.Errorf("webhook: reading the event feed: %w", err)
		}
		if len(events) == 0 || next == from {
			return total, nil
		}
		endpoints, err := d.store.Endpoints(ctx)
		if err != nil {
			return total, err
		}
		var ds []Delivery
		for _, ev := range events {
			var body []byte
			for _, ep := range endpoints {
				if !ep.Wants(string(ev.Type)) {
					continue
				}
				if body == nil {
					if body, err = EventBody(ev); err != nil {
						return total, err
					}
				}
				ds = append(ds, Delivery{EndpointID: ep.ID, EventID: ev.ID, EventType: string(ev.Type), PermitID: ev.PermitID,
					AccountID: ev.AccountID, OrderKey: OrderKeyOf(ev), Body: body, NextAttemptAt: now, CreatedAt: now})
			}
		}
		err = d.store.Enqueue(ctx, from, next, ds)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return total, err
		}
		total += len(ds)
		if len(events) < d.pageSize {
			return total, nil
		}
	}
	return total, ctx.Err()
}

// EventBody is the JSON body delivered for an event: {id, type, at,
// actor, permit_id?, account_id?, data}, as in GET /v1/events.
func EventBody(e permit.Event) ([]byte, error) {
	b, err := json.Marshal(eventjson.Of(e))
	if err != nil {
		return nil, fmt.Errorf("webhook: encoding event %s: %w", e.ID, err)
	}
	return b, nil
}

// sendAll sends claimed deliveries, Concurrency at a time, and saves each
// result. Deliveries of one endpoint's permit never meet here: only one
// of a group is ever claimable.
func (d *Dispatcher) sendAll(ctx context.Context, clock func() time.Time, claimed []Delivery, rep *Report) error {
	endpoints := map[string]*Endpoint{}
	pausedNow := map[string]bool{}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		sem  = make(chan struct{}, d.concurrency)
	)
	for _, dl := range claimed {
		ep, ok := endpoints[dl.EndpointID]
		if !ok {
			e, err := d.store.Endpoint(ctx, dl.EndpointID)
			switch {
			case errors.Is(err, ErrNotFound):
				ep = nil // deleted since: its deliveries went with it
			case err != nil:
				return err
			default:
				ep = &e
			}
			endpoints[dl.EndpointID] = ep
		}
		if ep == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := d.attempt(ctx, clock(), *ep, dl)
			if ctx.Err() != nil {
				// Stopping: the attempt was cut short by us, not the
				// receiver. Its lease runs out and it is tried again.
				return
			}
			err := d.store.Complete(ctx, res)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrLeaseLost):
				d.log.WarnContext(ctx, "webhook result not saved: lease lost", "delivery_id", dl.ID, "endpoint_id", dl.EndpointID)
			case err != nil:
				errs = append(errs, err)
			case res.Status == StatusDelivered:
				rep.Delivered++
			case res.Status == StatusDead:
				rep.Dead++
				d.log.WarnContext(ctx, "webhook delivery dead", "delivery_id", dl.ID, "endpoint_id", dl.EndpointID, "event_id", dl.EventID, "attempts", dl.Attempts+1, "err", res.Error)
				if ep.PausedAt.IsZero() && !pausedNow[ep.ID] {
					// The store paused the endpoint with the result (unless
					// another delivery's death had just paused it; then
					// this notice repeats that one's news).
					rep.Paused++
					pausedNow[ep.ID] = true
					p := Pause{EndpointID: ep.ID, URL: ep.URL, DeliveryID: dl.ID, EventID: dl.EventID, At: res.At, Reason: res.PauseReason}
					d.log.ErrorContext(ctx, "webhook endpoint paused", "endpoint_id", p.EndpointID, "delivery_id", p.DeliveryID, "event_id", p.EventID, "reason", p.Reason)
					if d.paused != nil {
						d.paused(ctx, p)
					}
				}
			default:
				rep.Failed++
				d.log.InfoContext(ctx, "webhook attempt failed", "delivery_id", dl.ID, "endpoint_id", dl.EndpointID, "event_id", dl.EventID, "attempt", dl.Attempts+1, "next_attempt_at", res.NextAttemptAt, "err", res.Error)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// attempt sends one delivery and says what became of it.
func (d *Dispatcher) attempt(ctx context.Context, now time.Time, ep Endpoint, dl Delivery) Result {
	res := Result{DeliveryID: dl.ID, LeaseToken: dl.LeaseToken, At: now}
	code, err := d.post(ctx, now, ep, dl)
	res.StatusCode = code
	if err == nil {
		res.Status = StatusDelivered
		return res
	}
	res.Error = clip(err.Error(), maxErrorLength)
	n := dl.Attempts + 1
	since := dl.RetryingSince
	if since.IsZero() {
		since = dl.CreatedAt
	}
	next := now.Add(d.wait(n))
	if n >= d.maxAttempts || next.After(since.Add(d.retryFor)) {
		res.Status = StatusDead
		res.PauseReason = fmt.Sprintf("Delivery %s (event %s) failed %d times over %s; the last attempt: %s. Fix the receiver, then retry the dead deliveries or resume the webhook.",
			dl.ID, dl.EventID, n, now.Sub(since).Round(time.Minute), res.Error)
		return res
	}
	res.Status, res.NextAttemptAt = StatusPending, next
	return res
}

// post makes the request; a nil error means a 2xx answer.
func (d *Dispatcher) post(ctx context.Context, now time.Time, ep Endpoint, dl Delivery) (int, error) {
	req, err := http.NewRequestWithContext(withScheme(ctx, ep.URL), http.MethodPost, ep.URL, bytes.NewReader(dl.Body))
	if err != nil {
		return 0, fmt.Errorf("bad endpoint URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "carerpermit-webhooks/1")
	req.Header.Set(SignatureHeader, SignAll(ep.Secrets(now), now, dl.Body))
	req.Header.Set(EventIDHeader, dl.EventID)
	req.Header.Set(EventTypeHeader, dl.EventType)
	req.Header.Set(DeliveryIDHeader, dl.ID)
	req.Header.Set(AttemptHeader, strconv.Itoa(dl.Attempts+1))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("HTTP %d: redirects are not followed; register the final URL", resp.StatusCode)
	}
	return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
}

// describe turns a client error into a sentence for an officer: what
// happened, without Go's wrapping of the request line.
func describe(err error) error {
	var (
		ue *URLError
		ne net.Error
	)
	switch {
	case errors.As(err, &ue):
		return fmt.Errorf("address refused: %s", ue.Reason)
	case errors.Is(err, context.Canceled):
		return errors.New("stopped: the server is shutting down")
	case errors.As(err, &ne) && ne.Timeout():
		return errors.New("timed out")
	}
	var le *url.Error
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// purge deletes old delivered deliveries, at most once an hour.
func (d *Dispatcher) purge(ctx context.Context, now time.Time, rep *Report) error {
	if d.keep < 0 {
		return nil
	}
	d.purgeMu.Lock()
	due := d.lastPurge.IsZero() || now.Sub(d.lastPurge) >= time.Hour || now.Before(d.lastPurge)
	if due {
		d.lastPurge = now
	}
	d.purgeMu.Unlock()
	if !due {
		return nil
	}
	n, err := d.store.PurgeDelivered(ctx, now.Add(-d.keep))
	rep.Purged = n
	return err
}
