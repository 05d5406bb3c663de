package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// endpoint is one POST route with a good body for it, from which the bad
// ones are made.
type endpoint struct {
	path string
	good string
}

// TestBadInput throws malformed, oversized, truncated and wrongly typed
// requests at every endpoint that takes a body: the answer is always a 4xx
// problem document, never a 5xx, and nothing is written (the event feed
// does not grow).
func TestBadInput(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	p := hs.apply(acc, tok, "AB12CDE")
	pid := p["id"].(string)
	poc := fmt.Sprintf(`[{"kind":"proof_of_care","issued_on":%q,"name":"Jane Smith"}]`, hs.daysAgo(3))
	endpoints := []endpoint{
		{"/v1/accounts", `{"name":"Jane Smith","uprn":"100000000002"}`},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","evidence":` + poc + `}`},
		{"/v1/accounts/" + acc + "/address-changes", `{"uprn":"100000000003","evidence":[]}`},
		{"/v1/permits/" + pid + "/approve", `{}`},
		{"/v1/permits/" + pid + "/reject", `{"reason_code":"proof_unclear","reason":"y"}`},
		{"/v1/permits/" + pid + "/cancel", `{"reason":"moving"}`},
		{"/v1/permits/" + pid + "/vehicle-changes", `{"vrm":"CD34EFG"}`},
		{"/v1/permits/" + pid + "/renewals", `{"evidence":` + poc + `}`},
		{"/v1/address-changes/adc_1/approve", `{}`},
		{"/v1/address-changes/adc_1/reject", `{"reason_code":"proof_unclear","reason":"y"}`},
		{"/v1/test-clock", `{"now":"2026-11-03T09:00:00Z"}`},
	}
	type bad struct {
		name, body, contentType string
		status                  int
		code                    string
	}
	for _, ep := range endpoints {
		cases := []bad{
			{"not json", `hello`, "application/json", 400, "invalid_json"},
			{"syntax error", `{"a":}`, "application/json", 400, "invalid_json"},
			{"array", `[1,2]`, "application/json", 400, "invalid_json"},
			{"null", `null`, "application/json", 400, "invalid_json"},
			{"string", `"x"`, "application/json", 400, "invalid_json"},
			{"unknown field", `{"surprise":1}`, "application/json", 400, "invalid_json"},
			{"trailing data", ep.good + `{}`, "application/json", 400, "invalid_json"},
			{"oversized", `{"reason":"` + strings.Repeat("x", 70<<10) + `"}`, "application/json", 413, "payload_too_large"},
			{"wrong content type", ep.good, "text/plain", 415, "unsupported_media_type"},
			{"no content type", ep.good, "", 415, "unsupported_media_type"},
			{"form", `a=b`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
			{"invalid utf-8 key", "{\"\xff\":1}", "application/json", 400, "invalid_json"},
		}
		for n := 1; n < len(ep.good); n += max(1, len(ep.good)/7) {
			cases = append(cases, bad{fmt.Sprintf("truncated at %d", n), ep.good[:n], "application/json", 400, "invalid_json"})
		}
		for _, field := range fieldsOf(ep.good) {
			for _, v := range []string{`123`, `true`, `{"x":1}`, `[1]`} {
				cases = append(cases, bad{"wrongly typed " + field + " " + v, wrongType(ep.good, field, v), "application/json", 400, "invalid_json"})
			}
		}
		for _, c := range cases {
			t.Run(ep.path+" "+c.name, func(t *testing.T) {
				before := hs.eventCount()
				r := hs.send("POST", ep.path, hs.officer, c.contentType, []byte(c.body))
				require.GreaterOrEqual(t, r.status, 400, "%s", r.body)
				require.Less(t, r.status, 500, "%s", r.body)
				require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
				requireProblem(t, r, c.status, c.code)
				require.Equal(t, before, hs.eventCount(), "nothing written")
			})
		}
	}
	// Well-formed requests whose values break the rules: 4xx, and nothing
	// of them written either.
	for _, c := range []struct{ path, body, code string }{
		{"/v1/accounts", `{"name":"","uprn":"100000000002"}`, "validation_failed"},
		{"/v1/accounts", `{"name":"Jane","email":"not-an-email","uprn":"100000000002"}`, "validation_failed"},
		{"/v1/accounts", `{"name":"Jane","uprn":"12x"}`, "validation_failed"},
		{"/v1/accounts", `{"name":"Jane","uprn":"999999999999"}`, "validation_failed"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ"}`, "evidence_missing"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","starts_on":"2026-02-30","evidence":` + poc + `}`, "validation_failed"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","starts_on":"2020-01-01","evidence":` + poc + `}`, "starts_in_past"},
		// Issue 11, defect 1: never stored, so nothing breaks afterwards.
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","starts_on":"9999-12-31","evidence":` + poc + `}`, "starts_too_late"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","starts_on":"0000-01-01","evidence":` + poc + `}`, "starts_in_past"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","evidence":[{"kind":"proof_of_care","issued_on":"0000-01-01","name":"Jane Smith"}]}`, "validation_failed"},
		{"/v1/permits/" + pid + "/vehicle-changes", `{"vrm":"CD34EFG","effective_on":"9999-12-31"}`, "validation_failed"},
		{"/v1/test-clock", `{"now":"9999-12-31T23:30:00-05:00"}`, "validation_failed"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"AB12CDE","evidence":` + poc + `}`, "vrm_in_use"},
		{"/v1/accounts/" + acc + "/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","move_to":"100000000003","evidence":` + poc + `}`, "validation_failed"},
		{"/v1/accounts/acc_missing/permits", `{"type":"essential-carer","vrm":"XY12ZZZ","evidence":` + poc + `}`, "not_found"},
		{"/v1/accounts/" + acc + "/address-changes", `{"uprn":"100000000004","evidence":[]}`, "different_zone"},
		{"/v1/accounts/" + acc + "/address-changes", `{"uprn":"100000000001","evidence":[]}`, "validation_failed"},
		{"/v1/permits/" + pid + "/reject", `{"reason_code":"","reason":""}`, "validation_failed"},
		{"/v1/permits/" + pid + "/vehicle-changes", `{"vrm":"AB-12-CDE!"}`, "invalid_vrm"},
		{"/v1/permits/" + pid + "/vehicle-changes", `{"vrm":"CD34EFG","effective_on":"tomorrow"}`, "validation_failed"},
		{"/v1/permits/" + pid + "/renewals", `{"evidence":` + poc + `}`, "not_renewable"},
		{"/v1/permits/per_missing/approve", `{}`, "not_found"},
		{"/v1/address-changes/adc_missing/approve", `{}`, "not_found"},
		{"/v1/test-clock", `{"now":"2026-11-03"}`, "validation_failed"},
	} {
		before := hs.eventCount()
		r := hs.send("POST", c.path, hs.officer, "application/json", []byte(c.body))
		require.Less(t, r.status, 500, "%s %s: %s", c.path, c.body, r.body)
		requireProblem(t, r, r.status, c.code)
		require.Equal(t, before, hs.eventCount(), "%s %s: nothing written", c.path, c.body)
	}

	// Every endpoint's bad query strings and paths: 4xx, never 5xx.
	for _, path := range []string{
		"/v1/addresses?postcode=%ZZ", "/v1/addresses?postcode=" + strings.Repeat("A", 5000),
		"/v1/addresses?postcode=LE11+3AB&house=" + strings.Repeat("9", 200),
		"/v1/accounts/" + acc + "/eligibility", "/v1/accounts/" + acc + "/eligibility?type=essential-carer&starts_on=31/12/2026",
		"/v1/accounts/" + acc + "/eligibility?type=essential-carer&pay=maybe",
		"/v1/events?limit=abc", "/v1/events?limit=100000", "/v1/events?after=" + strings.Repeat("z", 300),
		"/v1/review-queue?limit=-1", "/v1/permits/%00", "/v1/accounts/..%2F..%2Fetc",
		"/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=9999-12-31T23:30:00-05:00",
		"/v1/enforcement/vehicles/AB12CDE?zone=loughborough-3&at=0000-01-01T00:00:00Z",
	} {
		r := hs.send("GET", path, hs.officer, "", nil)
		require.GreaterOrEqual(t, r.status, 400, "%s: %s", path, r.body)
		require.Less(t, r.status, 500, "%s: %s", path, r.body)
		require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), path)
	}
}

