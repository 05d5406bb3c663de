package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
)

// storedFailure is a permit.MessageFailure as stored in
// accounts.message_failure.
type storedFailure struct {
	MessageID string `json:"message_id"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	PermitID  string `json:"permit_id,omitempty"`
	Delivery  string `json:"delivery"`
	At        string `json:"at"`
}

func encodeMessageFailure(f *permit.MessageFailure) (string, error) {
	if f == nil {
		return "", nil
	}
	b, err := json.Marshal(storedFailure{MessageID: f.MessageID, Kind: string(f.Kind), Channel: string(f.Channel), PermitID: f.PermitID,
		Delivery: string(f.Delivery), At: f.At.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return "", fmt.Errorf("encoding message_failure: %w", err)
	}
	return string(b), nil
}

func decodeMessageFailure(s string) (*permit.MessageFailure, error) {
	var sf storedFailure
	if err := json.Unmarshal([]byte(s), &sf); err != nil {
		return nil, fmt.Errorf("decoding message_failure: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, sf.At)
	if err != nil {
		return nil, fmt.Errorf("decoding message_failure.at: %w", err)
	}
	return &permit.MessageFailure{MessageID: sf.MessageID, Kind: permit.MessageKind(sf.Kind), Channel: permit.Channel(sf.Channel),
		PermitID: sf.PermitID, Delivery: permit.Delivery(sf.Delivery), At: at.UTC()}, nil
}

func scanMessage(row rowScanner) (permit.RecordedMessage, error) {
	var m permit.RecordedMessage
	var kind, channel, body, status, delivery string
	err := row.Scan(&m.ID, &m.AccountID, &m.PermitID, &kind, &channel, &body, &status, &m.Attempts, &m.LastError,
		sqldb.ScanInstant(&m.NextAttemptAt), &delivery, sqldb.ScanInstant(&m.DeliveredAt), sqldb.ScanInstant(&m.CreatedAt),
		sqldb.ScanInstant(&m.UpdatedAt), &m.Version)
	if err != nil {
		return m, err
	}
	id, account, permitID, version := m.ID, m.AccountID, m.PermitID, m.Version
	if err := json.Unmarshal([]byte(body), &m.Message); err != nil {
		return m, fmt.Errorf("decoding message %s: %w", quote(id), err)
	}
	m.ID, m.AccountID, m.PermitID, m.Version = id, account, permitID, version
	m.Kind, m.Channel = permit.MessageKind(kind), permit.Channel(channel)
	m.Status, m.Delivery = permit.MessageStatus(status), permit.Delivery(delivery)
	return m, nil
}

func (r *readTx) Message(id string) (permit.RecordedMessage, error) {
	m, err := scanMessage(r.queryRow(r.s.q.message, id))
	if errors.Is(err, sql.ErrNoRows) {
		return permit.RecordedMessage{}, fmt.Errorf("sqlstore: message %s: %w", quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return permit.RecordedMessage{}, r.fail("reading message "+quote(id), err)
	}
	return m, nil
}

func (r *readTx) MessagesDue(at time.Time, limit int) ([]permit.RecordedMessage, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	return collect(r, "listing messages due", scanMessage, r.s.q.messagesDue, r.s.d.Instant(at), limit)
}

// messageArgs are the values of a message's columns after id, before
// version.
func (t *tx) messageArgs(m permit.RecordedMessage) ([]any, error) {
	var tc timeCheck
	tc.instant("next_attempt_at", m.NextAttemptAt)
	tc.instant("delivered_at", m.DeliveredAt)
	tc.instant("created_at", m.CreatedAt)
	tc.instant("updated_at", m.UpdatedAt)
	if err := tc.err(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(m.Message)
	if err != nil {
		return nil, fmt.Errorf("encoding the message: %w", err)
	}
	d := t.s.d
	var delivered any
	if !m.DeliveredAt.IsZero() {
		delivered = d.Instant(m.DeliveredAt)
	}
	return []any{m.AccountID, m.PermitID, string(m.Kind), string(m.Channel), string(body), string(m.Status), m.Attempts, m.LastError,
		d.Instant(m.NextAttemptAt), string(m.Delivery), delivered, d.Instant(m.CreatedAt), d.Instant(m.UpdatedAt)}, nil
}

func (t *tx) CreateMessage(m permit.RecordedMessage) error {
	op := "recording message " + quote(m.ID)
	args, err := t.messageArgs(m)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.createMessage, append([]any{m.ID}, args...)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: the ID is taken: %w", op, permit.ErrConflict)
	}
	return nil
}

func (t *tx) UpdateMessage(m permit.RecordedMessage) error {
	op := "updating message " + quote(m.ID)
	args, err := t.messageArgs(m)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.updateMessage, append(args, m.ID, m.Version)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.staleOrMissing("message", m.ID, m.Version, t.s.q.messageVersion)
	}
	return nil
}

var _ permit.MessageLog = (*Store)(nil)

// MessagesTo implements permit.MessageLog over the messages a Service
// built with permit.Options.RecordMessages recorded (table messages):
// the account's, oldest first, for a subject access export.
func (s *Store) MessagesTo(ctx context.Context, accountID string) ([]permit.SentMessage, error) {
	var out []permit.SentMessage
	err := s.View(ctx, func(rtx permit.ReadTx) error {
		r, ok := rtx.(*readTx)
		if !ok {
			return fmt.Errorf("sqlstore: MessagesTo: an unexpected transaction %T", rtx)
		}
		ms, err := collect(r, "listing the messages of account "+quote(accountID), scanMessage,
			s.d.Rebind(`SELECT `+messageColumns+` FROM messages WHERE account_id = ? ORDER BY created_at, id`), accountID)
		if err != nil {
			return err
		}
		out = make([]permit.SentMessage, 0, len(ms))
		for _, m := range ms {
			sm := permit.SentMessage{Message: m.Message, Status: string(m.Status), RecordedAt: m.CreatedAt}
			if m.Status != permit.MessagePending {
				sm.SentAt = m.UpdatedAt
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}
