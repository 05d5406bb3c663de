package pricing

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// Tariff is one row of a council's price table: the price of one permit
// type, for one zone or all, for one duration or any, over a range of days.
type Tariff struct {
	PermitType     string          // the permit type's identifier, such as "essential-carer"
	Zone           string          // "" = every zone
	DurationMonths int             // 0 = any duration
	From           time.Time       // first day in force (inclusive)
	Until          time.Time       // last day in force (inclusive); zero = open-ended
	Price          decimal.Decimal // GBP, whole pence, never negative
}

// ErrInvalidTariffs is returned (wrapped in a *TariffsError) by NewTariffs
// when any row is invalid or a group of rows does not form one contiguous
// chain. Check with errors.Is.
var ErrInvalidTariffs = errors.New("invalid tariffs")

// ErrNoTariff is returned (wrapped in a *NoTariffError) when no tariff row
// prices a permit on a date. Check with errors.Is.
var ErrNoTariff = errors.New("no tariff")

// TariffProblem is one thing wrong with the rows given to NewTariffs.
type TariffProblem struct {
	// Rows are the indexes, in the slice given to NewTariffs, of the row at
	// fault, or of both rows of a gap or an overlap (earlier row first).
	Rows []int
	// Field is the Tariff field at fault ("PermitType", "Price", ...), or
	// "" for a gap or an overlap between two rows.
	Field string
	// Detail says what is wrong, naming the rows by index and dates.
	Detail string
}

func (p TariffProblem) String() string { return p.Detail }

// TariffsError lists every problem NewTariffs found, in row order; it
// unwraps to ErrInvalidTariffs.
type TariffsError struct {
	Problems []TariffProblem
}

func (e *TariffsError) Error() string {
	var b strings.Builder
	b.WriteString("pricing: invalid tariffs (")
	b.WriteString(strconv.Itoa(len(e.Problems)))
	if len(e.Problems) == 1 {
		b.WriteString(" problem): ")
	} else {
		b.WriteString(" problems): ")
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Detail)
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalidTariffs) match.
func (e *TariffsError) Unwrap() error { return ErrInvalidTariffs }

// NoTariffError says which price was asked for and not found; it unwraps to
// ErrNoTariff.
type NoTariffError struct {
	PermitType string
	Zone       string
	Months     int
	On         time.Time
}

func (e *NoTariffError) Error() string {
	zone := "with no zone"
	if e.Zone != "" {
		zone = "in zone " + strconv.Quote(e.Zone)
	}
	return "pricing: no tariff for permit type " + strconv.Quote(e.PermitType) + " " + zone +
		" for " + monthsPhrase(e.Months) + " on " + civil.Of(e.On).String()
}

// Unwrap lets errors.Is(err, ErrNoTariff) match.
func (e *NoTariffError) Unwrap() error { return ErrNoTariff }

// Tariffs is a validated, immutable price table. Build it with NewTariffs;
// a nil *Tariffs prices nothing. It is safe for concurrent use.
type Tariffs struct {
	rows   []Tariff // as given, dates normalised, for Rows
	groups map[groupKey][]span
}

type groupKey struct {
	permitType string
	zone       string
	months     int
}

// span is a row of one group, with its days as keys so that PriceOn
// compares integers; spans of a group are sorted and never overlap.
type span struct {
	from, until int64 // civil.Date day numbers (Days), inclusive; until is math.MaxInt64 when open-ended
	row         int   // index into Tariffs.rows
}

