package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 14 item 15 (regression): approving an application whose whole
// period passed while it waited answered 200 with "status": "expired".
// It is 409 invalid_transition saying what to do, and the application is
// withdrawn.
func TestApproveAfterThePeriodPassed(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12CDE")
	id := p["id"].(string)
	hs.must(http.StatusOK, "POST", "/v1/test-clock", officerToken, map[string]any{"now": "2027-12-01T10:00:00Z"})

	m := requireProblem(t, hs.do("POST", "/v1/permits/"+id+"/approve", officerToken, nil), http.StatusConflict, "invalid_transition")
	require.Contains(t, m["detail"], "whole period passed before it was decided")
	require.Contains(t, m["detail"], "apply again")

	got := hs.must(http.StatusOK, "GET", "/v1/permits/"+id, tok, nil)
	require.Equal(t, "withdrawn", got["status"])
}
