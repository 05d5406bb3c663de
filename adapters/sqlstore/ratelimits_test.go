package sqlstore_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
)

// The store's rate-limit counters are the server's httpapi.RateCounter.
var _ httpapi.RateCounter = (*sqlstore.RateLimits)(nil)

// Issue 11, defect 5: the counters of the rate limits live in the
// database, so that two instances (two stores on one database) and a
// restart count the same requests; they agree with httpapi.MemoryRates.
func TestRateLimitsCountAcrossInstances(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		a, b := openStore(t, dsn, nil).RateLimits(), openStore(t, dsn, nil).RateLimits()
		mem := httpapi.NewMemoryRates()
		at := time.Date(2026, 11, 2, 10, 0, 30, 0, time.UTC)
		for i, c := range []struct {
			rl   httpapi.RateCounter
			key  string
			at   time.Time
			want int
		}{
			{a, "accounts:203.0.113.9", at, 1},
			{b, "accounts:203.0.113.9", at.Add(10 * time.Second), 2},
			{a, "accounts:203.0.113.10", at, 1},
			{b, "accounts:203.0.113.9", at.Add(29 * time.Second), 3},
			{a, "accounts:203.0.113.9", at.Add(30 * time.Second), 1}, // 10:01:00, a new window
		} {
			n, end, err := c.rl.Hit(t.Context(), c.key, c.at, time.Minute)
			require.NoError(t, err, "hit %d", i)
			require.Equal(t, c.want, n, "hit %d", i)
			_, wantEnd := httpapi.WindowOf(c.at, time.Minute)
			require.True(t, wantEnd.Equal(end), "hit %d ends %s", i, end)
			m, _, err := mem.Hit(t.Context(), c.key, c.at, time.Minute)
			require.NoError(t, err)
			require.Equal(t, m, n, "the memory counter agrees, hit %d", i)
		}
		// A restart (a new store on the same database) remembers.
		n, _, err := openStore(t, dsn, nil).RateLimits().Hit(t.Context(), "accounts:203.0.113.9", at.Add(40*time.Second), time.Minute)
		require.NoError(t, err)
		require.Equal(t, 2, n)

		// Concurrent hits are each counted once.
		const workers = 20
		got := make([]int, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				rl := a
				if i%2 == 1 {
					rl = b
				}
				n, _, err := rl.Hit(t.Context(), "accounts:198.51.100.1", at, time.Hour)
				require.NoError(t, err)
				got[i] = n
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			require.Equal(t, i+1, n)
		}
	})
}
