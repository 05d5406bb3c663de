package zones_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// bhDate is a civil date as the package represents it: 00:00 UTC.
func bhDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var allNations = []zones.Nation{zones.EnglandAndWales, zones.Scotland, zones.NorthernIreland}

func TestParseNation(t *testing.T) {
	tests := []struct {
		in   string
		want zones.Nation
	}{
		{"england-and-wales", zones.EnglandAndWales},
		{"England-And-Wales", zones.EnglandAndWales},
		{"ENGLAND-AND-WALES", zones.EnglandAndWales},
		{"scotland", zones.Scotland},
		{"Scotland", zones.Scotland},
		{"northern-ireland", zones.NorthernIreland},
		{"Northern-Ireland", zones.NorthernIreland},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := zones.ParseNation(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseNationRejects(t *testing.T) {
	for _, in := range []string{
		"", "england", "wales", "England and Wales", "england_and_wales",
		" scotland", "scotland ", "ni", "northern ireland", "uk", "ſcotland",
		"Nation(0)", "1",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := zones.ParseNation(in)
			require.ErrorIs(t, err, zones.ErrUnknownNation)
			require.Zero(t, got)
			var ne *zones.NationError
			require.True(t, errors.As(err, &ne))
			require.Equal(t, in, ne.Input)
			msg := err.Error()
			require.Contains(t, msg, fmt.Sprintf("%q", in), "the error names the input")
			for _, n := range allNations {
				require.Contains(t, msg, n.String(), "the error lists the accepted values")
			}
		})
	}
}

func TestNationString(t *testing.T) {
	require.Equal(t, "england-and-wales", zones.EnglandAndWales.String())
	require.Equal(t, "scotland", zones.Scotland.String())
	require.Equal(t, "northern-ireland", zones.NorthernIreland.String())
	require.Equal(t, "Nation(0)", zones.Nation(0).String())
	require.Equal(t, "Nation(4)", zones.Nation(4).String())
	require.Equal(t, "Nation(-1)", zones.Nation(-1).String())
}

func TestNationTextRoundTrip(t *testing.T) {
	for _, n := range allNations {
		text, err := n.MarshalText()
		require.NoError(t, err)
		require.Equal(t, n.String(), string(text))

		var back zones.Nation
		require.NoError(t, back.UnmarshalText(text))
		require.Equal(t, n, back)
	}
}

func TestNationTextInJSON(t *testing.T) {
	type scheme struct {
		Nation zones.Nation `json:"nation"`
	}
	var s scheme
	require.NoError(t, json.Unmarshal([]byte(`{"nation":"Scotland"}`), &s))
	require.Equal(t, zones.Scotland, s.Nation)

	out, err := json.Marshal(scheme{Nation: zones.NorthernIreland})
	require.NoError(t, err)
	require.JSONEq(t, `{"nation":"northern-ireland"}`, string(out))

	err = json.Unmarshal([]byte(`{"nation":"wales"}`), &s)
	require.ErrorIs(t, err, zones.ErrUnknownNation)
	require.Equal(t, zones.Scotland, s.Nation, "a failed unmarshal leaves the value alone")
}

func TestNationMarshalInvalid(t *testing.T) {
	for _, n := range []zones.Nation{0, 4, -1} {
		_, err := n.MarshalText()
		require.ErrorIs(t, err, zones.ErrUnknownNation)
		require.Contains(t, err.Error(), n.String())
	}
}

func FuzzParseNation(f *testing.F) {
	for _, s := range []string{"england-and-wales", "SCOTLAND", "Northern-Ireland", "", "wales", "ſcotland", "scotland\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := zones.ParseNation(s)
		if err != nil {
			require.ErrorIs(t, err, zones.ErrUnknownNation)
			require.Zero(t, n)
			require.NotEqual(t, "", strings.TrimSpace(err.Error()))
			return
		}
		// Accepted input is a nation name up to ASCII case, and nothing else.
		require.Equal(t, n.String(), asciiLower(s))
		text, err := n.MarshalText()
		require.NoError(t, err)
		again, err := zones.ParseNation(string(text))
		require.NoError(t, err)
		require.Equal(t, n, again)
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

func TestCalendarInvalidNationPanics(t *testing.T) {
	require.Panics(t, func() { zones.Calendar(0) })
	require.Panics(t, func() { zones.Calendar(4) })
}

// govukFeed is the structure of www.gov.uk/bank-holidays.json.
type govukFeed map[string]struct {
	Division string `json:"division"`
	Events   []struct {
		Title string `json:"title"`
		Date  string `json:"date"`
		Notes string `json:"notes"`
	} `json:"events"`
}

// TestCalendarMatchesGOVUK checks the calendars both ways against GOV.UK's
// own feed for every year it covers: every GOV.UK bank holiday is a
// non-working day in our calendar under GOV.UK's name, and every day our
// calendar treats as a bank holiday is in GOV.UK's list.
func TestCalendarMatchesGOVUK(t *testing.T) {
	raw, err := os.ReadFile("testdata/govuk-bank-holidays.json")
	require.NoError(t, err)
	var feed govukFeed
	require.NoError(t, json.Unmarshal(raw, &feed))
	require.Len(t, feed, 3)

	for _, n := range allNations {
		t.Run(n.String(), func(t *testing.T) {
			div, ok := feed[n.String()]
			require.True(t, ok, "GOV.UK has a division named %q", n)
			parsed, err := zones.ParseNation(div.Division)
			require.NoError(t, err, "ParseNation accepts GOV.UK's division name")
			require.Equal(t, n, parsed)
			require.NotEmpty(t, div.Events)

			c := zones.Calendar(n)
			listed := map[time.Time]string{}
			first, last := 9999, 0
			for _, ev := range div.Events {
				day, err := time.Parse(time.DateOnly, ev.Date)
				require.NoError(t, err)
				listed[day] = ev.Title
				first, last = min(first, day.Year()), max(last, day.Year())

				_, observed, h := c.IsHoliday(day)
				require.True(t, observed, "%s %s (%s) is a bank holiday", ev.Date, ev.Title, ev.Notes)
				require.Equal(t, ev.Title, h.Name, "%s is named as GOV.UK names it", ev.Date)
				require.False(t, c.IsWorkday(day), "%s %s is not a working day", ev.Date, ev.Title)
			}
			require.Equal(t, 2024, first)
			require.Equal(t, 2027, last)

			for day := bhDate(first, time.January, 1); day.Year() <= last; day = day.AddDate(0, 0, 1) {
				title, isListed := listed[day]
				_, observed, h := c.IsHoliday(day)
				if observed {
					require.True(t, isListed, "%s (%s) is a holiday in our calendar but not in GOV.UK's list",
						day.Format(time.DateOnly), h.Name)
				}
				weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
				require.Equal(t, !weekend && !isListed, c.IsWorkday(day),
					"%s %s working day? (GOV.UK: %q)", day.Format(time.DateOnly), day.Weekday(), title)
			}
		})
	}
}

// TestCalendarPinned pins days outside the GOV.UK file: the substitute-day
// rules in years that exercise them, the one-off days, and GOV.UK's own
// published dates for 2012-2019 where they test a rule.
func TestCalendarPinned(t *testing.T) {
	const (
		ew = zones.EnglandAndWales
		sc = zones.Scotland
		ni = zones.NorthernIreland
	)
	tests := []struct {
		nations []zones.Nation
		day     time.Time
		holiday string // GOV.UK's title; "" means a working day
	}{
		// 2021: 1 January a Friday, so Scotland's 2 January (Saturday) moves to Monday 4.
		{[]zones.Nation{sc}, bhDate(2021, 1, 1), "New Year’s Day"},
		{[]zones.Nation{sc}, bhDate(2021, 1, 4), "2nd January"},
		{[]zones.Nation{ew, ni}, bhDate(2021, 1, 4), ""},
		{[]zones.Nation{ew, ni}, bhDate(2021, 4, 5), "Easter Monday"},
		{[]zones.Nation{sc}, bhDate(2021, 4, 5), ""},
		{allNations, bhDate(2021, 4, 2), "Good Friday"},
		// St Andrew's Day 2021 is a Tuesday: no substitute.
		{[]zones.Nation{sc}, bhDate(2021, 11, 30), "St Andrew’s Day"},
		{[]zones.Nation{sc}, bhDate(2021, 11, 29), ""},
		{[]zones.Nation{sc}, bhDate(2021, 12, 1), ""},
		{[]zones.Nation{ew, ni}, bhDate(2021, 11, 30), ""},
		{[]zones.Nation{ni}, bhDate(2021, 3, 17), "St Patrick’s Day"},
		{[]zones.Nation{ni}, bhDate(2021, 7, 12), "Battle of the Boyne (Orangemen’s Day)"},
		{[]zones.Nation{ni}, bhDate(2021, 7, 13), ""},
		{[]zones.Nation{ew, sc}, bhDate(2021, 7, 12), ""},
		// Christmas 2021 on a Saturday: both days move, to Monday and Tuesday.
		{allNations, bhDate(2021, 12, 27), "Christmas Day"},
		{allNations, bhDate(2021, 12, 28), "Boxing Day"},
		{allNations, bhDate(2021, 12, 29), ""},

		// 2022: 1 January a Saturday; Scotland loses neither day.
		{allNations, bhDate(2022, 1, 3), "New Year’s Day"},
		{[]zones.Nation{sc}, bhDate(2022, 1, 4), "2nd January"},
		{[]zones.Nation{ew, ni}, bhDate(2022, 1, 4), ""},
		// Spring bank holiday moved for the Platinum Jubilee, and the funeral.
		{allNations, bhDate(2022, 5, 30), ""},
		{allNations, bhDate(2022, 6, 2), "Spring bank holiday"},
		{allNations, bhDate(2022, 6, 3), "Platinum Jubilee bank holiday"},
		{allNations, bhDate(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"},
		// Christmas 2022 on a Sunday: Boxing Day keeps Monday, Christmas moves to Tuesday.
		{allNations, bhDate(2022, 12, 26), "Boxing Day"},
		{allNations, bhDate(2022, 12, 27), "Christmas Day"},
		// 2023: coronation, on top of the ordinary early May bank holiday.
		{allNations, bhDate(2023, 5, 1), "Early May bank holiday"},
		{allNations, bhDate(2023, 5, 8), "Bank holiday for the coronation of King Charles III"},
		{allNations, bhDate(2023, 5, 29), "Spring bank holiday"},
		// 2020: early May bank holiday moved to VE day.
		{allNations, bhDate(2020, 5, 4), ""},
		{allNations, bhDate(2020, 5, 8), "Early May bank holiday (VE day)"},
		{allNations, bhDate(2020, 5, 25), "Spring bank holiday"},

		// GOV.UK's published dates, 2012-2019.
		{allNations, bhDate(2012, 5, 28), ""},
		{allNations, bhDate(2012, 6, 4), "Spring bank holiday"},
		{allNations, bhDate(2012, 6, 5), "Queen’s Diamond Jubilee"},
		{[]zones.Nation{ni}, bhDate(2012, 3, 19), "St Patrick’s Day"},
		{[]zones.Nation{sc}, bhDate(2012, 1, 2), "2nd January"},
		{[]zones.Nation{sc}, bhDate(2012, 1, 3), "New Year’s Day"},
		{[]zones.Nation{ew, ni}, bhDate(2012, 1, 2), "New Year’s Day"},
		{[]zones.Nation{ew, ni}, bhDate(2012, 1, 3), ""},
		{[]zones.Nation{sc}, bhDate(2013, 12, 2), "St Andrew’s Day"},
		{[]zones.Nation{ni}, bhDate(2014, 7, 14), "Battle of the Boyne (Orangemen’s Day)"},
		{[]zones.Nation{ni}, bhDate(2015, 7, 13), "Battle of the Boyne (Orangemen’s Day)"},
		{[]zones.Nation{sc}, bhDate(2016, 1, 4), "2nd January"},
		{[]zones.Nation{sc}, bhDate(2016, 8, 1), "Summer bank holiday"},
		{[]zones.Nation{sc}, bhDate(2017, 1, 2), "2nd January"},
		{[]zones.Nation{sc}, bhDate(2017, 1, 3), "New Year’s Day"},
		{[]zones.Nation{ew, ni}, bhDate(2017, 1, 2), "New Year’s Day"},
		{[]zones.Nation{ew, ni}, bhDate(2017, 1, 3), ""},
		{[]zones.Nation{sc}, bhDate(2019, 12, 2), "St Andrew’s Day"},

		// 2028: a leap year with 1 January on a Saturday and Easter on 16 April.
		{allNations, bhDate(2028, 1, 3), "New Year’s Day"},
		{[]zones.Nation{sc}, bhDate(2028, 1, 4), "2nd January"},
		{[]zones.Nation{ew, ni}, bhDate(2028, 1, 4), ""},
		{allNations, bhDate(2028, 2, 29), ""},
		{[]zones.Nation{ni}, bhDate(2028, 3, 17), "St Patrick’s Day"},
		{allNations, bhDate(2028, 4, 14), "Good Friday"},
		{[]zones.Nation{ew, ni}, bhDate(2028, 4, 17), "Easter Monday"},
		{[]zones.Nation{sc}, bhDate(2028, 4, 17), ""},
		{allNations, bhDate(2028, 5, 1), "Early May bank holiday"},
		{allNations, bhDate(2028, 5, 29), "Spring bank holiday"},
		{[]zones.Nation{ni}, bhDate(2028, 7, 12), "Battle of the Boyne (Orangemen’s Day)"},
		{[]zones.Nation{sc}, bhDate(2028, 8, 7), "Summer bank holiday"},
		{[]zones.Nation{ew, ni}, bhDate(2028, 8, 7), ""},
		{[]zones.Nation{ew, ni}, bhDate(2028, 8, 28), "Summer bank holiday"},
		{[]zones.Nation{sc}, bhDate(2028, 8, 28), ""},
		{[]zones.Nation{sc}, bhDate(2028, 11, 30), "St Andrew’s Day"},
		{allNations, bhDate(2028, 12, 25), "Christmas Day"},
		{allNations, bhDate(2028, 12, 26), "Boxing Day"},
		{allNations, bhDate(2028, 12, 27), ""},
		// 2029: St Patrick's Day on a Saturday moves to Monday 19 March.
		{[]zones.Nation{ni}, bhDate(2029, 3, 19), "St Patrick’s Day"},
		{[]zones.Nation{ni}, bhDate(2029, 3, 20), ""},
		// 2032/33: Christmas on a Saturday, then 1 January on a Saturday.
		{allNations, bhDate(2032, 12, 27), "Christmas Day"},
		{allNations, bhDate(2032, 12, 28), "Boxing Day"},
		{allNations, bhDate(2033, 1, 3), "New Year’s Day"},
		{[]zones.Nation{sc}, bhDate(2033, 1, 4), "2nd January"},
	}
	for _, tt := range tests {
		for _, n := range tt.nations {
			name := fmt.Sprintf("%s/%s", n, tt.day.Format(time.DateOnly))
			t.Run(name, func(t *testing.T) {
				require.NotEqual(t, time.Saturday, tt.day.Weekday(), "pinned days are weekdays")
				require.NotEqual(t, time.Sunday, tt.day.Weekday(), "pinned days are weekdays")
				c := zones.Calendar(n)
				_, observed, h := c.IsHoliday(tt.day)
				if tt.holiday == "" {
					require.False(t, observed, "unexpected holiday %v", h)
					require.True(t, c.IsWorkday(tt.day))
					return
				}
				require.True(t, observed)
				require.Equal(t, tt.holiday, h.Name)
				require.False(t, c.IsWorkday(tt.day))
			})
		}
	}
}

// TestCalendarHolidayCounts pins the number of weekday bank holidays per
// year, which catches a rule that fires twice or not at all in a year the
// pinned dates do not reach.
func TestCalendarHolidayCounts(t *testing.T) {
	// Ordinary years: 8 in England and Wales, 9 in Scotland, 10 in Northern Ireland.
	want := map[zones.Nation]int{zones.EnglandAndWales: 8, zones.Scotland: 9, zones.NorthernIreland: 10}
	extra := map[int]int{2012: 1, 2022: 2, 2023: 1} // one-off days that were added, not moved
	for _, n := range allNations {
		c := zones.Calendar(n)
		for year := 2012; year <= 2040; year++ {
			got := 0
			for day := bhDate(year, 1, 1); day.Year() == year; day = day.AddDate(0, 0, 1) {
				_, observed, _ := c.IsHoliday(day)
				if observed {
					require.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, day.Weekday(),
						"%s %s: a holiday is observed at a weekend", n, day.Format(time.DateOnly))
					got++
				}
			}
			require.Equal(t, want[n]+extra[year], got, "%s %d", n, year)
		}
	}
}

func TestCalendarIsFresh(t *testing.T) {
	a := zones.Calendar(zones.EnglandAndWales)
	b := zones.Calendar(zones.EnglandAndWales)
	require.NotSame(t, a, b)

	closure := bhDate(2026, 6, 15) // a Monday
	a.AddHoliday(&cal.Holiday{Name: "Council closure", Month: time.June, Day: 15,
		Func: func(h *cal.Holiday, y int) time.Time { return bhDate(y, h.Month, h.Day) }})
	require.False(t, a.IsWorkday(closure))
	require.True(t, b.IsWorkday(closure), "adding to one calendar leaves the others alone")

	for _, h := range a.Holidays {
		h.Month, h.Offset = time.February, 9 // change every rule in place
	}
	christmas := bhDate(2026, 12, 25)
	require.False(t, b.IsWorkday(christmas), "rules are not shared between calendars")
	require.False(t, zones.Calendar(zones.EnglandAndWales).IsWorkday(christmas))
	require.False(t, zones.Calendar(zones.EnglandAndWales).IsWorkday(bhDate(2026, 4, 3)), "Good Friday")
}

// TestCalendarConcurrentReads is for the race detector: a shared calendar
// is only read by IsWorkday.
func TestCalendarConcurrentReads(t *testing.T) {
	c := zones.Calendar(zones.Scotland)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			counts[i] = zones.WorkingDaysBetween(c, bhDate(2025, 12, 31), bhDate(2026, 12, 31))
		})
	}
	wg.Wait()
	for _, got := range counts {
		require.Equal(t, 252, got)
	}
}

func TestAddWorkingDays(t *testing.T) {
	const (
		ew = zones.EnglandAndWales
		sc = zones.Scotland
		ni = zones.NorthernIreland
	)
	tests := []struct {
		name   string
		nation zones.Nation
		from   time.Time
		n      int
		want   time.Time
	}{
		{"zero returns from", ew, bhDate(2026, 3, 4), 0, bhDate(2026, 3, 4)},
		{"zero on a Saturday returns the Saturday", ew, bhDate(2026, 3, 7), 0, bhDate(2026, 3, 7)},
		{"zero on a bank holiday returns it", ew, bhDate(2025, 12, 25), 0, bhDate(2025, 12, 25)},
		{"next day", ew, bhDate(2026, 3, 4), 1, bhDate(2026, 3, 5)},
		{"Friday plus one is Monday", ew, bhDate(2026, 3, 6), 1, bhDate(2026, 3, 9)},
		{"Saturday plus one is Monday", ew, bhDate(2026, 3, 7), 1, bhDate(2026, 3, 9)},
		{"Sunday plus one is Monday", ew, bhDate(2026, 3, 8), 1, bhDate(2026, 3, 9)},
		{"two weeks", ew, bhDate(2026, 3, 4), 10, bhDate(2026, 3, 18)},

		// Christmas and New Year 2025/26.
		{"Christmas Eve plus one", ew, bhDate(2025, 12, 24), 1, bhDate(2025, 12, 29)},
		{"Christmas Day plus one", ew, bhDate(2025, 12, 25), 1, bhDate(2025, 12, 29)},
		{"over New Year E&W", ew, bhDate(2025, 12, 24), 4, bhDate(2026, 1, 2)},
		{"over New Year Scotland skips 2 January", sc, bhDate(2025, 12, 24), 4, bhDate(2026, 1, 5)},
		{"over New Year NI", ni, bhDate(2025, 12, 24), 4, bhDate(2026, 1, 2)},
		{"Christmas 2027 substitutes", ew, bhDate(2027, 12, 24), 1, bhDate(2027, 12, 29)},
		{"10 days over Christmas 2026", ew, bhDate(2026, 12, 18), 10, bhDate(2027, 1, 6)},
		{"10 days over Christmas 2026 Scotland", sc, bhDate(2026, 12, 18), 10, bhDate(2027, 1, 7)},

		// Easter 2026: Good Friday 3 April, Easter Monday 6 April.
		{"Easter E&W", ew, bhDate(2026, 4, 2), 1, bhDate(2026, 4, 7)},
		{"Easter Scotland keeps Easter Monday", sc, bhDate(2026, 4, 2), 1, bhDate(2026, 4, 6)},
		{"Easter NI", ni, bhDate(2026, 4, 2), 1, bhDate(2026, 4, 7)},

		// Nation-only bank holidays.
		{"St Patrick's Day NI", ni, bhDate(2026, 3, 16), 1, bhDate(2026, 3, 18)},
		{"St Patrick's Day is not English", ew, bhDate(2026, 3, 16), 1, bhDate(2026, 3, 17)},
		{"Boyne substitute NI", ni, bhDate(2026, 7, 10), 1, bhDate(2026, 7, 14)},
		{"Boyne substitute is not Scottish", sc, bhDate(2026, 7, 10), 1, bhDate(2026, 7, 13)},
		{"St Andrew's substitute Scotland", sc, bhDate(2025, 11, 28), 1, bhDate(2025, 12, 2)},
		{"St Andrew's substitute is not Northern Irish", ni, bhDate(2025, 11, 28), 1, bhDate(2025, 12, 1)},
		{"Scottish summer holiday", sc, bhDate(2026, 7, 31), 1, bhDate(2026, 8, 4)},
		{"English summer holiday at month end", ew, bhDate(2026, 8, 28), 1, bhDate(2026, 9, 1)},
		{"Scotland works the English summer holiday", sc, bhDate(2026, 8, 28), 1, bhDate(2026, 8, 31)},

		// 29 February 2028 (a Tuesday) and month ends.
		{"into 29 February", ew, bhDate(2028, 2, 25), 2, bhDate(2028, 2, 29)},
		{"from 29 February", ew, bhDate(2028, 2, 29), 1, bhDate(2028, 3, 1)},
		{"over 29 February", ew, bhDate(2028, 2, 28), 2, bhDate(2028, 3, 1)},
		{"January end", ew, bhDate(2026, 1, 30), 1, bhDate(2026, 2, 2)},
		{"non-leap February end", ew, bhDate(2027, 2, 26), 1, bhDate(2027, 3, 1)},
		{"spring bank holiday at May end", ew, bhDate(2026, 5, 22), 1, bhDate(2026, 5, 26)},

		// Counting back.
		{"minus one over Christmas", ew, bhDate(2025, 12, 29), -1, bhDate(2025, 12, 24)},
		{"minus one from Saturday", ew, bhDate(2026, 3, 7), -1, bhDate(2026, 3, 6)},
		{"minus one to 29 February", ew, bhDate(2028, 3, 1), -1, bhDate(2028, 2, 29)},
		{"minus over New Year Scotland", sc, bhDate(2026, 1, 5), -4, bhDate(2025, 12, 24)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := zones.Calendar(tt.nation)
			got := zones.AddWorkingDays(c, tt.from, tt.n)
			require.Equal(t, tt.want, got, "got %s", got.Format("Mon 2006-01-02"))
			require.Equal(t, time.UTC, got.Location())
			if tt.n != 0 {
				require.True(t, c.IsWorkday(got))
			}
		})
	}
}

