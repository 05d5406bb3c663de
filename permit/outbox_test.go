package permit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// recordingService is a Service that records its messages in its store
// (Options.RecordMessages) and sends every channel, at now.
func recordingService(t *testing.T, now time.Time, byLetter ...permit.MessageKind) (*permit.Service, *memstore.Store, *int) {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	sch := loadLeicestershire(t)
	sch.ByLetter = byLetter
	st := memstore.New()
	woken := new(int)
	svc, err := permit.NewService(sch, st, g, fakepay.New(), &permit.Options{
		Now: func() time.Time { return now }, RecordMessages: true, MessagesRecorded: func(n int) { *woken += n },
		Channels: []permit.Channel{permit.ChannelEmail, permit.ChannelSMS, permit.ChannelLetter}})
	require.NoError(t, err)
	return svc, st, woken
}

func feedOf(t *testing.T, st permit.Store, et permit.EventType) []permit.Event {
	t.Helper()
	evs, _, err := st.Events(context.Background(), "", 1000)
	require.NoError(t, err)
	var out []permit.Event
	for _, e := range evs {
		if e.Type == et {
			out = append(out, e)
		}
	}
	return out
}

// The messages of a Service that records them: in the store with the
// change, on the channel the domain chose, taken by a sender once.
func TestRecordedMessages(t *testing.T) {
	ctx := context.Background()
	now := at(2026, 11, 24, 10, 0)
	svc, _, woken := recordingService(t, now, permit.MessageRejected)
	acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Phone: "07700 900123", UPRN: home})
	require.NoError(t, err)
	require.Equal(t, "+447700900123", acc.Phone)
	p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE",
		Evidence: proofOfCareOn(now)})
	require.NoError(t, err)
	_, err = svc.Reject(ctx, permit.OfficerActor("jo"), p.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is not signed."})
	require.NoError(t, err)
	require.Equal(t, 2, *woken, "the sender is woken after each commit")

	due, err := svc.TakeMessages(ctx, now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, due, 2)
	byKind := map[permit.MessageKind]permit.RecordedMessage{}
	for _, m := range due {
		byKind[m.Kind] = m
		require.True(t, strings.HasPrefix(m.ID, "msg_"))
		require.Equal(t, permit.MessagePending, m.Status)
	}
	received, rejected := byKind[permit.MessageApplicationReceived], byKind[permit.MessageRejected]
	require.Equal(t, permit.ChannelSMS, received.Channel, "only a mobile number: a text message")
	require.Equal(t, "+447700900123", received.Phone)
	require.Empty(t, received.To)
	require.Equal(t, permit.ChannelLetter, rejected.Channel, "the scheme sends rejections by letter")
	require.Equal(t, []string{"Jane Smith", "12 Ashby Road", "Loughborough", "LE11 3AB"}, rejected.Postal)
	require.Empty(t, rejected.Phone)
	require.Equal(t, "The letter is not signed.", rejected.Data["reason"])

	again, err := svc.TakeMessages(ctx, now, time.Minute, 10)
	require.NoError(t, err)
	require.Empty(t, again, "leased")
	for _, m := range due {
		require.NoError(t, svc.SettleMessage(ctx, m, permit.MessageSent, time.Time{}, ""))
	}
	require.ErrorIs(t, svc.SettleMessage(ctx, due[0], permit.MessageSent, time.Time{}, ""), permit.ErrConflict, "settled already")
	later, err := svc.TakeMessages(ctx, now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	require.Empty(t, later)
}

// Receipts: a permanent failure is on the account once, however often it
// comes; a delivery on the same channel clears it; a refusal at sending
// counts as one.
func TestRecordDelivery(t *testing.T) {
	ctx := context.Background()
	now := at(2026, 11, 24, 10, 0)
	svc, st, _ := recordingService(t, now)
	acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Email: "jane@example.org", UPRN: home})
	require.NoError(t, err)
	p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE",
		Evidence: proofOfCareOn(now)})
	require.NoError(t, err)
	_, err = svc.Approve(ctx, permit.OfficerActor("jo"), p.ID)
	require.NoError(t, err)
	due, err := svc.TakeMessages(ctx, now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, due, 2)
	first, second := due[0], due[1]

	_, err = svc.RecordDelivery(ctx, permit.OfficerActor("jo"), permit.DeliveryReceipt{MessageID: first.ID, Delivery: permit.DeliveryDelivered})
	require.ErrorIs(t, err, permit.ErrForbidden)
	_, err = svc.RecordDelivery(ctx, permit.System, permit.DeliveryReceipt{MessageID: "msg_nope", Delivery: permit.DeliveryDelivered})
	require.ErrorIs(t, err, permit.ErrNotFound)
	_, err = svc.RecordDelivery(ctx, permit.System, permit.DeliveryReceipt{MessageID: first.ID, Delivery: "sending"})
	require.ErrorIs(t, err, permit.ErrValidation)

	failedAt := now.Add(5 * time.Minute).UTC()
	for range 3 {
		m, err := svc.RecordDelivery(ctx, permit.System, permit.DeliveryReceipt{MessageID: first.ID, Delivery: permit.DeliveryPermanentFailure, At: failedAt})
		require.NoError(t, err)
		require.Equal(t, permit.DeliveryPermanentFailure, m.Delivery)
	}
	got, err := svc.Account(ctx, permit.System, acc.ID)
	require.NoError(t, err)
	require.Equal(t, &permit.MessageFailure{MessageID: first.ID, Kind: first.Kind, Channel: permit.ChannelEmail, PermitID: p.ID,
		Delivery: permit.DeliveryPermanentFailure, At: failedAt}, got.MessageFailure)
	failed := feedOf(t, st, permit.EventNotificationFailed)
	require.Len(t, failed, 1, "a repeated receipt appends nothing")
	require.Equal(t, map[string]string{"message_id": first.ID, "kind": string(first.Kind), "channel": "email",
		"delivery": "permanent-failure", "permit_id": p.ID}, failed[0].Data)
	require.NotNil(t, failed[0].Account.MessageFailure, "the event carries the account as it stands after it")

	_, err = svc.RecordDelivery(ctx, permit.System, permit.DeliveryReceipt{MessageID: second.ID, Delivery: permit.DeliveryDelivered})
	require.NoError(t, err)
	got, err = svc.Account(ctx, permit.System, acc.ID)
	require.NoError(t, err)
	require.Nil(t, got.MessageFailure, "delivered on the same channel")
	require.Len(t, feedOf(t, st, permit.EventNotificationDelivered), 1)

	// A message the provider refused at sending.
	email := ""
	_, err = svc.ChangeContact(ctx, permit.AccountActor(acc.ID), acc.ID, permit.ContactChange{Email: &email, Phone: ptr("07700 900123")})
	require.NoError(t, err)
	_, err = svc.Cancel(ctx, permit.AccountActor(acc.ID), p.ID, "no longer needed")
	require.NoError(t, err)
	due, err = svc.TakeMessages(ctx, now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, permit.ChannelSMS, due[0].Channel)
	require.NoError(t, svc.SettleMessage(ctx, due[0], permit.MessageFailed, time.Time{}, "400 ValidationError: phone_number Not a UK mobile number"))
	got, err = svc.Account(ctx, permit.System, acc.ID)
	require.NoError(t, err)
	require.NotNil(t, got.MessageFailure)
	require.Equal(t, permit.DeliveryRefused, got.MessageFailure.Delivery)
	require.Len(t, feedOf(t, st, permit.EventNotificationFailed), 2)

	// New contact details clear it.
	_, err = svc.ChangeContact(ctx, permit.AccountActor(acc.ID), acc.ID, permit.ContactChange{Email: ptr("jane@example.net")})
	require.NoError(t, err)
	got, err = svc.Account(ctx, permit.System, acc.ID)
	require.NoError(t, err)
	require.Nil(t, got.MessageFailure)
}

func ptr(s string) *string { return &s }

func proofOfCareOn(now time.Time) []evidence.Document {
	return []evidence.Document{{Kind: "proof_of_care", IssuedOn: now.AddDate(0, 0, -7), Name: "Jane Smith", Address: "12 Ashby Road"}}
}
