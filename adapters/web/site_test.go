package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// clock is a settable clock shared by the service and the simulated
// payment provider.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// site is the pages served over real HTTP (httptest), with the simulated
// hosted payment provider (fakepay.Hosted on SQLite) at /pay/ and its
// return to the pages (web.ReturnURL): what a browser talks to.
type site struct {
	t     testing.TB
	URL   string
	svc   *permit.Service
	blobs *httpapi.MemoryBlobs
	clock *clock
}

// siteGazetteer has two zones, for moves within a zone and to another.
const siteGazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000003,,,3,Forest Road,Loughborough,LE11 3NH,loughborough-3,Loughborough 3
100000000004,,,9,Park Road,Loughborough,LE11 2HE,loughborough-1,Loughborough 1
100000000005,,,7,High Street,Leicester,LE1 1AA,,
`

func newSite(t testing.TB) *site {
	t.Helper()
	raw, err := os.ReadFile("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	s, err := scheme.Load(strings.NewReader(string(raw)))
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(siteGazetteer))
	require.NoError(t, err)
	c := &clock{now: start}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	db := sqldbtest.NewSQLite(t, "pay.db")
	hosted, err := fakepay.NewHosted(context.Background(), db.Open(t), db.Dialect, fakepay.HostedOptions{PageURL: srv.URL + "/pay", Now: c.Now})
	require.NoError(t, err)
	mux.Handle("/pay/", http.StripPrefix("/pay", hosted.Page()))
	svc, err := permit.NewService(s, memstore.New(), g, fakepay.New(), &permit.Options{Now: c.Now,
		HostedPayments: hosted, PaymentReturnURL: web.ReturnURL(srv.URL)})
	require.NoError(t, err)
	blobs := httpapi.NewMemoryBlobs()
	// Sessions outlast the clock moves of the tests (a year, to renew).
	pages, err := web.New(svc, g, &web.Options{Files: blobs, SessionTTL: 2 * 366 * 24 * time.Hour})
	require.NoError(t, err)
	mux.Handle("/", pages)
	return &site{t: t, URL: srv.URL, svc: svc, blobs: blobs, clock: c}
}

// client is a browser without JavaScript: cookies, redirects followed.
type client struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, base: s.URL, c: &http.Client{Jar: jar}}
}

type answer struct {
	status int
	url    string
	body   string
}

func (c *client) read(resp *http.Response, err error) answer {
	c.t.Helper()
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return answer{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(b)}
}

func (c *client) get(path string) answer {
	c.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.base + path
	}
	return c.read(c.c.Get(path))
}

func (c *client) post(path string, form url.Values) answer {
	c.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.base + path
	}
	return c.read(c.c.PostForm(path, form))
}

// upload posts a multipart form with one file.
func (c *client) upload(path string, form url.Values, filename string, data []byte) answer {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(c.t, mw.WriteField(k, v))
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	require.NoError(c.t, err)
	_, _ = fw.Write(data)
	require.NoError(c.t, mw.Close())
	return c.read(c.c.Post(c.base+path, mw.FormDataContentType(), &body))
}

// apply goes through the apply journey as a resident without JavaScript
// (signed in already, or opening the account) and stops at check your
// answers, which it returns with the journey's state.
func (c *client) apply(uprn, vrm string, signedIn bool) (answer, url.Values) {
	c.t.Helper()
	state := url.Values{"type": {"essential-carer"}, "postcode": {"LE11 3AB"}, "uprn": {uprn}}
	if !signedIn {
		a := c.post("/apply/account", with(state, "name", "Ada Lovelace", "email", "ada@example.com"))
		require.Equal(c.t, http.StatusOK, a.status, a.body)
	}
	a := c.post("/apply/vehicle", with(state, "vrm", vrm))
	require.Equal(c.t, http.StatusOK, a.status, a.body)
	require.Contains(c.t, a.body, "Send your proof of care")
	state.Set("vrm", vrm)
	a = c.upload("/apply/evidence", dated(with(state, "name", "Ada Lovelace"), "issued", start.AddDate(0, 0, -10)), "care.pdf", pdf)
	require.Equal(c.t, http.StatusOK, a.status, a.body)
	require.Contains(c.t, a.body, "Check your answers")
	state.Set("doc", between(a.body, `name="doc" value="`, `"`))
	return a, state
}
