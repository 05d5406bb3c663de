package permit_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// A resident applies for an essential carer permit with the proof of care
// the scheme asks for. The household's first carer permit is free, so the
// application waits for an officer without any payment; a second one
// would be paid (and authorised through Payments before it waits).
func ExampleService_Apply() {
	ctx := context.Background()
	f, err := os.Open("../examples/leicestershire/scheme.yaml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sch, err := scheme.Load(f)
	if err != nil {
		panic(err)
	}
	gazetteer, err := zones.LoadGazetteer(strings.NewReader(zones.GazetteerHeader + "\n" +
		"200000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n"))
	if err != nil {
		panic(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, london)
	svc, err := permit.NewService(sch, memstore.New(), gazetteer, fakepay.New(), &permit.Options{
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: 200000000001})
	if err != nil {
		panic(err)
	}

	p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{
		AccountID: acc.ID, Type: "essential-carer", VRM: "ab12 cde",
		Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Name: "Jane Smith"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.VRM, "free:", p.Free, "price:", p.Price.StringFixed(2))
	fmt.Println("from", p.StartsOn.Format(time.DateOnly), "to", p.ExpiresOn.Format(time.DateOnly), "at", p.Address)
	// Output:
	// pending_review AB12CDE free: true price: 0.00
	// from 2026-11-24 to 2027-11-23 at 12 Ashby Road, Loughborough, LE11 3AB
}