// Issue 11, defect 1: a start too far ahead is an eligibility answer that
// says so (starts_too_late), never a 500 or an expiry in year 10000.
func TestStartsTooLateEligibility(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	el := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc+"/eligibility?type=essential-carer&starts_on=9999-12-31", tok, nil)
	require.Equal(t, false, el["eligible"])
	require.Contains(t, fmt.Sprint(el["reasons"]), "starts_too_late")
}

// fieldsOf lists the top-level field names of a JSON object literal.
func fieldsOf(obj string) []string {
	var out []string
	for _, part := range strings.Split(obj, `,"`) {
		part = strings.TrimPrefix(part, `{"`)
		if name, _, ok := strings.Cut(part, `":`); ok && !strings.ContainsAny(name, `{}[]"`) {
			out = append(out, name)
		}
	}
	return out
}

// wrongType replaces the value of field with v (a value of another type).
func wrongType(obj, field, v string) string {
	i := strings.Index(obj, `"`+field+`":`)
	if i < 0 {
		return obj
	}
	j := i + len(field) + 3
	depth, inStr := 0, false
	k := j
	for ; k < len(obj); k++ {
		c := obj[k]
		if inStr {
			if c == '\\' {
				k++
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return obj[:j] + v + obj[k:]
			}
			depth--
		case ',':
			if depth == 0 {
				return obj[:j] + v + obj[k:]
			}
		}
	}
	return obj[:j] + v + obj[k:]
}

