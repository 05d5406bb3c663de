package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// Issue 11, defect 5: one client opened 16,232 accounts in 45 seconds.
// Account creation is limited per client address: 429 rate_limited with
// Retry-After; X-Forwarded-For counts only from a trusted proxy; officers
// are not limited; a new window allows again.
func TestDefect5AccountCreationRateLimited(t *testing.T) {
	// One property per account, so that the scheme's accounts-per-property
	// cap plays no part.
	gaz := zones.GazetteerHeader + "\n"
	var uprns []string
	for i := range 30 {
		u := fmt.Sprintf("1000000010%02d", i)
		uprns = append(uprns, u)
		gaz += fmt.Sprintf("%s,,,%d,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n", u, 100+i)
	}
	g, err := zones.LoadGazetteer(strings.NewReader(gaz))
	require.NoError(t, err)
	svc, err := permit.NewService(loadScheme(t), memstore.New(), g, fakepay.New(), nil)
	require.NoError(t, err)
	auth, err := httpapi.NewTokenAuth(svc, []string{officerToken})
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Date(2026, 11, 2, 10, 0, 30, 0, time.UTC)
	proxies, err := httpapi.ParseTrustedProxies("10.0.0.0/8")
	require.NoError(t, err)
	h, err := httpapi.New(svc, g, auth, &httpapi.Options{
		Rates: httpapi.NewMemoryRates(), AccountCreationLimit: httpapi.RateLimit{Max: 2, Per: time.Minute},
		TrustedProxies: proxies,
		Now:            func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
	})
	require.NoError(t, err)
	n := 0
	open := func(remote, forwarded, token string) *httptest.ResponseRecorder {
		n++
		body := `{"name":"Jane Smith","uprn":"` + uprns[n%len(uprns)] + `"}`
		r := httptest.NewRequest("POST", "/v1/accounts", strings.NewReader(body))
		r.RemoteAddr = remote
		r.Header.Set("Content-Type", "application/json")
		if forwarded != "" {
			r.Header.Set("X-Forwarded-For", forwarded)
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range 2 {
		require.Equal(t, http.StatusCreated, open("203.0.113.9:4000", "", "").Code)
	}
	w := open("203.0.113.9:4001", "", "")
	require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `"code":"rate_limited"`)
	require.Equal(t, "30", w.Header().Get("Retry-After"), "the window ends at 10:01:00")

	// A client cannot escape by writing X-Forwarded-For itself.
	require.Equal(t, http.StatusTooManyRequests, open("203.0.113.9:4002", "198.51.100.1", "").Code)
	// Another address has its own count; officers are not limited.
	require.Equal(t, http.StatusCreated, open("203.0.113.10:4000", "", "").Code)
	require.Equal(t, http.StatusCreated, open("203.0.113.9:4003", "", officerToken).Code)

	// Behind a trusted proxy each forwarded client counts on its own, and
	// the proxy's own hops are skipped.
	for range 2 {
		require.Equal(t, http.StatusCreated, open("10.0.0.2:5000", "198.51.100.1, 10.0.0.7", "").Code)
	}
	require.Equal(t, http.StatusTooManyRequests, open("10.0.0.2:5000", "198.51.100.1", "").Code)
	require.Equal(t, http.StatusCreated, open("10.0.0.2:5000", "198.51.100.2", "").Code)
	// IPv6 clients are counted per /64.
	require.Equal(t, http.StatusCreated, open("[2001:db8:1:2::1]:443", "", "").Code)
	require.Equal(t, http.StatusCreated, open("[2001:db8:1:2::2]:443", "", "").Code)
	require.Equal(t, http.StatusTooManyRequests, open("[2001:db8:1:2:ffff::3]:443", "", "").Code)

	mu.Lock()
	now = now.Add(30 * time.Second) // the next window
	mu.Unlock()
	require.Equal(t, http.StatusCreated, open("203.0.113.9:4004", "", "").Code)
}

func TestParseRateLimitAndProxies(t *testing.T) {
	for in, want := range map[string]httpapi.RateLimit{
		"10/1h": {Max: 10, Per: time.Hour}, "30/10m": {Max: 30, Per: 10 * time.Minute}, "off": {}, "0": {},
	} {
		got, err := httpapi.ParseRateLimit(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "10", "ten/1h", "10/", "10/1ms", "-1/1h", "10/hour"} {
		_, err := httpapi.ParseRateLimit(bad)
		require.Error(t, err, bad)
	}
	ps, err := httpapi.ParseTrustedProxies("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}, ps)
	_, err = httpapi.ParseTrustedProxies("10.0.0.0/33")
	require.Error(t, err)
}
