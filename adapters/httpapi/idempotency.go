package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"
)

// IdempotencyStore remembers the answers to POST requests sent with an
// Idempotency-Key, so a retried request gets the first answer again and
// nothing is done (or charged) twice. Its methods use only basic types, so
// a database adapter can implement it without importing this package.
//
// Keys arrive already scoped to the caller ("officer:officer-1a2b3c4d:KEY",
// "account:acc_...:KEY", "public::KEY"); a fingerprint is a hash of the
// request's method, path and body; a response is an opaque encoding owned
// by this package. Implementations must be safe for concurrent use.
type IdempotencyStore interface {
	// Reserve claims key for a request with fingerprint, until expires
	// (soon: a claim whose request never finished, because its server
	// stopped, frees the key then). When the key is free (never used, or
	// its record expired) it records the claim and returns claimed true:
	// the caller runs the request and then calls Save or Release.
	// Otherwise it returns claimed false with the fingerprint the key was
	// first used with and the saved response, which is nil while that
	// first request is still running.
	Reserve(ctx context.Context, key, fingerprint string, expires time.Time) (claimed bool, firstFingerprint string, response []byte, err error)
	// Save records the response of the request that claimed key, kept
	// until expires. A key that is not claimed is an error.
	Save(ctx context.Context, key string, response []byte, expires time.Time) error
	// Release forgets a claim whose request left nothing to replay (a
	// server error, a lost race), so that a retry runs again.
	Release(ctx context.Context, key string) error
}

// MemoryIdempotency is an IdempotencyStore in memory: for one server
// process (several instances need a shared store). Expired records are
// swept as new keys arrive.
type MemoryIdempotency struct {
	mu      sync.Mutex
	records map[string]*idemRecord
	now     func() time.Time
	adds    int
}

type idemRecord struct {
	fingerprint string
	response    []byte
	expires     time.Time
}

var _ IdempotencyStore = (*MemoryIdempotency)(nil)

// NewMemoryIdempotency returns an empty store; now is the clock that
// expiry is judged by (nil: time.Now).
func NewMemoryIdempotency(now func() time.Time) *MemoryIdempotency {
	if now == nil {
		now = time.Now
	}
	return &MemoryIdempotency{records: map[string]*idemRecord{}, now: now}
}

// Reserve implements IdempotencyStore.
func (m *MemoryIdempotency) Reserve(_ context.Context, key, fingerprint string, expires time.Time) (bool, string, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if r, ok := m.records[key]; ok && now.Before(r.expires) {
		return false, r.fingerprint, r.response, nil
	}
	m.records[key] = &idemRecord{fingerprint: fingerprint, expires: expires}
	if m.adds++; m.adds%1024 == 0 {
		for k, r := range m.records {
			if !now.Before(r.expires) {
				delete(m.records, k)
			}
		}
	}
	return true, "", nil, nil
}

// Save implements IdempotencyStore.
func (m *MemoryIdempotency) Save(_ context.Context, key string, response []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[key]
	if !ok {
		return fmt.Errorf("httpapi: idempotency key %q was not reserved", key)
	}
	r.response, r.expires = bytes.Clone(response), expires
	return nil
}

// Release implements IdempotencyStore.
func (m *MemoryIdempotency) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, key)
	return nil
}

// savedResponse is the encoding of a response kept for replay.
type savedResponse struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// fingerprint identifies a request by its method, path and the SHA-256 of
// its body.
func fingerprint(method, path string, bodySum [sha256.Size]byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(bodySum[:])
	return hex.EncodeToString(h.Sum(nil))
}

// withoutToken returns a JSON object body without its top-level "token"
// member, the other members in their order; anything else is returned as
// it is.
func withoutToken(contentType string, body []byte) []byte {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/json" {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return body
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return body
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return body
		}
		name, _ := k.(string)
		if name == "token" {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(name)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(v)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return body
	}
	if _, err := dec.Token(); err != io.EOF {
		return body // something after the object
	}
	out.WriteString("}\n")
	return out.Bytes()
}

// maxIdempotencyKey bounds the header: keys are meant to be UUIDs.
const maxIdempotencyKey = 255

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// replayable says whether a response may be given again for the same key.
// Server errors, lost races and rate limits are not: a retry should run
// again.
func replayable(status int, code string) bool {
	return status < 500 && status != http.StatusUnauthorized && status != http.StatusTooManyRequests && code != CodeConflict
}

// bufferedWriter holds a response until the handler has finished, so it
// can be saved for replay before it is sent.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	code   string // the problem code, when the response is one
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) saved() savedResponse {
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	return savedResponse{Status: status, ContentType: b.header.Get("Content-Type"), Location: b.header.Get("Location"), Body: b.body.Bytes()}
}

// flush sends the buffered response.
func (b *bufferedWriter) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.body.Bytes())
}

func writeSaved(w http.ResponseWriter, s savedResponse) {
	if s.ContentType != "" {
		w.Header().Set("Content-Type", s.ContentType)
	}
	if s.Location != "" {
		w.Header().Set("Location", s.Location)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(s.Status)
	_, _ = w.Write(s.Body)
}

func encodeSaved(s savedResponse) []byte {
	b, _ := json.Marshal(s) // cannot fail: basic types only
	return b
}

func decodeSaved(b []byte) (savedResponse, error) {
	var s savedResponse
	err := json.Unmarshal(b, &s)
	return s, err
}
