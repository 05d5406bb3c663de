package memstore_test

import (
	"context"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
)

func Example() {
	ctx := context.Background()
	st := memstore.New()

	// The claim and the permit that uses it commit together or not at all.
	account := permittest.NewAccount("acc-1", 100030000001)
	err := st.Update(ctx, func(tx permit.Tx) error {
		if err := tx.CreateAccount(account); err != nil {
			return err
		}
		p := permittest.NewPermit("p-1", account)
		if err := tx.Claim(permit.Claim{Pool: "carer", ScopeKey: "uprn:100030000001", Slot: 1, ChainID: p.ChainID, PermitID: p.ID}); err != nil {
			return err
		}
		if err := tx.CreatePermit(p); err != nil {
			return err
		}
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: p.ID})
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	_ = st.View(ctx, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsAtProperty(account.UPRN)
		if err != nil {
			return err
		}
		for _, p := range ps {
			fmt.Println(p.ID, p.VRM, "version", p.Version)
		}
		return nil
	})

	events, next, _ := st.Events(ctx, "", 10)
	for _, e := range events {
		fmt.Println(e.ID, e.Type)
	}
	fmt.Println("next:", next)
	// Output:
	// p-1 AB12CDE version 1
	// 00000000000000000001 permit.applied
	// next: 00000000000000000001
}
