package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
)

const (
	officerToken  = "officer-token"
	residentToken = "resident-token"
)

// authorize stands in for the server's authentication: one officer token,
// one resident token, anything else wrong.
func authorize(r *http.Request) (webhook.Caller, error) {
	h := r.Header.Get("Authorization")
	switch h {
	case "":
		return webhook.Caller{}, nil
	case "Bearer " + officerToken:
		return webhook.Caller{SignedIn: true, Officer: true, Name: "officer-1a2b3c4d"}, nil
	case "Bearer " + residentToken:
		return webhook.Caller{SignedIn: true, Name: "acc_1"}, nil
	case "Bearer " + integrationA, "Bearer " + integrationB:
		return webhook.Caller{SignedIn: true, Integration: true, Name: "integration:" + strings.TrimPrefix(h, "Bearer ")}, nil
	case "Bearer broken":
		return webhook.Caller{}, errors.New("the authentication service is down")
	}
	return webhook.Caller{}, webhook.ErrUnauthenticated
}

// api is the handler on a loopback server, every exchange checked against
// the API's OpenAPI document.
type api struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	oas    *httpapitest.Validator
	store  webhook.Store
}

func newAPI(t *testing.T, store webhook.Store, policy webhook.Policy, dns webhook.Resolver) *api {
	h, err := webhook.NewHandler(store, &webhook.HandlerOptions{Authorize: authorize, Policy: policy, Resolver: dns,
		Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	oas, err := httpapitest.NewValidator(httpapi.OpenAPI())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, oas.Err(), "traffic that does not match openapi.json") })
	return &api{t: t, srv: srv, client: &http.Client{Transport: oas.Transport(nil)}, oas: oas, store: store}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) obj(t *testing.T) map[string]any {
	var m map[string]any
	require.NoError(t, json.Unmarshal(a.body, &m), "%s", a.body)
	return m
}

