package zones

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrInvalidPostcode is returned (wrapped in a *PostcodeError) for any input
// that is not a valid UK postcode. Check with errors.Is.
var ErrInvalidPostcode = errors.New("invalid postcode")

// PostcodeError says which input was rejected and why; it unwraps to
// ErrInvalidPostcode.
type PostcodeError struct {
	Input  string // the input exactly as given
	Reason string // what is wrong with it, in words fit for a person
}

func (e *PostcodeError) Error() string {
	return "zones: invalid postcode " + strconv.Quote(shortenPostcodeInput(e.Input)) + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidPostcode) match every rejection.
func (e *PostcodeError) Unwrap() error { return ErrInvalidPostcode }

// maxQuotedPostcodeInput bounds how much of a rejected input an error message
// repeats, so that a pasted paragraph does not flood the logs.
const maxQuotedPostcodeInput = 40

func shortenPostcodeInput(s string) string {
	if len(s) <= maxQuotedPostcodeInput {
		return s
	}
	cut := maxQuotedPostcodeInput
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxPostcodeLen is the longest normalised postcode: "AA9A 9AA".
const maxPostcodeLen = 8

// Postcode is a validated, normalised UK postcode such as "LE11 3AB".
//
// It is a comparable value (usable as a map key; two Postcodes are equal
// exactly when their normalised forms are equal) and holds no pointers, so
// parsing allocates nothing. The zero value means "no postcode".
type Postcode struct {
	// b holds the normalised form: outward code, one space, inward code.
	// Bytes past n are always zero so that == compares the text only.
	b [maxPostcodeLen]byte
	// n is the length of the normalised form; 0 for the zero Postcode.
	n uint8
}

// outLen is the length of the outward code: everything before the space,
// because the inward code is always exactly three characters.
func (p Postcode) outLen() int {
	if p.n == 0 {
		return 0
	}
	return int(p.n) - 4
}

// ParsePostcode validates s as a UK postcode and returns it normalised.
//
// Case and whitespace around and between the outward and inward codes are
// ignored: "le113ab", " LE11  3AB " and "Le11 3aB" all give "LE11 3AB".
// Nothing else is corrected. A space inside either code ("LE1 13AB") is an
// error rather than a guess, and a letter O is never read as a zero, because
// a guess could turn a mistyped postcode into someone else's.
//
// The accepted outward codes are the six Royal Mail shapes A9, A99, AA9,
// AA99, A9A and AA9A, with the letters Royal Mail allows in each position,
// plus GIR 0AA; the inward code is a digit and two letters other than
// C, I, K, M, O and V. ParsePostcode checks the form only: it cannot know
// whether a well-formed postcode has ever been issued.
//
// Any other input gives a *PostcodeError wrapping ErrInvalidPostcode.
func ParsePostcode(s string) (Postcode, error) {
	// The significant characters, upper-cased, go into a fixed buffer so
	// that the whole parse stays on the stack.
	var c [maxPostcodeLen - 1]byte
	n := 0
	gap := -1      // how many characters precede the whitespace inside the postcode
	space := false // whether whitespace came after the last character seen
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f':
			space = true
			continue
		case ch >= 'a' && ch <= 'z':
			ch -= 'a' - 'A'
		case ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return Postcode{}, invalidPostcode(s, "contains "+strconv.QuoteRune(r)+"; a postcode has only letters, digits and spaces")
		}
		if n == len(c) {
			return Postcode{}, invalidPostcode(s, "too long: a postcode has at most 7 letters and digits")
		}
		if space && n > 0 {
			if gap >= 0 {
				return Postcode{}, invalidPostcode(s, "has more than one space inside it; only the outward and inward codes may be separated")
			}
			gap = n
		}
		space = false
		c[n] = ch
		n++
	}
	if n == 0 {
		return Postcode{}, invalidPostcode(s, "empty")
	}
	// Without a space the inward code is the last three characters; with
	// one, it is whatever follows the space, so that a misplaced space is
	// reported rather than silently moved.
	split := n - 3
	if gap >= 0 {
		split = gap
	} else if n < 5 {
		return Postcode{}, invalidPostcode(s, "too short: a postcode has at least 5 letters and digits")
	}
	out, in := c[:split], c[split:n]
	if reason := checkInwardCode(in); reason != "" {
		return Postcode{}, invalidPostcode(s, reason)
	}
	if reason := checkOutwardCode(out, in); reason != "" {
		return Postcode{}, invalidPostcode(s, reason)
	}
	var p Postcode
	copy(p.b[:], out)
	p.b[len(out)] = ' '
	copy(p.b[len(out)+1:], in)
	p.n = uint8(n + 1)
	return p, nil
}

// checkInwardCode returns why in is not a valid inward code, or "" if it is.
func checkInwardCode(in []byte) string {
	if len(in) == 3 && isPostcodeDigit(in[0]) && isInwardLetter(in[1]) && isInwardLetter(in[2]) {
		return ""
	}
	reason := "inward code " + strconv.Quote(string(in)) + " must be a digit and two letters other than C, I, K, M, O and V"
	if len(in) > 0 && in[0] == 'O' {
		// The commonest slip; say so rather than guess.
		reason += " (is the letter O meant to be a zero?)"
	}
	return reason
}

// MustParsePostcode is like ParsePostcode but panics on invalid input.
// It is meant for tests and examples with literal postcodes, never for
// user input.
func MustParsePostcode(s string) Postcode {
	p, err := ParsePostcode(s)
	if err != nil {
		panic(err)
	}
	return p
}

func invalidPostcode(input, reason string) error {
	return &PostcodeError{Input: input, Reason: reason}
}

