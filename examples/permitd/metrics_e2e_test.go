package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scrape fetches a metrics page with a plain client (GET /metrics is the
// server's, not in openapi.json): its status and body.
func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// sample is the value of one series (name and labels exactly as
// exposed), -1 when the page does not have it.
func sample(page, series string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return f
		}
	}
	return -1
}

// TestMetrics scrapes GET /metrics after a short journey (account, apply,
// approve, a paid application refused, a vehicle change applied by the
// due jobs, a webhook delivered): the counts moved, labels hold route
// patterns and no IDs, and only officers may read it on the main listener.
func TestMetrics(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			const officer = testOfficerToken
			s := startServer(t, db(t), "--test-clock", "--webhook-allow-loopback", "--payments", "instant")
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(receiver.Close)
			s.setClock("2026-12-01T10:00:00Z")
			s.must(201, "POST", "/v1/webhooks", officer, map[string]any{"url": receiver.URL + "/hooks"})

			jane := s.open("Jane Smith", s.find("le113ab", "12")["uprn"].(string))
			free := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
				map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", "2026-11-20")})
			pid := free["id"].(string)
			s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)
			paid := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
				map[string]any{"type": "essential-carer", "vrm": "XY34ZZZ", "evidence": careLetter("Jane Smith", "2026-11-20")})
			s.must(200, "POST", "/v1/permits/"+paid["id"].(string)+"/reject", officer,
				map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for."})
			s.must(202, "POST", "/v1/permits/"+pid+"/vehicle-changes", jane.token, map[string]any{"vrm": "EF56GHJ", "effective_on": "2026-12-10"})
			require.EqualValues(t, 1, s.setClock("2026-12-10T00:00:30Z")["vehicle_changes_applied"])
			s.problem(404, "not_found", "GET", "/v1/permits/per_nosuchpermit", officer, nil)

			// Only officers read it on the main listener.
			status, page := scrape(t, s.base+"/metrics", "")
			require.Equal(t, 401, status, page)
			require.Contains(t, page, `"code":"unauthorized"`)
			status, _ = scrape(t, s.base+"/metrics", "wrong-token")
			require.Equal(t, 401, status)
			status, page = scrape(t, s.base+"/metrics", jane.token)
			require.Equal(t, 403, status, page)
			require.Contains(t, page, `"code":"forbidden"`)

			// The webhook dispatcher (polling each second) delivers the events.
			require.Eventually(t, func() bool {
				_, page := scrape(t, s.base+"/metrics", officer)
				return sample(page, `carerpermit_webhook_deliveries_total{result="delivered"}`) >= 1 &&
					sample(page, `carerpermit_webhook_backlog{status="pending"}`) == 0
			}, 20*time.Second, 100*time.Millisecond, "webhook deliveries counted")
			status, page = scrape(t, s.base+"/metrics", officer)
			require.Equal(t, 200, status, page)

			for series, want := range map[string]float64{
				`carerpermit_http_requests_total{route="POST /v1/accounts",status="201"}`:                1,
				`carerpermit_http_requests_total{route="POST /v1/accounts/{id}/permits",status="201"}`:   2,
				`carerpermit_http_requests_total{route="POST /v1/permits/{id}/approve",status="200"}`:    1,
				`carerpermit_http_requests_total{route="GET /v1/permits/{id}",status="404"}`:             1,
				`carerpermit_http_requests_total{route="POST /v1/webhooks",status="201"}`:                1,
				`carerpermit_http_requests_total{route="GET /metrics",status="401"}`:                     2,
				`carerpermit_http_requests_total{route="GET /metrics",status="403"}`:                     1,
				`carerpermit_http_request_duration_seconds_count{route="POST /v1/permits/{id}/approve"}`: 1,
				`carerpermit_events_total{type="account.created"}`:                                       1,
				`carerpermit_events_total{type="permit.vehicle_changed"}`:                                1,
				`carerpermit_permit_outcomes_total{charge="free",outcome="applied"}`:                     1,
				`carerpermit_permit_outcomes_total{charge="free",outcome="approved"}`:                    1,
				`carerpermit_permit_outcomes_total{charge="paid",outcome="applied"}`:                     1,
				`carerpermit_permit_outcomes_total{charge="paid",outcome="rejected"}`:                    1,
				`carerpermit_due_runs_total{result="ok"}`:                                                2,
				`carerpermit_due_items_total{job="vehicle_changes_applied"}`:                             1,
				`carerpermit_due_items_total{job="reminders_sent"}`:                                      0,
				`carerpermit_payment_calls_total{operation="authorise",result="ok"}`:                     1,
				`carerpermit_payment_calls_total{operation="void",result="ok"}`:                          1,
				`carerpermit_notifier_calls_total{kind="approved",result="ok"}`:                          1,
				`carerpermit_notifier_calls_total{kind="rejected",result="ok"}`:                          1,
				`carerpermit_webhook_backlog{status="dead"}`:                                             0,
				`carerpermit_webhook_dispatch_errors_total`:                                              0,
			} {
				require.Equal(t, want, sample(page, series), series)
			}
			require.GreaterOrEqual(t, sample(page, `go_sql_max_open_connections{db_name="carerpermit"}`), 1.0, "the database pool")
			require.Positive(t, sample(page, `carerpermit_http_request_duration_seconds_bucket{route="POST /v1/accounts",le="+Inf"}`))
			for _, private := range []string{jane.id, pid, "per_nosuchpermit", "AB12CDE", "EF56GHJ", "LE11"} {
				require.NotContains(t, page, private, "labels hold no IDs or personal data")
			}
		})
	}
}

var metricsLine = regexp.MustCompile(`metrics on (http://\S+/metrics)`)

// TestMetricsAddr: with --metrics-addr the page is served there without a
// token, and not on the main listener.
func TestMetricsAddr(t *testing.T) {
	s := startServer(t, databases(t)["sqlite"](t), "--metrics-addr", "127.0.0.1:0")
	var url string
	require.Eventually(t, func() bool {
		m := metricsLine.FindStringSubmatch(s.out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "the metrics listener's line")
	require.NotEqual(t, s.base+"/metrics", url)

	s.open("Jane Smith", s.find("le113ab", "12")["uprn"].(string))
	status, page := scrape(t, url, "")
	require.Equal(t, 200, status, page)
	require.Equal(t, 1.0, sample(page, `carerpermit_http_requests_total{route="POST /v1/accounts",status="201"}`))
	require.Eventually(t, func() bool {
		_, page := scrape(t, url, "")
		return sample(page, `carerpermit_due_runs_total{result="ok"}`) == 1
	}, 10*time.Second, 10*time.Millisecond, "the due jobs ran once at start, on the wall clock")
	status, _ = scrape(t, s.base+"/metrics", testOfficerToken)
	require.Equal(t, 404, status, "not on the main listener")
	status, _ = scrape(t, strings.TrimSuffix(url, "/metrics")+"/v1/accounts", "")
	require.Equal(t, 404, status, "only the metrics on the metrics listener")

	_, err := parseConfig([]string{"--metrics-addr", "127.0.0.1:9"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	c, err := parseConfig(nil, func(k string) string {
		return map[string]string{"PERMITD_METRICS_ADDR": "127.0.0.1:9100"}[k]
	}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9100", c.metricsAddr)
}
