package zones

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidGazetteer is returned (wrapped in a *GazetteerError listing every
// problem) when a gazetteer file cannot be loaded. Check with errors.Is.
var ErrInvalidGazetteer = errors.New("invalid gazetteer")

// RowProblem is one thing wrong with a gazetteer file.
type RowProblem struct {
	// Line is the 1-based line of the file where the row starts (1 is the
	// header).
	Line int
	// Field is the column at fault, e.g. "postcode"; "header" for a
	// problem with the header line; "" when the problem is the row as a
	// whole (such as a wrong number of fields).
	Field string
	// Reason says what is wrong, naming the offending value.
	Reason string
}

func (p RowProblem) String() string {
	if p.Field == "" {
		return "line " + strconv.Itoa(p.Line) + ": " + p.Reason
	}
	return "line " + strconv.Itoa(p.Line) + ": " + p.Field + ": " + p.Reason
}

// maxPrintedProblems caps GazetteerError's message: a file exported with the
// wrong columns can have a problem on every one of a million lines, and a
// message that long helps nobody. Problems keeps them all.
const maxPrintedProblems = 10

// GazetteerError lists every problem found in a gazetteer file, in line
// order. It unwraps to ErrInvalidGazetteer.
type GazetteerError struct {
	Problems []RowProblem
}

func (e *GazetteerError) Error() string {
	var b strings.Builder
	b.WriteString("zones: invalid gazetteer: ")
	if len(e.Problems) == 1 {
		b.WriteString("1 problem: ")
	} else {
		fmt.Fprintf(&b, "%d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i == maxPrintedProblems {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalidGazetteer) match every load failure
// caused by the file's content.
func (e *GazetteerError) Unwrap() error { return ErrInvalidGazetteer }

// The gazetteer columns, in the order GazetteerHeader gives them.
const (
	colUPRN = iota
	colSubBuilding
	colBuildingName
	colBuildingNumber
	colStreet
	colTown
	colPostcode
	colZoneID
	colZoneName
	numColumns  // the required columns; the optional ones follow
	colLatitude = iota - 1
	colLongitude
	numAllColumns
)

// GazetteerHeader is the header line of a gazetteer file in its canonical
// column order (see LoadGazetteer).
const GazetteerHeader = "uprn,sub_building,building_name,building_number,street,town,postcode,zone_id,zone_name"

// GazetteerPositionColumns are the optional columns of a gazetteer file
// that give each property's position in WGS84 degrees (see LoadGazetteer).
const GazetteerPositionColumns = "latitude,longitude"

func columnNames() []string {
	return strings.Split(GazetteerHeader+","+GazetteerPositionColumns, ",")
}

// Gazetteer is an in-memory Locator over a council's list of properties,
// loaded with LoadGazetteer. It is immutable once loaded and safe for
// concurrent use. The zero Gazetteer is empty.
//
// It is laid out for a whole council's addresses, or more: each property is
// one fixed-size record (48 bytes, no pointers) whose strings are indexes
// into tables holding each distinct street, town, house name and number
// once; records are grouped by postcode, so a lookup reads one short run of
// neighbouring records; and UPRNs sit in a sorted array searched by
// bisection (12 bytes a property). On a million synthetic properties this
// measures about 57 bytes a property, 0.7 s to load and 0.6 µs a lookup
// (BenchmarkLoadGazetteer, BenchmarkGazetteerLookup). Great Britain's ~30
// million addresses would so take about 2 GB and 20 s to load: possible,
// but that is where a database-backed Locator becomes the better choice.
type Gazetteer struct {
	records []record // grouped by postcode; in file order within a postcode
	// postcodes[r.postcode] is record r's postcode; a postcode's records
	// are records[byPostcode[p].start:byPostcode[p].end]. Keeping the span
	// in the map saves a look-up, and a cache miss, in FindProperties.
	postcodes  []Postcode
	byPostcode map[Postcode]span
	// uprns is sorted; the property with uprns[i] is records[uprnRecord[i]].
	uprns      []UPRN
	uprnRecord []uint32
	// house holds sub-building, building name and number strings, with
	// houseKeys[i] the matching key (see appendHouseKey) of house[i].
	house     []string
	houseKeys []string
	// place holds streets and towns.
	place []string
	// zones[0] is the zero Zone (outside every zone); the rest sorted by ID.
	zones []Zone
}

// record is one property. Strings are indexes into the Gazetteer's tables so
// that the record holds no pointers: a million of them cost the garbage
// collector nothing to scan.
type record struct {
	uprn              UPRN
	sub, name, number uint32 // into house
	street, town      uint32 // into place
	postcode          uint32 // into postcodes
	zone              uint32 // into zones
	lat, lng          int32  // position in 1e-7 degrees; lat 0 when unknown
}

var _ Locator = (*Gazetteer)(nil)

// openGazetteerCSV starts reading a gazetteer file: it skips a byte order
// mark, reads and checks the header, and returns the loader and the csv
// reader positioned at the first row. Header problems come back as a
// *GazetteerError; an error from r is returned wrapped.
func openGazetteerCSV(r io.Reader) (*loader, *csv.Reader, error) {
	l := newLoader()
	br := bufio.NewReaderSize(r, 64<<10)
	// Spreadsheet programs start UTF-8 files with a byte order mark; the csv
	// reader would take it as part of the first column's name.
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	// Records are copied out before the next Read, so the reader may reuse
	// its slice; this saves an allocation per row.
	cr.ReuseRecord = true

	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil, &GazetteerError{Problems: []RowProblem{{Line: 1, Field: "header", Reason: "missing: the file is empty; the first line must be " + GazetteerHeader}}}
	case err != nil:
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("zones: reading gazetteer: %w", err)
		}
		return nil, nil, &GazetteerError{Problems: []RowProblem{{Line: pe.StartLine, Field: "header", Reason: pe.Err.Error()}}}
	}
	if err := l.readHeader(header); err != nil {
		return nil, nil, err
	}
	return l, cr, nil
}

// LoadGazetteer reads a gazetteer from CSV (RFC 4180, UTF-8; a leading byte
// order mark, as spreadsheet programs write, is ignored).
//
// The first line must name the columns, in any order, each exactly once:
//
//	uprn,sub_building,building_name,building_number,street,town,postcode,zone_id,zone_name
//
// Two more columns may follow, both or neither (GazetteerPositionColumns):
//
//	latitude,longitude
//
// Each further line is one property (surrounding spaces in a field are
// ignored):
//   - uprn: required, 1 to 12 digits (see ParseUPRN), unique in the file;
//   - sub_building: optional, e.g. "Flat 2";
//   - building_name and building_number: at least one of them; a number
//     starts with a digit, e.g. "12" or "12A";
//   - street: optional (some named properties have none); town: required;
//   - postcode: required, any spacing or case (see ParsePostcode);
//   - zone_id and zone_name: both empty for a property outside every zone,
//     or both given; every row with the same zone_id gives the same name;
//   - latitude and longitude, if the file has them: both empty for a
//     property whose position is unknown, or both given in WGS84 decimal
//     degrees inside the United Kingdom (see LatLng.CheckUK, which also
//     recognises the two swapped). They are kept to 1e-7 degrees (about a
//     centimetre) and become the property's Location.
//
// No field may hold a control character (such as a line break) or invalid
// UTF-8, because every field ends up on one line of an address.
//
// A file with problems is rejected whole, with a *GazetteerError that lists
// every problem with its line number, so that a council can fix its export
// in one pass. An error from r itself is returned wrapped, not as a
// *GazetteerError.
func LoadGazetteer(r io.Reader) (*Gazetteer, error) {
	l, cr, err := openGazetteerCSV(r)
	if err != nil {
		return nil, err
	}

	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("zones: reading gazetteer: %w", err)
			}
			reason := pe.Err.Error()
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Sprintf("has %d fields; the header has %d", len(row), l.width)
			}
			l.problem(pe.StartLine, "", reason)
			continue
		}
		line, _ := cr.FieldPos(0)
		l.readRow(line, row)
	}
	return l.finish()
}

