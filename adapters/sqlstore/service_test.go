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

// gazetteerCSV lists the properties at one Loughborough postcode, all in
// zone loughborough-1.
func gazetteerCSV(uprns []zones.UPRN) string {
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i, u := range uprns {
		fmt.Fprintf(&b, "%d,,,%d,Test Street %d,Loughborough,LE11 1AA,loughborough-1,Loughborough 1\n", u, i%500+1, i/500+1)
	}
	return b.String()
}

// properties are the UPRNs firstUPRN, firstUPRN+1, ... (n of them).
func properties(n int) []zones.UPRN {
	us := make([]zones.UPRN, n)
	for i := range us {
		us[i] = zones.UPRN(firstUPRN + i)
	}
	return us
}

// newService wires a service whose gazetteer has properties(n).
func newService(t testing.TB, st permit.Store, n int) *permit.Service {
	return newServiceAt(t, st, properties(n))
}

func newServiceAt(t testing.TB, st permit.Store, uprns []zones.UPRN) *permit.Service {
	t.Helper()
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(uprns)))
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

// scattered returns n distinct UPRNs spread over a county-sized range
// the way a day's applicants are, rather than next door to each other.
func scattered(n int) []zones.UPRN {
	const span = 1 << 18 // about Leicestershire's 260,000 properties
	us := make([]zones.UPRN, n)
	for i := range us {
		// An odd multiplier permutes 0..span-1; past span, the next block.
		us[i] = zones.UPRN(firstUPRN + (i/span)*span + (i*40503)%span)
	}
	return us
}

// seedAccounts stores one account at each property, in a few large
// transactions (the benchmarks' setup, kept out of their timing). IDs are
// random-looking, as the Service makes them.
func seedAccounts(t testing.TB, st permit.Store, uprns []zones.UPRN) []permit.Account {
	t.Helper()
	accs := make([]permit.Account, len(uprns))
	for i, u := range uprns {
		accs[i] = permit.Account{
			ID: fmt.Sprintf("acc_%016x", uint64(i+1)*0x9e3779b97f4a7c15), Name: fmt.Sprintf("Resident %d", i),
			UPRN: u, Address: fmt.Sprintf("%d Test Street, Loughborough LE11 1AA", i),
			Zone:      zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
			CreatedAt: serviceNow, UpdatedAt: serviceNow, Version: 1,
		}
	}
	const batch = 2000
	for start := 0; start < len(accs); start += batch {
		err := st.Update(context.Background(), func(tx permit.Tx) error {
			for _, a := range accs[start:min(start+batch, len(accs))] {
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
