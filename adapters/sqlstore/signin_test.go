package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
)

// The store keeps the API's sign-in codes and tokens.
var (
	_ httpapi.SignInCodes = (*sqlstore.SignInCodes)(nil)
	_ httpapi.Sessions    = (*sqlstore.AccountTokens)(nil)
	_ httpapi.Sessions    = (*sqlstore.OfficerSessions)(nil)
)

// Issue 18: one-time codes live in the database, shared by instances;
// a match uses the code up, a mismatch a try, the last try the code.
func TestSignInCodes(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		a, b := openStore(t, dsn, nil).SignInCodes(), openStore(t, dsn, nil).SignInCodes()
		ctx := t.Context()
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		key := httpapi.SignInKey("jane@example.com")
		good, bad := httpapi.SignInCodeHash(key, "123456"), httpapi.SignInCodeHash(key, "654321")
		require.Error(t, a.Put(ctx, key, good, "acc_1", at, at, 3), "a code needs a life")

		require.NoError(t, a.Put(ctx, key, good, "acc_1", at, at.Add(10*time.Minute), 3))
		for range 2 {
			_, ok, err := b.Use(ctx, key, bad, at)
			require.NoError(t, err)
			require.False(t, ok)
		}
		acc, ok, err := b.Use(ctx, key, good, at.Add(time.Minute))
		require.NoError(t, err)
		require.True(t, ok, "two wrong tries of three leave it working")
		require.Equal(t, "acc_1", acc)
		_, ok, err = a.Use(ctx, key, good, at.Add(time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "used once")

		require.NoError(t, a.Put(ctx, key, good, "acc_1", at, at.Add(10*time.Minute), 3))
		for range 3 {
			_, _, err := b.Use(ctx, key, bad, at)
			require.NoError(t, err)
		}
		_, ok, err = b.Use(ctx, key, good, at)
		require.NoError(t, err)
		require.False(t, ok, "three wrong tries use it up")

		require.NoError(t, a.Put(ctx, key, good, "acc_1", at, at.Add(10*time.Minute), 3))
		_, ok, err = b.Use(ctx, key, good, at.Add(10*time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "expired")

		// Replaced: the newer code wins.
		require.NoError(t, a.Put(ctx, key, good, "acc_1", at, at.Add(10*time.Minute), 3))
		require.NoError(t, a.Put(ctx, key, bad, "acc_2", at, at.Add(10*time.Minute), 3))
		acc, ok, err = b.Use(ctx, key, bad, at)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "acc_2", acc)

		// Ten tries at once of a code with 3 tries: one right, nine wrong;
		// never more than the tries allow, never the right one twice.
		require.NoError(t, a.Put(ctx, key, good, "acc_1", at, at.Add(10*time.Minute), 20))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 10 {
			wg.Go(func() {
				st := a
				if i%2 == 1 {
					st = b
				}
				_, ok, err := st.Use(ctx, key, good, at)
				require.NoError(t, err)
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, wins, "a code signs in once however many try it at once")
	})
}

func TestAccountTokensAndOfficerSessions(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		for name, pair := range map[string][2]httpapi.Sessions{
			"account tokens":   {openStore(t, dsn, nil).AccountTokens(), openStore(t, dsn, nil).AccountTokens()},
			"officer sessions": {openStore(t, dsn, nil).OfficerSessions(), openStore(t, dsn, nil).OfficerSessions()},
		} {
			t.Run(name, func(t *testing.T) {
				a, b := pair[0], pair[1]
				require.NoError(t, a.Create(t.Context(), "h1", "who-1", at, at.Add(time.Hour)))
				require.Error(t, a.Create(t.Context(), "h1", "who-2", at, at.Add(time.Hour)))
				require.Error(t, a.Create(t.Context(), "h2", "who-2", at, at))
				who, ok, err := b.Account(t.Context(), "h1", at.Add(59*time.Minute))
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, "who-1", who)
				_, ok, err = b.Account(t.Context(), "h1", at.Add(time.Hour))
				require.NoError(t, err)
				require.False(t, ok, "ended at its expiry")
				require.NoError(t, b.Delete(t.Context(), "h1"))
				_, ok, err = a.Account(t.Context(), "h1", at)
				require.NoError(t, err)
				require.False(t, ok, "deleted")
			})
		}
	})
}

func TestEvaluationOutbox(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		o := openStore(t, dsn, nil).EvaluationOutbox(func() time.Time { return at })
		require.NoError(t, o.Notify(t.Context(), permit.Message{Kind: permit.MessageSignInCode, AccountID: "acc_1", To: "Jane@Example.com", Data: map[string]string{"code": "123456"}}))
		require.NoError(t, o.Notify(t.Context(), permit.Message{Kind: permit.MessageApproved, AccountID: "acc_2", PermitID: "per_1", To: "sam@example.com"}))
		all, err := openStore(t, dsn, nil).EvaluationOutbox(nil).Messages(t.Context(), "", 10)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, "approved", all[0].Kind, "newest first")
		jane, err := o.Messages(t.Context(), "JANE@example.com", 10)
		require.NoError(t, err)
		require.Len(t, jane, 1)
		require.Equal(t, "123456", jane[0].Data["code"])
		require.Equal(t, "email", jane[0].Channel)
		require.True(t, at.Equal(jane[0].SentAt))
	})
}
