package evidence

import (
	"errors"
	"fmt"
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
// Errors wrap ErrInvalidVRM.
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
			return "", fmt.Errorf("%w %q: %q is not a letter or digit", ErrInvalidVRM, s, r)
		}
		if b.Len() >= 8 { // already too long: stop copying a huge input
			continue
		}
		b.WriteRune(r)
	}
	n := letters + digits
	switch {
	case n == 0:
		return "", fmt.Errorf("%w: registration is empty", ErrInvalidVRM)
	case n < 2 || n > 7:
		return "", fmt.Errorf("%w %q: a registration has 2 to 7 letters and digits, this has %d", ErrInvalidVRM, s, n)
	case letters == 0 || digits == 0:
		return "", fmt.Errorf("%w %q: a registration has both letters and digits", ErrInvalidVRM, s)
	}
	return VRM(b.String()), nil
}

// String returns the registration in canonical form.
func (v VRM) String() string { return string(v) }