func TestAddWorkingDaysUsesCivilDate(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	c := zones.Calendar(zones.EnglandAndWales)

	// 23:30 on Christmas Eve in London is still Christmas Eve, whatever
	// the instant is in UTC.
	from := time.Date(2025, 12, 24, 23, 30, 0, 0, london)
	require.Equal(t, bhDate(2025, 12, 29), zones.AddWorkingDays(c, from, 1))

	// During BST 00:30 London is 23:30 UTC the day before; the London date counts.
	from = time.Date(2026, 8, 28, 0, 30, 0, 0, london)
	require.Equal(t, bhDate(2026, 9, 1), zones.AddWorkingDays(c, from, 1))

	// n = 0 still drops the time of day.
	require.Equal(t, bhDate(2026, 8, 28), zones.AddWorkingDays(c, from, 0))
}

// TestAddWorkingDaysReviewDeadlines pins the review-deadline cases that
// evidence.ReviewDueOn, the second working-day count now removed, was tested
// with, so the one function answers them the same.
func TestAddWorkingDaysReviewDeadlines(t *testing.T) {
	c := zones.Calendar(zones.EnglandAndWales)
	tests := []struct {
		name string
		on   time.Time
		days int
		want time.Time
	}{
		{"10 working days from Friday 19 December 2025 skip Christmas, Boxing Day and New Year's Day", bhDate(2025, 12, 19), 10, bhDate(2026, 1, 7)},
		{"1 working day from a Friday is the Monday", bhDate(2025, 5, 30), 1, bhDate(2025, 6, 2)},
		{"1 working day from a Saturday is the Monday", bhDate(2025, 5, 31), 1, bhDate(2025, 6, 2)},
		{"the submission day does not count even when it is a working day", bhDate(2025, 6, 2), 1, bhDate(2025, 6, 3)},
		{"1 working day from Maundy Thursday skips Good Friday and Easter Monday", bhDate(2025, 4, 17), 1, bhDate(2025, 4, 22)},
		{"Spring bank holiday 26 May 2025 is skipped", bhDate(2025, 5, 23), 1, bhDate(2025, 5, 27)},
		{"0 working days is the submission date", bhDate(2025, 5, 31), 0, bhDate(2025, 5, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, zones.AddWorkingDays(c, tt.on, tt.days))
		})
	}
}

