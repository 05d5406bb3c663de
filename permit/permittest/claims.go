package permittest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// A claim is identified by (Pool, ScopeKey, Slot). MoveClaim and Release
// find the claim to move or free by that key and ChainID: a chain can only
// give up a slot it holds, never one another chain has since won. PermitID
// is not part of the match, since a renewal re-points it.
var claimTests = []namedTest{
	{"ListedBySlot", testClaimsListed},
	{"SameSlotTwiceIsConflict", testClaimTwice},
	{"MoveRepointsToNewestPermit", testMoveRepoint},
	{"MoveToAnotherScope", testMoveScope},
	{"MoveRefusals", testMoveRefusals},
	{"Release", testRelease},
}

const scopeA, scopeB = "uprn:100030000001", "uprn:100030000002"

func claim(pool, scope string, slot int, chain string) permit.Claim {
	return permit.Claim{Pool: pool, ScopeKey: scope, Slot: slot, ChainID: chain, PermitID: chain}
}

func claimsOf(t *testing.T, st permit.Store, pool, scope string) []permit.Claim {
	t.Helper()
	var cs []permit.Claim
	view(t, st, func(tx permit.ReadTx) error {
		var err error
		cs, err = tx.Claims(pool, scope)
		return err
	})
	return cs
}

func testClaimsListed(t *testing.T, s suite) {
	st := s.store(t)
	update(t, st, func(tx permit.Tx) error {
		for _, c := range []permit.Claim{
			claim("carer", scopeA, 3, "c3"), claim("carer", scopeA, 1, "c1"),
			claim("carer", scopeB, 1, "b1"), claim("visitor", scopeA, 1, "v1"),
			claim("carer", scopeA, 2, "c2"), claim("carer", "account:acc-1", 1, "a1"),
		} {
			if err := tx.Claim(c); err != nil {
				return err
			}
		}
		return nil
	})
	require.Equal(t, []permit.Claim{claim("carer", scopeA, 1, "c1"), claim("carer", scopeA, 2, "c2"), claim("carer", scopeA, 3, "c3")}, claimsOf(t, st, "carer", scopeA))
	require.Equal(t, []permit.Claim{claim("visitor", scopeA, 1, "v1")}, claimsOf(t, st, "visitor", scopeA))
	require.Equal(t, []permit.Claim{claim("carer", "account:acc-1", 1, "a1")}, claimsOf(t, st, "carer", "account:acc-1"))
	require.Empty(t, claimsOf(t, st, "unknown", scopeA), "no claims is no error")
	require.Empty(t, claimsOf(t, st, "carer", "uprn:999"))
}

func testClaimTwice(t *testing.T, s suite) {
	st := s.store(t)
	first := claim("carer", scopeA, 1, "chain-1")
	update(t, st, func(tx permit.Tx) error { return tx.Claim(first) })

	for _, c := range []permit.Claim{claim("carer", scopeA, 1, "chain-2"), first} {
		err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.Claim(c) })
		require.ErrorIs(t, err, permit.ErrConflict, "claiming a held slot for %s", c.ChainID)
	}
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.Claim(claim("carer", scopeA, 2, "chain-2")))
		require.ErrorIs(t, tx.Claim(claim("carer", scopeA, 2, "chain-3")), permit.ErrConflict, "a slot claimed earlier in the same transaction")
		return nil
	})
	require.Equal(t, []permit.Claim{first, claim("carer", scopeA, 2, "chain-2")}, claimsOf(t, st, "carer", scopeA))
}

func testMoveRepoint(t *testing.T, s suite) {
	st := s.store(t)
	held := claim("carer", scopeA, 1, "chain-1")
	update(t, st, func(tx permit.Tx) error { return tx.Claim(held) })
	renewed := held
	renewed.PermitID = "p-renewal"
	update(t, st, func(tx permit.Tx) error { return tx.MoveClaim(held, renewed) })
	require.Equal(t, []permit.Claim{renewed}, claimsOf(t, st, "carer", scopeA))

	// The held claim is found by its key and chain whatever PermitID says.
	again := renewed
	again.PermitID = "p-second-renewal"
	update(t, st, func(tx permit.Tx) error { return tx.MoveClaim(held, again) })
	require.Equal(t, []permit.Claim{again}, claimsOf(t, st, "carer", scopeA))
}

