package memstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

func (t *tx) message(id string) (*permit.RecordedMessage, bool) {
	if m, ok := t.messages[id]; ok {
		return m, true
	}
	m, ok := t.s.committed.messages[id]
	return m, ok
}

// cloneMessage is a copy of m sharing nothing the caller may change.
func cloneMessage(m permit.RecordedMessage) permit.RecordedMessage {
	m.Data = maps.Clone(m.Data)
	m.Postal = slices.Clone(m.Postal)
	return m
}

func (t *tx) stageMessage(m permit.RecordedMessage) {
	if t.messages == nil {
		t.messages = make(map[string]*permit.RecordedMessage)
	}
	m = cloneMessage(m)
	utc(&m.NextAttemptAt, &m.DeliveredAt, &m.CreatedAt, &m.UpdatedAt)
	t.messages[m.ID] = &m
}

func storableMessage(m permit.RecordedMessage) error {
	c := timeCheck{kind: "message", id: m.ID}
	c.instant("next_attempt_at", m.NextAttemptAt)
	c.instant("delivered_at", m.DeliveredAt)
	c.instant("created_at", m.CreatedAt)
	c.instant("updated_at", m.UpdatedAt)
	return c.err()
}

// Message implements permit.ReadTx.
func (t *tx) Message(id string) (permit.RecordedMessage, error) {
	if err := t.check(); err != nil {
		return permit.RecordedMessage{}, err
	}
	m, ok := t.message(id)
	if !ok {
		return permit.RecordedMessage{}, notFound("message", id)
	}
	return cloneMessage(*m), nil
}

// MessagesDue implements permit.ReadTx. Like selectRetries it scans.
func (t *tx) MessagesDue(at time.Time, limit int) ([]permit.RecordedMessage, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := []permit.RecordedMessage{}
	keep := func(m *permit.RecordedMessage) {
		if m.Status == permit.MessagePending && !m.NextAttemptAt.After(at) {
			out = append(out, cloneMessage(*m))
		}
	}
	for id, m := range t.s.committed.messages {
		if _, staged := t.messages[id]; !staged {
			keep(m)
		}
	}
	for _, m := range t.messages {
		keep(m)
	}
	slices.SortFunc(out, func(a, b permit.RecordedMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(limit, len(out))], nil
}

// CreateMessage implements permit.Tx.
func (t *tx) CreateMessage(m permit.RecordedMessage) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableMessage(m); err != nil {
		return err
	}
	if _, ok := t.message(m.ID); ok {
		return conflict("message %q already exists", m.ID)
	}
	m.Version = 1
	t.stageMessage(m)
	return nil
}

// UpdateMessage implements permit.Tx.
func (t *tx) UpdateMessage(m permit.RecordedMessage) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableMessage(m); err != nil {
		return err
	}
	cur, ok := t.message(m.ID)
	if !ok {
		return notFound("message", m.ID)
	}
	if m.Version != cur.Version {
		return stale("message", m.ID, m.Version, cur.Version)
	}
	m.Version++
	t.stageMessage(m)
	return nil
}

var _ permit.Forgetter = (*Store)(nil)

// Forget implements permit.Forgetter: it deletes the messages recorded
// for the accounts (permit.Options.RecordMessages), which hold the
// recipient and the message's data. Give the store among
// permit.Options.Forgetters when the Service records its messages.
func (s *Store) Forget(ctx context.Context, accounts []permit.Forgotten) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("memstore: forgetting accounts, waiting for another writer: %w", ctx.Err())
	}
	defer func() { <-s.writer }()
	gone := make(map[string]bool, len(accounts))
	for _, f := range accounts {
		gone[f.AccountID] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, m := range s.committed.messages {
		if gone[m.AccountID] {
			delete(s.committed.messages, id)
		}
	}
	return nil
}
