package zones_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/zones"
)

func ExampleParsePostcode() {
	for _, s := range []string{"le113ab", " LE11  3AB ", "Le11 3aB"} {
		p, err := zones.ParsePostcode(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p)
	}
	// Output:
	// LE11 3AB
	// LE11 3AB
	// LE11 3AB
}

func ExampleParsePostcode_invalid() {
	for _, s := range []string{"LE11 3A", "LE11 OAB", "LE1 13AB", ""} {
		_, err := zones.ParsePostcode(s)
		fmt.Println(errors.Is(err, zones.ErrInvalidPostcode), err)
	}
	// Output:
	// true zones: invalid postcode "LE11 3A": inward code "3A" must be a digit and two letters other than C, I, K, M, O and V
	// true zones: invalid postcode "LE11 OAB": inward code "OAB" must be a digit and two letters other than C, I, K, M, O and V (is the letter O meant to be a zero?)
	// true zones: invalid postcode "LE1 13AB": inward code "13AB" must be a digit and two letters other than C, I, K, M, O and V
	// true zones: invalid postcode "": empty
}

func ExamplePostcodeError() {
	_, err := zones.ParsePostcode("LE11-3AB")
	var perr *zones.PostcodeError
	if errors.As(err, &perr) {
		fmt.Printf("input %q: %s\n", perr.Input, perr.Reason)
	}
	// Output:
	// input "LE11-3AB": contains '-'; a postcode has only letters, digits and spaces
}

func ExamplePostcode_parts() {
	for _, s := range []string{"LE11 3AB", "EC1A 1BB"} {
		p := zones.MustParsePostcode(s)
		fmt.Printf("%s: outcode %s, incode %s, area %s, district %s, sub-district %q, sector %s, unit %s\n",
			p, p.Outcode(), p.Incode(), p.Area(), p.District(), p.SubDistrict(), p.Sector(), p.Unit())
	}
	// Output:
	// LE11 3AB: outcode LE11, incode 3AB, area LE, district LE11, sub-district "", sector LE11 3, unit AB
	// EC1A 1BB: outcode EC1A, incode 1BB, area EC, district EC1, sub-district "EC1A", sector EC1A 1, unit BB
}

func ExamplePostcode_mapKey() {
	// Postcodes that differ only in case and spacing are the same key.
	households := map[zones.Postcode]int{}
	for _, s := range []string{"LE11 3AB", "le113ab", "LE11 3AD"} {
		households[zones.MustParsePostcode(s)]++
	}
	fmt.Println(households[zones.MustParsePostcode("LE11 3AB")], len(households))
	// Output:
	// 2 2
}

func ExamplePostcode_UnmarshalText() {
	var req struct {
		Postcode zones.Postcode `json:"postcode"`
	}
	if err := json.Unmarshal([]byte(`{"postcode": "le11 3ab"}`), &req); err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(req)
	fmt.Println(string(out))
	// Output:
	// {"postcode":"LE11 3AB"}
}
