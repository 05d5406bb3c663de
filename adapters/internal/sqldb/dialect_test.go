package sqldb

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRebindDollar(t *testing.T) {
	require.Equal(t, "SELECT $1, $2 FROM t WHERE a = $3", RebindDollar("SELECT ?, ? FROM t WHERE a = ?"))
	require.Equal(t, "SELECT 1", RebindDollar("SELECT 1"))
	d, err := Lookup("test", SQLite)
	require.NoError(t, err)
	require.Equal(t, "SELECT ?", d.Rebind("SELECT ?"))
	_, err = Lookup("test", "mysql")
	require.EqualError(t, err, `test: unknown dialect "mysql": want "sqlite" or "postgres"`)
}

// A connection lost under a query (server restart, network fault) is
// unavailable, whatever layer reports it.
func TestLostConnectionIsUnavailable(t *testing.T) {
	for _, err := range []error{
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		fmt.Errorf("reading: %w", io.ErrUnexpectedEOF),
		fmt.Errorf("dial: %w", syscall.ECONNREFUSED),
		errors.New("sql: database is closed"),
		errors.New("conn closed"),
	} {
		require.Equal(t, Unavailable, classifyPostgres(err), "%v", err)
	}
	require.Equal(t, Unavailable, ClassifySQLite(errors.New("sql: database is closed")))
	require.Equal(t, Other, classifyPostgres(errors.New("something else")))
}

// An instant is stored to the microsecond, in UTC, and read back equal;
// SQLite's text sorts as time does.
func TestInstantRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	want := at.UTC().Truncate(time.Microsecond)
	for _, name := range []Name{SQLite, Postgres} {
		d, err := Lookup("test", name)
		require.NoError(t, err)
		require.Nil(t, d.Instant(time.Time{}))
		var got time.Time
		require.NoError(t, ScanInstant(&got).Scan(d.Instant(at)))
		require.Equal(t, want, got, name)
	}
	require.Equal(t, "2026-12-03T09:00:00.123456Z", FormatInstant(at))
	require.Less(t, FormatInstant(at), FormatInstant(at.Add(time.Microsecond)))
	var got time.Time
	require.NoError(t, ScanInstant(&got).Scan(nil))
	require.True(t, got.IsZero())
	require.Error(t, ScanInstant(&got).Scan(42))
}
