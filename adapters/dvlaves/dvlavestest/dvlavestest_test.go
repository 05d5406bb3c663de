package dvlavestest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/dvlaves/dvlavestest"
)

func enquire(t *testing.T, rt http.RoundTripper, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/vehicle-enquiry/v1/vehicles", bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func TestTestRegistrations(t *testing.T) {
	fake := dvlavestest.NewServer(dvlavestest.Config{})
	defer fake.Close()
	spec, err := dvlavestest.Spec()
	require.NoError(t, err)
	wire := spec.Transport(nil)
	vehicle, err := spec.Schema("Vehicle")
	require.NoError(t, err)
	for _, reg := range dvlavestest.Found {
		status, out := enquire(t, wire, fake.URL, dvlavestest.APIKey, `{"registrationNumber":"`+reg+`"}`)
		require.Equal(t, 200, status, reg)
		require.Equal(t, reg, out["registrationNumber"])
		require.NoError(t, vehicle.VisitJSON(out))
	}
	errorResponse, err := spec.Schema("ErrorResponse")
	require.NoError(t, err)
	for reg, want := range dvlavestest.Failing {
		status, out := enquire(t, wire, fake.URL, dvlavestest.APIKey, `{"registrationNumber":"`+reg+`"}`)
		require.Equal(t, want, status, reg)
		require.NoError(t, errorResponse.VisitJSON(out), "DVLA's error shape, the 429 included")
		e := out["errors"].([]any)[0].(map[string]any)
		require.Equal(t, e["status"], e["code"])
	}
	for _, err := range wire.Errors() {
		t.Errorf("against DVLA's published spec: %v", err)
	}
	for _, st := range []int{200, 400, 404, 500, 503} {
		require.True(t, wire.Seen("getVehicleDetailsByRegistrationNumber", st), st)
	}
	require.Len(t, fake.Asked(), len(dvlavestest.Found)+len(dvlavestest.Failing))
}

func TestRefusals(t *testing.T) {
	fake := dvlavestest.NewServer(dvlavestest.Config{Key: "k"})
	defer fake.Close()
	spec, err := dvlavestest.Spec()
	require.NoError(t, err)
	wire := spec.Transport(nil)
	tests := []struct {
		name, key, body string
		status          int
		offSpec         bool // the request breaks the document on purpose
	}{
		{"no key", "", `{"registrationNumber":"AA19AAA"}`, 403, true},
		{"wrong key", "x", `{"registrationNumber":"AA19AAA"}`, 403, false},
		{"a space", "k", `{"registrationNumber":"AA19 AAA"}`, 400, false},
		{"lower case", "k", `{"registrationNumber":"aa19aaa"}`, 400, false},
		{"too long", "k", `{"registrationNumber":"AA19AAAA"}`, 400, false},
		{"none", "k", `{}`, 400, false},
		{"not JSON", "k", `registrationNumber=AA19AAA`, 400, true},
		{"an added vehicle", "k", `{"registrationNumber":"AB12CDE"}`, 200, false},
	}
	fake.Add(dvlavestest.Vehicle{"registrationNumber": "AB12CDE", "make": "KIA"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := http.RoundTripper(wire)
			if tt.offSpec {
				rt = http.DefaultTransport
			}
			status, out := enquire(t, rt, fake.URL, tt.key, tt.body)
			require.Equal(t, tt.status, status, out)
			if status == 403 {
				require.Equal(t, map[string]any{"message": "Forbidden"}, out)
			}
		})
	}
	fake.FailNext(429, 500)
	status, _ := enquire(t, wire, fake.URL, "k", `{"registrationNumber":"AB12CDE"}`)
	require.Equal(t, 429, status)
	status, _ = enquire(t, wire, fake.URL, "k", `{"registrationNumber":"AB12CDE"}`)
	require.Equal(t, 500, status)
	status, _ = enquire(t, wire, fake.URL, "k", `{"registrationNumber":"AB12CDE"}`)
	require.Equal(t, 200, status)
	for _, err := range wire.Errors() {
		t.Errorf("against DVLA's published spec: %v", err)
	}
}
