package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// MaxJSONBytes caps a JSON request body (docs/API.md: 64 KiB → 413).
const MaxJSONBytes = 64 << 10

// DefaultMaxDocumentBytes caps an uploaded file when Options leaves it 0.
const DefaultMaxDocumentBytes = 10 << 20

// DefaultMaxDocumentsPerPermit caps the files of one permit when Options
// leaves MaxDocumentsPerPermit 0.
const DefaultMaxDocumentsPerPermit = 20

// idempotencyClaim is how long a request holds its Idempotency-Key before
// its answer is saved: a request still running then is far beyond the
// server's timeouts, and a claim left by a server that stopped mid-request
// must not block the key for a whole day.
const idempotencyClaim = 5 * time.Minute

// DefaultIdempotencyTTL is how long an Idempotency-Key's answer is kept.
const DefaultIdempotencyTTL = 24 * time.Hour

// Options are the optional parts of the handler; the zero value (or nil)
// gives working defaults.
type Options struct {
	// Logger receives one access-log record per request and the detail of
	// every server error. Nil logs nothing.
	Logger *slog.Logger
	// Idempotency keeps answers for Idempotency-Key replays; nil keeps them
	// in memory (one server process).
	Idempotency IdempotencyStore
	// IdempotencyTTL is how long answers are kept; 0 means 24 hours.
	IdempotencyTTL time.Duration
	// Blobs stores uploaded files; nil keeps them in memory (tests only: a
	// server should keep them in its database, adapters/sqlstore's Blobs).
	Blobs BlobStore
	// MaxDocumentBytes caps one uploaded file (413 payload_too_large);
	// 0 means 10 MiB.
	MaxDocumentBytes int64
	// MaxDocumentsPerPermit caps how many files one permit may have (422
	// too_many_documents); 0 means 20.
	MaxDocumentsPerPermit int
	// MaxPermitDocumentBytes caps the bytes of all the files of one permit
	// (413 payload_too_large); 0 means MaxDocumentsPerPermit files of
	// MaxDocumentBytes each.
	MaxPermitDocumentBytes int64
	// TempDir is where uploads are spooled while they arrive; "" means
	// os.TempDir().
	TempDir string
	// TestClock, when set, enables POST /v1/test-clock (evaluation only).
	// It must also be the Service's clock: build the Service with
	// permit.Options{Now: clock.Now}, so that moving it moves the rules.
	TestClock *TestClock
	// Ping checks the database for GET /healthz; nil checks nothing.
	Ping func(ctx context.Context) error
	// Rates keeps the rate limits' counters; nil keeps them in memory
	// (tests only: a server keeps them in its database, adapters/sqlstore's
	// RateLimits, so that every instance counts the same requests).
	Rates RateCounter
	// AccountCreationLimit is how many accounts one client address may
	// open (POST /v1/accounts) in a window: more is 429 rate_limited with
	// Retry-After. The zero value sets no limit; officers are not limited.
	AccountCreationLimit RateLimit
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// when finding a client's address; from anyone else it is ignored.
	TrustedProxies []netip.Prefix
	// Now is the wall clock used for idempotency expiry and request
	// timing (not for permit rules, which use the Service's clock); nil
	// means time.Now.
	Now func() time.Time
	// BodyReadTimeout is how long a client has to send a request's body
	// once the handler starts, so that a slow sender cannot hold a
	// connection; 0 means DefaultBodyReadTimeout. A body that does not
	// arrive in time is 408 request_timeout. It needs a real connection
	// (http.ResponseController); elsewhere it does nothing.
	BodyReadTimeout time.Duration
	// UploadReadTimeout is the same for a file upload; 0 means
	// DefaultUploadReadTimeout.
	UploadReadTimeout time.Duration
	// Observe is told of every request once it is answered: its route
	// pattern as registered ("GET /v1/permits/{id}"; "" when no route
	// matched), never the raw path with its IDs, the status sent, and how
	// long it took. Metrics count requests with it; nil tells nothing.
	Observe func(route string, status int, elapsed time.Duration)
	// BasePath is the path the API is mounted under, such as "/permits"
	// ("" or "/": the root). Location headers, problem instances, the
	// paths named in problem details and the OpenAPI document's servers
	// entry start with it. Requests may arrive with it (mount the handler
	// at BasePath+"/") or without it (a proxy that takes it off).
	BasePath string
	// Metrics, when set, is served at GET /metrics to officers only (401
	// and 403 as for any officer route). It is the server's, not part of
	// the v1 contract; a server that serves metrics on a listener of its
	// own leaves it nil.
	Metrics http.Handler
	// SignIn, when set, serves the resident sign-in of docs/API.md
	// "Signing in" (POST /v1/sign-in, /v1/sign-in/verify, /v1/sign-out);
	// its rate limits count in Rates.
	SignIn *SignInOptions
	// Outbox, when set with TestClock, serves GET /v1/test-clock/outbox:
	// the messages the server sent, for evaluation scripts.
	Outbox Outbox
}

