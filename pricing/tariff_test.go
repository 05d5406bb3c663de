package pricing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/pricing"
)

// leicestershire is the example council's table: a 10% rise on 1 April 2025.
func leicestershire(t testing.TB) *pricing.Tariffs {
	t.Helper()
	tariffs, err := pricing.NewTariffs([]pricing.Tariff{
		{PermitType: "essential-carer", From: date(2024, 4, 1), Until: date(2025, 3, 31), Price: mustMoney("50.00")},
		{PermitType: "essential-carer", From: date(2025, 4, 1), Price: mustMoney("55.00")},
		{PermitType: "resident", DurationMonths: 12, From: date(2024, 4, 1), Until: date(2025, 3, 31), Price: mustMoney("50")},
		{PermitType: "resident", DurationMonths: 12, From: date(2025, 4, 1), Price: mustMoney("55")},
	})
	require.NoError(t, err)
	return tariffs
}

func TestPriceOnLeicestershireRise(t *testing.T) {
	tariffs := leicestershire(t)
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	tests := []struct {
		name       string
		permitType string
		on         time.Time
		want       string
		wantFrom   time.Time
	}{
		{"first day of the first row", "essential-carer", date(2024, 4, 1), "50.00", date(2024, 4, 1)},
		{"last day before the rise", "essential-carer", date(2025, 3, 31), "50.00", date(2024, 4, 1)},
		{"first day of the rise", "essential-carer", date(2025, 4, 1), "55.00", date(2025, 4, 1)},
		{"open-ended row far ahead", "essential-carer", date(2040, 2, 29), "55.00", date(2025, 4, 1)},
		{"London midnight is the same civil date", "essential-carer", time.Date(2025, 3, 31, 0, 0, 0, 0, london), "50.00", date(2024, 4, 1)},
		{"late evening UTC is still that date", "essential-carer", time.Date(2025, 3, 31, 23, 30, 0, 0, time.UTC), "50.00", date(2024, 4, 1)},
		{"resident before the rise", "resident", date(2025, 3, 31), "50.00", date(2024, 4, 1)},
		{"resident after the rise", "resident", date(2025, 4, 1), "55.00", date(2025, 4, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			months := 12
			got, err := tariffs.PriceOn(tt.permitType, "Loughborough", months, tt.on)
			require.NoError(t, err)
			require.Equal(t, tt.want, pricing.FormatMoney(got.Price))
			require.Equal(t, tt.wantFrom, got.From)
			require.Equal(t, tt.permitType, got.PermitType)
		})
	}
}

func TestPriceOnNoTariff(t *testing.T) {
	tariffs := leicestershire(t)
	tests := []struct {
		name       string
		permitType string
		zone       string
		months     int
		on         time.Time
		wantMsg    string
	}{
		{"before the first row", "essential-carer", "Anstey", 12, date(2024, 3, 31),
			`pricing: no tariff for permit type "essential-carer" in zone "Anstey" for 12 months on 2024-03-31`},
		{"unknown permit type", "visitor", "", 0, date(2025, 6, 1),
			`pricing: no tariff for permit type "visitor" with no zone for any duration on 2025-06-01`},
		{"resident tariff is for 12 months only", "resident", "Anstey", 6, date(2025, 6, 1),
			`pricing: no tariff for permit type "resident" in zone "Anstey" for 6 months on 2025-06-01`},
		{"permit type is matched exactly", "Essential-Carer", "Anstey", 12, date(2025, 6, 1),
			`pricing: no tariff for permit type "Essential-Carer" in zone "Anstey" for 12 months on 2025-06-01`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tariffs.PriceOn(tt.permitType, tt.zone, tt.months, tt.on)
			require.ErrorIs(t, err, pricing.ErrNoTariff)
			var nt *pricing.NoTariffError
			require.ErrorAs(t, err, &nt)
			require.Equal(t, tt.permitType, nt.PermitType)
			require.Equal(t, tt.zone, nt.Zone)
			require.Equal(t, tt.months, nt.Months)
			require.Equal(t, tt.on, nt.On)
			require.EqualError(t, err, tt.wantMsg)
		})
	}

	var none *pricing.Tariffs
	_, err := none.PriceOn("essential-carer", "", 0, date(2025, 4, 1))
	require.ErrorIs(t, err, pricing.ErrNoTariff, "a nil table prices nothing")
	require.Nil(t, none.Rows())

	empty, err := pricing.NewTariffs(nil)
	require.NoError(t, err, "an empty table is valid")
	_, err = empty.PriceOn("essential-carer", "", 0, date(2025, 4, 1))
	require.ErrorIs(t, err, pricing.ErrNoTariff)
}

