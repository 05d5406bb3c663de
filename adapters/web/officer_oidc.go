package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig is the council's OpenID Connect provider as the officer
// pages use it (permitd's --oidc-issuer, --oidc-client-id,
// PERMITD_OIDC_CLIENT_SECRET and --oidc-officer-claim).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are the officer pages' registration with
	// the provider.
	ClientID, ClientSecret string
	// RedirectURL is where the provider sends the browser back:
	// https://<the server>/officer/oidc/callback.
	RedirectURL string
	// OfficerClaim is the claim that makes someone an officer, written
	// NAME=VALUE: the ID token's claim NAME is VALUE, or a list holding
	// it ("groups=parking-permit-officers"); NAME alone asks for the
	// claim to be true. Empty lets every account of the provider in.
	OfficerClaim string
	// NameClaim names the officer on events (officer:NAME); empty means
	// "email", then "preferred_username", then "sub".
	NameClaim string
	// HTTPClient reaches the provider; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// OIDC signs officers in through the council's OpenID Connect provider:
// the authorization code flow with PKCE (S256), a state and a nonce, and
// the ID token's signature, issuer, audience, expiry and nonce checked
// by github.com/coreos/go-oidc.
type OIDC struct {
	cfg        OIDCConfig
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	claim      string
	claimValue string
}

// NewOIDC reads the provider's discovery document and keys.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("web: OIDC needs the issuer (--oidc-issuer)")
	case cfg.ClientID == "":
		return nil, errors.New("web: OIDC needs the client ID (--oidc-client-id)")
	case cfg.RedirectURL == "":
		return nil, errors.New("web: OIDC needs the redirect URL (the server's public address + /officer/oidc/callback)")
	}
	if cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	}
	prov, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("web: OpenID Connect provider %s: %w", cfg.Issuer, err)
	}
	o := &OIDC{cfg: cfg, verifier: prov.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: prov.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}
	if cfg.OfficerClaim != "" {
		o.claim, o.claimValue, _ = strings.Cut(cfg.OfficerClaim, "=")
		if o.claim == "" {
			return nil, fmt.Errorf("web: officer claim %q: write NAME=VALUE, or NAME for a claim that is true", cfg.OfficerClaim)
		}
	}
	return o, nil
}

// oidcFlowCookie carries the state, nonce and PKCE verifier of one
// sign-in from its start to the provider's answer; it is the browser's,
// HttpOnly, for the callback's path only, and lives ten minutes.
const (
	oidcFlowCookie = "permit_oidc"
	oidcFlowTTL    = 10 * time.Minute
)

func randomText() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// oidcStart sends the browser to the provider.
func (p *officerPages) oidcStart(w http.ResponseWriter, r *http.Request) {
	if p.oidc == nil {
		p.notFound(w, r)
		return
	}
	state, nonce, verifier := randomText(), randomText(), oauth2.GenerateVerifier()
	c := &http.Cookie{Name: oidcFlowCookie, Value: state + "." + nonce + "." + verifier, Path: "/officer/oidc/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.secure || r.TLS != nil, MaxAge: int(oidcFlowTTL / time.Second)}
	http.SetCookie(w, c)
	http.Redirect(w, r, p.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback takes the provider's answer: the state must be this
// browser's, the code is exchanged with the PKCE verifier, and the ID
// token must be signed by the provider, for this client, unexpired, with
// this browser's nonce and the officer claim.
func (p *officerPages) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if p.oidc == nil {
		p.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: "", Path: "/officer/oidc/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.secure || r.TLS != nil})
	name, reason := p.oidcOfficer(r)
	if reason != "" {
		p.renderSignIn(w, r, http.StatusUnauthorized, []fieldError{{"sign-in", p.t("officer_signin_failed", "reason", reason)}})
		return
	}
	if err := p.startSession(w, r, name); err != nil {
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, "/officer/")
}

// oidcOfficer returns the officer's name, or the reason in the council's
// words why the answer does not sign anyone in (the detail is logged).
func (p *officerPages) oidcOfficer(r *http.Request) (string, string) {
	expired := p.t("officer_signin_expired")
	c, err := r.Cookie(oidcFlowCookie)
	if err != nil {
		return "", expired
	}
	parts := strings.Split(c.Value, ".")
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") == "" || !equalHashes(parts[0], q.Get("state")) {
		p.log.WarnContext(r.Context(), "web: OpenID Connect answer with another state")
		return "", expired
	}
	if e := q.Get("error"); e != "" {
		p.log.WarnContext(r.Context(), "web: OpenID Connect provider refused", "error", e, "description", q.Get("error_description"))
		return "", e
	}
	ctx := r.Context()
	if p.oidc.cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, p.oidc.cfg.HTTPClient)
	}
	tok, err := p.oidc.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		p.log.WarnContext(r.Context(), "web: OpenID Connect code exchange", "err", err)
		return "", expired
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.oidc.verifier.Verify(ctx, raw)
	if err != nil {
		p.log.WarnContext(r.Context(), "web: OpenID Connect ID token refused", "err", err)
		return "", expired
	}
	if !equalHashes(idt.Nonce, parts[1]) {
		p.log.WarnContext(r.Context(), "web: OpenID Connect ID token with another nonce")
		return "", expired
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", expired
	}
	if !p.oidc.isOfficer(claims) {
		p.log.WarnContext(r.Context(), "web: OpenID Connect account without the officer claim", "sub", idt.Subject)
		return "", p.t("officer_not_officer")
	}
	name := p.oidc.nameOf(claims, idt.Subject)
	if name == "" {
		return "", expired
	}
	return name, ""
}

// equalHashes compares two secrets in constant time (by their hashes, so
// their lengths do not show).
func equalHashes(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return ha == hb
}

func (o *OIDC) isOfficer(claims map[string]any) bool {
	if o.claim == "" {
		return true
	}
	v, ok := claims[o.claim]
	if !ok {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x && o.claimValue == ""
	case string:
		return o.claimValue != "" && x == o.claimValue
	case []any:
		return o.claimValue != "" && slices.ContainsFunc(x, func(e any) bool { s, _ := e.(string); return s == o.claimValue })
	}
	return false
}

// nameOf is how the officer is named on events: letters, digits and
// - _ . @ only, at most 64.
func (o *OIDC) nameOf(claims map[string]any, sub string) string {
	keys := []string{"email", "preferred_username"}
	if o.cfg.NameClaim != "" {
		keys = []string{o.cfg.NameClaim}
	}
	for _, k := range keys {
		if s, _ := claims[k].(string); s != "" {
			return cleanName(s)
		}
	}
	return cleanName(sub)
}

func cleanName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@", r) {
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	return b.String()
}
