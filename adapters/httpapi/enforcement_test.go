package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEnforcementLookUp(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12 CDE")
	pid := p["id"].(string)
	look := func(path string) map[string]any {
		t.Helper()
		r := hs.do("GET", path, hs.officer, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "no-store", r.header.Get("Cache-Control"))
		return r.json(t)
	}

	// Pending review: not a permit yet.
	c := look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3")
	require.Equal(t, false, c["permitted"])
	require.Equal(t, []any{}, c["permits"])

	hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/approve", hs.officer, nil)
	c = look("/v1/enforcement/vehicles/ab12%20cde?zone=loughborough-3")
	require.Equal(t, map[string]any{
		"vrm": "AB12CDE", "zone": map[string]any{"id": "loughborough-3", "name": "Loughborough 3"},
		"at": "2026-11-02T10:00:00Z", "on": "2026-11-02", "permitted": true,
		"permits": []any{map[string]any{"id": pid, "type": "essential-carer", "status": "current", "valid": true,
			"zone": map[string]any{"id": "loughborough-3", "name": "Loughborough 3"}, "starts_on": "2026-11-02", "expires_on": "2027-11-01"}},
	}, c, "at defaults to the server's clock")

	c = look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-2")
	require.Equal(t, false, c["permitted"], "another zone")
	require.Equal(t, false, c["permits"].([]any)[0].(map[string]any)["valid"])

	// An instant with an offset is read as the instant it is, and judged on
	// its London date: 2027-11-01T23:30-01:00 is 2 November 00:30 GMT.
	c = look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=2027-11-01T23:30:00-01:00")
	require.Equal(t, "2027-11-02T00:30:00Z", c["at"])
	require.Equal(t, "2027-11-02", c["on"])
	require.Equal(t, false, c["permitted"])
	require.Equal(t, "expired", c["permits"].([]any)[0].(map[string]any)["status"])
	c = look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=2027-11-01T23:59:59Z")
	require.Equal(t, true, c["permitted"], "valid to the end of its last day")

	// A change scheduled for tomorrow counts from tomorrow, before the
	// due jobs apply it.
	hs.must(http.StatusAccepted, "POST", "/v1/permits/"+pid+"/vehicle-changes", tok, map[string]any{"vrm": "EF56 GHJ", "effective_on": "2026-11-03"})
	require.Equal(t, true, look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3")["permitted"])
	require.Equal(t, false, look("/v1/enforcement/vehicles/EF56GHJ?zone=loughborough-3")["permitted"])
	require.Equal(t, false, look("/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=2026-11-03T00:00:00Z")["permitted"])
	require.Equal(t, true, look("/v1/enforcement/vehicles/EF56GHJ?zone=loughborough-3&at=2026-11-03T00:00:00Z")["permitted"])
}

func TestEnforcementLookUpRefuses(t *testing.T) {
	hs := newHarness(t)
	_, tok := hs.account(home)
	cases := []struct {
		name, path, token string
		status            int
		code, field       string
	}{
		{"account token", "/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3", tok, 403, "forbidden", ""},
		{"no token", "/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3", "", 401, "unauthorized", ""},
		{"bad registration", "/v1/enforcement/vehicles/AB%2A12?zone=loughborough-3", hs.officer, 422, "invalid_vrm", "vrm"},
		{"too long a registration", "/v1/enforcement/vehicles/ABCDEFGH123?zone=loughborough-3", hs.officer, 422, "invalid_vrm", "vrm"},
		{"unknown zone", "/v1/enforcement/vehicles/AB12CDE?zone=atlantis", hs.officer, 422, "validation_failed", "zone"},
		{"no zone", "/v1/enforcement/vehicles/AB12CDE", hs.officer, 400, "validation_failed", "zone"},
		{"zone too long", "/v1/enforcement/vehicles/AB12CDE?zone=" + strings.Repeat("z", 101), hs.officer, 400, "validation_failed", "zone"},
		{"instant not RFC 3339", "/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=2026-11-02", hs.officer, 400, "validation_failed", "at"},
		{"no registration", "/v1/enforcement/vehicles/?zone=loughborough-3", hs.officer, 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := requireProblem(t, hs.do("GET", tc.path, tc.token, nil), tc.status, tc.code)
			if tc.field != "" {
				require.Equal(t, tc.field, m["errors"].([]any)[0].(map[string]any)["field"], "%v", m)
			}
		})
	}
}

// The review queue says which items are past their deadline, and moving
// the test clock flags each breach once.
func TestReviewQueueOverdue(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	hs.apply(acc, tok, "AB12CDE") // Monday 2 November 2026: due Monday 16 November
	q := hs.must(http.StatusOK, "GET", "/v1/review-queue", hs.officer, nil)
	item := q["items"].([]any)[0].(map[string]any)
	require.Equal(t, "2026-11-16", item["due_on"])
	require.Equal(t, false, item["overdue"])

	due := hs.must(http.StatusOK, "POST", "/v1/test-clock", hs.officer, map[string]any{"now": "2026-11-16T18:00:00Z"})
	require.EqualValues(t, 0, due["reviews_overdue"])
	due = hs.must(http.StatusOK, "POST", "/v1/test-clock", hs.officer, map[string]any{"now": "2026-11-17T08:00:00Z"})
	require.EqualValues(t, 1, due["reviews_overdue"])
	require.EqualValues(t, 0, due["address_changes_overdue"])
	due = hs.must(http.StatusOK, "POST", "/v1/test-clock", hs.officer, map[string]any{"now": "2026-11-18T08:00:00Z"})
	require.EqualValues(t, 0, due["reviews_overdue"], "once")
	q = hs.must(http.StatusOK, "GET", "/v1/review-queue", hs.officer, nil)
	require.Equal(t, true, q["items"].([]any)[0].(map[string]any)["overdue"])
}
