package zones_test

import (
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/zones"
)

// A council's calendar lists its nation's bank holidays, substitute days
// included: here Scotland's for 2027, when 2 January and Christmas fall at
// weekends.
func ExampleCalendar() {
	c := zones.Calendar(zones.Scotland)
	for day := time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC); day.Year() == 2027; day = day.AddDate(0, 0, 1) {
		if _, observed, h := c.IsHoliday(day); observed {
			fmt.Println(day.Format("Mon 2 Jan"), h.Name)
		}
	}
	// Output:
	// Fri 1 Jan New Year’s Day
	// Mon 4 Jan 2nd January
	// Fri 26 Mar Good Friday
	// Mon 3 May Early May bank holiday
	// Mon 31 May Spring bank holiday
	// Mon 2 Aug Summer bank holiday
	// Tue 30 Nov St Andrew’s Day
	// Mon 27 Dec Christmas Day
	// Tue 28 Dec Boxing Day
}

// A review deadline of 10 working days from an application made on Friday
// 18 December 2026 depends on the council's nation: Scotland also stops for
// 2 January (a Saturday in 2027, so Monday 4 January).
func ExampleAddWorkingDays() {
	applied := time.Date(2026, time.December, 18, 0, 0, 0, 0, time.UTC)
	for _, n := range []zones.Nation{zones.EnglandAndWales, zones.Scotland} {
		due := zones.AddWorkingDays(zones.Calendar(n), applied, 10)
		fmt.Printf("%s: due %s\n", n, due.Format("Mon 2 Jan 2006"))
	}
	// Output:
	// england-and-wales: due Wed 6 Jan 2027
	// scotland: due Thu 7 Jan 2027
}

// Working days between two dates count the days after the first up to and
// including the second, so a deadline's day itself counts and the start
// does not.
func ExampleWorkingDaysBetween() {
	c := zones.Calendar(zones.NorthernIreland)
	applied := time.Date(2026, time.July, 10, 0, 0, 0, 0, time.UTC) // a Friday
	decided := time.Date(2026, time.July, 17, 0, 0, 0, 0, time.UTC) // the Friday after
	fmt.Println(zones.WorkingDaysBetween(c, applied, decided))
	fmt.Println(zones.WorkingDaysBetween(c, decided, applied))
	// Output:
	// 4
	// -4
}

func ExampleParseNation() {
	n, err := zones.ParseNation("Northern-Ireland")
	fmt.Println(n, err)
	_, err = zones.ParseNation("wales")
	fmt.Println(err)
	// Output:
	// northern-ireland <nil>
	// zones: unknown nation "wales"; accepted: england-and-wales, scotland, northern-ireland
}
