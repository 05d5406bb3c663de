// Package httpx is the HTTP plumbing the API adapters share: request
// IDs, the status-recording response writer the access log reads, JSON
// bodies read and answered, problem documents (RFC 9457) with the codes
// and sentences common to every route, and the access log. It holds no
// domain rules.
package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// RequestID is a new request ID, "req_" and 16 hex digits, as the
// X-Request-Id header and problem documents carry it.
func RequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// StatusWriter records the status and the body size of a response for
// the access log. The zero Status means nothing was written yet.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

// WriteHeader records the first status sent.
func (s *StatusWriter) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes written; a write before any status is a 200.
func (s *StatusWriter) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *StatusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// WriteJSON sends v as JSON, ending in a newline, with status. An error
// means v could not be encoded, and nothing was written.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}
