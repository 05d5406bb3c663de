package pricing

import (
	"errors"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// RefundKind is what a council refunds when a holder cancels a permit.
type RefundKind string

const (
	// RefundNone refunds nothing: Leicestershire's permits are non-refundable.
	RefundNone RefundKind = "none"
	// RefundProRata refunds the amount paid in proportion to the unused whole
	// months, rounded down to the penny, less any admin fee.
	RefundProRata RefundKind = "pro_rata"
	// RefundFull refunds the whole amount paid, less any admin fee, when
	// cancelled on or before the expiry date.
	RefundFull RefundKind = "full"
)

// ErrInvalidRefundPolicy is returned (wrapped in a *RefundPolicyError) for a
// refund kind or policy that is not valid. Check with errors.Is.
var ErrInvalidRefundPolicy = errors.New("invalid refund policy")

// RefundPolicyError names the field of a refund policy at fault and why;
// it unwraps to ErrInvalidRefundPolicy.
type RefundPolicyError struct {
	Field  string // "Kind" or "AdminFee"
	Value  string // the value given
	Reason string
}

func (e *RefundPolicyError) Error() string {
	return "pricing: invalid refund policy: " + e.Field + " " + strconv.Quote(e.Value) + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidRefundPolicy) match.
func (e *RefundPolicyError) Unwrap() error { return ErrInvalidRefundPolicy }

// ParseRefundKind accepts exactly "none", "pro_rata" or "full"; anything
// else is a *RefundPolicyError wrapping ErrInvalidRefundPolicy.
func ParseRefundKind(s string) (RefundKind, error) {
	switch k := RefundKind(s); k {
	case RefundNone, RefundProRata, RefundFull:
		return k, nil
	}
	return "", &RefundPolicyError{Field: "Kind", Value: s, Reason: `want "none", "pro_rata" or "full"`}
}

// RefundPolicy is a council's rule for cancellations.
//
// The zero value refunds nothing, like RefundNone, so a policy that was
// never configured can never pay out; Validate still rejects it, so that
// a scheme file has to say what it means.
type RefundPolicy struct {
	Kind RefundKind
	// AdminFee is deducted from a pro-rata or full refund; 0.00 or more,
	// whole pence, and only with a kind that refunds something.
	AdminFee decimal.Decimal
}

// NewRefundPolicy returns a validated policy, or the errors Validate gives.
func NewRefundPolicy(kind RefundKind, adminFee decimal.Decimal) (RefundPolicy, error) {
	p := RefundPolicy{Kind: kind, AdminFee: adminFee}
	if err := p.Validate(); err != nil {
		return RefundPolicy{}, err
	}
	return p, nil
}

// Validate reports every problem with p, each a *RefundPolicyError wrapping
// ErrInvalidRefundPolicy (joined with errors.Join when there are several).
func (p RefundPolicy) Validate() error {
	var errs []error
	if _, err := ParseRefundKind(string(p.Kind)); err != nil {
		errs = append(errs, err)
	}
	fee := func(reason string) {
		errs = append(errs, &RefundPolicyError{Field: "AdminFee", Value: p.AdminFee.String(), Reason: reason})
	}
	switch {
	case p.AdminFee.IsNegative():
		fee("is negative")
	case !isWholePence(p.AdminFee):
		fee("has a fraction of a penny")
	case !p.AdminFee.IsZero() && p.Kind == RefundNone:
		fee(`is set but Kind is "none": there is no refund to deduct it from`)
	}
	return errors.Join(errs...)
}

// Refund is what a cancellation pays back and why.
type Refund struct {
	Amount   decimal.Decimal // paid back to the holder; 0.00 or more
	AdminFee decimal.Decimal // the part of the admin fee actually deducted; 0.00 or more
	// Reason is one sentence for the holder, such as
	// "£22.91: 5 of 12 whole months unused, so 5/12 of the £55.00 paid, rounded down to the penny."
	Reason string
	// UnusedMonths and TotalMonths are the whole months counted (see the
	// package documentation), whatever the policy.
	UnusedMonths, TotalMonths int
}

// Refund works out what cancelling, on cancelledOn, a permit that runs from
// startsOn to expiresOn (both inclusive) and cost paid gives back under p.
// The rules are in the package documentation; in short: whole unused months
// from the cancellation date, pro rata rounded down to the penny, the admin
// fee deducted, never negative, 0.00 for a free permit or after expiry.
//
// Refund trusts p to be valid: a kind it does not know refunds nothing, and
// a negative admin fee is not deducted.
func (p RefundPolicy) Refund(paid decimal.Decimal, startsOn, expiresOn, cancelledOn time.Time) Refund {
	start, expiry, cancelled := civil.Of(startsOn), civil.Of(expiresOn), civil.Of(cancelledOn)
	end := expiry.AddDays(1)
	beforeStart := cancelled.Days() < start.Days()
	from := cancelled
	if beforeStart {
		from = start
	}
	r := Refund{
		Amount:       zeroPence(),
		AdminFee:     zeroPence(),
		UnusedMonths: wholeMonths(from, end),
		TotalMonths:  wholeMonths(start, end),
	}

	var gross decimal.Decimal // the refund before the admin fee, whole pence
	var basis string          // how gross was reached, for Reason
	roundedDown := false
	switch {
	case paid.Sign() <= 0:
		r.Reason = "Nothing to refund: nothing was paid for this permit."
		return r
	case p.Kind != RefundProRata && p.Kind != RefundFull:
		r.Reason = "Nothing to refund: permits are non-refundable."
		return r
	case cancelled.Days() > expiry.Days():
		r.Reason = "Nothing to refund: the permit expired on " + expiry.Long() + ", before it was cancelled."
		return r
	case p.Kind == RefundFull:
		gross = paid.RoundDown(2)
		basis = "a full refund of the " + pounds(paid) + " paid"
	case r.UnusedMonths == 0 || r.TotalMonths == 0:
		r.Reason = "Nothing to refund: no whole month of the permit is left unused, and a part month is not refunded."
		return r
	default:
		unused, total := strconv.Itoa(r.UnusedMonths), strconv.Itoa(r.TotalMonths)
		// QuoRem truncates exactly at the penny, where Div would first round
		// at its package-wide precision and could round a share up.
		var rest decimal.Decimal
		gross, rest = paid.Mul(decimal.NewFromInt(int64(r.UnusedMonths))).
			QuoRem(decimal.NewFromInt(int64(r.TotalMonths)), 2)
		roundedDown = !rest.IsZero()
		basis = unused + " of " + total + " whole months unused"
		if beforeStart {
			basis += " (cancelled before the start date)"
		}
		basis += ", so " + unused + "/" + total + " of the " + pounds(paid) + " paid"
	}

	fee := p.AdminFee
	if !fee.IsPositive() {
		r.Amount = gross
		r.Reason = pounds(gross) + ": " + basis
		if roundedDown {
			r.Reason += ", rounded down to the penny"
		}
		r.Reason += "."
		return r
	}
	if p.Kind == RefundProRata {
		basis += " (" + pounds(gross)
		if roundedDown {
			basis += ", rounded down to the penny"
		}
		basis += ")"
	}
	basis += " less the " + pounds(fee) + " admin fee"
	if fee.GreaterThanOrEqual(gross) {
		r.AdminFee = gross
		r.Reason = pounds(r.Amount) + ": " + basis + ", which leaves nothing."
		return r
	}
	r.AdminFee = fee
	r.Amount = gross.Sub(fee)
	r.Reason = pounds(r.Amount) + ": " + basis + "."
	return r
}
