package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// counter counts round trips on the connections it wraps: a round trip
// begins each time the client writes after it has read (or first writes),
// so statements pipelined before the answers are read count once.
type counter struct {
	mu    sync.Mutex
	trips int
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips
}

type countedConn struct {
	net.Conn
	c       *counter
	writing bool
}

func (cc *countedConn) Write(b []byte) (int, error) {
	if !cc.writing {
		cc.c.mu.Lock()
		cc.c.trips++
		cc.c.mu.Unlock()
		cc.writing = true
	}
	return cc.Conn.Write(b)
}

func (cc *countedConn) Read(b []byte) (int, error) {
	cc.writing = false
	return cc.Conn.Read(b)
}

// countedDB is a pool of one connection to the test schema whose round
// trips c counts.
func countedDB(t *testing.T, c *counter) *sql.DB {
	cfg, err := pgx.ParseConfig(sqldbtest.PostgresSchema(t, "roundtrips_test_"))
	require.NoError(t, err)
	cfg.RuntimeParams["enable_seqscan"] = "off"
	var d net.Dialer
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: conn, c: c}, nil
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestRoundTripsPerApply counts the round trips between the store and
// PostgreSQL in one free application through permit.Service (one write
// transaction), so that a change that adds statements to the hot path
// shows here rather than only in a benchmark.
func TestRoundTripsPerApply(t *testing.T) {
	ctx := context.Background()
	c := &counter{}
	st, err := sqlstore.New(ctx, countedDB(t, c), sqlstore.Postgres, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	now := time.Date(2027, time.October, 27, 10, 15, 0, 0, time.UTC)
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	var csv strings.Builder
	csv.WriteString(zones.GazetteerHeader + "\n")
	for i := range 4 {
		fmt.Fprintf(&csv, "%d,,,%d,Test Street,Loughborough,LE11 1AA,loughborough-1,Loughborough 1\n", 100090000000+i, i+1)
	}
	g, err := zones.LoadGazetteer(strings.NewReader(csv.String()))
	require.NoError(t, err)
	svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})
	require.NoError(t, err)

	apply := func(i int, pay bool) int {
		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: zones.UPRN(100090000000 + i)})
		require.NoError(t, err)
		app := permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE", Pay: pay,
			Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: time.Date(2027, time.September, 1, 0, 0, 0, 0, time.UTC), Name: acc.Name}}}
		before := c.count()
		_, err = svc.Apply(ctx, permit.AccountActor(acc.ID), app)
		require.NoError(t, err)
		return c.count() - before
	}
	apply(0, false) // the first use of each statement prepares it
	free := apply(1, false)
	apply(2, true)
	paid := apply(3, true)
	t.Logf("round trips per apply: free %d, paid %d", free, paid)
	require.LessOrEqual(t, free, maxFree, "round trips of a free application")
	require.LessOrEqual(t, paid, maxPaid, "round trips of a paid application")
}

// The round trips an application may take; lower them when the store
// takes fewer. A free application is one transaction: BEGIN with the
// account, the permits that count, the claims of its pool, then the
// permit, its claim, its event and COMMIT together (through database/sql,
// one statement a round trip, it was 7). A paid one is the application
// (3) and then the authorisation recorded in a second transaction: BEGIN
// with the permit, then its update, its event and COMMIT (2; it was 11 in
// all).
const (
	maxFree = 4
	maxPaid = 5
)
