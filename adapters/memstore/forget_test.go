package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
)

// The recorded messages of an anonymised account (they hold its address
// and the message's data) go when the store is told to forget it; other
// accounts' stay.
func TestForgetDeletesTheAccountsMessages(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	at := time.Date(2026, time.March, 29, 0, 30, 0, 0, time.UTC) // the night the clocks go forward
	msg := func(id, account string) permit.RecordedMessage {
		return permit.RecordedMessage{Message: permit.Message{ID: id, AccountID: account, Kind: "approved", To: account + "@example.org"},
			Status: permit.MessagePending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
	}
	require.NoError(t, st.Update(ctx, func(tx permit.Tx) error {
		if err := tx.CreateMessage(msg("msg_1", "acc_gone")); err != nil {
			return err
		}
		return tx.CreateMessage(msg("msg_2", "acc_kept"))
	}))
	require.NoError(t, st.Forget(ctx, []permit.Forgotten{{AccountID: "acc_gone"}}))
	require.NoError(t, st.View(ctx, func(tx permit.ReadTx) error {
		_, err := tx.Message("msg_1")
		require.ErrorIs(t, err, permit.ErrNotFound)
		kept, err := tx.Message("msg_2")
		require.NoError(t, err)
		require.Equal(t, "acc_kept@example.org", kept.To)
		return nil
	}))
}
