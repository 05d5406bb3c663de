package evidence

import (
	"errors"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
)

// civil returns the civil date of t (its Y/M/D in its own location) at
// 00:00 UTC, so that dates compare with Before/After/Equal.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MonthsBefore returns the civil date n calendar months before d, clamped to
// the end of the month when that month is shorter: 31 May − 3 months is
// 28 February (29 in a leap year), 30 June − 3 months is 30 March. A negative
// n counts forward the same way. The result is at 00:00 UTC.
func MonthsBefore(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	// Day 1 never overflows, so time.Date only normalises the month.
	first := time.Date(y, m-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := daysIn(first.Year(), first.Month()); day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ReviewDueOn returns the civil date workingDays working days after
// submittedOn in calendar c: the submission day itself never counts, even
// when it is a working day, so 1 working day from a Friday is the next
// Monday (or Tuesday after a bank holiday Monday). workingDays ≤ 0 returns
// the submission date. The result is at 00:00 UTC.
//
// c must not be nil. Holidays are looked up in c's first Location when it
// names any (so a calendar limited to Europe/London still applies), else in
// UTC. A calendar with Cacheable set writes its cache while it is read, so
// share such a calendar between goroutines only behind a lock.
func ReviewDueOn(c *cal.BusinessCalendar, submittedOn time.Time, workingDays int) time.Time {
	start := civil(submittedOn)
	if workingDays <= 0 {
		return start
	}
	loc := time.UTC
	if len(c.Locations) > 0 && c.Locations[0] != nil {
		loc = c.Locations[0]
	}
	// Noon keeps the civil date whatever the location's offset.
	y, m, d := start.Date()
	due := c.WorkdaysFrom(time.Date(y, m, d, 12, 0, 0, 0, loc), workingDays)
	return civil(due)
}

// dateLayout is how dates are written in Document.Fields.
const dateLayout = "2006-01-02"

var errDateFormat = errors.New("not a date in the form YYYY-MM-DD")

// parseDate reads a YYYY-MM-DD civil date, allowing spaces around it.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	// time.Parse accepts some variants (such as a sign before the year) that
	// a term date never has; demand the exact shape first.
	if len(s) != len(dateLayout) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, errDateFormat
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return time.Time{}, errDateFormat
		}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, errDateFormat
	}
	return t, nil
}

// formatDate writes a date the way applicants read it: "1 March 2025".
func formatDate(t time.Time) string {
	return t.Format("2 January 2006")
}
