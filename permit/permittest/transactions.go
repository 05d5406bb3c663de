package permittest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

var transactionTests = []namedTest{
	{"FailedFnKeepsNothing", testRollback},
	{"UpdateReturnsFnErrorUnchanged", testUpdateReturnsFnError},
	{"ViewReturnsFnErrorUnchanged", testViewReturnsFnError},
	{"PanicKeepsNothingAndPropagates", testPanic},
	{"CancelledContext", testCancelledContext},
	{"RefusedCallLeavesTransactionUsable", testTxUsableAfterRefusal},
	{"ReadsSeeOwnWrites", testReadYourWrites},
}

// fnError is an error only fn returns: Update must hand back this very value.
type fnError struct{ n int }

func (e *fnError) Error() string { return fmt.Sprintf("fn failed (%d)", e.n) }

// snapshot is everything a test can see of a store's contents.
type snapshot struct {
	accounts []permit.Account
	permits  []permit.Permit
	changes  []permit.AddressChange
	claims   []permit.Claim
	events   []permit.Event
}

// takeSnapshot reads the given records (missing ones are left out), the
// claims of one pool scope and the whole event log.
func takeSnapshot(t *testing.T, st permit.Store, accountIDs, permitIDs, changeIDs []string, pool, scope string) snapshot {
	t.Helper()
	var s snapshot
	view(t, st, func(tx permit.ReadTx) error {
		for _, id := range accountIDs {
			if a, err := tx.Account(id); err == nil {
				s.accounts = append(s.accounts, a)
			} else {
				require.ErrorIs(t, err, permit.ErrNotFound)
			}
		}
		for _, id := range permitIDs {
			if p, err := tx.Permit(id); err == nil {
				s.permits = append(s.permits, p)
			} else {
				require.ErrorIs(t, err, permit.ErrNotFound)
			}
		}
		for _, id := range changeIDs {
			if c, err := tx.AddressChange(id); err == nil {
				s.changes = append(s.changes, c)
			} else {
				require.ErrorIs(t, err, permit.ErrNotFound)
			}
		}
		var err error
		s.claims, err = tx.Claims(pool, scope)
		return err
	})
	s.events = allEvents(t, st, 100)
	return s
}

func requireSnapshot(t *testing.T, want, got snapshot) {
	t.Helper()
	require.Equal(t, accountIDs(want.accounts), accountIDs(got.accounts), "accounts present")
	for i := range want.accounts {
		requireAccount(t, want.accounts[i], got.accounts[i])
	}
	require.Equal(t, ids(want.permits), ids(got.permits), "permits present")
	for i := range want.permits {
		requirePermit(t, want.permits[i], got.permits[i])
	}
	require.Equal(t, changeIDs(want.changes), changeIDs(got.changes), "address changes present")
	for i := range want.changes {
		requireAddressChange(t, want.changes[i], got.changes[i])
	}
	require.Equal(t, want.claims, got.claims, "claims")
	require.Len(t, got.events, len(want.events), "events")
	for i := range want.events {
		require.Equal(t, want.events[i].ID, got.events[i].ID)
	}
}

func testRollback(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	p := NewPermit("p-1", a)
	seed(t, st, []permit.Account{a}, p)
	scope := "uprn:100030000001"
	held := permit.Claim{Pool: "carer", ScopeKey: scope, Slot: 1, ChainID: "p-1", PermitID: "p-1"}
	update(t, st, func(tx permit.Tx) error {
		if err := tx.Claim(held); err != nil {
			return err
		}
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, At: fixtureCreatedAt, Actor: "system", PermitID: "p-1"})
	})
	all := func() snapshot {
		return takeSnapshot(t, st, []string{"acc-1", "acc-2"}, []string{"p-1", "p-2"}, []string{"ac-1"}, "carer", scope)
	}
	before := all()

	want := &fnError{1}
	err := st.Update(t.Context(), func(tx permit.Tx) error {
		b := NewAccount("acc-2", testUPRN)
		require.NoError(t, tx.CreateAccount(b))
		require.NoError(t, tx.CreatePermit(NewPermit("p-2", b)))
		q, err := tx.Permit("p-1")
		require.NoError(t, err)
		q.VRM, q.Status = "ZZ99ZZZ", permit.Cancelled
		require.NoError(t, tx.UpdatePermit(q))
		acc, err := tx.Account("acc-1")
		require.NoError(t, err)
		acc.Name = "Changed"
		require.NoError(t, tx.UpdateAccount(acc))
		require.NoError(t, tx.CreateAddressChange(NewAddressChange("ac-1", acc, otherUPRN)))
		require.NoError(t, tx.Release(held))
		require.NoError(t, tx.Claim(permit.Claim{Pool: "carer", ScopeKey: scope, Slot: 2, ChainID: "p-2", PermitID: "p-2"}))
		require.NoError(t, tx.AppendEvent(permit.Event{Type: permit.EventPermitCancelled, At: fixtureCreatedAt, Actor: "system", PermitID: "p-1"}))
		return want
	})
	require.True(t, err == error(want), "Update returned %v, want fn's own error", err)
	requireSnapshot(t, before, all())

	// The store still works, and the same changes commit when fn succeeds.
	update(t, st, func(tx permit.Tx) error {
		return tx.CreateAccount(NewAccount("acc-2", testUPRN))
	})
	_ = getAccount(t, st, "acc-2")
}