func TestPriceOnSpecificity(t *testing.T) {
	rows := []pricing.Tariff{
		0: {PermitType: "essential-carer", From: date(2024, 4, 1), Price: mustMoney("50.00")},
		1: {PermitType: "essential-carer", DurationMonths: 12, From: date(2024, 4, 1), Price: mustMoney("45.00")},
		2: {PermitType: "essential-carer", Zone: "Loughborough", From: date(2025, 4, 1), Price: mustMoney("60.00")},
		3: {PermitType: "essential-carer", Zone: "Loughborough", DurationMonths: 6, From: date(2025, 4, 1), Until: date(2025, 9, 30), Price: mustMoney("35.00")},
		4: {PermitType: "essential-carer", Zone: "Anstey", DurationMonths: 12, From: date(2024, 4, 1), Price: mustMoney("40.00")},
	}
	tariffs, err := pricing.NewTariffs(rows)
	require.NoError(t, err)
	tests := []struct {
		name    string
		zone    string
		months  int
		on      time.Time
		wantRow int
	}{
		{"exact zone and duration", "Anstey", 12, date(2025, 1, 1), 4},
		{"exact zone, other duration, falls to the general row", "Anstey", 6, date(2025, 1, 1), 0},
		{"other zone, exact duration", "Melton Mowbray", 12, date(2025, 1, 1), 1},
		{"other zone, other duration", "Melton Mowbray", 6, date(2025, 1, 1), 0},
		{"zone beats duration", "Loughborough", 12, date(2025, 5, 1), 2},
		{"before the zone row begins the general rows apply", "Loughborough", 12, date(2025, 3, 31), 1},
		{"zone and duration", "Loughborough", 6, date(2025, 5, 1), 3},
		{"zone and duration row's last day", "Loughborough", 6, date(2025, 9, 30), 3},
		{"after the zone and duration row ends the zone row applies", "Loughborough", 6, date(2025, 10, 1), 2},
		{"no zone asked for", "", 0, date(2025, 5, 1), 0},
		{"any duration asked for", "Loughborough", 0, date(2025, 5, 1), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tariffs.PriceOn("essential-carer", tt.zone, tt.months, tt.on)
			require.NoError(t, err)
			want := rows[tt.wantRow]
			require.Equal(t, want.Zone, got.Zone)
			require.Equal(t, want.DurationMonths, got.DurationMonths)
			require.True(t, want.Price.Equal(got.Price), "price %s, want %s", got.Price, want.Price)
		})
	}
}

