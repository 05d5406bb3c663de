package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
	"github.com/carerpermit/carerpermit/zones"
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

// slowPost sends a POST whose body of n bytes trickles in one byte per
// gap, and returns the status line the server answers and how long it
// took; the server closing the connection ends the trickle.
func slowPost(t *testing.T, addr, path string, n int, gap time.Duration) (string, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	begin := time.Now()
	_, err = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, n)
	require.NoError(t, err)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(gap)
		}
	}()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Second)))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	return strings.TrimSpace(line), time.Since(begin)
}

// Issue 11, defect 13: a body sent at 1 byte a second held a connection
// for 60 s. A body must arrive within the body timeout: 408
// request_timeout, and the connection is closed.
func TestSlowBodyTimesOut(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(handlerWith(t, hs, &httpapi.Options{BodyReadTimeout: 300 * time.Millisecond}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	status, took := slowPost(t, addr, "/v1/accounts", 1000, 100*time.Millisecond)
	require.Equal(t, "HTTP/1.1 408 Request Timeout", status)
	require.Less(t, took, 3*time.Second, "answered at the body timeout, not after the whole body")

	// The same body sent at once is read as usual.
	resp, err := http.Post(srv.URL+"/v1/accounts", "application/json", strings.NewReader(`{"name":"Jane Smith","uprn":"`+home+`"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

// handlerWith is another handler on the harness's service, with opts.
func handlerWith(t *testing.T, hs *harness, opts *httpapi.Options) http.Handler {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	auth, err := httpapi.NewTokenAuth(hs.svc, []string{officerToken})
	require.NoError(t, err)
	h, err := httpapi.New(hs.svc, g, auth, opts)
	require.NoError(t, err)
	return h
}

// Issue 11, defect 14: logs carry IDs, not personal data. An enforcement
// look-up's path holds a registration; the access log shows the route.
func TestAccessLogWithoutRegistrations(t *testing.T) {
	hs := newHarness(t)
	var buf bytes.Buffer
	h := handlerWith(t, hs, &httpapi.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for _, path := range []string{"/v1/enforcement/vehicles/XY19ZZQ?zone=loughborough-3", "/v1/enforcement/vehicles/xy19%20zzq?zone=loughborough-3"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+officerToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	require.Contains(t, buf.String(), "path=/v1/enforcement/vehicles/{vrm}")
	require.NotContains(t, strings.ToUpper(buf.String()), "XY19")
}

// Issue 11, defect 15: a registration refused in Go's words ("invalid
// vehicle registration: registration is empty") is refused in the
// council's.
func TestRegistrationMessages(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	for vrm, want := range map[string]string{
		"":         "Enter the vehicle registration, such as AB12 CDE.",
		"ABCDEFG":  `A vehicle registration has both letters and digits, such as AB12 CDE; "ABCDEFG" has no digits.`,
		"AB12CDEF": `A vehicle registration has 2 to 7 letters and digits, such as AB12 CDE; "AB12CDEF" has 8.`,
	} {
		m := requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, map[string]any{"type": "essential-carer", "vrm": vrm, "evidence": hs.proofOfCare()}),
			http.StatusUnprocessableEntity, "invalid_vrm")
		require.Equal(t, want, m["detail"])
		require.Equal(t, want, m["errors"].([]any)[0].(map[string]any)["detail"])
	}
}
