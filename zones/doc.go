// Package zones decides where a permit applies: it parses and normalises UK
// postcodes, identifies properties by their Unique Property Reference Number
// (UPRN), finds properties by postcode and house number or name through a
// Locator, tells which permit zone a property lies in (the zero Zone means
// outside every zone), and knows each UK nation's bank holidays so that
// deadlines can be counted in working days.
//
// The package does no I/O of its own: a Gazetteer is loaded from an
// io.Reader the caller opens, and calendars are computed by rule.
//
// # Calendars are github.com/rickar/cal/v2's
//
// Calendar returns, and AddWorkingDays, WorkingDaysAfter and
// WorkingDaysBetween take, a *cal.BusinessCalendar from
// github.com/rickar/cal/v2, and permit.Scheme.Calendar holds one: a type
// of another module in this package's API, on purpose. A council's own
// closures (a day the permit office shuts, a local holiday) are added to
// the calendar with cal's own AddHoliday and cal.Holiday rules, which are
// fuller than any wrapper of ours would be, and the nations' holidays are
// themselves built from cal.Holiday values. The cost is that cal is part
// of the public API: this module stays on cal's v2 (which keeps its API
// within a major version), and moving to another major version of cal, or
// away from it, would be a breaking change, announced in CHANGELOG.md like
// any other.
package zones
