package sqldb_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	. "github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"
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
	pg, err := Lookup("test", Postgres)
	require.NoError(t, err)
	lite, err := Lookup("test", SQLite)
	require.NoError(t, err)
	for _, err := range []error{
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		fmt.Errorf("reading: %w", io.ErrUnexpectedEOF),
		fmt.Errorf("dial: %w", syscall.ECONNREFUSED),
		errors.New("sql: database is closed"),
		errors.New("conn closed"),
	} {
		require.True(t, LostConnection(err), "%v", err)
		require.Equal(t, Unavailable, pg.Classify(err), "%v", err)
	}
	require.Equal(t, Unavailable, lite.Classify(errors.New("sql: database is closed")))
	require.Equal(t, Other, pg.Classify(errors.New("something else")))
	require.False(t, LostConnection(errors.New("something else")))
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

// Registering a kind twice, an unknown kind or a driver with a missing
// function panics, as database/sql.Register does; the drivers the test
// links are registered once.
func TestRegisterRefusesMistakes(t *testing.T) {
	ok := Driver{Open: nil, Classify: func(error) Kind { return Other }, Retryable: func(error) bool { return false }}
	require.PanicsWithValue(t, `sqldb: Register "sqlite": Open, Classify and Retryable are all required`, func() { Register(SQLite, ok) })
	require.PanicsWithValue(t, `sqldb: Register: unknown dialect "mysql"`, func() { Register("mysql", ok) })
	lite, err := Registered("test", SQLite)
	require.NoError(t, err)
	require.PanicsWithValue(t, `sqldb: Register called twice for "sqlite"`, func() { Register(SQLite, lite) })
}
