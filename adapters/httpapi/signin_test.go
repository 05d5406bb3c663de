package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
)

// codeBox is a Notifier that keeps the sign-in codes it is given.
type codeBox struct {
	mu   sync.Mutex
	sent []permit.Message
}

func (b *codeBox) Notify(_ context.Context, m permit.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return nil
}

func (b *codeBox) last(t *testing.T) permit.Message {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	require.NotEmpty(t, b.sent)
	return b.sent[len(b.sent)-1]
}

func (b *codeBox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sent)
}

// signInHarness serves sign-in with tokens in memory and a wall clock the
// test moves.
func signInHarness(t *testing.T, perAddress httpapi.RateLimit) (*harness, *codeBox, *time.Time) {
	box := &codeBox{}
	wall := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return wall }
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{
		auth: func(a *httpapi.TokenAuth) httpapi.Authenticator {
			a.UseSessions(httpapi.NewMemorySessions(), &httpapi.SessionOptions{TTL: time.Hour, Now: now})
			return a
		},
		options: func(o *httpapi.Options) {
			o.Now = now
			o.SignIn = &httpapi.SignInOptions{Codes: httpapi.NewMemorySignInCodes(), Notifier: box, PerAddress: perAddress}
		},
	})
	return hs, box, &wall
}

func TestSignInWithACode(t *testing.T) {
	hs, box, wall := signInHarness(t, httpapi.RateLimit{})
	acc, created := hs.account(home)
	require.Regexp(t, `^st_`, created, "the token of a new account is a session's")

	// Whatever the address, 202; only an account's address gets a code.
	before := box.count()
	hs.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "nobody@example.com"})
	require.Equal(t, before, box.count(), "no account, no message")
	hs.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "JANE@example.com"})
	m := box.last(t)
	require.Equal(t, permit.MessageSignInCode, m.Kind)
	require.Equal(t, acc, m.AccountID)
	require.Equal(t, "jane@example.com", m.To)
	require.Regexp(t, `^\d{6}$`, m.Data["code"])
	require.Equal(t, "10", m.Data["expires_in_minutes"])
	e, err := hs.svc.Scheme().Render(m)
	require.NoError(t, err, "the scheme's templates render the code")
	require.Contains(t, e.Text, m.Data["code"])

	// A wrong code is 401 and uses a try; the right one signs in.
	wrong := "000000"
	if m.Data["code"] == wrong {
		wrong = "111111"
	}
	requireProblem(t, hs.do("POST", "/v1/sign-in/verify", "", map[string]any{"email": "jane@example.com", "code": wrong}), http.StatusUnauthorized, "sign_in_failed")
	got := hs.must(http.StatusOK, "POST", "/v1/sign-in/verify", "", map[string]any{"email": "Jane@Example.com", "code": m.Data["code"]})
	require.Equal(t, acc, got["account_id"])
	require.Equal(t, wall.Add(time.Hour).Format(time.RFC3339), got["expires_at"])
	tok := got["token"].(string)
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)

	// A code works once.
	requireProblem(t, hs.do("POST", "/v1/sign-in/verify", "", map[string]any{"email": "jane@example.com", "code": m.Data["code"]}), http.StatusUnauthorized, "sign_in_failed")

	// Sign-out ends that token, not the other one.
	r := hs.do("POST", "/v1/sign-out", tok, nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc, tok, nil), http.StatusUnauthorized, "unauthorized")
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, created, nil)
	requireProblem(t, hs.do("POST", "/v1/sign-out", hs.officer, nil), http.StatusForbidden, "forbidden")

	// Tokens expire.
	*wall = wall.Add(time.Hour)
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc, created, nil), http.StatusUnauthorized, "unauthorized")

	// Bad input names the field.
	requireProblem(t, hs.do("POST", "/v1/sign-in", "", map[string]any{"email": "not an address"}), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, hs.do("POST", "/v1/sign-in/verify", "", map[string]any{"email": "jane@example.com"}), http.StatusUnprocessableEntity, "validation_failed")
}

func TestSignInCodesExpireAndAllowAFewTries(t *testing.T) {
	hs, box, wall := signInHarness(t, httpapi.RateLimit{Max: 100, Per: time.Hour})
	hs.account(home)
	ask := func() string {
		hs.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "jane@example.com"})
		return box.last(t).Data["code"]
	}
	verify := func(code string) int {
		return hs.do("POST", "/v1/sign-in/verify", "", map[string]any{"email": "jane@example.com", "code": code}).status
	}
	wrongOf := func(code string) string {
		if code == "999999" {
			return "999998"
		}
		return "999999"
	}

	t.Run("five wrong tries use the code up", func(t *testing.T) {
		code := ask()
		for range httpapi.DefaultSignInTries {
			require.Equal(t, http.StatusUnauthorized, verify(wrongOf(code)))
		}
		require.Equal(t, http.StatusUnauthorized, verify(code), "used up")
	})
	t.Run("four wrong tries leave it working", func(t *testing.T) {
		code := ask()
		for range httpapi.DefaultSignInTries - 1 {
			require.Equal(t, http.StatusUnauthorized, verify("12ab"))
		}
		require.Equal(t, http.StatusOK, verify(code))
	})
	t.Run("a code expires after ten minutes", func(t *testing.T) {
		code := ask()
		*wall = wall.Add(httpapi.DefaultSignInCodeTTL)
		require.Equal(t, http.StatusUnauthorized, verify(code))
	})
	t.Run("asking again replaces the code", func(t *testing.T) {
		first := ask()
		second := ask()
		if first != second {
			require.Equal(t, http.StatusUnauthorized, verify(first))
		}
		require.Equal(t, http.StatusOK, verify(second))
	})
}

func TestSignInIsRateLimited(t *testing.T) {
	hs, _, _ := signInHarness(t, httpapi.RateLimit{Max: 2, Per: time.Hour})
	hs.account(home)
	for range 2 {
		hs.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "jane@example.com"})
	}
	r := hs.do("POST", "/v1/sign-in", "", map[string]any{"email": "jane@example.com"})
	requireProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	require.NotEmpty(t, r.header.Get("Retry-After"))
	// Per client: 30 in 15 minutes by default, codes asked or given.
	n := 2 + 1
	for ; n < httpapi.DefaultSignInPerClient.Max; n++ {
		hs.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": fmt.Sprintf("other%d@example.com", n)})
	}
	requireProblem(t, hs.do("POST", "/v1/sign-in/verify", "", map[string]any{"email": "x@example.com", "code": "123456"}), http.StatusTooManyRequests, "rate_limited")
}

func TestNamedOfficers(t *testing.T) {
	a, err := httpapi.NewTokenAuth(accounts{}, []string{"jane.smith@council.example=a-long-enough-officer-token"})
	require.NoError(t, err)
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer a-long-enough-officer-token")
	p, err := a.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, httpapi.Principal{Role: httpapi.RoleOfficer, ID: "jane.smith@council.example"}, p)
	_, err = httpapi.NewTokenAuth(accounts{}, []string{"jane=a-long-enough-officer-token", "jane=another-long-enough-token"})
	require.ErrorContains(t, err, `officer "jane" is given twice`)
}