// Defaults of Options' body read timeouts. A JSON body is at most 64 KiB;
// an upload is at most MaxDocumentBytes.
const (
	DefaultBodyReadTimeout   = 10 * time.Second
	DefaultUploadReadTimeout = 60 * time.Second
)

// api is the handler. Its routes are the table in routes.go.
type api struct {
	svc     *permit.Service
	locator zones.Locator
	auth    Authenticator
	log     *slog.Logger
	idem    IdempotencyStore
	idemTTL time.Duration
	blobs   BlobStore
	maxDoc  int64
	maxDocs int
	// maxPermitDocBytes caps the bytes of one permit's files.
	maxPermitDocBytes int64
	tempDir           string
	clock             *TestClock
	ping              func(ctx context.Context) error
	now               func() time.Time
	mux               *http.ServeMux
	openapi           []byte
	testMu            sync.Mutex // serialises test-clock moves
	accountLimiter    *limiter
	bodyTimeout       time.Duration
	uploadTimeout     time.Duration
	observe           func(route string, status int, elapsed time.Duration)
	metrics           http.Handler
	// base is Options.BasePath, "" for the root.
	base string
	// signIn is the resident sign-in, nil when not served.
	signIn *signIn
	outbox Outbox
}

// New returns the v1 JSON API of docs/API.md as an http.Handler. svc, locator
// and auth are required; opts may be nil.
func New(svc *permit.Service, locator zones.Locator, auth Authenticator, opts *Options) (http.Handler, error) {
	if svc == nil || locator == nil || auth == nil {
		return nil, errors.New("httpapi: New needs a Service, a Locator and an Authenticator")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	base, err := cleanBasePath(o.BasePath)
	if err != nil {
		return nil, err
	}
	h := &api{svc: svc, locator: locator, auth: auth, log: o.Logger, idem: o.Idempotency, idemTTL: o.IdempotencyTTL,
		blobs: o.Blobs, maxDoc: o.MaxDocumentBytes, maxDocs: o.MaxDocumentsPerPermit, maxPermitDocBytes: o.MaxPermitDocumentBytes,
		tempDir: o.TempDir, clock: o.TestClock, ping: o.Ping, now: o.Now,
		openapi: serversEntry(openAPIFor(svc.Scheme()), base), observe: o.Observe, metrics: o.Metrics, base: base}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.idem == nil {
		h.idem = NewMemoryIdempotency(h.now)
	}
	if h.idemTTL <= 0 {
		h.idemTTL = DefaultIdempotencyTTL
	}
	if h.blobs == nil {
		h.blobs = NewMemoryBlobs()
	}
	if h.maxDoc <= 0 {
		h.maxDoc = DefaultMaxDocumentBytes
	}
	if h.maxDocs <= 0 {
		h.maxDocs = DefaultMaxDocumentsPerPermit
	}
	if h.maxPermitDocBytes <= 0 {
		h.maxPermitDocBytes = int64(h.maxDocs) * h.maxDoc
	}
	rates := o.Rates
	if rates == nil {
		rates = NewMemoryRates()
	}
	h.accountLimiter = &limiter{kind: "accounts", limit: o.AccountCreationLimit, counter: rates,
		proxies: o.TrustedProxies, now: h.now}
	if o.SignIn != nil {
		if h.signIn, err = newSignIn(o.SignIn, auth, rates, o.TrustedProxies, h.now); err != nil {
			return nil, err
		}
	}
	if o.TestClock != nil {
		h.outbox = o.Outbox
	}
	if h.bodyTimeout = o.BodyReadTimeout; h.bodyTimeout <= 0 {
		h.bodyTimeout = DefaultBodyReadTimeout
	}
	if h.uploadTimeout = o.UploadReadTimeout; h.uploadTimeout <= 0 {
		h.uploadTimeout = DefaultUploadReadTimeout
	}
	h.mux = http.NewServeMux()
	h.routes()
	return h, nil
}

// body says what a route reads from the request body.
type body int

const (
	noBody       body = iota // anything sent is ignored
	optionalJSON             // a JSON object, or nothing
	requiredJSON             // a JSON object
	multipartDoc             // multipart/form-data with a file
)

// access says who may call a route.
type access int

const (
	anyone   access = iota // signed in or not
	signedIn               // an account (for its own things) or an officer
	officer                // officers only
)

// call is what a route handler gets besides the request.
type call struct {
	p    Principal
	body []byte // a JSON body
	// upload is a multipart body, its file spooled to disk.
	upload *upload
	// bodySum is the SHA-256 of the whole body.
	bodySum [32]byte
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// route registers pattern with its access rule, body kind and the query
// parameters it reads.
func (h *api) route(pattern string, who access, b body, fn handlerFunc, query ...string) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec := recordOf(r)
		rec.route = pattern
		if err := h.serve(w, r, who, b, fn, rec, query); err != nil {
			h.fail(w, r, err)
		}
	})
}

