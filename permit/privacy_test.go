package permit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Issue 19 item 5: officers' looks at an account and its files, and every
// export, are events in the store, naming who; a resident's own looks are
// not recorded; the record lists only them, in feed order.
func TestRecordOfWhoLooked(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	w := f.w
	integration := permit.Actor{Role: "integration", ID: "crm"}

	before := len(w.events())
	require.NoError(t, w.svc.RecordAccountViewed(ctx, permit.AccountActor(f.a.ID), f.a.ID))
	require.NoError(t, w.svc.RecordDocumentViewed(ctx, permit.AccountActor(f.a.ID), f.approved.ID, "doc_1"))
	require.NoError(t, w.svc.RecordAccountViewed(ctx, permit.System, f.a.ID))
	require.Len(t, w.events(), before, "a resident's and the system's looks are not recorded")

	for _, tc := range []struct {
		by   permit.Actor
		want error
	}{
		{permit.AccountActor(f.b.ID), permit.ErrNotFound},
		{integration, permit.ErrForbidden},
		{permit.PublicActor, permit.ErrForbidden},
		{permit.Actor{}, permit.ErrForbidden},
	} {
		require.ErrorIs(t, w.svc.RecordAccountViewed(ctx, tc.by, f.a.ID), tc.want, "by %s", tc.by)
		require.ErrorIs(t, w.svc.RecordDocumentViewed(ctx, tc.by, f.approved.ID, "doc_1"), tc.want, "by %s", tc.by)
		_, err := w.svc.ExportAccount(ctx, tc.by, f.a.ID)
		require.ErrorIs(t, err, tc.want, "by %s", tc.by)
	}
	require.ErrorIs(t, w.svc.RecordAccountViewed(ctx, w.officer, "acc_missing"), permit.ErrNotFound)
	require.ErrorIs(t, w.svc.RecordDocumentViewed(ctx, w.officer, "per_missing", "doc_1"), permit.ErrNotFound)
	require.ErrorIs(t, w.svc.RecordDocumentViewed(ctx, w.officer, f.approved.ID, ""), permit.ErrValidation)
	_, err := w.svc.ExportAccount(ctx, w.officer, "acc_missing")
	require.ErrorIs(t, err, permit.ErrNotFound)
	require.Len(t, w.events(), before, "refusals write nothing")

	require.NoError(t, w.svc.RecordAccountViewed(ctx, w.officer, f.a.ID))
	w.setNow(at(2026, 11, 24, 10, 5))
	require.NoError(t, w.svc.RecordDocumentViewed(ctx, permit.OfficerActor("sam.jones"), f.approved.ID, "doc_7"))
	_, err = w.svc.ExportAccount(ctx, permit.AccountActor(f.a.ID), f.a.ID)
	require.NoError(t, err)
	require.NoError(t, w.svc.RecordAccountViewed(ctx, w.officer, f.b.ID))

	rec, err := w.svc.AccessRecord(ctx, f.a.ID)
	require.NoError(t, err)
	require.Len(t, rec, 3)
	require.Equal(t, permit.EventAccountViewed, rec[0].Type)
	require.Equal(t, "officer:jo.bloggs", rec[0].Actor)
	require.NotNil(t, rec[0].Account)
	require.Equal(t, f.a.ID, rec[0].AccountID)
	require.Equal(t, permit.EventDocumentViewed, rec[1].Type)
	require.Equal(t, "officer:sam.jones", rec[1].Actor)
	require.Equal(t, f.approved.ID, rec[1].PermitID)
	require.Equal(t, map[string]string{"document_id": "doc_7"}, rec[1].Data)
	require.Equal(t, at(2026, 11, 24, 10, 5).UTC(), rec[1].At)
	require.Equal(t, permit.EventAccountExported, rec[2].Type)
	require.Equal(t, "account:"+f.a.ID, rec[2].Actor)

	approved, err := w.svc.Permit(ctx, permit.System, f.approved.ID)
	require.NoError(t, err)
	require.Equal(t, approved.Version, rec[1].Permit.Version, "a look changes nothing: the permit keeps its version")

	_, err = w.svc.AccessRecord(ctx, "acc_missing")
	require.ErrorIs(t, err, permit.ErrNotFound)
	other, err := w.svc.AccessRecord(ctx, f.b.ID)
	require.NoError(t, err)
	require.Len(t, other, 1)
}