// loader holds what LoadGazetteer needs only while reading.
type loader struct {
	g           *Gazetteer
	problems    []RowProblem
	col         [numAllColumns]int // col[colUPRN] is the index of "uprn" in a row; -1 if absent
	names       []string           // the column names, by colUPRN etc.
	width       int                // the number of columns in the header
	hasPosition bool               // whether the file has the position columns
	lines       []int              // lines[i] is the line of g.records[i]
	rejected    []uprnLine         // valid UPRNs of rejected rows

	houseIndex map[string]uint32
	placeIndex map[string]uint32
	zoneIndex  map[string]uint32 // by zone ID
	zoneLine   []int             // the first line that named each zone

	// The previous row's postcode: files usually list a postcode's
	// properties together, so this saves most map look-ups.
	lastPostcode      Postcode
	lastPostcodeIndex uint32
}

type span struct{ start, end uint32 }

type uprnLine struct {
	uprn UPRN
	line int
}

func newLoader() *loader {
	return &loader{
		g: &Gazetteer{
			byPostcode: map[Postcode]span{},
			house:      []string{""},
			houseKeys:  []string{""},
			place:      []string{""},
			zones:      []Zone{{}},
		},
		houseIndex: map[string]uint32{"": 0},
		placeIndex: map[string]uint32{"": 0},
		zoneIndex:  map[string]uint32{},
		zoneLine:   []int{0},
		names:      columnNames(),
	}
}

