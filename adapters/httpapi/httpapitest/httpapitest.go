// Package httpapitest checks HTTP traffic against the API's OpenAPI
// document, so that tests which drive the server (httpapi's own, and the
// end-to-end tests of examples/permitd) also prove the document describes
// what the server really does. It decides nothing about permits.
//
// It uses github.com/getkin/kin-openapi, whose openapi3filter validates
// OpenAPI 3.1 documents with a JSON Schema 2020-12 validator.
package httpapitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator checks requests and responses against an OpenAPI document and
// remembers every mismatch and which operations and statuses it saw. Safe
// for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router

	mu   sync.Mutex
	errs []error
	seen map[string]map[int]bool // operationId → statuses
}

// NewValidator loads and validates an OpenAPI document.
func NewValidator(document []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("httpapitest: loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("httpapitest: the OpenAPI document is invalid: %w", err)
	}
	strictResponses(doc)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("httpapitest: routing the OpenAPI document: %w", err)
	}
	return &Validator{doc: doc, router: router, seen: map[string]map[int]bool{}}, nil
}

// Check validates one exchange. The request is checked only when the
// server accepted it (2xx): tests send invalid requests on purpose, and
// the server must refuse those, which the response check covers. Every
// response is checked: its status must be documented and its body must
// match the documented schema for its content type.
func (v *Validator) Check(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	// The document's servers are relative (the API's base path), so a
	// request is matched by its path alone, whichever host it went to.
	r.URL.Scheme, r.URL.Host = "", ""
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // a path or method the API does not have, refused as such
		}
		return v.fail(fmt.Errorf("%s %s: no operation in the document: %w", req.Method, req.URL.Path, err))
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		MultiError:         true,
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if status >= 200 && status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return v.fail(fmt.Errorf("%s %s (answered %d): request does not match the document: %w", req.Method, req.URL.Path, status, err))
		}
	}
	// A downloaded file's bytes have no schema to check beyond their type.
	binary := !strings.Contains(header.Get("Content-Type"), "json")
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: binary && status == http.StatusOK}}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return v.fail(fmt.Errorf("%s %s: %d response does not match the document: %w\nbody: %s", req.Method, req.URL.Path, status, err, clip(respBody)))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	id := route.Operation.OperationID
	if v.seen[id] == nil {
		v.seen[id] = map[int]bool{}
	}
	v.seen[id][status] = true
	return nil
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

func (v *Validator) fail(err error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errs = append(v.errs, err)
	return err
}

// Err joins every mismatch seen so far; nil when there was none.
func (v *Validator) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return errors.Join(v.errs...)
}

// Unseen lists the document's operations no checked exchange reached.
func (v *Validator) Unseen() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for _, item := range v.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if len(v.seen[op.OperationID]) == 0 {
				out = append(out, op.OperationID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Seen lists the statuses seen per operation, "operationId status" sorted.
func (v *Validator) Seen() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for id, statuses := range v.seen {
		for s := range statuses {
			out = append(out, fmt.Sprintf("%s %d", id, s))
		}
	}
	slices.Sort(out)
	return out
}

// Transport returns an http.RoundTripper that checks every exchange it
// carries (base nil means http.DefaultTransport). Mismatches are kept for
// Err; the exchange itself goes on unchanged.
func (v *Validator) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper{v: v, base: base}
}

type roundTripper struct {
	v    *Validator
	base http.RoundTripper
}

func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	// Check sees the request as the server did: the path as sent.
	probe := req.Clone(context.Background())
	if probe.URL.RawPath == "" && strings.Contains(probe.URL.Path, "%") {
		probe.URL.RawPath = probe.URL.Path
	}
	_ = t.v.Check(probe, reqBody, resp.StatusCode, resp.Header, respBody)
	return resp, nil
}

// strictResponses makes every object schema a response reaches refuse
// properties it does not name. The document lets clients accept fields
// added later (it leaves additionalProperties open), but the server under
// test must send only what the document names, or a field would drift in
// undocumented. A member of an allOf is left open (it names only part of
// the object); the schemas it reaches are not.
func strictResponses(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef, member bool)
	walk = func(ref *openapi3.SchemaRef, member bool) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		if !member && len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		if seen[s] {
			return
		}
		seen[s] = true
		for _, p := range s.Properties {
			walk(p, false)
		}
		walk(s.Items, false)
		walk(s.AdditionalProperties.Schema, false)
		for _, r := range s.AllOf {
			walk(r, true)
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AnyOf, s.OneOf} {
			for _, r := range group {
				walk(r, false)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					walk(mt.Schema, false)
				}
			}
		}
	}
}
