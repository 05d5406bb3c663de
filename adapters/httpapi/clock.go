package httpapi

import (
	"sync"
	"time"
)

// TestClock is the evaluation server's movable clock (docs/API.md "Test
// clock"): until it is first set it reads the wall clock; once set it
// stands still at that instant until set again, like a Stripe test clock,
// so that a test's dates do not drift while it runs. Safe for concurrent
// use.
type TestClock struct {
	mu  sync.RWMutex
	at  time.Time
	set bool
}

// NewTestClock returns a clock that reads the wall clock until Set.
func NewTestClock() *TestClock { return &TestClock{} }

// Now is the clock's time, in UTC.
func (c *TestClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.set {
		return time.Now().UTC()
	}
	return c.at
}

// Set stops the clock at t.
func (c *TestClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.set = t.UTC(), true
}
