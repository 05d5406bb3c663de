package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// A council mounts the API under a path of its own (issue 14, item 5):
// every link the API gives starts with it, and the OpenAPI document's
// servers entry names it.
func TestBasePath(t *testing.T) {
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{options: func(o *httpapi.Options) { o.BasePath = "/permits" }})

	doc := hs.must(http.StatusOK, "GET", "/permits/v1/openapi.json", "", nil)
	servers := doc["servers"].([]any)
	require.Equal(t, "/permits", servers[0].(map[string]any)["url"])

	r := hs.do("POST", "/permits/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": home})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	id := r.json(t)["id"].(string)
	require.Equal(t, "/permits/v1/accounts/"+id, r.header.Get("Location"))
	token := r.json(t)["token"].(string)

	t.Run("requests with the base path and without it (a proxy took it off) are served", func(t *testing.T) {
		hs.must(http.StatusOK, "GET", "/permits/v1/accounts/"+id, token, nil)
		r := unchecked(hs, "GET", "/v1/accounts/"+id, token)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	})
	t.Run("a permit's Location", func(t *testing.T) {
		r := hs.do("POST", "/permits/v1/accounts/"+id+"/permits", token,
			map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": hs.proofOfCare()})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, "/permits/v1/permits/"+r.json(t)["id"].(string), r.header.Get("Location"))
	})
	t.Run("a problem's instance is the public path", func(t *testing.T) {
		m := requireProblem(t, hs.do("GET", "/permits/v1/permits/prm_none", hs.officer, nil), http.StatusNotFound, "not_found")
		require.Equal(t, "/permits/v1/permits/prm_none", m["instance"])
		m = requireProblem(t, unchecked(hs, "GET", "/v1/permits/prm_none", hs.officer), http.StatusNotFound, "not_found")
		require.Equal(t, "/permits/v1/permits/prm_none", m["instance"], "behind a proxy that took the base path off")
		m = requireProblem(t, hs.do("GET", "/permits/v1/nowhere", "", nil), http.StatusNotFound, "not_found")
		require.Equal(t, "/permits/v1/nowhere", m["instance"])
	})
	t.Run("paths named in problem details are public paths", func(t *testing.T) {
		m := requireProblem(t, hs.do("POST", "/permits/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": "999"}),
			http.StatusUnprocessableEntity, "validation_failed")
		require.Contains(t, m["detail"], "GET /permits/v1/addresses")
		errs := m["errors"].([]any)
		require.Contains(t, errs[0].(map[string]any)["detail"], "GET /permits/v1/addresses")
	})
	t.Run("another prefix is not this API", func(t *testing.T) {
		requireProblem(t, hs.do("GET", "/permitsx/v1/accounts/"+id, token, nil), http.StatusNotFound, "not_found")
	})
}

func TestBasePathRefused(t *testing.T) {
	svc := newHarness(t).svc
	auth, err := httpapi.NewTokenAuth(svc, nil)
	require.NoError(t, err)
	g := gazetteer(t)
	for _, bad := range []string{"permits", "/permits/", "/a//b", "/a/../b", "/a?b", "/a%2Fb", "/a b"} {
		_, err := httpapi.New(svc, g, auth, &httpapi.Options{BasePath: bad})
		require.Error(t, err, "BasePath %q", bad)
		require.Contains(t, err.Error(), "BasePath")
	}
	for _, good := range []string{"", "/", "/permits", "/council/permits-v2"} {
		_, err := httpapi.New(svc, g, auth, &httpapi.Options{BasePath: good})
		require.NoError(t, err, "BasePath %q", good)
	}
}

type signInKey struct{}

// councilSignIn is a council's Authenticator: accounts are bound to the
// identity its own sign-in put in the request's context.
type councilSignIn struct {
	*httpapi.TokenAuth
	opened []permit.NewAccount
}

func (c *councilSignIn) NewAccountCredential(ctx context.Context, acc permit.NewAccount) (httpapi.AccountCredential, error) {
	who, _ := ctx.Value(signInKey{}).(string)
	if who == "" {
		return httpapi.AccountCredential{}, errors.New("no council sign-in")
	}
	c.opened = append(c.opened, acc)
	return httpapi.AccountCredential{Stored: "council:" + who}, nil
}

// NewAccountCredential gets the request's context and the account being
// opened (issue 14, item 5).
func TestNewAccountCredentialGetsContextAndAccount(t *testing.T) {
	var council *councilSignIn
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{auth: func(ta *httpapi.TokenAuth) httpapi.Authenticator {
		council = &councilSignIn{TokenAuth: ta}
		return council
	}})
	inner := hs.h
	hs.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if who := r.Header.Get("X-Council-User"); who != "" {
			r = r.WithContext(context.WithValue(r.Context(), signInKey{}, who))
		}
		inner.ServeHTTP(w, r)
	})
	m := hs.must(http.StatusCreated, "POST", "/v1/accounts", "",
		map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": home}, "X-Council-User", "u-42")
	_, hasToken := m["token"]
	require.False(t, hasToken, "a council's sign-in gives no token")
	require.Len(t, council.opened, 1)
	require.Equal(t, "Jane Smith", council.opened[0].Name)
	require.Equal(t, "jane@example.com", council.opened[0].Email)
	require.Equal(t, home, council.opened[0].UPRN.String())
	acc, err := hs.svc.Account(context.Background(), permit.System, m["id"].(string))
	require.NoError(t, err)
	require.Equal(t, "council:u-42", acc.Credential)

	before := hs.eventCount()
	r := hs.do("POST", "/v1/accounts", "", map[string]any{"name": "No One", "uprn": home})
	require.Equal(t, http.StatusInternalServerError, r.status)
	require.Equal(t, before, hs.eventCount(), "no account is opened when the credential cannot be made")
	require.False(t, strings.Contains(string(r.body), "council sign-in"), "the error's text is not sent")
}

func gazetteer(t testing.TB) *zones.Gazetteer {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	return g
}

// unchecked sends a request the served OpenAPI document does not describe
// (a path without the base path, as a proxy in front would send it).
func unchecked(hs *harness, method, path, token string) response {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}