// isInwardLetter reports whether ch may be a letter of the inward code. Royal
// Mail never uses C I K M O V there because they are too easily misread.
func isInwardLetter(ch byte) bool {
	switch ch {
	case 'C', 'I', 'K', 'M', 'O', 'V':
		return false
	}
	return ch >= 'A' && ch <= 'Z'
}

func isPostcodeLetter(ch byte) bool { return ch >= 'A' && ch <= 'Z' }
func isPostcodeDigit(ch byte) bool  { return ch >= '0' && ch <= '9' }

// checkOutwardCode returns why out is not a valid outward code, or "" if it is.
// in is the (already valid) inward code, needed for GIR 0AA.
func checkOutwardCode(out, in []byte) string {
	// GIR 0AA (the former Girobank) predates the current scheme and fits
	// none of its shapes; it is still in use, so accept exactly that one.
	if string(out) == "GIR" {
		if string(in) == "0AA" {
			return ""
		}
		return "outward code GIR is only used in GIR 0AA"
	}
	if !isPostcodeLetter(out[0]) {
		return "outward code " + strconv.Quote(string(out)) + " must start with a letter"
	}
	// Royal Mail: Q, V and X are never the first letter of an area;
	// I, J and Z never the second.
	switch out[0] {
	case 'Q', 'V', 'X':
		return "outward code " + strconv.Quote(string(out)) + " cannot start with " + string(out[0])
	}
	area := 1
	if len(out) > 1 && isPostcodeLetter(out[1]) {
		switch out[1] {
		case 'I', 'J', 'Z':
			return "outward code " + strconv.Quote(string(out)) + " cannot have " + string(out[1]) + " as its second letter"
		}
		area = 2
	}
	// After the area comes a digit, then optionally another digit or a
	// sub-district letter.
	rest := out[area:]
	switch {
	case len(rest) == 1 && isPostcodeDigit(rest[0]):
		return ""
	case len(rest) == 2 && isPostcodeDigit(rest[0]) && isPostcodeDigit(rest[1]):
		return ""
	case len(rest) == 2 && isPostcodeDigit(rest[0]) && isPostcodeLetter(rest[1]):
		// The sub-district letter is restricted, differently for
		// one- and two-letter areas.
		allowed := "ABCDEFGHJKPSTUW" // after A9
		if area == 2 {
			allowed = "ABEHMNPRVWXY" // after AA9
		}
		for i := 0; i < len(allowed); i++ {
			if allowed[i] == rest[1] {
				return ""
			}
		}
		return "outward code " + strconv.Quote(string(out)) + " cannot end in " + string(rest[1])
	}
	return "outward code " + strconv.Quote(string(out)) + " must be one or two letters followed by a digit and optionally another digit or letter"
}

// String returns the normalised form, e.g. "LE11 3AB", or "" for the zero
// Postcode.
func (p Postcode) String() string { return string(p.b[:p.n]) }

// IsZero reports whether p is the zero Postcode (no postcode).
func (p Postcode) IsZero() bool { return p.n == 0 }

// Outcode returns the outward code, e.g. "LE11" for "LE11 3AB" and "W1A"
// for "W1A 0AX".
func (p Postcode) Outcode() string { return string(p.b[:p.outLen()]) }

// Incode returns the inward code, e.g. "3AB" for "LE11 3AB".
func (p Postcode) Incode() string {
	if p.n == 0 {
		return ""
	}
	return string(p.b[p.n-3 : p.n])
}

// Area returns the postcode area: the leading letters, e.g. "LE" for
// "LE11 3AB" and "L" for "L27 8XY".
func (p Postcode) Area() string {
	i := 0
	for i < p.outLen() && isPostcodeLetter(p.b[i]) {
		i++
	}
	return string(p.b[:i])
}

// District returns the postcode district: the outward code without any
// sub-district letter, e.g. "LE11" for "LE11 3AB" and "EC1" for "EC1A 1BB".
func (p Postcode) District() string {
	n := p.outLen()
	if n > 0 && isPostcodeLetter(p.b[n-1]) && string(p.b[:n]) != "GIR" {
		n--
	}
	return string(p.b[:n])
}

// SubDistrict returns the outward code when it has a sub-district letter,
// e.g. "EC1A" for "EC1A 1BB" and "W1A" for "W1A 0AX", and "" otherwise
// (as for "LE11 3AB").
func (p Postcode) SubDistrict() string {
	n := p.outLen()
	if n > 0 && isPostcodeLetter(p.b[n-1]) && string(p.b[:n]) != "GIR" {
		return string(p.b[:n])
	}
	return ""
}

// Sector returns the postcode sector: the outward code, a space and the
// digit of the inward code, e.g. "LE11 3" for "LE11 3AB".
func (p Postcode) Sector() string {
	if p.n == 0 {
		return ""
	}
	return string(p.b[:p.n-2])
}

// Unit returns the two letters that end the postcode, e.g. "AB" for
// "LE11 3AB".
func (p Postcode) Unit() string {
	if p.n == 0 {
		return ""
	}
	return string(p.b[p.n-2 : p.n])
}

// MarshalText implements encoding.TextMarshaler with the normalised form;
// the zero Postcode marshals to empty text.
func (p Postcode) MarshalText() ([]byte, error) {
	return p.b[:p.n:p.n], nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParsePostcode's
// rules. Empty text gives the zero Postcode, so that an absent postcode
// round-trips; any other invalid text is an error.
func (p *Postcode) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*p = Postcode{}
		return nil
	}
	q, err := ParsePostcode(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