// TestAddWorkingDaysLimitedCalendar is the regression test for the two
// working-day counts disagreeing: a calendar limited to Europe/London (cal's
// Locations) ignores every holiday on a time.Time in another zone, and
// AddWorkingDays used to hand it 00:00 UTC, so it counted Christmas as a
// working day. It now asks such a calendar at noon in its own zone.
func TestAddWorkingDaysLimitedCalendar(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	c := zones.Calendar(zones.EnglandAndWales)
	c.Locations = []*time.Location{london}

	require.Equal(t, bhDate(2026, 1, 7), zones.AddWorkingDays(c, time.Date(2025, 12, 19, 0, 0, 0, 0, london), 10))
	require.Equal(t, bhDate(2025, 4, 22), zones.AddWorkingDays(c, bhDate(2025, 4, 17), 1))
	require.Equal(t, bhDate(2025, 4, 17), zones.AddWorkingDays(c, bhDate(2025, 4, 22), -1))
	// Over the clock changes (30 March and 26 October 2025) each date is still one day.
	require.Equal(t, bhDate(2025, 3, 31), zones.AddWorkingDays(c, bhDate(2025, 3, 28), 1))
	require.Equal(t, bhDate(2025, 10, 27), zones.AddWorkingDays(c, bhDate(2025, 10, 24), 1))
	require.Equal(t, 9, zones.WorkingDaysBetween(c, bhDate(2025, 12, 19), bhDate(2026, 1, 6)))
	require.Equal(t, -9, zones.WorkingDaysBetween(c, bhDate(2026, 1, 6), bhDate(2025, 12, 19)))
	require.Equal(t, 1, zones.WorkingDaysBetween(c, bhDate(2025, 3, 28), bhDate(2025, 3, 31)))

	d := zones.WorkingDaysAfter(c, civil.Date{Year: 2025, Month: time.December, Day: 19}, 10)
	require.Equal(t, civil.Date{Year: 2026, Month: time.January, Day: 7}, d)
}

