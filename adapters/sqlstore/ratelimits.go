package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RateLimits keeps the request counters of the HTTP API's rate limits in
// the store's database (table rate_limits): a server's
// httpapi.RateCounter, so that every instance on the database counts the
// same requests and a restart forgets nothing. Safe for concurrent use.
type RateLimits struct {
	s *Store
}

// RateLimits returns the store's rate-limit counters.
func (s *Store) RateLimits() *RateLimits { return &RateLimits{s: s} }

// Hit counts one request for key in the fixed window of length window
// that contains at (windows start at whole multiples of window since the
// Unix epoch, UTC) and returns how many the window now holds and when it
// ends, in one statement. The first hit of a window also deletes the
// windows that have ended. A window below a microsecond is refused; a
// database that cannot be reached wraps ErrUnavailable.
func (r *RateLimits) Hit(ctx context.Context, key string, at time.Time, window time.Duration) (int, time.Time, error) {
	if window < time.Microsecond {
		return 0, time.Time{}, fmt.Errorf("sqlstore: rate window %s: at least a microsecond", window)
	}
	if key == "" {
		return 0, time.Time{}, errors.New("sqlstore: rate limit key is empty")
	}
	s := r.s
	start := at.UTC().Truncate(window)
	end := start.Add(window)
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer unlock()
	var hits int
	err = s.db.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO rate_limits (key, window_start, window_end, hits) VALUES (?, ?, ?, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits`), key, s.d.Instant(start), s.d.Instant(end)).Scan(&hits)
	if err != nil {
		return 0, time.Time{}, s.describe("counting a request for a rate limit", err)
	}
	if hits == 1 {
		if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM rate_limits WHERE window_end <= ?`), s.d.Instant(at)); err != nil {
			return 0, time.Time{}, s.describe("forgetting ended rate-limit windows", err)
		}
	}
	return hits, end, nil
}
