package evidence

import (
	"time"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// MonthsBefore returns the date n calendar months before d, clamped to the
// end of the month when that month is shorter: 31 May − 3 months is
// 28 February (29 in a leap year), 30 June − 3 months is 30 March. A negative
// n counts forward the same way. Only d's year, month and day (in its own
// location) count; the result is at 00:00 UTC. It is civil.Date.AddMonths
// for callers that hold a time.Time.
func MonthsBefore(d time.Time, n int) time.Time {
	return civil.Of(d).AddMonths(-n).Time()
}
