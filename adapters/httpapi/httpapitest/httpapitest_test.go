package httpapitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
)

// The validator must catch drift: a response field the document does not
// have, a missing required one, a wrong type, an undocumented status.
func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	v, err := httpapitest.NewValidator(httpapi.OpenAPI())
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/v1/accounts/acc_1", nil)
	json := http.Header{"Content-Type": {"application/json"}}
	good := `{"id":"acc_1","name":"A","email":"","phone":"","uprn":"1","address":"x","zone":null,"created_at":"2026-11-02T10:00:00Z","version":1}`
	require.NoError(t, v.Check(req, nil, 200, json, []byte(good)))
	for name, body := range map[string]string{
		"extra field":   strings.Replace(good, `"id"`, `"surprise":1,"id"`, 1),
		"missing field": strings.Replace(good, `"name":"A",`, ``, 1),
		"wrong type":    strings.Replace(good, `"zone":null`, `"zone":"x"`, 1),
		"bad date-time": strings.Replace(good, `2026-11-02T10:00:00Z`, `yesterday`, 1),
	} {
		require.Error(t, v.Check(req, nil, 200, json, []byte(body)), name)
	}
	require.Error(t, v.Check(req, nil, 201, json, []byte(good)), "undocumented status")
	post := httptest.NewRequest("POST", "/v1/accounts", strings.NewReader(`{"name":"A"}`))
	post.Header.Set("Content-Type", "application/json")
	require.Error(t, v.Check(post, []byte(`{"name":"A"}`), 201, json, []byte(good)), "accepted request missing uprn")
	require.Error(t, v.Check(httptest.NewRequest("GET", "/v1/unknown", nil), nil, 200, json, []byte(`{}`)), "undocumented path")
}
