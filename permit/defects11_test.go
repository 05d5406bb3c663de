package permit_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// Defect 4: two address changes at once left the account at the second
// property and its permits at the first.
func TestDefect4OneAddressChangePendingAtATime(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	by := permit.AccountActor(a.ID)
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	first, err := w.svc.RequestAddressChange(ctx, by, a.ID, sameZone, bill)
	require.NoError(t, err)

	_, err = w.svc.RequestAddressChange(ctx, by, a.ID, sameZone, bill)
	require.ErrorIs(t, err, permit.ErrAddressChangePending)
	var pe *permit.PendingAddressChangeError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, first.ID, pe.PendingID, "the refusal names the pending change")
	require.Contains(t, err.Error(), first.ID)

	// Once decided, the account may ask again.
	_, err = w.svc.RejectAddressChange(ctx, w.officer, first.ID, permit.Rejection{Code: "not_resident", Reason: "The bill is for someone else."})
	require.NoError(t, err)
	second, err := w.svc.RequestAddressChange(ctx, by, a.ID, sameZone, bill)
	require.NoError(t, err)
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, second.ID)
	require.NoError(t, err)
	acc, err := w.svc.Account(ctx, a.ID)
	require.NoError(t, err)
	moved, err := w.svc.Permit(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, acc.UPRN, moved.UPRN, "account and permit at one address")
}

// Defect 4: an address change approved after the account moved elsewhere
// (here by an approved new-zone application) would move the account but
// not its permits.
func TestDefect4StaleAddressChangeIsNotApproved(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	by := permit.AccountActor(a.ID)
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	c, err := w.svc.RequestAddressChange(ctx, by, a.ID, sameZone, bill)
	require.NoError(t, err)

	docs := append(w.proofOfCare(),
		evidence.Document{Kind: "utility_bill", IssuedOn: d(2026, 11, 1), Name: "Jane Smith", Address: "3 Forest Road, Loughborough LE11 2AA"},
		evidence.Document{Kind: "v5c", IssuedOn: d(2024, 5, 1), Fields: map[string]string{"document_reference": "12345678901", "vrm": "AB12 CDE"}})
	np, err := w.svc.Apply(ctx, by, permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", MoveTo: otherZone, Evidence: docs})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, np.ID)
	require.NoError(t, err)

	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	var se *permit.StaleAddressChangeError
	require.ErrorAs(t, err, &se)
	require.Equal(t, home, se.From)
	require.Equal(t, otherZone, se.AccountAt)
	acc, err := w.svc.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, otherZone, acc.UPRN, "the account stays where its permit is")
	got, err := w.svc.AddressChange(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, permit.AddressChangePending, got.Status, "left for the officer to reject")
}

// Defect 1: a start of 9999-12-31 was stored with an expiry in year 10000,
// which SQLite could not read back. Leicestershire's furthest start is 90
// days: later is starts_too_late and nothing is stored.
func TestDefect1FarFutureStartIsRefusedNeverStored(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	for _, startsOn := range []time.Time{d(9999, 12, 31), d(2027, 2, 23)} {
		_, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{
			AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", StartsOn: startsOn, Evidence: w.proofOfCare()})
		require.ErrorIs(t, err, permit.ErrNotEligible)
		var ne *permit.NotEligibleError
		require.ErrorAs(t, err, &ne)
		require.Equal(t, "starts_too_late", ne.Code())
		dec, err := w.svc.Eligibility(ctx, a.ID, "essential-carer", startsOn, false)
		require.NoError(t, err)
		require.False(t, dec.Eligible)
	}
	ps, err := w.svc.PermitsOfAccount(ctx, a.ID)
	require.NoError(t, err)
	require.Empty(t, ps, "never stored")
	// The furthest start itself, 90 days on, is allowed.
	p, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{
		AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", StartsOn: d(2027, 2, 22), Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.Equal(t, d(2027, 2, 22), p.StartsOn)
}