func (l *loader) problem(line int, field, reason string) {
	l.problems = append(l.problems, RowProblem{Line: line, Field: field, Reason: reason})
}

func (l *loader) readHeader(header []string) error {
	names := l.names
	l.col = [numAllColumns]int{}
	l.width = len(header)
	for i := range l.col {
		l.col[i] = -1
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		c := slices.Index(names, h)
		switch {
		case c < 0:
			l.problem(1, "header", fmt.Sprintf("unknown column %q; the columns are %s", h, GazetteerHeader))
		case l.col[c] >= 0:
			l.problem(1, "header", fmt.Sprintf("column %q appears twice", h))
		default:
			l.col[c] = i
		}
	}
	for c, i := range l.col[:numColumns] {
		if i < 0 {
			l.problem(1, "header", fmt.Sprintf("column %q is missing; the columns are %s", names[c], GazetteerHeader))
		}
	}
	switch lat, lng := l.col[colLatitude] >= 0, l.col[colLongitude] >= 0; {
	case lat && !lng:
		l.problem(1, "header", `column "latitude" is given without "longitude": give both or neither`)
	case lng && !lat:
		l.problem(1, "header", `column "longitude" is given without "latitude": give both or neither`)
	default:
		l.hasPosition = lat
	}
	if len(l.problems) > 0 {
		return &GazetteerError{Problems: l.problems}
	}
	return nil
}

// readRow checks one row and, if it has no problems, adds its record.
func (l *loader) readRow(line int, row []string) {
	var f [numAllColumns]string
	for c := range f {
		if l.col[c] >= 0 {
			f[c] = strings.TrimSpace(row[l.col[c]])
		}
	}
	bad := false
	fail := func(c int, reason string) {
		l.problem(line, l.names[c], reason)
		bad = true
	}
	uprnText := true
	for c, v := range f {
		if reason := checkText(v); reason != "" {
			fail(c, reason)
			uprnText = uprnText && c != colUPRN
		}
	}

	var rec record
	uprn, err := ParseUPRN(f[colUPRN])
	if err != nil {
		if ue := (*UPRNError)(nil); errors.As(err, &ue) && uprnText {
			fail(colUPRN, quoteValue(f[colUPRN])+ue.Reason)
		}
		bad = true
	}
	rec.uprn = uprn
	if bad {
		// The other checks would only repeat complaints about text
		// already rejected; the UPRN is still noted so that duplicates
		// among bad rows are reported too.
		l.badUPRN(uprn, line)
		return
	}

	pc, err := ParsePostcode(f[colPostcode])
	if err != nil {
		reason := err.Error()
		if pe := (*PostcodeError)(nil); errors.As(err, &pe) {
			reason = pe.Reason
		}
		fail(colPostcode, quoteValue(f[colPostcode])+reason)
	}
	switch {
	case f[colBuildingNumber] == "" && f[colBuildingName] == "":
		fail(colBuildingNumber, "empty, and so is building_name: a property needs a number, a name or both")
	case f[colBuildingNumber] != "" && !isASCIIDigit(f[colBuildingNumber][0]):
		fail(colBuildingNumber, fmt.Sprintf("%q does not start with a digit; house names go in building_name", f[colBuildingNumber]))
	}
	if f[colTown] == "" {
		fail(colTown, "empty")
	}
	rec.zone = l.zone(line, f[colZoneID], f[colZoneName], fail)
	rec.lat, rec.lng = position(f[colLatitude], f[colLongitude], fail)
	if bad {
		l.badUPRN(uprn, line)
		return
	}

	rec.postcode = l.postcodeIndex(pc)
	rec.sub = l.houseString(f[colSubBuilding])
	rec.name = l.houseString(f[colBuildingName])
	rec.number = l.houseString(f[colBuildingNumber])
	rec.street = l.placeString(f[colStreet])
	rec.town = l.placeString(f[colTown])
	l.g.records = append(l.g.records, rec)
	l.lines = append(l.lines, line)
}

