package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonestest"
)

func importCSV(t *testing.T, st *sqlstore.Store, csv string, opts *sqlstore.ImportOptions) sqlstore.ImportSummary {
	t.Helper()
	sum, err := st.ImportGazetteer(t.Context(), strings.NewReader(csv), opts)
	require.NoError(t, err)
	return sum
}

func TestLocatorConformance(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		zonestest.RunLocatorTests(t, func(t *testing.T, gazetteerCSV string) zones.Locator {
			st := openStore(t, newDSN(t), nil)
			sum := importCSV(t, st, gazetteerCSV, nil)
			require.Zero(t, sum.Rejected, "%v", sum.Problems)
			return st.Locator()
		})
	})
}

// badGazetteer has valid rows, rows with problems, and a duplicate UPRN.
const badGazetteer = zones.GazetteerHeader + `
1,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
2,,,2,High Street,Anstey,LE7 7A,,
3,,,,High Street,Anstey,LE7 7AA,,
1,,,4,High Street,Anstey,LE7 7AA,,
5,,,5,High Street,Anstey,LE7 7AA,anstey-1,Anstey One
6,,,6,High Street,Anstey,le77ab,,
`

func TestImportGazetteerRejectsBadRows(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		sum := importCSV(t, st, badGazetteer, nil)
		require.Equal(t, sqlstore.ImportSummary{
			Rows: 6, Imported: 2, Changed: 2, Rejected: 4, Duplicates: 1,
			Problems: []zones.RowProblem{
				{Line: 3, Field: "postcode", Reason: `"LE7 7A": ` + postcodeReason("LE7 7A")},
				{Line: 4, Field: "building_number", Reason: "empty, and so is building_name: a property needs a number, a name or both"},
				{Line: 5, Field: "uprn", Reason: "1 is also on line 2; a UPRN identifies one property"},
				{Line: 6, Field: "zone_name", Reason: `"Anstey One" differs from "Anstey 1", the name of zone "anstey-1" on line 2`},
			},
		}, sum)

		loc := st.Locator()
		n, err := loc.Len(t.Context())
		require.NoError(t, err)
		require.Equal(t, 2, n)
		p, err := loc.Property(t.Context(), 1)
		require.NoError(t, err)
		require.Equal(t, "1 High Street, Anstey, LE7 7AA", p.Address(), "the first row with the UPRN is kept")
		for _, u := range []zones.UPRN{2, 3, 5} {
			_, err := loc.Property(t.Context(), u)
			require.ErrorIs(t, err, zones.ErrPropertyNotFound)
		}
		got, err := loc.FindProperties(t.Context(), zones.MustParsePostcode("LE7 7AB"), "6")
		require.NoError(t, err)
		require.Equal(t, []zones.UPRN{6}, zonestest.UPRNs(got))
	})
}

func postcodeReason(s string) string {
	_, err := zones.ParsePostcode(s)
	var pe *zones.PostcodeError
	if !errors.As(err, &pe) {
		panic(err)
	}
	return pe.Reason
}

func TestImportGazetteerReimport(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		first := zones.GazetteerHeader + `
1,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
2,,,2,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
3,,,3,High Street,Anstey,LE7 7AA,,
`
		sum := importCSV(t, st, first, nil)
		require.Equal(t, 3, sum.Changed)

		sum = importCSV(t, st, first, nil)
		require.Equal(t, sqlstore.ImportSummary{Rows: 3, Imported: 3, Changed: 0}, sum, "an unchanged file changes nothing")

		// The zone is renamed, property 2 leaves it, 4 is new; 3 is not in
		// this file and stays.
		second := zones.GazetteerHeader + `
4,,,4,High Street,Anstey,LE7 7AA,anstey-1,Anstey Central
2,,Old Forge,2,High Street,Anstey,LE7 7AA,,
1,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey Central
`
		sum = importCSV(t, st, second, nil)
		require.Equal(t, sqlstore.ImportSummary{Rows: 3, Imported: 3, Changed: 3}, sum, "1 changed its position in the file")

		loc := st.Locator()
		got, err := loc.FindProperties(t.Context(), zones.MustParsePostcode("LE7 7AA"), "")
		require.NoError(t, err)
		require.Equal(t, []zones.Property{
			{UPRN: 4, BuildingNumber: "4", Street: "High Street", Town: "Anstey", Postcode: zones.MustParsePostcode("LE7 7AA"), Zone: zones.Zone{ID: "anstey-1", Name: "Anstey Central"}},
			{UPRN: 2, BuildingName: "Old Forge", BuildingNumber: "2", Street: "High Street", Town: "Anstey", Postcode: zones.MustParsePostcode("LE7 7AA")},
			{UPRN: 1, BuildingNumber: "1", Street: "High Street", Town: "Anstey", Postcode: zones.MustParsePostcode("LE7 7AA"), Zone: zones.Zone{ID: "anstey-1", Name: "Anstey Central"}},
			// 3 kept the position it had in the first file.
			{UPRN: 3, BuildingNumber: "3", Street: "High Street", Town: "Anstey", Postcode: zones.MustParsePostcode("LE7 7AA")},
		}, got)
	})
}