func testUpdateReturnsFnError(t *testing.T, s suite) {
	st := s.store(t)
	cases := []struct {
		name string
		err  error
	}{
		{"own type", &fnError{2}},
		{"wrapped sentinel", fmt.Errorf("rules refused: %w", permit.ErrNotEligible)},
		{"validation error", &permit.ValidationError{Fields: []permit.FieldError{{Field: "vrm", Code: "invalid_vrm", Detail: "not a registration"}}}},
		{"not found from the store", nil}, // filled in by fn from a real store call
		{"context error", context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var returned error
			calls := 0
			err := st.Update(t.Context(), func(tx permit.Tx) error {
				calls++
				require.NoError(t, tx.CreateAccount(NewAccount("acc-"+tc.name, testUPRN)))
				returned = tc.err
				if returned == nil {
					_, returned = tx.Permit("missing")
				}
				return returned
			})
			require.Error(t, err)
			require.True(t, err == returned, "Update returned %v, want fn's own error %v", err, returned)
			require.Equal(t, 1, calls, "fn's own error is not a reason to run it again")
			view(t, st, func(tx permit.ReadTx) error {
				_, err := tx.Account("acc-" + tc.name)
				require.ErrorIs(t, err, permit.ErrNotFound)
				return nil
			})
		})
	}
}

func testViewReturnsFnError(t *testing.T, s suite) {
	st := s.store(t)
	want := &fnError{3}
	err := st.View(t.Context(), func(tx permit.ReadTx) error { return want })
	require.True(t, err == error(want), "View returned %v, want fn's own error", err)
	var notFound error
	err = st.View(t.Context(), func(tx permit.ReadTx) error {
		_, notFound = tx.Account("missing")
		return notFound
	})
	require.ErrorIs(t, err, permit.ErrNotFound)
	require.True(t, err == notFound)
}

// testPanic: a panic in fn is a bug in the caller, but it must not leave a
// transaction open or half a change stored, or the store is wedged for every
// other request of a long-running server.
func testPanic(t *testing.T, s suite) {
	st := s.store(t)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = st.Update(t.Context(), func(tx permit.Tx) error {
			require.NoError(t, tx.CreateAccount(NewAccount("acc-1", testUPRN)))
			require.NoError(t, tx.AppendEvent(permit.Event{Type: permit.EventAccountCreated, At: fixtureCreatedAt, AccountID: "acc-1"}))
			panic("fn panicked")
		})
	}()
	require.Equal(t, "fn panicked", recovered, "the panic reaches Update's caller")
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.Account("acc-1")
		require.ErrorIs(t, err, permit.ErrNotFound, "nothing of the panicking transaction is kept")
		return nil
	})
	require.Empty(t, allEvents(t, st, 10))
	update(t, st, func(tx permit.Tx) error { return tx.CreateAccount(NewAccount("acc-1", testUPRN)) })

	func() {
		defer func() { recovered = recover() }()
		_ = st.View(t.Context(), func(permit.ReadTx) error { panic("view panicked") })
	}()
	require.Equal(t, "view panicked", recovered)
	update(t, st, func(tx permit.Tx) error { return tx.CreateAccount(NewAccount("acc-2", testUPRN)) })
}

func testCancelledContext(t *testing.T, s suite) {
	st := s.store(t)

	t.Run("before Update", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ran := false
		err := st.Update(ctx, func(permit.Tx) error { ran = true; return nil })
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, ran, "fn must not run under a cancelled context")
	})
	t.Run("before View", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ran := false
		err := st.View(ctx, func(permit.ReadTx) error { ran = true; return nil })
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, ran, "fn must not run under a cancelled context")
	})
	t.Run("during Update", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		err := st.Update(ctx, func(tx permit.Tx) error {
			if err := tx.CreateAccount(NewAccount("acc-1", testUPRN)); err != nil {
				return err
			}
			cancel()
			return nil
		})
		require.ErrorIs(t, err, context.Canceled, "a transaction whose context ends before commit does not commit")
		view(t, st, func(tx permit.ReadTx) error {
			_, err := tx.Account("acc-1")
			require.ErrorIs(t, err, permit.ErrNotFound)
			return nil
		})
	})
}

