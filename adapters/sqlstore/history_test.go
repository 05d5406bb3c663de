package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A permit's history, the export of current permits and the gazetteer's
// look-ups are answered from their indexes.
func TestBackOfficeQueriesUseIndexes(t *testing.T) {
	queries := []struct {
		index string
		sql   string
		args  []any
	}{
		{"events_by_permit", `SELECT id FROM events WHERE permit_id = ? ORDER BY id`, []any{"per-1"}},
		{"permits_approved_by_id", `SELECT id FROM permits WHERE status = 'approved' AND id > ? AND starts_on <= ? AND expires_on >= ? ORDER BY id LIMIT ?`, []any{"", "2028-03-26", "2028-03-26", 1000}},
		{"properties_by_postcode", `SELECT p.uprn FROM properties p LEFT JOIN zones z ON z.id = p.zone_id WHERE p.postcode = ? ORDER BY p.position, p.uprn`, []any{"LE11 3AB"}},
	}
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		conn, d := planConn(t, newDSN)
		for _, q := range queries {
			plan := explain(t, conn, d, q.sql, q.args)
			require.Contains(t, plan, q.index, "plan of %s:\n%s", q.sql, plan)
			// SQLite, without statistics, must not sort: the index gives the
			// order. (PostgreSQL may sort the few rows of empty tables.)
			require.NotContains(t, plan, "TEMP B-TREE", "plan of %s:\n%s", q.sql, plan)
		}
	})
}
