package permittest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

var raceTests = []namedTest{
	{"FreeSlotWonOnce", testFreeSlotRace},
	{"NoLostUpdate", testLostUpdate},
	{"StaleCopyAcrossTransactions", testStaleAcrossTransactions},
	{"OnePendingAddressChangePerAccount", testOnePendingAddressChange},
}

// testOnePendingAddressChange is the race of issue 11's defect 4: many
// address changes of one account at once, each stored only when the
// account has none pending. The read of the account's changes and the
// insert are one step: exactly one is stored.
func testOnePendingAddressChange(t *testing.T, s suite) {
	st := s.store(t)
	const workers = 20
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	errPending := errors.New("an address change is pending")
	var wg sync.WaitGroup
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = retryConflict(t.Context(), st, func(tx permit.Tx) error {
				cs, err := tx.AddressChangesOfAccount(a.ID)
				if err != nil {
					return err
				}
				for _, c := range cs {
					if c.Status == permit.AddressChangePending {
						return errPending
					}
				}
				return tx.CreateAddressChange(NewAddressChange(fmt.Sprintf("c-%02d", i), a, otherUPRN))
			})
		})
	}
	close(start)
	wg.Wait()
	stored := 0
	for i, err := range errs {
		if err == nil {
			stored++
			continue
		}
		require.ErrorIs(t, err, errPending, "worker %d", i)
	}
	require.Equal(t, 1, stored, "exactly one address change stored")
	view(t, st, func(tx permit.ReadTx) error {
		cs, err := tx.AddressChangesOfAccount(a.ID)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		return nil
	})
}

// testFreeSlotRace is the race the store exists to win: many applications at
// one property at once, one free slot. Each reads the pool's claims and
// takes the slot when it looks free; exactly one may succeed, and every
// other application must still be stored, as a paid one.
func testFreeSlotRace(t *testing.T, s suite) {
	st := s.store(t)
	const workers = 50
	const pool, scope = "essential-carer-free", "uprn:100030000001"
	accounts := make([]permit.Account, workers)
	for i := range accounts {
		accounts[i] = NewAccount(fmt.Sprintf("acc-%02d", i), testUPRN)
	}
	seed(t, st, accounts)

	var wg sync.WaitGroup
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = retryConflict(t.Context(), st, func(tx permit.Tx) error {
				claims, err := tx.Claims(pool, scope)
				if err != nil {
					return err
				}
				p := NewPermit(fmt.Sprintf("p-%02d", i), accounts[i])
				p.Status = permit.PendingReview
				if !slices.ContainsFunc(claims, func(c permit.Claim) bool { return c.Slot == 1 }) {
					if err := tx.Claim(permit.Claim{Pool: pool, ScopeKey: scope, Slot: 1, ChainID: p.ChainID, PermitID: p.ID}); err != nil {
						return err
					}
					p.Free, p.Pool, p.FreeSlot = true, pool, 1
					p.Price, p.Payment = decimal.Zero, nil
				}
				return tx.CreatePermit(p)
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "worker %d", i)
	}

	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsAtProperty(testUPRN)
		require.NoError(t, err)
		require.Len(t, ps, workers, "every application is stored")
		var free []permit.Permit
		for _, p := range ps {
			if p.Free {
				free = append(free, p)
			}
		}
		require.Len(t, free, 1, "exactly one free permit")
		claims, err := tx.Claims(pool, scope)
		require.NoError(t, err)
		require.Equal(t, []permit.Claim{{Pool: pool, ScopeKey: scope, Slot: 1, ChainID: free[0].ChainID, PermitID: free[0].ID}}, claims)
		return nil
	})
}

// testLostUpdate: concurrent read-modify-write of one permit through
// Update, retrying on ErrConflict, loses nothing.
func testLostUpdate(t *testing.T, s suite) {
	st := s.store(t)
	const workers = 20
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a}, NewPermit("p-1", a))

	var wg sync.WaitGroup
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = retryConflict(t.Context(), st, func(tx permit.Tx) error {
				p, err := tx.Permit("p-1")
				if err != nil {
					return err
				}
				p.RemindersSent = append(p.RemindersSent, i+1)
				p.VRM = permit.VRM(fmt.Sprintf("RM%02dABC", i+1))
				return tx.UpdatePermit(p)
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "worker %d", i)
	}

	p := getPermit(t, st, "p-1")
	want := make([]int, workers)
	for i := range want {
		want[i] = i + 1
	}
	require.ElementsMatch(t, want, p.RemindersSent, "every worker's offset is kept")
	require.Equal(t, 1+workers, p.Version)
	last := p.RemindersSent[len(p.RemindersSent)-1]
	require.Equal(t, permit.VRM(fmt.Sprintf("RM%02dABC", last)), p.VRM, "the VRM is the last writer's")
}

// testStaleCopyAcrossTransactions: a copy read in one transaction and
// written in a later one, after someone else's update, is refused.
func testStaleAcrossTransactions(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a}, NewPermit("p-1", a))
	stale := getPermit(t, st, "p-1")
	staleAcc := getAccount(t, st, "acc-1")

	update(t, st, func(tx permit.Tx) error {
		p := stale
		p.VRM = "WIN1NER"
		acc := staleAcc
		acc.Name = "Winner"
		require.NoError(t, tx.UpdateAccount(acc))
		return tx.UpdatePermit(p)
	})
	stale.VRM = "L0SER"
	staleAcc.Name = "Loser"
	err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdatePermit(stale) })
	require.ErrorIs(t, err, permit.ErrConflict)
	err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdateAccount(staleAcc) })
	require.ErrorIs(t, err, permit.ErrConflict)

	got := getPermit(t, st, "p-1")
	require.Equal(t, permit.VRM("WIN1NER"), got.VRM)
	require.Equal(t, 2, got.Version)
	require.Equal(t, "Winner", getAccount(t, st, "acc-1").Name)
}
