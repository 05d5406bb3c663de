package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// Sentinel errors of the Store and the Dispatcher. Check with errors.Is.
var (
	// ErrNotFound: no endpoint or delivery has that ID (for that endpoint).
	ErrNotFound = errors.New("webhook: not found")
	// ErrConflict: an ID or idempotency key is taken, or the fan-out
	// cursor moved since it was read (another instance fanned out).
	ErrConflict = errors.New("webhook: conflict")
	// ErrLeaseLost: a delivery's lease ran out and another claim took it,
	// or its endpoint was deleted, before the attempt's result was saved.
	ErrLeaseLost = errors.New("webhook: lease lost")
	// ErrNotRetryable: a delivered delivery cannot be retried.
	ErrNotRetryable = errors.New("webhook: delivery is not retryable")
	// ErrValidation: an argument is out of range.
	ErrValidation = errors.New("webhook: invalid argument")
)

// Status is where a delivery stands.
type Status string

// Delivery statuses.
const (
	// StatusPending: not yet delivered; due at NextAttemptAt, unless an
	// earlier delivery of the same permit to the same endpoint is pending,
	// which holds it back, or the endpoint is paused.
	StatusPending Status = "pending"
	// StatusDelivered: the endpoint answered 2xx.
	StatusDelivered Status = "delivered"
	// StatusDead: every attempt for RetryFor (or MaxAttempts attempts)
	// failed; nothing more is tried until an officer retries it. It pauses
	// its endpoint, and holds back nothing once the endpoint is resumed.
	StatusDead Status = "dead"
)

// ParseStatus reads a Status; anything else wraps ErrValidation.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPending, StatusDelivered, StatusDead:
		return st, nil
	}
	return "", fmt.Errorf("%w: status %q is not pending, delivered or dead", ErrValidation, clip(s, 40))
}

// Endpoint is a registered receiver.
type Endpoint struct {
	ID          string
	URL         string
	Description string
	// EventTypes filters what is sent: an exact type (permit.approved) or
	// a family (permit.*). Empty sends every event.
	EventTypes []string
	// Secret is the HMAC key, stored as is: the server needs it to sign.
	Secret string
	// PreviousSecret, after a rotation, also signs every request until
	// PreviousSecretUntil, so a receiver can switch keys without losing a
	// delivery; "" for none.
	PreviousSecret      string
	PreviousSecretUntil time.Time
	// PausedAt is when a dead delivery paused the endpoint (zero: active):
	// nothing is sent to it until an officer resumes it. PausedReason
	// says which delivery died and why.
	PausedAt     time.Time
	PausedReason string
	CreatedAt    time.Time
	CreatedBy    string // who registered it, as recorded on events ("officer-1a2b3c4d")
	// IdempotencyKey is the registering request's key (scoped to its
	// caller), "" for none; RequestHash fingerprints that request, so a
	// replay with another body is told apart.
	IdempotencyKey string
	RequestHash    string
}

// Secrets are the keys that sign a request sent at t: the secret, and the
// previous one while its overlap lasts.
func (e Endpoint) Secrets(t time.Time) []string {
	if e.PreviousSecret != "" && t.Before(e.PreviousSecretUntil) {
		return []string{e.Secret, e.PreviousSecret}
	}
	return []string{e.Secret}
}

// Wants reports whether events of type t go to the endpoint.
func (e Endpoint) Wants(t string) bool {
	if len(e.EventTypes) == 0 {
		return true
	}
	for _, f := range e.EventTypes {
		if f == t || strings.HasSuffix(f, ".*") && strings.HasPrefix(t, f[:len(f)-1]) {
			return true
		}
	}
	return false
}

// Delivery is one event to one endpoint, through all its attempts.
type Delivery struct {
	// ID is assigned by the Store: decimal digits, increasing in the order
	// deliveries were enqueued (compare as numbers, not strings).
	ID         string
	EndpointID string
	EventID    string
	EventType  string
	PermitID   string
	AccountID  string
	// OrderKey groups the deliveries sent in order (OrderKeyOf).
	OrderKey string
	// Body is the JSON sent, the same for every attempt.
	Body          []byte
	Status        Status
	Attempts      int // attempts made since enqueued or retried by hand
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// RetryingSince is when the current round of attempts began: when the
	// delivery was enqueued, or retried by hand. Retries stop RetryFor
	// after it.
	RetryingSince time.Time
	// The last attempt: when, the HTTP status (0 when none came back) and
	// what went wrong ("" when it succeeded).
	LastAttemptAt  time.Time
	LastStatusCode int
	LastError      string
	DeliveredAt    time.Time
	// LeaseToken is set on deliveries returned by Claim and must be given
	// back to Complete.
	LeaseToken string
}

// OrderKeyOf is the group within which an endpoint gets events in feed
// order: the permit, else the account (address changes), else the event
// alone.
func OrderKeyOf(e permit.Event) string {
	switch {
	case e.PermitID != "":
		return "permit:" + e.PermitID
	case e.AccountID != "":
		return "account:" + e.AccountID
	}
	return "event:" + e.ID
}

// Result is the outcome of one attempt, as Complete saves it.
type Result struct {
	DeliveryID string
	LeaseToken string
	At         time.Time
	// Status is the delivery's new status: Delivered, Pending (to be tried
	// again at NextAttemptAt) or Dead.
	Status        Status
	NextAttemptAt time.Time
	StatusCode    int
	Error         string
	// PauseReason, with Status Dead, pauses the endpoint (unless it is
	// paused already) saying why.
	PauseReason string
}