func TestNewTariffsReportsEveryProblem(t *testing.T) {
	ecp := func(from, until time.Time, price string) pricing.Tariff {
		return pricing.Tariff{PermitType: "essential-carer", Zone: "Anstey", From: from, Until: until, Price: mustMoney(price)}
	}
	rows := []pricing.Tariff{
		0: ecp(date(2024, 4, 1), date(2024, 12, 31), "50.00"),
		1: ecp(date(2025, 1, 10), date(2025, 3, 31), "50.00"), // gap 1-9 January after row 0
		2: ecp(date(2025, 3, 1), time.Time{}, "55.00"),        // overlaps row 1 in March
		3: {PermitType: "", From: date(2025, 1, 1), Price: mustMoney("1")},
		4: {PermitType: "resident", From: date(2025, 1, 1), Price: decimal.RequireFromString("-1")},
		5: {PermitType: "resident", DurationMonths: 12, From: date(2025, 1, 1), Price: decimal.RequireFromString("55.001")},
		6: {PermitType: "resident", DurationMonths: 6}, // no From
		7: {PermitType: "visitor", From: date(2025, 4, 1), Until: date(2025, 3, 31)},
		8: {PermitType: " visitor", Zone: "Anstey ", DurationMonths: -1, From: date(2025, 4, 1)},
	}
	_, err := pricing.NewTariffs(rows)
	require.ErrorIs(t, err, pricing.ErrInvalidTariffs)
	var te *pricing.TariffsError
	require.ErrorAs(t, err, &te)

	type problem struct {
		rows   []int
		field  string
		detail string
	}
	want := []problem{
		{[]int{0, 1}, "", `gap between row 0 ("essential-carer", zone "Anstey", any duration, 2024-04-01 to 2024-12-31) and row 1 ("essential-carer", zone "Anstey", any duration, 2025-01-10 to 2025-03-31): no price from 2025-01-01 to 2025-01-09`},
		{[]int{1, 2}, "", `row 1 ("essential-carer", zone "Anstey", any duration, 2025-01-10 to 2025-03-31) and row 2 ("essential-carer", zone "Anstey", any duration, 2025-03-01 to open-ended) overlap from 2025-03-01 to 2025-03-31`},
		{[]int{3}, "PermitType", `row 3 ("", every zone, any duration, 2025-01-01 to open-ended): PermitType is empty`},
		{[]int{4}, "Price", `row 4 ("resident", every zone, any duration, 2025-01-01 to open-ended): Price £-1.00 is negative`},
		{[]int{5}, "Price", `row 5 ("resident", every zone, 12 months, 2025-01-01 to open-ended): Price 55.001 has a fraction of a penny`},
		{[]int{6}, "From", `row 6 ("resident", every zone, 6 months, no start date to open-ended): From is not set`},
		{[]int{7}, "Until", `row 7 ("visitor", every zone, any duration, 2025-04-01 to 2025-03-31): Until 2025-03-31 is before From 2025-04-01`},
		{[]int{8}, "PermitType", `row 8 (" visitor", zone "Anstey ", -1 months, 2025-04-01 to open-ended): PermitType has leading or trailing spaces`},
		{[]int{8}, "Zone", `row 8 (" visitor", zone "Anstey ", -1 months, 2025-04-01 to open-ended): Zone has leading or trailing spaces ("" means every zone)`},
		{[]int{8}, "DurationMonths", `row 8 (" visitor", zone "Anstey ", -1 months, 2025-04-01 to open-ended): DurationMonths is negative (0 means any duration)`},
	}
	var got []problem
	for _, p := range te.Problems {
		got = append(got, problem{p.Rows, p.Field, p.Detail})
		require.Equal(t, p.Detail, p.String())
	}
	require.Equal(t, want, got)
	require.True(t, strings.HasPrefix(err.Error(), "pricing: invalid tariffs (10 problems): gap between row 0"), err.Error())
}

