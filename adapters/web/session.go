package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Sessions keeps the resident pages' sign-in sessions: which account a
// session cookie belongs to, until when. A server keeps them in its
// database (adapters/sqlstore's WebSessions) so that every instance knows
// them and a restart forgets none. The id given is the SHA-256 of the
// cookie's secret in hex: the secret itself is never stored.
type Sessions interface {
	// Create stores a new session of accountID, made at at, ending at
	// expires. An id already stored is an error.
	Create(ctx context.Context, id, accountID string, at, expires time.Time) error
	// Account returns the account of a session that has not ended at at;
	// ok is false when there is none.
	Account(ctx context.Context, id string, at time.Time) (accountID string, ok bool, err error)
	// Delete ends a session; an unknown id is not an error.
	Delete(ctx context.Context, id string) error
}

// MemorySessions is Sessions in memory, for tests: a restart forgets
// them and other instances never see them.
type MemorySessions struct {
	mu sync.Mutex
	m  map[string]memSession
}

type memSession struct {
	account string
	expires time.Time
}

var _ Sessions = (*MemorySessions)(nil)

// NewMemorySessions returns an empty MemorySessions.
func NewMemorySessions() *MemorySessions { return &MemorySessions{m: map[string]memSession{}} }

// Create implements Sessions.
func (s *MemorySessions) Create(_ context.Context, id, accountID string, at, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; ok || id == "" || accountID == "" || !expires.After(at) {
		return errors.New("web: session refused (exists, empty, or already ended)")
	}
	s.m[id] = memSession{account: accountID, expires: expires}
	return nil
}

// Account implements Sessions.
func (s *MemorySessions) Account(_ context.Context, id string, at time.Time) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok || !v.expires.After(at) {
		return "", false, nil
	}
	return v.account, true, nil
}

// Delete implements Sessions.
func (s *MemorySessions) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

const sessionCookie = "permit_session"

// DefaultSessionTTL is how long a sign-in lasts unless Options say.
const DefaultSessionTTL = 8 * time.Hour

func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// signIn starts a session for the account and sets its cookie.
func (h *handler) signIn(w http.ResponseWriter, r *http.Request, accountID string) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := h.svc.Now()
	if err := h.sessions.Create(r.Context(), sessionID(secret), accountID, now, now.Add(h.sessionTTL)); err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, secret, h.sessionTTL)
	return nil
}

// signedIn returns the account of the request's session, "" for none.
func (h *handler) signedIn(r *http.Request) (string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", nil
	}
	acc, ok, err := h.sessions.Account(r.Context(), sessionID(c.Value), h.svc.Now())
	if err != nil || !ok {
		return "", err
	}
	return acc, nil
}

func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.sessions.Delete(r.Context(), sessionID(c.Value)); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	seeOther(w, r, "/")
}

// setCookie sets a cookie the way every cookie of the pages is set:
// HttpOnly, SameSite=Lax, for the whole site, and Secure when the
// request came over https (directly, or per Options.Secure behind a
// proxy that ends TLS). maxAge < 0 deletes it.
func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: h.secure || r.TLS != nil}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}
