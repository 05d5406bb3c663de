package zones

import (
	"time"

	"github.com/rickar/cal/v2"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// Calendar returns a new business calendar for nation n: Monday to Friday
// are working days except that nation's bank holidays, substitute days
// included, as GOV.UK publishes them.
//
// Ordinary years are computed by rule, so the calendar needs no updating
// for future years until Parliament or a royal proclamation changes the
// holidays; the one-off days since 2012 are built in as one-off rules:
//
//   - 2012: spring bank holiday moved to 4 June; 5 June for the Diamond Jubilee
//   - 2020: early May bank holiday moved to Friday 8 May for VE day
//   - 2022: spring bank holiday moved to 2 June; 3 June for the Platinum
//     Jubilee; 19 September for the State Funeral of Queen Elizabeth II
//   - 2023: 8 May for the coronation of King Charles III
//
// Years before 2012 follow today's rules and miss earlier one-off days.
// A one-off day announced after this release must be added here.
//
// Holiday names are GOV.UK's titles. Where a holiday falls at a weekend the
// calendar reports it as observed on its substitute day, the next weekday
// not already taken by another bank holiday: when Christmas Day is a Sunday
// the substitute is Tuesday 27 December, because Boxing Day keeps Monday
// (and likewise for New Year's Day and 2 January in Scotland).
//
// Each call builds its calendar afresh, so callers may change theirs (add a
// council's own closure days, say) without affecting anyone else's. The
// calendar's holiday cache is left off: with it off, IsHoliday and
// IsWorkday only read, so one calendar may be shared between goroutines as
// long as nobody changes it.
//
// Calendar panics if n is not one of the three nations: values come from
// the constants or from ParseNation, so anything else is a programming
// error.
func Calendar(n Nation) *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.Name = n.String()
	c.Description = "UK bank holidays (" + n.String() + "), as published by GOV.UK"
	switch n {
	case EnglandAndWales:
		c.AddHoliday(englandAndWalesHolidays()...)
	case Scotland:
		c.AddHoliday(scotlandHolidays()...)
	case NorthernIreland:
		c.AddHoliday(northernIrelandHolidays()...)
	default:
		panic("zones: Calendar called with " + n.String() + ", which is not a nation")
	}
	return c
}

// Substitute-day rules. A holiday on a Saturday moves to Monday. One on a
// Sunday moves to Monday unless the day after it is a bank holiday in its
// own right (Boxing Day, Scotland's 2 January), in which case it moves to
// Tuesday. A second day of a pair (Boxing Day, 2 January) moves two days
// from either weekend day: from Saturday to Monday, from Sunday past the
// first day's Monday substitute to Tuesday.
//
// Modelling the pairs this way (rather than moving Monday's Boxing Day to
// Tuesday, as rickar/cal/v2/gb does) keeps each substitute under GOV.UK's
// name for it, and means that no weekday is ever both one holiday's actual
// day and another's substitute, so cal's first-match lookup cannot hide a
// holiday.
func toMonday() []cal.AltDay {
	return []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 1}}
}

func twoWeekdaysOn() []cal.AltDay {
	return []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 2}}
}

// civilUTC keeps the Y/M/D of t at 00:00 UTC. cal's own calculators build
// dates in cal.DefaultLoc (time.Local); converting keeps substitute-day
// arithmetic in UTC, where every day is 24 hours long, whatever the
// machine's zone.
func civilUTC(t time.Time) time.Time { return civil.Of(t).Time() }

func dayOfMonth(h *cal.Holiday, year int) time.Time {
	return civilUTC(cal.CalcDayOfMonth(h, year))
}

func weekdayOfMonth(h *cal.Holiday, year int) time.Time {
	return civilUTC(cal.CalcWeekdayOffset(h, year))
}

func easterOffset(h *cal.Holiday, year int) time.Time {
	return civilUTC(cal.CalcEasterOffset(h, year))
}

// fixed is a holiday on the same date every year, moved off weekends by alt.
func fixed(name string, m time.Month, d int, alt []cal.AltDay) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservanceBank, Month: m, Day: d, Observed: alt, Func: dayOfMonth}
}

// monday is a holiday on the n-th Monday of a month (n < 0 counts from the
// month's end), skipped in the years listed in except.
func monday(name string, m time.Month, n int, except ...int) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservanceBank, Month: m, Weekday: time.Monday, Offset: n, Except: except, Func: weekdayOfMonth}
}

// easter is a holiday offset days from Easter Sunday.
func easter(name string, offset int) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservanceBank, Offset: offset, Func: easterOffset}
}

// oneOff is a bank holiday granted for a single year by royal proclamation.
func oneOff(name string, year int, m time.Month, d int) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservanceBank, StartYear: year, EndYear: year, Month: m, Day: d, Func: dayOfMonth}
}

