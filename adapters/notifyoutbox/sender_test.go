package notifyoutbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/notifyoutbox"
	"github.com/carerpermit/carerpermit/permit"
)

// recorded is the Service's side in memory: TakeMessages and
// SettleMessage as permit.Service does them over a Store (permittest
// checks the Store's part on every store).
type recorded struct {
	mu   sync.Mutex
	msgs map[string]*permit.RecordedMessage
}

func (r *recorded) add(m permit.Message, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.msgs == nil {
		r.msgs = map[string]*permit.RecordedMessage{}
	}
	r.msgs[m.ID] = &permit.RecordedMessage{Message: m, Status: permit.MessagePending, NextAttemptAt: at, Version: 1}
}

func (r *recorded) TakeMessages(_ context.Context, at time.Time, lease time.Duration, limit int) ([]permit.RecordedMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []permit.RecordedMessage
	for _, m := range r.msgs {
		if m.Status == permit.MessagePending && !m.NextAttemptAt.After(at) {
			m.NextAttemptAt = at.Add(lease)
			m.Version++
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b permit.RecordedMessage) int {
		return a.NextAttemptAt.Compare(b.NextAttemptAt)*2 + cmpID(a.ID, b.ID)
	})
	return out[:min(limit, len(out))], nil
}

func cmpID(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *recorded) SettleMessage(_ context.Context, m permit.RecordedMessage, status permit.MessageStatus, next time.Time, lastErr string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.msgs[m.ID]
	if cur.Version != m.Version {
		return fmt.Errorf("%w: taken again", permit.ErrConflict)
	}
	cur.Status, cur.Attempts, cur.LastError, cur.Version = status, cur.Attempts+1, lastErr, cur.Version+1
	if status == permit.MessagePending {
		cur.NextAttemptAt = next
	}
	return nil
}

func (r *recorded) count(status permit.MessageStatus) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m.Status == status {
			n++
		}
	}
	return n
}

func TestSenderOfRecordedMessages(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	prov := &provider{errs: []error{errors.New("503 from Notify"), nil, errRefused}}
	var failed []permit.Message
	opts := &notifyoutbox.Options{Now: clock, Permanent: func(err error) bool { return errors.Is(err, errRefused) },
		Failed: func(m permit.Message, _ error) { failed = append(failed, m) }}
	store := &recorded{}
	box, err := notifyoutbox.NewSender(store, prov, opts)
	require.NoError(t, err)

	store.add(permit.Message{ID: "msg_1", Kind: permit.MessageApproved, AccountID: "acc_1", To: "jane@example.org", PermitID: "per_1", Data: map[string]string{"vrm": "AB12CDE"}}, now)
	store.add(permit.Message{ID: "msg_2", Kind: permit.MessageRejected, AccountID: "acc_2", Phone: "+447700900123"}, now)

	r, err := box.Drain(ctx)
	require.NoError(t, err)
	require.Equal(t, notifyoutbox.Report{Sent: 1, Retried: 1}, r, "the first send failed and waits; the second went")
	require.Equal(t, "msg_2", prov.sent[0].ID)

	r, err = box.Drain(ctx)
	require.NoError(t, err)
	require.Zero(t, r, "not yet time to try again")

	// Another instance, after the pause.
	now = now.Add(31 * time.Second)
	other, err := notifyoutbox.NewSender(store, prov, opts)
	require.NoError(t, err)
	r, err = other.Drain(ctx)
	require.NoError(t, err)
	require.Equal(t, notifyoutbox.Report{Failed: 1}, r, "refused for good: kept as failed")
	require.Len(t, failed, 1)
	require.Equal(t, "acc_1", failed[0].AccountID)
	require.Equal(t, map[string]string{"vrm": "AB12CDE"}, failed[0].Data, "the message comes back whole")

	for status, want := range map[permit.MessageStatus]int{permit.MessageSent: 1, permit.MessageFailed: 1, permit.MessagePending: 0} {
		require.Equal(t, want, store.count(status), status)
	}
}

// The pause doubles after each failure up to MaxRetry, and a message is
// tried for ever.
func TestSenderBackoff(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	prov := &provider{}
	for range 8 {
		prov.errs = append(prov.errs, errors.New("429 RateLimitError"))
	}
	store := &recorded{}
	box, err := notifyoutbox.NewSender(store, prov, &notifyoutbox.Options{Now: func() time.Time { return now },
		FirstRetry: time.Minute, MaxRetry: 4 * time.Minute})
	require.NoError(t, err)
	store.add(permit.Message{ID: "msg_1", Kind: permit.MessageApproved, To: "jane@example.org"}, now)
	var tried []int // minutes at which a send was tried
	start := now
	for minute := 0; minute < 60 && len(prov.sent) == 0; minute++ {
		now = start.Add(time.Duration(minute) * time.Minute)
		r, err := box.Drain(ctx)
		require.NoError(t, err)
		if r.Retried+r.Sent == 1 {
			tried = append(tried, minute)
		}
	}
	require.Len(t, prov.sent, 1, "sent once the provider takes it")
	require.Equal(t, []int{0, 1, 3, 7, 11, 15, 19, 23, 27}, tried, "pauses of 1, 2, 4 minutes, then 4 (MaxRetry)")
}

// A sender that died mid-send leaves its message leased; another takes
// it once the lease has run out, and the dead one's late outcome is
// refused.
func TestSenderLease(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	store := &recorded{}
	store.add(permit.Message{ID: "msg_1", Kind: permit.MessageApproved, To: "jane@example.org"}, now)
	taken, err := store.TakeMessages(ctx, now, 2*time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, taken, 1) // the sender that dies

	prov := &provider{}
	box, err := notifyoutbox.NewSender(store, prov, &notifyoutbox.Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	r, err := box.Drain(ctx)
	require.NoError(t, err)
	require.Zero(t, r, "leased")
	now = now.Add(2 * time.Minute)
	r, err = box.Drain(ctx)
	require.NoError(t, err)
	require.Equal(t, notifyoutbox.Report{Sent: 1}, r)
	require.ErrorIs(t, store.SettleMessage(ctx, taken[0], permit.MessageSent, time.Time{}, ""), permit.ErrConflict)
}
