package osplaces_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/osplaces"
	"github.com/carerpermit/carerpermit/adapters/osplaces/osplacestest"
	"github.com/carerpermit/carerpermit/zones"
)

func ExampleNew() {
	// A fake OS Places with two homes and an office at one postcode.
	fake := osplacestest.New("")
	defer fake.Close()
	fake.Add(
		osplacestest.Address("100030000012", "", "", "12", "Ashby Road", "Loughborough", "LE11 3AB", 52.7721, -1.2062, "RD04"),
		osplacestest.Address("100030000014", "Flat 2", "", "14", "Ashby Road", "Loughborough", "LE11 3AB", 52.7722, -1.2063, "RD06"),
		osplacestest.Address("100030000016", "", "", "16", "Ashby Road", "Loughborough", "LE11 3AB", 52.7723, -1.2064, "CO01GV"),
	)
	l, err := osplaces.New(osplaces.Config{Key: osplacestest.APIKey, BaseURL: fake.BaseURL()}, nil)
	if err != nil {
		panic(err)
	}
	found, err := l.FindProperties(context.Background(), zones.MustParsePostcode("LE11 3AB"), "")
	if err != nil {
		panic(err)
	}
	for _, p := range found {
		fmt.Println(p, "at", p.Location)
	}

	wrongKey, _ := osplaces.New(osplaces.Config{Key: "not-ours", BaseURL: fake.BaseURL()}, nil)
	_, err = wrongKey.FindProperties(context.Background(), zones.MustParsePostcode("LE11 3AB"), "")
	fmt.Println(errors.Is(err, osplaces.ErrConfig))
	// Output:
	// UPRN 100030000012, 12 Ashby Road, Loughborough, LE11 3AB at 52.7721, -1.2062
	// UPRN 100030000014, Flat 2, 14 Ashby Road, Loughborough, LE11 3AB at 52.7722, -1.2063
	// true
}
