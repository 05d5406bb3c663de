package govukpaytest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// publicAPISpec is GOV.UK Pay's published OpenAPI document (SOURCES.md).
//
//go:embed publicapi_spec.json
var publicAPISpec []byte

// Spec returns a copy of GOV.UK Pay's published OpenAPI document, as the
// fake checks traffic against it.
func Spec() []byte { return bytes.Clone(publicAPISpec) }

// undocumented lists the answers Pay gives that its OpenAPI document does
// not list, and which the fake gives too (INTEGRATIONS.md §1.7, from
// pay-publicapi's PaymentsResource): a create repeated with the same
// Idempotency-Key and body answers 200 with the first payment, and with
// another body 409 P0191. Nothing else may be outside the document.
var undocumented = map[string][]int{
	"Create a payment": {http.StatusOK, http.StatusConflict},
}

// specChecker validates exchanges against the document and remembers
// every mismatch. Safe for concurrent use.
type specChecker struct {
	router routers.Router

	mu       sync.Mutex
	requests []error // requests that do not match the document
	answers  []error // answers that do not match the document
}

// loadRouter parses Pay's document once per process: the router is
// read-only once built, and parsing takes long under the race detector.
var loadRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(publicAPISpec)
	if err != nil {
		return nil, fmt.Errorf("govukpaytest: loading Pay's OpenAPI document: %w", err)
	}
	// Pay's document carries examples its own schemas refuse (metadata's
	// example is a string); the schemas themselves are what the checks use.
	lax := openapi3.DisableExamplesValidation()
	if err := doc.Validate(context.Background(), lax); err != nil {
		return nil, fmt.Errorf("govukpaytest: Pay's OpenAPI document is invalid: %w", err)
	}
	// The document names the real host; the fake answers on its own.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc, lax)
	if err != nil {
		return nil, fmt.Errorf("govukpaytest: routing Pay's OpenAPI document: %w", err)
	}
	return router, nil
})

func newSpecChecker() (*specChecker, error) {
	router, err := loadRouter()
	if err != nil {
		return nil, err
	}
	return &specChecker{router: router}, nil
}

// checkRequest validates a request the fake received. It returns the
// operation's route (nil when the document has no such operation) and
// the mismatch, which it also remembers.
func (c *specChecker) checkRequest(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	probe := r.Clone(context.Background())
	probe.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		err = fmt.Errorf("%s %s: no operation in Pay's document: %w", r.Method, r.URL.Path, err)
		c.remember(&c.requests, err)
		return nil, err
	}
	in := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		err = fmt.Errorf("%s %s: request does not match Pay's document: %w", r.Method, r.URL.Path, err)
		c.remember(&c.requests, err)
		return in, err
	}
	probe.Body = io.NopCloser(bytes.NewReader(body))
	return in, nil
}

// checkAnswer validates an answer the fake gave to a request whose route
// checkRequest found.
func (c *specChecker) checkAnswer(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	if in == nil {
		return nil // a path Pay does not have: the fake answered 404 as Pay does
	}
	if slices.Contains(undocumented[in.Route.Operation.OperationID], status) {
		return nil
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		err = fmt.Errorf("%s %s: the fake's %d answer does not match Pay's document: %w\nbody: %s",
			in.Request.Method, in.Request.URL.Path, status, err, body)
		c.remember(&c.answers, err)
		return err
	}
	return nil
}

func (c *specChecker) remember(list *[]error, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*list = append(*list, err)
}

// take returns and forgets the mismatches of one list.
func (c *specChecker) take(list *[]error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := errors.Join(*list...)
	*list = nil
	return err
}
