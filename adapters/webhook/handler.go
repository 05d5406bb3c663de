package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
	"github.com/carerpermit/carerpermit/permit"
)

// CodeInvalidWebhookURL is the problem code of a refused endpoint URL (422);
// the other codes these endpoints answer with are the whole API's
// (docs/API.md).
const CodeInvalidWebhookURL = "invalid_webhook_url"

// MaxBodyBytes caps a request body, as the rest of the API does.
const MaxBodyBytes = 64 << 10

// Limits on what an endpoint registration may hold.
const (
	MaxDescription = 500
	MaxEventTypes  = 50
)

// ErrUnauthenticated is wrapped by an Authorize error for credentials
// that are present but wrong (401). Check with errors.Is.
var ErrUnauthenticated = errors.New("webhook: unauthenticated")

// Caller is who made a request, as the server's authentication says.
type Caller struct {
	SignedIn bool // false: anonymous (401)
	Officer  bool // officers manage every webhook
	// Integration is a read-only integration: it manages only the
	// webhooks it registered (CreatedBy its Name); others are 404 to it.
	// A caller neither officer nor integration is refused (403).
	Integration bool
	Name        string // recorded as CreatedBy, and scopes Idempotency-Keys
}

// HandlerOptions configure NewHandler. Authorize is required.
type HandlerOptions struct {
	// Authorize identifies the caller. No credentials: the zero Caller
	// and nil. Wrong credentials: an error wrapping ErrUnauthenticated.
	// Any other error is a failure (500). The server wires its own
	// authentication here, so this package imports no other adapter.
	Authorize func(r *http.Request) (Caller, error)
	// Policy decides which URLs may be registered; it must match the
	// Dispatcher's.
	Policy Policy
	// Resolver looks hosts up at registration; nil is net.DefaultResolver.
	Resolver Resolver
	// Now stamps registrations and manual retries; nil means time.Now.
	Now func() time.Time
	// Logger receives one access-log record per request (never the
	// Authorization header, bodies or query values) and the detail of
	// every server error; nil logs nothing.
	Logger *slog.Logger
	// Observe is told of every request once it is answered, as
	// httpapi.Options.Observe is: its route pattern ("" when none
	// matched), status and duration. Nil tells nothing.
	Observe func(route string, status int, elapsed time.Duration)
	// BasePath is the path the API is mounted under, as
	// httpapi.Options.BasePath ("" or "/": the root): Location headers and
	// problem instances start with it, and requests may arrive with it or
	// without it (a proxy that takes it off).
	BasePath string
}

type handler struct {
	store    Store
	auth     func(r *http.Request) (Caller, error)
	policy   Policy
	resolver Resolver
	now      func() time.Time
	log      *slog.Logger
	mux      *http.ServeMux
	observe  func(route string, status int, elapsed time.Duration)
	base     string // HandlerOptions.BasePath, "" for the root
}

// NewHandler returns the officers' webhook endpoints of the API, all
// under /v1/webhooks:
//
//	POST   /v1/webhooks                                            register: {url, description?, event_types?} → 201 with the secret, shown once
//	GET    /v1/webhooks                                            → {webhooks: [...]}
//	GET    /v1/webhooks/{id}                                       → the endpoint (no secret)
//	DELETE /v1/webhooks/{id}                                       → 204; its deliveries go too
//	GET    /v1/webhooks/{id}/deliveries?status=&after=&limit=      → {deliveries: [...], next}
//	GET    /v1/webhooks/{id}/deliveries/{delivery_id}              → the delivery with its event
//	POST   /v1/webhooks/{id}/deliveries/{delivery_id}/retry        → 200: due now, a fresh round of attempts
//	POST   /v1/webhooks/{id}/deliveries/retry                      → 200 {retried, webhook}: every dead delivery retried, the webhook resumed
//	POST   /v1/webhooks/{id}/resume                                → 200: a paused webhook sends again
//	POST   /v1/webhooks/{id}/rotate-secret {overlap_hours?}        → 200 with the new secret; the old one signs too until previous_secret_expires_at
//
// Errors are RFC 9457 problem documents with the API's codes; a refused
// URL is 422 invalid_webhook_url naming the reason.
func NewHandler(store Store, opts *HandlerOptions) (http.Handler, error) {
	if store == nil || opts == nil || opts.Authorize == nil {
		return nil, errors.New("webhook: NewHandler needs a Store and HandlerOptions.Authorize")
	}
	base, err := httpx.CleanBasePath(opts.BasePath)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	h := &handler{store: store, auth: opts.Authorize, policy: opts.Policy, resolver: opts.Resolver, now: opts.Now, log: opts.Logger,
		observe: opts.Observe, base: base}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux = http.NewServeMux()
	h.route("POST /v1/webhooks", h.create)
	h.route("GET /v1/webhooks", h.list)
	h.route("GET /v1/webhooks/{id}", h.get)
	h.route("DELETE /v1/webhooks/{id}", h.delete)
	h.route("GET /v1/webhooks/{id}/deliveries", h.deliveries, "status", "after", "limit")
	h.route("GET /v1/webhooks/{id}/deliveries/{delivery_id}", h.delivery)
	h.route("POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry", h.retry)
	h.route("POST /v1/webhooks/{id}/deliveries/retry", h.retryDead)
	h.route("POST /v1/webhooks/{id}/resume", h.resume)
	h.route("POST /v1/webhooks/{id}/rotate-secret", h.rotateSecret)
	return h, nil
}

