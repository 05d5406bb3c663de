package osplaces_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/osplaces"
	"github.com/carerpermit/carerpermit/adapters/osplaces/osplacestest"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

var pc = zones.MustParsePostcode("LE11 3AB")

// ashbyRoad adds LE11 3AB: numbers 1 to n (terraced houses), two flats in
// "The Maltings" at 16, and an office.
func ashbyRoad(s *osplacestest.Server, n int) {
	for i := 1; i <= n; i++ {
		s.Add(osplacestest.Address(fmt.Sprintf("1000300%05d", i), "", "", fmt.Sprint(i), "Ashby Road", "Loughborough", "LE11 3AB",
			52.77+float64(i)*1e-5, -1.21, "RD04"))
	}
	s.Add(osplacestest.Address("100030099001", "Flat 1", "The Maltings", "16", "Ashby Road", "Loughborough", "LE11 3AB", 52.771, -1.212, "RD06"))
	s.Add(osplacestest.Address("100030099002", "Flat 2", "The Maltings", "16", "Ashby Road", "Loughborough", "LE11 3AB", 52.771, -1.212, "RD06"))
	s.Add(osplacestest.Address("100030099003", "", "", "18", "Ashby Road", "Loughborough", "LE11 3AB", 52.772, -1.212, "CO01GV"))
	s.Add(osplacestest.Address("100030099004", "", "", "1", "Forest Road", "Loughborough", "LE11 3AD", 52.775, -1.215, "RD02"))
}

// fakeClock stands in for the wall clock and waiting.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}
func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newLocator(t *testing.T, s *osplacestest.Server, opts *osplaces.Options) (*osplaces.Locator, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	var o osplaces.Options
	if opts != nil {
		o = *opts
	}
	o.Now, o.Sleep, o.Jitter = clock.Now, clock.Sleep, func() float64 { return 0.5 }
	l, err := osplaces.New(osplaces.Config{Key: osplacestest.APIKey, BaseURL: s.BaseURL()}, &o)
	require.NoError(t, err)
	return l, clock
}

func TestFindProperties(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 3)
	l, _ := newLocator(t, s, nil)
	ctx := context.Background()

	all, err := l.FindProperties(ctx, pc, "")
	require.NoError(t, err)
	require.Len(t, all, 5, "houses and flats, not the office, not LE11 3AD")
	require.Equal(t, zones.Property{
		UPRN: 100030099002, SubBuilding: "Flat 2", BuildingName: "The Maltings", BuildingNumber: "16",
		Street: "Ashby Road", Town: "Loughborough", Postcode: pc, Location: zones.LatLng{Lat: 52.771, Lng: -1.212},
	}, all[4])

	found, err := l.FindProperties(ctx, pc, "flat 2, the maltings")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, zones.UPRN(100030099002), found[0].UPRN)

	found, err = l.FindProperties(ctx, pc, "2")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, "2 Ashby Road, Loughborough, LE11 3AB", found[0].Address())

	// What was asked, and how.
	reqs := s.Requests()
	require.Len(t, reqs, 1, "the postcode is cached")
	q := reqs[0].URL.Query()
	require.Equal(t, "LE11 3AB", q.Get("postcode"))
	require.Equal(t, "DPA", q.Get("dataset"))
	require.Equal(t, "EPSG:4326", q.Get("output_srs"))
	require.Equal(t, "100", q.Get("maxresults"))
	require.Equal(t, "0", q.Get("offset"))
	require.Empty(t, q.Get("key"), "the key is never in the URL")
	require.Equal(t, osplacestest.APIKey, reqs[0].Header.Get("key"))

	none, err := l.FindProperties(ctx, zones.MustParsePostcode("LE11 9ZZ"), "")
	require.NoError(t, err)
	require.Empty(t, none, "no results is an empty answer")
	require.NotNil(t, none)

	_, err = l.FindProperties(ctx, zones.Postcode{}, "")
	require.ErrorIs(t, err, zones.ErrInvalidPostcode)
}

