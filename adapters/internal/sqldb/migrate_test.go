package sqldb

import (
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// A migration whose number was handed out earlier but that landed after a
// later one (sqlstore's 00013 after 00014) is applied to a database
// already at the later version, instead of the store refusing to start.
func TestMigrationLandedOutOfOrderIsApplied(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	d, err := Lookup("test", SQLite)
	require.NoError(t, err)
	up := func(files map[string]string) {
		t.Helper()
		fsys := fstest.MapFS{}
		for name, body := range files {
			fsys["m/sqlite/"+name] = &fstest.MapFile{Data: []byte("-- +goose Up\n" + body)}
		}
		p, err := d.Provider(t.Context(), db, Migrations{FS: fsys, Dir: "m", Table: "m_version", Lock: "test"})
		require.NoError(t, err)
		_, err = p.Up(t.Context())
		require.NoError(t, err)
	}
	up(map[string]string{"00001_a.sql": "CREATE TABLE a (x INTEGER);", "00003_c.sql": "ALTER TABLE a ADD COLUMN z INTEGER;"})
	up(map[string]string{"00001_a.sql": "CREATE TABLE a (x INTEGER);", "00002_b.sql": "ALTER TABLE a ADD COLUMN y INTEGER;",
		"00003_c.sql": "ALTER TABLE a ADD COLUMN z INTEGER;"})
	_, err = db.Exec(`INSERT INTO a (x, y, z) VALUES (1, 2, 3)`)
	require.NoError(t, err, "00002 was applied after 00003")
}