func (h *api) serve(w http.ResponseWriter, r *http.Request, who access, b body, fn handlerFunc, rec *requestRecord, query []string) error {
	if err := checkRequestText(r); err != nil {
		return err
	}
	p, err := h.auth.Authenticate(r)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			return unauthorized("The bearer token is not valid.")
		}
		return fmt.Errorf("httpapi: authenticating: %w", err)
	}
	rec.principal = p
	switch {
	case who != anyone && p.Anonymous():
		return unauthorized("Send Authorization: Bearer <token>.")
	case p.Role == RoleIntegration && !integrationMay(rec.route):
		return newError(http.StatusForbidden, CodeForbidden, "An integration token reads the event feed, permits, accounts and the review queue; it cannot do this.")
	case who == officer && p.Role != RoleOfficer && p.Role != RoleIntegration:
		return newError(http.StatusForbidden, CodeForbidden, "Only council officers may do this.")
	}
	if err := knownQuery(r, query); err != nil {
		return err
	}
	c := &call{p: p}
	if b == multipartDoc {
		readWithin(w, h.uploadTimeout)
		if c.upload, c.bodySum, err = h.readUpload(w, r); err != nil {
			return err
		}
		defer c.upload.close()
	} else {
		if c.body, err = h.readBody(w, r, b); err != nil {
			return err
		}
		c.bodySum = sha256.Sum256(c.body)
	}
	if (b == requiredJSON || b == optionalJSON) && len(c.body) > 0 {
		if err := checkJSONText(c.body); err != nil {
			return err
		}
	}
	if r.Method != http.MethodPost {
		return fn(w, r, c)
	}
	return h.idempotent(w, r, c, fn)
}

func unauthorized(detail string) *apiError { return sharedError(httpx.Unauthorized(detail)) }

// readBody reads and checks a JSON body before anything happens, so a
// request that is too large, of the wrong type or cut short changes
// nothing. (Uploads are read by readUpload.)
func (h *api) readBody(w http.ResponseWriter, r *http.Request, b body) ([]byte, error) {
	if b == noBody {
		return nil, nil
	}
	data, err := httpx.ReadJSONBody(w, r, MaxJSONBytes, b == requiredJSON)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, h.bodyTimedOut(h.bodyTimeout)
	}
	if err != nil || len(data) == 0 {
		return nil, err
	}
	return data, nil
}

// readWithin bounds the time the rest of the request may take to arrive,
// from now. Without a real connection (a recorder in tests) it does
// nothing.
func readWithin(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
}

