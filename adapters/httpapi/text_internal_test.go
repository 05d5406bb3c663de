package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestCheckJSONText(t *testing.T) {
	for _, c := range []struct {
		name  string
		body  string
		field string // "" with ok false: refused without a field
		ok    bool
	}{
		{"plain", `{"name": "Jane Smith", "reason": "line one\nline two\tand a tab"}`, "", true},
		{"escaped line breaks", `{"reason": "a\u000ab\u0009c\r\n"}`, "", true},
		{"other languages", `{"name": "Siân Ó Briain 王"}`, "", true},
		{"escaped backslash then u0000 is text", `{"name": "a\\u0000"}`, "", true},
		{"not UTF-8", "{\"name\": \"Jane \xff\"}", "", false},
		{"NUL escaped", `{"name": "Jane\u0000"}`, "name", false},
		{"escape in a nested list", `{"evidence": [{"kind": "v5c", "fields": {"vrm": "AB\u0001"}}]}`, "evidence[0].fields.vrm", false},
		{"control in a name", `{"na\u0000me": "x"}`, "na\x00me", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkJSONText([]byte(c.body))
			if c.ok {
				require.NoError(t, err)
				return
			}
			var ae *apiError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, http.StatusBadRequest, ae.status)
			require.Equal(t, CodeInvalidJSON, ae.code)
			p := ae.document("", "")
			if c.field != "" {
				require.Equal(t, c.field, p.Errors[0].Field)
			}
		})
	}
}

func TestCheckRequestText(t *testing.T) {
	for _, c := range []struct {
		name, target, auth string
		status             int
	}{
		{"clean", "/v1/permits/per_1?x=1", "Bearer abc", 0},
		{"path 0xff", "/v1/permits/%ff", "", http.StatusNotFound},
		{"path NUL", "/v1/permits/%00", "", http.StatusNotFound},
		{"path DEL", "/v1/permits/%7f", "", http.StatusNotFound},
		{"query value", "/v1/events?after=%ff", "", http.StatusBadRequest},
		{"query name", "/v1/events?%00=1", "", http.StatusBadRequest},
		{"token 0xff", "/healthz", "Bearer acc_\xff.x", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.target, nil)
			if c.auth != "" {
				r.Header["Authorization"] = []string{c.auth}
			}
			err := checkRequestText(r)
			if c.status == 0 {
				require.NoError(t, err)
				return
			}
			var ae *apiError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, c.status, ae.status)
		})
	}
}

// FuzzJSONText: a body checkJSONText lets through decodes to text a
// database can hold — UTF-8 without NUL or other control characters
// besides tab and line breaks — and a refusal is always a 400 invalid_json.
func FuzzJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, `{"a":"\\u0000"}`, "{\"a\":\"\xff\"}", `{"a":["\u001f"]}`, `{"a":"\ud800"}`, `{"\u0000":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkJSONText(data)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || ae.code != CodeInvalidJSON {
				t.Fatalf("%q: %v, want a 400 invalid_json", data, err)
			}
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if !utf8.ValidString(x) || strings.ContainsFunc(x, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }) {
					t.Fatalf("%q let through, holding %q", data, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(v)
	})
}
