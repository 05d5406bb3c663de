package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

func TestLogAccess(t *testing.T) {
	tests := []struct {
		name string
		in   httpx.Access
		want map[string]any
	}{
		{"anonymous, nothing written is 200", httpx.Access{RequestID: "req_1", Method: "GET", Path: "/healthz", Route: "GET /healthz"},
			map[string]any{"level": "INFO", "request_id": "req_1", "status": float64(200), "route": "GET /healthz"}},
		{"a server error with its caller and code", httpx.Access{RequestID: "req_2", Method: "POST", Path: "/x", Status: 503, Role: "officer", Principal: "ann", Code: "unavailable", Replayed: true},
			map[string]any{"level": "ERROR", "status": float64(503), "role": "officer", "principal": "ann", "code": "unavailable", "idempotent_replay": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			httpx.LogAccess(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)), tt.in)
			var got map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
			require.Equal(t, "request", got["msg"])
			for k, v := range tt.want {
				require.Equal(t, v, got[k], k)
			}
			if tt.in.Role == "" {
				require.NotContains(t, got, "role")
			}
		})
	}
}
