package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Sessions keeps signed-in sessions: which account a token belongs to,
// until when. A server keeps them in its database (adapters/sqlstore's
// WebSessions, which the resident pages use too) so that every instance
// knows them and a restart forgets none. The id given is the SHA-256 of
// the token in hex: the token itself is never stored.
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

// DefaultTokenTTL is how long an account's token lasts unless
// SessionOptions say otherwise.
const DefaultTokenTTL = 24 * time.Hour

// sessionTokenPrefix starts every session token, so that it is never
// read as an "<account id>.<secret>" token.
const sessionTokenPrefix = "st_"

// SessionOptions configure TokenAuth.UseSessions.
type SessionOptions struct {
	// TTL is how long a token lasts from its sign-in; 0 means
	// DefaultTokenTTL.
	TTL time.Duration
	// Now is the wall clock that tokens expire by; nil means time.Now.
	// (Not the Service's test clock: moving it must not sign anyone out.)
	Now func() time.Time
}

// UseSessions makes account tokens expiring sessions kept in s: the
// tokens POST /v1/sign-in/verify and POST /v1/accounts hand out, which
// POST /v1/sign-out revokes. Call it before serving.
func (a *TokenAuth) UseSessions(s Sessions, opts *SessionOptions) {
	var o SessionOptions
	if opts != nil {
		o = *opts
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTokenTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a.sessions, a.sessionTTL, a.now = s, o.TTL, o.Now
}

// TokenIssuer is an Authenticator that signs residents in with tokens of
// its own: the sign-in endpoints need one (TokenAuth with UseSessions).
type TokenIssuer interface {
	// IssueToken starts a session of the account and returns its bearer
	// token and when it expires.
	IssueToken(ctx context.Context, accountID string) (token string, expires time.Time, err error)
	// RevokeToken ends the session whose token r carries; a token that
	// is not a session's is not an error.
	RevokeToken(r *http.Request) error
}

var _ TokenIssuer = (*TokenAuth)(nil)

// errNoSessions: IssueToken on a TokenAuth without UseSessions.
var errNoSessions = errors.New("httpapi: the TokenAuth keeps no sessions (UseSessions)")

// IssueToken implements TokenIssuer.
func (a *TokenAuth) IssueToken(ctx context.Context, accountID string) (string, time.Time, error) {
	if a.sessions == nil {
		return "", time.Time{}, errNoSessions
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("httpapi: making a token: %w", err)
	}
	tok := sessionTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := a.now().UTC()
	expires := now.Add(a.sessionTTL).Truncate(time.Second)
	if err := a.sessions.Create(ctx, sessionID(tok), accountID, now, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("httpapi: storing a session: %w", err)
	}
	return tok, expires, nil
}

// RevokeToken implements TokenIssuer.
func (a *TokenAuth) RevokeToken(r *http.Request) error {
	tok, ok, err := bearer(r)
	if !ok || err != nil || a.sessions == nil || len(tok) <= len(sessionTokenPrefix) || tok[:len(sessionTokenPrefix)] != sessionTokenPrefix {
		return nil
	}
	return a.sessions.Delete(r.Context(), sessionID(tok))
}

// session identifies the account of a session token. Sessions are read
// every time, not cached: a signed-out token stops working at once on
// every instance.
func (a *TokenAuth) session(ctx context.Context, tok string) (Principal, error) {
	acc, ok, err := a.sessions.Account(ctx, sessionID(tok), a.now())
	if err != nil {
		return Principal{}, fmt.Errorf("httpapi: reading a session: %w", err)
	}
	if !ok {
		return Principal{}, fmt.Errorf("%w: the token has expired or was signed out", ErrUnauthenticated)
	}
	return Principal{Role: RoleAccount, ID: acc}, nil
}

func sessionID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
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
		return errors.New("httpapi: session refused (exists, empty, or already ended)")
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
