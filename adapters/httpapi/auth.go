package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// Role is what a caller may do (docs/API.md "Auth").
type Role string

// The three roles.
const (
	// RoleOfficer is council or back-office staff.
	RoleOfficer Role = "officer"
	// RoleAccount is one resident's account: it sees and changes only its
	// own account and permits.
	RoleAccount Role = "account"
	// RoleIntegration is a back-office system that reads: the event feed,
	// permits, accounts and the review queue (and manages its own
	// webhooks, which the webhook adapter serves). It decides nothing:
	// every other endpoint answers it 403.
	RoleIntegration Role = "integration"
)

// Principal is who made a request. The zero Principal is an anonymous
// caller, who may only look up addresses and open an account.
type Principal struct {
	Role Role
	// ID is the account ID for RoleAccount, a name that identifies the
	// officer (never the token) for RoleOfficer, recorded on events, and
	// the integration's configured name for RoleIntegration.
	ID string
}

// Anonymous reports whether nobody signed in.
func (p Principal) Anonymous() bool { return p.Role == "" }

// actor is the permit.Actor recorded on the events the request causes.
func (p Principal) actor() permit.Actor {
	switch p.Role {
	case RoleOfficer:
		return permit.OfficerActor(p.ID)
	case RoleAccount:
		return permit.AccountActor(p.ID)
	case RoleIntegration:
		return permit.Actor{Role: permit.RoleIntegration, ID: p.ID}
	}
	return permit.PublicActor
}

// ErrUnauthenticated is wrapped by an Authenticator's error for
// credentials that are present but wrong (401). Check with errors.Is.
var ErrUnauthenticated = errors.New("unauthenticated")

// AccountCredential is what a new account gets from the Authenticator.
type AccountCredential struct {
	// Stored goes into permit.NewAccount.Credential (for example a hash).
	Stored string
	// Token returns, given the new account's ID, the bearer token shown to
	// the resident once in the POST /v1/accounts answer; "" shows none
	// (for a council whose own sign-in identifies residents).
	Token func(accountID string) string
	// Issue, when set, is used instead of Token: it may fail (the
	// account is then open, without a token: the resident signs in).
	Issue func(ctx context.Context, accountID string) (string, error)
}

// Authenticator identifies callers. A council can put its own sign-in in
// front of the API by implementing it; TokenAuth is the reference.
type Authenticator interface {
	// Authenticate identifies the caller of r. No credentials at all gives
	// the zero Principal and a nil error. Credentials that are present but
	// wrong give an error wrapping ErrUnauthenticated; any other error is
	// a failure of the authenticator (the request gets a 500).
	Authenticate(r *http.Request) (Principal, error)
	// NewAccountCredential is called when an account is being opened, with
	// the request's context (a council's sign-in may have put the
	// resident's identity there) and the account as the request asks for
	// it; the account's ID is given later to AccountCredential.Token. An
	// error stops the opening: nothing is stored (a *permit.ValidationError
	// is answered 422, any other error 500).
	NewAccountCredential(ctx context.Context, acc permit.NewAccount) (AccountCredential, error)
}

// AccountReader reads accounts; *permit.Service is one. TokenAuth reads
// as SignInActor.
type AccountReader interface {
	Account(ctx context.Context, by permit.Actor, id string) (permit.Account, error)
}

// SignInActor is who TokenAuth is when it reads an account's stored
// credential to check a token: the system, since nobody is signed in yet.
var SignInActor = permit.Actor{Role: permit.RoleSystem, ID: "sign-in"}

// TokenAuth is the reference Authenticator: bearer tokens.
//
//   - Officer tokens come from configuration. Only their SHA-256 hashes are
//     kept, and a presented token is compared with every one in constant
//     time. An officer is recorded on events as "officer-" and the first 8
//     hex digits of the token's hash, so the audit trail says which token
//     acted without holding it.
//   - An account's token is "<account id>.<secret>", issued once when the
//     account is opened; the account stores "sha256:" and the secret's
//     SHA-256 in hex (permit.Account.Credential), never the secret.
//
// Account credentials are kept in memory for a minute after they are read,
// so a resident's run of requests costs one database read, not one each.
// The API never changes a credential; an adapter that revokes one may
// serve it for up to that minute.
type TokenAuth struct {
	officers     []officerKey
	integrations []officerKey
	accounts     AccountReader

	mu    sync.Mutex
	cache map[string]cachedCredential // by account ID

	// sessions, when set, keeps the tokens residents sign in with
	// (UseSessions).
	sessions   Sessions
	sessionTTL time.Duration
	now        func() time.Time
}

