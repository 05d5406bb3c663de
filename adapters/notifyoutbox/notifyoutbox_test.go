package notifyoutbox_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb/sqldbtest"
	"github.com/carerpermit/carerpermit/adapters/notifyoutbox"
	"github.com/carerpermit/carerpermit/permit"
)

// provider is a scripted Notifier: the errors its next sends answer.
type provider struct {
	mu   sync.Mutex
	errs []error
	sent []permit.Message
}

func (p *provider) Notify(_ context.Context, m permit.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) > 0 {
		err := p.errs[0]
		p.errs = p.errs[1:]
		if err != nil {
			return err
		}
	}
	p.sent = append(p.sent, m)
	return nil
}

var errRefused = errors.New("400 BadRequestError: not a UK mobile number")

func databases(t *testing.T) map[string]func(t *testing.T) sqldbtest.Database {
	dbs := map[string]func(t *testing.T) sqldbtest.Database{"sqlite": func(t *testing.T) sqldbtest.Database { return sqldbtest.NewSQLite(t, "outbox.db") }}
	if os.Getenv(sqldbtest.PostgresEnv) != "" {
		dbs["postgres"] = func(t *testing.T) sqldbtest.Database { return sqldbtest.NewPostgres(t, "notifyoutbox_test_") }
	}
	return dbs
}

func TestOutbox(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			prov := &provider{errs: []error{errors.New("503 from Notify"), nil, errRefused}}
			var failed []permit.Message
			opts := &notifyoutbox.Options{Now: clock, Permanent: func(err error) bool { return errors.Is(err, errRefused) },
				Failed: func(m permit.Message, _ error) { failed = append(failed, m) }}
			box, err := notifyoutbox.New(ctx, db.Open(t), db.Dialect, prov, opts)
			require.NoError(t, err)

			require.NoError(t, box.Notify(ctx, permit.Message{Kind: permit.MessageApproved, AccountID: "acc_1", To: "jane@example.org", PermitID: "per_1", Data: map[string]string{"vrm": "AB12CDE"}}))
			require.NoError(t, box.Notify(ctx, permit.Message{ID: "mine", Kind: permit.MessageRejected, AccountID: "acc_2", Phone: "+447700900123"}))
			require.Empty(t, prov.sent, "recording sends nothing")

			r, err := box.Drain(ctx)
			require.NoError(t, err)
			require.Equal(t, notifyoutbox.Report{Sent: 1, Retried: 1}, r, "the first send failed and waits; the second went")
			require.Equal(t, "mine", prov.sent[0].ID, "a message's own ID is kept")

			r, err = box.Drain(ctx)
			require.NoError(t, err)
			require.Zero(t, r, "not yet time to try again")

			// Another instance on the database, after the pause.
			now = now.Add(31 * time.Second)
			other, err := notifyoutbox.New(ctx, db.Open(t), db.Dialect, prov, opts)
			require.NoError(t, err)
			r, err = other.Drain(ctx)
			require.NoError(t, err)
			require.Equal(t, notifyoutbox.Report{Failed: 1}, r, "refused for good: kept as failed")
			require.Len(t, failed, 1)
			require.Equal(t, "acc_1", failed[0].AccountID)
			require.Equal(t, map[string]string{"vrm": "AB12CDE"}, failed[0].Data, "the message comes back whole")
			require.NotEmpty(t, failed[0].ID, "the outbox gave it an ID (the provider's reference)")

			for status, want := range map[string]int{notifyoutbox.StatusSent: 1, notifyoutbox.StatusFailed: 1, notifyoutbox.StatusPending: 0} {
				n, err := box.Count(ctx, status)
				require.NoError(t, err)
				require.Equal(t, want, n, status)
			}

			// Issue 19: a subject access export lists an account's
			// messages, whatever became of them, oldest first.
			now = now.Add(time.Minute)
			require.NoError(t, box.Notify(ctx, permit.Message{Kind: permit.MessageExpiryReminder, AccountID: "acc_1", To: "jane@example.org", PermitID: "per_1"}))
			mine, err := other.MessagesTo(ctx, "acc_1")
			require.NoError(t, err)
			require.Len(t, mine, 2)
			require.Equal(t, permit.MessageApproved, mine[0].Message.Kind)
			require.Equal(t, notifyoutbox.StatusFailed, mine[0].Status)
			require.Equal(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC), mine[0].RecordedAt)
			require.Equal(t, time.Date(2027, 3, 1, 9, 0, 31, 0, time.UTC), mine[0].SentAt, "when it was refused for good")
			require.Equal(t, map[string]string{"vrm": "AB12CDE"}, mine[0].Message.Data)
			require.Equal(t, permit.MessageExpiryReminder, mine[1].Message.Kind)
			require.Equal(t, notifyoutbox.StatusPending, mine[1].Status)
			require.True(t, mine[1].SentAt.IsZero())
			theirs, err := box.MessagesTo(ctx, "acc_2")
			require.NoError(t, err)
			require.Len(t, theirs, 1)
			require.Equal(t, "+447700900123", theirs[0].Message.Phone)
			require.Equal(t, notifyoutbox.StatusSent, theirs[0].Status)
			for _, id := range []string{"acc_9", ""} {
				none, err := box.MessagesTo(ctx, id)
				require.NoError(t, err)
				require.NotNil(t, none)
				require.Empty(t, none)
			}
		})
	}
}

// The pause doubles after each failure up to MaxRetry, and a message is
// tried for ever.
func TestOutboxBackoff(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.NewSQLite(t, "outbox.db")
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	prov := &provider{}
	for range 8 {
		prov.errs = append(prov.errs, errors.New("429 RateLimitError"))
	}
	box, err := notifyoutbox.New(ctx, db.Open(t), db.Dialect, prov, &notifyoutbox.Options{Now: func() time.Time { return now },
		FirstRetry: time.Minute, MaxRetry: 4 * time.Minute})
	require.NoError(t, err)
	require.NoError(t, box.Notify(ctx, permit.Message{Kind: permit.MessageApproved, To: "jane@example.org"}))
	var tried []int // minutes at which a send was tried
	start := now
	for minute := 0; minute < 60 && len(prov.sent) == 0; minute++ {
		now = start.Add(time.Duration(minute) * time.Minute)
		r, err := box.Drain(ctx)
		require.NoError(t, err)
		if r.Retried+r.Sent == 1 {
			tried = append(tried, minute)
		}
	}
	require.Len(t, prov.sent, 1, "sent once the provider takes it")
	require.Equal(t, []int{0, 1, 3, 7, 11, 15, 19, 23, 27}, tried, "pauses of 1, 2, 4 minutes, then 4 (MaxRetry)")
}
