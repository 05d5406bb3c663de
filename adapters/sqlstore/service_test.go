package sqlstore_test

import (
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
	svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Now: func() time.Time { return serviceNow }})
	require.NoError(t, err)
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

// residents are one account at each property, with random-looking IDs as
// the Service makes them.
func residents(uprns []zones.UPRN) []permit.Account {
	accs := make([]permit.Account, len(uprns))
	for i, u := range uprns {
		accs[i] = permit.Account{
			ID: fmt.Sprintf("acc_%016x", uint64(i+1)*0x9e3779b97f4a7c15), Name: fmt.Sprintf("Resident %d", i),
			UPRN: u, Address: fmt.Sprintf("%d Test Street, Loughborough LE11 1AA", i),
			Zone:      zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"},
			CreatedAt: serviceNow, UpdatedAt: serviceNow, Version: 1,
		}
	}
	return accs
}

// freePermits gives each account an approved free permit holding its
// property's free slot, as a scheme in use has.
func freePermits(accs []permit.Account) ([]permit.Permit, []permit.Claim) {
	ps := make([]permit.Permit, len(accs))
	cs := make([]permit.Claim, len(accs))
	for i, a := range accs {
		id := fmt.Sprintf("per_%016x", uint64(i+1)*0xbf58476d1ce4e5b9)
		ps[i] = permit.Permit{
			ID: id, AccountID: a.ID, Type: "essential-carer", Status: permit.Approved, Free: true, Pool: "carer-or-disabled", FreeSlot: 1,
			VRM: "XY12ZZZ", UPRN: a.UPRN, Address: a.Address, Zone: a.Zone, ChainID: id,
			StartsOn: time.Date(2027, time.March, 1, 0, 0, 0, 0, time.UTC), ExpiresOn: time.Date(2028, time.February, 29, 0, 0, 0, 0, time.UTC),
			Evidence:  []evidence.Document{{Kind: "proof_of_care", IssuedOn: time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC), Name: a.Name}},
			CreatedAt: serviceNow.AddDate(0, -8, 0), UpdatedAt: serviceNow.AddDate(0, -8, 0),
		}
		cs[i] = permit.Claim{Pool: "carer-or-disabled", ScopeKey: "uprn:" + a.UPRN.String(), Slot: 1, ChainID: id, PermitID: id}
	}
	return ps, cs
}
