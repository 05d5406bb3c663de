package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// refusingVoids fails the next voids before the money moves.
type refusingVoids struct {
	*fakepay.Gateway
	mu   sync.Mutex
	fail int
}

func (g *refusingVoids) Void(ctx context.Context, id, key string) (permit.Payment, error) {
	g.mu.Lock()
	failing := g.fail > 0
	g.fail--
	g.mu.Unlock()
	if failing {
		return permit.Payment{}, errors.New("gateway timeout")
	}
	return g.Gateway.Void(ctx, id, key)
}

// Cancelling a current permit withdraws its renewal pending review (issue
// 11 defect 6) and voids its hold; a void the provider fails is kept in
// the database and done by the due jobs of another process on the same
// database, once.
func TestCancelWithdrawsRenewalAndVoidIsRetriedFromTheDatabase(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := t.Context()
		dsn := newDSN(t)
		gateway := &refusingVoids{Gateway: fakepay.New()}
		var mu sync.Mutex
		now := serviceNow
		service := func() *permit.Service {
			scheme, err := leicestershire.Scheme()
			require.NoError(t, err)
			g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(properties(1))))
			require.NoError(t, err)
			svc, err := permit.NewService(scheme, openStore(t, dsn, nil), g, gateway, &permit.Options{
				Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
			require.NoError(t, err)
			return svc
		}
		svc := service()
		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: zones.UPRN(firstUPRN)})
		require.NoError(t, err)
		free, err := svc.Apply(ctx, permit.System, application(acc, "AB12CDE", false))
		require.NoError(t, err)
		require.True(t, free.Free)
		paid, err := svc.Apply(ctx, permit.System, application(acc, "CD34EFG", false))
		require.NoError(t, err)
		_, err = svc.Approve(ctx, permit.OfficerActor("jo"), paid.ID)
		require.NoError(t, err)
		_, err = svc.Approve(ctx, permit.OfficerActor("jo"), free.ID)
		require.NoError(t, err)

		mu.Lock()
		now = time.Date(2028, time.October, 10, 9, 0, 0, 0, time.UTC)
		mu.Unlock()
		proof := permit.Renewal{Evidence: []evidence.Document{
			{Kind: "proof_of_care", IssuedOn: time.Date(2028, time.October, 1, 0, 0, 0, 0, time.UTC), Name: acc.Name}}}
		// The free chain renews first and keeps the household's free slot,
		// so the paid permit's renewal is paid too.
		freeRenewal, err := svc.Renew(ctx, permit.AccountActor(acc.ID), free.ID, proof)
		require.NoError(t, err)
		require.True(t, freeRenewal.Free)
		renewal, err := svc.Renew(ctx, permit.AccountActor(acc.ID), paid.ID, proof)
		require.NoError(t, err)
		require.False(t, renewal.Free)
		require.Equal(t, permit.PaymentAuthorised, renewal.Payment.Status)

		gateway.fail = 1
		_, err = svc.Cancel(ctx, permit.AccountActor(acc.ID), paid.ID, "")
		require.NoError(t, err)
		got, err := svc.Permit(ctx, permit.System, renewal.ID)
		require.NoError(t, err)
		require.Equal(t, permit.Withdrawn, got.Status)
		owed, err := svc.PaymentRetries(ctx, permit.System, 10)
		require.NoError(t, err)
		require.Len(t, owed, 1)
		require.Equal(t, "void:"+renewal.ID, owed[0].ID)
		require.Equal(t, 1, owed[0].Attempts)

		other := service() // another process on the same database
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
		rep, err := other.RunDue(ctx, other.Now())
		require.NoError(t, err)
		require.Equal(t, 1, rep.PaymentsRetried)
		require.True(t, gateway.Held().IsZero())
		voids := 0
		for _, e := range gateway.Ledger() {
			if e.Op == "void" {
				voids++
			}
		}
		require.Equal(t, 1, voids)
		owed, err = svc.PaymentRetries(ctx, permit.System, 10)
		require.NoError(t, err)
		require.Empty(t, owed)
		got, err = svc.Permit(ctx, permit.System, renewal.ID)
		require.NoError(t, err)
		require.Equal(t, permit.PaymentVoided, got.Payment.Status)
	})
}
