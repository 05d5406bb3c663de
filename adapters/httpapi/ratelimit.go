package httpapi

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate limits per client address (issue 11, defect 5: one client opened
// 16,232 accounts in 45 seconds). A limit allows Max requests of one kind
// from one client address in each fixed window of length Per; one more is
// 429 rate_limited with Retry-After, the seconds until the window ends.
// The counters live behind a RateCounter, in the database for a real
// server (adapters/sqlstore's RateLimits), so every instance counts the
// same requests and a restart forgets nothing.
//
// The client address is the connection's, unless the connection comes
// from a trusted proxy (Options.TrustedProxies): then X-Forwarded-For is
// read from the right, skipping trusted proxies, and the first address
// that is not one is the client. An X-Forwarded-For from anyone else is
// ignored, since a client could write anything there. IPv6 clients are
// counted per /64, the block one household or device is normally given.

// RateCounter counts requests per key in fixed windows. Keys arrive made
// by the limiter ("accounts:203.0.113.9"). Implementations must be safe
// for concurrent use, and a server's must be shared by all its instances.
type RateCounter interface {
	// Hit counts one request for key in the window of length window that
	// contains at (windows start at whole multiples of window since the
	// Unix epoch) and returns how many the window holds with this one,
	// and when it ends. Windows that have ended may be forgotten.
	Hit(ctx context.Context, key string, at time.Time, window time.Duration) (count int, ends time.Time, err error)
}

// RateLimit allows Max requests per Per from one client address. The zero
// RateLimit allows everything.
type RateLimit struct {
	Max int
	Per time.Duration
}

// Off reports whether the limit allows everything.
func (l RateLimit) Off() bool { return l.Max <= 0 || l.Per <= 0 }

func (l RateLimit) String() string {
	if l.Off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", l.Max, l.Per)
}

// ParseRateLimit reads a limit written "N/duration" ("10/1h", "30/10m"),
// or "off" (or "0") for none.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return RateLimit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	max, err := strconv.Atoi(n)
	if !ok || err != nil || max < 1 {
		return RateLimit{}, fmt.Errorf("rate %q: write a number of requests and a duration, such as 10/1h, or off", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second {
		return RateLimit{}, fmt.Errorf("rate %q: the duration after / must be one second or more, such as 1h or 10m", s)
	}
	return RateLimit{Max: max, Per: d}, nil
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 192.0.2.7").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: give an address or a CIDR prefix, such as 10.0.0.0/8", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// limiter applies one RateLimit to one kind of request.
type limiter struct {
	kind    string // the key's prefix: "accounts"
	limit   RateLimit
	counter RateCounter
	proxies []netip.Prefix
	now     func() time.Time
}

// check counts r against the limit and refuses it with 429 rate_limited
// when the client has used it up. A counter that fails is a server error:
// without it nothing would hold an attacker back.
func (l *limiter) check(ctx context.Context, r *http.Request) error {
	if l == nil || l.limit.Off() {
		return nil
	}
	return l.checkKey(ctx, clientKey(clientAddr(r, l.proxies)),
		"Too many requests of this kind have come from your network; try again in %s.")
}

// checkKey counts a request for the limit's kind and key (a client
// address, or another thing limited, such as an email address's hash);
// detail says what went over, with %s for the wait.
func (l *limiter) checkKey(ctx context.Context, key, detail string) error {
	if l == nil || l.limit.Off() {
		return nil
	}
	now := l.now()
	key = l.kind + ":" + key
	n, ends, err := l.counter.Hit(ctx, key, now, l.limit.Per)
	if err != nil {
		return fmt.Errorf("httpapi: counting %s requests: %w", l.kind, err)
	}
	if n <= l.limit.Max {
		return nil
	}
	wait := int(math.Ceil(ends.Sub(now).Seconds()))
	wait = max(wait, 1)
	e := newError(http.StatusTooManyRequests, CodeRateLimited, fmt.Sprintf(detail, secondsWords(wait)))
	e.header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
	return e
}

func secondsWords(n int) string {
	switch {
	case n == 1:
		return "1 second"
	case n < 120:
		return strconv.Itoa(n) + " seconds"
	default:
		m := (n + 59) / 60
		return strconv.Itoa(m) + " minutes"
	}
}

// clientAddr is the address of the client that sent r (see above).
func clientAddr(r *http.Request, proxies []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !trusted(peer, proxies) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var addrs []string
	for _, h := range hops {
		addrs = append(addrs, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(addrs) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(addrs[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		client = a.Unmap()
		if !trusted(client, proxies) {
			break
		}
	}
	return client
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is how a client address is counted: IPv4 as it is, IPv6 by
// its /64.
func clientKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// MemoryRates is a RateCounter in memory: for tests and a single process.
// A server keeps its counters in its database (adapters/sqlstore's
// RateLimits) so that every instance and every restart counts the same.
type MemoryRates struct {
	mu      sync.Mutex
	windows map[rateWindow]int
}

type rateWindow struct {
	key   string
	start int64 // UnixNano of the window's start
}

var _ RateCounter = (*MemoryRates)(nil)

// NewMemoryRates returns an empty MemoryRates.
func NewMemoryRates() *MemoryRates { return &MemoryRates{windows: map[rateWindow]int{}} }

// Hit implements RateCounter; ended windows are forgotten as new ones
// begin.
func (m *MemoryRates) Hit(_ context.Context, key string, at time.Time, window time.Duration) (int, time.Time, error) {
	start, end := WindowOf(at, window)
	m.mu.Lock()
	defer m.mu.Unlock()
	w := rateWindow{key, start.UnixNano()}
	if _, ok := m.windows[w]; !ok {
		for old := range m.windows {
			if old.start+int64(window) <= at.UnixNano() {
				delete(m.windows, old)
			}
		}
	}
	m.windows[w]++
	return m.windows[w], end, nil
}

// WindowOf returns the fixed window of length window that contains at:
// windows start at whole multiples of window since the Unix epoch, in UTC.
func WindowOf(at time.Time, window time.Duration) (start, end time.Time) {
	start = at.UTC().Truncate(window)
	return start, start.Add(window)
}
