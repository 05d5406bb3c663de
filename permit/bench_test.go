package permit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite" // the simulated provider's SQLite file
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

// BenchmarkApplyPaidHosted (issue 15) is a paid apply through the Service
// with hosted payments: the application stored awaiting payment, the
// payment started with the provider and recorded on the permit, next_url
// answered; every iteration at its own property, 8 applying at once. The
// store is memstore; the provider is the evaluation server's simulated one
// (fakepay.Hosted, its payments in a SQLite file, as permitd keeps them),
// or an in-memory one that costs nothing (the Service's own share).
//
//	go test ./permit -run '^$' -bench ApplyPaidHosted -benchtime 5000x
func BenchmarkApplyPaidHosted(b *testing.B) {
	for _, provider := range []string{"fakepay-sqlite", "in-memory"} {
		b.Run(provider, func(b *testing.B) {
			ctx := context.Background()
			properties := b.N + 1
			var csv strings.Builder
			csv.WriteString(zones.GazetteerHeader + "\n")
			for i := range properties {
				fmt.Fprintf(&csv, "%d,,,%d,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n", 200000000000+i, i+1)
			}
			g, err := zones.LoadGazetteer(strings.NewReader(csv.String()))
			require.NoError(b, err)
			now := at(2026, 11, 24, 10, 0)
			clock := func() time.Time { return now }
			var hp permit.HostedPayments = newScriptedPay(clock)
			if provider == "fakepay-sqlite" {
				st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "pay.db"), nil)
				require.NoError(b, err)
				b.Cleanup(func() { _ = st.Close() })
				if hp, err = fakepay.NewHosted(ctx, st.DB(), fakepay.Dialect(st.Dialect()), fakepay.HostedOptions{PageURL: "https://permits.example/v1/payments/fake", Now: clock,
					LockWriter: st.LockWriter}); err != nil {
					b.Fatal(err)
				}
			}
			svc, err := permit.NewService(loadLeicestershire(b), memstore.New(), g, nil, &permit.Options{Now: clock, HostedPayments: hp,
				PaymentReturnURL: func(id string, attempt int) string {
					return fmt.Sprintf("https://permits.example/v1/payments/%s.%d/return", id, attempt)
				}})
			require.NoError(b, err)
			accounts := make([]permit.Account, properties)
			for i := range accounts {
				accounts[i], err = svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: zones.UPRN(200000000000 + i)})
				require.NoError(b, err)
			}
			docs := []evidence.Document{{Kind: "proof_of_care", IssuedOn: d(2026, 11, 1), Name: "Jane Smith"}}
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(4) // 4 × GOMAXPROCS applicants at once
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					acc := accounts[next.Add(1)-1]
					p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE", Pay: true, Evidence: docs})
					if err != nil || p.Payment == nil || p.Payment.NextURL == "" {
						b.Errorf("apply: %v %+v", err, p.Payment)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "applies/s")
		})
	}
}
