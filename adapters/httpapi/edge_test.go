package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 11, defect 11: an unknown permit type answered 200 eligible:false on
// eligibility and 422 on apply; both are 422 unknown_permit_type.
func TestUnknownPermitTypeIs422(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	for _, c := range []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{"eligibility", "GET", "/v1/accounts/" + acc + "/eligibility?type=season-ticket", nil},
		{"apply", "POST", "/v1/accounts/" + acc + "/permits", map[string]any{"type": "season-ticket", "vrm": "AB12CDE", "evidence": hs.proofOfCare()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := requireProblem(t, hs.do(c.method, c.path, tok, c.body), http.StatusUnprocessableEntity, "unknown_permit_type")
			require.Contains(t, m["detail"], `There is no permit type "season-ticket"`)
			require.Contains(t, m["detail"], "essential-carer")
		})
	}
}
