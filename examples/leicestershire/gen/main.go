// Command gen writes the Leicestershire example gazetteer: every real LE
// postcode from the ONS-derived list in shared/data, with synthetic
// properties (house numbers, some with letters, named houses, flats),
// synthetic street names, towns by postcode district, and the permit zones
// of the towns whose schemes the county council runs.
//
// The output is a pure function of the input: postcodes are sorted, and
// each postcode's properties come from a random source seeded by the
// postcode itself, so running it again gives the same bytes. Run it from
// examples/leicestershire with go generate (see gazetteer.go) or:
//
//	go run ./gen -postcodes ../../../shared/data/uk-postcodes-2019.txt.gz -out gazetteer.csv.gz
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	postcodesPath := fs.String("postcodes", "../../../shared/data/uk-postcodes-2019.txt.gz", "gzipped list of UK postcodes, one a line")
	outPath := fs.String("out", "gazetteer.csv.gz", "where to write the gzipped gazetteer CSV")
	zonesPath := fs.String("zones", "zones.geojson", "where to write the zones drawn as GeoJSON polygons")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := generateFile(*postcodesPath, *outPath, *zonesPath); err != nil {
		fmt.Fprintln(stderr, "gen:", err)
		return 1
	}
	return 0
}

func generateFile(postcodesPath, outPath, zonesPath string) error {
	f, err := os.Open(postcodesPath)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", postcodesPath, err)
	}
	postcodes, err := readPostcodes(zr, "LE")
	if err != nil {
		return fmt.Errorf("%s: %w", postcodesPath, err)
	}
	var out, zonesOut bytes.Buffer
	if err := writeGzipped(&out, postcodes); err != nil {
		return err
	}
	if err := generateZones(&zonesOut, postcodes); err != nil {
		return err
	}
	if err := os.WriteFile(outPath, out.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(zonesPath, zonesOut.Bytes(), 0o644)
}

// readPostcodes returns the distinct valid postcodes of area in r (one a
// line, any spacing), sorted by their normalised text so that the output
// does not depend on the input's order.
func readPostcodes(r io.Reader, area string) ([]zones.Postcode, error) {
	var out []zones.Postcode
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		pc, err := zones.ParsePostcode(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if pc.Area() == area && !nonGeographic(pc) {
			out = append(out, pc)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b zones.Postcode) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out), nil
}

// nonGeographic reports whether pc is in one of Leicester's districts for
// PO boxes and large organisations, where nobody lives.
func nonGeographic(pc zones.Postcode) bool {
	switch pc.District() {
	case "LE21", "LE41", "LE55", "LE87", "LE94", "LE95":
		return true
	}
	return false
}

func writeGzipped(w io.Writer, postcodes []zones.Postcode) error {
	// A zero header (no name, no time) keeps the output byte-identical from
	// one run to the next.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := generate(zw, postcodes); err != nil {
		return err
	}
	return zw.Close()
}

// firstUPRN starts the synthetic UPRNs at a round number far above those
// councils use, so that they read as made up.
const firstUPRN = 900_000_000_001

