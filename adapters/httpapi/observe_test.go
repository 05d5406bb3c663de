package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

type observed struct {
	route  string
	status int
}

// TestObserveAndMetrics: Options.Observe hears every request by route
// pattern (never the path with its IDs), and Options.Metrics is served at
// GET /metrics to officers only.
func TestObserveAndMetrics(t *testing.T) {
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	svc, err := permit.NewService(loadScheme(t), memstore.New(), g, fakepay.New(), nil)
	require.NoError(t, err)
	auth, err := httpapi.NewTokenAuth(svc, []string{officerToken})
	require.NoError(t, err)
	var (
		mu  sync.Mutex
		got []observed
	)
	observe := func(route string, status int, elapsed time.Duration) {
		require.GreaterOrEqual(t, elapsed, time.Duration(0))
		mu.Lock()
		defer mu.Unlock()
		got = append(got, observed{route, status})
	}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte("carerpermit_up 1\n"))
	})
	with, err := httpapi.New(svc, g, auth, &httpapi.Options{Observe: observe, Metrics: metrics})
	require.NoError(t, err)
	without, err := httpapi.New(svc, g, auth, nil)
	require.NoError(t, err)

	send := func(h http.Handler, path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name, path, token string
		status            int
		route             string
	}{
		{"a permit by its ID", "/v1/permits/per_0123456789abcdef", officerToken, 404, "GET /v1/permits/{id}"},
		{"a registration", "/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3", officerToken, 200, "GET /v1/enforcement/vehicles/{vrm}"},
		{"no such path", "/v1/nothing/here", "", 404, ""},
		{"metrics without a token", "/metrics", "", 401, "GET /metrics"},
		{"metrics with a wrong token", "/metrics", "not-a-token", 401, "GET /metrics"},
		{"metrics to an officer", "/metrics", officerToken, 200, "GET /metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			rec := send(with, tt.path, tt.token)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []observed{{tt.route, tt.status}}, got)
		})
	}
	require.Equal(t, "carerpermit_up 1\n", send(with, "/metrics", officerToken).Body.String())
	require.Equal(t, 404, send(without, "/metrics", officerToken).Code, "no Metrics, no route")
}
