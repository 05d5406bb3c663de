package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The reads written as one OR must reach their rows through an index per
// side and never scan, on either database: the enforcement look-up (the
// hottest read, by the permit's registration or its scheduled change's)
// and the permits an application counts (at the property or of the
// account).
func TestOrQueriesUseBothIndexes(t *testing.T) {
	queries := []struct {
		sql     string
		args    []any
		indexes []string
	}{
		{`SELECT id FROM permits WHERE vrm = ? OR (vehicle_change_vrm = ? AND vehicle_change_id IS NOT NULL)`,
			[]any{"AB12CDE", "AB12CDE"}, []string{"permits_by_vrm", "permits_by_vehicle_change_vrm"}},
		{`SELECT id FROM permits WHERE uprn = ? OR account_id = ? ORDER BY id`,
			[]any{int64(100000000001), "acc-1"}, []string{"permits_by_property", "permits_by_account"}},
	}
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		conn, d := planConn(t, newDSN)
		for _, q := range queries {
			plan := explain(t, conn, d, q.sql, q.args)
			for _, index := range q.indexes {
				require.Contains(t, plan, index, "plan of %s:\n%s", q.sql, plan)
			}
			require.NotContains(t, plan, "SCAN permits", plan)
			require.NotContains(t, plan, "Seq Scan", plan)
		}
	})
}