// bodyTimedOut answers a body that did not arrive within d: 408, and the
// connection is closed (its remaining bytes cannot be trusted).
func (h *api) bodyTimedOut(d time.Duration) *apiError {
	e := newError(http.StatusRequestTimeout, CodeRequestTimeout,
		fmt.Sprintf("The request body did not arrive within %s; send the request again.", d))
	e.header = http.Header{"Connection": {"close"}}
	return e
}

func tooLarge(limit int64) *apiError { return sharedError(httpx.TooLarge(limit)) }

// idempotent runs a POST, honouring its Idempotency-Key.
func (h *api) idempotent(w http.ResponseWriter, r *http.Request, c *call, fn handlerFunc) error {
	raw, sent := r.Header["Idempotency-Key"]
	if !sent {
		return fn(w, r, c)
	}
	if len(raw) != 1 || !validIdempotencyKey(raw[0]) {
		return badRequest("Idempotency-Key", "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID.")
	}
	key := string(c.p.Role) + ":" + c.p.ID + ":" + raw[0]
	if c.p.Anonymous() {
		key = "public::" + raw[0]
	}
	fp := fingerprint(r.Method, r.URL.Path, c.bodySum)
	ctx := r.Context()
	claimed, firstFP, saved, err := h.idem.Reserve(ctx, key, fp, h.now().Add(idempotencyClaim))
	if err != nil {
		return fmt.Errorf("httpapi: reserving idempotency key: %w", err)
	}
	if !claimed {
		switch {
		case firstFP != fp:
			return newError(http.StatusConflict, CodeIdempotencyKeyReused, "This Idempotency-Key was used with a different request; use a new key for a new request.")
		case saved == nil:
			e := newError(http.StatusConflict, CodeConflict, "A request with this Idempotency-Key is still being processed; retry shortly.")
			e.header = http.Header{"Retry-After": {"1"}}
			return e
		}
		s, err := decodeSaved(saved)
		if err != nil {
			return fmt.Errorf("httpapi: decoding a saved response: %w", err)
		}
		recordOf(r).replayed = true
		writeSaved(w, s)
		return nil
	}
	bw := newBufferedWriter()
	if err := fn(bw, r, c); err != nil {
		h.fail(bw, r, err)
	}
	s := bw.saved()
	// A new context: the answer must be kept (or the claim let go) even
	// when the client has gone away meanwhile.
	keep, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if replayable(s.Status, bw.code) {
		if c.p.Anonymous() {
			// Anyone may send an anonymous key: a replay must not hand
			// out the credential the first request was given.
			s.Body = withoutToken(s.ContentType, s.Body)
		}
		if err := h.idem.Save(keep, key, encodeSaved(s), h.now().Add(h.idemTTL)); err != nil {
			h.log.ErrorContext(ctx, "saving idempotent response", "err", err, "request_id", recordOf(r).id)
		}
	} else if err := h.idem.Release(keep, key); err != nil {
		h.log.ErrorContext(ctx, "releasing idempotency key", "err", err, "request_id", recordOf(r).id)
	}
	bw.flush(w)
	return nil
}

// fail answers with the problem document for err, logging server errors
// in full (the client sees a generic sentence and the request ID).
func (h *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := problemOf(err, h.svc.Scheme().Evidence)
	rec := recordOf(r)
	if e.status >= 500 {
		h.log.ErrorContext(r.Context(), "request failed", "request_id", rec.id, "method", r.Method, "route", rec.route, "err", err)
	}
	if bw, ok := w.(*bufferedWriter); ok {
		bw.code = e.code
	}
	rec.code = e.code
	h.writeProblem(w, r, e, rec.id)
}

// writeProblem sends e as a problem document: its instance is the
// request's public path, and the API paths its sentences name are public
// paths too.
func (h *api) writeProblem(w http.ResponseWriter, r *http.Request, e *apiError, requestID string) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	doc := e.document(h.link(r.URL.Path), requestID)
	doc.Detail = h.linked(doc.Detail)
	for i := range doc.Errors {
		doc.Errors[i].Detail = h.linked(doc.Errors[i].Detail)
	}
	for i := range doc.Reasons {
		doc.Reasons[i].Detail = h.linked(doc.Reasons[i].Detail)
	}
	httpx.WriteProblem(w, e.status, nil, doc)
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	if err := httpx.WriteJSON(w, status, v); err != nil {
		return fmt.Errorf("httpapi: %w", err)
	}
	return nil
}