// do sends a request; body is sent as is when a string, else as JSON.
func (a *api) do(method, path, token string, body any, headers ...string) answer {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			require.NoError(a.t, err)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	require.NoError(a.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.client.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (a *api) must(status int, method, path string, body any, headers ...string) map[string]any {
	a.t.Helper()
	r := a.do(method, path, officerToken, body, headers...)
	require.Equal(a.t, status, r.status, "%s %s: %s", method, path, r.body)
	if len(r.body) == 0 {
		return nil
	}
	return r.obj(a.t)
}

func TestHandlerJourney(t *testing.T) {
	ctx := context.Background()
	store := webhook.NewMemoryStore()
	a := newAPI(t, store, webhook.Policy{AllowLoopback: true}, nil)
	rc := newReceiver(t, func(r request, _ int) int { return 500 })

	r := a.do("POST", "/v1/webhooks", officerToken, map[string]any{"url": rc.URL + "/permits", "description": "  Back office  ",
		"event_types": []string{"permit.approved", "permit.*", "permit.approved"}})
	require.Equal(t, 201, r.status, "%s", r.body)
	created := r.obj(t)
	id := created["id"].(string)
	require.Equal(t, "/v1/webhooks/"+id, r.header.Get("Location"))
	require.Equal(t, rc.URL+"/permits", created["url"])
	require.Equal(t, "Back office", created["description"])
	require.Equal(t, []any{"permit.approved", "permit.*"}, created["event_types"])
	require.Equal(t, "officer-1a2b3c4d", created["created_by"])
	require.Equal(t, "2026-12-01T10:00:00Z", created["created_at"])
	secret := created["secret"].(string)
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-store", r.header.Get("Cache-Control"))

	got := a.must(200, "GET", "/v1/webhooks/"+id, nil)
	require.NotContains(t, got, "secret", "the secret is shown once")
	require.Equal(t, id, got["id"])
	list := a.must(200, "GET", "/v1/webhooks", nil)
	require.Len(t, list["webhooks"], 1)
	require.NotContains(t, list["webhooks"].([]any)[0], "secret")

	// Events go out and fail until dead; the API shows them.
	f := &feed{}
	e1 := f.add(permit.EventPermitApproved, "p1", "a1")
	e2 := f.add(permit.EventPermitCancelled, "p1", "a1")
	f.add(permit.EventAccountCreated, "", "a2") // filtered out
	opts := testOptions()
	opts.MaxAttempts = 1
	d, err := webhook.NewDispatcher(store, f, opts)
	require.NoError(t, err)
	_, err = d.RunOnce(ctx, t0)
	require.NoError(t, err)

	page := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries", nil)
	ds := page["deliveries"].([]any)
	require.Len(t, ds, 2)
	dead := ds[0].(map[string]any)
	require.Equal(t, "dead", dead["status"])
	require.Equal(t, e1, dead["event_id"])
	require.Equal(t, "permit.approved", dead["event_type"])
	require.Equal(t, "p1", dead["permit_id"])
	require.Equal(t, float64(1), dead["attempts"])
	require.Equal(t, float64(500), dead["last_status_code"])
	require.Equal(t, "HTTP 500", dead["last_error"])
	require.Equal(t, id, dead["webhook_id"])
	require.NotContains(t, dead, "next_attempt_at")
	held := ds[1].(map[string]any)
	require.Equal(t, "pending", held["status"])
	require.Equal(t, e2, held["event_id"])
	require.Equal(t, ds[1].(map[string]any)["id"], page["next"])

	deadOnly := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?status=dead&limit=5", nil)
	require.Len(t, deadOnly["deliveries"], 1)
	rest := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?after="+dead["id"].(string), nil)
	require.Len(t, rest["deliveries"], 1)
	none := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?after="+held["id"].(string), nil)
	require.Empty(t, none["deliveries"])
	require.Equal(t, held["id"], none["next"], "unchanged when there is nothing more")

	one := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string), nil)
	require.Equal(t, e1, one["event"].(map[string]any)["id"], "the event it carries")

	// The receiver mended, an officer retries the dead one; it and the
	// held one go out.
	rc.setAnswer(nil)
	retried := a.must(200, "POST", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string)+"/retry", nil)
	require.Equal(t, "pending", retried["status"])
	require.Equal(t, float64(0), retried["attempts"])
	require.Equal(t, "2026-12-01T10:00:00Z", retried["next_attempt_at"])
	require.Equal(t, "HTTP 500", retried["last_error"])
	again := a.must(200, "POST", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string)+"/retry", map[string]any{}, "Idempotency-Key", "retry-1")
	require.Equal(t, "pending", again["status"], "retrying a pending one again is harmless")
	rep, err := d.RunOnce(ctx, t0)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Delivered)
	for _, r := range rc.requests()[1:] {
		require.NoError(t, webhook.Verify(secret, r.header.Get(webhook.SignatureHeader), r.body, t0, 0), "signed with the secret shown at registration")
	}
	delivered := a.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?status=delivered", nil)
	require.Len(t, delivered["deliveries"], 2)
	first := delivered["deliveries"].([]any)[0].(map[string]any)
	require.Equal(t, "2026-12-01T10:00:00Z", first["delivered_at"])
	p := a.problem(409, "invalid_transition", "POST", "/v1/webhooks/"+id+"/deliveries/"+first["id"].(string)+"/retry", officerToken, nil)
	require.Contains(t, p["detail"], "delivered")

	a.must(204, "DELETE", "/v1/webhooks/"+id, nil)
	a.problem(404, "not_found", "GET", "/v1/webhooks/"+id, officerToken, nil)
	a.problem(404, "not_found", "GET", "/v1/webhooks/"+id+"/deliveries", officerToken, nil)
	a.problem(404, "not_found", "DELETE", "/v1/webhooks/"+id, officerToken, nil)
	require.Empty(t, a.must(200, "GET", "/v1/webhooks", nil)["webhooks"])
}

func (a *api) problem(status int, code, method, path, token string, body any, headers ...string) map[string]any {
	a.t.Helper()
	r := a.do(method, path, token, body, headers...)
	require.Equal(a.t, status, r.status, "%s %s: %s", method, path, r.body)
	require.Equal(a.t, "application/problem+json", r.header.Get("Content-Type"))
	m := r.obj(a.t)
	require.Equal(a.t, code, m["code"], "%s %s: %s", method, path, r.body)
	require.Equal(a.t, "urn:carerpermit:problem:"+code, m["type"])
	require.Equal(a.t, float64(status), m["status"])
	require.NotEmpty(a.t, m["request_id"])
	return m
}

