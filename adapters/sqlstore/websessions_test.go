package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/adapters/web"
)

// The store's web sessions are the resident pages' web.Sessions.
var _ web.Sessions = (*sqlstore.WebSessions)(nil)

// Issue 18: sign-in sessions live in the database: another instance and
// a restart know them; they end at their expiry and when deleted.
func TestWebSessions(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		a, b := openStore(t, dsn, nil).WebSessions(), openStore(t, dsn, nil).WebSessions()
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		require.NoError(t, a.Create(t.Context(), "hash-1", "acc_1", at, at.Add(time.Hour)))
		require.Error(t, a.Create(t.Context(), "hash-1", "acc_2", at, at.Add(time.Hour)), "an id is stored once")
		require.Error(t, a.Create(t.Context(), "hash-2", "acc_2", at, at), "expiry after creation")
		require.Error(t, a.Create(t.Context(), "", "acc_2", at, at.Add(time.Hour)))

		acc, ok, err := b.Account(t.Context(), "hash-1", at.Add(59*time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "acc_1", acc)

		_, ok, err = openStore(t, dsn, nil).WebSessions().Account(t.Context(), "hash-1", at.Add(time.Hour))
		require.NoError(t, err)
		require.False(t, ok, "ended at its expiry")
		_, ok, err = b.Account(t.Context(), "no-such", at)
		require.NoError(t, err)
		require.False(t, ok)

		require.NoError(t, a.Create(t.Context(), "hash-3", "acc_3", at, at.Add(time.Hour)))
		require.NoError(t, b.Delete(t.Context(), "hash-3"))
		require.NoError(t, b.Delete(t.Context(), "hash-3"), "deleting twice is harmless")
		_, ok, err = a.Account(t.Context(), "hash-3", at)
		require.NoError(t, err)
		require.False(t, ok, "deleted")
	})
}
