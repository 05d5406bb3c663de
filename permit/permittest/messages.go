package permittest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// Recorded messages are the messages to residents a Service built with
// RecordMessages writes in the transaction of the change they report.
// They are versioned like permits, found by ID, and listed while pending
// by next attempt for the sender; sent and failed ones are never listed.
// An account keeps the last message that could not be delivered for good.
var messageTests = []namedTest{
	{"RoundTrip", testMessageRoundTrip},
	{"CreateTwiceIsConflict", testMessageTwice},
	{"UpdateIsVersioned", testMessageVersioned},
	{"DueByNextAttempt", testMessagesDue},
	{"GoneWithARolledBackTransaction", testMessageRolledBack},
	{"AccountMessageFailure", testAccountMessageFailure},
}

// NewMessage returns a pending email of kind approved about permit
// permitID, recorded at a fixed instant and due then. Tests change the
// fields they are about.
func NewMessage(id, permitID string) permit.RecordedMessage {
	return permit.RecordedMessage{
		Message: permit.Message{ID: id, Kind: permit.MessageApproved, AccountID: "acc-1", PermitID: permitID,
			Channel: permit.ChannelEmail, To: "jane@example.org", Data: map[string]string{"permit_id": permitID, "vrm": "AB12CDE"}},
		Status:        permit.MessagePending,
		NextAttemptAt: fixtureCreatedAt,
		CreatedAt:     fixtureCreatedAt,
		UpdatedAt:     fixtureCreatedAt,
	}
}

func getMessage(t *testing.T, st permit.Store, id string) permit.RecordedMessage {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) (permit.RecordedMessage, error) { return tx.Message(id) })
}

func seedMessages(t *testing.T, st permit.Store, ms ...permit.RecordedMessage) {
	t.Helper()
	update(t, st, func(tx permit.Tx) error {
		for _, m := range ms {
			if err := tx.CreateMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func requireMessage(t *testing.T, want, got permit.RecordedMessage) {
	t.Helper()
	for _, ts := range []*time.Time{&want.NextAttemptAt, &want.DeliveredAt, &want.CreatedAt, &want.UpdatedAt} {
		*ts = ts.UTC().Truncate(time.Microsecond)
	}
	for _, ts := range []time.Time{got.NextAttemptAt, got.CreatedAt, got.UpdatedAt} {
		require.Equal(t, time.UTC, ts.Location(), "instants come back in UTC")
	}
	if want.DeliveredAt.IsZero() {
		want.DeliveredAt = time.Time{}
	}
	require.Equal(t, want, got)
}

func messageIDs(ms []permit.RecordedMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func testMessageRoundTrip(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	letter := NewMessage("msg-1", "p-1")
	letter.Channel, letter.To = permit.ChannelLetter, ""
	letter.Postal = []string{"Jane Smith", "12 Ashby Road", "Loughborough", "LE11 3AB"}
	letter.Data["reason"] = "Tabs\tnewlines\n and “quotes”"
	letter.Attempts, letter.LastError = 2, "429 RateLimitError"
	letter.NextAttemptAt = time.Date(2028, time.March, 26, 2, 10, 0, 123456000, loc)
	letter.Version = 7 // Create stores 1 whatever it is given
	sms := NewMessage("msg-2", "")
	sms.Channel, sms.To, sms.Phone, sms.Kind = permit.ChannelSMS, "", "+447700900123", permit.MessageAddressChanged
	sms.Status, sms.Delivery = permit.MessageSent, permit.DeliveryPermanentFailure
	sms.DeliveredAt = time.Date(2027, time.October, 27, 11, 0, 0, 0, loc)
	seedMessages(t, st, letter, sms)

	letter.Version, sms.Version = 1, 1
	requireMessage(t, letter, getMessage(t, st, "msg-1"))
	requireMessage(t, sms, getMessage(t, st, "msg-2"))
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.Message("msg-missing")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	})
}

func testMessageTwice(t *testing.T, s suite) {
	st := s.store(t)
	m := NewMessage("msg-1", "p-1")
	seedMessages(t, st, m)
	update(t, st, func(tx permit.Tx) error {
		other := m
		other.To = "someone@example.org"
		require.ErrorIs(t, tx.CreateMessage(other), permit.ErrConflict)
		// The refusal leaves the transaction usable.
		return tx.CreateMessage(NewMessage("msg-2", "p-2"))
	})
	require.Equal(t, "jane@example.org", getMessage(t, st, "msg-1").To)
	require.Equal(t, "p-2", getMessage(t, st, "msg-2").PermitID)
}

func testMessageVersioned(t *testing.T, s suite) {
	st := s.store(t)
	m := NewMessage("msg-1", "p-1")
	seedMessages(t, st, m)
	m.Version = 1
	leased := m
	leased.NextAttemptAt = fixtureCreatedAt.Add(2 * time.Minute)
	update(t, st, func(tx permit.Tx) error { return tx.UpdateMessage(leased) })
	leased.Version = 2
	requireMessage(t, leased, getMessage(t, st, m.ID))

	err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdateMessage(m) })
	require.ErrorIs(t, err, permit.ErrConflict, "version 1 is stale: another sender leased it")
	missing := NewMessage("msg-missing", "p-1")
	missing.Version = 1
	err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdateMessage(missing) })
	require.ErrorIs(t, err, permit.ErrNotFound)
}

