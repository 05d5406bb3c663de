package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
)

// SignInCodes keeps residents' one-time sign-in codes in the store's
// database (table sign_in_codes): a server's httpapi.SignInCodes, so that
// a code one instance sent is accepted by another. It stores the hashes
// httpapi gives, never an address or a code. Safe for concurrent use.
type SignInCodes struct {
	s *Store
}

// SignInCodes returns the store's sign-in codes.
func (s *Store) SignInCodes() *SignInCodes { return &SignInCodes{s: s} }

// Put stores a code for key, replacing any earlier one, and forgets the
// codes that have expired.
func (c *SignInCodes) Put(ctx context.Context, key, codeHash, accountID string, created, expires time.Time, tries int) error {
	if key == "" || codeHash == "" || accountID == "" || tries < 1 || !expires.After(created) {
		return errors.New("sqlstore: a sign-in code needs a key, a hash, an account, a try and a life")
	}
	s := c.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`INSERT INTO sign_in_codes (key, code_hash, account_id, created_at, expires_at, tries_left)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET code_hash = excluded.code_hash, account_id = excluded.account_id,
 created_at = excluded.created_at, expires_at = excluded.expires_at, tries_left = excluded.tries_left`),
		key, codeHash, accountID, s.d.Instant(created), s.d.Instant(expires), tries); err != nil {
		return s.describe("storing a sign-in code", err)
	}
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM sign_in_codes WHERE expires_at <= ?`), s.d.Instant(created)); err != nil {
		return s.describe("forgetting expired sign-in codes", err)
	}
	return nil
}

// Use tries codeHash against key's live code at at, each step one
// statement: a match deletes the code and returns its account; a
// mismatch uses a try, and the last try deletes the code.
func (c *SignInCodes) Use(ctx context.Context, key, codeHash string, at time.Time) (string, bool, error) {
	s := c.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return "", false, err
	}
	defer unlock()
	var accountID string
	err = s.db.QueryRowContext(ctx, s.d.Rebind(`DELETE FROM sign_in_codes WHERE key = ? AND code_hash = ? AND expires_at > ? AND tries_left > 0
RETURNING account_id`), key, codeHash, s.d.Instant(at)).Scan(&accountID)
	switch {
	case err == nil:
		return accountID, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, s.describe("using a sign-in code", err)
	}
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`UPDATE sign_in_codes SET tries_left = tries_left - 1 WHERE key = ?`), key); err != nil {
		return "", false, s.describe("counting a wrong sign-in code", err)
	}
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM sign_in_codes WHERE key = ? AND (tries_left <= 0 OR expires_at <= ?)`),
		key, s.d.Instant(at)); err != nil {
		return "", false, s.describe("forgetting a used-up sign-in code", err)
	}
	return "", false, nil
}

// sessionTable is a table of sessions: an id (the hash of a secret), who
// it belongs to (an account or an officer) and when it ends.
type sessionTable struct {
	s           *Store
	table, whom string
	what        string // "an officer session"
}

func (t sessionTable) create(ctx context.Context, id, who string, at, expires time.Time) error {
	if id == "" || who == "" {
		return fmt.Errorf("sqlstore: %s needs an id and its owner", t.what)
	}
	if !expires.After(at) {
		return fmt.Errorf("sqlstore: %s expiring at %s, not after %s", t.what, expires, at)
	}
	s := t.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`INSERT INTO `+t.table+` (id, `+t.whom+`, created_at, expires_at) VALUES (?, ?, ?, ?)`),
		id, who, s.d.Instant(at), s.d.Instant(expires)); err != nil {
		return s.describe("storing "+t.what, err)
	}
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM `+t.table+` WHERE expires_at <= ?`), s.d.Instant(at)); err != nil {
		return s.describe("forgetting ended sessions", err)
	}
	return nil
}

func (t sessionTable) owner(ctx context.Context, id string, at time.Time) (string, bool, error) {
	s := t.s
	var who string
	err := s.db.QueryRowContext(ctx, s.d.Rebind(`SELECT `+t.whom+` FROM `+t.table+` WHERE id = ? AND expires_at > ?`),
		id, s.d.Instant(at)).Scan(&who)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.describe("reading "+t.what, err)
	}
	return who, true, nil
}

func (t sessionTable) delete(ctx context.Context, id string) error {
	s := t.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM `+t.table+` WHERE id = ?`), id); err != nil {
		return s.describe("ending "+t.what, err)
	}
	return nil
}

// OfficerSessions keeps the officer pages' sign-in sessions in the
// store's database (table officer_sessions): which officer a session
// cookie belongs to, until when, under the hash of the cookie's secret.
// Its methods are those of WebSessions, with the officer's name where a
// resident's session has an account. Safe for concurrent use.
type OfficerSessions struct{ t sessionTable }

// OfficerSessions returns the store's officer sessions.
func (s *Store) OfficerSessions() *OfficerSessions {
	return &OfficerSessions{sessionTable{s: s, table: "officer_sessions", whom: "officer", what: "an officer session"}}
}