// Registering with an Idempotency-Key twice makes one webhook and answers
// the same both times; the key with another body is refused.
func TestHandlerIdempotentRegistration(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		a := newAPI(t, oneStore(newStores, t), webhook.Policy{AllowLoopback: true}, nil)
		body := map[string]any{"url": "http://127.0.0.1:9/hook"}
		first := a.do("POST", "/v1/webhooks", officerToken, body, "Idempotency-Key", "reg-1")
		require.Equal(t, 201, first.status, "%s", first.body)
		again := a.do("POST", "/v1/webhooks", officerToken, body, "Idempotency-Key", "reg-1")
		require.Equal(t, 201, again.status)
		require.Equal(t, first.body, again.body, "the same webhook, byte for byte")
		require.Len(t, a.must(200, "GET", "/v1/webhooks", nil)["webhooks"], 1)
		a.problem(409, "idempotency_key_reused", "POST", "/v1/webhooks", officerToken, map[string]any{"url": "http://127.0.0.1:10/hook"}, "Idempotency-Key", "reg-1")
		other := a.must(201, "POST", "/v1/webhooks", body, "Idempotency-Key", "reg-2")
		require.NotEqual(t, first.obj(t)["id"], other["id"])
		a.problem(400, "validation_failed", "POST", "/v1/webhooks", officerToken, body, "Idempotency-Key", strings.Repeat("k", 256))
	})
}