// send sends raw bytes with a content type.
func (hs *harness) send(method, path, token, contentType string, body []byte) response {
	hs.t.Helper()
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL.RawQuery = ""
	if p, q, ok := strings.Cut(path, "?"); ok {
		req.URL.Path, req.URL.RawQuery = p, q
	} else {
		req.URL.Path = path
	}
	req.RequestURI = path
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	_ = hs.oas.Check(req, body, rec.Code, rec.Header(), rec.Body.Bytes())
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func multipartBody(t testing.TB, fields map[string]string, file []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", "scan.bin")
		require.NoError(t, err)
		_, err = fw.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

var (
	pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
)

func TestDocuments(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	_, otherTok := hs.account(neighbour)
	pid := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	path := "/v1/permits/" + pid + "/documents"

	ct, body := multipartBody(t, map[string]string{"kind": "proof_of_care"}, pdfBytes)
	r := hs.send("POST", path, tok, ct, body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	doc := r.json(t)
	require.Equal(t, "application/pdf", doc["content_type"])
	require.EqualValues(t, len(pdfBytes), doc["size"])

	ct, body = multipartBody(t, nil, pngBytes)
	require.Equal(t, http.StatusCreated, hs.send("POST", path, officerToken, ct, body).status)

	list := hs.must(http.StatusOK, "GET", path, tok, nil)
	require.Len(t, list["documents"], 2)
	got := hs.do("GET", path+"/"+doc["id"].(string), tok, nil)
	require.Equal(t, http.StatusOK, got.status)
	require.Equal(t, pdfBytes, got.body)
	require.Equal(t, "application/pdf", got.header.Get("Content-Type"))
	require.Contains(t, got.header.Get("Content-Disposition"), "attachment")
	requireProblem(t, hs.do("GET", path+"/"+doc["id"].(string), otherTok, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("GET", path+"/doc_nothing", tok, nil), http.StatusNotFound, "not_found")

	for _, c := range []struct {
		name   string
		ct     string
		body   []byte
		status int
		code   string
	}{
		{"text file", "", nil, 415, "unsupported_media_type"},
		{"html", "", []byte("<html><script>alert(1)</script></html>"), 415, "unsupported_media_type"},
		{"too large", "", append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte("x"), 1<<20)...), 413, "payload_too_large"},
		{"unknown kind", "kind", pdfBytes, 422, "validation_failed"},
		{"json instead", "application/json", []byte(`{}`), 415, "unsupported_media_type"},
		{"no boundary", "multipart/form-data", []byte("x"), 400, "validation_failed"},
		{"no file", "nofile", nil, 422, "validation_failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ct string
			var body []byte
			switch c.ct {
			case "":
				file := c.body
				if file == nil {
					file = []byte("just some text, not a scan")
				}
				ct, body = multipartBody(t, nil, file)
			case "kind":
				ct, body = multipartBody(t, map[string]string{"kind": "selfie"}, c.body)
			case "nofile":
				ct, body = multipartBody(t, map[string]string{"kind": "proof_of_care"}, nil)
			default:
				ct, body = c.ct, c.body
			}
			requireProblem(t, hs.send("POST", path, tok, ct, body), c.status, c.code)
		})
	}
	require.Len(t, hs.must(http.StatusOK, "GET", path, tok, nil)["documents"], 2, "nothing stored by refused uploads")
}
