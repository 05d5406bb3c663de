package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
)

// loadClients is how many clients send at once (the figure).
const loadClients = 32

// benchDB is the database of the load benchmarks: SQLite, or PostgreSQL
// with BENCH_POSTGRES=1 and CARERPERMIT_POSTGRES_DSN set.
func benchDB(b *testing.B) string {
	if os.Getenv("BENCH_POSTGRES") == "1" {
		if dsn := os.Getenv("CARERPERMIT_POSTGRES_DSN"); dsn != "" {
			return postgresSchema(b, dsn)
		}
		b.Skip("BENCH_POSTGRES=1 needs CARERPERMIT_POSTGRES_DSN")
	}
	return databases(b)["sqlite"](b)
}

// inZoneUPRNs returns n properties in permit zones, each a separate
// address, so that every account has its own free allowance.
func inZoneUPRNs(b *testing.B, n int) []string {
	g, err := leicestershire.Gazetteer()
	require.NoError(b, err)
	var out []string
	for p := range g.All() {
		if !p.Zone.IsZero() {
			out = append(out, p.UPRN.String())
			if len(out) == n {
				break
			}
		}
	}
	require.Len(b, out, n)
	return out
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * loadClients, MaxIdleConnsPerHost: 2 * loadClients}, Timeout: 30 * time.Second}
}

// load sends n requests from loadClients goroutines; req makes the i-th.
// It reports requests per second and latency percentiles.
func load(b *testing.B, client *http.Client, n int, req func(i int) *http.Request, want int) {
	var next atomic.Int64
	lat := make([][]time.Duration, loadClients)
	var failed atomic.Int64
	var firstErr sync.Once
	var errMsg string
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range loadClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r := req(i)
				t0 := time.Now()
				resp, err := client.Do(r)
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != want {
						err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
					}
				}
				lat[c] = append(lat[c], time.Since(t0))
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { errMsg = err.Error() })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	require.Zero(b, failed.Load(), "failed requests, first: %s", errMsg)
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op") // per-op time means little for a concurrent load
}

func postJSON(b *testing.B, c *http.Client, url, token string, body any) map[string]any {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(b, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.Equal(b, 201, resp.StatusCode, "%s", out)
	var m map[string]any
	require.NoError(b, json.Unmarshal(out, &m))
	return m
}

// openAccounts opens one account per property, 32 at a time.
func openAccounts(b *testing.B, c *http.Client, base string, uprns []string) (ids, tokens []string) {
	ids, tokens = make([]string, len(uprns)), make([]string, len(uprns))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range loadClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(uprns) {
					return
				}
				m := postJSON(b, c, base+"/v1/accounts", "", map[string]any{"name": "Load Test", "email": "load.test@example.com", "uprn": uprns[i]})
				ids[i], tokens[i] = m["id"].(string), m["token"].(string)
			}
		})
	}
	wg.Wait()
	return ids, tokens
}

// BenchmarkEligibilityHTTP: GET /v1/accounts/{id}/eligibility through a
// real client and the real server on SQLite, 32 clients at once, each
// request authenticated with the account's own token.
//
//	go test ./examples/permitd -run '^$' -bench EligibilityHTTP -benchtime 20000x
func BenchmarkEligibilityHTTP(b *testing.B) {
	s := startServer(b, benchDB(b), "--account-creation-rate", "off")
	c := benchClient()
	ids, tokens := openAccounts(b, c, s.base, inZoneUPRNs(b, 200))
	req := func(i int) *http.Request {
		k := i % len(ids)
		r, _ := http.NewRequest("GET", s.base+"/v1/accounts/"+ids[k]+"/eligibility?type=essential-carer", nil)
		r.Header.Set("Authorization", "Bearer "+tokens[k])
		return r
	}
	load(b, c, max(b.N, 1000), req, http.StatusOK)
}

// BenchmarkApplyHTTP: full applications (POST /v1/accounts/{id}/permits:
// eligibility, evidence check, free-slot claim, insert and event in one
// transaction), one per account at its own address, 32 clients at once.
//
//	go test ./examples/permitd -run '^$' -bench ApplyHTTP -benchtime 5000x
func BenchmarkApplyHTTP(b *testing.B) {
	applyLoad(b, false, nil)
}

// BenchmarkApplyHTTPPaid (issue 15): paid applications ("pay": true) on
// the simulated provider's hosted page (--payments fake, the default):
// each stores the application awaiting payment, starts the payment with
// the provider (in the same database) and records it on the permit, and
// answers with its next_url; 32 clients at once.
//
//	go test ./examples/permitd -run '^$' -bench ApplyHTTPPaid -benchtime 5000x
func BenchmarkApplyHTTPPaid(b *testing.B) {
	applyLoad(b, true, nil)
}

// BenchmarkApplyHTTPNotify is BenchmarkApplyHTTP with permitd sending
// through GOV.UK Notify (--notify govuknotify), the fake Notify answering
// each message in 200 ms: the figures stay BenchmarkApplyHTTP's, since a
// request only records its message (adapters/notifyoutbox) and the
// sender hands it to Notify afterwards.
//
//	go test ./examples/permitd -run '^$' -bench 'ApplyHTTP' -benchtime 1000x
func BenchmarkApplyHTTPNotify(b *testing.B) {
	fake, url := slowNotify(b, 200*time.Millisecond)
	applyLoad(b, false, map[string]string{"PERMITD_NOTIFY_API_KEY": fake.APIKey(), "PERMITD_NOTIFY_URL": url},
		"--notify", "govuknotify", "--notify-templates", notifyTemplatesFile(b))
	b.ReportMetric(float64(len(fake.Sent())), "sent_by_end")
}

func applyLoad(b *testing.B, pay bool, env map[string]string, args ...string) {
	n := max(b.N, 500)
	s := startServerEnv(b, benchDB(b), env, append([]string{"--account-creation-rate", "off"}, args...)...)
	c := benchClient()
	ids, tokens := openAccounts(b, c, s.base, inZoneUPRNs(b, n))
	issued := time.Now().AddDate(0, 0, -7).Format(time.DateOnly)
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i], _ = json.Marshal(map[string]any{"type": "essential-carer", "vrm": fmt.Sprintf("LT%02dABC", i%100), "pay": pay,
			"evidence": []map[string]any{{"kind": "proof_of_care", "issued_on": issued, "name": "Load Test"}}})
	}
	req := func(i int) *http.Request {
		r, _ := http.NewRequest("POST", s.base+"/v1/accounts/"+ids[i]+"/permits", bytes.NewReader(bodies[i]))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+tokens[i])
		return r
	}
	load(b, c, n, req, http.StatusCreated)
}