type cachedCredential struct {
	credential string
	until      time.Time
}

// credentialTTL and maxCachedCredentials bound the credential cache.
const (
	credentialTTL        = time.Minute
	maxCachedCredentials = 100_000
)

type officerKey struct {
	hash [sha256.Size]byte
	name string
}

var _ Authenticator = (*TokenAuth)(nil)

// MinOfficerTokenLength is the shortest officer token NewTokenAuth accepts:
// an officer token opens every account, so it must not be guessable.
const MinOfficerTokenLength = 16

// Integration is a read-only integration's name and bearer token
// (permitd's --integration-token NAME=TOKEN).
type Integration struct {
	// Name identifies the integration in logs and on the webhooks it
	// registers: letters, digits, '-', '_' and '.', at most 64.
	Name string
	// Token is at least MinOfficerTokenLength characters, as an officer's.
	Token string
}

// NewTokenAuth builds a TokenAuth. accounts is where account credentials
// are read (the Service); officerTokens may be empty (no officer can sign
// in). An officer token written NAME=TOKEN names its officer (events and
// logs say officer:NAME; NAME is 1 to 64 letters, digits, '-', '_', '.'
// or '@'); a bare token is named by its hash (OfficerName). integrations are the read-only integrations (RoleIntegration). A
// token shorter than MinOfficerTokenLength, or holding spaces, is
// refused, as are a token given twice and two integrations of one name.
func NewTokenAuth(accounts AccountReader, officerTokens []string, integrations ...Integration) (*TokenAuth, error) {
	if accounts == nil {
		return nil, errors.New("httpapi: NewTokenAuth: accounts is nil")
	}
	a := &TokenAuth{accounts: accounts, cache: map[string]cachedCredential{}}
	for i, t := range officerTokens {
		name := ""
		if n, tok, ok := strings.Cut(t, "="); ok && officerNameOK(n) && tok != "" {
			name, t = n, tok
		}
		if len(t) < MinOfficerTokenLength {
			return nil, fmt.Errorf("httpapi: officer token %d is %d characters long; use at least %d", i+1, len(t), MinOfficerTokenLength)
		}
		if strings.ContainsAny(t, " \t\r\n") {
			return nil, fmt.Errorf("httpapi: officer token %d contains white space", i+1)
		}
		if name == "" {
			name = OfficerName(t)
		}
		h := sha256.Sum256([]byte(t))
		a.officers = append(a.officers, officerKey{hash: h, name: name})
	}
	seen := map[[sha256.Size]byte]bool{}
	officerNames := map[string]bool{}
	for _, k := range a.officers {
		if seen[k.hash] {
			return nil, fmt.Errorf("httpapi: officer %q: the same token is given twice", k.name)
		}
		if officerNames[k.name] {
			return nil, fmt.Errorf("httpapi: officer %q is given twice", k.name)
		}
		seen[k.hash], officerNames[k.name] = true, true
	}
	names := map[string]bool{}
	for i, in := range integrations {
		switch {
		case !integrationName(in.Name):
			return nil, fmt.Errorf("httpapi: integration %d: name %q must be 1 to 64 letters, digits, '-', '_' or '.'", i+1, in.Name)
		case names[in.Name]:
			return nil, fmt.Errorf("httpapi: integration %q is given twice", in.Name)
		case len(in.Token) < MinOfficerTokenLength:
			return nil, fmt.Errorf("httpapi: the token of integration %q is %d characters long; use at least %d", in.Name, len(in.Token), MinOfficerTokenLength)
		case strings.ContainsAny(in.Token, " \t\r\n"):
			return nil, fmt.Errorf("httpapi: the token of integration %q contains white space", in.Name)
		}
		h := sha256.Sum256([]byte(in.Token))
		if seen[h] {
			return nil, fmt.Errorf("httpapi: the token of integration %q is also another officer's or integration's token", in.Name)
		}
		seen[h], names[in.Name] = true, true
		a.integrations = append(a.integrations, officerKey{hash: h, name: in.Name})
	}
	return a, nil
}

