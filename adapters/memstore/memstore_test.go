package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
	"github.com/carerpermit/carerpermit/zones"
)

type harness struct{}

func (harness) MakeStore(context.Context, *testing.T) (permit.Store, error) {
	return memstore.New(), nil
}

func newHarness(context.Context, *testing.T) (permittest.Harness, error) { return harness{}, nil }

func TestConformance(t *testing.T) { permittest.RunStoreTests(t, newHarness) }

// A View runs while a writer's fn is under way and sees only what was
// committed before it.
func TestViewNeitherWaitsForNorSeesAnOpenUpdate(t *testing.T) {
	st := memstore.New()
	staged, release := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		updated <- st.Update(t.Context(), func(tx permit.Tx) error {
			if err := tx.CreateAccount(permittest.NewAccount("acc-1", 1)); err != nil {
				return err
			}
			close(staged)
			<-release
			return nil
		})
	}()
	<-staged
	err := st.View(t.Context(), func(tx permit.ReadTx) error {
		_, err := tx.Account("acc-1")
		return err
	})
	require.ErrorIs(t, err, permit.ErrNotFound, "an uncommitted account is invisible")
	close(release)
	require.NoError(t, <-updated)
	require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error {
		_, err := tx.Account("acc-1")
		return err
	}))
}

// A writer queued behind another gives up when its context ends.
func TestUpdateStopsWaitingWhenContextEnds(t *testing.T) {
	st := memstore.New()
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.Update(t.Context(), func(permit.Tx) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	ran := false
	err := st.Update(ctx, func(permit.Tx) error { ran = true; return nil })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, ran)
	close(release)
	require.NoError(t, <-first)
}

func TestTransactionUnusableAfterReturn(t *testing.T) {
	st := memstore.New()
	var leakedTx permit.Tx
	var leakedView permit.ReadTx
	require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error { leakedTx = tx; return nil }))
	require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error { leakedView = tx; return nil }))
	require.Error(t, leakedTx.CreateAccount(permittest.NewAccount("acc-1", 1)))
	_, err := leakedView.Account("acc-1")
	require.Error(t, err)
	require.NotErrorIs(t, err, permit.ErrNotFound, "a closed transaction says so rather than answering")
}

func TestViewIsReadOnly(t *testing.T) {
	st := memstore.New()
	require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error {
		_, writable := tx.(permit.Tx)
		require.False(t, writable, "a View's transaction does not offer writes")
		return nil
	}))
}

func TestEventIDsArePaddedSequenceNumbers(t *testing.T) {
	st := memstore.New()
	for range 12 {
		require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error {
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied})
		}))
	}
	evs, next, err := st.Events(t.Context(), "00000000000000000009", 10)
	require.NoError(t, err)
	require.Len(t, evs, 3)
	require.Equal(t, "00000000000000000010", evs[0].ID)
	require.Equal(t, "00000000000000000012", next)
	// An unpadded number names the same place in the feed.
	evs, _, err = st.Events(t.Context(), "11", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	// A cursor past the end is well formed and reads nothing.
	evs, next, err = st.Events(t.Context(), "99999", 10)
	require.NoError(t, err)
	require.Empty(t, evs)
	require.Equal(t, "99999", next)
}

// BenchmarkApply is the store's share of an application through the
// Service: read the property's permits, the account's permits and the pool's
// claims, then create a permit and its event, in a store already holding
// 10,000 permits at 2,000 properties. Each read finds the 5 permits a busy
// property has; the new permits go to properties of their own so that what
// is read does not grow with b.N.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	const properties, perProperty = 2000, 5
	accounts := make([]permit.Account, properties)
	applicant := permittest.NewAccount("acc-applicant", 1)
	require.NoError(b, st.Update(ctx, func(tx permit.Tx) error {
		if err := tx.CreateAccount(applicant); err != nil {
			return err
		}
		for i := range accounts {
			accounts[i] = permittest.NewAccount(fmt.Sprintf("acc-%d", i), zones.UPRN(100000000000+i))
			if err := tx.CreateAccount(accounts[i]); err != nil {
				return err
			}
			for j := range perProperty {
				if err := tx.CreatePermit(permittest.NewPermit(fmt.Sprintf("p-%d-%d", i, j), accounts[i])); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		a := accounts[n%properties]
		p := permittest.NewPermit(fmt.Sprintf("new-%d", n), applicant)
		p.UPRN = zones.UPRN(200000000000 + n)
		n++
		err := st.Update(ctx, func(tx permit.Tx) error {
			if ps, err := tx.PermitsAtProperty(a.UPRN); err != nil || len(ps) != perProperty {
				return fmt.Errorf("permits at property: %d, %v", len(ps), err)
			}
			if ps, err := tx.PermitsOfAccount(a.ID); err != nil || len(ps) != perProperty {
				return fmt.Errorf("permits of account: %d, %v", len(ps), err)
			}
			if _, err := tx.Claims("essential-carer-free", "uprn:100000000000"); err != nil {
				return err
			}
			if err := tx.CreatePermit(p); err != nil {
				return err
			}
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: p.ID, AccountID: p.AccountID})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
