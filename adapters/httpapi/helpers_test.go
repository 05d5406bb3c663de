package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// The test gazetteer: real Loughborough postcodes, invented houses, zones
// of the Leicestershire example scheme.
const testGazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000003,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000004,,,3,Forest Road,Loughborough,LE11 2AA,loughborough-2,Loughborough 2
100000000005,,,7,High Street,Leicester,LE1 1AA,,
`

const (
	officerToken = "officer-token-for-tests-0123456789"
	home         = "100000000001"
	neighbour    = "100000000002"
	sameZone     = "100000000003"
	otherZone    = "100000000004"
	noZone       = "100000000005"
)

// start is the instant the test clock starts at: a Monday in November,
// London on GMT.
var start = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

type harness struct {
	t       testing.TB
	h       http.Handler
	svc     *permit.Service
	store   *memstore.Store
	pay     *fakepay.Gateway
	clock   *httpapi.TestClock
	officer string
	oas     *httpapitest.Validator
}

func loadScheme(t testing.TB) *permit.Scheme {
	t.Helper()
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	return s
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, loadScheme(t))
}

// newHarnessWith is newHarness with another scheme.
func newHarnessWith(t testing.TB, scheme *permit.Scheme) *harness {
	t.Helper()
	return newHarnessConfigured(t, scheme, nil)
}

// harnessConfig changes what newHarnessConfigured builds: the handler's
// options, and the Authenticator given the one the harness made.
type harnessConfig struct {
	options func(*httpapi.Options)
	auth    func(*httpapi.TokenAuth) httpapi.Authenticator
	// integrations are the read-only integrations' tokens.
	integrations []httpapi.Integration
	// service edits the Service's options (hosted payments).
	service func(*permit.Options)
}

// newHarnessConfigured is newHarnessWith changed by cfg (nil: no change).
// Traffic is checked against the OpenAPI document the handler serves.
func newHarnessConfigured(t testing.TB, scheme *permit.Scheme, cfg *harnessConfig) *harness {
	t.Helper()
	if cfg == nil {
		cfg = &harnessConfig{}
	}
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	hs := &harness{t: t, store: memstore.New(), pay: fakepay.New(), clock: httpapi.NewTestClock(), officer: officerToken}
	svcOpts := &permit.Options{Now: hs.clock.Now}
	if cfg.service != nil {
		cfg.service(svcOpts)
	}
	hs.svc, err = permit.NewService(scheme, hs.store, g, hs.pay, svcOpts)
	require.NoError(t, err)
	hs.clock.Set(start)
	tokens, err := httpapi.NewTokenAuth(hs.svc, []string{officerToken}, cfg.integrations...)
	require.NoError(t, err)
	var auth httpapi.Authenticator = tokens
	if cfg.auth != nil {
		auth = cfg.auth(tokens)
	}
	opts := &httpapi.Options{TestClock: hs.clock, MaxDocumentBytes: 1 << 20,
		Ping: func(context.Context) error { return nil }}
	if cfg.options != nil {
		cfg.options(opts)
	}
	hs.h, err = httpapi.New(hs.svc, g, auth, opts)
	require.NoError(t, err)
	served := httptest.NewRecorder()
	hs.h.ServeHTTP(served, httptest.NewRequest("GET", opts.BasePath+"/v1/openapi.json", nil))
	require.Equal(t, http.StatusOK, served.Code)
	hs.oas, err = httpapitest.NewValidator(served.Body.Bytes())
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, hs.oas.Err(), "traffic that does not match openapi.json")
	})
	return hs
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// do sends a request; body may be nil, a string/[]byte sent as is, or a
// value encoded as JSON.
func (hs *harness) do(method, path, token string, body any, headers ...string) response {
	hs.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		require.NoError(hs.t, err)
		rd, ct = bytes.NewReader(data), "application/json"
	}
	var sent []byte
	if rd != nil {
		sent, _ = io.ReadAll(rd)
		rd = bytes.NewReader(sent)
	}
	req := httptest.NewRequest(method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	_ = hs.oas.Check(req, sent, rec.Code, rec.Header(), rec.Body.Bytes())
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// must sends a request and requires the status.
func (hs *harness) must(status int, method, path, token string, body any, headers ...string) map[string]any {
	hs.t.Helper()
	r := hs.do(method, path, token, body, headers...)
	require.Equal(hs.t, status, r.status, "%s %s: %s", method, path, r.body)
	if len(r.body) == 0 {
		return nil
	}
	return r.json(hs.t)
}

// account opens an account at uprn and returns its ID and token.
func (hs *harness) account(uprn string) (id, token string) {
	hs.t.Helper()
	m := hs.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": uprn})
	return m["id"].(string), m["token"].(string)
}

func (hs *harness) daysAgo(n int) string {
	return hs.clock.Now().AddDate(0, 0, -n).Format(time.DateOnly)
}

func (hs *harness) proofOfCare() []map[string]any {
	return []map[string]any{{"kind": "proof_of_care", "issued_on": hs.daysAgo(7), "name": "Jane Smith"}}
}

// apply applies for an Essential Carer Permit and returns the permit.
func (hs *harness) apply(accountID, token, vrm string) map[string]any {
	hs.t.Helper()
	return hs.must(http.StatusCreated, "POST", "/v1/accounts/"+accountID+"/permits", token,
		map[string]any{"type": "essential-carer", "vrm": vrm, "evidence": hs.proofOfCare()})
}

// eventCount is how many events the feed holds.
func (hs *harness) eventCount() int {
	hs.t.Helper()
	n, after := 0, ""
	for {
		evs, next, err := hs.svc.Events(context.Background(), permit.System, after, 1000)
		require.NoError(hs.t, err)
		n += len(evs)
		if len(evs) == 0 || next == after {
			return n
		}
		after = next
	}
}

// requireProblem checks r is a problem document with status and code.
func requireProblem(t testing.TB, r response, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	m := r.json(t)
	require.Equal(t, code, m["code"], "body: %s", r.body)
	require.EqualValues(t, status, m["status"])
	require.Equal(t, "urn:carerpermit:problem:"+code, m["type"])
	require.NotEmpty(t, m["title"])
	return m
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