// recordingWriter keeps what the access log says about a request.
type recordingWriter struct {
	*httpx.StatusWriter
	route  string
	caller Caller
	code   string
}

type fieldProblem = httpx.FieldProblem

func newProblem(status int, code, detail string) *httpx.Error {
	return httpx.NewError(status, code, detail)
}

func invalid(fs []fieldProblem) *httpx.Error {
	code := httpx.CodeValidationFailed
	if !slices.ContainsFunc(fs, func(f fieldProblem) bool { return f.Code != CodeInvalidWebhookURL }) {
		code = CodeInvalidWebhookURL
	}
	detail := fs[0].Detail
	if len(fs) > 1 {
		detail = strconv.Itoa(len(fs)) + " fields are invalid; see errors."
	}
	p := newProblem(http.StatusUnprocessableEntity, code, detail)
	p.Errors = fs
	return p
}

func notFound() *httpx.Error {
	return newProblem(http.StatusNotFound, httpx.CodeNotFound, "There is no such webhook or delivery.")
}

// problemOf is the one table from errors to answers; details are fixed
// sentences, never an error's text.
func problemOf(err error) *httpx.Error {
	var p *httpx.Error
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, ErrNotFound):
		return notFound()
	case errors.Is(err, ErrNotRetryable):
		return newProblem(http.StatusConflict, httpx.CodeInvalidTransition, "This delivery was delivered; there is nothing to retry.")
	case databaseUnavailable(err):
		return httpx.Unavailable(err)
	case errors.Is(err, context.DeadlineExceeded):
		return httpx.Busy(err)
	}
	return httpx.Internal(err)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	if rw, ok := w.(*recordingWriter); ok {
		rw.code = p.Code
	}
	reqID := w.Header().Get("X-Request-Id")
	if p.Status >= 500 {
		h.log.ErrorContext(r.Context(), "webhook request failed", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	httpx.WriteProblem(w, p.Status, p.Header, p.Document(h.base+r.URL.Path, reqID))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	if err := httpx.WriteJSON(w, status, v); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

type routeFunc func(w http.ResponseWriter, r *http.Request, c Caller) error

// route registers a route for officers and integrations; query names the
// query parameters it reads: any other, or one given twice, is 400
// validation_failed, as on every route of the API.
func (h *handler) route(pattern string, fn routeFunc, query ...string) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := h.auth(r)
		if rw, ok := w.(*recordingWriter); ok {
			rw.route, rw.caller = pattern, c
		}
		switch {
		case errors.Is(err, ErrUnauthenticated):
			err = httpx.Unauthorized("The bearer token is not valid.")
		case err != nil:
			err = fmt.Errorf("webhook: authorizing: %w", err)
		case !c.SignedIn:
			err = httpx.Unauthorized("Send Authorization: Bearer <token>.")
		case !c.Officer && !c.Integration:
			err = newProblem(http.StatusForbidden, httpx.CodeForbidden, "Only council officers and integrations may manage webhooks.")
		default:
			if e := httpx.KnownQuery(r.URL.Query(), query); e != nil {
				err = e
				break
			}
			err = h.owned(r, c)
			if err == nil {
				err = fn(w, r, c)
			}
		}
		if err != nil {
			h.fail(w, r, err)
		}
	})
}

// owned refuses an integration a webhook it did not register, as if it
// did not exist (404): an integration manages only its own.
func (h *handler) owned(r *http.Request, c Caller) error {
	id := r.PathValue("id")
	if c.Officer || id == "" {
		return nil
	}
	e, err := h.store.Endpoint(r.Context(), id)
	if err != nil {
		return err
	}
	if e.CreatedBy != c.Name {
		return ErrNotFound
	}
	return nil
}

