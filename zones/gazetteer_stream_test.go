package zones_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// readAll reads a gazetteer with ReadGazetteer, collecting what it gives.
type readResult struct {
	lines    []int
	props    []zones.Property
	problems []zones.RowProblem
	stats    zones.GazetteerStats
	err      error
}

func readAll(data string, collectProblems bool) readResult {
	var r readResult
	var problem func(zones.RowProblem) error
	if collectProblems {
		problem = func(p zones.RowProblem) error {
			r.problems = append(r.problems, p)
			return nil
		}
	}
	r.stats, r.err = zones.ReadGazetteer(strings.NewReader(data), func(line int, p zones.Property) error {
		r.lines = append(r.lines, line)
		r.props = append(r.props, p)
		return nil
	}, problem)
	return r
}

// badRows has one of each problem LoadGazetteer reports, duplicates of
// valid and of rejected rows among them.
const badRows = zones.GazetteerHeader + `
1,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
x1,,,2,High Street,Anstey,LE7 7AA,,
3,,,3,High Street,Anstey,LE7 7A,,
4,,,,High Street,Anstey,LE7 7AA,,
5,,,Rose Cottage,High Street,Anstey,LE7 7AA,,
6,,,6,High Street,,LE7 7AA,,
7,,,7,High Street,Anstey,LE7 7AA,anstey-1,
8,,,8,High Street,Anstey,LE7 7AA,,Anstey 1
9,,,9,High Street,Anstey,LE7 7AA,anstey-1,Anstey One
10,,,10,High Street,Anstey,LE7 7AA
11,,,"11
A",High Street,Anstey,LE7 7AA,,
12,,,12,High Street,Anstey,LE7 7AA,,
13,,,13,High Street,Anstey,LE7 7AA,,
0,,,,,,,,
1,,,14,High Street,Anstey,LE7 7AA,,
13,,,15,High Street,Anstey,,,
1,,,16,High Street,Anstey,LE7 7AA,,
3,,,3,High Street,Anstey,LE7 7AB,,
20,,,20,High "Street,Anstey,LE7 7AA,,
21,,,21,Low Street,Anstey,le77ab,anstey-1,Anstey 1
`

func TestReadGazetteerValid(t *testing.T) {
	r := readAll(testGazetteer, true)
	require.NoError(t, r.err)
	require.Empty(t, r.problems)
	require.Equal(t, zones.GazetteerStats{Rows: 9, Properties: 9}, r.stats)
	require.Equal(t, []int{2, 3, 4, 5, 6, 7, 8, 9, 10}, r.lines, "file order, with the line each row starts on")
	require.Equal(t, []zones.UPRN{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 2001}, uprnsOf(r.props))

	// Exactly the properties LoadGazetteer holds.
	g := loadTest(t, testGazetteer)
	for _, p := range r.props {
		want, err := g.Property(t.Context(), p.UPRN)
		require.NoError(t, err)
		require.Equal(t, want, p)
	}
}

func TestReadGazetteerBadRows(t *testing.T) {
	_, loadErr := zones.LoadGazetteer(strings.NewReader(badRows))
	var want *zones.GazetteerError
	require.ErrorAs(t, loadErr, &want)

	r := readAll(badRows, true)
	require.NoError(t, r.err, "problems went to the callback")
	require.Equal(t, want.Problems, r.problems, "the same problems, lines and words as LoadGazetteer")
	require.Equal(t, zones.GazetteerStats{Rows: 20, Properties: 4, Rejected: 16, Duplicates: 4}, r.stats)
	// Line 2 keeps UPRN 1 (its later rows are duplicates); line 20's UPRN
	// 3 was first on line 4, which was rejected, so it is a duplicate too.
	require.Equal(t, []zones.UPRN{1, 12, 13, 21}, uprnsOf(r.props))
	require.Equal(t, []int{2, 14, 15, 22}, r.lines)

	// Without a problem callback the problems come back as LoadGazetteer's
	// error, after the valid rows were given.
	r = readAll(badRows, false)
	require.ErrorIs(t, r.err, zones.ErrInvalidGazetteer)
	var got *zones.GazetteerError
	require.ErrorAs(t, r.err, &got)
	require.Equal(t, want.Problems, got.Problems)
	require.Equal(t, 4, r.stats.Properties)
	require.Len(t, r.props, 4)
}

