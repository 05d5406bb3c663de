package httpx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Name  string   `json:"name"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
	}
	tests := []struct {
		name, in, field, detail string
	}{
		{"empty is no error", "  ", "", ""},
		{"good", `{"name":"a","count":2}`, "", ""},
		{"not an object", `[1]`, "", "The body must be a JSON object."},
		{"syntax", `{"name":}`, "", "The body is not valid JSON (at byte 9)."},
		{"cut short", `{"name":"a"`, "", "The JSON body ends too soon: it was cut short."},
		{"wrong type", `{"count":"x"}`, "count", "count must be a number, not string."},
		{"unknown field", `{"nmae":"a"}`, "nmae", `Unknown field "nmae": check its spelling against the API documentation.`},
		{"unknown long field clipped", `{"` + strings.Repeat("é", 40) + `":1}`, strings.Repeat("é", 40), `Unknown field "` + strings.Repeat("é", 30) + `...": check its spelling against the API documentation.`},
		{"trailing data", `{"name":"a"} {}`, "", "The body must hold one JSON object and nothing after it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b body
			err := httpx.DecodeJSON([]byte(tt.in), &b)
			if tt.detail == "" {
				require.NoError(t, err)
				return
			}
			var je *httpx.JSONError
			require.True(t, errors.As(err, &je), "%v", err)
			require.Equal(t, tt.field, je.Field)
			require.Equal(t, tt.detail, je.Detail)
		})
	}
}
