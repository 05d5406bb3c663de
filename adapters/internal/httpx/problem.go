package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// ProblemTypePrefix starts every problem's type URI,
// "urn:carerpermit:problem:<code>": stable names integrators may switch
// on, not pages to fetch (RFC 9457 allows a non-resolvable URI; "code"
// carries the same word for convenience).
const ProblemTypePrefix = "urn:carerpermit:problem:"

// The error codes every API adapter answers with, as docs/API.md lists
// them. Codes are a contract: add new ones, never rename.
const (
	CodeInvalidJSON          = "invalid_json"
	CodeValidationFailed     = "validation_failed"
	CodeNotFound             = "not_found"
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeInvalidTransition    = "invalid_transition"
	CodeConflict             = "conflict"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeInternal             = "internal_error"
	CodeUnavailable          = "unavailable"
)

// FieldProblem is one entry of a problem's "errors" list.
type FieldProblem struct {
	Field       string `json:"field"`
	Code        string `json:"code"`
	Detail      string `json:"detail"`
	Requirement string `json:"requirement,omitempty"`
}

// Problem is an RFC 9457 problem details document with the members every
// answer of the API may carry. An adapter with extension members of its
// own embeds it in a struct of its own.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Code      string         `json:"code"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []FieldProblem `json:"errors,omitempty"`
}

// Title is a problem's short, fixed summary for its status.
func Title(status int) string {
	switch status {
	case http.StatusPaymentRequired:
		return "Payment failed"
	case http.StatusUnprocessableEntity:
		return "Unprocessable request"
	}
	return http.StatusText(status)
}

// Error is an error an adapter answers with a problem document: the
// status, the code and a sentence for the client, the field problems, the
// headers sent with it (Allow, Retry-After, WWW-Authenticate) and the
// cause, which is logged and never sent.
type Error struct {
	Status int
	Code   string
	Detail string
	Errors []FieldProblem
	Header http.Header
	Cause  error
}

// NewError is an Error with no field problems, headers or cause.
func NewError(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Detail + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Detail
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Document is the problem document of e at instance (the request's path).
func (e *Error) Document(instance, requestID string) Problem {
	return Problem{Type: ProblemTypePrefix + e.Code, Title: Title(e.Status), Status: e.Status, Code: e.Code,
		Detail: e.Detail, Instance: instance, RequestID: requestID, Errors: e.Errors}
}

// WriteProblem sends doc, a Problem or a struct that embeds one, as
// application/problem+json with status and the headers given.
func WriteProblem(w http.ResponseWriter, status int, header http.Header, doc any) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(doc)
}

// BadRequest is a request the server could not read (400): a malformed
// query parameter, header or body, named by field.
func BadRequest(field, code, detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed, Detail: detail,
		Errors: []FieldProblem{{Field: field, Code: code, Detail: detail}}}
}

// InvalidJSON is a JSON body DecodeJSON refused (400 invalid_json), with
// the field at fault when there is one.
func InvalidJSON(je *JSONError) *Error {
	e := NewError(http.StatusBadRequest, CodeInvalidJSON, je.Detail)
	if je.Field != "" {
		e.Errors = []FieldProblem{{Field: je.Field, Code: CodeInvalidJSON, Detail: je.Detail}}
	}
	return e
}

// Unauthorized is a request without valid credentials (401), with the
// challenge to send a bearer token.
func Unauthorized(detail string) *Error {
	e := NewError(http.StatusUnauthorized, CodeUnauthorized, detail)
	e.Header = http.Header{"Www-Authenticate": {`Bearer realm="permits"`}}
	return e
}

// TooLarge is a body over limit bytes (413).
func TooLarge(limit int64) *Error {
	return NewError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", limit))
}

// NoSuchPath is a path no route matches (404).
func NoSuchPath() *Error {
	return NewError(http.StatusNotFound, CodeNotFound, "There is no such path in this API.")
}

// MethodNotAllowed is a method the path does not allow (405), with the
// ones it does.
func MethodNotAllowed(method string, allow []string) *Error {
	e := NewError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "This path does not allow "+method+".")
	e.Header = http.Header{"Allow": allow}
	return e
}

// Unavailable is a database that cannot be reached (503): nothing was
// changed, try again in a few seconds.
func Unavailable(cause error) *Error {
	e := NewError(http.StatusServiceUnavailable, CodeUnavailable, "The permit service cannot reach its database just now; nothing was changed. Try again in a few seconds.")
	e.Header, e.Cause = http.Header{"Retry-After": {"5"}}, cause
	return e
}

// Busy is a request that ran out of time on the server (503).
func Busy(cause error) *Error {
	e := NewError(http.StatusServiceUnavailable, CodeUnavailable, "The server is busy; try again shortly.")
	e.Header, e.Cause = http.Header{"Retry-After": {"1"}}, cause
	return e
}

// Internal is a failure of the server's own (500); the client is told to
// quote the request ID, the cause is logged.
func Internal(cause error) *Error {
	e := NewError(http.StatusInternalServerError, CodeInternal, "The server could not complete the request. It has been logged; quote the request ID if you contact the council.")
	e.Cause = cause
	return e
}

// ReadJSONBody reads a request's JSON body of at most limit bytes before
// anything happens, so a request that is too large, of the wrong type or
// cut short changes nothing. An empty body is an error when required,
// and otherwise returned as empty. Every error is an *Error: 413, 415, or
// 400 invalid_json, whose Cause is the read error (an
// os.ErrDeadlineExceeded when a read deadline passed).
func ReadJSONBody(w http.ResponseWriter, r *http.Request, limit int64, required bool) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, TooLarge(limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			return nil, TooLarge(limit)
		}
		e := NewError(http.StatusBadRequest, CodeInvalidJSON, "The request body could not be read to its end.")
		e.Cause = err
		return nil, e
	}
	if len(data) == 0 {
		if required {
			return nil, NewError(http.StatusBadRequest, CodeInvalidJSON, "The request needs a JSON body.")
		}
		return data, nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, NewError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Send the body as application/json.")
	}
	return data, nil
}
