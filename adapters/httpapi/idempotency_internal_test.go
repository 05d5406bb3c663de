package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWithoutToken(t *testing.T) {
	for _, c := range []struct{ name, ct, in, want string }{
		{"account", "application/json", `{"id":"acc_1","name":"Jane","token":"acc_1.secret","zone":{"token":"inner"}}` + "\n",
			`{"id":"acc_1","name":"Jane","zone":{"token":"inner"}}` + "\n"},
		{"no token", "application/json", `{"id":"per_1"}` + "\n", `{"id":"per_1"}` + "\n"},
		{"problem document", "application/problem+json", `{"token":"x"}`, `{"token":"x"}`},
		{"array", "application/json", `[{"token":"x"}]`, `[{"token":"x"}]`},
		{"broken", "application/json", `{"token":`, `{"token":`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := string(withoutToken(c.ct, []byte(c.in))); got != c.want {
				t.Fatalf("withoutToken(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// FuzzWithoutToken: whatever the body, the answer is the body itself or
// the same JSON object without its top-level token.
func FuzzWithoutToken(f *testing.F) {
	for _, s := range []string{`{"id":"a","token":"t"}`, `{}`, `[]`, `{"token":1,"token":2}`, `{"a":{"token":"x"}}`, `{"a":`, "{\"\xff\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := withoutToken("application/json", body)
		if bytes.Equal(got, body) {
			return
		}
		var in, out map[string]json.RawMessage
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("changed %q, which is not a JSON object, into %q", body, got)
		}
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("withoutToken(%q) = %q, not a JSON object: %v", body, got, err)
		}
		if _, ok := out["token"]; ok {
			t.Fatalf("withoutToken(%q) = %q still holds a token", body, got)
		}
		delete(in, "token")
		if len(in) != len(out) {
			t.Fatalf("withoutToken(%q) = %q: members lost", body, got)
		}
	})
}