// ukWide returns the holidays every nation shares, including the one-off
// days, which GOV.UK lists for all three nations alike.
func ukWide() []*cal.Holiday {
	return []*cal.Holiday{
		easter("Good Friday", -2),
		monday("Early May bank holiday", time.May, 1, 2020),
		oneOff("Early May bank holiday (VE day)", 2020, time.May, 8),
		monday("Spring bank holiday", time.May, -1, 2012, 2022),
		oneOff("Spring bank holiday", 2012, time.June, 4),
		oneOff("Queen’s Diamond Jubilee", 2012, time.June, 5),
		oneOff("Spring bank holiday", 2022, time.June, 2),
		oneOff("Platinum Jubilee bank holiday", 2022, time.June, 3),
		oneOff("Bank Holiday for the State Funeral of Queen Elizabeth II", 2022, time.September, 19),
		oneOff("Bank holiday for the coronation of King Charles III", 2023, time.May, 8),
		fixed("Christmas Day", time.December, 25, twoWeekdaysOn()),
		fixed("Boxing Day", time.December, 26, twoWeekdaysOn()),
	}
}

func englandAndWalesHolidays() []*cal.Holiday {
	return append(ukWide(),
		fixed("New Year’s Day", time.January, 1, toMonday()),
		easter("Easter Monday", 1),
		monday("Summer bank holiday", time.August, -1),
	)
}

// scotlandHolidays differ from England's: 2 January is a holiday, Easter
// Monday is not, the summer holiday is the first Monday of August, and St
// Andrew's Day has been a bank holiday since the 2007 Act.
func scotlandHolidays() []*cal.Holiday {
	standrews := fixed("St Andrew’s Day", time.November, 30, toMonday())
	standrews.StartYear = 2007
	return append(ukWide(),
		fixed("New Year’s Day", time.January, 1, twoWeekdaysOn()),
		fixed("2nd January", time.January, 2, twoWeekdaysOn()),
		monday("Summer bank holiday", time.August, 1),
		standrews,
	)
}

func northernIrelandHolidays() []*cal.Holiday {
	return append(englandAndWalesHolidays(),
		fixed("St Patrick’s Day", time.March, 17, toMonday()),
		fixed("Battle of the Boyne (Orangemen’s Day)", time.July, 12, toMonday()),
	)
}

// AddWorkingDays returns the n-th working day after from in calendar c: the
// date a deadline of n working days falls due when the clock starts on from.
// It is the project's one working-day count: permit.Scheme.ReviewDueOn, the
// deadline for deciding an application or an address change, uses it.
//
// from itself never counts, whether or not it is a working day: one working
// day after Friday is Monday, and one working day after a Saturday or a bank
// holiday is the next working day. n = 0 returns from unchanged (as a date,
// even when from is not a working day); n < 0 counts back, so -1 gives the
// last working day before from.
//
// Dates are calendar dates (see package civil): only the year, month and
// day of from, as read in its own location, matter, and the result is at
// 00:00 UTC. Convert an instant with civil.In(at, london) first. c must not
// be nil and must have at least one working day a week.
//
// The calendars from Calendar apply everywhere. A calendar whose Locations
// were limited (to Europe/London, say) is consulted at noon of each date in
// its first Location, so its holidays still count; a time.Time in another
// zone is never handed to it, where cal would ignore every holiday.
func AddWorkingDays(c *cal.BusinessCalendar, from time.Time, n int) time.Time {
	return WorkingDaysAfter(c, civil.Of(from), n).Time()
}

// WorkingDaysAfter is AddWorkingDays on a civil.Date.
func WorkingDaysAfter(c *cal.BusinessCalendar, from civil.Date, n int) civil.Date {
	return civil.Of(c.WorkdaysFrom(calDay(c, from), n))
}

// calDay is the time.Time at which calendar c is asked about date d: 00:00
// UTC when c applies everywhere (every day 24 hours long), else noon in c's
// first Location, which keeps the date whatever that zone's offset and
// whatever clock change falls on it.
func calDay(c *cal.BusinessCalendar, d civil.Date) time.Time {
	if len(c.Locations) == 0 || c.Locations[0] == nil {
		return d.Time()
	}
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, c.Locations[0])
}

// WorkingDaysBetween counts the working days in calendar c after from up to
// and including to: the interval (from, to]. It is the number of working
// days that have passed between the two dates, so for a working day to
// after from, AddWorkingDays(c, from, WorkingDaysBetween(c, from, to)) == to.
//
// Equal dates give 0, as do dates with only non-working days between them
// (a Friday to the Sunday after). When to is before from the answer is the
// negated count of (to, from], so swapping the arguments only changes the
// sign.
//
// As for AddWorkingDays, only the year, month and day of each argument, as
// read in its own location, matter.
func WorkingDaysBetween(c *cal.BusinessCalendar, from, to time.Time) int {
	f, t := civil.Of(from), civil.Of(to)
	switch {
	case t.After(f):
		// cal's WorkdaysInRange counts both ends; excluding from keeps the
		// count consistent with AddWorkingDays.
		return c.WorkdaysInRange(calDay(c, f.AddDays(1)), calDay(c, t))
	case t.Before(f):
		return -c.WorkdaysInRange(calDay(c, t.AddDays(1)), calDay(c, f))
	}
	return 0
}