// Bad input of every kind is a problem document with the API's code, and
// never a 5xx.
func TestHandlerBadInput(t *testing.T) {
	dns := resolver{"backoffice.example": {"93.184.216.34"}, "rebind.example": {"169.254.169.254"}, "intranet.example": {"10.1.1.1"}}
	a := newAPI(t, webhook.NewMemoryStore(), webhook.Policy{}, dns)
	good := a.must(201, "POST", "/v1/webhooks", map[string]any{"url": "https://backoffice.example/hook"})
	id := good["id"].(string)

	for _, u := range []struct{ url, reason string }{
		{"ftp://backoffice.example/hook", "scheme"},
		{"https://user:secret@backoffice.example/hook", "user names"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://[fd00:ec2::254]/", "metadata"},
		{"http://metadata.google.internal/", "metadata"},
		{"https://rebind.example/", "169.254.169.254"},
		{"http://127.0.0.1:8080/", "loopback"},
		{"http://localhost:8080/", "this server itself"},
		{"http://10.0.0.1/", "private"},
		{"https://intranet.example/", "private"},
		{"https://nowhere.example/", "no address in DNS"},
		{"not a url", "space"},
	} {
		t.Run(u.url, func(t *testing.T) {
			p := a.problem(422, "invalid_webhook_url", "POST", "/v1/webhooks", officerToken, map[string]any{"url": u.url})
			errs := p["errors"].([]any)
			require.Len(t, errs, 1)
			fe := errs[0].(map[string]any)
			require.Equal(t, "url", fe["field"])
			require.Equal(t, "invalid_webhook_url", fe["code"])
			require.Contains(t, fe["detail"], u.reason)
		})
	}

	tests := []struct {
		name, method, path, token string
		body                      any
		headers                   []string
		status                    int
		code, field               string
	}{
		{name: "no token", method: "GET", path: "/v1/webhooks", status: 401, code: "unauthorized"},
		{name: "wrong token", method: "GET", path: "/v1/webhooks", token: "nope", status: 401, code: "unauthorized"},
		{name: "resident", method: "GET", path: "/v1/webhooks", token: residentToken, status: 403, code: "forbidden"},
		{name: "resident registering", method: "POST", path: "/v1/webhooks", token: residentToken, body: map[string]any{"url": "https://backoffice.example/"}, status: 403, code: "forbidden"},
		{name: "resident deleting", method: "DELETE", path: "/v1/webhooks/" + id, token: residentToken, status: 403, code: "forbidden"},
		{name: "resident retrying", method: "POST", path: "/v1/webhooks/" + id + "/deliveries/1/retry", token: residentToken, status: 403, code: "forbidden"},
		{name: "authentication failing", method: "GET", path: "/v1/webhooks", token: "broken", status: 500, code: "internal_error"},
		{name: "no body", method: "POST", path: "/v1/webhooks", token: officerToken, status: 400, code: "invalid_json"},
		{name: "not JSON", method: "POST", path: "/v1/webhooks", token: officerToken, body: "{url:", status: 400, code: "invalid_json"},
		{name: "cut short", method: "POST", path: "/v1/webhooks", token: officerToken, body: `{"url": "https://backoffice.example/"`, status: 400, code: "invalid_json"},
		{name: "an array", method: "POST", path: "/v1/webhooks", token: officerToken, body: `[]`, status: 400, code: "invalid_json"},
		{name: "two objects", method: "POST", path: "/v1/webhooks", token: officerToken, body: `{} {}`, status: 400, code: "invalid_json"},
		{name: "unknown field", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "secret": "mine"}, status: 400, code: "invalid_json", field: "secret"},
		{name: "url not a string", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": 42}, status: 400, code: "invalid_json", field: "url"},
		{name: "event_types not a list", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "event_types": "permit.*"}, status: 400, code: "invalid_json", field: "event_types"},
		{name: "wrong media type", method: "POST", path: "/v1/webhooks", token: officerToken, body: `{"url": "https://backoffice.example/"}`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "too large", method: "POST", path: "/v1/webhooks", token: officerToken, body: `{"description": "` + strings.Repeat("x", 70<<10) + `"}`, status: 413, code: "payload_too_large"},
		{name: "no url", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"description": "x"}, status: 422, code: "validation_failed", field: "url"},
		{name: "description too long", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "description": strings.Repeat("x", 501)}, status: 422, code: "validation_failed", field: "description"},
		{name: "unknown event type", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "event_types": []string{"permit.aproved"}}, status: 422, code: "validation_failed", field: "event_types[0]"},
		{name: "unknown family", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "event_types": []string{"parking.*"}}, status: 422, code: "validation_failed", field: "event_types[0]"},
		{name: "wildcard alone", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "event_types": []string{"*"}}, status: 422, code: "validation_failed", field: "event_types[0]"},
		{name: "too many event types", method: "POST", path: "/v1/webhooks", token: officerToken, body: map[string]any{"url": "https://backoffice.example/", "event_types": make([]string, 51)}, status: 422, code: "validation_failed", field: "event_types"},
		{name: "unknown webhook", method: "GET", path: "/v1/webhooks/wh_none", token: officerToken, status: 404, code: "not_found"},
		{name: "unknown webhook's deliveries", method: "GET", path: "/v1/webhooks/wh_none/deliveries", token: officerToken, status: 404, code: "not_found"},
		{name: "unknown delivery", method: "GET", path: "/v1/webhooks/" + id + "/deliveries/99", token: officerToken, status: 404, code: "not_found"},
		{name: "malformed delivery ID", method: "GET", path: "/v1/webhooks/" + id + "/deliveries/abc", token: officerToken, status: 404, code: "not_found"},
		{name: "retrying an unknown delivery", method: "POST", path: "/v1/webhooks/" + id + "/deliveries/99/retry", token: officerToken, status: 404, code: "not_found"},
		{name: "retry with a body that is not JSON", method: "POST", path: "/v1/webhooks/" + id + "/deliveries/99/retry", token: officerToken, body: "x", status: 400, code: "invalid_json"},
		{name: "bad status filter", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?status=lost", token: officerToken, status: 400, code: "validation_failed", field: "status"},
		{name: "bad cursor", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?after=x", token: officerToken, status: 400, code: "validation_failed", field: "after"},
		{name: "limit 0", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?limit=0", token: officerToken, status: 400, code: "validation_failed", field: "limit"},
		{name: "limit too large", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?limit=1001", token: officerToken, status: 400, code: "validation_failed", field: "limit"},
		{name: "unknown query parameter", method: "GET", path: "/v1/webhooks?event_type=permit.approved", token: officerToken, status: 400, code: "validation_failed", field: "event_type"},
		{name: "unknown query parameter on one", method: "GET", path: "/v1/webhooks/" + id + "?verbose=1", token: officerToken, status: 400, code: "validation_failed", field: "verbose"},
		{name: "unknown delivery filter", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?event_id=1", token: officerToken, status: 400, code: "validation_failed", field: "event_id"},
		{name: "repeated query parameter", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?limit=1&limit=2", token: officerToken, status: 400, code: "validation_failed", field: "limit"},
		{name: "query parameter on a registration", method: "POST", path: "/v1/webhooks?dry_run=1", token: officerToken, body: map[string]any{"url": "https://backoffice.example/"}, status: 400, code: "validation_failed", field: "dry_run"},
		{name: "query parameter on a deletion", method: "DELETE", path: "/v1/webhooks/" + id + "?force=1", token: officerToken, status: 400, code: "validation_failed", field: "force"},
		{name: "query parameter on a resident's call", method: "GET", path: "/v1/webhooks?x=1", token: residentToken, status: 403, code: "forbidden"},
		{name: "method not allowed", method: "PUT", path: "/v1/webhooks/" + id, token: officerToken, status: 405, code: "method_not_allowed"},
		{name: "no such path", method: "GET", path: "/v1/webhooks/" + id + "/secrets", token: officerToken, status: 404, code: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := a.problem(tt.status, tt.code, tt.method, tt.path, tt.token, tt.body, tt.headers...)
			if tt.field != "" {
				require.Equal(t, tt.field, p["errors"].([]any)[0].(map[string]any)["field"], "%v", p)
			}
			if tt.status == 401 {
				require.NotEmpty(t, a.do(tt.method, tt.path, tt.token, tt.body).header.Get("WWW-Authenticate"))
			}
			if tt.status == 500 {
				require.NotContains(t, p["detail"], "down", "internals stay in the log")
			}
		})
	}
	r := a.do("PUT", "/v1/webhooks/"+id, officerToken, nil)
	require.ElementsMatch(t, []string{"DELETE, GET, HEAD"}, r.header.Values("Allow"))
	require.Len(t, a.must(200, "GET", "/v1/webhooks", nil)["webhooks"], 1, "nothing bad was registered")
}

// Under a base path the webhook routes answer with it and without it (a
// proxy that takes it off), and Location headers and problem instances
// start with it.
func TestHandlerBasePath(t *testing.T) {
	dns := resolver{"backoffice.example": {"93.184.216.34"}}
	h, err := webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{Authorize: authorize, Resolver: dns,
		Now: func() time.Time { return t0 }, BasePath: "/permits"})
	require.NoError(t, err)
	do := func(method, path, body string) *httptest.ResponseRecorder {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, path, rd)
		req.Header.Set("Authorization", "Bearer "+officerToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := do("POST", "/permits/v1/webhooks", `{"url": "https://backoffice.example/hook"}`)
	require.Equal(t, 201, w.Code, w.Body.String())
	loc := w.Header().Get("Location")
	require.Regexp(t, `^/permits/v1/webhooks/wh_`, loc)
	require.Equal(t, 200, do("GET", loc, "").Code)
	require.Equal(t, 200, do("GET", strings.TrimPrefix(loc, "/permits"), "").Code, "without the base path, as after a proxy")
	for _, path := range []string{"/permits/v1/webhooks/wh_none", "/v1/webhooks/wh_none"} {
		w := do("GET", path, "")
		require.Equal(t, 404, w.Code)
		var p map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		require.Equal(t, "/permits/v1/webhooks/wh_none", p["instance"], path)
	}
	require.Equal(t, 404, do("GET", "/permitsx/v1/webhooks", "").Code, "not the base path")
	for _, bad := range []string{"permits", "/permits/", "/a/../b", "/a?b", "/a%2Fb"} {
		_, err := webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{Authorize: authorize, BasePath: bad})
		require.Error(t, err, bad)
	}
}

func TestNewHandlerNeedsAuthorize(t *testing.T) {
	_, err := webhook.NewHandler(webhook.NewMemoryStore(), nil)
	require.Error(t, err)
	_, err = webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{})
	require.Error(t, err)
	_, err = webhook.NewHandler(nil, &webhook.HandlerOptions{Authorize: authorize})
	require.Error(t, err)
}

// The filter knows every event type package permit declares, so a type
// added there and not here is caught by this test, not by an officer.
func TestEventTypeFilterKnowsEveryEventType(t *testing.T) {
	src, err := os.ReadFile("../../permit/event.go")
	require.NoError(t, err)
	var types []string
	for _, m := range regexp.MustCompile(`EventType = "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		types = append(types, m[1])
	}
	require.Greater(t, len(types), 10)
	a := newAPI(t, webhook.NewMemoryStore(), webhook.Policy{AllowLoopback: true}, nil)
	for _, typ := range types {
		a.must(201, "POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/", "event_types": []string{typ}})
	}
	a.must(201, "POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/", "event_types": []string{"permit.*", "account.*", "address_change.*"}})
}

// One access-log record per request, naming the route, status, code and
// officer; never the token or the body (where a URL may carry secrets).
func TestHandlerAccessLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	h, err := webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{Authorize: authorize, Policy: webhook.Policy{AllowLoopback: true}, Logger: log})
	require.NoError(t, err)
	post := httptest.NewRequest("POST", "/v1/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:9/?key=body-secret"}`))
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Authorization", "Bearer "+officerToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	require.Equal(t, 201, rec.Code)
	bad := httptest.NewRequest("GET", "/v1/webhooks/wh_x", nil)
	bad.Header.Set("Authorization", "Bearer "+residentToken)
	h.ServeHTTP(httptest.NewRecorder(), bad)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/webhooks/wh_x/nothing", nil))

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], `route="POST /v1/webhooks" status=201`)
	require.Contains(t, lines[0], "role=officer principal=officer-1a2b3c4d")
	require.Contains(t, lines[1], "status=403")
	require.Contains(t, lines[1], "role=account")
	require.Contains(t, lines[1], "code=forbidden")
	require.Contains(t, lines[2], "status=404")
	require.Contains(t, lines[2], "code=not_found")
	require.NotContains(t, buf.String(), officerToken)
	require.NotContains(t, buf.String(), "body-secret")
}