func TestPaging(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 250)
	l, _ := newLocator(t, s, &osplaces.Options{PageSize: 100})
	all, err := l.FindProperties(context.Background(), pc, "")
	require.NoError(t, err)
	require.Len(t, all, 252, "every page, residential only")
	require.Equal(t, zones.UPRN(100030000001), all[0].UPRN)
	var offsets []string
	for _, r := range s.Requests() {
		offsets = append(offsets, r.URL.Query().Get("offset"))
	}
	require.Equal(t, []string{"0", "100", "200"}, offsets)
}

func TestClassificationsConfigurable(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 2)
	l, _ := newLocator(t, s, &osplaces.Options{Classifications: []string{"RD06", "CO"}})
	all, err := l.FindProperties(context.Background(), pc, "")
	require.NoError(t, err)
	var uprns []zones.UPRN
	for _, p := range all {
		uprns = append(uprns, p.UPRN)
	}
	require.Equal(t, []zones.UPRN{100030099001, 100030099002, 100030099003}, uprns, "flats and the office only")
}

func TestProperty(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 2)
	l, _ := newLocator(t, s, nil)
	ctx := context.Background()

	p, err := l.Property(ctx, 100030000002)
	require.NoError(t, err)
	require.Equal(t, "2 Ashby Road, Loughborough, LE11 3AB", p.Address())
	require.Equal(t, "100030000002", s.Requests()[0].URL.Query().Get("uprn"))

	_, err = l.Property(ctx, 100030099003)
	require.ErrorIs(t, err, zones.ErrPropertyNotFound, "an office is no home")
	_, err = l.Property(ctx, 999)
	require.ErrorIs(t, err, zones.ErrPropertyNotFound)
	require.ErrorContains(t, err, "UPRN 999")

	// A postcode's answer answers its UPRNs: no request.
	n := len(s.Requests())
	_, err = l.FindProperties(ctx, pc, "")
	require.NoError(t, err)
	_, err = l.Property(ctx, 100030000001)
	require.NoError(t, err)
	require.Len(t, s.Requests(), n+1)
}

func TestCacheExpires(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 1)
	l, clock := newLocator(t, s, &osplaces.Options{CacheTTL: time.Hour})
	ctx := context.Background()
	for range 3 {
		_, err := l.FindProperties(ctx, pc, "")
		require.NoError(t, err)
	}
	require.Len(t, s.Requests(), 1)
	clock.advance(time.Hour)
	_, err := l.FindProperties(ctx, pc, "1")
	require.NoError(t, err)
	require.Len(t, s.Requests(), 2, "asked again once the hour is up")

	off, _ := newLocator(t, s, &osplaces.Options{CacheTTL: -1})
	for range 2 {
		_, err := off.FindProperties(ctx, pc, "")
		require.NoError(t, err)
	}
	require.Len(t, s.Requests(), 4, "no cache")
}

