package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
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

// TestWebSessionSurvivesRestart: a resident's sign-in session is in the
// database, so a restarted server (or another instance) still knows it.
func TestWebSessionSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "permitd.db")
	s := startServer(t, db)
	list := s.do("GET", "/v1/addresses?postcode=LE11+3AB", "", nil)
	var props []map[string]any
	require.NoError(t, json.Unmarshal(list.body, &props))
	require.NotEmpty(t, props)
	uprn := props[0]["uprn"].(string)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"type": {"essential-carer"}, "postcode": {"LE11 3AB"}, "uprn": {uprn}, "name": {"Ada Lovelace"}, "email": {"ada@example.com"}}
	resp, err := noRedirect.PostForm(s.base+"/apply/account", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "permit_session" {
			session = c
		}
	}
	require.NotNil(t, session)
	s.stop()

	s = startServer(t, db)
	req, err := http.NewRequest("GET", s.base+"/apply/vehicle?"+form.Encode(), nil)
	require.NoError(t, err)
	req.AddCookie(session)
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the restarted server knows the session")
}