// Create stores a session of the officer until expires.
func (o *OfficerSessions) Create(ctx context.Context, id, officer string, at, expires time.Time) error {
	return o.t.create(ctx, id, officer, at, expires)
}

// Account returns the officer of a session live at at (the name matches
// WebSessions' so that one interface serves both).
func (o *OfficerSessions) Account(ctx context.Context, id string, at time.Time) (string, bool, error) {
	return o.t.owner(ctx, id, at)
}

// Delete ends an officer session; an unknown id is not an error.
func (o *OfficerSessions) Delete(ctx context.Context, id string) error { return o.t.delete(ctx, id) }

// AccountTokens keeps the API's account tokens (httpapi.Sessions) in the
// store's database (table account_tokens), under the hash of the token:
// every instance knows a token, and signing out ends it everywhere at
// once. Safe for concurrent use.
type AccountTokens struct{ t sessionTable }

// AccountTokens returns the store's account tokens.
func (s *Store) AccountTokens() *AccountTokens {
	return &AccountTokens{sessionTable{s: s, table: "account_tokens", whom: "account_id", what: "an account token"}}
}

// Create stores a token of the account until expires.
func (a *AccountTokens) Create(ctx context.Context, id, accountID string, at, expires time.Time) error {
	return a.t.create(ctx, id, accountID, at, expires)
}

// Account returns the account of a token live at at.
func (a *AccountTokens) Account(ctx context.Context, id string, at time.Time) (string, bool, error) {
	return a.t.owner(ctx, id, at)
}

// Delete ends a token; an unknown id is not an error.
func (a *AccountTokens) Delete(ctx context.Context, id string) error { return a.t.delete(ctx, id) }

// EvaluationOutbox keeps a copy of every message the server sends, for
// evaluation under permitd's --test-clock (table evaluation_outbox):
// GET /v1/test-clock/outbox reads it, so a script finds a sign-in code
// without a mail server. It is a permit.Notifier that stores and sends
// nothing else. A council's server never uses it: it keeps codes.
type EvaluationOutbox struct {
	s   *Store
	now func() time.Time
}

// EvaluationOutbox returns the store's evaluation outbox; now stamps the
// messages (the test clock; nil: time.Now).
func (s *Store) EvaluationOutbox(now func() time.Time) *EvaluationOutbox {
	if now == nil {
		now = time.Now
	}
	return &EvaluationOutbox{s: s, now: now}
}

var _ permit.Notifier = (*EvaluationOutbox)(nil)

// OutboxMessage is one message of the evaluation outbox.
type OutboxMessage struct {
	ID, Kind, Channel, To string
	SentAt                time.Time
	Data                  map[string]string
}

// Notify stores m.
func (o *EvaluationOutbox) Notify(ctx context.Context, m permit.Message) error {
	ch, _ := message.ChannelOf(m)
	to := strings.ToLower(m.To)
	switch ch {
	case message.ChannelSMS:
		to = m.Phone
	case message.ChannelLetter:
		to = strings.Join(m.Postal, ", ")
	}
	id := m.ID
	if id == "" {
		id = string(m.Kind)
		if m.PermitID != "" {
			id += ":" + m.PermitID
		} else if m.AccountID != "" {
			id += ":" + m.AccountID
		}
	}
	data, err := json.Marshal(m.Data)
	if err != nil {
		return fmt.Errorf("sqlstore: evaluation outbox: %w", err)
	}
	s := o.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`INSERT INTO evaluation_outbox (id, kind, channel, to_address, sent_at, data) VALUES (?, ?, ?, ?, ?, ?)`),
		id, string(m.Kind), string(ch), to, s.d.Instant(o.now()), string(data)); err != nil {
		return s.describe("keeping a message in the evaluation outbox", err)
	}
	return nil
}

// Messages returns up to limit messages, newest first; to, when not
// empty, keeps those sent to that address (in any case).
func (o *EvaluationOutbox) Messages(ctx context.Context, to string, limit int) ([]OutboxMessage, error) {
	s := o.s
	q := `SELECT id, kind, channel, to_address, sent_at, data FROM evaluation_outbox`
	args := []any{}
	if to != "" {
		q += ` WHERE to_address = ?`
		args = append(args, strings.ToLower(strings.TrimSpace(to)))
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, s.describe("reading the evaluation outbox", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		var data string
		if err := rows.Scan(&m.ID, &m.Kind, &m.Channel, &m.To, sqldb.ScanInstant(&m.SentAt), &data); err != nil {
			return nil, s.describe("reading the evaluation outbox", err)
		}
		if err := json.Unmarshal([]byte(data), &m.Data); err != nil {
			return nil, fmt.Errorf("sqlstore: evaluation outbox message %s: %w", m.ID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.describe("reading the evaluation outbox", err)
	}
	return out, nil
}
