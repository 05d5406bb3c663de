package evidence

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
	"github.com/stretchr/testify/require"
)

func TestMonthsBefore(t *testing.T) {
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"Dates: 31 May − 3 months is 28 February", d(2025, 5, 31), 3, d(2025, 2, 28)},
		{"Dates: 31 May 2024 − 3 months is 29 February (leap year)", d(2024, 5, 31), 3, d(2024, 2, 29)},
		{"Dates: 30 June − 3 months is 30 March", d(2025, 6, 30), 3, d(2025, 3, 30)},
		{"Dates: 31 March − 1 month is 28 February", d(2025, 3, 31), 1, d(2025, 2, 28)},
		{"Dates: 31 March 2024 − 1 month is 29 February", d(2024, 3, 31), 1, d(2024, 2, 29)},
		{"Dates: 29 February 2024 − 12 months is 28 February 2023", d(2024, 2, 29), 12, d(2023, 2, 28)},
		{"Dates: 29 February 2024 − 48 months is 29 February 2020", d(2024, 2, 29), 48, d(2020, 2, 29)},
		{"Dates: 31 March 2100 − 1 month is 28 February (2100 is not a leap year)", d(2100, 3, 31), 1, d(2100, 2, 28)},
		{"Dates: 31 March 2000 − 1 month is 29 February (2000 is)", d(2000, 3, 31), 1, d(2000, 2, 29)},
		{"Dates: 31 January − 2 months crosses the year to 30 November", d(2025, 1, 31), 2, d(2024, 11, 30)},
		{"Dates: 15 January − 1 month is 15 December", d(2025, 1, 15), 1, d(2024, 12, 15)},
		{"Dates: 31 December − 10 months is 28 February", d(2025, 12, 31), 10, d(2025, 2, 28)},
		{"Dates: 31 July − 1 month is 30 June", d(2025, 7, 31), 1, d(2025, 6, 30)},
		{"Dates: 1 March − 1 month is 1 February", d(2025, 3, 1), 1, d(2025, 2, 1)},
		{"Dates: 0 months is the same date", d(2025, 5, 31), 0, d(2025, 5, 31)},
		{"Dates: −1 month counts forward: 31 January + 1 month is 28 February", d(2025, 1, 31), -1, d(2025, 2, 28)},
		{"Dates: 31 May − 120 months is 31 May ten years earlier", d(2025, 5, 31), 120, d(2015, 5, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, MonthsBefore(tt.from, tt.n))
		})
	}

	t.Run("Dates: a London midnight in summer time keeps its civil date", func(t *testing.T) {
		got := MonthsBefore(london(t, 2025, 6, 1), 3)
		require.Equal(t, d(2025, 3, 1), got)
		require.Equal(t, time.UTC, got.Location())
	})
}

// TestMonthsBeforeAgreesWithCountingDays checks MonthsBefore against the
// definition it implements, found by walking back one day at a time: the
// latest date n months earlier whose day of the month is not after d's.
func TestMonthsBeforeAgreesWithCountingDays(t *testing.T) {
	monthIndex := func(t time.Time) int { return t.Year()*12 + int(t.Month()) }
	for from := d(2023, 6, 1); from.Before(d(2025, 6, 1)); from = from.AddDate(0, 0, 1) {
		for n := 0; n <= 13; n++ {
			want := from
			for monthIndex(want) != monthIndex(from)-n || want.Day() > from.Day() {
				want = want.AddDate(0, 0, -1)
			}
			if got := MonthsBefore(from, n); !got.Equal(want) {
				t.Fatalf("MonthsBefore(%s, %d) = %s, want %s", from.Format(dateLayout), n, got.Format(dateLayout), want.Format(dateLayout))
			}
		}
	}
}

func englandAndWales() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(gb.Holidays...)
	return c
}

func TestReviewDueOn(t *testing.T) {
	c := englandAndWales()
	tests := []struct {
		name string
		on   time.Time
		days int
		want time.Time
	}{
		{"Dates: 10 working days from Friday 19 December 2025 skip Christmas, Boxing Day and New Year's Day", d(2025, 12, 19), 10, d(2026, 1, 7)},
		{"Dates: 1 working day from a Friday is the Monday", d(2025, 5, 30), 1, d(2025, 6, 2)},
		{"Dates: 1 working day from a Saturday is the Monday", d(2025, 5, 31), 1, d(2025, 6, 2)},
		{"Dates: the submission day does not count even when it is a working day", d(2025, 6, 2), 1, d(2025, 6, 3)},
		{"Dates: 1 working day from Maundy Thursday skips Good Friday and Easter Monday", d(2025, 4, 17), 1, d(2025, 4, 22)},
		{"Dates: Spring bank holiday 26 May 2025 is skipped", d(2025, 5, 23), 1, d(2025, 5, 27)},
		{"Dates: 0 working days is the submission date", d(2025, 5, 31), 0, d(2025, 5, 31)},
		{"Dates: negative working days are the submission date", d(2025, 5, 31), -3, d(2025, 5, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ReviewDueOn(c, tt.on, tt.days))
		})
	}

	t.Run("Dates: a calendar limited to Europe/London still skips its holidays", func(t *testing.T) {
		lc := englandAndWales()
		lc.Locations = []*time.Location{london(t, 2025, 1, 1).Location()}
		require.Equal(t, d(2026, 1, 7), ReviewDueOn(lc, london(t, 2025, 12, 19), 10))
		require.Equal(t, d(2025, 4, 22), ReviewDueOn(lc, d(2025, 4, 17), 1))
	})
}

// TestReviewDueOnAgreesWithGOVUK counts working days with GOV.UK's published
// England and Wales bank holidays and compares every start date they cover.
func TestReviewDueOnAgreesWithGOVUK(t *testing.T) {
	raw, err := os.ReadFile("../../shared/data/govuk-bank-holidays.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("../../shared/data/govuk-bank-holidays.json is absent; see shared/data/SOURCES.md")
	}
	require.NoError(t, err)
	var published map[string]struct {
		Events []struct {
			Date string `json:"date"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(raw, &published))
	holidays := map[time.Time]bool{}
	for _, e := range published["england-and-wales"].Events {
		day, err := parseDate(e.Date)
		require.NoError(t, err)
		holidays[day] = true
	}
	require.NotEmpty(t, holidays)
	working := func(t time.Time) bool {
		return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday && !holidays[t]
	}

	c := englandAndWales()
	for on := d(2024, 1, 1); on.Before(d(2027, 12, 1)); on = on.AddDate(0, 0, 1) {
		for _, n := range []int{1, 5, 10} {
			want, left := on, n
			for left > 0 {
				want = want.AddDate(0, 0, 1)
				if working(want) {
					left--
				}
			}
			if got := ReviewDueOn(c, on, n); !got.Equal(want) {
				t.Fatalf("ReviewDueOn(%s, %d) = %s, GOV.UK gives %s", on.Format(dateLayout), n, got.Format(dateLayout), want.Format(dateLayout))
			}
		}
	}
}
