package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
)

// The enforcement look-up is the hottest read: it must reach a vehicle's
// permits through both registration indexes (the permit's and its
// scheduled change's) and never scan, on either database.
func TestPermitsByVRMUsesBothIndexes(t *testing.T) {
	const q = `SELECT id FROM permits WHERE vrm = ? OR (vehicle_change_vrm = ? AND vehicle_change_id IS NOT NULL)`
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		conn, err := st.DB().Conn(t.Context())
		require.NoError(t, err)
		defer conn.Close()
		if st.Dialect() == sqlstore.Postgres {
			// Empty tables: make the planner show the indexes it would use.
			_, err := conn.ExecContext(t.Context(), `SET enable_seqscan = off`)
			require.NoError(t, err)
		}
		plan := explain(t, conn, st.Dialect(), q, []any{"AB12CDE", "AB12CDE"})
		require.Contains(t, plan, "permits_by_vrm", plan)
		require.Contains(t, plan, "permits_by_vehicle_change_vrm", plan)
		require.NotContains(t, plan, "SCAN permits", plan)
		require.NotContains(t, plan, "Seq Scan", plan)
	})
}
