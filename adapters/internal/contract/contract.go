// Package contract checks HTTP traffic with a provider against the
// provider's published OpenAPI document, for the tests of the provider
// adapters and their fakes: a Transport between an adapter and a fake
// checks every request the adapter sends and every answer the fake gives,
// so that neither can drift from what the provider documents.
//
// It decides nothing about any provider; which document applies is the
// test's choice. It uses github.com/getkin/kin-openapi.
package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Spec is a loaded OpenAPI document. Safe for concurrent use; load it
// once and give each test its own Transport.
type Spec struct {
	doc    *openapi3.T
	router routers.Router
	base   string            // the servers' common path, taken off request paths
	known  map[string]string // "operationId status" → why its answer is not checked
}

// Load reads the document at file in fsys (JSON or YAML; references to
// other files beside it are followed). Its servers are dropped, so
// requests are matched by method and path whatever host they go to; a
// path all its servers share ("https://host/vehicle-enquiry") is expected
// before every path of the document.
func Load(fsys fs.FS, file string) (*Spec, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if u.Scheme != "" || u.Host != "" {
			return nil, fmt.Errorf("contract: %s: only files beside the document are read", u)
		}
		return fs.ReadFile(fsys, path.Clean(u.Path))
	}
	doc, err := loader.LoadFromURI(&url.URL{Path: file})
	if err != nil {
		return nil, fmt.Errorf("contract: loading %s: %w", file, err)
	}
	base := ""
	for i, srv := range doc.Servers {
		u, err := url.Parse(srv.URL)
		p := ""
		if err == nil {
			p = strings.TrimRight(u.Path, "/")
		}
		if i > 0 && p != base {
			base = ""
			break
		}
		base = p
	}
	doc.Servers = nil
	repairArrays(doc)
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
	if err != nil {
		return nil, fmt.Errorf("contract: routing %s: %w", file, err)
	}
	return &Spec{doc: doc, router: router, base: base, known: map[string]string{}}, nil
}

// KnownDefect stops Check from checking operation's answers with status
// (their body, and the status itself when the document leaves it out),
// because the document is wrong about them (why says how); the request is
// still checked. Call it before the Spec is shared.
func (s *Spec) KnownDefect(operationID string, status int, why string) {
	s.known[fmt.Sprintf("%s %d", operationID, status)] = why
}

// repairArrays gives every array schema without items an empty items
// schema (any value), which is what JSON Schema means by leaving items
// out; kin-openapi refuses such documents, and GOV.UK Notify's has one
// (TemplatePreviewRequest's required_documents).
func repairArrays(doc *openapi3.T) {
	walkSchemas(doc, func(ref *openapi3.SchemaRef) bool {
		if s := ref.Value; s.Type.Is("array") && s.Items == nil {
			s.Items = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
		}
		return true
	})
}

// walkSchemas calls visit on every schema the document reaches (once
// each), through components, parameters, bodies, answers and callbacks,
// until visit returns false.
func walkSchemas(doc *openapi3.T, visit func(*openapi3.SchemaRef) bool) {
	seen := map[*openapi3.Schema]bool{}
	stop := false
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if stop || ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		if !visit(ref) {
			stop = true
			return
		}
		s := ref.Value
		walk(s.Items)
		for _, p := range s.Properties {
			walk(p)
		}
		for _, list := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, r := range list {
				walk(r)
			}
		}
		walk(s.Not)
		walk(s.AdditionalProperties.Schema)
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			walk(mt.Schema)
		}
	}
	var op func(o *openapi3.Operation)
	op = func(o *openapi3.Operation) {
		if o == nil {
			return
		}
		for _, p := range o.Parameters {
			if p.Value != nil {
				walk(p.Value.Schema)
			}
		}
		if o.RequestBody != nil && o.RequestBody.Value != nil {
			content(o.RequestBody.Value.Content)
		}
		if o.Responses != nil {
			for _, r := range o.Responses.Map() {
				if r.Value != nil {
					content(r.Value.Content)
				}
			}
		}
		for _, cb := range o.Callbacks {
			if cb.Value != nil {
				for _, item := range cb.Value.Map() {
					for _, o := range item.Operations() {
						op(o)
					}
				}
			}
		}
	}
	if doc.Components != nil {
		for _, r := range doc.Components.Schemas {
			walk(r)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			op(o)
		}
	}
}

