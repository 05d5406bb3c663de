package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
)

// --base-path serves the JSON API and the webhook routes under a path of
// the council's (issue 14 item 5): Location headers, problem instances,
// the paths problem details name and the OpenAPI servers entry start with
// it; a proxy that takes it off reaches the same API; the resident pages
// stay at the root.
func TestBasePathFlag(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "permitd.db"), "--base-path", "/permits", "--webhook-allow-loopback",
		"--test-clock")
	root := s.base
	s.base = root + "/permits"

	// The served document names the base path; the rest of the exchanges
	// are checked against it.
	doc := s.do("GET", "/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, doc.status, "%s", doc.body)
	require.Equal(t, "/permits", doc.obj(t)["servers"].([]any)[0].(map[string]any)["url"])
	oas, err := httpapitest.NewValidator(doc.body)
	require.NoError(t, err)
	s.oas, s.client = oas, &http.Client{Transport: oas.Transport(nil), Timeout: s.client.Timeout}

	require.Equal(t, "ok", s.must(http.StatusOK, "GET", "/healthz", "", nil)["status"])
	uprn := s.find("le113ab", "12")["uprn"].(string)
	r := s.do("POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": uprn})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	acc := r.obj(t)
	id, token := acc["id"].(string), acc["token"].(string)
	require.Equal(t, "/permits/v1/accounts/"+id, r.header.Get("Location"))

	r = s.do("POST", "/v1/accounts/"+id+"/permits", token, map[string]any{"type": "essential-carer", "vrm": "AB12CDE",
		"evidence": careLetter("Jane Smith", s.must(http.StatusOK, "GET", "/v1/test-clock", testOfficerToken, nil)["now"].(string)[:10])})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "/permits/v1/permits/"+r.obj(t)["id"].(string), r.header.Get("Location"))

	m := s.problem(http.StatusNotFound, "not_found", "GET", "/v1/permits/per_none", testOfficerToken, nil)
	require.Equal(t, "/permits/v1/permits/per_none", m["instance"])
	m = s.problem(http.StatusUnprocessableEntity, "validation_failed", "POST", "/v1/accounts", "", map[string]any{"name": "X", "uprn": "999"})
	require.Contains(t, m["errors"].([]any)[0].(map[string]any)["detail"], "GET /permits/v1/addresses")

	r = s.do("POST", "/v1/webhooks", testOfficerToken, map[string]any{"url": "http://127.0.0.1:9/hook"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.True(t, strings.HasPrefix(r.header.Get("Location"), "/permits/v1/webhooks/wh_"), r.header.Get("Location"))
	m = s.problem(http.StatusNotFound, "not_found", "GET", "/v1/webhooks/wh_none", testOfficerToken, nil)
	require.Equal(t, "/permits/v1/webhooks/wh_none", m["instance"])

	// Behind a proxy that takes the base path off, the same API answers
	// and still names its public paths.
	get := func(url, token string) (int, string) {
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := get(root+"/v1/accounts/"+id, token)
	require.Equal(t, http.StatusOK, status, body)
	status, body = get(root+"/v1/permits/per_none", testOfficerToken)
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, `"instance":"/permits/v1/permits/per_none"`)
	status, _ = get(root+"/v1/webhooks", testOfficerToken)
	require.Equal(t, http.StatusOK, status)
	// The resident pages keep the root.
	status, body = get(root+"/", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<html")

	require.NoError(t, s.oas.Err(), "traffic that does not match the served openapi.json")
	s.stop()
}

func TestBasePathFlagRefused(t *testing.T) {
	for _, bad := range []string{"permits", "/permits/", "/a/../b", "/a b"} {
		t.Run(bad, func(t *testing.T) {
			err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "p.db"), "--base-path", bad},
				func(k string) string { return map[string]string{"PERMITD_OFFICER_TOKEN": testOfficerToken}[k] }, io.Discard)
			require.ErrorContains(t, err, "--base-path")
		})
	}
	c, err := parseConfig(nil, func(k string) string { return map[string]string{"PERMITD_BASE_PATH": "/council/permits"}[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "/council/permits", c.basePath)
}
