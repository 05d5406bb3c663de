package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite" // the program links SQLite
	"github.com/carerpermit/carerpermit/zones"
)

// Import a council's gazetteer into the database and find addresses in it
// through the store's Locator, as the in-memory gazetteer would. Bad rows
// are left out and reported with their lines; the good ones go in.
func ExampleStore_ImportGazetteer() {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "permits.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	file := zones.GazetteerHeader + `
100030000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100030000002,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100030000003,,,,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
`
	sum, err := st.ImportGazetteer(ctx, strings.NewReader(file), &sqlstore.ImportOptions{
		Progress: func(p sqlstore.ImportProgress) { fmt.Printf("progress: %+v\n", p) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d rows, %d imported, %d rejected\n", sum.Rows, sum.Imported, sum.Rejected)
	for _, p := range sum.Problems {
		fmt.Println("rejected:", p)
	}

	loc := st.Locator()
	found, err := loc.FindProperties(ctx, zones.MustParsePostcode("le11 3ab"), "flat 2, 14")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range found {
		fmt.Println(p, "in", p.Zone)
	}
	// Output:
	// progress: {Rows:3 Imported:2 Rejected:1}
	// 3 rows, 2 imported, 1 rejected
	// rejected: line 4: building_number: empty, and so is building_name: a property needs a number, a name or both
	// UPRN 100030000002, Flat 2, 14 Ashby Road, Loughborough, LE11 3AB in Loughborough 3
}
