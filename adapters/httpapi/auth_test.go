package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

func TestNewTokenAuth(t *testing.T) {
	_, err := httpapi.NewTokenAuth(accounts{}, []string{"short"})
	require.ErrorContains(t, err, "at least 16")
	_, err = httpapi.NewTokenAuth(accounts{}, []string{"has a space in it, long enough"})
	require.ErrorContains(t, err, "white space")
	_, err = httpapi.NewTokenAuth(nil, nil)
	require.Error(t, err)
	// A configured token may contain a dot: it is still an officer's.
	a, err := httpapi.NewTokenAuth(accounts{}, []string{"officer.token.with.dots"})
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "bearer officer.token.with.dots")
	p, err := a.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, httpapi.RoleOfficer, p.Role)
	require.False(t, strings.Contains(p.ID, "token"), "the name never holds the token")
}

type brokenAccounts struct{}

func (brokenAccounts) Account(context.Context, permit.Actor, string) (permit.Account, error) {
	return permit.Account{}, errors.New("dial tcp 10.0.0.5:5432: connection refused")
}

// A failing credential store is a 500 whose body says nothing of it.
func TestAuthenticatorFailure(t *testing.T) {
	hs := newHarness(t)
	auth, err := httpapi.NewTokenAuth(brokenAccounts{}, nil)
	require.NoError(t, err)
	h, err := httpapi.New(hs.svc, nil, auth, nil)
	require.Error(t, err, "a Locator is required")
	require.Nil(t, h)
	h, err = httpapi.New(hs.svc, locatorOf(t), auth, nil)
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/v1/accounts/acc_1", nil)
	r.Header.Set("Authorization", "Bearer acc_1.secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.NotContains(t, rec.Body.String(), "10.0.0.5")
	require.NotContains(t, rec.Body.String(), "refused")
	require.Contains(t, rec.Body.String(), `"code":"internal_error"`)
	require.Contains(t, rec.Body.String(), rec.Header().Get("X-Request-Id"))
}

func locatorOf(t testing.TB) *zones.Gazetteer {
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	return g
}

// The access log says who did what, and never holds a token, a query
// string (postcodes) or a body.
func TestAccessLog(t *testing.T) {
	hs := newHarness(t)
	var buf bytes.Buffer
	auth, err := httpapi.NewTokenAuth(hs.svc, []string{officerToken})
	require.NoError(t, err)
	h, err := httpapi.New(hs.svc, locatorOf(t), auth, &httpapi.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	require.NoError(t, err)
	hs.h = h
	acc, tok := hs.account(home)
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)
	hs.do("GET", "/v1/addresses?postcode=LE11+3AB&house=12", "", nil)
	hs.do("GET", "/v1/review-queue", officerToken, nil)
	log := buf.String()
	require.NotContains(t, log, tok)
	require.NotContains(t, log, strings.SplitN(tok, ".", 2)[1])
	require.NotContains(t, log, officerToken)
	require.NotContains(t, log, "LE11")
	require.NotContains(t, log, "Jane")
	require.Contains(t, log, "role=account principal="+acc)
	require.Contains(t, log, "route=\"GET /v1/accounts/{id}\"")
	require.Contains(t, log, "role=officer principal="+httpapi.OfficerName(officerToken))
	require.Equal(t, 4, strings.Count(log, "msg=request"))
}
