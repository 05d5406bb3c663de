package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// CodeSignInFailed: a one-time code that is wrong, used up or expired
// (401).
const CodeSignInFailed = "sign_in_failed"

// SignInCode is one resident's one-time sign-in code as stored: never
// the code or the email address, only their hashes.
type SignInCode struct {
	// Key is SignInKey of the email address the code went to.
	Key string
	// CodeHash is SignInCodeHash of the key and the code.
	CodeHash  string
	AccountID string
	Created   time.Time
	Expires   time.Time
	// Tries is how many wrong codes may be given before it is gone.
	Tries int
}

// SignInCodes keeps one-time sign-in codes. A server keeps them in its
// database (adapters/sqlstore's SignInCodes) so that a code sent by one
// instance is accepted by another. Implementations must be safe for
// concurrent use, and Use must be atomic: two tries at once never both
// succeed nor both use the same try.
type SignInCodes interface {
	// Put stores a code (see SignInCode for the fields), replacing any
	// earlier code of key.
	Put(ctx context.Context, key, codeHash, accountID string, created, expires time.Time, tries int) error
	// Use tries codeHash against the code of key that is live at at: when
	// it matches, the code is used up (deleted) and its account returned;
	// when it does not, one try is used, and the code is deleted when
	// none is left. ok is false when nothing matched.
	Use(ctx context.Context, key, codeHash string, at time.Time) (accountID string, ok bool, err error)
}

// SignInKey is the key a sign-in code is stored under: the SHA-256 in hex
// of the email address in lower case, so that the table of codes holds no
// address.
func SignInKey(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:])
}

// SignInCodeHash is how a code is stored: the SHA-256 in hex of the key
// and the code.
func SignInCodeHash(key, code string) string {
	h := sha256.Sum256([]byte(key + ":" + code))
	return hex.EncodeToString(h[:])
}

// SignInOptions configure the resident sign-in of docs/API.md "Signing
// in": POST /v1/sign-in sends a one-time code through Notifier, POST
// /v1/sign-in/verify exchanges it for a token, POST /v1/sign-out revokes
// a token. The Authenticator must be a TokenIssuer (TokenAuth with
// UseSessions).
type SignInOptions struct {
	// Codes keeps the codes (required).
	Codes SignInCodes
	// Notifier sends them (required): the server's, with the message kind
	// permit.MessageSignInCode.
	Notifier permit.Notifier
	// CodeTTL is how long a code works; 0 means DefaultSignInCodeTTL.
	CodeTTL time.Duration
	// Tries is how many wrong codes a code survives; 0 means
	// DefaultSignInTries.
	Tries int
	// PerAddress limits the codes asked for one email address; the zero
	// value means DefaultSignInPerAddress.
	PerAddress RateLimit
	// PerClient limits sign-in requests (asking for a code, or giving
	// one) from one client address; the zero value means
	// DefaultSignInPerClient.
	PerClient RateLimit
}

// Defaults of SignInOptions.
var (
	DefaultSignInCodeTTL    = 10 * time.Minute
	DefaultSignInTries      = 5
	DefaultSignInPerAddress = RateLimit{Max: 5, Per: 15 * time.Minute}
	DefaultSignInPerClient  = RateLimit{Max: 30, Per: 15 * time.Minute}
)

// signIn is the configured sign-in.
type signIn struct {
	codes     SignInCodes
	notifier  permit.Notifier
	issuer    TokenIssuer
	ttl       time.Duration
	tries     int
	byAddress *limiter
	byClient  *limiter
}

