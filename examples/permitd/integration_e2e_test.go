package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

const testIntegrationToken = "e2e-integration-token-0123456789"

// --integration-token NAME=TOKEN is a read-only role (issue 14, item 11):
// it reads the feed, permits, accounts and the review queue, manages its
// own webhooks, and decides nothing.
func TestIntegrationToken(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "permitd.db"), "--webhook-allow-loopback",
		"--integration-token", "back-office="+testIntegrationToken)
	officer := testOfficerToken
	uprn := s.find("LE11 4AJ", "3")["uprn"].(string)
	acc := s.must(201, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": uprn})
	feed := s.must(200, "GET", "/v1/events", testIntegrationToken, nil)
	require.NotEmpty(t, feed["events"])
	s.must(200, "GET", "/v1/review-queue", testIntegrationToken, nil)
	s.must(200, "GET", "/v1/accounts/"+acc["id"].(string), testIntegrationToken, nil)
	s.problem(403, "forbidden", "POST", "/v1/accounts", testIntegrationToken, map[string]any{"name": "X", "uprn": uprn})
	s.problem(403, "forbidden", "GET", "/v1/payment-retries", testIntegrationToken, nil)

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	mine := s.must(201, "POST", "/v1/webhooks", testIntegrationToken, map[string]any{"url": receiver.URL + "/hook"})
	require.Equal(t, "integration:back-office", mine["created_by"])
	s.must(201, "POST", "/v1/webhooks", officer, map[string]any{"url": receiver.URL + "/other"})
	require.Len(t, s.must(200, "GET", "/v1/webhooks", testIntegrationToken, nil)["webhooks"], 1)
	require.Len(t, s.must(200, "GET", "/v1/webhooks", officer, nil)["webhooks"], 2)
	s.must(204, "DELETE", "/v1/webhooks/"+mine["id"].(string), testIntegrationToken, nil)
	s.stop()
	require.NotContains(t, s.out.String(), testIntegrationToken, "tokens never reach the log")
}

func TestIntegrationTokenFlag(t *testing.T) {
	var out bytes.Buffer
	c, err := parseConfig([]string{"--integration-token", "a=" + testIntegrationToken + ",b=" + testIntegrationToken + "x"},
		func(string) string { return "" }, &out)
	require.NoError(t, err)
	require.Equal(t, []httpapi.Integration{{Name: "a", Token: testIntegrationToken}, {Name: "b", Token: testIntegrationToken + "x"}}, c.integrations)
	c, err = parseConfig(nil, func(k string) string {
		if k == "PERMITD_INTEGRATION_TOKEN" {
			return "env=" + testIntegrationToken
		}
		return ""
	}, &out)
	require.NoError(t, err)
	require.Equal(t, []httpapi.Integration{{Name: "env", Token: testIntegrationToken}}, c.integrations)
	_, err = parseConfig([]string{"--integration-token", testIntegrationToken}, func(string) string { return "" }, &out)
	require.ErrorContains(t, err, "NAME=TOKEN")
	require.NotContains(t, err.Error(), testIntegrationToken)
}
