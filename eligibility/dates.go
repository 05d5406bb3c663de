package eligibility

import (
	"slices"
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

// clock gives the civil date of an instant in one time zone as today does,
// without asking time.Location on every call (which searches the zone's
// transitions and, past the last one stored, works the year's rule out
// again): NewRules reads the zone's offsets from UTC between clockFrom and
// clockUntil once, into spans that Decide binary-searches. Outside those
// years it falls back to today.
type clock struct {
	loc    *time.Location
	starts []int64 // the Unix second on which each span begins, ascending
	offset []int64 // the zone's offset from UTC, in seconds, during each span
	until  int64   // the Unix second the last span ends
}

// The years the clock's spans cover, as Unix seconds: 2000-01-01 and
// 2100-01-01, both 00:00 UTC.
const (
	clockFrom  = 946684800
	clockUntil = 4102444800
)

func newClock(loc *time.Location) clock {
	c := clock{loc: loc, until: clockFrom}
	if loc == nil {
		return c // never from NewRules; today reads nil as UTC
	}
	t := time.Unix(clockFrom, 0).In(loc)
	for {
		_, off := t.Zone()
		c.starts = append(c.starts, t.Unix())
		c.offset = append(c.offset, int64(off))
		_, end := t.ZoneBounds()
		switch {
		case end.IsZero() || end.Unix() >= clockUntil:
			c.until = clockUntil
			return c
		case !end.After(t):
			// Package time (go1.26) gives a zone bound that does not
			// move on some 31 Decembers far ahead (2040 in London):
			// stop there, and leave later instants to today.
			c.until = t.Unix()
			return c
		}
		t = end
	}
}

// today returns today(at, c.loc).
func (c *clock) today(at time.Time) day {
	s := at.Unix()
	if s < clockFrom || s >= c.until {
		return today(at, c.loc)
	}
	i, found := slices.BinarySearch(c.starts, s)
	if !found {
		i-- // the span that began before s; starts[0] is clockFrom, so i >= 0
	}
	return day((s + c.offset[i]) / secondsPerDay) // s + offset > 0: plain division floors
}

const secondsPerDay = 24 * 60 * 60

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

// expiryDay delegates to pricing.ExpiryDays (pricing.ExpiryDate in day
// numbers) so that the expiry date a permit is issued with and the months a
// refund counts follow one rule.
func expiryDay(start day, months int) day {
	return day(pricing.ExpiryDays(int64(start), months))
}
