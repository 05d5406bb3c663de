package civil_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones/civil"
)

func date(y int, m time.Month, d int) civil.Date { return civil.Date{Year: y, Month: m, Day: d} }

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	return loc
}

func instant(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return at
}

// TestIn pins how an instant becomes a London date around the clock
// changes and at midnight.
func TestIn(t *testing.T) {
	loc := london(t)
	tests := []struct {
		name string
		at   string
		want civil.Date
	}{
		{"winter: London is UTC", "2026-01-15T23:59:59Z", date(2026, 1, 15)},
		{"winter midnight", "2026-01-16T00:00:00Z", date(2026, 1, 16)},
		{"summer: 23:30 UTC is the next London day", "2026-07-01T23:30:00Z", date(2026, 7, 2)},
		{"summer: 22:59 UTC is still the same London day", "2026-07-01T22:59:59Z", date(2026, 7, 1)},
		{"the night the clocks go back, before", "2026-10-24T23:30:00Z", date(2026, 10, 25)},
		{"the day the clocks go back, late evening", "2026-10-25T23:30:00Z", date(2026, 10, 25)},
		{"the day the clocks go forward, late evening", "2027-03-28T23:30:00Z", date(2027, 3, 29)},
		{"just before the clocks go forward", "2027-03-28T00:59:59Z", date(2027, 3, 28)},
		{"29 February in summer time? no: winter", "2028-02-29T23:59:00Z", date(2028, 2, 29)},
		{"New Year in London", "2026-12-31T23:59:59Z", date(2026, 12, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, civil.In(instant(t, tt.at), loc))
		})
	}
	require.Equal(t, date(2026, 7, 1), civil.In(instant(t, "2026-07-01T23:30:00Z"), nil), "nil means UTC")
}

func TestOfReadsOwnLocation(t *testing.T) {
	loc := london(t)
	require.Equal(t, date(2026, 7, 2), civil.Of(time.Date(2026, 7, 2, 0, 0, 0, 0, loc)), "a London midnight is its own date, not the UTC one")
	require.Equal(t, date(2026, 7, 2), civil.Of(time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, date(2026, 7, 2), civil.Of(time.Date(2026, 7, 2, 23, 59, 0, 0, time.UTC)))
	require.Equal(t, date(1969, 12, 31), civil.Of(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, date(1, 1, 1), civil.Of(time.Time{}))
}

func TestTimeRoundTrip(t *testing.T) {
	for _, d := range []civil.Date{date(1970, 1, 1), date(1969, 12, 31), date(2028, 2, 29), date(2026, 3, 29), date(2026, 10, 25), date(1, 1, 1), date(9999, 12, 31), date(-400, 3, 1)} {
		tm := d.Time()
		require.Equal(t, time.UTC, tm.Location())
		require.Zero(t, tm.Hour())
		require.Equal(t, d, civil.Of(tm), d.String())
		require.Equal(t, d, civil.FromDays(d.Days()), d.String())
		require.Equal(t, d.Days(), civil.DaysOf(tm), d.String())
		require.Equal(t, tm, civil.MidnightUTC(d.Days()), d.String())
		require.Equal(t, d.Days(), civil.DaysOf(time.Date(d.Year, d.Month, d.Day, 23, 59, 0, 0, time.FixedZone("west", -11*3600))), d.String())
	}
	require.Equal(t, int64(0), date(1970, 1, 1).Days())
	require.Equal(t, int64(-1), date(1969, 12, 31).Days())
}

// TestDaysAgreesWithTime compares the day numbers with package time over
// every day from 1896 to 2104 (leap centuries and non-leap 1900 and 2100).
func TestDaysAgreesWithTime(t *testing.T) {
	start := time.Date(1896, 1, 1, 0, 0, 0, 0, time.UTC)
	for tm := start; tm.Year() < 2105; tm = tm.AddDate(0, 0, 1) {
		y, m, dd := tm.Date()
		d := date(y, m, dd)
		n := tm.Unix() / 86400
		if d.Days() != n || civil.FromDays(n) != d || d.Weekday() != tm.Weekday() {
			t.Fatalf("%s: Days %d FromDays %s Weekday %s; time gives %d, %s", d, d.Days(), civil.FromDays(n), d.Weekday(), n, tm.Weekday())
		}
	}
}

func TestNew(t *testing.T) {
	require.Equal(t, date(2025, 3, 1), civil.New(2025, time.February, 29))
	require.Equal(t, date(2028, 2, 29), civil.New(2028, time.February, 29))
	require.Equal(t, date(2025, 2, 28), civil.New(2025, time.March, 0))
	require.Equal(t, date(2026, 1, 31), civil.New(2025, time.December+1, 31))
	require.Equal(t, date(2025, 5, 1), civil.New(2025, time.April, 31))
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name string
		from civil.Date
		n    int
		want civil.Date
	}{
		{"zero", date(2026, 5, 31), 0, date(2026, 5, 31)},
		{"month end", date(2026, 5, 31), 1, date(2026, 6, 1)},
		{"into 29 February", date(2028, 2, 28), 1, date(2028, 2, 29)},
		{"past 29 February", date(2028, 2, 29), 1, date(2028, 3, 1)},
		{"no 29 February in 2027", date(2027, 2, 28), 1, date(2027, 3, 1)},
		{"no 29 February in 2100", date(2100, 2, 28), 1, date(2100, 3, 1)},
		{"clocks go forward: still one day", date(2027, 3, 27), 2, date(2027, 3, 29)},
		{"clocks go back: still one day", date(2026, 10, 24), 2, date(2026, 10, 26)},
		{"year end", date(2026, 12, 31), 1, date(2027, 1, 1)},
		{"backwards over a year end", date(2027, 1, 1), -1, date(2026, 12, 31)},
		{"backwards over 29 February", date(2028, 3, 1), -1, date(2028, 2, 29)},
		{"a leap year", date(2028, 1, 1), 366, date(2029, 1, 1)},
		{"literal out of range is normalised", date(2025, 4, 31), 0, date(2025, 5, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.from.AddDays(tt.n))
		})
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		name string
		from civil.Date
		n    int
		want civil.Date
	}{
		{"31 May − 3 months is 28 February", date(2025, 5, 31), -3, date(2025, 2, 28)},
		{"31 May − 3 months is 29 February in a leap year", date(2028, 5, 31), -3, date(2028, 2, 29)},
		{"30 June − 3 months is 30 March", date(2025, 6, 30), -3, date(2025, 3, 30)},
		{"31 January + 1 month is 28 February", date(2027, 1, 31), 1, date(2027, 2, 28)},
		{"31 January + 1 month is 29 February in a leap year", date(2028, 1, 31), 1, date(2028, 2, 29)},
		{"29 February + 12 months is 28 February", date(2028, 2, 29), 12, date(2029, 2, 28)},
		{"29 February + 48 months is 29 February", date(2028, 2, 29), 48, date(2032, 2, 29)},
		{"31 March − 1 month is 28 February", date(2026, 3, 31), -1, date(2026, 2, 28)},
		{"31 October + 1 month is 30 November", date(2026, 10, 31), 1, date(2026, 11, 30)},
		{"back over a year end", date(2026, 1, 15), -1, date(2025, 12, 15)},
		{"back 13 months", date(2026, 1, 31), -13, date(2024, 12, 31)},
		{"forward over a year end", date(2026, 12, 31), 2, date(2027, 2, 28)},
		{"zero", date(2026, 12, 31), 0, date(2026, 12, 31)},
		{"back 24 months from 29 February", date(2028, 2, 29), -24, date(2026, 2, 28)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.from.AddMonths(tt.n))
		})
	}
}