// newSignIn checks and completes o.
func newSignIn(o *SignInOptions, auth Authenticator, rates RateCounter, proxies []netip.Prefix, now func() time.Time) (*signIn, error) {
	issuer, ok := auth.(TokenIssuer)
	if !ok {
		return nil, errors.New("httpapi: Options.SignIn needs an Authenticator that issues tokens (TokenIssuer, such as TokenAuth with UseSessions)")
	}
	if o.Codes == nil || o.Notifier == nil {
		return nil, errors.New("httpapi: Options.SignIn needs Codes and a Notifier")
	}
	s := &signIn{codes: o.Codes, notifier: o.Notifier, issuer: issuer, ttl: o.CodeTTL, tries: o.Tries}
	if s.ttl <= 0 {
		s.ttl = DefaultSignInCodeTTL
	}
	if s.ttl < time.Minute {
		return nil, fmt.Errorf("httpapi: a sign-in code lasting %s is too short to type; give a minute or more", s.ttl)
	}
	if s.tries <= 0 {
		s.tries = DefaultSignInTries
	}
	perAddress, perClient := o.PerAddress, o.PerClient
	if perAddress == (RateLimit{}) {
		perAddress = DefaultSignInPerAddress
	}
	if perClient == (RateLimit{}) {
		perClient = DefaultSignInPerClient
	}
	s.byAddress = &limiter{kind: "sign-in-address", limit: perAddress, counter: rates, proxies: proxies, now: now}
	s.byClient = &limiter{kind: "sign-in", limit: perClient, counter: rates, proxies: proxies, now: now}
	return s, nil
}

// signInCodeDigits is the length of a code: six digits, as banks and
// GOV.UK's own services send.
const signInCodeDigits = 6

func newSignInCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("httpapi: making a sign-in code: %w", err)
	}
	return fmt.Sprintf("%0*d", signInCodeDigits, n.Int64()), nil
}

type signInRequest struct {
	Email string `json:"email"`
}

type signInVerifyRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

