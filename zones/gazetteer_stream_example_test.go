package zones_test

import (
	"fmt"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
)

// Loading a council's gazetteer into other storage row by row: valid rows
// go on, each bad row is reported with its line, and the counts say what
// happened.
func ExampleReadGazetteer() {
	file := zones.GazetteerHeader + `
100030000001,,,12,Ashby Road,Loughborough,le11 3ab,loughborough-1,Loughborough 1
100030000002,,,,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000001,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,,
100030000003,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
`
	stats, err := zones.ReadGazetteer(strings.NewReader(file),
		func(line int, p zones.Property) error {
			fmt.Printf("line %d: store %s in %s\n", line, p, p.Zone)
			return nil
		},
		func(p zones.RowProblem) error {
			fmt.Println("rejected:", p)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", stats)
	// Output:
	// line 2: store UPRN 100030000001, 12 Ashby Road, Loughborough, LE11 3AB in Loughborough 1
	// rejected: line 3: building_number: empty, and so is building_name: a property needs a number, a name or both
	// rejected: line 4: uprn: 100030000001 is also on line 2; a UPRN identifies one property
	// line 5: store UPRN 100030000003, Flat 2, 14 Ashby Road, Loughborough, LE11 3AB in Loughborough 1
	// {Rows:4 Properties:2 Rejected:2 Duplicates:1}
}

// What an applicant types matches a property the same way in every
// Locator: case, spaces and punctuation do not matter; numbers stay whole.
func ExampleMatchHouse() {
	flat := zones.Property{UPRN: 1007, SubBuilding: "Flat 2", BuildingName: "The Maltings", BuildingNumber: "16",
		Street: "Ashby Road", Town: "Loughborough", Postcode: zones.MustParsePostcode("LE11 3AB")}
	for _, house := range []string{"16", "flat 2, the maltings", "FLAT 2 16", "Flat 21, 6", "The Maltings 1", ""} {
		fmt.Printf("%q: %v\n", house, zones.MatchHouse(flat, house))
	}
	// Output:
	// "16": true
	// "flat 2, the maltings": true
	// "FLAT 2 16": true
	// "Flat 21, 6": false
	// "The Maltings 1": false
	// "": true
}
