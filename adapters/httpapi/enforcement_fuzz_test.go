package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzEnforcementLookUp: whatever an officer's handheld sends as the
// registration, zone and instant, the look-up answers 200 with a verdict or
// a 400/422 problem naming the field; never a server error, never a panic.
func FuzzEnforcementLookUp(f *testing.F) {
	for _, s := range [][3]string{
		{"AB12 CDE", "loughborough-3", ""}, {"ab12cde", "loughborough-3", "2027-06-01T12:00:00Z"},
		{"AB-12-CDE", "loughborough-2", "2027-06-01T12:00:00+01:00"}, {"", "", ""}, {"**", "x", "yesterday"},
		{"ABCDEFGHIJ", "loughborough-3", "2027-13-01T00:00:00Z"}, {"\xff\x00", "\n", "0000-01-01T00:00:00Z"},
		{"A1", "LOUGHBOROUGH-3", "9999-12-31T23:59:59Z"}, {"🚗1", "loughborough-3%", "2027-06-01T12:00:00.123456789Z"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	hs := newHarness(f)
	f.Fuzz(func(t *testing.T, vrm, zone, at string) {
		q := url.Values{}
		if zone != "" {
			q.Set("zone", zone)
		}
		if at != "" {
			q.Set("at", at)
		}
		if strings.Contains(vrm, "/") {
			t.Skip("an escaped slash: the OpenAPI validator's router reads it as two segments")
		}
		path := "/v1/enforcement/vehicles/" + url.PathEscape(vrm) + "?" + q.Encode()
		h := *hs
		h.t = t // the harness reports through the fuzz target's t
		r := h.do("GET", path, hs.officer, nil)
		switch r.status {
		case http.StatusOK:
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil || m["vrm"] == "" {
				t.Fatalf("%s: 200 with %s", path, r.body)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			var p struct {
				Code   string `json:"code"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field == "" {
				t.Fatalf("%s: %d without a field: %s", path, r.status, r.body)
			}
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			// A registration that is empty, holds a slash or is a dot
			// segment makes another path (net/http cleans and redirects).
		default:
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	})
}
