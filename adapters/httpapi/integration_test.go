package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

const integrationToken = "integration-token-for-tests-0123456789"

// An integration token reads the feed, permits, accounts and the review
// queue, and decides nothing (issue 14, item 11).
func TestIntegrationRole(t *testing.T) {
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{integrations: []httpapi.Integration{{Name: "back-office", Token: integrationToken}}})
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12CDE")
	pid := p["id"].(string)
	ch := hs.must(http.StatusAccepted, "POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": sameZone,
		"evidence": []map[string]any{{"kind": "utility_bill", "issued_on": hs.daysAgo(10), "name": "Jane Smith",
			"address": "Rose Cottage, Ashby Road, Loughborough, LE11 3AB"}}})
	chID := ch["id"].(string)

	t.Run("reads", func(t *testing.T) {
		for _, path := range []string{
			"/v1/events", "/v1/events?limit=2", "/v1/permits/" + pid, "/v1/permits/" + pid + "/events",
			"/v1/accounts/" + acc, "/v1/accounts/" + acc + "/permits", "/v1/review-queue",
			"/v1/address-changes/" + chID, "/v1/openapi.json", "/healthz",
		} {
			r := hs.do("GET", path, integrationToken, nil)
			require.Equal(t, http.StatusOK, r.status, "GET %s: %s", path, r.body)
		}
		require.Equal(t, http.StatusOK, hs.do("GET", "/v1/addresses?postcode=LE11+3AB", integrationToken, nil).status)
		q := hs.must(http.StatusOK, "GET", "/v1/review-queue", integrationToken, nil)
		require.Len(t, q["items"], 2)
	})

	before := hs.eventCount()
	t.Run("decides nothing", func(t *testing.T) {
		refused := []struct {
			method, path string
			body         any
		}{
			{"POST", "/v1/permits/" + pid + "/approve", nil},
			{"POST", "/v1/permits/" + pid + "/reject", map[string]any{"reason_code": "evidence_unclear", "reason": "x"}},
			{"POST", "/v1/permits/" + pid + "/cancel", nil},
			{"POST", "/v1/permits/" + pid + "/vehicle-changes", map[string]any{"vrm": "XY12ZZZ"}},
			{"POST", "/v1/permits/" + pid + "/renewals", map[string]any{"evidence": hs.proofOfCare()}},
			{"POST", "/v1/accounts", map[string]any{"name": "X", "uprn": home}},
			{"POST", "/v1/accounts/" + acc + "/permits", map[string]any{"type": "essential-carer", "vrm": "XY12ZZZ", "evidence": hs.proofOfCare()}},
			{"POST", "/v1/accounts/" + acc + "/address-changes", map[string]any{"uprn": neighbour}},
			{"POST", "/v1/address-changes/" + chID + "/approve", nil},
			{"POST", "/v1/address-changes/" + chID + "/reject", map[string]any{"reason_code": "evidence_unclear", "reason": "x"}},
			{"POST", "/v1/test-clock", map[string]any{"now": "2027-01-01T00:00:00Z"}},
			{"GET", "/v1/test-clock", nil},
			{"GET", "/v1/payment-retries", nil},
			{"GET", "/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3", nil},
			{"GET", "/v1/accounts/" + acc + "/eligibility?type=essential-carer", nil},
			{"GET", "/v1/permits/" + pid + "/documents", nil},
			{"DELETE", "/v1/permits/" + pid + "/vehicle-changes/vc_x", nil},
		}
		for _, c := range refused {
			r := hs.do(c.method, c.path, integrationToken, c.body)
			m := requireProblem(t, r, http.StatusForbidden, "forbidden")
			require.Contains(t, m["detail"], "integration", "%s %s", c.method, c.path)
		}
		require.Equal(t, before, hs.eventCount(), "nothing happened")
		require.Equal(t, "pending_review", hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, hs.officer, nil)["status"])
	})

	t.Run("a wrong integration token is 401", func(t *testing.T) {
		requireProblem(t, hs.do("GET", "/v1/events", integrationToken+"x", nil), http.StatusUnauthorized, "unauthorized")
	})
}

func TestIntegrationNamedInTheLog(t *testing.T) {
	var log bytes.Buffer
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{
		integrations: []httpapi.Integration{{Name: "back-office", Token: integrationToken}},
		options:      func(o *httpapi.Options) { o.Logger = slog.New(slog.NewJSONHandler(&log, nil)) },
	})
	hs.must(http.StatusOK, "GET", "/v1/events", integrationToken, nil)
	require.Contains(t, log.String(), `"role":"integration"`)
	require.Contains(t, log.String(), `"principal":"back-office"`)
	require.NotContains(t, log.String(), integrationToken)
}

func TestIntegrationTokensChecked(t *testing.T) {
	svc := newHarness(t).svc
	good := httpapi.Integration{Name: "back-office", Token: integrationToken}
	for name, c := range map[string]struct {
		officers []string
		its      []httpapi.Integration
	}{
		"short token":          {nil, []httpapi.Integration{{Name: "a", Token: "short"}}},
		"no name":              {nil, []httpapi.Integration{{Token: integrationToken}}},
		"name with a space":    {nil, []httpapi.Integration{{Name: "back office", Token: integrationToken}}},
		"token with a space":   {nil, []httpapi.Integration{{Name: "a", Token: "integration token 0123456789"}}},
		"name given twice":     {nil, []httpapi.Integration{good, {Name: "back-office", Token: integrationToken + "2"}}},
		"an officer's token":   {[]string{integrationToken}, []httpapi.Integration{good}},
		"token of two systems": {nil, []httpapi.Integration{good, {Name: "other", Token: integrationToken}}},
	} {
		_, err := httpapi.NewTokenAuth(svc, c.officers, c.its...)
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), integrationToken, "%s: the error never quotes a token", name)
	}
	a, err := httpapi.NewTokenAuth(svc, []string{officerToken}, good)
	require.NoError(t, err)
	r, _ := http.NewRequestWithContext(context.Background(), "GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+integrationToken)
	p, err := a.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, httpapi.Principal{Role: httpapi.RoleIntegration, ID: "back-office"}, p)
}
