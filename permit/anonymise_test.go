package permit_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// household gives one account a whole history — a permit applied for
// with evidence, approved, its vehicle changed, the contact details
// changed, a move within the zone with proof of residency, the permit
// cancelled — and returns the account and every personal value used.
func household(t *testing.T, w *world) (permit.Account, []string) {
	t.Helper()
	ctx := context.Background()
	acc, err := w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Philippa Quennell", Email: "philippa.quennell@example.org", Phone: "07700 900461", UPRN: home})
	require.NoError(t, err)
	p, err := w.svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "QN61 XKP",
		Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: w.today().AddDate(0, 0, -7), Name: "Philippa Quennell", Address: "12 Ashby Road Loughborough"}}})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(acc.ID), p.ID, "QZ19 WVB", time.Time{})
	require.NoError(t, err)
	phone := "07700 900462"
	_, err = w.svc.ChangeContact(ctx, permit.AccountActor(acc.ID), acc.ID, permit.ContactChange{Phone: &phone})
	require.NoError(t, err)
	c, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(acc.ID), acc.ID, sameZone,
		[]evidence.Document{{Kind: "utility_bill", IssuedOn: w.today().AddDate(0, 0, -10), Name: "Philippa Quennell", Address: "Rose Cottage, Ashby Road, Loughborough, LE11 3AB"}})
	require.NoError(t, err)
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.NoError(t, err)
	_, err = w.svc.Cancel(ctx, permit.AccountActor(acc.ID), p.ID, "Mother moved into Larkfield care home")
	require.NoError(t, err)
	return acc, []string{"Philippa", "Quennell", "philippa.quennell@example.org", "07700900461", "+447700900462", "7700 900461",
		"QN61XKP", "QN61 XKP", "QZ19WVB", "QZ19 WVB", "12 Ashby Road", "Ashby Road", "Rose Cottage", "LE11 3AB",
		"100000000001", "100000000003", "Larkfield"}
}

// memstoreDump is everything the memory store holds about the account, as
// JSON.
func memstoreDump(t *testing.T, w *world, accountID string) string {
	t.Helper()
	var parts []any
	require.NoError(t, w.store.View(context.Background(), func(tx permit.ReadTx) error {
		a, err := tx.Account(accountID)
		if err != nil {
			return err
		}
		ps, err := tx.PermitsOfAccount(accountID)
		if err != nil {
			return err
		}
		cs, err := tx.AddressChangesOfAccount(accountID)
		if err != nil {
			return err
		}
		parts = append(parts, a, ps, cs)
		return nil
	}))
	parts = append(parts, w.events())
	b, err := json.Marshal(parts)
	require.NoError(t, err)
	return string(b)
}

func TestAnonymiseAccountReachesEverything(t *testing.T) {
	w := newWorld(t, at(2026, 3, 2, 10, 0))
	acc, values := household(t, w)
	ctx := context.Background()

	before := memstoreDump(t, w, acc.ID)
	require.Contains(t, before, "Quennell", "the household's history holds its values before")

	_, err := w.svc.AnonymiseAccount(ctx, permit.AccountActor(acc.ID), acc.ID)
	require.ErrorIs(t, err, permit.ErrForbidden, "a resident does not anonymise; an officer erases on request")
	_, err = w.svc.AnonymiseAccount(ctx, w.officer, "acc_none")
	require.ErrorIs(t, err, permit.ErrNotFound)

	n := len(w.events())
	plan, err := w.svc.PlanAnonymisation(ctx, w.officer, acc.ID)
	require.NoError(t, err)
	require.Empty(t, plan.Refused, "the only permit is cancelled, the move decided")
	require.Equal(t, 1, plan.Permits)
	require.Equal(t, 1, plan.AddressChanges)
	require.Equal(t, n, plan.Events)
	require.Equal(t, before, memstoreDump(t, w, acc.ID), "a plan changes nothing")

	done, err := w.svc.AnonymiseAccount(ctx, w.officer, acc.ID)
	require.NoError(t, err)
	require.Equal(t, n, done.Events)

	after := memstoreDump(t, w, acc.ID)
	for _, v := range values {
		require.NotContains(t, after, v)
		require.NotContains(t, strings.ReplaceAll(after, " ", ""), strings.ReplaceAll(v, " ", ""))
	}
	require.Contains(t, after, "loughborough-3", "the zone survives, for statistics")
	require.Contains(t, after, "essential-carer", "the type survives")

	evs := w.events()
	last := evs[len(evs)-1]
	require.Equal(t, permit.EventAccountAnonymised, last.Type)
	require.Equal(t, "request", last.Data["reason"])
	require.False(t, last.Account.AnonymisedAt.IsZero())
	require.Len(t, evs, n+2, "rewritten in place: no event added but permit.updated (anonymised) for its permit and the one saying so")

	_, err = w.svc.AnonymiseAccount(ctx, w.officer, acc.ID)
	var refused *permit.NotAnonymisableError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, permit.RefusalAlreadyAnonymised, refused.Refused[0].Code)
}

