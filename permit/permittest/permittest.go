// Package permittest is the conformance suite every permit.Store must pass.
// It decides what the port's documentation leaves for a store to get right:
// how values round-trip (money exactly, dates as dates, instants in UTC),
// that values are copies, that a failed transaction keeps nothing, that a
// free slot is never won twice under concurrency, and that the event feed
// delivers every committed event exactly once.
//
// A store's test is three lines:
//
//	func TestConformance(t *testing.T) {
//		permittest.RunStoreTests(t, newHarness)
//	}
//
// The suite, not each store, owns the semantics: when a store and the suite
// disagree, fix the store, or change the suite and permit.Store's
// documentation together.
//
// What the suite decides, beyond permit.Store's documentation:
//
//   - Instants come back Equal to what was stored and in time.UTC; stores
//     keep at least microsecond precision (the suite stores whole
//     microseconds, so SQL timestamp columns pass). Dates (00:00 UTC) come
//     back as the same dates, 29 February and BST change days included.
//   - Money comes back decimal.Equal and with the same StringFixed(2).
//   - A nil and an empty slice or map are the same value; a nil pointer
//     (Payment, Rejection, ...) stays nil and a set one stays set.
//   - Create stores Version 1 whatever Version it is given.
//   - Reads inside Update see the transaction's own writes, query methods
//     included.
//   - A documented refusal (ErrNotFound, ErrConflict) from a Tx method
//     leaves the transaction usable: fn may go on and commit.
//   - Update returns fn's own error as the very same value and does not run
//     fn again for it. A panic in fn reaches Update's caller and keeps
//     nothing; the store stays usable.
//   - Under a context that has ended, Update and View return an error
//     wrapping the context's error without running fn; when it ends while
//     fn runs, Update commits nothing and says why the same way.
//   - MoveClaim and Release find the held claim by Pool, ScopeKey, Slot and
//     ChainID; PermitID is not compared (a renewal re-points it).
//   - Listings break ties by ID. PermitsAtProperty and AccountsAtProperty
//     promise no order. A limit below 1 (PendingReview,
//     PendingAddressChanges, Events) wraps ErrValidation.
//   - Event IDs are strictly increasing as strings in feed order (pad
//     numbers); the cursor Events returns is the last event's ID.
//   - EventsOfPermit and EventsOfAccount give the feed's own event IDs, in feed order, and
//     does not see events appended in its own transaction (they take their
//     place in the feed at commit).
package permittest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Harness makes stores for the suite.
type Harness interface {
	// MakeStore returns a fresh, empty store. The harness releases what
	// the store holds (connections, files) through t.Cleanup.
	MakeStore(ctx context.Context, t *testing.T) (permit.Store, error)
}

// HarnessMaker makes a Harness; the suite calls it once per subtest, with
// that subtest's t.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunStoreTests runs the whole suite against the stores newHarness makes.
// Subtests run one after another (a harness may share one database server),
// each on a fresh store.
func RunStoreTests(t *testing.T, newHarness HarnessMaker) {
	s := suite{newHarness: newHarness}
	groups := []struct {
		name  string
		tests []namedTest
	}{
		{"Accounts", accountTests},
		{"Permits", permitTests},
		{"AddressChanges", addressChangeTests},
		{"RoundTrip", roundTripTests},
		{"Copies", copyTests},
		{"Transactions", transactionTests},
		{"Claims", claimTests},
		{"Queries", queryTests},
		{"Enforcement", enforcementTests},
		{"Overdue", overdueTests},
		{"BackOffice", backOfficeTests},
		{"PaymentRetries", paymentRetryTests},
		{"Messages", messageTests},
		{"Races", raceTests},
		{"Rules", ruleTests},
		{"Events", eventTests},
		{"Search", searchTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, s) })
			}
		})
	}
}

type namedTest struct {
	name string
	run  func(t *testing.T, s suite)
}

type suite struct {
	newHarness HarnessMaker
}

// store returns a fresh store for one subtest.
func (s suite) store(t *testing.T) permit.Store {
	t.Helper()
	ctx := t.Context()
	h, err := s.newHarness(ctx, t)
	require.NoError(t, err, "making the harness")
	st, err := h.MakeStore(ctx, t)
	require.NoError(t, err, "making a store")
	require.NotNil(t, st, "MakeStore returned a nil store")
	return st
}

// update runs fn in a transaction that must commit.
func update(t *testing.T, st permit.Store, fn func(tx permit.Tx) error) {
	t.Helper()
	require.NoError(t, st.Update(t.Context(), fn))
}

// view runs fn in a read-only transaction that must succeed.
func view(t *testing.T, st permit.Store, fn func(tx permit.ReadTx) error) {
	t.Helper()
	require.NoError(t, st.View(t.Context(), fn))
}

// seed stores accounts, then permits, in one transaction.
func seed(t *testing.T, st permit.Store, accounts []permit.Account, permits ...permit.Permit) {
	t.Helper()
	update(t, st, func(tx permit.Tx) error {
		for _, a := range accounts {
			if err := tx.CreateAccount(a); err != nil {
				return err
			}
		}
		for _, p := range permits {
			if err := tx.CreatePermit(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// read returns what get reads in a View, failing the test on an error.
func read[T any](t *testing.T, st permit.Store, get func(permit.ReadTx) (T, error)) T {
	t.Helper()
	var v T
	view(t, st, func(tx permit.ReadTx) error {
		var err error
		v, err = get(tx)
		return err
	})
	return v
}

func getPermit(t *testing.T, st permit.Store, id string) permit.Permit {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) (permit.Permit, error) { return tx.Permit(id) })
}

func getAccount(t *testing.T, st permit.Store, id string) permit.Account {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) (permit.Account, error) { return tx.Account(id) })
}

func getAddressChange(t *testing.T, st permit.Store, id string) permit.AddressChange {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) (permit.AddressChange, error) { return tx.AddressChange(id) })
}

// maxAttempts bounds retryConflict: enough for 50 writers on one row under
// PostgreSQL serializable isolation, few enough that a store that always
// conflicts fails the test instead of hanging it.
const maxAttempts = 200

// retryConflict runs fn in Update until it does not fail with ErrConflict,
// as a caller of the port is told it may. The pause grows with the attempt
// so that writers that keep colliding spread out.
func retryConflict(ctx context.Context, st permit.Store, fn func(permit.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := st.Update(ctx, fn)
		if !errors.Is(err, permit.ErrConflict) || attempt == maxAttempts {
			return err
		}
		pause := time.Duration(attempt) * 100 * time.Microsecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(pause, 5*time.Millisecond)):
		}
	}
}

func ids(ps []permit.Permit) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func accountIDs(as []permit.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func changeIDs(cs []permit.AddressChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
