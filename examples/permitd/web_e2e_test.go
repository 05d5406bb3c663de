package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPagesAtRootAPIUnderV1 checks the wiring: the resident pages answer
// at / (HTML, the council's name), the JSON API keeps /v1/ and /healthz.
func TestPagesAtRootAPIUnderV1(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "permitd.db"))
	resp, err := http.Get(s.base + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"))
	require.Contains(t, string(body), "Leicestershire County Council")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")

	resp, err = http.Get(s.base + "/assets/govuk-frontend/govuk-frontend.min.css")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Equal(t, "ok", s.must(200, "GET", "/healthz", "", nil)["status"])
	require.Equal(t, http.StatusUnauthorized, s.do("GET", "/v1/review-queue", "", nil).status)
}
