package permit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// BenchmarkApply is a full apply through the Service on memstore: the
// eligibility decision, the evidence check, the free-slot claim, the
// payment authorisation for a paid permit, and the events. Every iteration
// applies at its own property: the first of each pair is free, the second
// paid (authorised through fakepay).
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	properties := b.N/2 + 1
	var csv strings.Builder
	csv.WriteString(zones.GazetteerHeader + "\n")
	for i := range properties {
		fmt.Fprintf(&csv, "%d,,,%d,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n", 200000000000+i, i+1)
	}
	g, err := zones.LoadGazetteer(strings.NewReader(csv.String()))
	require.NoError(b, err)
	now := at(2026, 11, 24, 10, 0)
	svc, err := permit.NewService(loadLeicestershire(b), memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})
	require.NoError(b, err)
	accounts := make([]permit.Account, properties)
	for i := range accounts {
		accounts[i], err = svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: zones.UPRN(200000000000 + i)})
		require.NoError(b, err)
	}
	docs := []evidence.Document{{Kind: "proof_of_care", IssuedOn: d(2026, 11, 1), Name: "Jane Smith"}}
	vrms := []string{"AB12CDE", "CD34EFG"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		acc := accounts[i/2]
		if _, err := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: vrms[i%2], Evidence: docs}); err != nil {
			b.Fatal(err)
		}
	}
}
