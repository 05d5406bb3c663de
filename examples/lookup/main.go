// Command lookup finds properties in the Leicestershire example gazetteer by
// postcode and house number or name, as an applicant does at the start of
// an Essential Carer Permit application, and says which permit zone each
// lies in.
//
//	go run ./examples/lookup LE11 3AB 12
//	go run ./examples/lookup "le7 7ab" "the old forge"
//	go run ./examples/lookup LE11 3AB          (every property at the postcode)
//
// It exits 0 when something matched, 1 when nothing did, and 2 for a
// postcode that is not valid or a missing argument.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/zones"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = "usage: lookup POSTCODE [HOUSE NUMBER OR NAME...]\n  e.g. lookup LE11 3AB 12"

func run(args []string, stdout, stderr io.Writer) int {
	return lookup(leicestershire.Gazetteer, args, stdout, stderr)
}

// lookup is run with the gazetteer's loader as a parameter, so that tests
// load the example once rather than once a case.
func lookup(load func() (*zones.Gazetteer, error), args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	postcode, house, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "lookup:", err)
		fmt.Fprintln(stderr, usage)
		return 2
	}

	g, err := load()
	if err != nil {
		fmt.Fprintln(stderr, "lookup:", err)
		return 1
	}
	ctx := context.Background()
	found, err := g.FindProperties(ctx, postcode, house)
	if err != nil {
		fmt.Fprintln(stderr, "lookup:", err)
		return 1
	}
	if len(found) == 0 {
		all, err := g.FindProperties(ctx, postcode, "")
		switch {
		case err != nil:
			fmt.Fprintln(stderr, "lookup:", err)
		case len(all) == 0:
			fmt.Fprintf(stderr, "lookup: no properties at %s: the example gazetteer holds Leicestershire's LE postcodes only\n", postcode)
		default:
			there := fmt.Sprintf("all %d properties", len(all))
			if len(all) == 1 {
				there = "the 1 property"
			}
			fmt.Fprintf(stderr, "lookup: no property at %s matches %q; leave the house out to list %s there\n", postcode, house, there)
		}
		return 1
	}
	for _, p := range found {
		zone := "outside every permit zone"
		if p.InZone() {
			zone = "zone " + p.Zone.ID + " (" + p.Zone.Name + ")"
		}
		fmt.Fprintf(stdout, "%s  %s  %s\n", p.UPRN, p.Address(), zone)
	}
	return 0
}

// parseArgs reads the postcode from the first argument, or from the first
// two when it was typed with a space and no quotes ("LE11 3AB" arrives as
// "LE11" and "3AB"); the remaining arguments are the house.
func parseArgs(args []string) (zones.Postcode, string, error) {
	postcode, err := zones.ParsePostcode(args[0])
	if err == nil {
		return postcode, strings.Join(args[1:], " "), nil
	}
	// An outward code alone ("LE11") is at most four characters: then the
	// next argument was meant as the inward code, and the error should
	// name both.
	if len(args) >= 2 && len(strings.TrimSpace(args[0])) <= 4 {
		postcode, err = zones.ParsePostcode(args[0] + " " + args[1])
		if err == nil {
			return postcode, strings.Join(args[2:], " "), nil
		}
	}
	return zones.Postcode{}, "", err
}
