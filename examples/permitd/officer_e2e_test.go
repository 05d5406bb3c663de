package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 18: without an OpenID Connect provider an officer signs in to the
// officer pages with the officer token, finds the application in the
// review queue and approves it; the event says officer:NAME, and the
// session is in the database (another instance knows it).
func TestOfficerPages(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			dsn := db(t)
			s := startServerEnv(t, dsn, map[string]string{"PERMITD_OFFICER_TOKEN": "mo.khan=" + testOfficerToken}, "--test-clock")
			r := s.open("Lee Ward", s.find("LE11 3AB", "11")["uprn"].(string))
			p := s.must(http.StatusCreated, "POST", "/v1/accounts/"+r.id+"/permits", r.token, map[string]any{"type": "essential-carer", "vrm": "EF56GHJ",
				"evidence": careLetter("Lee Ward", "2026-11-20")})
			id := p["id"].(string)

			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			get := func(base, path string) (int, string) {
				resp, err := c.Get(base + path)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			post := func(base, path string, form url.Values) (int, string) {
				req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", base)
				resp, err := c.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			st, body := get(s.base, "/officer/")
			require.Equal(t, http.StatusOK, st)
			require.Contains(t, body, "Officer token")
			st, body = post(s.base, "/officer/sign-in", url.Values{"token": {testOfficerToken}})
			require.Equal(t, http.StatusOK, st, body)
			require.Contains(t, body, id, "the review queue lists the application")
			require.Contains(t, body, "Decide by")

			// A second instance on the database knows the session.
			s2 := startServerEnv(t, dsn, map[string]string{"PERMITD_OFFICER_TOKEN": "mo.khan=" + testOfficerToken}, "--test-clock")
			u, _ := url.Parse(s.base)
			u2, _ := url.Parse(s2.base)
			jar.SetCookies(u2, jar.Cookies(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/officer/"}))
			st, body = get(s2.base, "/officer/permits/"+id)
			require.Equal(t, http.StatusOK, st)
			require.Contains(t, body, "EF56GHJ")

			st, body = post(s.base, "/officer/permits/"+id+"/approve", nil)
			require.Equal(t, http.StatusOK, st, body)
			require.Contains(t, body, "The application is approved")
			evs := s.must(http.StatusOK, "GET", "/v1/permits/"+id+"/events", testOfficerToken, nil)["events"].([]any)
			require.Equal(t, "officer:mo.khan", evs[len(evs)-1].(map[string]any)["actor"])
		})
	}
}