func TestWorkingDaysBetween(t *testing.T) {
	const (
		ew = zones.EnglandAndWales
		sc = zones.Scotland
		ni = zones.NorthernIreland
	)
	tests := []struct {
		name     string
		nation   zones.Nation
		from, to time.Time
		want     int
	}{
		{"same day", ew, bhDate(2026, 3, 4), bhDate(2026, 3, 4), 0},
		{"same holiday", ew, bhDate(2025, 12, 25), bhDate(2025, 12, 25), 0},
		{"next day", ew, bhDate(2026, 3, 4), bhDate(2026, 3, 5), 1},
		{"Friday to Saturday", ew, bhDate(2026, 3, 6), bhDate(2026, 3, 7), 0},
		{"Friday to Sunday", ew, bhDate(2026, 3, 6), bhDate(2026, 3, 8), 0},
		{"Friday to Monday", ew, bhDate(2026, 3, 6), bhDate(2026, 3, 9), 1},
		{"Saturday to Sunday", ew, bhDate(2026, 3, 7), bhDate(2026, 3, 8), 0},
		{"Sunday to Monday", ew, bhDate(2026, 3, 8), bhDate(2026, 3, 9), 1},
		{"Monday to Friday", ew, bhDate(2026, 3, 9), bhDate(2026, 3, 13), 4},
		{"backwards", ew, bhDate(2026, 3, 13), bhDate(2026, 3, 9), -4},
		{"backwards Monday to Friday", ew, bhDate(2026, 3, 9), bhDate(2026, 3, 6), -1},

		{"over New Year E&W", ew, bhDate(2025, 12, 24), bhDate(2026, 1, 2), 4},
		{"over New Year Scotland", sc, bhDate(2025, 12, 24), bhDate(2026, 1, 2), 3},
		{"over New Year Scotland backwards", sc, bhDate(2026, 1, 2), bhDate(2025, 12, 24), -3},
		{"Christmas only", ew, bhDate(2025, 12, 24), bhDate(2025, 12, 28), 0},
		{"Easter E&W", ew, bhDate(2026, 4, 2), bhDate(2026, 4, 7), 1},
		{"Easter Scotland", sc, bhDate(2026, 4, 2), bhDate(2026, 4, 7), 2},
		{"July NI", ni, bhDate(2026, 7, 10), bhDate(2026, 7, 17), 4},
		{"July E&W", ew, bhDate(2026, 7, 10), bhDate(2026, 7, 17), 5},
		{"over 29 February", ew, bhDate(2028, 2, 28), bhDate(2028, 3, 1), 2},
		{"February 2028", ew, bhDate(2028, 1, 31), bhDate(2028, 2, 29), 21},
		{"February 2027", ew, bhDate(2027, 1, 31), bhDate(2027, 2, 28), 20},

		// 2026 has 261 weekdays (1 January is a Thursday) and every bank
		// holiday falls on a weekday or is substituted onto one.
		{"year 2026 E&W", ew, bhDate(2025, 12, 31), bhDate(2026, 12, 31), 261 - 8},
		{"year 2026 Scotland", sc, bhDate(2025, 12, 31), bhDate(2026, 12, 31), 261 - 9},
		{"year 2026 NI", ni, bhDate(2025, 12, 31), bhDate(2026, 12, 31), 261 - 10},
		{"year 2022 E&W with one-offs", ew, bhDate(2021, 12, 31), bhDate(2022, 12, 31), 260 - 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := zones.Calendar(tt.nation)
			require.Equal(t, tt.want, zones.WorkingDaysBetween(c, tt.from, tt.to))
			require.Equal(t, -tt.want, zones.WorkingDaysBetween(c, tt.to, tt.from), "swapping negates")
		})
	}
}