// generate writes the gazetteer CSV for postcodes, which must be sorted.
func generate(w io.Writer, postcodes []zones.Postcode) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(zones.GazetteerHeader+","+zones.GazetteerPositionColumns, ",")); err != nil {
		return err
	}
	lay := newLayout(postcodes)
	uprn := zones.UPRN(firstUPRN)
	// Neighbouring postcodes share a street, numbered on from one postcode
	// to the next, as real streets run through several postcodes.
	streetGroup, nextNumber := "", 1
	for _, pc := range postcodes {
		r := rand.New(rand.NewPCG(seed(pc.String()), 2019))
		group := pc.Sector() + pc.Unit()[:1]
		if group != streetGroup {
			streetGroup, nextNumber = group, 1+r.IntN(3)
		}
		street := streetName(group)
		town := townOf(pc)
		zone := zoneOf(pc)
		// A postcode's rows wait until it is complete, since where each
		// stands depends on how many spots (houses, or buildings of
		// flats) the postcode has.
		var rows []spotRow
		spot := 0
		row := func(sub, name, number string) error {
			rows = append(rows, spotRow{spot, []string{uprn.String(), sub, name, number, street, town, pc.String(), zone.ID, zone.Name}})
			uprn++
			return nil
		}
		for range 2 + r.IntN(14) {
			number := strconv.Itoa(nextNumber)
			nextNumber += 1 + r.IntN(10)/8 // an occasional gap
			var err error
			switch x := r.IntN(100); {
			case x < 7: // a named house without a number
				err = row("", houseName(r), "")
			case x < 10: // a named house that has a number too
				err = row("", houseName(r), number)
			case x < 20: // a building of flats, sometimes named
				name := ""
				if r.IntN(3) == 0 {
					name, number = buildingName(r), ""
				}
				for f := range 2 + r.IntN(7) {
					if err = row("Flat "+strconv.Itoa(f+1), name, number); err != nil {
						break
					}
				}
			default:
				err = row("", "", number)
				if err == nil && r.IntN(100) < 6 {
					// An infill house squeezed in later: 12A after 12.
					spot++
					err = row("", "", number+"A")
				}
			}
			if err != nil {
				return err
			}
			spot++
		}
		for _, sr := range rows {
			lat, lng := lay.position(pc, sr.spot, spot)
			if err := cw.Write(append(sr.fields, coordinate(lat), coordinate(lng))); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// spotRow is a row of the gazetteer and the spot it stands on: flats in
// one building share a spot.
type spotRow struct {
	spot   int
	fields []string
}

func seed(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func pick(r *rand.Rand, words []string) string { return words[r.IntN(len(words))] }

var (
	streetFirst = strings.Fields("Ashby Beacon Church Mill Forest Park Station Victoria Albert Granby Market Meadow Orchard " +
		"Willow Oak Cedar Elm Beech Maple Hazel Rowan Holly Windmill Brook Manor Chapel Spring Field Grange Priory " +
		"Abbey Castle Charnwood Bradgate Swithland Soar Wreake Welland Sence Quorn Rothley Thorpe Kings Queens Princess " +
		"Hastings Burton Nottingham Derby Melton Leicester Stamford Uppingham Harborough Lutterworth Hinckley Ratby")
	streetKind = strings.Fields("Road Road Road Street Street Lane Lane Avenue Close Close Way Drive Crescent Gardens Grove Rise View Walk")
	houseFirst = strings.Fields("Rose Ivy Holly Orchard Meadow Willow Hawthorn Primrose Laurel Lilac Oak Beech Elm Yew Lavender")
	houseKind  = strings.Fields("Cottage Cottage House House Lodge Barn Farm View End")
	blockFirst = strings.Fields("Victoria Albert Regent Granby Beacon Charnwood Carillon Clarence Wellington Kingsley")
	blockKind  = strings.Fields("Court House Mews Lodge Mansions")
	// Houses named after what they once were: "The Old Rectory".
	oldBuildings = []string{"Rectory", "Vicarage", "Bakery", "Forge", "Dairy", "School", "Post Office"}
)

// streetName gives a street name for a group of postcodes. It depends on
// the group alone, so that a postcode's street does not change when other
// postcodes come and go.
func streetName(group string) string {
	r := rand.New(rand.NewPCG(seed(group), 7))
	return pick(r, streetFirst) + " " + pick(r, streetKind)
}

func houseName(r *rand.Rand) string {
	if r.IntN(5) == 0 {
		return "The Old " + pick(r, oldBuildings)
	}
	return pick(r, houseFirst) + " " + pick(r, houseKind)
}

func buildingName(r *rand.Rand) string { return pick(r, blockFirst) + " " + pick(r, blockKind) }

// townOf gives the post town of pc's district, or for the villages and
// suburbs that have their own permit zones, the locality residents use.
func townOf(pc zones.Postcode) string {
	switch pc.Sector() {
	case "LE7 7":
		return "Anstey"
	case "LE19 2":
		return "Narborough"
	case "LE2 4", "LE2 5":
		return "Oadby"
	}
	switch pc.District() {
	case "LE10":
		return "Hinckley"
	case "LE11", "LE12":
		return "Loughborough"
	case "LE13", "LE14":
		return "Melton Mowbray"
	case "LE15":
		return "Oakham"
	case "LE16":
		return "Market Harborough"
	case "LE17":
		return "Lutterworth"
	case "LE18":
		return "Wigston"
	case "LE65":
		return "Ashby-de-la-Zouch"
	case "LE67":
		return "Coalville"
	}
	return "Leicester"
}

// zoneOf gives pc's permit zone: several in each of the towns with a
// scheme, by postcode sector (or, in the two villages, by the first letter
// of the unit), and none elsewhere, so that some sectors of those towns lie
// outside every zone too.
func zoneOf(pc zones.Postcode) zones.Zone {
	zone := func(town string, n int) zones.Zone {
		id := strings.ToLower(strings.NewReplacer(" & ", "-", " ", "-").Replace(town)) + "-" + strconv.Itoa(n)
		return zones.Zone{ID: id, Name: town + " " + strconv.Itoa(n)}
	}
	// G splits both villages' units roughly in half.
	firstHalf := pc.Unit()[0] <= 'G'
	switch pc.Sector() {
	case "LE11 1":
		return zone("Loughborough", 1)
	case "LE11 2":
		return zone("Loughborough", 2)
	case "LE11 3":
		return zone("Loughborough", 3)
	case "LE11 5":
		return zone("Loughborough", 4)
	case "LE13 0":
		return zone("Melton Mowbray", 1)
	case "LE13 1":
		return zone("Melton Mowbray", 2)
	case "LE16 7":
		return zone("Market Harborough", 1)
	case "LE16 9":
		return zone("Market Harborough", 2)
	case "LE7 7":
		if firstHalf {
			return zone("Anstey", 1)
		}
		return zone("Anstey", 2)
	case "LE19 2":
		if firstHalf {
			return zone("Narborough", 1)
		}
		return zone("Narborough", 2)
	case "LE2 4":
		return zone("Oadby & Wigston", 1)
	case "LE2 5":
		return zone("Oadby & Wigston", 2)
	case "LE18 1":
		return zone("Oadby & Wigston", 3)
	case "LE18 2":
		return zone("Oadby & Wigston", 4)
	case "LE18 4":
		return zone("Oadby & Wigston", 5)
	}
	return zones.Zone{}
}
