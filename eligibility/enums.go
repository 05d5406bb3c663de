package eligibility

import (
	"errors"
	"fmt"
)

// Scope says whose permits an allowance pool or a limit counts.
type Scope string

// The scopes. The set is closed: ParseScope rejects anything else.
const (
	// ScopeProperty counts the permits at the same property (UPRN),
	// whichever account holds them, so a second account at the same
	// address gains nothing.
	ScopeProperty Scope = "property"
	// ScopeAccount counts the permits of the same account, wherever it
	// lives.
	ScopeAccount Scope = "account"
)

// ErrUnknownScope is wrapped by ParseScope's error for a value that is not
// a Scope. Check with errors.Is.
var ErrUnknownScope = errors.New("unknown scope")

// Valid reports whether s is one of the scopes.
func (s Scope) Valid() bool { return s == ScopeProperty || s == ScopeAccount }

// ParseScope returns the scope spelled s exactly ("property" or "account");
// any other value gives an error wrapping ErrUnknownScope.
func ParseScope(s string) (Scope, error) {
	if sc := Scope(s); sc.Valid() {
		return sc, nil
	}
	return "", fmt.Errorf("eligibility: scope %q: %w (want %q or %q)", s, ErrUnknownScope, ScopeProperty, ScopeAccount)
}

// Status is the stored lifecycle state of a permit, as eligibility needs to
// see it. Whether an approved permit is upcoming, current or expired is not
// stored: it follows from its dates. It is the one permit status type:
// package permit names it permit.Status, and adds the derived states its
// Permit.StatusOn returns (upcoming, current, expired), which Valid
// rejects.
type Status string

// The statuses. The set is closed: ParseStatus rejects anything else.
const (
	StatusAwaitingPayment Status = "awaiting_payment"
	StatusPendingReview   Status = "pending_review"
	StatusApproved        Status = "approved"
	StatusRejected        Status = "rejected"
	StatusCancelled       Status = "cancelled"
	StatusWithdrawn       Status = "withdrawn"
	// StatusEnded is a permit the council closed, for example one
	// superseded when its holder moved to another zone (R7).
	StatusEnded Status = "ended"
)

// ErrUnknownStatus is wrapped by ParseStatus's error for a value that is not
// a Status. Check with errors.Is.
var ErrUnknownStatus = errors.New("unknown permit status")

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusAwaitingPayment, StatusPendingReview, StatusApproved,
		StatusRejected, StatusCancelled, StatusWithdrawn, StatusEnded:
		return true
	}
	return false
}

// holdsPlace reports whether a permit in this status occupies its place in
// an allowance pool or a limit (while it has not expired). R1: pending
// review and approved permits do; one awaiting payment does too, so that
// two applications racing through payment cannot both take the one free
// slot.
func (s Status) holdsPlace() bool {
	return s == StatusAwaitingPayment || s == StatusPendingReview || s == StatusApproved
}

// describe names the status in words for sentences shown to residents.
func (s Status) describe() string {
	switch s {
	case StatusAwaitingPayment:
		return "awaiting payment"
	case StatusPendingReview:
		return "waiting for the council's decision"
	case StatusApproved:
		return "approved"
	case StatusRejected:
		return "rejected"
	case StatusCancelled:
		return "cancelled"
	case StatusWithdrawn:
		return "withdrawn"
	case StatusEnded:
		return "ended by the council"
	}
	return fmt.Sprintf("in an unknown state (%q)", string(s))
}

// ParseStatus returns the status spelled s exactly; any other value gives an
// error wrapping ErrUnknownStatus.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("eligibility: status %q: %w", s, ErrUnknownStatus)
}

// Kind says whether a Request is for a new permit or the renewal of one.
type Kind string

// The kinds. The set is closed: ParseKind rejects anything else.
const (
	KindNew     Kind = "new"
	KindRenewal Kind = "renewal"
)

// ErrUnknownKind is wrapped by ParseKind's error for a value that is not a
// Kind. Check with errors.Is.
var ErrUnknownKind = errors.New("unknown request kind")

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool { return k == KindNew || k == KindRenewal }

// ParseKind returns the kind spelled s exactly ("new" or "renewal"); any
// other value gives an error wrapping ErrUnknownKind.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.Valid() {
		return k, nil
	}
	return "", fmt.Errorf("eligibility: request kind %q: %w (want %q or %q)", s, ErrUnknownKind, KindNew, KindRenewal)
}