// badUPRN notes the valid UPRN of a rejected row, for the duplicate check.
func (l *loader) badUPRN(uprn UPRN, line int) {
	if uprn != 0 {
		l.rejected = append(l.rejected, uprnLine{uprn, line})
	}
}

// checkText returns why v cannot be part of an address, or "".
func checkText(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f {
			return fmt.Sprintf("%q contains a control character", v)
		}
		if c >= utf8.RuneSelf {
			if !utf8.ValidString(v) {
				return fmt.Sprintf("%q is not valid UTF-8", v)
			}
			return ""
		}
	}
	return ""
}

func quoteValue(v string) string { return strconv.Quote(v) + ": " }

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *loader) postcodeIndex(pc Postcode) uint32 {
	if pc == l.lastPostcode && len(l.g.postcodes) > 0 {
		return l.lastPostcodeIndex
	}
	// While loading, a span's start holds the postcode's index.
	s, ok := l.g.byPostcode[pc]
	i := s.start
	if !ok {
		i = uint32(len(l.g.postcodes))
		l.g.postcodes = append(l.g.postcodes, pc)
		l.g.byPostcode[pc] = span{start: i}
	}
	l.lastPostcode, l.lastPostcodeIndex = pc, i
	return i
}

// zone returns the index of the zone named on a row, checking that a zone
// is either given whole or not at all, and always with the same name.
func (l *loader) zone(line int, id, name string, fail func(int, string)) uint32 {
	switch {
	case id == "" && name == "":
		return 0
	case id == "":
		fail(colZoneID, fmt.Sprintf("empty, but zone_name is %q: give both or neither", name))
		return 0
	case name == "":
		fail(colZoneName, fmt.Sprintf("empty, but zone_id is %q: give both or neither", id))
		return 0
	}
	i, ok := l.zoneIndex[id]
	if !ok {
		i = uint32(len(l.g.zones))
		l.g.zones = append(l.g.zones, Zone{ID: strings.Clone(id), Name: strings.Clone(name)})
		l.zoneLine = append(l.zoneLine, line)
		l.zoneIndex[l.g.zones[i].ID] = i
		return i
	}
	if z := l.g.zones[i]; z.Name != name {
		fail(colZoneName, fmt.Sprintf("%q differs from %q, the name of zone %q on line %d", name, z.Name, id, l.zoneLine[i]))
	}
	return i
}

// position reads a row's latitude and longitude: both empty (position
// unknown) or both a UK position.
func position(lat, lng string, fail func(int, string)) (int32, int32) {
	switch {
	case lat == "" && lng == "":
		return 0, 0
	case lat == "":
		fail(colLatitude, fmt.Sprintf("empty, but longitude is %q: give both or neither", lng))
		return 0, 0
	case lng == "":
		fail(colLongitude, fmt.Sprintf("empty, but latitude is %q: give both or neither", lat))
		return 0, 0
	}
	p, err := ParseLatLng(lat, lng)
	if err != nil {
		field := colLatitude
		if strings.HasPrefix(err.(*LatLngError).Reason, "longitude") {
			field = colLongitude
		}
		fail(field, fmt.Sprintf("%s, %s: %s", lat, lng, err.(*LatLngError).Reason))
		return 0, 0
	}
	return toE7(p.Lat), toE7(p.Lng)
}

