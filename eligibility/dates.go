package eligibility

import (
	"time"

	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// day is a calendar date as its zones/civil day number (civil.Date.Days):
// Decide compares and steps dates as integers, which is cheaper than
// comparing civil.Date values field by field on every holding. The
// conversions below are the only place eligibility turns dates into day
// numbers and back; the calendar arithmetic is package civil's.
type day int64

// dayOf returns the date of t, read in t's own location (civil.Of).
func dayOf(t time.Time) day { return day(civil.DaysOf(t)) }

func (d day) date() civil.Date { return civil.FromDays(int64(d)) }

// time returns the date at 00:00 UTC.
func (d day) time() time.Time { return civil.MidnightUTC(int64(d)) }

// String writes the date as residents read it: "1 March 2027".
func (d day) String() string { return d.date().Long() }

// Today returns the calendar date of the instant at in loc (civil.In), as a
// time.Time at 00:00 UTC. While British Summer Time is in force the London date runs an
// hour ahead of the UTC date: 2026-10-24T23:30:00Z is 25 October (00:30
// BST, half an hour before the clocks go back), and 2027-03-28T23:30:00Z is
// 29 March (the clocks went forward that morning). A nil loc means UTC.
func Today(at time.Time, loc *time.Location) time.Time {
	return today(at, loc).time()
}

func today(at time.Time, loc *time.Location) day {
	return day(civil.In(at, loc).Days())
}

// ExpiryDate returns the last day of a permit that starts on startsOn and
// runs for months calendar months: the day before the same day of the
// month months later (15 January 2027 + 12 → 14 January 2028). When that
// day of the month does not exist in the target month, the permit runs to
// the last day of that month instead (29 February 2028 + 12 → 28 February
// 2029; 31 January + 1 → 28 or 29 February), so a permit is never cut
// short by a short month and its renewal starts on the 1st.
//
// Only startsOn's year, month and day (in its own location) are used; the
// result is at 00:00 UTC. months is expected to be at least 1. It is the
// same rule as pricing.ExpiryDate, which it calls, so that the dates a
// permit is issued with and the months a refund counts always agree.
func ExpiryDate(startsOn time.Time, months int) time.Time {
	return expiryDay(dayOf(startsOn), months).time()
}

// expiryDay delegates to pricing.ExpiryDate so that the expiry date a
// permit is issued with and the months a refund counts follow one rule.
func expiryDay(start day, months int) day {
	return dayOf(pricing.ExpiryDate(start.time(), months))
}
