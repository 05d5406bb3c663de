package zones_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
)

const exampleGazetteer = `uprn,sub_building,building_name,building_number,street,town,postcode,zone_id,zone_name
100030000012,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000013,,,12A,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000014,Flat 1,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000015,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000016,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-1,Loughborough 1
100030000099,,,3,Main Street,Quorn,LE12 8AB,,
`

func ExampleLoadGazetteer() {
	g, err := zones.LoadGazetteer(strings.NewReader(exampleGazetteer))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Len(), "properties")
	for _, z := range g.Zones() {
		fmt.Printf("zone %s: %s\n", z.ID, z.Name)
	}
	// Output:
	// 6 properties
	// zone loughborough-1: Loughborough 1
}

func ExampleLoadGazetteer_problems() {
	_, err := zones.LoadGazetteer(strings.NewReader(zones.GazetteerHeader + `
1,,,12,Ashby Road,Loughborough,LE11 3AB,,
2,,,,Ashby Road,Loughborough,LE11 3AB,,
1,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-1,
`))
	var ge *zones.GazetteerError
	if errors.As(err, &ge) {
		for _, p := range ge.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// line 3: building_number: empty, and so is building_name: a property needs a number, a name or both
	// line 4: zone_name: empty, but zone_id is "loughborough-1": give both or neither
	// line 4: uprn: 1 is also on line 2; a UPRN identifies one property
}

func ExampleGazetteer_FindProperties() {
	g, err := zones.LoadGazetteer(strings.NewReader(exampleGazetteer))
	if err != nil {
		fmt.Println(err)
		return
	}
	// What an applicant typed: any case and spacing.
	postcode, err := zones.ParsePostcode("le11 3ab")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, house := range []string{"12", "14", "flat 2 14", "rose cottage", "112"} {
		found, err := g.FindProperties(context.Background(), postcode, house)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%q:\n", house)
		for _, p := range found {
			fmt.Printf("  %s  %s  (%s)\n", p.UPRN, p.Address(), p.Zone)
		}
	}
	// Output:
	// "12":
	//   100030000012  12 Ashby Road, Loughborough, LE11 3AB  (Loughborough 1)
	// "14":
	//   100030000014  Flat 1, 14 Ashby Road, Loughborough, LE11 3AB  (Loughborough 1)
	//   100030000015  Flat 2, 14 Ashby Road, Loughborough, LE11 3AB  (Loughborough 1)
	// "flat 2 14":
	//   100030000015  Flat 2, 14 Ashby Road, Loughborough, LE11 3AB  (Loughborough 1)
	// "rose cottage":
	//   100030000016  Rose Cottage, Ashby Road, Loughborough, LE11 3AB  (Loughborough 1)
	// "112":
}

func ExampleGazetteer_Property() {
	g, err := zones.LoadGazetteer(strings.NewReader(exampleGazetteer))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, uprn := range []zones.UPRN{100030000099, 100030000098} {
		p, err := g.Property(context.Background(), uprn)
		switch {
		case errors.Is(err, zones.ErrPropertyNotFound):
			fmt.Println(uprn, "is not in the gazetteer")
		case err != nil:
			fmt.Println(err)
		case !p.InZone():
			fmt.Println(p.Address(), "is", p.Zone)
		}
	}
	// Output:
	// 3 Main Street, Quorn, LE12 8AB is outside every permit zone
	// 100030000098 is not in the gazetteer
}

func ExampleParseUPRN() {
	for _, s := range []string{"100030123456", "0100030123456", "10003O123456"} {
		u, err := zones.ParseUPRN(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(u)
	}
	// Output:
	// 100030123456
	// zones: invalid UPRN "0100030123456": too long: a UPRN has at most 12 digits
	// zones: invalid UPRN "10003O123456": contains character 'O'; only digits are allowed
}

func ExampleProperty_Address() {
	p := zones.Property{
		SubBuilding:    "Flat 2",
		BuildingNumber: "12",
		Street:         "Ashby Road",
		Town:           "Loughborough",
		Postcode:       zones.MustParsePostcode("LE11 3AB"),
	}
	fmt.Println(p.Address())
	// Output:
	// Flat 2, 12 Ashby Road, Loughborough, LE11 3AB
}