func TestImportGazetteerBatchesAndProgress(t *testing.T) {
	st := openStore(t, sqliteFile(t), nil)
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i := 1; i <= 25; i++ {
		if i%10 == 0 {
			b.WriteString("x,,,1,High Street,Anstey,LE7 7AA,,\n")
			continue
		}
		fmt.Fprintf(&b, "%d,,,%d,High Street,Anstey,LE7 7AA,,\n", 1000+i, i)
	}
	var seen []sqlstore.ImportProgress
	sum := importCSV(t, st, b.String(), &sqlstore.ImportOptions{BatchSize: 7, MaxProblems: 1, Progress: func(p sqlstore.ImportProgress) {
		seen = append(seen, p)
	}})
	require.Equal(t, sqlstore.ImportSummary{
		Rows: 25, Imported: 23, Changed: 23, Rejected: 2,
		Problems:     []zones.RowProblem{{Line: 11, Field: "uprn", Reason: `"x": contains character 'x'; only digits are allowed`}},
		MoreProblems: 1,
	}, sum)
	require.Equal(t, []sqlstore.ImportProgress{
		{Rows: 7, Imported: 7, Rejected: 0},
		{Rows: 15, Imported: 14, Rejected: 1},
		{Rows: 23, Imported: 21, Rejected: 2},
		{Rows: 25, Imported: 23, Rejected: 2},
	}, seen)
}

func TestImportGazetteerDryRun(t *testing.T) {
	st := openStore(t, sqliteFile(t), nil)
	sum := importCSV(t, st, badGazetteer, &sqlstore.ImportOptions{DryRun: true})
	require.Equal(t, 2, sum.Imported)
	require.Equal(t, 4, sum.Rejected)
	require.Zero(t, sum.Changed)
	n, err := st.Locator().Len(t.Context())
	require.NoError(t, err)
	require.Zero(t, n, "a dry run writes nothing")
}

func TestImportGazetteerFailures(t *testing.T) {
	ctx := t.Context()
	st := openStore(t, sqliteFile(t), nil)
	count := func() int {
		n, err := st.Locator().Len(ctx)
		require.NoError(t, err)
		return n
	}

	// A bad header: nothing is read or written.
	_, err := st.ImportGazetteer(ctx, strings.NewReader("uprn,street\n1,High Street\n"), nil)
	require.ErrorIs(t, err, zones.ErrInvalidGazetteer)
	var ge *zones.GazetteerError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, "header", ge.Problems[0].Field)

	// A read error after the first batch: that batch stays.
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(zones.GazetteerHeader+"\n1,,,1,A,B,LE7 7AA,,\n2,,,2,A,B,LE7 7AA,,\n3,,,3,A,B,LE7 7AA,,\n"), iotest.ErrReader(boom))
	sum, err := st.ImportGazetteer(ctx, r, &sqlstore.ImportOptions{BatchSize: 2})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 2, sum.Imported)
	require.Equal(t, 2, count())

	// Cancelled between batches.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i := 10; i < 30; i++ {
		fmt.Fprintf(&b, "%d,,,1,A,B,LE7 7AB,,\n", 9000+i)
	}
	sum, err = st.ImportGazetteer(cctx, strings.NewReader(b.String()), &sqlstore.ImportOptions{BatchSize: 5, Progress: func(p sqlstore.ImportProgress) {
		if p.Imported == 10 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 10, sum.Imported)
	require.Equal(t, 12, count())

	_, err = st.ImportGazetteer(cctx, strings.NewReader(b.String()), nil)
	require.ErrorIs(t, err, context.Canceled)
}