type signInAnswer struct {
	AccountID string    `json:"account_id"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// signInEmail reads the email field: an address, at most 254 characters.
func signInEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidField("email", "required", "Enter the email address of your account.")
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || len(s) > 254 {
		return "", invalidField("email", "invalid_email", "Enter an email address like name@example.com.")
	}
	return s, nil
}

// startSignIn is POST /v1/sign-in: 202 whatever the address, so that
// nobody learns which addresses have accounts; a code goes to the
// address when an account has it.
func (h *api) startSignIn(w http.ResponseWriter, r *http.Request, c *call) error {
	var in signInRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	email, err := signInEmail(in.Email)
	if err != nil {
		return err
	}
	s := h.signIn
	if err := s.byClient.check(r.Context(), r); err != nil {
		return err
	}
	key := SignInKey(email)
	if err := s.byAddress.checkKey(r.Context(), key, "Too many codes have been asked for this email address; try again in %s."); err != nil {
		return err
	}
	acc, found, err := h.accountByEmail(r.Context(), email)
	if err != nil {
		return err
	}
	if found {
		if err := h.sendSignInCode(r.Context(), key, acc); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{
		"detail": "If an account has this email address, a sign-in code is on its way to it.",
	})
}

// accountByEmail finds the account an address signs in to: of the
// accounts with that address (any case), the one opened last.
func (h *api) accountByEmail(ctx context.Context, email string) (permit.Account, bool, error) {
	accs, _, err := h.svc.SearchAccounts(ctx, SignInActor, permit.Search{Email: email, Limit: 50})
	if err != nil {
		return permit.Account{}, false, err
	}
	var best permit.Account
	for _, a := range accs {
		if best.ID == "" || a.CreatedAt.After(best.CreatedAt) || a.CreatedAt.Equal(best.CreatedAt) && a.ID > best.ID {
			best = a
		}
	}
	return best, best.ID != "", nil
}

func (h *api) sendSignInCode(ctx context.Context, key string, acc permit.Account) error {
	s := h.signIn
	code, err := newSignInCode()
	if err != nil {
		return err
	}
	now := h.now().UTC()
	if err := s.codes.Put(ctx, key, SignInCodeHash(key, code), acc.ID, now, now.Add(s.ttl), s.tries); err != nil {
		return fmt.Errorf("httpapi: storing a sign-in code: %w", err)
	}
	sc := h.svc.Scheme()
	co, op := sc.Council, sc.Operator
	m := permit.Message{Kind: permit.MessageSignInCode, AccountID: acc.ID, To: acc.Email, Data: map[string]string{
		"code": code, "expires_in_minutes": strconv.Itoa(int(s.ttl / time.Minute)), "name": acc.Name,
		"council_name": co.Name, "council_email": co.Email, "council_phone": co.Phone, "council_website": co.Website,
		"operator_name": op.Name, "operator_email": op.Email, "operator_phone": op.Phone, "operator_website": op.Website,
	}}
	if err := s.notifier.Notify(ctx, m); err != nil {
		// The resident asks again; nothing says whether the address has
		// an account.
		h.log.ErrorContext(ctx, "httpapi: sending a sign-in code", "account_id", acc.ID, "err", err)
	}
	return nil
}

// verifySignIn is POST /v1/sign-in/verify: the code for a token.
func (h *api) verifySignIn(w http.ResponseWriter, r *http.Request, c *call) error {
	var in signInVerifyRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	email, err := signInEmail(in.Email)
	if err != nil {
		return err
	}
	code := strings.ReplaceAll(strings.TrimSpace(in.Code), " ", "")
	if code == "" {
		return invalidField("code", "required", "Enter the code we sent to your email address.")
	}
	s := h.signIn
	if err := s.byClient.check(r.Context(), r); err != nil {
		return err
	}
	accountID, ok, err := h.useSignInCode(r.Context(), email, code)
	if err != nil {
		return err
	}
	if !ok {
		return newError(http.StatusUnauthorized, CodeSignInFailed,
			"The code is not right, has been used, or has expired. Check it, or ask for a new one with POST /v1/sign-in.")
	}
	tok, expires, err := s.issuer.IssueToken(r.Context(), accountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, signInAnswer{AccountID: accountID, Token: tok, ExpiresAt: expires.UTC()})
}

// useSignInCode checks a code; a code that is not six digits uses a try
// all the same.
func (h *api) useSignInCode(ctx context.Context, email, code string) (string, bool, error) {
	key := SignInKey(email)
	hash := SignInCodeHash(key, code)
	if len(code) != signInCodeDigits || strings.Trim(code, "0123456789") != "" {
		hash = SignInCodeHash(key, "not a code") // no code hashes to this
	}
	id, ok, err := h.signIn.codes.Use(ctx, key, hash, h.now().UTC())
	if err != nil {
		return "", false, fmt.Errorf("httpapi: checking a sign-in code: %w", err)
	}
	return id, ok, nil
}

// signOut is POST /v1/sign-out: the token used stops working, on every
// instance at once.
func (h *api) signOut(w http.ResponseWriter, r *http.Request, c *call) error {
	if c.p.Role != RoleAccount {
		return newError(http.StatusForbidden, CodeForbidden, "Only a resident's token signs out; officer and integration tokens come from the server's configuration.")
	}
	if err := h.signIn.issuer.RevokeToken(r); err != nil {
		return fmt.Errorf("httpapi: signing out: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MemorySignInCodes is SignInCodes in memory, for tests and one process.
type MemorySignInCodes struct {
	mu    chan struct{}
	codes map[string]SignInCode
}

var _ SignInCodes = (*MemorySignInCodes)(nil)

// NewMemorySignInCodes returns an empty MemorySignInCodes.
func NewMemorySignInCodes() *MemorySignInCodes {
	return &MemorySignInCodes{mu: make(chan struct{}, 1), codes: map[string]SignInCode{}}
}

// Put implements SignInCodes.
func (m *MemorySignInCodes) Put(_ context.Context, key, codeHash, accountID string, created, expires time.Time, tries int) error {
	c := SignInCode{Key: key, CodeHash: codeHash, AccountID: accountID, Created: created, Expires: expires, Tries: tries}
	if c.Key == "" || c.CodeHash == "" || c.AccountID == "" || c.Tries < 1 || !c.Expires.After(c.Created) {
		return errors.New("httpapi: sign-in code refused (empty, no tries, or already expired)")
	}
	m.mu <- struct{}{}
	defer func() { <-m.mu }()
	m.codes[c.Key] = c
	return nil
}

// Use implements SignInCodes.
func (m *MemorySignInCodes) Use(_ context.Context, key, codeHash string, at time.Time) (string, bool, error) {
	m.mu <- struct{}{}
	defer func() { <-m.mu }()
	c, ok := m.codes[key]
	if !ok || !c.Expires.After(at) || c.Tries < 1 {
		delete(m.codes, key)
		return "", false, nil
	}
	if subtle.ConstantTimeCompare([]byte(c.CodeHash), []byte(codeHash)) == 1 {
		delete(m.codes, key)
		return c.AccountID, true, nil
	}
	if c.Tries--; c.Tries < 1 {
		delete(m.codes, key)
	} else {
		m.codes[key] = c
	}
	return "", false, nil
}
