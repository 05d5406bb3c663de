package httpapi

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzDecodeJSON: whatever the bytes, every request decoder either accepts
// them or answers a 400 invalid_json problem; it never panics and never
// yields an error a client would see as a server failure.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"name":"Jane","uprn":"100000000001"}`, `{"type":"essential-carer","vrm":"AB12CDE","evidence":[{"kind":"proof_of_care","issued_on":"2026-11-01","fields":{"a":"b"}}]}`,
		`{"vrm":1}`, `[]`, `null`, `{"a":`, `{"evidence":[{"fields":{"x":1}}]}`, "{\"\xff\":1}", `{"pay":"yes"}`, `{} {}`, ` `, `{"now":"2027-03-01T09:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []any{&newAccountRequest{}, &applyRequest{}, &rejectRequest{}, &cancelRequest{}, &vehicleChangeRequest{},
			&renewalRequest{}, &addressChangeRequest{}, &testClockRequest{}, &struct{}{}}
		for _, v := range targets {
			err := decodeJSON(data, v)
			if err == nil {
				continue
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || ae.code != CodeInvalidJSON {
				t.Fatalf("decoding %q into %T: %v, want a 400 invalid_json", data, v, err)
			}
			if p := ae.document("/", "req"); p.Detail == "" {
				t.Fatalf("decoding %q: problem without detail", data)
			}
		}
		var in applyRequest
		if decodeJSON(data, &in) == nil {
			_, _ = documents(in.Evidence) // dates of any shape are parsed or reported, never a panic
			_, _ = parseDate("starts_on", in.StartsOn)
			_, _ = parseUPRN("move_to", in.MoveTo)
		}
	})
}
