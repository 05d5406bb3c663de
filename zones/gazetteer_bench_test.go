package zones_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// benchProperties is a large council's worth of properties (Leicestershire
// has about 320,000; Birmingham about 450,000), three times over.
const benchProperties = 1_000_000

type houseQuery struct {
	postcode zones.Postcode
	house    string
}

// syntheticGazetteer writes a deterministic gazetteer CSV of n properties,
// shaped like a real one: about 15 properties a postcode on one street, most
// numbered, some with a letter suffix, some named, some flats; half in a
// zone. It also returns a sample of queries that each match something.
func syntheticGazetteer(n int) ([]byte, []houseQuery) {
	areas := strings.Fields("AB AL BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY EN EX " +
		"FK FY GL GU HA HD HG HP HR HU HX IG IP KA KT KW KY LA LD LE LL LN LS LU ME MK ML NE NG NN NP NR OL OX " +
		"PA PE PH PL PO PR RG RH RM SA SG SK SL SN SO SP SR SS ST SY TA TD TF TN TQ TR TS TW UB WA WD WF WN WR WS WV YO")
	const unitLetters = "ABDEFGHJLNPQRSTUWXYZ"
	streetWords := strings.Fields("Ashby Beacon Church Mill Forest Park Station Victoria Albert Granby Market Nottingham " +
		"Leicester Derby Meadow Orchard Willow Oak Cedar Elm Ash Beech Maple Hazel Rowan Holly Windmill Brook Manor Chapel")
	streetKinds := strings.Fields("Road Street Lane Avenue Close Way Drive Crescent Gardens Grove")
	houseNames := strings.Fields("Rose Ivy Holly Orchard Meadow Willow Old Stable Coach Mill Brook Lodge")
	houseKinds := strings.Fields("Cottage House Lodge Barn Farm View")

	rng := rand.New(rand.NewPCG(2019, 11))
	var b bytes.Buffer
	b.Grow(n * 70)
	b.WriteString(zones.GazetteerHeader + "\n")
	var queries []houseQuery
	uprn := 100_000_000_000
	written := 0
	for pcNum := 0; written < n; pcNum++ {
		// Walk the postcode space in order: area, district, sector, unit.
		unit := pcNum % (len(unitLetters) * len(unitLetters))
		rest := pcNum / (len(unitLetters) * len(unitLetters))
		sector, rest := rest%10, rest/10
		district, rest := rest%20+1, rest/20
		area := areas[rest%len(areas)]
		pcText := fmt.Sprintf("%s%d %d%c%c", area, district, sector, unitLetters[unit/len(unitLetters)], unitLetters[unit%len(unitLetters)])
		pc := zones.MustParsePostcode(pcText)
		town := fmt.Sprintf("Town %s%d", area, district)
		zoneID, zoneName := "", ""
		if sector < 5 {
			zoneID, zoneName = fmt.Sprintf("%s%d-%d", strings.ToLower(area), district, sector), fmt.Sprintf("%s%d zone %d", area, district, sector)
		}
		street := streetWords[rng.IntN(len(streetWords))] + " " + streetKinds[rng.IntN(len(streetKinds))]
		number := 1 + rng.IntN(40)
		row := func(sub, name, num string) {
			uprn++
			fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s,%s,%s\n", uprn, sub, name, num, street, town, pcText, zoneID, zoneName)
			written++
		}
		for k := 1 + rng.IntN(29); k > 0 && written < n; k-- {
			var query string
			switch r := rng.IntN(100); {
			case r < 10:
				name := houseNames[rng.IntN(len(houseNames))] + " " + houseKinds[rng.IntN(len(houseKinds))]
				row("", name, "")
				query = strings.ToUpper(name)
			case r < 15:
				num := fmt.Sprintf("%d%c", number, 'A'+rng.IntN(3))
				row("", "", num)
				query = strings.ToLower(num)
			case r < 25:
				// A building of flats, a row each.
				num := fmt.Sprint(number)
				for f := range 2 + rng.IntN(8) {
					if written < n {
						row(fmt.Sprintf("Flat %d", f+1), "", num)
					}
				}
				query = "Flat 1, " + num
			default:
				num := fmt.Sprint(number)
				row("", "", num)
				query = num
			}
			number += 1 + rng.IntN(2)
			if rng.IntN(16) == 0 {
				queries = append(queries, houseQuery{pc, query})
			}
		}
	}
	return b.Bytes(), queries
}

func TestSyntheticGazetteer(t *testing.T) {
	data, queries := syntheticGazetteer(20_000)
	again, _ := syntheticGazetteer(20_000)
	require.Equal(t, data, again, "the benchmark data is deterministic")
	g, err := zones.LoadGazetteer(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, 20_000, g.Len())
	require.NotEmpty(t, queries)
	for _, q := range queries {
		found, err := g.FindProperties(context.Background(), q.postcode, q.house)
		require.NoError(t, err)
		require.NotEmpty(t, found, "%s %q", q.postcode, q.house)
	}
}

// BenchmarkGazetteerLookup measures FindProperties by postcode and house
// over a million properties. Target: at most 1 µs an operation.
func BenchmarkGazetteerLookup(b *testing.B) {
	data, queries := syntheticGazetteer(benchProperties)
	g, err := zones.LoadGazetteer(bytes.NewReader(data))
	require.NoError(b, err)
	ctx := context.Background()
	found := 0
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		ps, err := g.FindProperties(ctx, q.postcode, q.house)
		if err != nil {
			b.Fatal(err)
		}
		found += len(ps)
	}
	if found < i {
		b.Fatalf("%d lookups found only %d properties", i, found)
	}
}

// BenchmarkGazetteerProperty measures Property (by UPRN) over a million
// properties.
func BenchmarkGazetteerProperty(b *testing.B) {
	data, _ := syntheticGazetteer(benchProperties)
	g, err := zones.LoadGazetteer(bytes.NewReader(data))
	require.NoError(b, err)
	var uprns []zones.UPRN
	for p := range g.All() {
		if p.UPRN%97 == 0 {
			uprns = append(uprns, p.UPRN)
		}
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := g.Property(ctx, uprns[i%len(uprns)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLoadGazetteer measures loading a million properties (target:
// under 2 s) and the heap the loaded Gazetteer keeps (target: under 250 MB),
// reported as MB-heap and B/property after a garbage collection.
func BenchmarkLoadGazetteer(b *testing.B) {
	data, _ := syntheticGazetteer(benchProperties)
	b.SetBytes(int64(len(data)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var g *zones.Gazetteer
	for b.Loop() {
		var err error
		g, err = zones.LoadGazetteer(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	b.ReportMetric(heap/1e6, "MB-heap")
	b.ReportMetric(heap/float64(g.Len()), "B/property")
	runtime.KeepAlive(g)
	runtime.KeepAlive(data)
}