// Issue 19 item 3: the export holds the account, every permit of it, its
// address changes and every event about them up to the export, which is
// itself recorded.
func TestExportAccount(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	w := f.w
	x, err := w.svc.ExportAccount(ctx, w.officer, f.a.ID)
	require.NoError(t, err)
	require.Equal(t, f.a.ID, x.Account.ID)
	require.Empty(t, x.Account.Credential)
	require.Equal(t, "officer:jo.bloggs", x.ExportedBy)
	require.Equal(t, w.svc.Now(), x.ExportedAt)
	require.Len(t, x.Permits, 2)
	require.Len(t, x.AddressChanges, 1)
	require.Nil(t, x.Messages, "a service without a MessageLog lists none")
	var about []permit.Event
	for _, e := range w.events() {
		if e.AccountID == f.a.ID && e.Type != permit.EventAccountExported {
			about = append(about, e)
		}
	}
	require.Len(t, x.Events, len(about))
	for i := range about {
		require.Equal(t, about[i].ID, x.Events[i].ID)
	}
	evs := w.events()
	last := evs[len(evs)-1]
	require.Equal(t, permit.EventAccountExported, last.Type)
	require.Equal(t, "officer:jo.bloggs", last.Actor)
	require.Equal(t, f.a.ID, last.AccountID)

	mine, err := w.svc.ExportAccount(ctx, permit.AccountActor(f.b.ID), f.b.ID)
	require.NoError(t, err)
	require.Empty(t, mine.Permits)
	require.Len(t, mine.Events, 1, "account.created")
}

// Issue 19 item 4: erasure on request is the council's to do; it is
// refused with every reason rather than silently accepted, a dry run
// changes nothing, and when nothing stands in the way the account is
// anonymised at once.
func TestRequestErasure(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	w := f.w
	before := len(w.events())

	for _, by := range []permit.Actor{permit.AccountActor(f.a.ID), {Role: "integration", ID: "crm"}, permit.PublicActor} {
		_, err := w.svc.RequestErasure(ctx, by, f.a.ID, true)
		require.ErrorIs(t, err, permit.ErrForbidden, "by %s", by)
	}
	_, err := w.svc.RequestErasure(ctx, w.officer, "acc_missing", false)
	require.ErrorIs(t, err, permit.ErrNotFound)

	codes := func(rs []permit.Refusal) []string {
		out := []string{}
		for _, r := range rs {
			require.NotEmpty(t, r.Detail, r.Code)
			out = append(out, r.Code)
		}
		return out
	}
	dry, err := w.svc.RequestErasure(ctx, w.officer, f.a.ID, true)
	require.NoError(t, err)
	require.True(t, dry.DryRun)
	require.False(t, dry.Erased)
	require.Contains(t, codes(dry.Refused), permit.RefusalPermitLive)
	require.Contains(t, codes(dry.Refused), permit.RefusalAddressChangePending)
	require.Equal(t, 2, dry.Permits)
	require.Equal(t, 1, dry.AddressChanges)
	require.Positive(t, dry.Events)

	e, err := w.svc.RequestErasure(ctx, w.officer, f.a.ID, false)
	var refused *permit.NotAnonymisableError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, codes(dry.Refused), codes(refused.Refused))
	require.Equal(t, dry.Refused, e.Refused, "the answer carries the reasons too")
	require.False(t, e.Erased)
	require.Len(t, w.events(), before, "refusals and dry runs write nothing")
	acc, err := w.svc.Account(ctx, w.officer, f.a.ID)
	require.NoError(t, err)
	require.Equal(t, "Jane Smith", acc.Name)

	// Account b holds nothing live: erased at once.
	ok, err := w.svc.RequestErasure(ctx, w.officer, f.b.ID, true)
	require.NoError(t, err)
	require.Empty(t, ok.Refused)
	require.NotNil(t, ok.Refused)
	done, err := w.svc.RequestErasure(ctx, w.officer, f.b.ID, false)
	require.NoError(t, err)
	require.True(t, done.Erased)
	require.Equal(t, w.svc.Now(), done.At)
	evs := w.events()
	last := evs[len(evs)-1]
	require.Equal(t, permit.EventAccountAnonymised, last.Type)
	require.Equal(t, "officer:jo.bloggs", last.Actor)
	gone, err := w.svc.Account(ctx, w.officer, f.b.ID)
	require.NoError(t, err)
	require.NotEqual(t, "Jane Smith", gone.Name)

	again, err := w.svc.RequestErasure(ctx, w.officer, f.b.ID, true)
	require.NoError(t, err)
	require.Equal(t, []string{permit.RefusalAlreadyAnonymised}, codes(again.Refused))
	_, err = w.svc.RequestErasure(ctx, w.officer, f.b.ID, false)
	require.ErrorAs(t, err, &refused)
}

// The scheme keeps the evidence of a decision for its set time
// (Leicestershire: 13 months); erasure waits for it, and says until when.
func TestErasureWaitsForEvidenceRetention(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is unreadable."})
	require.NoError(t, err)

	e, err := w.svc.RequestErasure(ctx, w.officer, a.ID, true)
	require.NoError(t, err)
	require.Len(t, e.Refused, 1)
	require.Equal(t, permit.RefusalRetentionRunning, e.Refused[0].Code)
	require.Contains(t, e.Refused[0].Detail, "2027-12-24", "13 months after the decision")

	w.setNow(at(2027, 12, 24, 23, 0))
	e, err = w.svc.RequestErasure(ctx, w.officer, a.ID, true)
	require.NoError(t, err)
	require.Len(t, e.Refused, 1, "the last day of the period")
	w.setNow(at(2027, 12, 25, 9, 0))
	e, err = w.svc.RequestErasure(ctx, w.officer, a.ID, false)
	require.NoError(t, err)
	require.True(t, e.Erased)
}
