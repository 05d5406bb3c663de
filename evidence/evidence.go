package evidence

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind names a kind of document, as the council's scheme spells it
// ("utility_bill", "v5c", ...). Kinds are compared exactly.
type Kind string

// Document is what an applicant says about one piece of evidence: its kind,
// when it was issued and what it shows. File bytes are stored elsewhere.
type Document struct {
	Kind     Kind
	IssuedOn time.Time // civil date; only Y/M/D matter
	Name     string    // holder name as shown; may be empty
	Address  string    // address as shown; may be empty
	// Fields holds kind-specific values: for a tenancy agreement term_start
	// and term_end (YYYY-MM-DD) and signed ("true" or "yes"); for a V5C
	// document_reference (11 digits) and vrm.
	Fields map[string]string
}

// Check names a built-in content check a kind may enable.
type Check string

const (
	// CheckTenancy requires name, address, term_start, term_end and signed,
	// a term that parses and covers the submission date, and a signature.
	CheckTenancy Check = "tenancy"
	// CheckV5C requires a document_reference of exactly 11 digits and a vrm
	// that ParseVRM reads as the request's vehicle (so spaces,
	// hyphens and case do not matter).
	CheckV5C Check = "v5c"
)

// Field names read by the built-in checks.
const (
	FieldTermStart         = "term_start"
	FieldTermEnd           = "term_end"
	FieldSigned            = "signed"
	FieldDocumentReference = "document_reference"
	FieldVRM               = "vrm"
)

// KindRule says what a document of one kind must show to be accepted.
type KindRule struct {
	Kind Kind
	// Title is the kind in words, without an article ("utility bill"); it is
	// used inside sentences shown to applicants.
	Title string
	// MaxAgeMonths is how many calendar months back from the submission date
	// the document may be issued (see MonthsBefore); 0 means no limit.
	MaxAgeMonths int
	// RequireName and RequireAddress make Document.Name / Document.Address
	// required. A kind that requires a name is also compared with
	// Submission.HolderName.
	RequireName    bool
	RequireAddress bool
	// RequiredFields lists Document.Fields keys that must be present and not
	// blank.
	RequiredFields []string
	// Checks enables built-in content checks.
	Checks []Check
	// FreshForRenewal makes a renewal need a document issued after the
	// previous one was accepted (Submission.PreviousAcceptedOn); when that
	// date is unknown, MaxAgeMonths alone applies.
	FreshForRenewal bool
}

// Requirement is a group of kinds of which one good document is needed, such
// as proof of residency.
type Requirement struct {
	Name  string // stable identifier, e.g. "proof_of_residency"
	Title string // in words, e.g. "proof of residency"
	OneOf []Kind
}

// Action is what the applicant is asking for; requirements differ per action.
type Action string

// The actions a scheme can set requirements for.
const (
	ActionApply Action = "apply"
	// ActionFirstApplication is what a new application needs on top of
	// ActionApply's when the account has never held an issued permit at
	// its property (of any type): "proof of residency for the first
	// application only". Renewals and later applications do not need it.
	ActionFirstApplication      Action = "first_application"
	ActionRenew                 Action = "renew"
	ActionVehicleChange         Action = "vehicle_change"
	ActionAddressChangeSameZone Action = "address_change_same_zone"
	ActionApplicationNewZone    Action = "application_new_zone"
)

// ErrUnknownAction is returned (wrapped) by ParseAction for a value that is
// not one of the actions; check it with errors.Is.
var ErrUnknownAction = errors.New("unknown action")

// Actions returns every action, in a fixed order.
func Actions() []Action {
	return []Action{ActionApply, ActionFirstApplication, ActionRenew, ActionVehicleChange, ActionAddressChangeSameZone, ActionApplicationNewZone}
}

// Valid reports whether a is one of the actions.
func (a Action) Valid() bool {
	switch a {
	case ActionApply, ActionFirstApplication, ActionRenew, ActionVehicleChange, ActionAddressChangeSameZone, ActionApplicationNewZone:
		return true
	}
	return false
}

// ParseAction returns the action spelled s exactly (no case folding or
// trimming: these are identifiers in scheme files and API payloads). Any
// other value gives an error wrapping ErrUnknownAction.
func ParseAction(s string) (Action, error) {
	if a := Action(s); a.Valid() {
		return a, nil
	}
	names := make([]string, 0, 6)
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return "", fmt.Errorf("evidence: action %q: %w (want one of %s)", s, ErrUnknownAction, strings.Join(names, ", "))
}
