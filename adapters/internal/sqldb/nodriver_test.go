package sqldb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A program that links no driver for a database kind is told which
// package to import, by Lookup (webhook, fakepay) and Registered
// (sqlstore.Open). The test binary links both (the external tests import
// them), so the registry is emptied for the test.
func TestNoDriverSaysWhatToImport(t *testing.T) {
	driversMu.Lock()
	saved := drivers
	drivers = map[Name]Driver{}
	driversMu.Unlock()
	t.Cleanup(func() {
		driversMu.Lock()
		drivers = saved
		driversMu.Unlock()
	})
	_, err := Lookup("webhook: NewSQLStore", Postgres)
	require.EqualError(t, err, `webhook: NewSQLStore: this program links no postgres driver: import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres"`)
	_, err = Registered("sqlstore: Open", SQLite)
	require.EqualError(t, err, `sqlstore: Open: this program links no sqlite driver: import _ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"`)
}
