package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// The durability test runs this test binary again as a child process that
// applies in a loop; these variables tell the child what to do.
const (
	killChildDB    = "CARERPERMIT_SQLSTORE_KILL_CHILD_DB"
	killChildRound = "CARERPERMIT_SQLSTORE_KILL_CHILD_ROUND"
	killRounds     = 3
	perRound       = 5000 // properties each round may use
)

// TestKillDuringApplies: a child process opens an SQLite file with the
// default settings and applies for permits through the Service in a loop,
// printing each permit once Apply has returned. The test SIGKILLs it in the
// middle of that, reopens the file, and finds every acknowledged permit,
// an event for every stored permit and account (nothing half-written) and
// PRAGMA integrity_check = ok. Three rounds on the same file.
func TestKillDuringApplies(t *testing.T) {
	if path := os.Getenv(killChildDB); path != "" {
		round, err := strconv.Atoi(os.Getenv(killChildRound))
		require.NoError(t, err)
		applyUntilKilled(t, path, round)
		return
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := sqliteFile(t)
	var acked []string
	for round := range killRounds {
		acked = append(acked, killChildAfter(t, path, round, 20+10*round)...)

		st, err := sqlstore.Open(t.Context(), path, nil)
		require.NoError(t, err, "reopening after SIGKILL (round %d)", round)
		var check string
		require.NoError(t, st.DB().QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&check))
		require.Equal(t, "ok", check)
		requireAllStored(t, st, acked)
		require.NoError(t, st.Close())
	}
}

// killChildAfter starts a child on the file, SIGKILLs it once it has
// acknowledged at least n applications, and returns every permit ID it
// acknowledged (including ones printed just before the kill).
func killChildAfter(t *testing.T, path string, round, n int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringApplies$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildDB+"="+path, killChildRound+"="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var acked []string
	killed := false
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		id, ok := strings.CutPrefix(lines.Text(), "ACK ")
		if !ok {
			continue
		}
		acked = append(acked, id)
		if len(acked) >= n && !killed {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL: no chance to tidy up
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "the child stopped before acknowledging %d applications: %v", n, err)
	require.Error(t, err, "the child was killed")
	return acked
}

func requireAllStored(t *testing.T, st *sqlstore.Store, acked []string) {
	t.Helper()
	evs, _, err := st.Events(t.Context(), "", 100000)
	require.NoError(t, err)
	applied := map[string]bool{}
	created := map[string]bool{}
	for _, e := range evs {
		switch e.Type {
		case permit.EventPermitApplied:
			applied[e.PermitID] = true
		case permit.EventAccountCreated:
			created[e.AccountID] = true
		}
	}
	require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error {
		for _, id := range acked {
			p, err := tx.Permit(id)
			require.NoError(t, err, "acknowledged permit %s lost", id)
			require.Equal(t, permit.PendingReview, p.Status)
			require.True(t, p.Free)
		}
		for round := range killRounds {
			for i := range perRound {
				uprn := zones.UPRN(firstUPRN + round*perRound + i)
				accs, err := tx.AccountsAtProperty(uprn)
				require.NoError(t, err)
				if len(accs) == 0 {
					break
				}
				require.True(t, created[accs[0].ID], "account %s without its event", accs[0].ID)
				ps, err := tx.PermitsAtProperty(uprn)
				require.NoError(t, err)
				for _, p := range ps {
					require.True(t, applied[p.ID], "permit %s without its event", p.ID)
				}
			}
		}
		return nil
	}))
}

// applyUntilKilled is the child: it opens an account at a new property and
// applies for its free permit, again and again, printing each permit's ID
// after Apply returns. It stops by itself after a minute in case nobody
// kills it.
func applyUntilKilled(t *testing.T, path string, round int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := sqlstore.Open(ctx, path, nil)
	require.NoError(t, err)
	svc := newService(t, st, killRounds*perRound)
	for i := range perRound {
		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: fmt.Sprintf("Resident %d-%d", round, i), UPRN: zones.UPRN(firstUPRN + round*perRound + i)})
		require.NoError(t, err)
		p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "AB12CDE", false))
		require.NoError(t, err)
		fmt.Printf("ACK %s\n", p.ID)
	}
}