func TestCompare(t *testing.T) {
	a, b := date(2028, 2, 29), date(2028, 3, 1)
	require.True(t, a.Before(b))
	require.True(t, b.After(a))
	require.False(t, a.After(a))
	require.False(t, a.Before(a))
	require.Equal(t, 0, a.Compare(a))
	require.Equal(t, -1, date(2027, 12, 31).Compare(date(2028, 1, 1)))
	require.Equal(t, 1, date(2028, 1, 1).Compare(date(2027, 12, 31)))
	require.Equal(t, 0, date(2025, 4, 31).Compare(date(2025, 5, 1)), "normalised")
	require.True(t, civil.Date{}.IsZero())
	require.False(t, a.IsZero())
}

func TestDaysIn(t *testing.T) {
	require.Equal(t, 29, civil.DaysIn(2028, time.February))
	require.Equal(t, 28, civil.DaysIn(2100, time.February))
	require.Equal(t, 29, civil.DaysIn(2000, time.February))
	require.Equal(t, 28, civil.DaysIn(2027, time.February))
	require.Equal(t, 30, civil.DaysIn(2027, time.April))
	require.Equal(t, 31, civil.DaysIn(2027, time.December))
}

func TestFormat(t *testing.T) {
	require.Equal(t, "2025-04-01", date(2025, 4, 1).String())
	require.Equal(t, "1 April 2025", date(2025, 4, 1).Long())
	require.Equal(t, "29 February 2028", date(2028, 2, 29).Long())
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want civil.Date
		ok   bool
	}{
		{"2025-04-01", date(2025, 4, 1), true},
		{"  2028-02-29 ", date(2028, 2, 29), true},
		{"2027-02-29", civil.Date{}, false},
		{"2027-13-01", civil.Date{}, false},
		{"2027-1-01", civil.Date{}, false},
		{"+202-01-01", civil.Date{}, false},
		{"2027/01/01", civil.Date{}, false},
		{"01-01-2027", civil.Date{}, false},
		{"", civil.Date{}, false},
		{"2027-01-01T00:00:00Z", civil.Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := civil.Parse(tt.in)
			if !tt.ok {
				require.ErrorIs(t, err, civil.ErrFormat)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2025-04-01", "2028-02-29", "2027-02-29", " 2027-01-01", "+202-01-01", "٢٠٢٧-01-01", "",
		"2025-05-31", " 2024-02-29 ", "2025-02-29", "31/05/2025", "+2025-05-31", "2025-5-31", "0000-01-01", "9999-12-31", "2025-05-31T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := civil.Parse(s)
		if err != nil {
			require.ErrorIs(t, err, civil.ErrFormat)
			require.True(t, d.IsZero())
			return
		}
		// A date that parses writes back as the same text, and is a real day.
		require.Equal(t, strings.TrimSpace(s), d.String())
		again, err := civil.Parse(d.String())
		require.NoError(t, err)
		require.Equal(t, d, again)
		require.Equal(t, d, civil.FromDays(d.Days()))
		require.Equal(t, d, civil.Of(d.Time()))
	})
}