func testMessagesDue(t *testing.T, s suite) {
	st := s.store(t)
	at := fixtureCreatedAt
	a, b, c, sent, later := NewMessage("msg-a", "p-1"), NewMessage("msg-b", "p-1"), NewMessage("msg-c", "p-1"), NewMessage("msg-d", "p-1"), NewMessage("msg-e", "p-1")
	a.NextAttemptAt = at.Add(-time.Minute)
	b.NextAttemptAt, c.NextAttemptAt = at, at // the same instant: by ID
	sent.Status, sent.NextAttemptAt = permit.MessageSent, at.Add(-time.Hour)
	later.NextAttemptAt = at.Add(time.Second)
	seedMessages(t, st, later, c, sent, b, a)
	due := read(t, st, func(tx permit.ReadTx) ([]permit.RecordedMessage, error) { return tx.MessagesDue(at, 10) })
	require.Equal(t, []string{"msg-a", "msg-b", "msg-c"}, messageIDs(due))
	due = read(t, st, func(tx permit.ReadTx) ([]permit.RecordedMessage, error) { return tx.MessagesDue(at, 2) })
	require.Equal(t, []string{"msg-a", "msg-b"}, messageIDs(due))
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.MessagesDue(at, 0)
		require.ErrorIs(t, err, permit.ErrValidation)
		return nil
	})
	// A transaction sees its own.
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.CreateMessage(NewMessage("msg-0", "p-1")))
		got, err := tx.MessagesDue(at, 10)
		require.NoError(t, err)
		require.Contains(t, messageIDs(got), "msg-0")
		return nil
	})
}

// A message recorded in a transaction that does not commit is not kept:
// the change it reports did not happen.
func testMessageRolledBack(t *testing.T, s suite) {
	st := s.store(t)
	err := st.Update(t.Context(), func(tx permit.Tx) error {
		require.NoError(t, tx.CreateMessage(NewMessage("msg-1", "p-1")))
		return permit.ErrConflict
	})
	require.ErrorIs(t, err, permit.ErrConflict)
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.Message("msg-1")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	})
}

func testAccountMessageFailure(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	require.Nil(t, getAccount(t, st, "acc-1").MessageFailure)
	cur := getAccount(t, st, "acc-1")
	at := time.Date(2027, time.March, 28, 1, 30, 0, 123456000, london(t))
	cur.MessageFailure = &permit.MessageFailure{MessageID: "msg-1", Kind: permit.MessageApproved, Channel: permit.ChannelSMS,
		PermitID: "p-1", Delivery: permit.DeliveryPermanentFailure, At: at}
	update(t, st, func(tx permit.Tx) error { return tx.UpdateAccount(cur) })
	got := getAccount(t, st, "acc-1").MessageFailure
	require.NotNil(t, got)
	require.Equal(t, time.UTC, got.At.Location())
	require.True(t, at.Equal(got.At))
	want := *cur.MessageFailure
	want.At = got.At
	require.Equal(t, want, *got)

	cur = getAccount(t, st, "acc-1")
	cur.MessageFailure = nil
	update(t, st, func(tx permit.Tx) error { return tx.UpdateAccount(cur) })
	require.Nil(t, getAccount(t, st, "acc-1").MessageFailure, "cleared")
}