// testTxUsableAfterRefusal: the documented refusals (ErrNotFound,
// ErrConflict) are answers, not failures of the transaction; the service
// may go on, for example trying the next free slot after a held one.
func testTxUsableAfterRefusal(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a}, NewPermit("p-1", a))
	c1 := permit.Claim{Pool: "carer", ScopeKey: "uprn:1", Slot: 1, ChainID: "p-1", PermitID: "p-1"}
	update(t, st, func(tx permit.Tx) error { return tx.Claim(c1) })

	update(t, st, func(tx permit.Tx) error {
		require.ErrorIs(t, tx.CreateAccount(a), permit.ErrConflict)
		_, err := tx.Permit("missing")
		require.ErrorIs(t, err, permit.ErrNotFound)
		stale := NewPermit("p-1", a)
		stale.Version = 5
		require.ErrorIs(t, tx.UpdatePermit(stale), permit.ErrConflict)
		require.ErrorIs(t, tx.CreatePermit(NewPermit("p-9", NewAccount("acc-missing", testUPRN))), permit.ErrNotFound)
		require.ErrorIs(t, tx.Claim(permit.Claim{Pool: "carer", ScopeKey: "uprn:1", Slot: 1, ChainID: "p-2", PermitID: "p-2"}), permit.ErrConflict)
		require.ErrorIs(t, tx.Release(permit.Claim{Pool: "carer", ScopeKey: "uprn:1", Slot: 2, ChainID: "p-2"}), permit.ErrNotFound)

		require.NoError(t, tx.CreatePermit(NewPermit("p-2", a)))
		require.NoError(t, tx.Claim(permit.Claim{Pool: "carer", ScopeKey: "uprn:1", Slot: 2, ChainID: "p-2", PermitID: "p-2"}))
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, At: fixtureCreatedAt, PermitID: "p-2"})
	})
	require.Equal(t, 1, getPermit(t, st, "p-2").Version)
	require.Equal(t, 1, getPermit(t, st, "p-1").Version)
	view(t, st, func(tx permit.ReadTx) error {
		claims, err := tx.Claims("carer", "uprn:1")
		require.NoError(t, err)
		require.Equal(t, []permit.Claim{c1, {Pool: "carer", ScopeKey: "uprn:1", Slot: 2, ChainID: "p-2", PermitID: "p-2"}}, claims)
		return nil
	})
	require.Len(t, allEvents(t, st, 10), 1)
}

func testReadYourWrites(t *testing.T, s suite) {
	st := s.store(t)
	old := NewAccount("acc-old", testUPRN)
	oldP := NewPermit("p-old", old)
	seed(t, st, []permit.Account{old}, oldP)

	check := func(tx permit.ReadTx) {
		t.Helper()
		at := func(u zones.UPRN) []string {
			ps, err := tx.PermitsAtProperty(u)
			require.NoError(t, err)
			return ids(ps)
		}
		accAt := func(u zones.UPRN) []string {
			as, err := tx.AccountsAtProperty(u)
			require.NoError(t, err)
			return accountIDs(as)
		}
		require.ElementsMatch(t, []string{"p-new-1"}, at(testUPRN))
		require.ElementsMatch(t, []string{"p-old", "p-new-2"}, at(otherUPRN))
		require.ElementsMatch(t, []string{"acc-new"}, accAt(testUPRN))
		require.ElementsMatch(t, []string{"acc-old"}, accAt(otherUPRN))
		ps, err := tx.PermitsOfAccount("acc-new")
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"p-new-1", "p-new-2", "p-old"}, ids(ps))
		ps, err = tx.PermitsOfAccount("acc-old")
		require.NoError(t, err)
		require.Empty(t, ps)
		ps, err = tx.PendingReview(10)
		require.NoError(t, err)
		require.Equal(t, []string{"p-new-1"}, ids(ps))
		claims, err := tx.Claims("carer", "uprn:100030000002")
		require.NoError(t, err)
		require.Equal(t, []permit.Claim{{Pool: "carer", ScopeKey: "uprn:100030000002", Slot: 2, ChainID: "p-new-2", PermitID: "p-new-2"}}, claims)
	}

	update(t, st, func(tx permit.Tx) error {
		n := NewAccount("acc-new", testUPRN)
		require.NoError(t, tx.CreateAccount(n))
		p1 := NewPermit("p-new-1", n)
		p1.Status = permit.PendingReview
		require.NoError(t, tx.CreatePermit(p1))
		p2 := NewPermit("p-new-2", n)
		p2.UPRN = testUPRN
		require.NoError(t, tx.CreatePermit(p2))
		// Staged records move between properties and accounts.
		p2, err := tx.Permit("p-new-2")
		require.NoError(t, err)
		p2.UPRN = otherUPRN
		require.NoError(t, tx.UpdatePermit(p2))
		o, err := tx.Permit("p-old")
		require.NoError(t, err)
		o.UPRN, o.AccountID = otherUPRN, "acc-new"
		require.NoError(t, tx.UpdatePermit(o))
		oa, err := tx.Account("acc-old")
		require.NoError(t, err)
		oa.UPRN = otherUPRN
		require.NoError(t, tx.UpdateAccount(oa))
		require.NoError(t, tx.Claim(permit.Claim{Pool: "carer", ScopeKey: "uprn:100030000002", Slot: 1, ChainID: "p-new-1", PermitID: "p-new-1"}))
		require.NoError(t, tx.Claim(permit.Claim{Pool: "carer", ScopeKey: "uprn:100030000002", Slot: 2, ChainID: "p-new-2", PermitID: "p-new-2"}))
		require.NoError(t, tx.Release(permit.Claim{Pool: "carer", ScopeKey: "uprn:100030000002", Slot: 1, ChainID: "p-new-1"}))
		check(tx)
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error { check(tx); return nil })
}
