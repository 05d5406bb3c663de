package permit

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/carerpermit/carerpermit/evidence"
)

// Sentinel errors. Every error the Service and the ports return wraps one of
// these (or a sentinel of a domain package such as zones.ErrInvalidPostcode),
// so callers check categories with errors.Is and read details from the
// typed errors below with errors.As.
var (
	// ErrNotFound: the account, permit, address change, vehicle change or
	// payment does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the actor may not do this at all, such as an account
	// approving an application (only officers decide) or a read-only
	// integration changing anything. An account acting on another
	// account's account or permit gets ErrNotFound instead, so that
	// nothing says whether it exists.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: a concurrent change won (stale version, a free slot
	// already claimed, a duplicate ID). Retrying the whole operation is safe.
	ErrConflict = errors.New("conflict")
	// ErrInvalidTransition: the permit's state does not allow the operation.
	// The concrete error is a *TransitionError.
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrValidation: a field of the request is malformed. The concrete error
	// is a *ValidationError naming every field.
	ErrValidation = errors.New("validation failed")
	// ErrNotEligible: the scheme's rules refuse the application or renewal.
	// The concrete error is a *NotEligibleError carrying the Decision.
	ErrNotEligible = errors.New("not eligible")
	// ErrEvidence: the documents given do not satisfy the scheme. The
	// concrete error is an *EvidenceError carrying every problem.
	ErrEvidence = errors.New("evidence not accepted")
	// ErrDifferentZone: a move to an address in another permit zone; a new
	// application is needed. The concrete error is a *DifferentZoneError.
	ErrDifferentZone = errors.New("different zone")
	// ErrVRMInUse: the registration is already on another live permit of
	// the same type at the property.
	ErrVRMInUse = errors.New("registration already on a live permit")
	// ErrPaymentFailed: the payment provider refused or failed.
	ErrPaymentFailed = errors.New("payment failed")
	// ErrUnavailable: a store or provider cannot be reached right now (a
	// database restarting, a network fault). Nothing was decided; the same
	// request may be retried later.
	ErrUnavailable = errors.New("unavailable")
	// ErrInvalidVRM: a vehicle registration mark that is not one. It is
	// evidence.ErrInvalidVRM, the one parser's sentinel.
	ErrInvalidVRM = evidence.ErrInvalidVRM
)

// FieldError is one invalid field of a request.
type FieldError struct {
	Field  string // request field name, snake_case as in the HTTP API
	Code   string // stable code, e.g. "invalid_vrm", "required"
	Detail string // one sentence for the person who sent it
}

// ValidationError lists every invalid field of one request.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 1 {
		return fmt.Sprintf("permit: %s: %s", e.Fields[0].Field, e.Fields[0].Detail)
	}
	return fmt.Sprintf("permit: %d fields invalid, first %s: %s", len(e.Fields), e.Fields[0].Field, e.Fields[0].Detail)
}

func (e *ValidationError) Unwrap() error { return ErrValidation }

// add records a problem with a field; nil-safe builder used by validation code.
func (e *ValidationError) add(field, code, detail string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Code: code, Detail: detail})
}

// err returns e as an error when it holds a problem, nil otherwise. The
// error is a copy, so that a ValidationError gathered on the stack stays
// there when there is no problem.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	c := *e
	return &c
}

// quote puts a value the caller gave inside quotes in an error's wording,
// escaped, so that an empty or odd value is still visible.
func quote(s string) string { return strconv.Quote(s) }
