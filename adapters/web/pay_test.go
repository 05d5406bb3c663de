package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPayOnTheProvidersPage(t *testing.T) {
	s := newSite(t)
	c := s.client()
	check, state := c.apply("100000000001", "AB12CDE", false)
	require.Contains(t, check.body, "Free")
	a := c.post("/apply/check", state)
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Application sent")
	require.Contains(t, a.body, "This permit is free.")

	// The household's free place is taken: the next permit is paid, on
	// the provider's page.
	check, state = c.apply("100000000001", "XY12ABC", true)
	require.Contains(t, check.body, "£", "the price is shown")
	a = c.post("/apply/check", state)
	require.Equal(t, http.StatusOK, a.status)
	require.True(t, strings.HasPrefix(a.url, s.URL+"/pay/"), "the browser is on the provider's page: %s", a.url)

	// Declined: back on the pages, nothing taken, try again.
	a = c.post(a.url, url.Values{"outcome": {"decline"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.url, "/apply/paid/")
	require.Contains(t, a.body, "Your payment was not completed")
	require.Contains(t, a.body, "No money has been taken")
	action := between(a.body, `<form method="post" action="`, `"`)
	require.Contains(t, action, "/apply/pay/")

	a = c.post(action, nil)
	require.True(t, strings.HasPrefix(a.url, s.URL+"/pay/"), "a new attempt on the provider's page: %s", a.url)
	a = c.post(a.url, url.Values{"outcome": {"pay"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.url, "/apply/done/")
	require.Contains(t, a.body, "Application sent")
	require.Contains(t, a.body, "is held, not taken")
	require.Contains(t, a.body, "will review your application by 16 November 2026")

	// Another browser returning to the same page sees nothing personal.
	other := s.client()
	a = other.get(strings.Replace(a.url, "/apply/done/", "/apply/paid/", 1))
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Sign in and open Your permits")
}
