package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
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

// Issue 11, defect 12: reject accepted any reason_code. It must be one of
// the scheme's rejection reasons (422 validation_failed naming the field
// and the codes), and the served OpenAPI document lists them.
func TestRejectReasonCodes(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	pid := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	m := requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/reject", officerToken, map[string]any{"reason_code": "because", "reason": "No."}),
		http.StatusUnprocessableEntity, "validation_failed")
	fe := m["errors"].([]any)[0].(map[string]any)
	require.Equal(t, "reason_code", fe["field"])
	require.Equal(t, "unknown_reason_code", fe["code"])
	require.Equal(t, `There is no reason code "because" in this scheme; use proof_unclear, proof_out_of_date, not_resident, vehicle_mismatch, care_not_shown or duplicate_application.`, fe["detail"])
	hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, officerToken, nil) // still pending
	p := hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/reject", officerToken, map[string]any{"reason_code": "vehicle_mismatch", "reason": "The V5C is for AB12CDF."})
	require.Equal(t, "rejected", p["status"])

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum        []string `json:"enum"`
					Description string   `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
		OpenAPI string `json:"openapi"`
	}
	r := hs.do("GET", "/v1/openapi.json", "", nil)
	require.NoError(t, json.Unmarshal(r.body, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	rc := doc.Components.Schemas["RejectRequest"].Properties["reason_code"]
	require.Equal(t, []string{"proof_unclear", "proof_out_of_date", "not_resident", "vehicle_mismatch", "care_not_shown", "duplicate_application"}, rc.Enum)
	require.Contains(t, rc.Description, "vehicle_mismatch: The vehicle registration certificate (V5C) is for a different vehicle")
	_, err := httpapitest.NewValidator(r.body)
	require.NoError(t, err, "the served document is still a valid OpenAPI document")
}
