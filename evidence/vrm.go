package evidence

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidVRM is wrapped by every error of ParseVRM; check it with
// errors.Is.
var ErrInvalidVRM = errors.New("invalid vehicle registration")

// VRM is a vehicle registration mark in canonical form: upper case letters
// and digits without spaces ("AB12CDE"). The zero value is no vehicle.
type VRM string

// ParseVRM normalises a registration as a resident types it ("ab12 cde",
// "AB12-CDE") and checks it could be a UK registration: 2 to 7 letters and
// digits with at least one of each. Spaces, tabs and hyphens are ignored
// and letters are upper-cased. Current, prefix, suffix and dateless formats
// all pass; the DVLA, not this library, knows whether a mark is issued.
// Errors are a *VRMError, which wraps ErrInvalidVRM.
func ParseVRM(s string) (VRM, error) {
	var b strings.Builder
	letters, digits := 0, 0
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '-':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
			letters++
		case r >= 'A' && r <= 'Z':
			letters++
		case r >= '0' && r <= '9':
			digits++
		default:
			return "", &VRMError{Input: s, Detail: fmt.Sprintf("A vehicle registration has only letters and digits, such as AB12 CDE; %q is neither.", r)}
		}
		if b.Len() >= 8 { // already too long: stop copying a huge input
			continue
		}
		b.WriteRune(r)
	}
	n := letters + digits
	switch {
	case n == 0:
		return "", &VRMError{Input: s, Detail: "Enter the vehicle registration, such as AB12 CDE."}
	case n < 2 || n > 7:
		return "", &VRMError{Input: s, Detail: fmt.Sprintf("A vehicle registration has 2 to 7 letters and digits, such as AB12 CDE; %s has %d.", shown(s), n)}
	case digits == 0:
		return "", &VRMError{Input: s, Detail: fmt.Sprintf("A vehicle registration has both letters and digits, such as AB12 CDE; %s has no digits.", shown(s))}
	case letters == 0:
		return "", &VRMError{Input: s, Detail: fmt.Sprintf("A vehicle registration has both letters and digits, such as AB12 CDE; %s has no letters.", shown(s))}
	}
	return VRM(b.String()), nil
}

// VRMError is why ParseVRM refused a registration. Its message is one
// sentence for the person who typed it, fit to show them as it is.
type VRMError struct {
	Input  string // what was given
	Detail string // why it is not a registration, and what one looks like
}

// Error returns Detail: the sentence is the message.
func (e *VRMError) Error() string { return e.Detail }

// Unwrap returns ErrInvalidVRM.
func (e *VRMError) Unwrap() error { return ErrInvalidVRM }

// shown quotes what a resident typed, shortened when it is long.
func shown(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 12 {
		s = string(r[:12]) + "…"
	}
	return strconv.Quote(s)
}

// String returns the registration in canonical form.
func (v VRM) String() string { return string(v) }
