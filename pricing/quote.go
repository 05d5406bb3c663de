package pricing

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// ErrFreeReasonMissing is returned by Quote when asked for a free quote
// without a reason: this package exists to say why a permit is free. Check
// with errors.Is.
var ErrFreeReasonMissing = errors.New("a free quote needs a reason")

// Quote is what a permit costs and why.
type Quote struct {
	Amount decimal.Decimal // what the applicant pays; 0.00 when free
	Free   bool            // the permit takes a free allowance
	// Reason is one sentence for the applicant, such as
	// "£55.00: the tariff for essential-carer in force from 1 April 2025."
	Reason string
	// Tariff is the row that prices the permit; it is also set when the
	// permit is free, for information, unless no row is in force.
	Tariff Tariff
}

// Quote prices a permit of permitType in zone lasting months that starts on
// startsOn, by the tariff in force on startsOn: a renewal applied for in
// March to start in April pays April's price. Whether it is free is the caller's decision (package
// eligibility owns the free allowance); freeReason says why, as a clause
// that follows "Free: ", for example "the household's one free permit in the
// Essential Carer and Disabled Resident allowance".
//
// A paid quote needs a tariff in force on startsOn (otherwise a
// *NoTariffError wrapping ErrNoTariff). A free quote does not, because its
// amount does not depend on one, but it does need a reason (otherwise
// ErrFreeReasonMissing).
func (t *Tariffs) Quote(permitType, zone string, months int, startsOn time.Time, free bool, freeReason string) (Quote, error) {
	row, err := t.PriceOn(permitType, zone, months, startsOn)
	if free {
		reason := strings.TrimSuffix(strings.TrimSpace(freeReason), ".")
		if reason == "" {
			return Quote{}, fmt.Errorf("pricing: free quote for permit type %q starting on %s: %w",
				permitType, civil.Of(startsOn), ErrFreeReasonMissing)
		}
		q := Quote{Amount: zeroPence(), Free: true, Reason: "Free: " + reason + "."}
		if err == nil {
			q.Tariff = row
		}
		return q, nil
	}
	if err != nil {
		return Quote{}, err
	}
	return Quote{Amount: row.Price, Reason: pounds(row.Price) + ": " + describeTariff(row) + ".", Tariff: row}, nil
}

// describeTariff names a row for an applicant:
// "the tariff for essential-carer in zone Loughborough for 12 months in
// force from 1 April 2025 to 31 March 2026".
func describeTariff(r Tariff) string {
	var b strings.Builder
	b.WriteString("the tariff for ")
	b.WriteString(r.PermitType)
	if r.Zone != "" {
		b.WriteString(" in zone ")
		b.WriteString(r.Zone)
	}
	if r.DurationMonths > 0 {
		b.WriteString(" for ")
		b.WriteString(monthsPhrase(r.DurationMonths))
	}
	b.WriteString(" in force from ")
	b.WriteString(civil.Of(r.From).Long())
	if !r.Until.IsZero() {
		b.WriteString(" to ")
		b.WriteString(civil.Of(r.Until).Long())
	}
	return b.String()
}
