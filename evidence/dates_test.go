package evidence

import (
	"testing"
	"time"

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
				t.Fatalf("MonthsBefore(%s, %d) = %s, want %s", from.Format(time.DateOnly), n, got.Format(time.DateOnly), want.Format(time.DateOnly))
			}
		}
	}
}
