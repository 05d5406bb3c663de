// Package civil is the project's one calendar date: a day on the calendar
// with no time of day and no time zone, and the arithmetic the permit rules
// need on it (days, calendar months clamped to the month's end).
//
// # The date model
//
// A calendar date is a Date: a year, a month and a day. Every domain package
// (zones, evidence, pricing, eligibility, permit) does its date arithmetic
// and comparisons on Date, so a time zone can never move a boundary.
//
// Exported fields and functions that were written before this package carry
// dates as a time.Time at 00:00 UTC of that date. Of and Date.Time convert
// between the two without loss: Of reads only the year, month and day of a
// time.Time as seen in the time.Time's own location (so a London midnight and
// a UTC midnight of the same day are the same date), and Time returns 00:00
// UTC. Dates a package returns as a time.Time are always at 00:00 UTC.
//
// An instant (a moment, such as when an application arrived) becomes a
// calendar date only by In, which reads it in the council's time zone,
// Europe/London for UK councils. While British Summer Time is in force the
// London date runs an hour ahead of the UTC date: 2026-10-24T23:30:00Z is
// 25 October in London. The package never loads a time zone itself (loading
// one reads the system's zone database); callers pass the *time.Location
// they were configured with.
//
// Working days are counted over the nations' bank-holiday calendars by
// zones.AddWorkingDays, which uses this package's dates.
//
// The package imports only the standard library, so any package of the
// project may use it.
package civil

import (
	"errors"
	"strings"
	"time"
)

