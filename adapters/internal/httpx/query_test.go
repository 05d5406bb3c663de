package httpx_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

func TestKnownQuery(t *testing.T) {
	tests := []struct {
		query   string
		allowed []string
		fields  []string // problems' fields, in order
		codes   []string
	}{
		{"", nil, nil, nil},
		{"after=1&limit=2", []string{"after", "limit"}, nil, nil},
		{"x=1", nil, []string{"x"}, []string{"unknown_parameter"}},
		{"limit=1&limit=2", []string{"limit"}, []string{"limit"}, []string{"repeated_parameter"}},
		{"z=1&a=2&limit=3&limit=4", []string{"limit"}, []string{"a", "limit", "z"}, []string{"unknown_parameter", "repeated_parameter", "unknown_parameter"}},
		{"limit=", []string{"limit"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			e := httpx.KnownQuery(q, tt.allowed)
			if tt.fields == nil {
				require.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			require.Equal(t, 400, e.Status)
			require.Equal(t, httpx.CodeValidationFailed, e.Code)
			var fields, codes []string
			for _, f := range e.Errors {
				fields, codes = append(fields, f.Field), append(codes, f.Code)
			}
			require.Equal(t, tt.fields, fields)
			require.Equal(t, tt.codes, codes)
		})
	}
}
