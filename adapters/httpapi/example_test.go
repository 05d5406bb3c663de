package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// Wiring the API: a Service, a Locator, an Authenticator and options.
func ExampleNew() {
	f, _ := os.Open("../../examples/leicestershire/scheme.yaml")
	defer f.Close()
	scheme, _ := scheme.Load(f)
	gaz, _ := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	svc, _ := permit.NewService(scheme, memstore.New(), gaz, fakepay.New(), nil)
	auth, _ := httpapi.NewTokenAuth(svc, []string{"an-officer-token-of-some-length"})
	h, _ := httpapi.New(svc, gaz, auth, &httpapi.Options{Ping: func(context.Context) error { return nil }})
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/v1/addresses?postcode=le113ab&house=rose+cottage")
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))

	resp, _ = http.Get(srv.URL + "/v1/review-queue")
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output:
	// 200 [{"uprn":"100000000003","address":"Rose Cottage, Ashby Road, Loughborough, LE11 3AB","postcode":"LE11 3AB","zone":{"id":"loughborough-3","name":"Loughborough 3"},"building_name":"Rose Cottage","street":"Ashby Road","town":"Loughborough"}]
	//
	// 401 application/problem+json
}

// An account token is "<account id>.<secret>"; the account keeps only the
// secret's hash.
func ExampleTokenAuth() {
	auth, _ := httpapi.NewTokenAuth(accounts{}, []string{"an-officer-token-of-some-length"})
	cred, _ := auth.NewAccountCredential(context.Background(), permit.NewAccount{Name: "Jane Smith"})
	fmt.Println(strings.HasPrefix(cred.Stored, "sha256:"), strings.HasPrefix(cred.Token("acc_1"), "acc_1."))

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer an-officer-token-of-some-length")
	p, _ := auth.Authenticate(r)
	fmt.Println(p.Role, p.ID == httpapi.OfficerName("an-officer-token-of-some-length"))
	// Output:
	// true true
	// officer true
}

type accounts struct{}

func (accounts) Account(context.Context, permit.Actor, string) (permit.Account, error) {
	return permit.Account{}, permit.ErrNotFound
}
