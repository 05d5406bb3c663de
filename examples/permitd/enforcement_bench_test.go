package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// BenchmarkEnforcementHTTP: GET /v1/enforcement/vehicles/{vrm} through a
// real client and the real server on SQLite holding 1,000,000 permits
// (250,000 households), 32 clients at once with an officer token, 100,000
// look-ups. Four in five are of a vehicle with a permit (typed as an
// officer reads it, lower case with a space), one in ten of those in
// another zone than its permit's; one in five is of a vehicle with none.
// Targets: 20,000 look-ups/s, p99 under 5 ms. The permits are stored once,
// before the server starts (a minute or two):
//
//	go test ./examples/permitd -run '^$' -bench EnforcementHTTP -benchtime 1x
//
// BENCH_CLIENTS=16 changes the number of clients; BENCH_SQLITE_PRAGMA adds
// pragmas to the server's SQLite URI (e.g. _pragma=mmap_size(2147483648));
// BENCH_POSTGRES=1 with CARERPERMIT_POSTGRES_DSN runs it on PostgreSQL.
func BenchmarkEnforcementHTTP(b *testing.B) {
	const permits, lookUps = 1_000_000, 100_000
	db := benchDB(b)
	start := time.Now()
	zs := storeMillionPermits(b, db, permits)
	b.Logf("stored %d permits in %s", permits, time.Since(start).Round(time.Second))

	if p := os.Getenv("BENCH_SQLITE_PRAGMA"); p != "" && !strings.HasPrefix(db, "postgres") {
		db = "file:" + db + "?" + p // e.g. _pragma=mmap_size(1073741824)
	}
	s := startServer(b, db)
	c := benchClient()
	paths := make([]string, lookUps)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range paths {
		k := rng.IntN(permits)
		vrm := fmt.Sprintf("e%d %05d", k/100000, k%100000) // as typed: "e3 04211" is E304211
		if rng.IntN(5) == 0 {
			vrm = fmt.Sprintf("n%d %05d", k/100000, k%100000) // no permit
		}
		zone := zs[k%len(zs)].ID
		if rng.IntN(10) == 0 {
			zone = zs[(k+1)%len(zs)].ID
		}
		paths[i] = s.base + "/v1/enforcement/vehicles/" + url.PathEscape(vrm) + "?zone=" + zone
	}
	req := func(i int) *http.Request {
		r, _ := http.NewRequest("GET", paths[i], nil)
		r.Header.Set("Authorization", "Bearer "+testOfficerToken)
		return r
	}
	// b.Loop runs the function once, so the million permits are stored
	// once; each iteration is the whole load.
	var st loadStats
	for b.Loop() {
		st = fire(b, c, lookUps, req, http.StatusOK)
	}
	b.ReportMetric(st.perSecond, "req/s")
	b.ReportMetric(st.p50, "p50_ms")
	b.ReportMetric(st.p99, "p99_ms")
	b.ReportMetric(0, "ns/op")
}

type loadStats struct{ perSecond, p50, p99 float64 }

// fire sends n requests from loadClients goroutines, as load does, and
// returns the rate and latency percentiles; any failed request fails b.
func fire(b *testing.B, client *http.Client, n int, req func(i int) *http.Request, want int) loadStats {
	var next, failed atomic.Int64
	var once sync.Once
	var first string
	clients := loadClients
	if v, err := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				resp, err := client.Do(req(i))
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
					once.Do(func() { first = err.Error() })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	require.Zero(b, failed.Load(), "failed requests, first: %s", first)
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000 }
	return loadStats{perSecond: float64(n) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}

// storeMillionPermits fills the database at db with n permits of n/4
// accounts through the store's own transactions (10,000 rows each), before
// any server opens it, and returns the zones they are in. Permit k has
// registration E<k as 6 digits> and is in force today (by the wall clock,
// which the server without a test clock uses) in zone k mod 17, except
// one in ten: expired, cancelled, upcoming or pending review.
func storeMillionPermits(b *testing.B, db string, n int) []zones.Zone {
	b.Helper()
	scheme, err := leicestershire.Scheme()
	require.NoError(b, err)
	zs := scheme.Rules.Zones
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db, nil)
	require.NoError(b, err)
	defer func() { require.NoError(b, st.Close()) }()

	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	price := decimal.RequireFromString("55.00")
	const perTx = 10000
	for from := 0; from < n; from += perTx {
		err := st.Update(ctx, func(tx permit.Tx) error {
			for k := from; k < min(from+perTx, n); k++ {
				z := zs[k%len(zs)]
				if k%4 == 0 {
					a := permit.Account{ID: fmt.Sprintf("acc-%07d", k/4), Name: fmt.Sprintf("Resident %d", k/4), Email: fmt.Sprintf("r%d@example.org", k/4),
						UPRN: zones.UPRN(100000000000 + k/4), Address: fmt.Sprintf("%d Test Street", k/4), Zone: z, CreatedAt: now, UpdatedAt: now}
					if err := tx.CreateAccount(a); err != nil {
						return err
					}
				}
				starts := today.AddDate(0, 0, -(k % 300))
				p := permit.Permit{
					ID: fmt.Sprintf("per-%07d", k), AccountID: fmt.Sprintf("acc-%07d", k/4), Type: "essential-carer", Status: permit.Approved,
					Price: price, Payment: &permit.Payment{ID: fmt.Sprintf("pay-%07d", k), Status: permit.PaymentCaptured, Amount: price, Refunded: decimal.Zero},
					VRM: permit.VRM(fmt.Sprintf("E%06d", k)), UPRN: zones.UPRN(100000000000 + k/4), Address: fmt.Sprintf("%d Test Street", k/4), Zone: z,
					StartsOn: starts, ExpiresOn: starts.AddDate(1, 0, -1), ChainID: fmt.Sprintf("per-%07d", k),
					Evidence:  []evidence.Document{{Kind: "proof_of_care", IssuedOn: starts.AddDate(0, 0, -20), Name: "Resident"}},
					CreatedAt: now, UpdatedAt: now,
				}
				switch k % 10 {
				case 1:
					p.StartsOn, p.ExpiresOn = today.AddDate(-1, 0, -10), today.AddDate(0, 0, -11)
				case 2:
					p.Status = permit.Cancelled
					p.Cancellation = &permit.Cancellation{At: now, By: "account:x", Reason: "moved", Refund: decimal.Zero}
				case 3:
					p.StartsOn, p.ExpiresOn = today.AddDate(0, 0, 5), today.AddDate(1, 0, 4)
				case 4:
					p.Status = permit.PendingReview
				}
				if k%50 == 5 {
					p.PendingVehicleChange = &permit.VehicleChange{ID: fmt.Sprintf("vc-%07d", k), VRM: permit.VRM(fmt.Sprintf("F%06d", k)),
						EffectiveOn: today.AddDate(0, 0, 20), RequestedAt: now}
				}
				if err := tx.CreatePermit(p); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(b, err)
	}
	return zs
}