// DeliveryQuery selects deliveries of one endpoint.
type DeliveryQuery struct {
	EndpointID string
	Status     Status // "" for any
	After      string // a delivery ID; "" for the start
	Limit      int    // 1 to 1000
}

// Store keeps endpoints, the fan-out cursor and deliveries, shared by
// every server instance that uses it. Times are kept to the microsecond,
// in UTC.
// MemoryStore and SQLStore implement it; RunStoreTests-style tests in
// this package hold both to the same semantics.
type Store interface {
	// CreateEndpoint stores a new endpoint. ErrConflict when its ID, or
	// its non-empty IdempotencyKey, is taken.
	CreateEndpoint(ctx context.Context, e Endpoint) error
	// Endpoint returns one endpoint; ErrNotFound when there is none.
	Endpoint(ctx context.Context, id string) (Endpoint, error)
	// EndpointByIdempotencyKey returns the endpoint registered with key;
	// ErrNotFound when there is none.
	EndpointByIdempotencyKey(ctx context.Context, key string) (Endpoint, error)
	// Endpoints returns every endpoint, oldest (CreatedAt, then ID) first.
	Endpoints(ctx context.Context) ([]Endpoint, error)
	// DeleteEndpoint removes an endpoint and its deliveries. ErrNotFound
	// when there is none.
	DeleteEndpoint(ctx context.Context, id string) error

	// Cursor is the feed position fanned out so far ("" for the start).
	Cursor(ctx context.Context) (string, error)
	// Enqueue atomically moves the cursor from from to to and adds the
	// deliveries, in order, each with Status pending and no attempts. A
	// delivery whose endpoint no longer exists, or whose (EndpointID,
	// EventID) is already enqueued, is skipped. ErrConflict, with nothing
	// changed, when the cursor is not from.
	Enqueue(ctx context.Context, from, to string, ds []Delivery) error

	// Claim leases up to limit pending deliveries due at now, each the
	// oldest pending delivery of its (EndpointID, OrderKey), whose lease
	// (if any) has run out and whose endpoint is not paused, soonest due
	// first, until leaseUntil.
	// Each has a new LeaseToken. No two claims overlapping in time get the
	// same delivery. A limit below 1 wraps ErrValidation.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// Complete saves an attempt's result: one more attempt, the new
	// status, and the lease released; a dead delivery with a PauseReason
	// pauses its endpoint at r.At, in the same step. ErrLeaseLost when the
	// delivery is no longer held with r.LeaseToken.
	Complete(ctx context.Context, r Result) error

	// Deliveries lists an endpoint's deliveries in ID order after
	// q.After. ErrNotFound when the endpoint does not exist; a Limit
	// outside 1..1000 or a malformed After wraps ErrValidation.
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	// Delivery returns one delivery of an endpoint; ErrNotFound when the
	// endpoint has no such delivery.
	Delivery(ctx context.Context, endpointID, id string) (Delivery, error)
	// Retry makes a pending or dead delivery due at now with a fresh
	// round of attempts (Attempts 0, RetryingSince now, status pending; a
	// lease held by an attempt in flight is kept). ErrNotFound as for
	// Delivery; ErrNotRetryable when it was delivered.
	Retry(ctx context.Context, endpointID, id string, now time.Time) (Delivery, error)
	// RetryDead retries, as Retry does, every dead delivery of an
	// endpoint, resumes the endpoint, and says how many it retried.
	// ErrNotFound when the endpoint does not exist.
	RetryDead(ctx context.Context, endpointID string, now time.Time) (int, error)
	// Resume lets deliveries to a paused endpoint go again (its dead
	// deliveries stay dead, holding nothing back) and returns it.
	// ErrNotFound when there is none.
	Resume(ctx context.Context, id string) (Endpoint, error)
	// RotateSecret makes secret the endpoint's secret; the current one
	// becomes PreviousSecret until previousUntil. It returns the endpoint.
	// ErrNotFound when there is none.
	RotateSecret(ctx context.Context, id, secret string, previousUntil time.Time) (Endpoint, error)
	// PurgeDelivered deletes delivered deliveries delivered before the
	// instant, and says how many.
	PurgeDelivered(ctx context.Context, before time.Time) (int, error)
}

// stored keeps an instant as stores do: in UTC, to the microsecond.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func checkQuery(q DeliveryQuery) error {
	if q.Limit < 1 || q.Limit > 1000 {
		return fmt.Errorf("%w: limit %d is not from 1 to 1000", ErrValidation, q.Limit)
	}
	if q.Status != "" {
		if _, err := ParseStatus(string(q.Status)); err != nil {
			return err
		}
	}
	if q.After != "" {
		if _, err := parseDeliveryID(q.After); err != nil {
			return err
		}
	}
	return nil
}

// parseDeliveryID reads a delivery ID: 1 to 18 decimal digits, no sign or
// leading zero.
func parseDeliveryID(s string) (int64, error) {
	if s == "" || len(s) > 18 || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%w: %q is not a delivery ID", ErrValidation, clip(s, 40))
	}
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

func cloneEndpoint(e Endpoint) Endpoint {
	e.EventTypes = slices.Clone(e.EventTypes)
	return e
}
