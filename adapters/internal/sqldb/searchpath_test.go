package sqldb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSearchPathSchemas(t *testing.T) {
	tests := []struct {
		setting string
		want    []string
	}{
		{`"$user", public`, []string{"alice", "public"}},
		{`$user,public`, []string{"alice", "public"}},
		{`Tenant_A`, []string{"tenant_a"}},
		{`"Tenant A", "with ""quote"""`, []string{"Tenant A", `with "quote"`}},
		{`  a ,  b  `, []string{"a", "b"}},
		{``, nil},
		{`""`, nil},
		{`"unterminated`, []string{"unterminated"}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, searchPathSchemas(tt.setting, "alice"), "%q", tt.setting)
	}
	require.Equal(t, `no schema of the search_path exists`, ErrNoSchema.Error())
	require.Equal(t, `PostgreSQL search_path is "$user", public and no schema it names exists: schemas ["alice" "public"] are missing; create the one the tables belong in (CREATE SCHEMA "alice") or correct search_path in the DSN`,
		(&NoSchemaError{SearchPath: `"$user", public`, Missing: []string{"alice", "public"}}).Error())
}