// ServeHTTP adds the API's response headers and answers unknown paths and
// methods with problem documents.
func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	r = httpx.WithinBase(r, h.base)
	w := &recordingWriter{StatusWriter: &httpx.StatusWriter{ResponseWriter: rw}}
	if w.Header().Get("X-Request-Id") == "" {
		w.Header().Set("X-Request-Id", httpx.RequestID())
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	defer h.access(r, w, start)
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	// Ask the mux what it would answer (404 or 405 with Allow) without
	// letting it write its plain-text page.
	probe := &probeWriter{header: http.Header{}}
	muxHandler, _ := h.mux.Handler(r)
	muxHandler.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		h.fail(w, r, httpx.MethodNotAllowed(r.Method, probe.header.Values("Allow")))
		return
	}
	h.fail(w, r, httpx.NoSuchPath())
}

// access writes the access-log record, as the rest of the API does.
func (h *handler) access(r *http.Request, w *recordingWriter, start time.Time) {
	status := w.Status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := time.Since(start)
	if h.observe != nil {
		h.observe(w.route, status, elapsed)
	}
	a := httpx.Access{RequestID: w.Header().Get("X-Request-Id"), Method: r.Method, Path: r.URL.Path, Route: w.route,
		Status: status, Bytes: w.Bytes, Duration: elapsed, Code: w.code}
	if w.caller.SignedIn {
		a.Role, a.Principal = "account", w.caller.Name
		switch {
		case w.caller.Officer:
			a.Role = "officer"
		case w.caller.Integration:
			a.Role = "integration"
		}
	}
	httpx.LogAccess(r.Context(), h.log, a)
}

type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

// readJSON reads a JSON object body into v. With optional, no body at all
// is accepted (v unchanged).
func readJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) ([]byte, error) {
	data, err := httpx.ReadJSONBody(w, r, MaxBodyBytes, !optional)
	if err != nil {
		return nil, err
	}
	var je *httpx.JSONError
	if errors.As(httpx.DecodeJSON(data, v), &je) {
		return nil, httpx.InvalidJSON(je)
	}
	return data, nil
}

// checkEventType accepts a known type or a family of them ("permit.*").
func checkEventType(t string) bool {
	known := permit.EventTypes()
	if family, ok := strings.CutSuffix(t, ".*"); ok {
		return family != "" && slices.ContainsFunc(known, func(k permit.EventType) bool {
			return strings.HasPrefix(string(k), family+".")
		})
	}
	return slices.Contains(known, permit.EventType(t))
}

type createRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description"`
	EventTypes  []string `json:"event_types"`
}

type endpointJSON struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Description             string   `json:"description"`
	EventTypes              []string `json:"event_types"`
	Status                  string   `json:"status"` // active or paused
	PausedAt                string   `json:"paused_at,omitempty"`
	PausedReason            string   `json:"paused_reason,omitempty"`
	PreviousSecretExpiresAt string   `json:"previous_secret_expires_at,omitempty"`
	CreatedAt               string   `json:"created_at"`
	CreatedBy               string   `json:"created_by"`
	Secret                  string   `json:"secret,omitempty"`
}

func endpointOf(e Endpoint) endpointJSON {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	out := endpointJSON{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: types, Status: "active",
		CreatedAt: instant(e.CreatedAt), CreatedBy: e.CreatedBy}
	if !e.PausedAt.IsZero() {
		out.Status, out.PausedAt, out.PausedReason = "paused", instant(e.PausedAt), e.PausedReason
	}
	if e.PreviousSecret != "" {
		out.PreviousSecretExpiresAt = instant(e.PreviousSecretUntil)
	}
	return out
}

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

func idempotencyKey(r *http.Request) (string, error) {
	raw, sent := r.Header["Idempotency-Key"]
	if !sent {
		return "", nil
	}
	if len(raw) != 1 || raw[0] == "" || len(raw[0]) > maxIdempotencyKey || strings.IndexFunc(raw[0], func(c rune) bool { return c < '!' || c > '~' }) >= 0 {
		return "", httpx.BadRequest("Idempotency-Key", "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID.")
	}
	return raw[0], nil
}