func TestAnonymiseAccountRefusedWhileLive(t *testing.T) {
	w := newWorld(t, at(2026, 3, 2, 10, 0))
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	ctx := context.Background()
	before := memstoreDump(t, w, a.ID)
	_, err := w.svc.AnonymiseAccount(ctx, w.officer, a.ID)
	var refused *permit.NotAnonymisableError
	require.ErrorAs(t, err, &refused)
	require.ErrorIs(t, err, permit.ErrConflict)
	require.Equal(t, permit.RefusalPermitLive, refused.Refused[0].Code)
	require.Contains(t, refused.Refused[0].Detail, p.ID)
	require.Equal(t, before, memstoreDump(t, w, a.ID), "a refusal changes nothing")

	_, err = w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	plan, err := w.svc.PlanAnonymisation(ctx, w.officer, a.ID)
	require.NoError(t, err)
	require.Equal(t, permit.RefusalPermitLive, plan.Refused[0].Code, "approved and not expired")
	require.True(t, plan.RetainUntil.IsZero())

	w.setNow(at(2027, 3, 3, 10, 0)) // the day after it expired
	plan, err = w.svc.PlanAnonymisation(ctx, w.officer, a.ID)
	require.NoError(t, err)
	require.Empty(t, plan.Refused)
	require.Equal(t, d(2029, 3, 2), plan.RetainUntil, "Leicestershire keeps an account 24 months after its last permit ended")
	require.False(t, errors.Is(err, permit.ErrConflict))
}

// withoutRetention is the scheme keeping everything, for tests of the due
// jobs that count other work exactly.
func withoutRetention(s *permit.Scheme) *permit.Scheme {
	s.Retention = permit.Retention{}
	return s
}

func TestProtectedAddressNotInEnforcementAnswer(t *testing.T) {
	w := newWorld(t, at(2026, 3, 2, 10, 0))
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	ctx := context.Background()
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)

	_, err = w.svc.ProtectAddress(ctx, permit.AccountActor(a.ID), a.ID, true)
	require.ErrorIs(t, err, permit.ErrForbidden, "officers only")

	check, err := w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", time.Time{})
	require.NoError(t, err)
	require.NotEmpty(t, check.Permits[0].Permit.Address, "unprotected: the address is shown")

	acc, err := w.svc.ProtectAddress(ctx, w.officer, a.ID, true)
	require.NoError(t, err)
	require.True(t, acc.Protected)
	evs := w.events()
	require.Equal(t, permit.EventAccountProtectionChanged, evs[len(evs)-1].Type)
	require.Equal(t, "true", evs[len(evs)-1].Data["protected"])
	require.Equal(t, permit.EventPermitUpdated, evs[len(evs)-2].Type, "its permits follow")
	require.Equal(t, "address_protection_changed", evs[len(evs)-2].Data["reason"])
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.True(t, got.AddressProtected)
	n := len(evs)
	_, err = w.svc.ProtectAddress(ctx, w.officer, a.ID, true)
	require.NoError(t, err)
	require.Len(t, w.events(), n, "setting what is set is no event")

	check, err = w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", time.Time{})
	require.NoError(t, err)
	require.True(t, check.Permitted, "the answer still says whether it may park")
	require.Empty(t, check.Permits[0].Permit.Address)
	require.True(t, check.Permits[0].Permit.UPRN.IsZero())
}

// TestRetentionPinnedDates runs the due jobs on the days around each
// retention edge of the Leicestershire scheme: evidence 13 months after
// the decision, the account 24 months after its last permit ended.
func TestRetentionPinnedDates(t *testing.T) {
	w := newWorld(t, at(2026, 3, 2, 10, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	p, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, d(2027, 3, 1), p.ExpiresOn)
	run := func(on time.Time) permit.DueReport {
		t.Helper()
		w.setNow(on)
		r, err := w.svc.RunDue(ctx, on)
		require.NoError(t, err)
		return r
	}

	require.Zero(t, run(at(2027, 4, 2, 9, 0)).EvidenceDeleted, "13 months after the decision of 2 March 2026: kept on 2 April 2027")
	r := run(at(2027, 4, 3, 9, 0))
	require.Equal(t, 1, r.EvidenceDeleted, "deleted the day after")
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, d(2027, 4, 3), got.EvidenceDeletedOn)
	require.Empty(t, got.Evidence[0].Name, "the details typed from the document are gone")
	require.Equal(t, evidence.Kind("proof_of_care"), got.Evidence[0].Kind, "its kind remains")
	require.Zero(t, run(at(2027, 4, 4, 9, 0)).EvidenceDeleted, "done once")

	require.Zero(t, run(at(2029, 3, 1, 23, 0)).AccountsAnonymised, "24 months after the expiry of 1 March 2027: kept on 1 March 2029 (London)")
	require.Equal(t, 1, run(at(2029, 3, 2, 0, 30)).AccountsAnonymised, "anonymised on 2 March 2029")
	acc, err := w.svc.Account(ctx, permit.System, a.ID)
	require.NoError(t, err)
	require.Empty(t, acc.Name)
	require.False(t, acc.AnonymisedAt.IsZero())
	evs := w.events()
	require.Equal(t, permit.EventAccountAnonymised, evs[len(evs)-1].Type)
	require.Equal(t, "retention", evs[len(evs)-1].Data["reason"])
	require.Zero(t, run(at(2029, 3, 3, 9, 0)).AccountsAnonymised, "done once")
}