func TestRetriesAndErrors(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 1)
	ctx := context.Background()

	l, clock := newLocator(t, s, &osplaces.Options{CacheTTL: -1})
	s.FailNext(429, 503)
	all, err := l.FindProperties(ctx, pc, "")
	require.NoError(t, err, "429 and 503 are tried again")
	require.Len(t, all, 3)
	require.Len(t, clock.slept, 2, "with backoff between")

	s.FailNext(500, 500, 500)
	_, err = l.FindProperties(ctx, pc, "")
	require.ErrorIs(t, err, permit.ErrUnavailable)
	require.NotErrorIs(t, err, osplaces.ErrConfig)
	var oe *osplaces.Error
	require.ErrorAs(t, err, &oe)
	require.Equal(t, 500, oe.Status)
	require.Equal(t, 3, oe.Attempts)
	require.ErrorContains(t, err, "osplaces: postcode LE11 3AB: 500: Internal server error (after 3 attempts)")

	{
		bad, err := osplaces.New(osplaces.Config{Key: "wrong-key", BaseURL: s.BaseURL()}, nil)
		require.NoError(t, err)
		n := len(s.Requests())
		_, err = bad.FindProperties(ctx, pc, "")
		require.ErrorIs(t, err, osplaces.ErrConfig)
		require.ErrorIs(t, err, permit.ErrUnavailable)
		require.ErrorContains(t, err, "the API key was refused (403")
		require.Len(t, s.Requests(), n+1, "a refused key is not tried again")
		_, err = bad.Property(ctx, 100030000001)
		require.ErrorIs(t, err, osplaces.ErrConfig)
	}

	_, err = osplaces.New(osplaces.Config{BaseURL: s.BaseURL()}, nil)
	require.ErrorContains(t, err, "no API key")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = l.FindProperties(cancelled, pc, "")
	require.ErrorIs(t, err, context.Canceled)

	// A network failure: nothing listening.
	s2 := osplacestest.New("")
	base := s2.BaseURL()
	s2.Close()
	gone, err := osplaces.New(osplaces.Config{Key: "k", BaseURL: base}, &osplaces.Options{MaxAttempts: 1})
	require.NoError(t, err)
	_, err = gone.FindProperties(ctx, pc, "")
	require.ErrorIs(t, err, permit.ErrUnavailable)
	require.True(t, strings.Contains(err.Error(), "not answered"), err.Error())
}

// The map gives OS Places' properties their zones.
func TestBehindAZoneMap(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	ashbyRoad(s, 2)
	l, _ := newLocator(t, s, nil)
	m, err := zonemap.Parse([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zone": "loughborough-1", "name": "Loughborough 1"},
	   "geometry": {"type": "Polygon", "coordinates": [[[-1.2105, 52.76], [-1.20, 52.76], [-1.20, 52.78], [-1.2105, 52.78], [-1.2105, 52.76]]]}}]}`), nil)
	require.NoError(t, err)
	zl := zonemap.NewLocator(l, m, nil)
	all, err := zl.FindProperties(context.Background(), pc, "")
	require.NoError(t, err)
	zonesByUPRN := map[zones.UPRN]string{}
	for _, p := range all {
		zonesByUPRN[p.UPRN] = p.Zone.ID
	}
	require.Equal(t, map[zones.UPRN]string{100030000001: "loughborough-1", 100030000002: "loughborough-1", 100030099001: "", 100030099002: ""}, zonesByUPRN)
}

func TestFakeErrors(t *testing.T) {
	s := osplacestest.New("")
	defer s.Close()
	get := func(path, key string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, s.BaseURL()+path, nil)
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		return resp.StatusCode, string(buf[:n])
	}
	for _, tc := range []struct {
		path, key string
		status    int
		body      string
	}{
		{"/postcode?postcode=LE11%203AB", "", 401, `{"error":{"message":"Missing API key`},
		{"/postcode?postcode=LE11%203AB", "nope", 403, `"statuscode":403`},
		{"/postcode?postcode=%21%21", osplacestest.APIKey, 400, "minimum of the area and district"},
		{"/postcode?postcode=LE11&maxresults=101", osplacestest.APIKey, 400, "maxresults"},
		{"/postcode?postcode=LE11&offset=-1", osplacestest.APIKey, 400, "offset"},
		{"/postcode?postcode=LE11&output_srs=EPSG:1", osplacestest.APIKey, 400, "output_srs"},
		{"/uprn?uprn=12x", osplacestest.APIKey, 400, "uprn"},
		{"/postcode?postcode=ZZ1", osplacestest.APIKey, 200, `"totalresults":0`},
	} {
		status, body := get(tc.path, tc.key)
		require.Equal(t, tc.status, status, tc.path)
		require.Contains(t, body, tc.body, tc.path)
		if status == 200 {
			require.NotContains(t, body, `"results"`, "no results member when nothing matches")
		}
	}
}