func testMoveScope(t *testing.T, s suite) {
	st := s.store(t)
	held := claim("carer", scopeA, 1, "chain-1")
	other := claim("carer", scopeB, 1, "chain-9")
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.Claim(held))
		return tx.Claim(other)
	})
	moved := claim("carer", scopeB, 2, "chain-1")
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.MoveClaim(held, moved))
		cs, err := tx.Claims("carer", scopeA)
		require.NoError(t, err)
		require.Empty(t, cs, "the old scope's slot is free within the transaction")
		return nil
	})
	require.Empty(t, claimsOf(t, st, "carer", scopeA))
	require.Equal(t, []permit.Claim{other, moved}, claimsOf(t, st, "carer", scopeB))

	// The freed slot can be won again.
	update(t, st, func(tx permit.Tx) error { return tx.Claim(claim("carer", scopeA, 1, "chain-2")) })
}

func testMoveRefusals(t *testing.T, s suite) {
	st := s.store(t)
	held := claim("carer", scopeA, 1, "chain-1")
	blocker := claim("carer", scopeB, 1, "chain-2")
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.Claim(held))
		return tx.Claim(blocker)
	})
	cases := []struct {
		name     string
		from, to permit.Claim
		want     error
	}{
		{"from not held", claim("carer", scopeA, 2, "chain-1"), claim("carer", scopeB, 3, "chain-1"), permit.ErrNotFound},
		{"from in another pool", claim("visitor", scopeA, 1, "chain-1"), claim("visitor", scopeB, 3, "chain-1"), permit.ErrNotFound},
		{"from held by another chain", claim("carer", scopeA, 1, "chain-3"), claim("carer", scopeB, 3, "chain-3"), permit.ErrNotFound},
		{"to held by another chain", held, claim("carer", scopeB, 1, "chain-1"), permit.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.MoveClaim(tc.from, tc.to) })
			require.ErrorIs(t, err, tc.want)
			// Refused inside a transaction that then commits: still nothing moves.
			update(t, st, func(tx permit.Tx) error {
				require.ErrorIs(t, tx.MoveClaim(tc.from, tc.to), tc.want)
				return nil
			})
			require.Equal(t, []permit.Claim{held}, claimsOf(t, st, "carer", scopeA))
			require.Equal(t, []permit.Claim{blocker}, claimsOf(t, st, "carer", scopeB))
		})
	}
}

func testRelease(t *testing.T, s suite) {
	st := s.store(t)
	held := claim("carer", scopeA, 1, "chain-1")
	update(t, st, func(tx permit.Tx) error { return tx.Claim(held) })

	for _, c := range []permit.Claim{claim("carer", scopeA, 2, "chain-1"), claim("carer", scopeA, 1, "chain-2"), claim("carer", scopeB, 1, "chain-1")} {
		err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.Release(c) })
		require.ErrorIs(t, err, permit.ErrNotFound, "releasing %+v", c)
	}
	require.Equal(t, []permit.Claim{held}, claimsOf(t, st, "carer", scopeA))

	released := held
	released.PermitID = "p-other" // the chain, not the permit, holds the slot
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.Release(released))
		require.ErrorIs(t, tx.Release(held), permit.ErrNotFound, "releasing twice")
		return nil
	})
	require.Empty(t, claimsOf(t, st, "carer", scopeA))

	won := claim("carer", scopeA, 1, "chain-2")
	update(t, st, func(tx permit.Tx) error { return tx.Claim(won) })
	require.Equal(t, []permit.Claim{won}, claimsOf(t, st, "carer", scopeA))
}