func TestNewTariffsContinuity(t *testing.T) {
	row := func(from, until time.Time) pricing.Tariff {
		return pricing.Tariff{PermitType: "essential-carer", From: from, Until: until, Price: mustMoney("50")}
	}
	open := time.Time{}
	tests := []struct {
		name     string
		rows     []pricing.Tariff
		wantRows [][]int // the Rows of each problem, in order; nil when valid
		contains []string
	}{
		{
			name: "contiguous chain given out of order",
			rows: []pricing.Tariff{row(date(2026, 4, 1), open), row(date(2024, 4, 1), date(2025, 3, 31)), row(date(2025, 4, 1), date(2026, 3, 31))},
		},
		{
			name: "chain across 29 February",
			rows: []pricing.Tariff{row(date(2024, 1, 1), date(2024, 2, 29)), row(date(2024, 3, 1), open)},
		},
		{
			name: "a single-day row",
			rows: []pricing.Tariff{row(date(2025, 1, 1), date(2025, 1, 1)), row(date(2025, 1, 2), open)},
		},
		{
			name: "the same zone and type with another duration is another group",
			rows: []pricing.Tariff{row(date(2025, 1, 1), open), {PermitType: "essential-carer", DurationMonths: 12, From: date(2025, 1, 1), Price: mustMoney("1")}},
		},
		{
			name:     "one-day gap",
			rows:     []pricing.Tariff{row(date(2024, 4, 1), date(2025, 3, 30)), row(date(2025, 4, 1), open)},
			wantRows: [][]int{{0, 1}},
			contains: []string{"no price from 2025-03-31 to 2025-03-31"},
		},
		{
			name:     "one-day overlap",
			rows:     []pricing.Tariff{row(date(2024, 4, 1), date(2025, 4, 1)), row(date(2025, 4, 1), open)},
			wantRows: [][]int{{0, 1}},
			contains: []string{"overlap from 2025-04-01 to 2025-04-01"},
		},
		{
			name:     "same start",
			rows:     []pricing.Tariff{row(date(2025, 4, 1), open), row(date(2025, 4, 1), date(2025, 5, 1))},
			wantRows: [][]int{{0, 1}},
			contains: []string{`row 0 ("essential-carer", every zone, any duration, 2025-04-01 to open-ended) is open-ended, so it overlaps row 1 ("essential-carer", every zone, any duration, 2025-04-01 to 2025-05-01) from 2025-04-01`},
		},
		{
			name:     "open-ended row followed by another",
			rows:     []pricing.Tariff{row(date(2024, 4, 1), open), row(date(2025, 4, 1), open)},
			wantRows: [][]int{{0, 1}},
			contains: []string{"only the last row of a group may be open-ended"},
		},
		{
			name: "row nested inside a longer one, then a row after both",
			rows: []pricing.Tariff{
				row(date(2024, 1, 1), date(2024, 12, 31)),
				row(date(2024, 6, 1), date(2024, 6, 30)),
				row(date(2025, 1, 1), open),
			},
			wantRows: [][]int{{0, 1}},
			contains: []string{"overlap from 2024-06-01 to 2024-06-30"},
		},
		{
			name: "a bad date is reported once, not again as a gap",
			rows: []pricing.Tariff{
				row(date(2024, 4, 1), date(2025, 3, 31)),
				row(date(2025, 4, 1), date(2025, 3, 1)),
				row(date(2026, 4, 1), open),
			},
			wantRows: [][]int{{0, 2}, {1}},
			contains: []string{"gap between row 0", "Until 2025-03-01 is before From 2025-04-01"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tariffs, err := pricing.NewTariffs(tt.rows)
			if tt.wantRows == nil {
				require.NoError(t, err)
				require.NotNil(t, tariffs)
				return
			}
			require.ErrorIs(t, err, pricing.ErrInvalidTariffs)
			var te *pricing.TariffsError
			require.ErrorAs(t, err, &te)
			var gotRows [][]int
			for _, p := range te.Problems {
				gotRows = append(gotRows, p.Rows)
			}
			require.Equal(t, tt.wantRows, gotRows)
			for _, c := range tt.contains {
				require.Contains(t, err.Error(), c)
			}
		})
	}
}

func TestTariffsAreImmutable(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	rows := []pricing.Tariff{
		{PermitType: "essential-carer", From: time.Date(2025, 4, 1, 0, 0, 0, 0, london), Price: mustMoney("55")},
	}
	tariffs, err := pricing.NewTariffs(rows)
	require.NoError(t, err)
	rows[0].Price = mustMoney("1")
	rows[0].PermitType = "changed"

	got, err := tariffs.PriceOn("essential-carer", "", 0, date(2025, 4, 1))
	require.NoError(t, err)
	require.Equal(t, "55.00", pricing.FormatMoney(got.Price))
	require.Equal(t, date(2025, 4, 1), got.From, "dates are kept as 00:00 UTC of their civil date")

	out := tariffs.Rows()
	require.Len(t, out, 1)
	out[0].Price = mustMoney("2")
	got, err = tariffs.PriceOn("essential-carer", "", 0, date(2025, 4, 1))
	require.NoError(t, err)
	require.Equal(t, "55.00", pricing.FormatMoney(got.Price))
}