// Date is a calendar date. The zero Date (year 0, month 0, day 0) means "no
// date"; IsZero reports it. A Date built by the functions of this package is
// always a real date (month 1 to 12, day within the month); a Date literal
// with a day outside its month is normalised by the arithmetic methods, as
// time.Date would (31 April is 1 May).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// New returns the date of year y, month m and day d, normalising values
// outside their ranges as time.Date does: New(2025, time.February, 29) is
// 1 March 2025 and New(2025, time.March, 0) is 28 February 2025.
func New(y int, m time.Month, d int) Date {
	if m >= time.January && m <= time.December && d >= 1 && d <= 28 {
		return Date{y, m, d}
	}
	return Of(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// Of returns the calendar date of t as read in t's own location: only the
// year, month and day of t.Date() count. A London midnight and a UTC
// midnight of the same day give the same Date. To judge an instant in the
// council's time zone use In.
func Of(t time.Time) Date {
	// Most dates arrive already at 00:00 UTC; skip Date's calendar
	// arithmetic for them.
	if t.Location() == time.UTC {
		if s := t.Unix(); s%secondsPerDay == 0 {
			return FromDays(s / secondsPerDay)
		}
	}
	y, m, d := t.Date()
	return Date{y, m, d}
}

// DaysOf returns Of(t).Days(), the day number of t's date, without building
// the Date: hot paths that compare dates by day number use it.
func DaysOf(t time.Time) int64 {
	if t.Location() == time.UTC {
		if s := t.Unix(); s%secondsPerDay == 0 {
			return s / secondsPerDay
		}
	}
	y, m, d := t.Date()
	return Date{y, m, d}.Days()
}

// In returns the calendar date of the instant at in loc: the date a clock in
// loc shows at that moment. In(2026-10-24T23:30:00Z, Europe/London) is
// 25 October 2026 (00:30 BST), and In(2027-03-28T23:30:00Z, Europe/London)
// is 29 March 2027 (the clocks went forward that morning). A nil loc means
// UTC.
func In(at time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	return Of(at.In(loc))
}

// Time returns the date as a time.Time at 00:00 UTC, the form in which
// exported fields carry dates.
func (d Date) Time() time.Time {
	if d.valid() {
		return MidnightUTC(d.Days())
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// IsZero reports whether d is the zero Date, which stands for "no date".
func (d Date) IsZero() bool { return d == Date{} }

const secondsPerDay = 24 * 60 * 60

// valid reports whether d's month and day are in range, so that the integer
// algorithms below apply without normalising.
func (d Date) valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && d.Day <= DaysIn(d.Year, d.Month)
}

func (d Date) norm() Date {
	if d.valid() {
		return d
	}
	return New(d.Year, d.Month, d.Day)
}

// Days returns the number of days from 1 January 1970 to d (negative before
// it): a day number, so Days differences are day counts and
// FromDays(d.Days()+n) is n days after d.
func (d Date) Days() int64 {
	d = d.norm()
	// Howard Hinnant's days_from_civil, in the proleptic Gregorian calendar
	// that package time also uses.
	y, m := int64(d.Year), int64(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// FromDays returns the date n days after 1 January 1970 (before it for a
// negative n); it is the inverse of Date.Days.
func FromDays(n int64) Date {
	z := n + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return Date{int(y), time.Month(m), int(day)}
}

// MidnightUTC returns FromDays(n).Time(), the 00:00 UTC time.Time of day
// number n, without building the Date: hot paths that keep day numbers use
// it.
func MidnightUTC(n int64) time.Time { return time.Unix(n*secondsPerDay, 0).UTC() }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// AddDays returns the date n days after d (before it for a negative n).
// Days are calendar days: a day on which the clocks change is still one day.
func (d Date) AddDays(n int) Date {
	if n == 0 {
		return d.norm()
	}
	return FromDays(d.Days() + int64(n))
}

// AddMonths returns the date n calendar months after d (before it for a
// negative n), clamped to the end of the month when that month is too short
// to have d's day: 31 May − 3 months is 28 February (29 in a leap year),
// 31 January + 1 month is 28 or 29 February, 29 February 2028 + 12 months is
// 28 February 2029, and 30 June − 3 months is 30 March.
func (d Date) AddMonths(n int) Date {
	d = d.norm()
	total := int(d.Month-1) + n
	y, m := d.Year+total/12, total%12
	if m < 0 {
		y, m = y-1, m+12
	}
	month := time.Month(m + 1)
	day := d.Day
	if last := DaysIn(y, month); day > last {
		day = last
	}
	return Date{y, month, day}
}

// DaysIn returns the number of days in month m of year y: 28 or 29 for
// February, 30 or 31 otherwise. m must be January to December.
func DaysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// Compare returns -1 when d is before e, 0 when they are the same date and
// +1 when d is after e.
func (d Date) Compare(e Date) int {
	d, e = d.norm(), e.norm()
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	}
	return sign(d.Day - e.Day)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports whether d is an earlier date than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later date than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1 January 1970 was a Thursday.
	return time.Weekday((floorMod(d.Days(), 7) + int64(time.Thursday)) % 7)
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Layout is how a Date is written by String and read by Parse: ISO 8601,
// YYYY-MM-DD.
const Layout = time.DateOnly

// String writes d as ISO 8601, YYYY-MM-DD: "2025-04-01".
func (d Date) String() string { return d.Time().Format(Layout) }

// Long writes d as a sentence does: "1 April 2025".
func (d Date) Long() string { return d.Time().Format("2 January 2006") }

// ErrFormat is returned by Parse for text that is not a date in the form
// YYYY-MM-DD, or names a day that does not exist (such as 2025-02-29).
var ErrFormat = errors.New("not a date in the form YYYY-MM-DD")

// Parse reads a date written YYYY-MM-DD (four-digit year, two-digit month and
// day), allowing spaces around it. Anything else, including a date that
// does not exist, gives ErrFormat.
func Parse(s string) (Date, error) {
	s = strings.TrimSpace(s)
	// time.Parse accepts some variants (such as a sign before the year)
	// that a date here never has; demand the exact shape first.
	if len(s) != len(Layout) || s[4] != '-' || s[7] != '-' {
		return Date{}, ErrFormat
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return Date{}, ErrFormat
		}
	}
	t, err := time.Parse(Layout, s)
	if err != nil {
		return Date{}, ErrFormat
	}
	return Of(t), nil
}
