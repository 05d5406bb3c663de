package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// raw sends a request exactly as given (path already escaped, body bytes
// as they are), bypassing the OpenAPI validator, which cannot describe
// bytes that are not text.
func (s *server) raw(method, path, authorization string, body []byte) reply {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header["Authorization"] = []string{authorization}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// Issue 11, defect 2: input that is not UTF-8 (or holds NUL, which
// PostgreSQL refuses in text) answered 500 on PostgreSQL — a bearer token
// with byte 0xff on every endpoint including /healthz, path ids with %00 or
// %ff. It is refused before any query: 401 for a token, 404 for a path id,
// 400 for a query or body, on SQLite and PostgreSQL alike.
func TestTextThatIsNotUTF8(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, db(t), "--test-clock")
			jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
			officer := "Bearer " + testOfficerToken
			for _, c := range []struct {
				name, method, path, auth string
				body                     []byte
				status                   int
				code                     string
			}{
				{"token 0xff on healthz", "GET", "/healthz", "Bearer acc_\xff.secret", nil, 401, "unauthorized"},
				{"token 0xff on openapi", "GET", "/v1/openapi.json", "Bearer abc\xffdef", nil, 401, "unauthorized"},
				{"account token with 0xff id", "GET", "/v1/accounts/" + jane.id, "Bearer acc_\xff.secret", nil, 401, "unauthorized"},
				{"token 0xff on an account", "GET", "/v1/accounts/" + jane.id, "Bearer " + jane.token + "\xff", nil, 401, "unauthorized"},
				{"token 0xff on addresses", "GET", "/v1/addresses?postcode=LE11+3AB", "Bearer \xff\xfe", nil, 401, "unauthorized"},
				{"account id %ff", "GET", "/v1/accounts/%ff", officer, nil, 404, "not_found"},
				{"account id %00", "GET", "/v1/accounts/acc_%00", officer, nil, 404, "not_found"},
				{"permit id %ff", "GET", "/v1/permits/per_%ff", officer, nil, 404, "not_found"},
				{"permit id %00", "GET", "/v1/permits/%00", officer, nil, 404, "not_found"},
				{"permit id %ff as its owner", "GET", "/v1/permits/%ff", "Bearer " + jane.token, nil, 404, "not_found"},
				{"approve %00", "POST", "/v1/permits/%00/approve", officer, nil, 404, "not_found"},
				{"address change %ff", "GET", "/v1/address-changes/%ff", officer, nil, 404, "not_found"},
				{"vehicle change %ff", "DELETE", "/v1/permits/per_1/vehicle-changes/%ff", officer, nil, 404, "not_found"},
				{"enforcement %ff", "GET", "/v1/enforcement/vehicles/AB%ff", officer, nil, 404, "not_found"},
				{"documents %00", "GET", "/v1/permits/%00/documents", officer, nil, 404, "not_found"},
				{"permits of %ff", "GET", "/v1/accounts/%ff/permits", officer, nil, 404, "not_found"},
				{"eligibility type %ff", "GET", "/v1/accounts/" + jane.id + "/eligibility?type=%ff", "Bearer " + jane.token, nil, 400, "validation_failed"},
				{"eligibility type %00", "GET", "/v1/accounts/" + jane.id + "/eligibility?type=essential%00", "Bearer " + jane.token, nil, 400, "validation_failed"},
				{"house %ff", "GET", "/v1/addresses?postcode=LE11+3AB&house=%ff", "", nil, 400, "validation_failed"},
				{"events cursor %ff", "GET", "/v1/events?after=%ff", officer, nil, 400, "validation_failed"},
				{"body 0xff", "POST", "/v1/accounts", "", []byte("{\"name\": \"Jane \xff\", \"uprn\": \"" + jane.uprn + "\"}"), 400, "invalid_json"},
				{"body \\u0000", "POST", "/v1/accounts", "", []byte(`{"name": "Jane\u0000", "uprn": "` + jane.uprn + `"}`), 400, "invalid_json"},
				{"apply vrm \\u0000", "POST", "/v1/accounts/" + jane.id + "/permits", "Bearer " + jane.token,
					[]byte(`{"type": "essential-carer", "vrm": "AB12\u0000CDE", "evidence": []}`), 400, "invalid_json"},
				{"apply type 0xff", "POST", "/v1/accounts/" + jane.id + "/permits", "Bearer " + jane.token,
					[]byte("{\"type\": \"\xffcarer\", \"vrm\": \"AB12CDE\"}"), 400, "invalid_json"},
				{"reject reason \\u0000", "POST", "/v1/permits/per_1/reject", officer,
					[]byte(`{"reason_code": "x\u0000", "reason": "no"}`), 400, "invalid_json"},
			} {
				t.Run(c.name, func(t *testing.T) {
					r := s.raw(c.method, c.path, c.auth, c.body)
					require.Equal(t, c.status, r.status, "%s", r.body)
					require.Equal(t, c.code, r.obj(t)["code"], "%s", r.body)
				})
			}
			// The server is still well, and nothing was logged as a failure.
			s.must(200, "GET", "/healthz", "", nil)
			require.NotContains(t, s.out.String(), "request failed")
			require.False(t, strings.Contains(s.out.String(), `"status":500`), "no 500 in the access log")
		})
	}
}

