package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

var update = flag.Bool("update", false, "rewrite testdata/walkthrough.golden from the story as it now runs")

// places loads the example gazetteer once for the tests that call walk
// directly (a quarter of a second a load, several under -race).
var places = sync.OnceValues(leicestershire.Gazetteer)

func gazetteer(t *testing.T) *zones.Gazetteer {
	t.Helper()
	g, err := places()
	require.NoError(t, err)
	return g
}

func TestWalkthroughGolden(t *testing.T) {
	var got bytes.Buffer
	require.NoError(t, run(&got))

	golden := filepath.Join("testdata", "walkthrough.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./examples/walkthrough -update to create it")
	require.Equal(t, string(want), got.String(), "the story changed; if that is intended, run go test ./examples/walkthrough -update and read the diff")

	// A second telling in the same process must match word for word: a
	// map iterated or a clock read would show here before it flakes in CI.
	var again bytes.Buffer
	_, err = walk(&again, gazetteer(t))
	require.NoError(t, err)
	require.Equal(t, got.String(), again.String())
}

// TestWalkthroughOutcome checks the year's end state from the Service and
// the ledger themselves, not from the printed text.
func TestWalkthroughOutcome(t *testing.T) {
	var out bytes.Buffer
	h, err := walk(&out, gazetteer(t))
	require.NoError(t, err)
	ctx := context.Background()

	requireMoney(t, "55.00", h.pay.Taken(), "the one paid permit is taken and, being non-refundable, kept")
	requireMoney(t, "0.00", h.pay.Held(), "no authorisation is left hanging")
	ops := map[string][]string{}
	for _, e := range h.pay.Ledger() {
		ops[e.PaymentID] = append(ops[e.PaymentID], e.Op)
	}
	require.Equal(t, map[string][]string{"pay_000001": {"authorise", "capture"}}, ops)

	ps, err := h.permits()
	require.NoError(t, err)
	today := h.today()
	type row struct {
		ID     string
		Status permit.Status
		Free   bool
		VRM    permit.VRM
	}
	var got []row
	for _, p := range ps {
		got = append(got, row{p.ID, p.StatusOn(today), p.Free, p.VRM})
	}
	require.Equal(t, []row{
		{"per_1", permit.Rejected, true, "AB12CDE"},
		{"per_2", permit.Expired, true, "EF56GHI"},
		{"per_3", permit.Cancelled, false, "CD34EFG"},
		{"per_4", permit.Current, true, "EF56GHI"},
	}, got)

	renewal, old := ps[3], ps[1]
	require.Equal(t, old.ID, renewal.RenewalOf)
	require.Equal(t, old.ChainID, renewal.ChainID)
	require.Equal(t, old.ExpiresOn.AddDate(0, 0, 1), renewal.StartsOn, "no gap, no overlap")
	require.Equal(t, h.account.UPRN, renewal.UPRN, "the live permit followed the household")
	require.NotEqual(t, ps[0].UPRN, renewal.UPRN, "the rejected application stays where it was made")
	requireMoney(t, "0.00", ps[2].Cancellation.Refund, "Leicestershire permits are non-refundable")

	acc, err := h.svc.Account(ctx, permit.System, h.account.ID)
	require.NoError(t, err)
	require.Equal(t, h.account.UPRN, acc.UPRN)
	require.Equal(t, "loughborough-3", acc.Zone.ID)

	require.Len(t, h.mail.Of(permit.MessageExpiryReminder), 2, "one reminder per permit, at 30 days")
	events, err := h.events()
	require.NoError(t, err)
	// 17 steps, and 5 permit.updated: the capture recorded, the old
	// permit's renewed_by, and the 3 permits the same-zone move took along.
	require.Len(t, events, 22)
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWalkthroughStopsAtFirstFailure(t *testing.T) {
	h, err := walk(brokenWriter{}, gazetteer(t))
	require.EqualError(t, err, "disk full")
	events, err := h.events()
	require.NoError(t, err)
	require.Empty(t, events, "nothing happens after the story can no longer be told")
}

func requireMoney(t *testing.T, want string, got decimal.Decimal, msg string) {
	t.Helper()
	require.Truef(t, decimal.RequireFromString(want).Equal(got), "%s: want %s, got %s", msg, want, got.StringFixed(2))
}
