package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// WebSessions keeps the sign-in sessions of the resident pages in the
// store's database (table web_sessions): a server's web.Sessions, so that
// every instance on the database knows a session and a restart forgets
// none. A session is stored under the hash of its cookie's secret, never
// the secret. Safe for concurrent use.
type WebSessions struct {
	s *Store
}

// WebSessions returns the store's web sessions.
func (s *Store) WebSessions() *WebSessions { return &WebSessions{s: s} }

// Create stores a session for an account until expires. An existing id
// is an error; so are an empty id or account.
func (w *WebSessions) Create(ctx context.Context, id, accountID string, at, expires time.Time) error {
	if id == "" || accountID == "" {
		return errors.New("sqlstore: a web session needs an id and an account")
	}
	if !expires.After(at) {
		return fmt.Errorf("sqlstore: web session expiring at %s, not after %s", expires, at)
	}
	s := w.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`INSERT INTO web_sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
		id, accountID, s.d.Instant(at), s.d.Instant(expires)); err != nil {
		return s.describe("storing a web session", err)
	}
	// Sessions that have ended go when new ones come.
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM web_sessions WHERE expires_at <= ?`), s.d.Instant(at)); err != nil {
		return s.describe("forgetting ended web sessions", err)
	}
	return nil
}

// Account returns the account of the session id if it has not expired
// at at; ok is false when there is no such session or it has ended.
func (w *WebSessions) Account(ctx context.Context, id string, at time.Time) (accountID string, ok bool, err error) {
	s := w.s
	err = s.db.QueryRowContext(ctx, s.d.Rebind(`SELECT account_id FROM web_sessions WHERE id = ? AND expires_at > ?`),
		id, s.d.Instant(at)).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.describe("reading a web session", err)
	}
	return accountID, true, nil
}

// Delete ends a session; an id with no session is not an error.
func (w *WebSessions) Delete(ctx context.Context, id string) error {
	s := w.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM web_sessions WHERE id = ?`), id); err != nil {
		return s.describe("ending a web session", err)
	}
	return nil
}