// create registers an endpoint. Its URL is checked, resolved and checked
// again; the answer holds the secret, the only time it is shown. With an
// Idempotency-Key, a repeat of the same request answers the same
// endpoint again (secret included: the same caller asked for it) and
// registers nothing; a different request with the key is 409.
func (h *handler) create(w http.ResponseWriter, r *http.Request, c Caller) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var in createRequest
	body, err := readJSON(w, r, &in, false)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(append([]byte("POST /v1/webhooks\n"), body...))
	hash := hex.EncodeToString(sum[:])
	if key != "" {
		key = c.Name + ":" + key
		if done, err := h.replay(r.Context(), w, key, hash); done || err != nil {
			return err
		}
	}
	var bad []fieldProblem
	in.URL = strings.TrimSpace(in.URL)
	if in.URL == "" {
		bad = append(bad, fieldProblem{Field: "url", Code: "required", Detail: "Give the URL to POST events to, such as https://backoffice.example.gov.uk/permit-events."})
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		_, err := h.policy.CheckResolved(ctx, h.resolver, in.URL)
		cancel()
		var ue *URLError
		if errors.As(err, &ue) {
			bad = append(bad, fieldProblem{Field: "url", Code: CodeInvalidWebhookURL, Detail: "The URL is refused: " + ue.Reason + "."})
		} else if err != nil {
			return err
		}
	}
	in.Description = strings.TrimSpace(in.Description)
	if len(in.Description) > MaxDescription {
		bad = append(bad, fieldProblem{Field: "description", Code: "too_long", Detail: fmt.Sprintf("description must be at most %d bytes.", MaxDescription)})
	}
	if len(in.EventTypes) > MaxEventTypes {
		bad = append(bad, fieldProblem{Field: "event_types", Code: "too_many", Detail: fmt.Sprintf("Give at most %d event types.", MaxEventTypes)})
	}
	var types []string
	for i, t := range in.EventTypes {
		if !checkEventType(t) {
			bad = append(bad, fieldProblem{Field: fmt.Sprintf("event_types[%d]", i), Code: "unknown_event_type",
				Detail: fmt.Sprintf("%q is not an event type; give one such as permit.approved, or a family such as permit.*.", clip(t, 60))})
			continue
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	secret, err := NewSecret()
	if err != nil {
		return err
	}
	e := Endpoint{ID: newEndpointID(), URL: in.URL, Description: in.Description, EventTypes: types, Secret: secret,
		CreatedAt: stored(h.now()), CreatedBy: c.Name, IdempotencyKey: key, RequestHash: hash}
	err = h.store.CreateEndpoint(r.Context(), e)
	if errors.Is(err, ErrConflict) && key != "" {
		// The same key won a race with this request.
		if done, err := h.replay(r.Context(), w, key, hash); done || err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	return h.writeCreated(w, e)
}

func (h *handler) writeCreated(w http.ResponseWriter, e Endpoint) error {
	out := endpointOf(e)
	out.Secret = e.Secret
	w.Header().Set("Location", h.base+"/v1/webhooks/"+e.ID)
	return writeJSON(w, http.StatusCreated, out)
}

// replay answers a repeated registration; done is false when the key is
// new.
func (h *handler) replay(ctx context.Context, w http.ResponseWriter, key, hash string) (done bool, err error) {
	e, err := h.store.EndpointByIdempotencyKey(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if e.RequestHash != hash {
		return true, newProblem(http.StatusConflict, httpx.CodeIdempotencyKeyReused, "This Idempotency-Key was used with a different request; use a new key for a new request.")
	}
	return true, h.writeCreated(w, e)
}

func newEndpointID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "wh_" + hex.EncodeToString(b[:])
}

func (h *handler) list(w http.ResponseWriter, r *http.Request, c Caller) error {
	es, err := h.store.Endpoints(r.Context())
	if err != nil {
		return err
	}
	out := make([]endpointJSON, 0, len(es))
	for _, e := range es {
		if c.Officer || e.CreatedBy == c.Name {
			out = append(out, endpointOf(e))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (h *handler) get(w http.ResponseWriter, r *http.Request, _ Caller) error {
	e, err := h.store.Endpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, endpointOf(e))
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request, _ Caller) error {
	if err := h.store.DeleteEndpoint(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deliveryJSON struct {
	ID             string          `json:"id"`
	WebhookID      string          `json:"webhook_id"`
	EventID        string          `json:"event_id"`
	EventType      string          `json:"event_type"`
	PermitID       string          `json:"permit_id,omitempty"`
	AccountID      string          `json:"account_id,omitempty"`
	Status         Status          `json:"status"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  string          `json:"next_attempt_at,omitempty"`
	LastAttemptAt  string          `json:"last_attempt_at,omitempty"`
	LastStatusCode int             `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	DeliveredAt    string          `json:"delivered_at,omitempty"`
	CreatedAt      string          `json:"created_at"`
	Event          json.RawMessage `json:"event,omitempty"`
}

func deliveryOf(d Delivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, WebhookID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, PermitID: d.PermitID,
		AccountID: d.AccountID, Status: d.Status, Attempts: d.Attempts, LastAttemptAt: instant(d.LastAttemptAt),
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, DeliveredAt: instant(d.DeliveredAt), CreatedAt: instant(d.CreatedAt)}
	if d.Status == StatusPending {
		out.NextAttemptAt = instant(d.NextAttemptAt)
	}
	return out
}

func (h *handler) deliveries(w http.ResponseWriter, r *http.Request, _ Caller) error {
	q := r.URL.Query()
	dq := DeliveryQuery{EndpointID: r.PathValue("id"), After: q.Get("after"), Limit: 100}
	if s := q.Get("status"); s != "" {
		st, err := ParseStatus(s)
		if err != nil {
			return httpx.BadRequest("status", "invalid_status", "status must be pending, delivered or dead.")
		}
		dq.Status = st
	}
	if dq.After != "" {
		if _, err := parseDeliveryID(dq.After); err != nil {
			return httpx.BadRequest("after", "invalid_cursor", "after must be a delivery ID, as next gives it.")
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return httpx.BadRequest("limit", "out_of_range", "limit must be a whole number from 1 to 1000.")
		}
		dq.Limit = n
	}
	ds, err := h.store.Deliveries(r.Context(), dq)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	next := dq.After
	for _, d := range ds {
		out = append(out, deliveryOf(d))
		next = d.ID
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deliveries": out, "next": next})
}

func (h *handler) delivery(w http.ResponseWriter, r *http.Request, _ Caller) error {
	d, err := h.store.Delivery(r.Context(), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	out := deliveryOf(d)
	out.Event = d.Body
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) retry(w http.ResponseWriter, r *http.Request, _ Caller) error {
	var in struct{}
	if _, err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	d, err := h.store.Retry(r.Context(), r.PathValue("id"), r.PathValue("delivery_id"), h.now())
	if err != nil {
		return err
	}
	// Retrying says the receiver is mended: a webhook paused by a dead
	// delivery sends again.
	if _, err := h.store.Resume(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deliveryOf(d))
}

func (h *handler) retryDead(w http.ResponseWriter, r *http.Request, _ Caller) error {
	var in struct{}
	if _, err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	n, err := h.store.RetryDead(r.Context(), r.PathValue("id"), h.now())
	if err != nil {
		return err
	}
	e, err := h.store.Endpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retried": n, "webhook": endpointOf(e)})
}

func (h *handler) resume(w http.ResponseWriter, r *http.Request, _ Caller) error {
	var in struct{}
	if _, err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	e, err := h.store.Resume(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, endpointOf(e))
}

// Secret rotation: the old secret keeps signing (a second v1) for
// overlap_hours, DefaultOverlap unless given, at most MaxOverlap.
const (
	DefaultOverlap = 24 * time.Hour
	MaxOverlap     = 7 * 24 * time.Hour
)

// rotateSecret gives the endpoint a new secret, shown in this answer only.
// A rotation during an overlap ends the older secret at once: only the
// two newest sign.
func (h *handler) rotateSecret(w http.ResponseWriter, r *http.Request, _ Caller) error {
	var in struct {
		OverlapHours *int `json:"overlap_hours"`
	}
	if _, err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	overlap := DefaultOverlap
	if in.OverlapHours != nil {
		if *in.OverlapHours < 0 || time.Duration(*in.OverlapHours)*time.Hour > MaxOverlap {
			return invalid([]fieldProblem{{Field: "overlap_hours", Code: "out_of_range",
				Detail: fmt.Sprintf("overlap_hours must be a whole number from 0 to %d.", int(MaxOverlap/time.Hour))}})
		}
		overlap = time.Duration(*in.OverlapHours) * time.Hour
	}
	secret, err := NewSecret()
	if err != nil {
		return err
	}
	e, err := h.store.RotateSecret(r.Context(), r.PathValue("id"), secret, stored(h.now().Add(overlap)))
	if err != nil {
		return err
	}
	out := endpointOf(e)
	out.Secret = e.Secret
	return writeJSON(w, http.StatusOK, out)
}
