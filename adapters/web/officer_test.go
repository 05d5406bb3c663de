package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// provider is an OpenID Connect provider inside the test: discovery,
// JWKS, an authorize endpoint that signs in whoever the test says, and a
// token endpoint that checks the client's secret, the code, the redirect
// and the PKCE verifier, answering an RS256 ID token with the nonce.
type provider struct {
	srv       *httptest.Server
	key       *rsa.PrivateKey
	mu        sync.Mutex
	user      map[string]any // the claims of whoever signs in next
	codes     map[string]grant
	badNonce  bool // answer another nonce
	exchanges int
}

type grant struct {
	nonce, challenge, redirect string
}

const clientID, clientSecret = "permits-officer-pages", "a-client-secret"

func newProvider(t *testing.T) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &provider{key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	iss := p.srv.URL
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "authorization_endpoint": iss + "/authorize",
			"token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		code := base64.RawURLEncoding.EncodeToString([]byte(q.Get("state")))[:16]
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.exchanges++
		g, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != clientID || secret != clientSecret || !found || r.PostForm.Get("redirect_uri") != g.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims := map[string]any{"iss": iss, "aud": clientID, "sub": "user-1", "iat": time.Now().Unix(),
			"exp": time.Now().Add(5 * time.Minute).Unix(), "nonce": g.nonce}
		if p.badNonce {
			claims["nonce"] = "another"
		}
		for k, v := range p.user {
			claims[k] = v
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		require.NoError(t, err)
		payload, _ := json.Marshal(claims)
		jws, err := signer.Sign(payload)
		require.NoError(t, err)
		idt, err := jws.CompactSerialize()
		require.NoError(t, err)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idt})
	})
	return p
}

type officerSite struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	svc    *permit.Service
}

func newOfficerSite(t *testing.T, prov *provider, files web.Files) *officerSite {
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	svc, err := permit.NewService(s, memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return start }})
	require.NoError(t, err)
	site := &officerSite{t: t, svc: svc}
	mux := http.NewServeMux()
	site.srv = httptest.NewServer(mux)
	t.Cleanup(site.srv.Close)
	opts := &web.OfficerOptions{Files: files, TokenSignIn: func(_ context.Context, tok string) (string, bool) {
		return "evaluation", tok == "an-officer-token-long-enough"
	}}
	if prov != nil {
		o, err := web.NewOIDC(t.Context(), web.OIDCConfig{Issuer: prov.srv.URL, ClientID: clientID, ClientSecret: clientSecret,
			RedirectURL: site.srv.URL + "/officer/oidc/callback", OfficerClaim: "groups=permit-officers"})
		require.NoError(t, err)
		opts.OIDC = o
	}
	h, err := web.NewOfficer(svc, opts)
	require.NoError(t, err)
	mux.Handle("/officer/", h)
	jar, _ := cookiejar.New(nil)
	site.client = &http.Client{Jar: jar}
	return site
}

func (s *officerSite) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.client.Get(s.srv.URL + path)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = strings.NewReader("").WriteTo(&b)
	buf := make([]byte, 1<<20)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func (s *officerSite) post(path string, form url.Values, site string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	buf := make([]byte, 1<<20)
	var b strings.Builder
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// pending makes an application waiting for review.
func (s *officerSite) pending(name, uprn, vrm string) permit.Permit {
	s.t.Helper()
	ctx := s.t.Context()
	u, err := zones.ParseUPRN(uprn)
	require.NoError(s.t, err)
	acc, err := s.svc.CreateAccount(ctx, permit.PublicActor, permit.NewAccount{Name: name, Email: "x@example.com", UPRN: u})
	require.NoError(s.t, err)
	p, err := s.svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: vrm,
		Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: start.AddDate(0, 0, -7), Name: name}}})
	require.NoError(s.t, err)
	return p
}

