package sqlstore

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

func TestSQLiteDSN(t *testing.T) {
	ours := "_pragma=busy_timeout%2810000%29&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28FULL%29&_pragma=foreign_keys%281%29&_pragma=secure_delete%281%29&_txlock=immediate"
	cases := []struct {
		name, in, want string
	}{
		{"absolute path", "/var/lib/permits.db", "file:/var/lib/permits.db?" + ours},
		{"relative path", "permits.db", "file:permits.db?" + ours},
		{"URI characters in a path are escaped", "/tmp/a?b#c%d.db", "file:/tmp/a%3fb%23c%25d.db?" + ours},
		{"a URI's parameters come after ours", "file:/x.db?mode=ro&_pragma=max_page_count(10)", "file:/x.db?" + ours + "&_pragma=max_page_count%2810%29&mode=ro"},
		{"a URI's own _txlock wins", "file:/x.db?_txlock=exclusive", "file:/x.db?" + strings.TrimSuffix(ours, "&_txlock=immediate") + "&_txlock=exclusive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sqliteDSN(tc.in, 0)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := sqliteDSN("file:/x.db?%zz", 0)
	require.Error(t, err)
	_, err = url.ParseQuery("%zz")
	require.Error(t, err)
}

func TestCursors(t *testing.T) {
	start, err := parseCursor("")
	require.NoError(t, err)
	require.Zero(t, start)
	s := eventID(42)
	require.Equal(t, "0000000000000000042", s)
	back, err := parseCursor(s)
	require.NoError(t, err)
	require.Equal(t, int64(42), back)
	require.Less(t, s, eventID(1000), "IDs increase as strings")
	for _, bad := range []string{"x", "-1", "1.5", " ", "42", s + "0", "-000000000000000042", "+000000000000000042", "9999999999999999999"} {
		_, err := parseCursor(bad)
		require.ErrorIs(t, err, permit.ErrValidation, "cursor %q", bad)
	}
}

// FuzzParseCursor: no input panics, and every accepted cursor is one the
// store could have given out (it prints back the same).
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", "0000000000000000001", "9223372036854775807", "-1", "+000000000000000001", "00000000000000000727-0000000000000000042"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseCursor(s)
		if err != nil {
			require.ErrorIs(t, err, permit.ErrValidation)
			return
		}
		if s != "" {
			require.Equal(t, s, eventID(id), "accepted %q", s)
		}
	})
}

func TestSQLitePath(t *testing.T) {
	for _, c := range []struct{ dsn, want string }{
		{"permitd.db", "permitd.db"},
		{"/var/lib/permitd/p.db", "/var/lib/permitd/p.db"},
		{"file:/tmp/a%20b.db?_pragma=cache_size(-2000)", "/tmp/a b.db"},
		{"file:p.db", "p.db"},
		{":memory:", ""},
		{"file::memory:", ""},
		{"file:p.db?mode=memory", ""},
		{"file:p.db?vfs=memdb", ""},
		{"file:bad%zz.db", ""},
	} {
		require.Equal(t, c.want, sqlitePath(c.dsn), c.dsn)
	}
}
