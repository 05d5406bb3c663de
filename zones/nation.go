package zones

import (
	"errors"
	"strconv"
)

// Nation is one of the three UK bank-holiday jurisdictions. A council's
// nation decides which bank holidays its working-day deadlines skip.
//
// The zero value is not a nation: it stands for "not set", so that a scheme
// that forgets its nation is caught instead of silently counting English
// holidays.
type Nation int

// The UK nations as GOV.UK divides bank holidays. Wales shares England's
// bank holidays, so the two are one jurisdiction here as they are in law.
const (
	EnglandAndWales Nation = iota + 1
	Scotland
	NorthernIreland
)

// slug is the nation's spelling in scheme files, which is also GOV.UK's
// division name in its bank-holidays feed; "" for a value that is not a
// nation. A switch rather than a table keeps the package free of mutable
// variables.
func (n Nation) slug() string {
	switch n {
	case EnglandAndWales:
		return "england-and-wales"
	case Scotland:
		return "scotland"
	case NorthernIreland:
		return "northern-ireland"
	}
	return ""
}

// acceptedNations is listed in every rejection so that the person editing a
// scheme file sees what to write instead.
const acceptedNations = "england-and-wales, scotland, northern-ireland"

// ErrUnknownNation is returned (wrapped in a *NationError) when a text is not
// one of the accepted nation names, and when an invalid Nation value is
// marshalled. Check with errors.Is.
var ErrUnknownNation = errors.New("unknown nation")

// NationError says which input was rejected; it unwraps to ErrUnknownNation.
type NationError struct {
	Input string // the text as given, or "Nation(N)" for an invalid value
}

func (e *NationError) Error() string {
	return "zones: unknown nation " + strconv.Quote(e.Input) + "; accepted: " + acceptedNations
}

// Unwrap lets errors.Is(err, ErrUnknownNation) match every rejection.
func (e *NationError) Unwrap() error { return ErrUnknownNation }

// ParseNation reads a nation name as scheme files and GOV.UK's
// bank-holidays feed spell it: "england-and-wales", "scotland" or
// "northern-ireland", in any letter case. Surrounding spaces and other
// spellings ("England", "Wales", "NI") are rejected with a *NationError
// wrapping ErrUnknownNation: a council's calendar is too important to guess.
func ParseNation(s string) (Nation, error) {
	for n := EnglandAndWales; n <= NorthernIreland; n++ {
		if equalFoldASCII(s, n.slug()) {
			return n, nil
		}
	}
	return 0, &NationError{Input: s}
}

// equalFoldASCII compares s with a lower-case ASCII name ignoring ASCII case
// only: strings.EqualFold would also accept Unicode look-alikes such as
// "ſcotland" (long s), which no person means as a nation name.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// valid reports whether n is one of the three nations.
func (n Nation) valid() bool { return n.slug() != "" }

// String returns the scheme spelling ("england-and-wales", "scotland",
// "northern-ireland"), or "Nation(N)" for a value that is not a nation.
func (n Nation) String() string {
	if !n.valid() {
		return "Nation(" + strconv.Itoa(int(n)) + ")"
	}
	return n.slug()
}

// MarshalText writes the scheme spelling. A value that is not a nation
// (including the zero value) is an error rather than an empty string, so
// that it cannot be stored and read back as something else.
func (n Nation) MarshalText() ([]byte, error) {
	if !n.valid() {
		return nil, &NationError{Input: n.String()}
	}
	return []byte(n.slug()), nil
}

// UnmarshalText parses text as ParseNation does. On error n is unchanged.
func (n *Nation) UnmarshalText(text []byte) error {
	v, err := ParseNation(string(text))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
