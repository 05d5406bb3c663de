package zones

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidUPRN is returned (wrapped in a *UPRNError) for any text that is
// not a valid UPRN. Check with errors.Is.
var ErrInvalidUPRN = errors.New("invalid UPRN")

// UPRNError says which input was rejected as a UPRN and why; it unwraps to
// ErrInvalidUPRN.
type UPRNError struct {
	Input  string // the input exactly as given
	Reason string // what is wrong with it, in words fit for a person
}

func (e *UPRNError) Error() string {
	return "zones: invalid UPRN " + strconv.Quote(e.Input) + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidUPRN) match every rejection.
func (e *UPRNError) Unwrap() error { return ErrInvalidUPRN }

// maxUPRNDigits is the length of the longest UPRN: Ordnance Survey defines
// the UPRN as an integer of up to 12 digits.
const maxUPRNDigits = 12

// MaxUPRN is the largest valid UPRN, the largest 12-digit number.
const MaxUPRN UPRN = 999_999_999_999

// UPRN is a Unique Property Reference Number: the identifier Ordnance
// Survey's AddressBase gives every addressable location in Great Britain
// (and Northern Ireland's Pointer gives there). It stays with the property
// for its whole life, so it, not the address text, is what permits refer to.
//
// Valid UPRNs are 1 to MaxUPRN. The zero UPRN means "no property".
type UPRN uint64

// ParseUPRN validates s as a UPRN: 1 to 12 ASCII digits, not all zeros.
// Leading zeros are accepted (some exports pad to 12 digits) and dropped.
// Nothing else is tolerated, not even surrounding spaces, because a UPRN
// usually arrives from another system rather than from a person, and a
// malformed one there is a bug worth hearing about.
// Any other input gives a *UPRNError wrapping ErrInvalidUPRN.
func ParseUPRN(s string) (UPRN, error) {
	switch {
	case s == "":
		return 0, &UPRNError{Input: s, Reason: "empty"}
	case len(s) > maxUPRNDigits:
		// Checking the length first also rules out overflow below.
		return 0, &UPRNError{Input: s, Reason: "too long: a UPRN has at most 12 digits"}
	}
	var u UPRN
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, &UPRNError{Input: s, Reason: "contains " + charAt(s, i) + "; only digits are allowed"}
		}
		u = u*10 + UPRN(c-'0')
	}
	if u == 0 {
		return 0, &UPRNError{Input: s, Reason: "zero is not a UPRN"}
	}
	return u, nil
}

// charAt names the character at byte i of s (a whole rune when s is UTF-8),
// so that an error points at what to fix.
func charAt(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return "character " + strconv.QuoteRune(r)
}

// MustParseUPRN is like ParseUPRN but panics on invalid input. It is meant
// for tests and examples with literal UPRNs, never for user input.
func MustParseUPRN(s string) UPRN {
	u, err := ParseUPRN(s)
	if err != nil {
		panic(err)
	}
	return u
}

// IsZero reports whether u is the zero UPRN (no property).
func (u UPRN) IsZero() bool { return u == 0 }

// valid reports whether u is a UPRN that ParseUPRN could have returned.
func (u UPRN) valid() bool { return u >= 1 && u <= MaxUPRN }

// String returns the UPRN in decimal without leading zeros, e.g.
// "100030123456"; the zero UPRN is "0", as fmt's %d prints it, so that a
// message about the UPRN asked for names it whichever verb wrote it
// (zonestest checks that a Locator's not-found error does). The text form
// (MarshalText), not String, is what JSON and other wire formats carry: it
// is empty for the zero UPRN.
func (u UPRN) String() string {
	return strconv.FormatUint(uint64(u), 10)
}

// MarshalText implements encoding.TextMarshaler, so that JSON carries a UPRN
// as a string of digits: 12-digit numbers are beyond what some JSON readers
// hold exactly, and a UPRN is an identifier, not a quantity. The zero UPRN
// marshals to empty text; a value above MaxUPRN is an error.
func (u UPRN) MarshalText() ([]byte, error) {
	if u != 0 && !u.valid() {
		return nil, &UPRNError{Input: strconv.FormatUint(uint64(u), 10), Reason: "too long: a UPRN has at most 12 digits"}
	}
	if u == 0 {
		return []byte{}, nil
	}
	return []byte(u.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseUPRN's rules.
// Empty text gives the zero UPRN, so that an absent UPRN round-trips; any
// other invalid text is an error.
func (u *UPRN) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*u = 0
		return nil
	}
	v, err := ParseUPRN(string(text))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// Property is one addressable dwelling, as a gazetteer knows it: its UPRN,
// its address in the parts councils' gazetteers use (after BS 7666), and the
// permit zone it lies in.
type Property struct {
	UPRN UPRN
	// SubBuilding names a part of a building, e.g. "Flat 2"; empty for a
	// whole house.
	SubBuilding string
	// BuildingName is the house or building name, e.g. "Rose Cottage".
	BuildingName string
	// BuildingNumber is the number on the street, with any suffix, e.g.
	// "12" or "12A". A property has a BuildingNumber, a BuildingName or both.
	BuildingNumber string
	// Street is the street name, e.g. "Ashby Road"; it may be empty for a
	// named property that has no street.
	Street string
	// Town is the post town or locality, e.g. "Loughborough".
	Town     string
	Postcode Postcode
	// Zone is the permit zone the property lies in; the zero Zone means
	// outside every zone.
	Zone Zone
	// Location is where the property is, in WGS84 degrees, when its
	// gazetteer says so (a polygon zone map places it by this); the zero
	// LatLng when unknown.
	Location LatLng
}

// Address returns the property's address on one line, as an applicant would
// recognise it: "Flat 2, 12 Ashby Road, Loughborough, LE11 3AB". Empty parts
// are left out, and the building number shares its part with the street as
// it does on an envelope.
func (p Property) Address() string {
	// One allocation: the builder is sized first (an application builds
	// the address twice on its hot path).
	var b strings.Builder
	b.Grow(len(p.SubBuilding) + len(p.BuildingName) + len(p.BuildingNumber) + len(p.Street) + len(p.Town) + int(p.Postcode.n) + 6*2)
	add := func(s ...string) {
		if s[0] == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		for i, part := range s {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(part)
		}
	}
	add(p.SubBuilding)
	add(p.BuildingName)
	switch {
	case p.BuildingNumber != "" && p.Street != "":
		add(p.BuildingNumber, p.Street)
	default:
		add(p.BuildingNumber)
		add(p.Street)
	}
	add(p.Town)
	if p.Postcode.n > 0 {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.Write(p.Postcode.b[:p.Postcode.n])
	}
	return b.String()
}

// InZone reports whether the property lies in a permit zone.
func (p Property) InZone() bool { return !p.Zone.IsZero() }

// String returns the UPRN and the one-line address, for logs and messages.
func (p Property) String() string {
	return fmt.Sprintf("UPRN %s, %s", p.UPRN, p.Address())
}
