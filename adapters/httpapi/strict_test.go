package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Unknown query parameters are 400 on every endpoint (issue 14, item 12):
// GET /v1/events?permit_id=… used to return the whole feed.
func TestUnknownQueryParametersRefused(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12CDE")
	pid := p["id"].(string)
	cases := []struct {
		path, token, field, code string
	}{
		{"/v1/events?permit_id=" + pid, hs.officer, "permit_id", "unknown_parameter"},
		{"/v1/events?limit=1&limit=2", hs.officer, "limit", "repeated_parameter"},
		{"/v1/review-queue?status=pending", hs.officer, "status", "unknown_parameter"},
		{"/v1/payment-retries?x=1", hs.officer, "x", "unknown_parameter"},
		{"/v1/addresses?postcode=LE11+3AB&zone=1", "", "zone", "unknown_parameter"},
		{"/v1/accounts/" + acc + "?verbose=1", tok, "verbose", "unknown_parameter"},
		{"/v1/accounts/" + acc + "/eligibility?type=essential-carer&when=now", tok, "when", "unknown_parameter"},
		{"/v1/permits/" + pid + "?fields=id", tok, "fields", "unknown_parameter"},
		{"/v1/permits/" + pid + "/events?after=1", tok, "after", "unknown_parameter"},
		{"/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&vrm=1", hs.officer, "vrm", "unknown_parameter"},
		{"/v1/openapi.json?v=2", "", "v", "unknown_parameter"},
		{"/healthz?deep=1", "", "deep", "unknown_parameter"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			m := requireProblem(t, hs.do("GET", c.path, c.token, nil), http.StatusBadRequest, "validation_failed")
			errs := m["errors"].([]any)
			require.Len(t, errs, 1, "%v", m)
			e := errs[0].(map[string]any)
			require.Equal(t, c.field, e["field"])
			require.Equal(t, c.code, e["code"])
			require.NotEmpty(t, e["detail"])
		})
	}
	t.Run("a POST with a query parameter", func(t *testing.T) {
		requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/approve?force=1", hs.officer, nil), http.StatusBadRequest, "validation_failed")
		require.Equal(t, "pending_review", hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, hs.officer, nil)["status"], "nothing was decided")
	})
	t.Run("every problem is named", func(t *testing.T) {
		m := requireProblem(t, hs.do("GET", "/v1/events?a=1&b=2", hs.officer, nil), http.StatusBadRequest, "validation_failed")
		require.Len(t, m["errors"], 2)
	})
	t.Run("who may not call the endpoint is told so first", func(t *testing.T) {
		requireProblem(t, hs.do("GET", "/v1/events?permit_id=x", "", nil), http.StatusUnauthorized, "unauthorized")
		requireProblem(t, hs.do("GET", "/v1/events?permit_id=x", tok, nil), http.StatusForbidden, "forbidden")
	})
	t.Run("the parameters an endpoint reads are accepted", func(t *testing.T) {
		hs.must(http.StatusOK, "GET", "/v1/events?after=&limit=5", hs.officer, nil)
		require.Equal(t, http.StatusOK, hs.do("GET", "/v1/addresses?postcode=LE11+3AB&house=12", "", nil).status)
		hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc+"/eligibility?type=essential-carer&pay=true", tok, nil)
	})
}

// GET /v1/permits/{id}/events is one permit's history (issue 14, item 12).
func TestPermitEvents(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12CDE")
	pid := p["id"].(string)
	other := hs.apply(acc, tok, "XY12ZZZ")["id"].(string)
	hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/approve", hs.officer, nil)

	m := hs.must(http.StatusOK, "GET", "/v1/permits/"+pid+"/events", tok, nil)
	evs := m["events"].([]any)
	var types []string
	for _, e := range evs {
		ev := e.(map[string]any)
		require.Equal(t, pid, ev["permit_id"], "only this permit's events")
		types = append(types, ev["type"].(string))
	}
	require.Equal(t, "permit.applied", types[0])
	require.Equal(t, "permit.approved", types[len(types)-1])
	require.NotContains(t, types, "account.created")

	// In feed order, and the same objects the feed shows.
	feed := hs.must(http.StatusOK, "GET", "/v1/events?limit=1000", hs.officer, nil)["events"].([]any)
	var fromFeed []any
	for _, e := range feed {
		if e.(map[string]any)["permit_id"] == pid {
			fromFeed = append(fromFeed, e)
		}
	}
	require.Equal(t, fromFeed, evs)

	officerView := hs.must(http.StatusOK, "GET", "/v1/permits/"+pid+"/events", hs.officer, nil)["events"].([]any)
	require.Equal(t, evs, officerView)
	otherEvs := hs.must(http.StatusOK, "GET", "/v1/permits/"+other+"/events", tok, nil)["events"].([]any)
	require.NotEmpty(t, otherEvs)
	require.Equal(t, other, otherEvs[0].(map[string]any)["permit_id"])

	_, stranger := hs.account(neighbour)
	requireProblem(t, hs.do("GET", "/v1/permits/"+pid+"/events", stranger, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("GET", "/v1/permits/per_none/events", hs.officer, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("GET", "/v1/permits/"+pid+"/events", "", nil), http.StatusUnauthorized, "unauthorized")
}
