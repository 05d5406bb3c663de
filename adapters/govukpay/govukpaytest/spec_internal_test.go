package govukpaytest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// The checks must be able to fail: answers that drift from Pay's document
// are caught.
func TestSpecCheckerCatchesDrift(t *testing.T) {
	c, err := newSpecChecker()
	require.NoError(t, err)
	get := httptest.NewRequest("GET", "/v1/payments/abc", nil)
	in, err := c.checkRequest(get, nil)
	require.NoError(t, err)
	header := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"a payment", 200, `{"amount": 100, "state": {"status": "created", "finished": false}, "payment_id": "abc"}`, true},
		{"amount as a string", 200, `{"amount": "1.00", "payment_id": "abc"}`, false},
		{"finished as a string", 200, `{"state": {"finished": "no"}}`, false},
		{"an error", 404, `{"code": "P0200", "description": "Not found"}`, true},
		{"a code as a number", 404, `{"code": 200}`, false},
		{"a status Pay does not answer", 418, `{}`, false},
	} {
		err := c.checkAnswer(in, tc.status, header, []byte(tc.body))
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.Error(t, err, tc.name)
		}
	}
	require.Error(t, c.take(&c.answers))
	require.NoError(t, c.take(&c.answers), "take forgets")

	create := httptest.NewRequest("POST", "/v1/payments", bytes.NewReader([]byte(`{"amount": 100}`)))
	create.Header.Set("Content-Type", "application/json")
	_, err = c.checkRequest(create, []byte(`{"amount": 100}`))
	require.Error(t, err, "a create without description, reference and return_url")
	in, err = c.checkRequest(create, []byte(`{"amount": 100, "description": "d", "reference": "r", "return_url": "https://x"}`))
	require.NoError(t, err)
	require.NoError(t, c.checkAnswer(in, http.StatusOK, header, []byte(`{"anything": true}`)), "the replay Pay answers outside its document")
}
