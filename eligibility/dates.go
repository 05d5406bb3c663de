package eligibility

import (
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// day is a civil date as a count of days since 1 January 1970. Decide works
// in days because comparing and stepping integers is cheaper and less error
// prone than re-normalising time.Time values on every comparison.
type day int64

const secondsPerDay = 24 * 60 * 60

// dayOf returns the civil date of t, read in t's own location, as the
// project's convention says calendar dates are only their year, month and
// day.
func dayOf(t time.Time) day {
	// Most dates arrive already at 00:00 UTC; skip Date's calendar
	// arithmetic for them.
	if t.Location() == time.UTC {
		if s := t.Unix(); s%secondsPerDay == 0 {
			return day(s / secondsPerDay)
		}
	}
	y, m, d := t.Date()
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// time returns the date at 00:00 UTC.
func (d day) time() time.Time { return time.Unix(int64(d)*secondsPerDay, 0).UTC() }

// String writes the date as residents read it: "1 March 2027".
func (d day) String() string { return d.time().Format("2 January 2006") }

// Today returns the civil date of the instant at in loc, as a time.Time at
// 00:00 UTC. While British Summer Time is in force the London date runs an
// hour ahead of the UTC date: 2026-10-24T23:30:00Z is 25 October (00:30
// BST, half an hour before the clocks go back), and 2027-03-28T23:30:00Z is
// 29 March (the clocks went forward that morning). A nil loc means UTC.
func Today(at time.Time, loc *time.Location) time.Time {
	return today(at, loc).time()
}

func today(at time.Time, loc *time.Location) day {
	if loc == nil {
		loc = time.UTC
	}
	return dayOf(at.In(loc))
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
