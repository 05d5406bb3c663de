package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

func TestRequestID(t *testing.T) {
	a, b := httpx.RequestID(), httpx.RequestID()
	require.Regexp(t, regexp.MustCompile(`^req_[0-9a-f]{16}$`), a)
	require.NotEqual(t, a, b)
}

func TestStatusWriter(t *testing.T) {
	tests := []struct {
		name       string
		write      func(w http.ResponseWriter)
		wantStatus int
		wantBytes  int64
	}{
		{"nothing written", func(http.ResponseWriter) {}, 0, 0},
		{"a write without a status is 200", func(w http.ResponseWriter) { _, _ = w.Write([]byte("abc")) }, 200, 3},
		{"the first status is kept", func(w http.ResponseWriter) {
			w.WriteHeader(404)
			w.WriteHeader(500)
			_, _ = w.Write([]byte("x"))
		}, 404, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := &httpx.StatusWriter{ResponseWriter: rec}
			tt.write(sw)
			require.Equal(t, tt.wantStatus, sw.Status)
			require.Equal(t, tt.wantBytes, sw.Bytes)
			require.Same(t, rec, sw.Unwrap())
		})
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	require.NoError(t, httpx.WriteJSON(rec, http.StatusCreated, map[string]string{"id": "x"}))
	require.Equal(t, http.StatusCreated, rec.Code)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.Equal(t, "{\"id\":\"x\"}\n", rec.Body.String())

	rec = httptest.NewRecorder()
	require.Error(t, httpx.WriteJSON(rec, http.StatusOK, func() {}))
	require.Empty(t, rec.Body.String())
}
