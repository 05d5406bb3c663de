package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// backlogger is what MemoryStore and SQLStore add to Store for metrics.
type backlogger interface {
	Backlog(ctx context.Context) (webhook.Backlog, error)
}

func TestStoreBacklog(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		b, ok := s.(backlogger)
		require.True(t, ok, "the store counts its backlog")
		got, err := b.Backlog(ctx)
		require.NoError(t, err)
		require.Equal(t, webhook.Backlog{}, got, "an empty store")

		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_a", "e2", "p2"), delivery("wh_a", "e3", "p3"), delivery("wh_a", "e4", "p4"),
		}))
		claimed := claim(t, s, t0)
		require.Len(t, claimed, 4)
		complete(t, s, claimed[0], t0, webhook.StatusDead, time.Time{})
		complete(t, s, claimed[1], t0, webhook.StatusDelivered, time.Time{})
		complete(t, s, claimed[2], t0, webhook.StatusPending, t0.Add(time.Minute))

		got, err = b.Backlog(ctx)
		require.NoError(t, err)
		require.Equal(t, webhook.Backlog{Pending: 2, Dead: 1}, got, "one failed and one never tried are pending; delivered ones are not counted")
	})
}
