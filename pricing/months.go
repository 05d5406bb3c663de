package pricing

import (
	"time"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// monthsAfter is the day on which the n-th month after c begins: the same day
// of the month n months later or, when that month is too short to have it,
// the first day of the month after. So a month from 31 January ends with the
// last day of February, and each permit month is whole by the same rule
// that gives a permit its expiry date.
func monthsAfter(c civil.Date, n int) civil.Date {
	// AddMonths clamps a missing day to the month's last day; the month
	// then begins on the day after it.
	m := c.AddMonths(n)
	if m.Day != c.Day {
		return m.AddDays(1)
	}
	return m
}

// wholeMonths counts the whole months from from (inclusive) up to end
// (exclusive): the largest n with monthsAfter(from, n) on or before end.
func wholeMonths(from, end civil.Date) int {
	if end.Days() <= from.Days() {
		return 0
	}
	// The month difference is right or one too many (when end's day of the
	// month is earlier than from's), never too few.
	n := (end.Year-from.Year)*12 + int(end.Month) - int(from.Month)
	for n > 0 && monthsAfter(from, n).Days() > end.Days() {
		n--
	}
	return n
}

// ExpiryDate is the last day of a permit that starts on startsOn and lasts
// months whole months: the day before the same day months later, or the last
// day of the shorter month when that day does not exist. A 12-month permit
// from 15 January 2025 expires on 14 January 2026; a 1-month permit from
// 31 January 2025 on 28 February 2025; a 12-month permit from 29 February
// 2028 on 28 February 2029. Refund counts months by this same rule, so
// package permit should compute expiry dates with it.
//
// months below 1 give the day before startsOn: a permit with no days.
func ExpiryDate(startsOn time.Time, months int) time.Time {
	return civil.MidnightUTC(ExpiryDays(civil.DaysOf(startsOn), months))
}

// ExpiryDays is ExpiryDate on day numbers (civil.Date.Days), for callers
// that keep dates as day numbers: it returns the day number of the last day
// of a permit whose first day has day number startsOn.
func ExpiryDays(startsOn int64, months int) int64 {
	return monthsAfter(civil.FromDays(startsOn), months).Days() - 1
}