func TestOfficerSignsInThroughOIDCAndApproves(t *testing.T) {
	prov := newProvider(t)
	site := newOfficerSite(t, prov, nil)
	p := site.pending("Jane Smith", "100000000001", "AB12CDE")

	st, body := site.get("/officer/")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "Sign in with your Leicestershire")

	prov.user = map[string]any{"email": "jane.officer@council.example", "groups": []string{"permit-officers"}}
	st, body = site.get("/officer/sign-in/oidc")
	require.Equal(t, http.StatusOK, st, body)
	require.Contains(t, body, "Applications to review")
	require.Contains(t, body, p.ID)
	require.Contains(t, body, "Decide by")

	st, body = site.get("/officer/permits/" + p.ID)
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "AB12CDE")
	// A cross-site form post is refused and decides nothing.
	st, _ = site.post("/officer/permits/"+p.ID+"/approve", nil, "cross-site")
	require.Equal(t, http.StatusForbidden, st)
	st, body = site.post("/officer/permits/"+p.ID+"/approve", nil, "same-origin")
	require.Equal(t, http.StatusOK, st, body)
	require.Contains(t, body, "The application is approved")
	hist, err := site.svc.PermitHistory(t.Context(), permit.System, p.ID)
	require.NoError(t, err)
	last := hist[len(hist)-1]
	require.Equal(t, permit.EventType("permit.approved"), last.Type)
	require.Equal(t, "officer:jane.officer@council.example", last.Actor)

	// Deciding again is refused on the page.
	st, body = site.post("/officer/permits/"+p.ID+"/approve", nil, "same-origin")
	require.Equal(t, http.StatusConflict, st)
	require.Contains(t, body, "This application cannot be decided now.")

	// Sign out ends the session.
	st, body = site.post("/officer/sign-out", nil, "same-origin")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "Sign in as a council officer")
	_, body = site.get("/officer/permits/" + p.ID)
	require.Contains(t, body, "Sign in as a council officer")
}

func TestOIDCRefusals(t *testing.T) {
	prov := newProvider(t)
	site := newOfficerSite(t, prov, nil)

	t.Run("without the officer claim", func(t *testing.T) {
		prov.user = map[string]any{"email": "someone@council.example", "groups": []string{"planning"}}
		st, body := site.get("/officer/sign-in/oidc")
		require.Equal(t, http.StatusUnauthorized, st)
		require.Contains(t, body, "not one of the permit officers")
	})
	t.Run("another nonce", func(t *testing.T) {
		prov.user = map[string]any{"email": "jane@council.example", "groups": []string{"permit-officers"}}
		prov.badNonce = true
		defer func() { prov.badNonce = false }()
		st, _ := site.get("/officer/sign-in/oidc")
		require.Equal(t, http.StatusUnauthorized, st)
	})
	t.Run("a state that is not this browser's", func(t *testing.T) {
		site.get("/officer/sign-in") // no flow cookie
		prov.mu.Lock()
		prov.exchanges = 0
		prov.mu.Unlock()
		st, _ := site.get("/officer/oidc/callback?code=x&state=forged")
		require.Equal(t, http.StatusUnauthorized, st)
		require.Equal(t, 0, prov.exchanges, "the code is never exchanged without the browser's state")
	})
	st, body := site.get("/officer/")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "Sign in as a council officer", "nobody was signed in")
}

func TestOfficerTokenSignInRejectSearchAndAccount(t *testing.T) {
	site := newOfficerSite(t, nil, nil)
	p := site.pending("Sam Patel", "100000000002", "CD34EFG")
	st, body := site.post("/officer/sign-in", url.Values{"token": {"wrong"}}, "same-origin")
	require.Equal(t, http.StatusUnauthorized, st)
	require.Contains(t, body, "The officer token is not right")
	st, body = site.post("/officer/sign-in", url.Values{"token": {"an-officer-token-long-enough"}}, "same-origin")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, p.ID)

	// A refusal without a reason names the field, in the council's words.
	st, body = site.post("/officer/permits/"+p.ID+"/reject", url.Values{}, "same-origin")
	require.Equal(t, http.StatusUnprocessableEntity, st)
	require.Contains(t, body, "There is a problem")
	reason := site.svc.Scheme().RejectionReasons[0]
	st, body = site.post("/officer/permits/"+p.ID+"/reject", url.Values{"reason_code": {reason.Code}, "reason": {"The letter is not signed."}}, "same-origin")
	require.Equal(t, http.StatusOK, st, body)
	require.Contains(t, body, "The application is refused")
	got, err := site.svc.Permit(t.Context(), permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Rejected, got.Status)

	for _, q := range []string{"CD34 EFG", "LE11 3AB", "patel"} {
		st, body = site.get("/officer/search?q=" + url.QueryEscape(q))
		require.Equal(t, http.StatusOK, st)
		require.Contains(t, body, "Sam Patel", q)
	}
	st, body = site.get("/officer/accounts/" + got.AccountID)
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "CD34EFG")
}
