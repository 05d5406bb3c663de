package permittest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

var copyTests = []namedTest{
	{"ReturnedValuesAreCopies", testReturnedCopies},
	{"GivenValuesAreCopied", testGivenCopies},
}

// scribble changes, in place, everything a permit shares through slices,
// maps and pointers: what a store must not let reach its stored copy.
func scribble(p *permit.Permit) {
	for i := range p.Evidence {
		p.Evidence[i].Kind = "scribbled"
		if p.Evidence[i].Fields != nil {
			p.Evidence[i].Fields["vrm"] = "SCRIBBLED"
			p.Evidence[i].Fields["added"] = "scribbled"
		}
	}
	for i := range p.RemindersSent {
		p.RemindersSent[i] = -1
	}
	if p.Payment != nil {
		p.Payment.ID, p.Payment.Status = "scribbled", permit.PaymentFailed
	}
	if p.PendingVehicleChange != nil {
		p.PendingVehicleChange.VRM = "SCR1BB"
	}
	if p.Rejection != nil {
		p.Rejection.Reason = "scribbled"
	}
	if p.Cancellation != nil {
		p.Cancellation.By = "scribbled"
	}
}

func scribbleChange(c *permit.AddressChange) {
	for i := range c.Evidence {
		c.Evidence[i].Kind = "scribbled"
		if c.Evidence[i].Fields != nil {
			c.Evidence[i].Fields["signed"] = "no"
		}
	}
	if c.Rejection != nil {
		c.Rejection.Code = "scribbled"
	}
}

func testReturnedCopies(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	want := fullPermit(t, "p-1", a)
	want.Status = permit.PendingReview
	seed(t, st, []permit.Account{a}, want)
	want.Version = 1
	wantC := NewAddressChange("ac-1", a, otherUPRN)
	wantC.Rejection = &permit.Rejection{Code: "c", Reason: "r"}
	update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(wantC) })
	wantC.Version = 1

	check := func(tx permit.ReadTx) {
		t.Helper()
		got, err := tx.Permit("p-1")
		require.NoError(t, err)
		requirePermit(t, want, got)
		gotC, err := tx.AddressChange("ac-1")
		require.NoError(t, err)
		requireAddressChange(t, wantC, gotC)
	}
	scribbleAll := func(tx permit.ReadTx) {
		t.Helper()
		p, err := tx.Permit("p-1")
		require.NoError(t, err)
		scribble(&p)
		c, err := tx.AddressChange("ac-1")
		require.NoError(t, err)
		scribbleChange(&c)
		lists := [][]permit.Permit{}
		for _, q := range []func() ([]permit.Permit, error){
			func() ([]permit.Permit, error) { return tx.PermitsOfAccount("acc-1") },
			func() ([]permit.Permit, error) { return tx.PermitsAtProperty(want.UPRN) },
			func() ([]permit.Permit, error) { return tx.PendingReview(10) },
			func() ([]permit.Permit, error) { return tx.VehicleChangesDue(date(2030, 1, 1)) },
		} {
			ps, err := q()
			require.NoError(t, err)
			require.Len(t, ps, 1)
			lists = append(lists, ps)
		}
		for _, ps := range lists {
			scribble(&ps[0])
		}
		cs, err := tx.PendingAddressChanges(10)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		scribbleChange(&cs[0])
	}

	view(t, st, func(tx permit.ReadTx) error {
		scribbleAll(tx)
		check(tx)
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error { check(tx); return nil })
	update(t, st, func(tx permit.Tx) error {
		scribbleAll(tx)
		check(tx)
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error { check(tx); return nil })

	// A record staged in the transaction is copied out too.
	update(t, st, func(tx permit.Tx) error {
		p, err := tx.Permit("p-1")
		require.NoError(t, err)
		require.NoError(t, tx.UpdatePermit(p))
		want.Version = 2
		scribbleAll(tx)
		check(tx)
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error { check(tx); return nil })
}

func testGivenCopies(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	want := fullPermit(t, "p-1", a)
	wantC := NewAddressChange("ac-1", a, otherUPRN)
	wantC.Rejection = &permit.Rejection{Code: "c", Reason: "r"}

	// Scribbling inside fn, before commit, catches a store that keeps the
	// caller's slices until then.
	update(t, st, func(tx permit.Tx) error {
		given := fullPermit(t, "p-1", a)
		require.NoError(t, tx.CreatePermit(given))
		scribble(&given)
		givenC := NewAddressChange("ac-1", a, otherUPRN)
		givenC.Rejection = &permit.Rejection{Code: "c", Reason: "r"}
		require.NoError(t, tx.CreateAddressChange(givenC))
		scribbleChange(&givenC)
		return nil
	})
	want.Version, wantC.Version = 1, 1
	requirePermit(t, want, getPermit(t, st, "p-1"))
	requireAddressChange(t, wantC, getAddressChange(t, st, "ac-1"))

	update(t, st, func(tx permit.Tx) error {
		given := fullPermit(t, "p-1", a)
		given.Version = 1
		require.NoError(t, tx.UpdatePermit(given))
		scribble(&given)
		givenC := NewAddressChange("ac-1", a, otherUPRN)
		givenC.Rejection = &permit.Rejection{Code: "c", Reason: "r"}
		givenC.Version = 1
		require.NoError(t, tx.UpdateAddressChange(givenC))
		scribbleChange(&givenC)
		return nil
	})
	want.Version, wantC.Version = 2, 2
	requirePermit(t, want, getPermit(t, st, "p-1"))
	requireAddressChange(t, wantC, getAddressChange(t, st, "ac-1"))
}