// Issue 14: the operations an officer needs when a receiver goes away or
// a key leaks: a dead delivery pauses the webhook (shown in its status),
// POST .../deliveries/retry retries every dead delivery and resumes it,
// POST .../resume resumes it alone, and POST .../rotate-secret gives a new
// secret while the old one signs too for the overlap; the signed body
// carries the event's id.
func TestHandlerOperations(t *testing.T) {
	ctx := context.Background()
	store := webhook.NewMemoryStore()
	a := newAPI(t, store, webhook.Policy{AllowLoopback: true}, nil)
	rc := newReceiver(t, func(request, int) int { return 500 })
	created := a.must(201, "POST", "/v1/webhooks", map[string]any{"url": rc.URL})
	id, oldSecret := created["id"].(string), created["secret"].(string)
	require.Equal(t, "active", created["status"])

	f := &feed{}
	e1 := f.add(permit.EventPermitApproved, "p1", "a1")
	e2 := f.add(permit.EventPermitCancelled, "p1", "a1")
	opts := testOptions()
	opts.MaxAttempts = 1
	d, err := webhook.NewDispatcher(store, f, opts)
	require.NoError(t, err)
	require.Equal(t, webhook.Report{Enqueued: 2, Dead: 1, Paused: 1}, runOnce(t, d, t0))

	paused := a.must(200, "GET", "/v1/webhooks/"+id, nil)
	require.Equal(t, "paused", paused["status"])
	require.Equal(t, "2026-12-01T10:00:00Z", paused["paused_at"])
	require.Contains(t, paused["paused_reason"], "HTTP 500")
	require.Equal(t, webhook.Report{}, runOnce(t, d, t0.Add(time.Hour)), "nothing goes to a paused webhook")

	// A rotation: the answer holds the new secret; until the overlap ends
	// both sign.
	a.problem(422, "validation_failed", "POST", "/v1/webhooks/"+id+"/rotate-secret", officerToken, map[string]any{"overlap_hours": 169})
	a.problem(404, "not_found", "POST", "/v1/webhooks/wh_nothing/rotate-secret", officerToken, nil)
	rotated := a.must(200, "POST", "/v1/webhooks/"+id+"/rotate-secret", map[string]any{"overlap_hours": 2})
	newSecret := rotated["secret"].(string)
	require.NotEqual(t, oldSecret, newSecret)
	require.Equal(t, "2026-12-01T12:00:00Z", rotated["previous_secret_expires_at"])
	require.NotContains(t, a.must(200, "GET", "/v1/webhooks/"+id, nil), "secret")

	// The receiver mended, every dead delivery retried at once.
	rc.setAnswer(nil)
	bulk := a.must(200, "POST", "/v1/webhooks/"+id+"/deliveries/retry", nil)
	require.Equal(t, float64(1), bulk["retried"])
	require.Equal(t, "active", bulk["webhook"].(map[string]any)["status"])
	at := t0.Add(time.Hour)
	require.Equal(t, webhook.Report{Delivered: 2}, runOnce(t, d, at))
	rs := rc.requests()
	for i, want := range []string{e1, e2} {
		r := rs[len(rs)-2+i]
		sig := r.header.Get(webhook.SignatureHeader)
		require.Equal(t, 2, strings.Count(sig, "v1="), "both secrets sign during the overlap")
		require.NoError(t, webhook.Verify(newSecret, sig, r.body, at, 0))
		require.NoError(t, webhook.Verify(oldSecret, sig, r.body, at, 0))
		require.Equal(t, want, jsonField(t, r.body, "id"), "the event id is in the signed body")
		require.Equal(t, want, r.eventID())
	}

	// After the overlap only the new secret signs.
	e3 := f.add(permit.EventPermitApproved, "p2", "a2")
	after := t0.Add(2*time.Hour + time.Second)
	require.Equal(t, webhook.Report{Enqueued: 1, Delivered: 1}, runOnce(t, d, after))
	last := rc.requests()[len(rc.requests())-1]
	require.Equal(t, e3, last.eventID())
	require.NoError(t, webhook.Verify(newSecret, last.header.Get(webhook.SignatureHeader), last.body, after, 0))
	require.ErrorIs(t, webhook.Verify(oldSecret, last.header.Get(webhook.SignatureHeader), last.body, after, 0), webhook.ErrInvalidSignature)

	// Resume alone: a paused webhook sends again, its dead delivery stays
	// dead and holds nothing back.
	rc.setAnswer(func(request, int) int { return 500 })
	f.add(permit.EventPermitApproved, "p3", "a3")
	require.Equal(t, webhook.Report{Enqueued: 1, Dead: 1, Paused: 1}, runOnce(t, d, after))
	e5 := f.add(permit.EventPermitCancelled, "p3", "a3")
	rc.setAnswer(nil)
	require.Equal(t, webhook.Report{Enqueued: 1}, runOnce(t, d, after))
	resumed := a.must(200, "POST", "/v1/webhooks/"+id+"/resume", nil)
	require.Equal(t, "active", resumed["status"])
	require.NotContains(t, resumed, "paused_at")
	require.Equal(t, webhook.Report{Delivered: 1}, runOnce(t, d, after))
	require.Equal(t, e5, rc.requests()[len(rc.requests())-1].eventID())
	dead, err := store.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: id, Status: webhook.StatusDead, Limit: 10})
	require.NoError(t, err)
	require.Len(t, dead, 1)
	a.problem(404, "not_found", "POST", "/v1/webhooks/wh_nothing/resume", officerToken, nil)
	a.problem(404, "not_found", "POST", "/v1/webhooks/wh_nothing/deliveries/retry", officerToken, nil)
	a.problem(403, "forbidden", "POST", "/v1/webhooks/"+id+"/resume", residentToken, nil)
}