func TestReadGazetteerHeaderProblems(t *testing.T) {
	for _, data := range []string{"", "uprn,uprn,street,town,postcode,zone_id,zone_name,colour\n1,1,a,b,c,d,e,f\n", "\"uprn\n"} {
		_, loadErr := zones.LoadGazetteer(strings.NewReader(data))
		r := readAll(data, true)
		require.ErrorIs(t, r.err, zones.ErrInvalidGazetteer)
		require.Equal(t, loadErr.Error(), r.err.Error())
		require.Empty(t, r.problems, "header problems end the read; they are not row problems")
		require.Empty(t, r.props)
		require.Zero(t, r.stats)
	}
}

func TestReadGazetteerCallbackErrors(t *testing.T) {
	stop := errors.New("stop here")
	n := 0
	stats, err := zones.ReadGazetteer(strings.NewReader(testGazetteer), func(int, zones.Property) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	}, nil)
	require.Same(t, stop, err, "the callback's error, as it is")
	require.Equal(t, zones.GazetteerStats{Rows: 3, Properties: 3}, stats)

	stats, err = zones.ReadGazetteer(strings.NewReader(badRows), func(int, zones.Property) error { return nil },
		func(p zones.RowProblem) error {
			if p.Line == 5 {
				return stop
			}
			return nil
		})
	require.Same(t, stop, err)
	require.Equal(t, 4, stats.Rows)

	_, err = zones.ReadGazetteer(strings.NewReader(testGazetteer), nil, nil)
	require.ErrorContains(t, err, "property callback is nil")
}

func TestReadGazetteerReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(zones.GazetteerHeader+"\n1,,,1,High Street,Anstey,LE7 7AA,,\n"), iotest.ErrReader(boom))
	var got []zones.UPRN
	stats, err := zones.ReadGazetteer(r, func(_ int, p zones.Property) error {
		got = append(got, p.UPRN)
		return nil
	}, nil)
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, zones.ErrInvalidGazetteer)
	require.Equal(t, []zones.UPRN{1}, got)
	require.Equal(t, 1, stats.Properties)
}

// FuzzReadGazetteer checks ReadGazetteer against LoadGazetteer: the same
// problems for any input, and when there are none, the same properties.
// When there are some, the valid rows given are exactly the rows of the
// file not named in a problem.
func FuzzReadGazetteer(f *testing.F) {
	f.Add([]byte(testGazetteer))
	f.Add([]byte(badRows))
	f.Add([]byte(zones.GazetteerHeader + "\n1,Flat 1,,12-14,A,B,LE7 7AA,z,Z\n1,Flat 1,,12-14,A,B,le77aa,z,Z\n"))
	f.Add([]byte("\uFEFF" + zones.GazetteerHeader + "\r\n1,,\"Ü, ß\",,,T,LE7 7AA,,\r\n"))
	f.Add([]byte("uprn\n1\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, loadErr := zones.LoadGazetteer(bytes.NewReader(data))
		r := readAll(string(data), true)
		if loadErr == nil {
			require.NoError(t, r.err)
			require.Empty(t, r.problems)
			require.Equal(t, g.Len(), len(r.props))
			require.Equal(t, zones.GazetteerStats{Rows: g.Len(), Properties: g.Len()}, r.stats)
			for _, p := range r.props {
				want, err := g.Property(t.Context(), p.UPRN)
				require.NoError(t, err)
				require.Equal(t, want, p)
			}
			return
		}
		var ge *zones.GazetteerError
		require.ErrorAs(t, loadErr, &ge)
		if r.err != nil {
			// Only a header problem ends a read.
			require.Equal(t, loadErr.Error(), r.err.Error())
			require.Equal(t, "header", ge.Problems[0].Field)
			return
		}
		require.Equal(t, ge.Problems, r.problems)
		bad := map[int]bool{}
		for _, p := range r.problems {
			bad[p.Line] = true
		}
		require.Equal(t, len(bad), r.stats.Rejected)
		require.Equal(t, r.stats.Rows, r.stats.Properties+r.stats.Rejected)
		require.Len(t, r.props, r.stats.Properties)
		require.True(t, slices.IsSorted(r.lines))
		seen := map[zones.UPRN]bool{}
		for i, p := range r.props {
			require.False(t, bad[r.lines[i]], "line %d is valid", r.lines[i])
			require.False(t, seen[p.UPRN], "UPRN %s given once", p.UPRN)
			seen[p.UPRN] = true
		}
	})
}