// Check validates one exchange: the request (its parameters and body)
// whatever the answer, and the answer (its status must be documented and
// its body must match the documented schema, KnownDefect aside). Security
// requirements are not checked: the fakes check credentials themselves.
// It returns the exchange's operationId.
func (s *Spec) Check(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) (string, error) {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	r.URL.Scheme, r.URL.Host = "", ""
	r.Host = ""
	if s.base != "" {
		p, ok := strings.CutPrefix(r.URL.Path, s.base)
		if !ok {
			return "", fmt.Errorf("%s %s: not under the document's base path %s", req.Method, req.URL.Path, s.base)
		}
		r.URL.Path, r.URL.RawPath = p, ""
	}
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return "", fmt.Errorf("%s %s: no operation in the document: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	var problems []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		problems = append(problems, fmt.Errorf("request: %w", err))
	}
	id := route.Operation.OperationID
	if _, defect := s.known[fmt.Sprintf("%s %d", id, status)]; !defect {
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
		out.SetBodyBytes(respBody)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			problems = append(problems, fmt.Errorf("%d answer: %w\nbody: %s", status, err, clip(respBody)))
		}
	}
	if len(problems) > 0 {
		return id, fmt.Errorf("%s %s does not match the document: %w", req.Method, req.URL.Path, errors.Join(problems...))
	}
	return id, nil
}

// Schema is the schema the document calls name: under its
// components.schemas, or, for a document that keeps its schemas in
// another file, the first schema reached through a reference ending in
// that name. It is for checking what a provider sends outside an
// exchange (callbacks) and answers whose documented schema is defective
// (see KnownDefect): schema.VisitJSON(value decoded into any).
func (s *Spec) Schema(name string) (*openapi3.Schema, error) {
	if s.doc.Components != nil {
		if ref, ok := s.doc.Components.Schemas[name]; ok && ref.Value != nil {
			return ref.Value, nil
		}
	}
	var found *openapi3.Schema
	walkSchemas(s.doc, func(ref *openapi3.SchemaRef) bool {
		if refName(ref.Ref) == name {
			found = ref.Value
			return false
		}
		return true
	})
	if found == nil {
		return nil, fmt.Errorf("contract: no schema %q in the document", name)
	}
	return found, nil
}

func refName(ref string) string {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '/' {
			return ref[i+1:]
		}
	}
	return ref
}

// Transport is an http.RoundTripper that checks every exchange through
// its base with Check, keeping what failed. The adapter under test sees
// the answers unchanged.
type Transport struct {
	spec *Spec
	base http.RoundTripper

	mu   sync.Mutex
	errs []error
	seen map[string]bool // "operationId status"
}

// Transport returns a Transport over base (http.DefaultTransport when nil).
func (s *Spec) Transport(base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{spec: s, base: base, seen: map[string]bool{}}
}

// Errors returns every failed check so far.
func (t *Transport) Errors() []error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]error(nil), t.errs...)
}

// Seen reports whether an exchange of operation (its operationId) with
// status passed Check: a test can prove it covered the answers it meant to.
func (t *Transport) Seen(operationID string, status int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen[fmt.Sprintf("%s %d", operationID, status)]
}

// RoundTrip sends req through the base and checks the exchange.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
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
	id, err := t.spec.Check(req, reqBody, resp.StatusCode, resp.Header, respBody)
	t.mu.Lock()
	if err != nil {
		t.errs = append(t.errs, err)
	} else {
		t.seen[fmt.Sprintf("%s %d", id, resp.StatusCode)] = true
	}
	t.mu.Unlock()
	return resp, nil
}

func clip(b []byte) string {
	if len(b) > 1000 {
		return string(b[:1000]) + "..."
	}
	return string(b)
}
