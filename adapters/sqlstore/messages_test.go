package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// errDied stands for the process dying: the store's transaction has
// committed, and nothing after it runs.
var errDied = errors.New("the process died after the commit")

// dyingStore commits every transaction and then fails, as a process that
// dies right after the commit would: what the Service meant to do next
// never happens.
type dyingStore struct {
	permit.Store
	mu   sync.Mutex
	arm  bool
	died int
}

func (d *dyingStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	if err := d.Store.Update(ctx, fn); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.arm {
		d.died++
		return errDied
	}
	return nil
}

// notes records the messages handed to it.
type notes struct {
	mu   sync.Mutex
	sent []permit.Message
}

func (n *notes) Notify(_ context.Context, m permit.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, m)
	return nil
}

func (n *notes) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.sent)
}

func messageService(t testing.TB, st permit.Store, notifier permit.Notifier, record bool) *permit.Service {
	t.Helper()
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(properties(4))))
	require.NoError(t, err)
	svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Now: func() time.Time { return serviceNow },
		Notifier: notifier, RecordMessages: record})
	require.NoError(t, err)
	return svc
}

// TestMessagesSurviveADeathAfterCommit (issue 16): a process that dies
// right after an approval commits loses no message when the Service
// records messages in the approval's transaction; without that (the
// message handed to the Notifier after the commit) the same death loses
// it. After the restart, the message is there for a sender, once.
func TestMessagesSurviveADeathAfterCommit(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := t.Context()
		for _, record := range []bool{false, true} {
			dsn := newDSN(t)
			st := openStore(t, dsn, nil)
			dying := &dyingStore{Store: st}
			got := &notes{}
			svc := messageService(t, dying, got, record)
			acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Email: "jane@example.org", UPRN: firstUPRN})
			require.NoError(t, err)
			if !record {
				require.Equal(t, 0, got.count(), "opening an account tells nothing")
			}
			p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "AB12CDE", false))
			require.NoError(t, err)
			sentBefore := got.count()

			dying.arm = true
			_, err = svc.Approve(ctx, permit.OfficerActor("officer-1"), p.ID)
			require.ErrorIs(t, err, errDied)
			require.Equal(t, 1, dying.died)

			// The restart: a new store and Service on the same database.
			again := openStore(t, dsn, nil)
			after := messageService(t, again, got, record)
			approved, err := after.Permit(ctx, permit.System, p.ID)
			require.NoError(t, err)
			require.Equal(t, permit.Approved, approved.Status, "the approval committed")
			if !record {
				require.Equal(t, sentBefore, got.count(), "handed over after the commit: the death lost the approval's message")
				continue
			}
			require.Zero(t, got.count(), "a recording Service hands nothing to the Notifier itself")
			due, err := after.TakeMessages(ctx, serviceNow.Add(time.Second), time.Minute, 10)
			require.NoError(t, err)
			var kinds []permit.MessageKind
			for _, m := range due {
				kinds = append(kinds, m.Kind)
				require.Equal(t, acc.ID, m.AccountID)
				require.Equal(t, p.ID, m.PermitID)
				require.Equal(t, "jane@example.org", m.To)
				require.Equal(t, permit.ChannelEmail, m.Channel)
			}
			require.ElementsMatch(t, []permit.MessageKind{permit.MessageApplicationReceived, permit.MessageApproved}, kinds,
				"the approval's message survived the death, with the application's")
			again2, err := after.TakeMessages(ctx, serviceNow.Add(2*time.Second), time.Minute, 10)
			require.NoError(t, err)
			require.Empty(t, again2, "leased: no other sender takes them meanwhile")
			for _, m := range due {
				require.NoError(t, after.SettleMessage(ctx, m, permit.MessageSent, time.Time{}, ""))
			}
			later, err := after.TakeMessages(ctx, serviceNow.Add(time.Hour), time.Minute, 10)
			require.NoError(t, err)
			require.Empty(t, later, "sent ones are never taken again")
		}
	})
}
