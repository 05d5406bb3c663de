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
	acc, err := w.svc.Account(ctx, permit.System, a.ID)
	require.NoError(t, err)
	moved, err := w.svc.Permit(ctx, permit.System, p.ID)
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
	acc, err := w.svc.Account(ctx, permit.System, a.ID)
	require.NoError(t, err)
	require.Equal(t, otherZone, acc.UPRN, "the account stays where its permit is")
	got, err := w.svc.AddressChange(ctx, permit.System, c.ID)
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
		dec, err := w.svc.Eligibility(ctx, permit.System, permit.EligibilityQuery{AccountID: a.ID, Type: "essential-carer", StartsOn: startsOn})
		require.NoError(t, err)
		require.False(t, dec.Eligible)
	}
	ps, err := w.svc.PermitsOfAccount(ctx, permit.System, a.ID)
	require.NoError(t, err)
	require.Empty(t, ps, "never stored")
	// The furthest start itself, 90 days on, is allowed.
	p, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{
		AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", StartsOn: d(2027, 2, 22), Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.Equal(t, d(2027, 2, 22), p.StartsOn)
}

// Defect 5 (RULES R1, 2026-12): a squatter's free application pending
// review held the household's free slot and the real resident was quoted
// £55.00. The free slot goes to the first application approved: when the
// free one is rejected or withdrawn, the oldest paid application of the
// same pool and scope pending review becomes free, its hold is voided,
// the applicant is told and the feed says so.
func TestDefect5FreeSlotGoesToTheFirstApplicationApproved(t *testing.T) {
	for _, how := range []string{"rejected", "withdrawn"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t, at(2026, 11, 24, 10, 0))
			ctx := context.Background()
			squatter := w.account(home, "")
			resident := w.account(home, "jane@example.org")
			squat := w.mustApply(squatter, "essential-carer", "ZZ99ZZZ")
			require.True(t, squat.Free)
			w.setNow(at(2026, 11, 24, 11, 0))
			first := w.mustApply(resident, "essential-carer", "AB12CDE")
			require.False(t, first.Free)
			requireMoney(t, "55.00", first.Price)
			require.Equal(t, permit.PaymentAuthorised, first.Payment.Status)

			if how == "rejected" {
				_, err := w.svc.Reject(ctx, w.officer, squat.ID, permit.Rejection{Code: "not_resident", Reason: "The applicant does not live here."})
				require.NoError(t, err)
			} else {
				_, err := w.svc.Cancel(ctx, permit.AccountActor(squatter.ID), squat.ID, "changed my mind")
				require.NoError(t, err)
			}

			got, err := w.svc.Permit(ctx, permit.System, first.ID)
			require.NoError(t, err)
			require.True(t, got.Free, "the oldest paid application takes the slot")
			require.Equal(t, permit.PendingReview, got.Status)
			requireMoney(t, "0.00", got.Price)
			require.Equal(t, 1, got.FreeSlot)
			require.Equal(t, permit.PaymentVoided, got.Payment.Status, "its hold is cancelled")
			g, ok := w.pay.Payment(first.Payment.ID)
			require.True(t, ok)
			require.Equal(t, permit.PaymentVoided, g.Status)

			evs := eventsOfType(w.events(), permit.EventPermitBecameFree)
			require.Len(t, evs, 1, "the feed says so")
			require.Equal(t, first.ID, evs[0].PermitID)
			require.Equal(t, squat.ID, evs[0].Data["freed_by"])
			require.Equal(t, "55.00", evs[0].Data["previous_price"])
			msgs := w.notes.Of(permit.MessageBecameFree)
			require.Len(t, msgs, 1, "the applicant is told")
			require.Equal(t, first.ID, msgs[0].PermitID)
			e, err := w.svc.Scheme().Render(msgs[0])
			require.NoError(t, err)
			require.Contains(t, e.Text, "£55.00 reserved on your card has been released")

			// Approved, it is free: nothing is captured.
			approved, err := w.svc.Approve(ctx, w.officer, first.ID)
			require.NoError(t, err)
			require.True(t, approved.Free)
			require.Equal(t, 0, ledgerOps(w.pay, "capture"))
			ap := eventsOfType(w.events(), permit.EventPermitApproved)
			require.Equal(t, "0.00", ap[len(ap)-1].Data["captured"])
			q, err := w.svc.Eligibility(ctx, permit.System, permit.EligibilityQuery{AccountID: squatter.ID, Type: "essential-carer"})
			require.NoError(t, err)
			require.False(t, q.Free, "the household's free slot is the resident's now")
		})
	}
}