// ServeHTTP adds the request ID, security headers, panic recovery, the
// access log, and problem documents for unknown paths and methods.
func (h *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	rec := &requestRecord{id: requestID()}
	r = h.withinBase(r)
	r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Request-Id", rec.id)
	sw.Header().Set("X-Content-Type-Options", "nosniff")
	sw.Header().Set("Cache-Control", "no-store")
	// Every request's body, read by a route or drained by the server
	// after it, must arrive within the body timeout (uploads get longer).
	readWithin(sw, h.bodyTimeout)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.ErrorContext(r.Context(), "panic", "request_id", rec.id, "route", rec.route, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw.Status == 0 {
				rec.code = CodeInternal
				h.writeProblem(sw, r, problemFor(errors.New("panic")), rec.id)
			}
		}
		h.access(r, rec, sw, start)
	}()
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.unrouted(sw, r, rec)
		return
	}
	h.mux.ServeHTTP(sw, r)
}

// unrouted answers a path no route matches (404) or a method the path
// does not allow (405), as problem documents rather than the mux's text.
func (h *api) unrouted(w http.ResponseWriter, r *http.Request, rec *requestRecord) {
	probe := newBufferedWriter()
	muxHandler, _ := h.mux.Handler(r)
	muxHandler.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		e := sharedError(httpx.MethodNotAllowed(r.Method, probe.header.Values("Allow")))
		rec.code = e.code
		h.writeProblem(w, r, e, rec.id)
	case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusFound:
		probe.flush(w)
	default:
		rec.code = CodeNotFound
		h.writeProblem(w, r, sharedError(httpx.NoSuchPath()), rec.id)
	}
}

// access writes the access-log record: never the Authorization header,
// query values (postcodes) or bodies.
func (h *api) access(r *http.Request, rec *requestRecord, sw *statusWriter, start time.Time) {
	status := sw.Status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := h.now().Sub(start)
	if h.observe != nil {
		h.observe(rec.route, status, elapsed)
	}
	a := httpx.Access{RequestID: rec.id, Method: r.Method, Path: loggedPath(r, rec.route), Route: rec.route,
		Status: status, Bytes: sw.Bytes, Duration: elapsed, Code: rec.code, Replayed: rec.replayed}
	if !rec.principal.Anonymous() {
		a.Role, a.Principal = string(rec.principal.Role), rec.principal.ID
	}
	httpx.LogAccess(r.Context(), h.log, a)
}

// loggedPath is the request's path for the access log, with a vehicle
// registration (enforcement look-ups) replaced by its route's {vrm}: a
// registration identifies a person's car, and logs are for IDs.
func loggedPath(r *http.Request, route string) string {
	if _, pattern, ok := strings.Cut(route, " "); ok && strings.Contains(pattern, "{vrm}") {
		return pattern
	}
	return r.URL.Path
}

type recordKey struct{}

// requestRecord collects what the access log says about a request.
type requestRecord struct {
	id        string
	route     string
	principal Principal
	code      string
	replayed  bool
}

func recordOf(r *http.Request) *requestRecord {
	if rec, ok := r.Context().Value(recordKey{}).(*requestRecord); ok {
		return rec
	}
	return &requestRecord{}
}

func requestID() string { return httpx.RequestID() }

// statusWriter records the status and size of a response for the access log.
type statusWriter = httpx.StatusWriter

// knownQuery refuses a query parameter the route does not read, or one
// given twice (httpx.KnownQuery): 400, naming every such parameter.
func knownQuery(r *http.Request, allowed []string) error {
	if e := httpx.KnownQuery(r.URL.Query(), allowed); e != nil {
		return sharedError(e)
	}
	return nil
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(name, "out_of_range", fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi))
	}
	return n, nil
}