func integrationName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// officerNameOK reports whether s may name an officer (NAME=TOKEN):
// 1 to 64 letters, digits, '-', '_', '.' or '@' (an email address names
// an officer signed in through the council's OpenID Connect provider).
func officerNameOK(s string) bool {
	return integrationName(strings.ReplaceAll(s, "@", "."))
}

// OfficerNameOK reports whether s may name an officer: 1 to 64 letters,
// digits, '-', '_', '.' or '@'.
func OfficerNameOK(s string) bool { return officerNameOK(s) }

// OfficerName is how an unnamed officer token is named on events and in logs: the
// first 8 hex digits of its SHA-256, never the token.
func OfficerName(token string) string {
	h := sha256.Sum256([]byte(token))
	return "officer-" + hex.EncodeToString(h[:4])
}

// bearer returns the token of an "Authorization: Bearer" header; ok is
// false when the header is absent, and err set when it is malformed.
func bearer(r *http.Request) (token string, ok bool, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, nil
	}
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" || badText(tok) {
		return "", true, fmt.Errorf("%w: the Authorization header must be \"Bearer <token>\"", ErrUnauthenticated)
	}
	return strings.TrimSpace(tok), true, nil
}

// Authenticate implements Authenticator.
func (a *TokenAuth) Authenticate(r *http.Request) (Principal, error) {
	tok, ok, err := bearer(r)
	if !ok || err != nil {
		return Principal{}, err
	}
	h := sha256.Sum256([]byte(tok))
	match := -1
	for i := range a.officers {
		// Every configured token is compared, so the time taken does not
		// say which one (or whether any) matched.
		if subtle.ConstantTimeCompare(h[:], a.officers[i].hash[:]) == 1 {
			match = i
		}
	}
	integration := -1
	for i := range a.integrations {
		if subtle.ConstantTimeCompare(h[:], a.integrations[i].hash[:]) == 1 {
			integration = i
		}
	}
	if match >= 0 {
		return Principal{Role: RoleOfficer, ID: a.officers[match].name}, nil
	}
	if integration >= 0 {
		return Principal{Role: RoleIntegration, ID: a.integrations[integration].name}, nil
	}
	if strings.HasPrefix(tok, sessionTokenPrefix) && a.sessions != nil {
		return a.session(r.Context(), tok)
	}
	if accountID, secret, found := strings.Cut(tok, "."); found && accountID != "" && secret != "" {
		return a.account(r.Context(), accountID, secret)
	}
	return Principal{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
}

func (a *TokenAuth) account(ctx context.Context, id, secret string) (Principal, error) {
	want, err := a.credential(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	got := credentialOf(secret)
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return Principal{}, fmt.Errorf("%w: wrong account token", ErrUnauthenticated)
	}
	return Principal{Role: RoleAccount, ID: id}, nil
}

// credential returns the stored credential of an account, from the cache
// when it was read less than credentialTTL ago.
func (a *TokenAuth) credential(ctx context.Context, id string) (string, error) {
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.credential, nil
	}
	acc, err := a.accounts.Account(ctx, SignInActor, id)
	if errors.Is(err, permit.ErrNotFound) {
		return "", fmt.Errorf("%w: unknown account token", ErrUnauthenticated)
	}
	if err != nil {
		return "", fmt.Errorf("httpapi: reading account credential: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxCachedCredentials {
		for k, v := range a.cache {
			if !now.Before(v.until) || len(a.cache) >= maxCachedCredentials {
				delete(a.cache, k)
			}
		}
	}
	a.cache[id] = cachedCredential{credential: acc.Credential, until: now.Add(credentialTTL)}
	return acc.Credential, nil
}

func credentialOf(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(h[:])
}

// NewAccountCredential implements Authenticator: 32 random bytes,
// base64url, whoever the account is. With sessions (UseSessions) the
// account stores no credential and the token shown is a session's, which
// expires as every sign-in does.
func (a *TokenAuth) NewAccountCredential(context.Context, permit.NewAccount) (AccountCredential, error) {
	if a.sessions != nil {
		return AccountCredential{Issue: func(ctx context.Context, accountID string) (string, error) {
			tok, _, err := a.IssueToken(ctx, accountID)
			return tok, err
		}}, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return AccountCredential{}, fmt.Errorf("httpapi: making an account token: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	return AccountCredential{
		Stored: credentialOf(secret),
		Token:  func(accountID string) string { return accountID + "." + secret },
	}, nil
}