func TestPriceOnDoesNotAllocate(t *testing.T) {
	tariffs := specificityTable(t)
	on := date(2025, 5, 1)
	allocs := testing.AllocsPerRun(100, func() {
		// Every lookup falls through to the least specific group.
		if _, err := tariffs.PriceOn("essential-carer", "Oadby & Wigston", 3, on); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

// specificityTable has every kind of group and a few years of rises.
func specificityTable(t testing.TB) *pricing.Tariffs {
	t.Helper()
	var rows []pricing.Tariff
	for _, g := range []struct {
		zone   string
		months int
	}{{"", 0}, {"", 12}, {"Loughborough", 0}, {"Anstey", 12}} {
		for y := 2015; y < 2035; y++ {
			r := pricing.Tariff{PermitType: "essential-carer", Zone: g.zone, DurationMonths: g.months,
				From: date(y, 4, 1), Until: date(y+1, 3, 31), Price: decimal.New(int64(5000+100*(y-2015)), -2)}
			if y == 2034 {
				r.Until = time.Time{}
			}
			rows = append(rows, r)
		}
	}
	tariffs, err := pricing.NewTariffs(rows)
	require.NoError(t, err)
	return tariffs
}

func BenchmarkPriceOn(b *testing.B) {
	tariffs := specificityTable(b)
	on := date(2025, 5, 1)
	b.Run("exact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tariffs.PriceOn("essential-carer", "Anstey", 12, on); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fallback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tariffs.PriceOn("essential-carer", "Oadby & Wigston", 3, on); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzTariffs builds tables from arbitrary bytes: NewTariffs must never
// panic, must accept only contiguous groups, and PriceOn on an accepted
// table must agree with a plain scan of the rows.
func FuzzTariffs(f *testing.F) {
	f.Add([]byte{0, 0, 0, 10, 20, 1, 0, 0, 21, 0}, int16(15), uint8(0), uint8(0), uint8(0))
	f.Add([]byte{0, 1, 2, 0, 10, 1, 0, 0, 5, 30, 0, 0, 0, 11, 0}, int16(12), uint8(1), uint8(0), uint8(2))
	f.Add([]byte{255, 255, 255, 255, 255}, int16(-3), uint8(3), uint8(1), uint8(1))
	zones := []string{"", "Anstey", "Loughborough", " Anstey"}
	types := []string{"essential-carer", "resident", ""}
	f.Fuzz(func(t *testing.T, data []byte, onDay int16, zoneIdx, typeIdx, months uint8) {
		base := date(2025, 1, 1)
		var rows []pricing.Tariff
		for i := 0; i+5 <= len(data) && len(rows) < 12; i += 5 {
			r := pricing.Tariff{
				PermitType:     types[int(data[i])%len(types)],
				Zone:           zones[int(data[i+1])%len(zones)],
				DurationMonths: int(data[i+2]%4) - 1, // -1 is invalid on purpose
				Price:          decimal.New(int64(data[i+4])-8, -2-int32(data[i+4]%2)),
			}
			if data[i+3] != 255 {
				r.From = base.AddDate(0, 0, int(data[i+3])%64-8)
			}
			if l := int(data[i+4]) % 40; l < 36 {
				r.Until = r.From.AddDate(0, 0, l-2) // may end before it starts
			}
			rows = append(rows, r)
		}
		tariffs, err := pricing.NewTariffs(rows)
		if err != nil {
			require.ErrorIs(t, err, pricing.ErrInvalidTariffs)
			var te *pricing.TariffsError
			require.ErrorAs(t, err, &te)
			require.NotEmpty(t, te.Problems)
			for _, p := range te.Problems {
				require.NotEmpty(t, p.Rows)
				for _, i := range p.Rows {
					require.True(t, i >= 0 && i < len(rows))
				}
			}
			return
		}
		on := base.AddDate(0, 0, int(onDay)%100)
		pt, zone, m := types[int(typeIdx)%len(types)], zones[int(zoneIdx)%len(zones)], int(months%4)
		got, err := tariffs.PriceOn(pt, zone, m, on)
		want, found := scan(rows, pt, zone, m, on)
		if !found {
			require.ErrorIs(t, err, pricing.ErrNoTariff)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want.From, got.From)
		require.Equal(t, want.Zone, got.Zone)
		require.Equal(t, want.DurationMonths, got.DurationMonths)
		require.True(t, want.Price.Equal(got.Price))
	})
}

// scan is PriceOn written the slow, obvious way, for FuzzTariffs.
func scan(rows []pricing.Tariff, permitType, zone string, months int, on time.Time) (pricing.Tariff, bool) {
	for _, k := range []struct {
		zone   string
		months int
	}{{zone, months}, {zone, 0}, {"", months}, {"", 0}} {
		for _, r := range rows {
			if r.PermitType == permitType && r.Zone == k.zone && r.DurationMonths == k.months &&
				!on.Before(r.From) && (r.Until.IsZero() || !on.After(r.Until)) {
				return r, true
			}
		}
	}
	return pricing.Tariff{}, false
}
