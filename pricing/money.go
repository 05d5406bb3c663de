package pricing

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Currency is the ISO 4217 code of every amount in this package.
const Currency = "GBP"

// maxMoneyIntDigits bounds the pounds part of a parsed amount: no permit
// costs a billion pounds, and the bound keeps pence inside an int64.
const maxMoneyIntDigits = 9

// ErrInvalidMoney is returned (wrapped in a *MoneyError) by ParseMoney for
// any input that is not an amount of money. Check with errors.Is.
var ErrInvalidMoney = errors.New("invalid money amount")

// MoneyError says which input ParseMoney rejected and why; it unwraps to
// ErrInvalidMoney.
type MoneyError struct {
	Input  string // the input exactly as given
	Reason string // what is wrong with it, in words fit for a person
}

func (e *MoneyError) Error() string {
	return "pricing: invalid money amount " + strconv.Quote(e.Input) + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidMoney) match every rejection.
func (e *MoneyError) Unwrap() error { return ErrInvalidMoney }

// ParseMoney reads a non-negative amount of pounds with at most two decimal
// places: "55", "55.0", "55.00" and "0.5" are accepted. The result is exact
// and has two decimal places, so "0.5" is 0.50.
//
// Rejected, each with a *MoneyError naming the reason: the empty string, a
// sign ("-1", "+1"), a currency symbol ("£55"; the currency is always
// Currency), surrounding or inner spaces, exponents ("1e2"), thousands
// separators ("1,000"), a point without digits on both sides ("55.", ".5"),
// a leading zero ("055"), more than two decimal places ("55.001", even
// "55.000": scheme files state prices in pence) and more than nine digits
// before the point.
func ParseMoney(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, moneyErr(s, "is empty")
	}
	var pounds, pence int64
	intDigits, fracDigits := 0, 0
	point := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if point < 0 {
				if intDigits == 1 && pounds == 0 {
					return decimal.Decimal{}, moneyErr(s, "has a leading zero")
				}
				if intDigits == maxMoneyIntDigits {
					return decimal.Decimal{}, moneyErr(s, "is too large: at most 9 digits before the decimal point")
				}
				pounds = pounds*10 + int64(c-'0')
				intDigits++
				continue
			}
			if fracDigits == 2 {
				return decimal.Decimal{}, moneyErr(s, "has more than two decimal places; amounts are whole pence")
			}
			pence = pence*10 + int64(c-'0')
			fracDigits++
		case c == '.':
			if point >= 0 {
				return decimal.Decimal{}, moneyErr(s, "has more than one decimal point")
			}
			if intDigits == 0 {
				return decimal.Decimal{}, moneyErr(s, "needs a digit before the decimal point, as in \"0.50\"")
			}
			point = i
		default:
			return decimal.Decimal{}, moneyErr(s, describeMoneyChar(s, i))
		}
	}
	if point >= 0 && fracDigits == 0 {
		return decimal.Decimal{}, moneyErr(s, "needs one or two digits after the decimal point")
	}
	if fracDigits == 1 {
		pence *= 10
	}
	return decimal.New(pounds*100+pence, -2), nil
}

// describeMoneyChar explains why the character at s[i] cannot appear in an
// amount, naming the usual culprits so that a council officer can fix the
// scheme file without guessing.
func describeMoneyChar(s string, i int) string {
	switch c := s[i]; {
	case c == '-' && i == 0:
		return "is negative; amounts are never below 0.00"
	case c == '+' && i == 0:
		return "has a sign; write the amount alone, as in \"55.00\""
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return "contains a space; write the amount alone, as in \"55.00\""
	case c == 'e' || c == 'E':
		return "uses exponent notation; write the amount in full, as in \"100.00\""
	case c == ',':
		return "contains a comma; write the amount without separators, as in \"1000.00\""
	case strings.HasPrefix(s[i:], "£") || c == '$':
		return "contains a currency symbol; write the amount alone, as in \"55.00\" (the currency is always " + Currency + ")"
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return "contains " + strconv.QuoteRune(r) + "; only digits and one decimal point are allowed"
}

func moneyErr(s, reason string) error { return &MoneyError{Input: s, Reason: reason} }

// FormatMoney writes d with exactly two decimal places and no currency
// symbol, as the HTTP API and scheme files do: "55.00", "0.00", "0.50".
// An amount with fractions of a penny is rounded half away from zero; the
// amounts this package produces are always whole pence, so for them the
// rounding never changes anything.
func FormatMoney(d decimal.Decimal) string {
	return d.StringFixed(2)
}

// pounds writes d for a sentence: "£55.00".
func pounds(d decimal.Decimal) string { return "£" + FormatMoney(d) }

// zeroPence is 0.00, with the two places that amounts in this package carry.
func zeroPence() decimal.Decimal { return decimal.New(0, -2) }

// isWholePence reports whether d has no fraction of a penny.
func isWholePence(d decimal.Decimal) bool { return d.Equal(d.Truncate(2)) }