// Only a free application gives its slot away this way: rejecting a paid
// one changes nothing for the others.
func TestDefect5PaidRejectionPromotesNothing(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	free := w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	_, err := w.svc.Reject(ctx, w.officer, paid.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is unreadable."})
	require.NoError(t, err)
	got, err := w.svc.Permit(ctx, permit.System, free.ID)
	require.NoError(t, err)
	require.True(t, got.Free)
	require.Empty(t, eventsOfType(w.events(), permit.EventPermitBecameFree))
}

// Defect 5: the void of a promoted application's hold goes through the
// money-return path: when the provider fails it is owed and retried by
// the due jobs, and approving the now free permit never captures it.
func TestDefect5PromotionVoidRetriedWhenProviderFails(t *testing.T) {
	w := flakyWorld(t, at(2026, 11, 24, 10, 0), map[string]int{"void": 1})
	ctx := context.Background()
	squatter := w.account(home, "")
	squat := w.mustApply(squatter, "essential-carer", "ZZ99ZZZ")
	resident := w.account(home, "")
	p := w.mustApply(resident, "essential-carer", "AB12CDE")
	_, err := w.svc.Reject(ctx, w.officer, squat.ID, permit.Rejection{Code: "not_resident", Reason: "The applicant does not live here."})
	require.NoError(t, err)
	rs := w.retries()
	require.Len(t, rs, 1)
	require.Equal(t, "void:"+p.ID, rs[0].ID)
	approved, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.True(t, approved.Free)
	w.advance(time.Minute)
	require.Equal(t, permit.DueReport{PaymentsRetried: 1}, w.runDue())
	require.Empty(t, w.retries())
	require.Equal(t, 0, ledgerOps(w.pay, "capture"))
	requireMoney(t, "0.00", w.pay.Held())
	requireMoney(t, "0.00", w.pay.Taken())
}

// Defect 5: the scheme caps the new applications waiting at one property
// (Leicestershire 2), whichever accounts filed them; the eligibility
// answer says so too.
func TestDefect5PendingApplicationsPerPropertyCapped(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a, b := w.account(home, ""), w.account(home, "")
	w.mustApply(a, "essential-carer", "AB12CDE")
	w.mustApply(b, "essential-carer", "CD34EFG")
	c := w.account(home, "")
	_, err := w.apply(c, "essential-carer", "EF56GHJ")
	var ne *permit.NotEligibleError
	require.ErrorAs(t, err, &ne)
	var codes []string
	for _, r := range ne.Decision.Reasons {
		if r.Blocking {
			codes = append(codes, string(r.Code))
		}
	}
	require.Contains(t, codes, string(permit.CodeTooManyPendingApplications))
	dec, err := w.svc.Eligibility(ctx, permit.System, permit.EligibilityQuery{AccountID: c.ID, Type: "essential-carer"})
	require.NoError(t, err)
	require.False(t, dec.Eligible)
	for _, r := range dec.Reasons {
		if r.Code == permit.CodeTooManyPendingApplications {
			require.Equal(t, "There are 2 applications at this address already waiting for a decision, the most this council allows; apply again once one of them has been decided.", r.Detail)
		}
	}
}

// Defect 5: at most the scheme's number of accounts opened at one
// property in a day (Leicestershire 3), judged in Europe/London.
func TestDefect5AccountsPerPropertyPerDayCapped(t *testing.T) {
	w := newWorld(t, at(2026, 6, 1, 23, 30)) // 22:30 UTC, still 1 June in London
	ctx := context.Background()
	for range 3 {
		w.account(home, "")
	}
	_, err := w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: home})
	require.ErrorIs(t, err, permit.ErrNotEligible)
	var le *permit.LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, permit.CodeTooManyNewAccounts, le.Code)
	require.Equal(t, "3 accounts have been opened at this address today, the most this council allows in a day; try again tomorrow, or contact the council.", le.Detail)
	w.account(neighbour, "")       // another address is not affected
	w.setNow(at(2026, 6, 2, 0, 0)) // 23:00 UTC on 1 June, but 2 June in London
	w.account(home, "")
}

// Defect 8: permit.ParseVRM accepted "AB12-CDE" but a V5C whose vrm was
// "AB12-CDE" was refused ("is for vehicle AB12-CDE, not AB12CDE"): one
// parser now reads both.
func TestDefect8HyphenatedV5CIsTheSameVehicle(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	vrm, err := permit.ParseVRM("AB12-CDE")
	require.NoError(t, err)
	require.Equal(t, permit.VRM("AB12CDE"), vrm)
	docs := append(w.proofOfCare(),
		evidence.Document{Kind: "utility_bill", IssuedOn: d(2026, 11, 1), Name: "Jane Smith", Address: "3 Forest Road, Loughborough LE11 2AA"},
		evidence.Document{Kind: "v5c", IssuedOn: d(2024, 5, 1), Fields: map[string]string{"document_reference": "12345678901", "vrm": "AB12-CDE"}})
	p, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "ab12 cde", MoveTo: otherZone, Evidence: docs})
	require.NoError(t, err)
	require.Equal(t, permit.VRM("AB12CDE"), p.VRM)
}