// TestWorkingDaysAgree checks the two helpers against each other, and
// against a plain day-by-day count, for every pair of dates in windows
// around Christmas and New Year and around Easter, in every nation.
func TestWorkingDaysAgree(t *testing.T) {
	windows := [][2]time.Time{
		{bhDate(2026, 12, 17), bhDate(2027, 1, 12)},
		{bhDate(2027, 3, 19), bhDate(2027, 4, 6)},
	}
	for _, n := range allNations {
		c := zones.Calendar(n)
		for _, w := range windows {
			start, end := w[0], w[1]
			for from := start; !from.After(end); from = from.AddDate(0, 0, 1) {
				count := 0
				for to := from.AddDate(0, 0, 1); !to.After(end); to = to.AddDate(0, 0, 1) {
					if c.IsWorkday(to) {
						count++
					}
					require.Equal(t, count, zones.WorkingDaysBetween(c, from, to), "%s %s..%s", n, from, to)
					if c.IsWorkday(to) {
						require.Equal(t, to, zones.AddWorkingDays(c, from, count), "%s %s+%d", n, from, count)
						if c.IsWorkday(from) {
							require.Equal(t, from, zones.AddWorkingDays(c, to, -count), "%s %s-%d", n, to, count)
						}
					}
				}
			}
		}
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := zones.Calendar(zones.Scotland)
	from := bhDate(2026, 12, 18)
	var got time.Time
	for b.Loop() {
		got = zones.AddWorkingDays(c, from, 10)
	}
	if !got.Equal(bhDate(2027, 1, 7)) {
		b.Fatalf("got %s", got)
	}
}
