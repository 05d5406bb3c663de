package permit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

func TestAddressChangeLookup(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	c, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
	require.NoError(t, err)

	got, err := w.svc.AddressChange(ctx, permit.System, c.ID)
	require.NoError(t, err)
	require.Equal(t, c, got)

	_, err = w.svc.RejectAddressChange(ctx, w.officer, c.ID, permit.Rejection{Code: "not_resident", Reason: "Not your bill."})
	require.NoError(t, err)
	got, err = w.svc.AddressChange(ctx, permit.System, c.ID)
	require.NoError(t, err)
	require.Equal(t, permit.AddressChangeRejected, got.Status)
	require.Equal(t, "Not your bill.", got.Rejection.Reason)

	_, err = w.svc.AddressChange(ctx, permit.System, "adc_nothing")
	require.ErrorIs(t, err, permit.ErrNotFound)
}
