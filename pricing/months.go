package pricing

import "time"

// civil is a calendar date with nothing else: tariffs and refunds compare
// days, never instants, so a time zone can never move a boundary.
type civil struct {
	y int
	m time.Month
	d int
}

// civilOf reads the date of t in t's own location: a London midnight and
// a UTC midnight of the same day give the same civil date.
func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// key orders civil dates: day and month fit below 512, so a larger key is
// a later date. It is not a day count; use addDays for arithmetic.
func (c civil) key() int64 {
	return int64(c.y)*512 + int64(c.m)*32 + int64(c.d)
}

func (c civil) time() time.Time {
	return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC)
}

func (c civil) addDays(n int) civil {
	return civilOf(time.Date(c.y, c.m, c.d+n, 0, 0, 0, 0, time.UTC))
}

// String writes the date as ISO 8601, as errors about tariff rows do.
func (c civil) String() string { return c.time().Format(time.DateOnly) }

// long writes the date as a sentence does: "1 April 2025".
func (c civil) long() string { return c.time().Format("2 January 2006") }

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthsAfter is the day on which the n-th month after c begins: the same day
// of the month n months later or, when that month is too short to have it,
// the first day of the month after. So a month from 31 January ends with the
// last day of February, and each permit month is whole by the same rule
// that gives a permit its expiry date.
func monthsAfter(c civil, n int) civil {
	total := int(c.m-1) + n
	y, m := c.y+total/12, total%12
	if m < 0 {
		y, m = y-1, m+12
	}
	month := time.Month(m + 1)
	if c.d <= daysIn(y, month) {
		return civil{y, month, c.d}
	}
	if month == time.December {
		return civil{y + 1, time.January, 1}
	}
	return civil{y, month + 1, 1}
}

// wholeMonths counts the whole months from from (inclusive) up to end
// (exclusive): the largest n with monthsAfter(from, n) on or before end.
func wholeMonths(from, end civil) int {
	if end.key() <= from.key() {
		return 0
	}
	// The month difference is right or one too many (when end's day of the
	// month is earlier than from's), never too few.
	n := (end.y-from.y)*12 + int(end.m) - int(from.m)
	for n > 0 && monthsAfter(from, n).key() > end.key() {
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
	return monthsAfter(civilOf(startsOn), months).addDays(-1).time()
}
