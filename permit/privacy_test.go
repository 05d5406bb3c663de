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