// houseString interns s (a sub-building, building name or number) and its
// matching key. The csv reader slices a row's fields out of one string, so
// new entries are cloned lest the table keep whole rows alive.
func (l *loader) houseString(s string) uint32 {
	if i, ok := l.houseIndex[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := uint32(len(l.g.house))
	l.g.house = append(l.g.house, s)
	key := appendHouseKey(make([]byte, 0, len(s)), s)
	if string(key) == s {
		l.g.houseKeys = append(l.g.houseKeys, s)
	} else {
		l.g.houseKeys = append(l.g.houseKeys, string(key))
	}
	l.houseIndex[s] = i
	return i
}

// placeString interns a street or town, as houseString does.
func (l *loader) placeString(s string) uint32 {
	if i, ok := l.placeIndex[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := uint32(len(l.g.place))
	l.g.place = append(l.g.place, s)
	l.placeIndex[s] = i
	return i
}

func (l *loader) finish() (*Gazetteer, error) {
	g := l.g
	if uint64(len(g.records)) > uint64(^uint32(0)) {
		return nil, fmt.Errorf("zones: gazetteer has %d properties, more than this in-memory gazetteer holds", len(g.records))
	}
	l.groupByPostcode()
	l.indexUPRNs()
	if len(l.problems) > 0 {
		slices.SortStableFunc(l.problems, func(a, b RowProblem) int { return cmp.Compare(a.Line, b.Line) })
		return nil, &GazetteerError{Problems: l.problems}
	}
	l.sortZones()
	return g, nil
}

// groupByPostcode orders the records by postcode, keeping file order within
// a postcode (a stable counting sort), and sets each postcode's span.
func (l *loader) groupByPostcode() {
	g := l.g
	starts := make([]uint32, len(g.postcodes)+1)
	for _, r := range g.records {
		starts[r.postcode+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	for pc, s := range g.byPostcode {
		g.byPostcode[pc] = span{start: starts[s.start], end: starts[s.start+1]}
	}
	// Postcodes are numbered as first seen, so a file that already lists
	// each postcode's properties together needs no reordering.
	if slices.IsSortedFunc(g.records, func(a, b record) int { return cmp.Compare(a.postcode, b.postcode) }) {
		return
	}
	next := starts[:len(g.postcodes)]
	records := make([]record, len(g.records))
	lines := make([]int, len(l.lines))
	for i, r := range g.records {
		j := next[r.postcode]
		next[r.postcode]++
		records[j] = r
		lines[j] = l.lines[i]
	}
	g.records, l.lines = records, lines
}

// indexUPRNs builds the UPRN index, reporting duplicates.
func (l *loader) indexUPRNs() {
	g := l.g
	type entry struct {
		uprn   UPRN
		line   int
		record uint32
	}
	const rejected = ^uint32(0)
	index := make([]entry, 0, len(g.records)+len(l.rejected))
	for i, r := range g.records {
		index = append(index, entry{r.uprn, l.lines[i], uint32(i)})
	}
	for _, r := range l.rejected {
		index = append(index, entry{r.uprn, r.line, rejected})
	}
	slices.SortFunc(index, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.uprn, b.uprn), cmp.Compare(a.line, b.line))
	})
	first := 0 // where the run of entries with index[i]'s UPRN starts
	for i, e := range index {
		if i == 0 || e.uprn != index[i-1].uprn {
			first = i
			continue
		}
		l.problem(e.line, "uprn", fmt.Sprintf("%s is also on line %d; a UPRN identifies one property", e.uprn, index[first].line))
	}
	if len(l.problems) > 0 {
		return // the load fails: no index needed
	}
	g.uprns = make([]UPRN, len(index))
	g.uprnRecord = make([]uint32, len(index))
	for i, e := range index {
		g.uprns[i], g.uprnRecord[i] = e.uprn, e.record
	}
}

// sortZones puts the zones in ID order, as Zones promises, and renumbers
// the records' zone indexes to match.
func (l *loader) sortZones() {
	g := l.g
	order := make([]uint32, len(g.zones)-1)
	for i := range order {
		order[i] = uint32(i + 1)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(g.zones[a].ID, g.zones[b].ID) })
	renumber := make([]uint32, len(g.zones))
	zones := make([]Zone, 1, len(g.zones))
	for _, old := range order {
		renumber[old] = uint32(len(zones))
		zones = append(zones, g.zones[old])
	}
	g.zones = zones
	for i := range g.records {
		g.records[i].zone = renumber[g.records[i].zone]
	}
}

// Len returns the number of properties.
func (g *Gazetteer) Len() int { return len(g.records) }

// Zones returns the permit zones that at least one property lies in, sorted
// by ID. The caller may modify the slice.
func (g *Gazetteer) Zones() []Zone {
	if len(g.zones) <= 1 {
		return []Zone{}
	}
	return slices.Clone(g.zones[1:])
}

// All yields every property, grouped by postcode, for exporting the
// gazetteer elsewhere (such as into a database-backed Locator).
func (g *Gazetteer) All() iter.Seq[Property] {
	return func(yield func(Property) bool) {
		for i := range g.records {
			if !yield(g.property(&g.records[i])) {
				return
			}
		}
	}
}

