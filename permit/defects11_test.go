package permit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// Regression tests for the defects of issue 11 that the Service decides.

// Defect 9: a utility bill for "99 Nowhere Road" was accepted as proof of
// residency at another property.
func TestDefect9EvidenceAddressMustMatchProperty(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	for _, tt := range []struct {
		name, address string
		code          evidence.Code
	}{
		{"no postcode", "99 Nowhere Road", evidence.CodeIncomplete},
		{"another postcode", "99 Nowhere Road, Leicester LE1 1AA", evidence.CodeMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: tt.address}}
			_, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
			require.ErrorIs(t, err, permit.ErrEvidence)
			var ee *permit.EvidenceError
			require.True(t, errors.As(err, &ee))
			require.Len(t, ee.Result.Problems, 1)
			p := ee.Result.Problems[0]
			require.Equal(t, tt.code, p.Code)
			require.Equal(t, "address", p.Field)
			require.Equal(t, 0, p.Document)
			require.Contains(t, p.Detail, "utility bill")
			require.Contains(t, p.Detail, "Rose Cottage, Ashby Road, Loughborough, LE11 3AB", "the message names the address expected")
		})
	}
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, Loughborough le113ab"}}
	_, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
	require.NoError(t, err, "the property's postcode, however written, is accepted")
}
