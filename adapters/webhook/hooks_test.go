package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
)

// HandlerOptions.Observe hears every request by route pattern, never the
// path with its IDs.
func TestHandlerObserve(t *testing.T) {
	type seen struct {
		route  string
		status int
	}
	var got []seen
	h, err := webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{Authorize: authorize,
		Observe: func(route string, status int, _ time.Duration) { got = append(got, seen{route, status}) }})
	require.NoError(t, err)
	for _, r := range []struct{ path, token string }{
		{"/v1/webhooks/wh_0123456789", officerToken},
		{"/v1/webhooks", ""},
		{"/v1/webhooks/wh_1/nothing", officerToken},
	} {
		req := httptest.NewRequest("GET", r.path, nil)
		if r.token != "" {
			req.Header.Set("Authorization", "Bearer "+r.token)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.Equal(t, []seen{{"GET /v1/webhooks/{id}", 404}, {"GET /v1/webhooks", 401}, {"", 404}}, got)
}

// DispatcherOptions.Reported hears each of Run's rounds.
func TestDispatcherReported(t *testing.T) {
	s, f := webhook.NewMemoryStore(), &feed{}
	rc := newReceiver(t, func(request, int) int { return http.StatusNoContent })
	register(t, s, "wh_a", rc.URL+"/hook")
	f.add(permit.EventPermitApplied, "p1", "a1")
	f.add(permit.EventPermitApproved, "p1", "a1")
	var (
		mu     sync.Mutex
		total  webhook.Report
		failed []error
	)
	opts := testOptions()
	opts.PollInterval = 10 * time.Millisecond
	opts.Reported = func(r webhook.Report, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed = append(failed, err)
		}
		total.Enqueued += r.Enqueued
		total.Delivered += r.Delivered
	}
	d, err := webhook.NewDispatcher(s, f, opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return total == webhook.Report{Enqueued: 2, Delivered: 2}
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	require.Empty(t, failed, "stopping is not reported as a failure")
}