// FindProperties implements Locator: see Locator for how house matches.
// Properties come in the order of the file they were loaded from. The error
// is nil unless ctx is done or postcode is zero.
func (g *Gazetteer) FindProperties(ctx context.Context, postcode Postcode, house string) ([]Property, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if postcode.IsZero() {
		return nil, fmt.Errorf("zones: finding properties: no postcode given: %w", ErrInvalidPostcode)
	}
	s, ok := g.byPostcode[postcode]
	if !ok {
		return []Property{}, nil
	}
	records := g.records[s.start:s.end]
	var buf [64]byte
	key := appendHouseKey(buf[:0], house)
	if len(key) == 0 {
		found := make([]Property, len(records))
		for i := range records {
			found[i] = g.propertyAt(&records[i], postcode)
		}
		return found, nil
	}
	found := []Property{}
	for i := range records {
		if g.matches(&records[i], key) {
			found = append(found, g.propertyAt(&records[i], postcode))
		}
	}
	return found, nil
}

// Property implements Locator. It returns an error wrapping
// ErrPropertyNotFound when no property has the UPRN, and ctx's error when
// ctx is done.
func (g *Gazetteer) Property(ctx context.Context, uprn UPRN) (Property, error) {
	if err := ctx.Err(); err != nil {
		return Property{}, err
	}
	i, ok := slices.BinarySearch(g.uprns, uprn)
	if !ok {
		return Property{}, fmt.Errorf("zones: UPRN %d: %w", uint64(uprn), ErrPropertyNotFound)
	}
	return g.property(&g.records[g.uprnRecord[i]]), nil
}

func (r *record) location() LatLng {
	if r.lat == 0 {
		return LatLng{}
	}
	return LatLng{Lat: fromE7(r.lat), Lng: fromE7(r.lng)}
}

func (g *Gazetteer) property(r *record) Property {
	return g.propertyAt(r, g.postcodes[r.postcode])
}

// propertyAt is property for a caller that knows the record's postcode
// already, saving a memory access that is likely a cache miss.
func (g *Gazetteer) propertyAt(r *record, postcode Postcode) Property {
	return Property{
		UPRN:           r.uprn,
		SubBuilding:    g.house[r.sub],
		BuildingName:   g.house[r.name],
		BuildingNumber: g.house[r.number],
		Street:         g.place[r.street],
		Town:           g.place[r.town],
		Postcode:       postcode,
		Zone:           g.zones[r.zone],
		Location:       r.location(),
	}
}

// matches reports whether the house key q (from appendHouseKey) names the
// property: its number, its name, its name and number, or its sub-building
// alone or followed by its number or name. A query naming the building
// thus finds every flat in it, which is what an applicant who typed only
// the number needs to choose from.
func (g *Gazetteer) matches(r *record, q []byte) bool {
	return matchKeys(q, g.houseKeys[r.sub], g.houseKeys[r.name], g.houseKeys[r.number])
}

// isJoin reports whether q is the house key of a followed by b: their keys
// side by side, with a '|' between them when both sides are digits.
func isJoin(q []byte, a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sep := 0
	if isASCIIDigit(a[len(a)-1]) && isASCIIDigit(b[0]) {
		sep = 1
	}
	if len(q) != len(a)+sep+len(b) {
		return false
	}
	return string(q[:len(a)]) == a && (sep == 0 || q[len(a)] == '|') && string(q[len(a)+sep:]) == b
}

// appendHouseKey appends to dst the key by which house numbers and names
// are matched: the letters and digits of s, lower-cased, with everything
// else dropped, except that a '|' keeps apart two runs of digits that
// something else separated. So "Rose Cottage" and "rose-cottage" both give
// "rosecottage", "12 A" gives "12a", and "Flat 2, 12" gives "flat2|12",
// which "Flat 21, 2" ("flat21|2") does not.
func appendHouseKey(dst []byte, s string) []byte {
	start := len(dst)
	gap, lastDigit := false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if gap && lastDigit {
				dst = append(dst, '|')
			}
			dst = append(dst, byte(r))
			gap, lastDigit = false, true
		case r >= 'a' && r <= 'z':
			dst = append(dst, byte(r))
			gap, lastDigit = false, false
		case r >= 'A' && r <= 'Z':
			dst = append(dst, byte(r)+('a'-'A'))
			gap, lastDigit = false, false
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			gap, lastDigit = false, false
		default:
			gap = len(dst) > start
		}
	}
	return dst
}