// Issue 11, defect 13: a slow body held a connection for 60 s and
// connections were not capped. permitd reads bodies under
// --body-read-timeout (408 request_timeout) and accepts at most
// --max-connections at once; both are flags.
func TestSlowBodiesAndConnectionCap(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "permitd.db"), "--body-read-timeout", "400ms", "--max-connections", "3")
	addr := strings.TrimPrefix(s.base, "http://")

	// A body trickling in a byte every 100 ms is cut off at 400 ms.
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	begin := time.Now()
	_, err = fmt.Fprint(c, "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n")
	require.NoError(t, err)
	go func() {
		for range 600 {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `"code":"request_timeout"`)
	require.Less(t, time.Since(begin), 5*time.Second)

	// Three connections open (and idle) take every slot: a fourth client
	// waits until one closes.
	var idle []net.Conn
	for range 3 {
		ic, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		idle = append(idle, ic)
	}
	defer func() {
		for _, ic := range idle {
			_ = ic.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond) // let the server accept them
	quick := &http.Client{Timeout: 500 * time.Millisecond}
	_, err = quick.Get(s.base + "/healthz")
	require.Error(t, err, "a fourth connection waits while three are open")
	require.NoError(t, idle[0].Close())
	idle = idle[1:]
	patient := &http.Client{Timeout: 10 * time.Second}
	r, err := patient.Get(s.base + "/healthz")
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)
}

func TestTimeoutAndConnectionFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--body-read-timeout", "0s"}, nil, "--body-read-timeout 0s: give a duration above 0"},
		{[]string{"--upload-read-timeout", "2h"}, nil, "--upload-read-timeout 2h0m0s: give a duration above 0 and at most 1h"},
		{[]string{"--max-connections", "0"}, nil, "--max-connections 0: give a number above 0"},
		{nil, map[string]string{"PERMITD_BODY_READ_TIMEOUT": "ten"}, `PERMITD_BODY_READ_TIMEOUT="ten" is not a duration such as 10s`},
	} {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
		require.ErrorContains(t, err, c.want)
	}
	cfg, err := parseConfig(nil, func(k string) string {
		return map[string]string{"PERMITD_BODY_READ_TIMEOUT": "3s", "PERMITD_MAX_CONNECTIONS": "50"}[k]
	}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, cfg.bodyReadTimeout)
	require.Equal(t, 60*time.Second, cfg.uploadReadTimeout)
	require.Equal(t, 50, cfg.maxConnections)
}

// hostileText is what the sweep puts in path ids, query values and tokens:
// bytes that are not UTF-8, NUL and other control characters, escapes,
// long and odd but valid text.
var hostileText = []string{"%ff", "%00", "%fe%ff", "a%00b", "%c3%28", "%e2%82", "%ed%a0%80", "%7f", "%01", "%1b%5b31m",
	"..", "%2e%2e%2f", "%25", "a%20b", "%e2%80%ae", "%f0%9f%98%80", strings.Repeat("x", 300), "per_%ff%ff", "acc_%00"}

// Issue 11, defect 2: a sweep like the one that found 64 answers of 500 in
// 12,796 requests: every route, with hostile text in each path id, in a
// query value and in the bearer token, never answers 5xx.
func TestHostileTextSweep(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, db(t), "--test-clock")
			jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
			routes := []struct{ method, path string }{
				{"GET", "/v1/accounts/{}"}, {"GET", "/v1/accounts/{}/eligibility?type=essential-carer"},
				{"GET", "/v1/accounts/{}/permits"}, {"POST", "/v1/accounts/{}/permits"}, {"POST", "/v1/accounts/{}/address-changes"},
				{"GET", "/v1/permits/{}"}, {"POST", "/v1/permits/{}/approve"}, {"POST", "/v1/permits/{}/reject"},
				{"POST", "/v1/permits/{}/cancel"}, {"POST", "/v1/permits/{}/vehicle-changes"}, {"DELETE", "/v1/permits/{}/vehicle-changes/{}"},
				{"POST", "/v1/permits/{}/renewals"}, {"GET", "/v1/permits/{}/documents"}, {"GET", "/v1/permits/{}/documents/{}"},
				{"GET", "/v1/address-changes/{}"}, {"POST", "/v1/address-changes/{}/approve"}, {"POST", "/v1/address-changes/{}/reject"},
				{"GET", "/v1/enforcement/vehicles/{}?zone=loughborough-3"}, {"GET", "/v1/events?after={}"}, {"GET", "/v1/addresses?postcode={}"},
				{"GET", "/v1/review-queue?limit={}"}, {"GET", "/healthz"}, {"GET", "/v1/openapi.json"},
			}
			tokens := []string{"Bearer " + testOfficerToken, "Bearer " + jane.token}
			n := 0
			for _, rt := range routes {
				for _, bad := range hostileText {
					raw, err := url.PathUnescape(bad)
					require.NoError(t, err)
					auths := append(tokens, "Bearer \xff"+bad, "Bearer "+jane.id+"\x80.x", "Bearer "+jane.id+"."+bad)
					if !strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
						// Bytes an HTTP client can put in a header.
						auths = append(auths, "Bearer acc_"+raw+".s", "Bearer "+raw)
					}
					for _, auth := range auths {
						path := strings.ReplaceAll(rt.path, "{}", bad)
						var body []byte
						if rt.method == "POST" {
							body = []byte(`{}`)
						}
						r := s.raw(rt.method, path, auth, body)
						n++
						require.Less(t, r.status, 500, "%s %s with %q: %s", rt.method, path, auth, r.body)
					}
				}
			}
			require.Greater(t, n, 2000)
			require.NotContains(t, s.out.String(), "request failed")
		})
	}
}
