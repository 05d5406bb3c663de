package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/zones"
)

// BenchmarkImportGazetteer imports a gazetteer of 1,000,000 properties
// into an empty database; the target on SQLite is under 30 s:
//
//	go test ./adapters/sqlstore/ -run '^$' -bench ImportGazetteer -benchtime 1x
//
// (PostgreSQL too when CARERPERMIT_POSTGRES_DSN is set.) Each run then
// imports the same file again, the monthly refresh of an unchanged
// gazetteer, and looks up properties through the Locator.
func BenchmarkImportGazetteer(b *testing.B) {
	const rows = 1_000_000
	file, queries := benchGazetteer(rows)
	for _, db := range []struct {
		name   string
		newDSN func(testing.TB) string
		budget time.Duration
	}{{"SQLite", sqliteFile, 30 * time.Second}, {"Postgres", postgresSchema, 0}} {
		b.Run(db.name, func(b *testing.B) {
			if db.name == "Postgres" {
				postgresDSN(b)
			}
			ctx := context.Background()
			var st *sqlstore.Store
			var again time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				st = openStore(b, db.newDSN(b), nil)
				b.StartTimer()
				sum, err := st.ImportGazetteer(ctx, bytes.NewReader(file), nil)
				require.NoError(b, err)
				require.Equal(b, rows, sum.Imported)
				b.StopTimer()
				start := time.Now()
				sum, err = st.ImportGazetteer(ctx, bytes.NewReader(file), nil)
				again += time.Since(start)
				require.NoError(b, err)
				require.Zero(b, sum.Changed)
				b.StartTimer()
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(rows)/per.Seconds(), "rows/s")
			b.ReportMetric(per.Seconds(), "s/import")
			b.ReportMetric((again / time.Duration(b.N)).Seconds(), "s/reimport")
			if db.budget > 0 && per > db.budget {
				b.Errorf("importing %d rows took %s, over %s", rows, per.Round(time.Millisecond), db.budget)
			}

			loc := st.Locator()
			start := time.Now()
			for i, q := range queries {
				found, err := loc.FindProperties(ctx, q.postcode, q.house)
				require.NoError(b, err)
				require.NotEmpty(b, found, "query %d: %q at %s", i, q.house, q.postcode)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(len(queries)), "µs/lookup")
		})
	}
}

type benchQuery struct {
	postcode zones.Postcode
	house    string
}

// benchGazetteer writes a deterministic gazetteer of n properties shaped
// like a council's: postcodes in order, about 15 properties each on one
// street, most numbered, some named, some flats, half in a zone. It also
// returns a thousand queries that each find something.
func benchGazetteer(n int) ([]byte, []benchQuery) {
	rng := rand.New(rand.NewPCG(7, 2027))
	streets := strings.Fields("Ashby Beacon Church Mill Forest Park Station Victoria Albert Granby Market Meadow Orchard Willow")
	kinds := strings.Fields("Road Street Lane Avenue Close Way")
	names := strings.Fields("Rose Ivy Holly Orchard Meadow Willow Old Stable Coach Mill")
	const letters = "ABDEFGHJLNPQRSTUWXYZ"
	var b bytes.Buffer
	b.Grow(n * 80)
	b.WriteString(zones.GazetteerHeader + "\n")
	var queries []benchQuery
	uprn := 100_000_000_000
	for pc := 0; uprn-100_000_000_000 < n; pc++ {
		unit := pc % (len(letters) * len(letters))
		sector, district := (pc/len(letters)/len(letters))%10, pc/len(letters)/len(letters)/10%99+1
		postcode := fmt.Sprintf("LE%d %d%c%c", district, sector, letters[unit/len(letters)], letters[unit%len(letters)])
		street := streets[rng.IntN(len(streets))] + " " + kinds[rng.IntN(len(kinds))]
		zoneID, zoneName := "", ""
		if sector < 5 {
			zoneID, zoneName = fmt.Sprintf("le%d-%d", district, sector), fmt.Sprintf("LE%d zone %d", district, sector)
		}
		for k := 1 + rng.IntN(29); k > 0 && uprn-100_000_000_000 < n; k-- {
			uprn++
			sub, name, number := "", "", fmt.Sprint(1+rng.IntN(200))
			switch r := rng.IntN(100); {
			case r < 10:
				name, number = names[rng.IntN(len(names))]+" Cottage", ""
			case r < 25:
				sub = fmt.Sprintf("Flat %d", 1+rng.IntN(6))
			}
			fmt.Fprintf(&b, "%d,%s,%s,%s,%s,Town %d,%s,%s,%s\n", uprn, sub, name, number, street, district, postcode, zoneID, zoneName)
			if uprn%1000 == 0 {
				house := number
				if number == "" {
					house = strings.ToUpper(name)
				}
				queries = append(queries, benchQuery{zones.MustParsePostcode(postcode), house})
			}
		}
	}
	return b.Bytes(), queries
}

// BenchmarkLocator looks properties up by postcode and house, and by
// UPRN, in a gazetteer of 100,000 properties:
//
//	go test ./adapters/sqlstore/ -run '^$' -bench Locator -benchtime 2s
func BenchmarkLocator(b *testing.B) {
	file, queries := benchGazetteer(100_000)
	for _, db := range []struct {
		name   string
		newDSN func(testing.TB) string
	}{{"SQLite", sqliteFile}, {"Postgres", postgresSchema}} {
		b.Run(db.name, func(b *testing.B) {
			if db.name == "Postgres" {
				postgresDSN(b)
			}
			ctx := context.Background()
			st := openStore(b, db.newDSN(b), nil)
			_, err := st.ImportGazetteer(ctx, bytes.NewReader(file), nil)
			require.NoError(b, err)
			loc := st.Locator()
			b.Run("FindProperties", func(b *testing.B) {
				i := 0
				for b.Loop() {
					q := queries[i%len(queries)]
					i++
					found, err := loc.FindProperties(ctx, q.postcode, q.house)
					if err != nil || len(found) == 0 {
						b.Fatalf("%q at %s: %v, %d found", q.house, q.postcode, err, len(found))
					}
				}
			})
			b.Run("Property", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := loc.Property(ctx, zones.UPRN(100_000_000_001+i%100_000)); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}
