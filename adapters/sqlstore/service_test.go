package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Test wiring of a permit.Service on a store: Leicestershire's scheme, a
// gazetteer of n made-up properties in Loughborough 1, the fake payment
// gateway, a pinned clock. Only tests wire adapters together; the
// sqlstore package itself imports no other adapter and no example.

// serviceNow is the pinned clock of the tests' service.
var serviceNow = time.Date(2027, time.October, 27, 10, 15, 0, 0, time.UTC)

// firstUPRN is the first test property's UPRN; property i is firstUPRN+i.
const firstUPRN = 100090000000

// gazetteerCSV lists n properties at one Loughborough postcode, all in
// zone loughborough-1.
func gazetteerCSV(n int) string {
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,,,%d,Test Street %d,Loughborough,LE11 1AA,loughborough-1,Loughborough 1\n", firstUPRN+i, i%500+1, i/500+1)
	}
	return b.String()
}

func newService(t testing.TB, st permit.Store, properties int) *permit.Service {
	t.Helper()
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(properties)))
	require.NoError(t, err)
	svc, err := permit.NewService(scheme, st, g, fakepay.New(), nil)
	require.NoError(t, err)
	svc.Now = func() time.Time { return serviceNow }
	return svc
}

// application is a valid essential-carer application for the account,
// with its proof of care; pay declines the free slot.
func application(acc permit.Account, vrm string, pay bool) permit.Application {
	return permit.Application{
		AccountID: acc.ID, Type: "essential-carer", VRM: vrm, Pay: pay,
		Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: time.Date(2027, time.September, 1, 0, 0, 0, 0, time.UTC), Name: acc.Name}},
	}
}

// seedAccounts stores n accounts, account i at property i, in one
// transaction (the benchmarks' setup, kept out of their timing).
func seedAccounts(t testing.TB, st permit.Store, prefix string, n int) []permit.Account {
	t.Helper()
	accs := make([]permit.Account, n)
	for i := range accs {
		accs[i] = permit.Account{
			ID: fmt.Sprintf("%s-%06d", prefix, i), Name: fmt.Sprintf("Resident %d", i),
			UPRN: zones.UPRN(firstUPRN + i), Address: fmt.Sprintf("%d Test Street, Loughborough LE11 1AA", i),
			Zone:      zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
			CreatedAt: serviceNow, UpdatedAt: serviceNow, Version: 1,
		}
	}
	const batch = 2000
	for start := 0; start < n; start += batch {
		err := st.Update(context.Background(), func(tx permit.Tx) error {
			for _, a := range accs[start:min(start+batch, n)] {
				if err := tx.CreateAccount(a); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	return accs
}