// NewTariffs validates rows and builds the table that PriceOn reads.
//
// Each row needs a PermitType (without surrounding spaces), a Zone without
// surrounding spaces, a DurationMonths of 0 or more, a From date, an Until
// that is zero or not before From, and a Price of 0.00 or more in whole
// pence. Rows with the same PermitType, Zone and DurationMonths form a group
// which, sorted by From, must be contiguous: each row starts the day after
// the previous one ends, so there is no gap and no overlap, and only the
// last row may be open-ended.
//
// Every problem is reported, not just the first, in a *TariffsError that
// wraps ErrInvalidTariffs. A row with a bad date is left out of the checks
// between rows, so that one typo gives one problem. No rows at all is a
// valid, empty table.
//
// From and Until are kept as 00:00 UTC of their civil date; the rows are
// copied, so changing the slice afterwards changes nothing.
func NewTariffs(rows []Tariff) (*Tariffs, error) {
	t := &Tariffs{rows: make([]Tariff, len(rows)), groups: make(map[groupKey][]span)}
	var problems []TariffProblem
	for i, r := range rows {
		rowProblem := func(field, detail string) {
			problems = append(problems, TariffProblem{
				Rows: []int{i}, Field: field,
				Detail: describeRow(i, r) + ": " + field + " " + detail,
			})
		}
		switch {
		case strings.TrimSpace(r.PermitType) == "":
			rowProblem("PermitType", "is empty")
		case strings.TrimSpace(r.PermitType) != r.PermitType:
			rowProblem("PermitType", "has leading or trailing spaces")
		}
		if strings.TrimSpace(r.Zone) != r.Zone {
			rowProblem("Zone", "has leading or trailing spaces (\"\" means every zone)")
		}
		if r.DurationMonths < 0 {
			rowProblem("DurationMonths", "is negative (0 means any duration)")
		}
		switch {
		case r.Price.IsNegative():
			rowProblem("Price", pounds(r.Price)+" is negative")
		case !isWholePence(r.Price):
			rowProblem("Price", r.Price.String()+" has a fraction of a penny")
		}

		datesOK := true
		from, until := civil.Of(r.From), civil.Of(r.Until)
		if r.From.IsZero() {
			rowProblem("From", "is not set")
			datesOK = false
		} else {
			r.From = from.Time()
		}
		s := span{from: from.Days(), until: math.MaxInt64, row: i}
		if !r.Until.IsZero() {
			if !r.From.IsZero() && until.Days() < from.Days() {
				rowProblem("Until", until.String()+" is before From "+from.String())
				datesOK = false
			}
			r.Until = until.Time()
			s.until = until.Days()
		}
		r.Price = r.Price.Round(2)
		t.rows[i] = r
		if datesOK {
			k := groupKey{r.PermitType, r.Zone, r.DurationMonths}
			t.groups[k] = append(t.groups[k], s)
		}
	}

	// Walk each group in date order, comparing every row with the furthest
	// day covered so far: that finds gaps and overlaps, including rows
	// nested inside an earlier one, without reporting a pair twice.
	for _, spans := range t.groups {
		slices.SortFunc(spans, func(a, b span) int {
			return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.row, b.row))
		})
		reach := spans[0]
		for _, s := range spans[1:] {
			a, b := t.rows[reach.row], t.rows[s.row]
			pair := []int{reach.row, s.row}
			switch {
			case reach.until == math.MaxInt64:
				problems = append(problems, TariffProblem{Rows: pair, Detail: describeRow(reach.row, a) +
					" is open-ended, so it overlaps " + describeRow(s.row, b) + " from " + civil.Of(b.From).String() +
					": only the last row of a group may be open-ended"})
			case s.from <= reach.until:
				last := civil.Of(a.Until)
				if s.until < reach.until {
					last = civil.Of(b.Until)
				}
				problems = append(problems, TariffProblem{Rows: pair, Detail: describeRow(reach.row, a) +
					" and " + describeRow(s.row, b) + " overlap from " + civil.Of(b.From).String() +
					" to " + last.String()})
			default:
				next := civil.Of(a.Until).AddDays(1)
				if s.from != next.Days() {
					problems = append(problems, TariffProblem{Rows: pair, Detail: "gap between " +
						describeRow(reach.row, a) + " and " + describeRow(s.row, b) + ": no price from " +
						next.String() + " to " + civil.Of(b.From).AddDays(-1).String()})
				}
			}
			if s.until > reach.until {
				reach = s
			}
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b TariffProblem) int { return slices.Compare(a.Rows, b.Rows) })
		return nil, &TariffsError{Problems: problems}
	}
	return t, nil
}

// describeRow names a row for a person reading an error: its index and
// everything that places it in a group and in time.
func describeRow(i int, r Tariff) string {
	var b strings.Builder
	b.WriteString("row ")
	b.WriteString(strconv.Itoa(i))
	b.WriteString(" (")
	b.WriteString(strconv.Quote(r.PermitType))
	if r.Zone == "" {
		b.WriteString(", every zone, ")
	} else {
		b.WriteString(", zone " + strconv.Quote(r.Zone) + ", ")
	}
	b.WriteString(monthsPhrase(r.DurationMonths))
	b.WriteString(", ")
	if r.From.IsZero() {
		b.WriteString("no start date")
	} else {
		b.WriteString(civil.Of(r.From).String())
	}
	b.WriteString(" to ")
	if r.Until.IsZero() {
		b.WriteString("open-ended")
	} else {
		b.WriteString(civil.Of(r.Until).String())
	}
	b.WriteString(")")
	return b.String()
}

// monthsPhrase describes a duration in months: "any duration" for 0.
func monthsPhrase(n int) string {
	switch n {
	case 0:
		return "any duration"
	case 1:
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

// PriceOn returns the tariff row that prices a permit of permitType in zone
// lasting months, on the date on. Of the rows in force on that date, the
// most specific wins, in this order: this zone and this duration; this zone
// and any duration; every zone and this duration; every zone and any
// duration. When none is in force the error is a *NoTariffError wrapping
// ErrNoTariff.
//
// PriceOn does not allocate when it finds a row: eligibility calls it on
// every decision.
func (t *Tariffs) PriceOn(permitType, zone string, months int, on time.Time) (Tariff, error) {
	if t != nil {
		day := civil.DaysOf(on)
		if i, ok := t.find(groupKey{permitType, zone, months}, day); ok {
			return t.rows[i], nil
		}
		if months != 0 {
			if i, ok := t.find(groupKey{permitType, zone, 0}, day); ok {
				return t.rows[i], nil
			}
		}
		if zone != "" {
			if i, ok := t.find(groupKey{permitType, "", months}, day); ok {
				return t.rows[i], nil
			}
			if months != 0 {
				if i, ok := t.find(groupKey{permitType, "", 0}, day); ok {
					return t.rows[i], nil
				}
			}
		}
	}
	return Tariff{}, &NoTariffError{PermitType: permitType, Zone: zone, Months: months, On: civil.Of(on).Time()}
}

// find returns the row of group k in force on day, by binary search over
// the group's sorted, non-overlapping spans.
func (t *Tariffs) find(k groupKey, day int64) (int, bool) {
	spans := t.groups[k]
	lo, hi := 0, len(spans)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if spans[mid].from <= day {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 || spans[lo-1].until < day {
		return 0, false
	}
	return spans[lo-1].row, true
}

// Rows returns a copy of the table's rows in the order given to NewTariffs,
// with dates at 00:00 UTC.
func (t *Tariffs) Rows() []Tariff {
	if t == nil {
		return nil
	}
	return slices.Clone(t.rows)
}
