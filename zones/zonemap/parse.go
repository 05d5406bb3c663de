package zonemap

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carerpermit/carerpermit/zones"
)

// ErrInvalidZoneMap is returned (wrapped in a *Error listing every problem)
// when a zone map cannot be used. Check with errors.Is.
var ErrInvalidZoneMap = errors.New("invalid zone map")

// MaxBytes bounds the file Parse accepts: a council's zones drawn in detail
// are a few megabytes at most.
const MaxBytes = 64 << 20

// Problem is one thing wrong with a zone map.
type Problem struct {
	// Feature is the 1-based position of the feature at fault in the
	// file's "features"; 0 for a problem of the file as a whole or of the
	// override list.
	Feature int
	// ID is the feature's "id", if it has one, and Zone its "zone", if
	// given: with Feature, they name the feature.
	ID, Zone string
	// Reason says what is wrong.
	Reason string
}

func (p Problem) String() string {
	if p.Feature == 0 {
		return p.Reason
	}
	var b strings.Builder
	b.WriteString("feature ")
	b.WriteString(strconv.Itoa(p.Feature))
	switch {
	case p.ID != "" && p.Zone != "":
		fmt.Fprintf(&b, " (id %q, zone %q)", p.ID, p.Zone)
	case p.ID != "":
		fmt.Fprintf(&b, " (id %q)", p.ID)
	case p.Zone != "":
		fmt.Fprintf(&b, " (zone %q)", p.Zone)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

const maxPrintedProblems = 10

// Error lists every problem found in a zone map, in feature order. It
// unwraps to ErrInvalidZoneMap.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zonemap: invalid zone map: ")
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

// Unwrap lets errors.Is(err, ErrInvalidZoneMap) match every refusal.
func (e *Error) Unwrap() error { return ErrInvalidZoneMap }

// Options are what Parse checks the file against; nil means none.
type Options struct {
	// Zones are the scheme's permit zones. When given, every feature must
	// name one of them, and the Map's zones carry their names. When nil,
	// the zones are those the features name, each with its feature's
	// "name" (or its ID when it has none).
	Zones []zones.Zone
	// Overrides name the zone of particular properties whatever their
	// position: a zone ID, or "" for "outside every zone". Every zone named
	// must be one of the map's.
	Overrides map[zones.UPRN]string
}

// JSON shapes of the parts of RFC 7946 the map reads. Unknown members
// ("foreign members", as the RFC calls them) are allowed and ignored.
type fileJSON struct {
	Type     *string           `json:"type"`
	Features []json.RawMessage `json:"features"`
	CRS      json.RawMessage   `json:"crs"`
}

type fastFileJSON struct {
	Type     *string         `json:"type"`
	Features []featureJSON   `json:"features"`
	CRS      json.RawMessage `json:"crs"`
}

type featureJSON struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *geometryJSON              `json:"geometry"`
}

type geometryJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// parser holds what Parse needs while reading.
type parser struct {
	problems []Problem
	m        *Map
	zoneIdx  map[string]int // by zone ID, into m.zones
	declared bool           // whether the zones came from Options
}

func (ps *parser) add(feature int, id, zone, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{Feature: feature, ID: id, Zone: zone, Reason: fmt.Sprintf(format, args...)})
}

// Parse reads a zone map: an RFC 7946 GeoJSON FeatureCollection of Polygon
// and MultiPolygon features in WGS84 longitude and latitude (see the
// package documentation for the features' properties), checked against
// opts. It refuses, listing every problem with the feature it is in:
//
//   - a file that is not JSON or not a FeatureCollection, or names a
//     coordinate reference system other than WGS84;
//   - a feature that is not a Polygon or MultiPolygon, or has no "zone",
//     or names a zone the scheme does not have;
//   - a ring with fewer than four positions, or whose last position is not
//     its first (an open ring), or of no area;
//   - a position that is not [longitude, latitude] in the United Kingdom,
//     saying so when the two look swapped;
//   - a ring that crosses or touches itself, a hole that crosses its
//     polygon's rings or lies outside it;
//   - features of different zones and equal priority that overlap (their
//     insides meet; sharing a boundary is fine);
//   - an override naming a zone the map does not have.
//
// It never panics, whatever the bytes. The result is immutable and safe for
// concurrent use.
func Parse(data []byte, opts *Options) (*Map, error) {
	if opts == nil {
		opts = &Options{}
	}
	ps := &parser{m: &Map{}, zoneIdx: map[string]int{}}
	if len(data) > MaxBytes {
		ps.add(0, "", "", "the file is larger than %d bytes", MaxBytes)
		return nil, &Error{Problems: ps.problems}
	}
	ps.m.zones = append(ps.m.zones, zones.Zone{}) // index 0: outside every zone
	if opts.Zones != nil {
		ps.declared = true
		for _, z := range opts.Zones {
			if _, dup := ps.zoneIdx[z.ID]; dup || z.ID == "" {
				continue // the scheme's own checks report these
			}
			ps.zoneIdx[z.ID] = len(ps.m.zones)
			ps.m.zones = append(ps.m.zones, z)
		}
	}

	// Most files are well formed: one decoding reads them whole. Only
	// when that fails is each feature decoded on its own, so that a
	// problem is reported with the feature it is in.
	var fast fastFileJSON
	if json.Unmarshal(data, &fast) == nil && fast.Type != nil && *fast.Type == "FeatureCollection" && len(fast.Features) > 0 {
		ps.crs(fast.CRS)
		for i := range fast.Features {
			ps.decoded(i+1, &fast.Features[i])
		}
		return ps.finish(opts)
	}
	var f fileJSON
	if err := strictJSON(data, &f); err != nil {
		ps.add(0, "", "", "the file is not GeoJSON: %s", err)
		return nil, &Error{Problems: ps.problems}
	}
	switch {
	case f.Type == nil:
		ps.add(0, "", "", `the file has no "type"; a zone map is a GeoJSON FeatureCollection`)
	case *f.Type != "FeatureCollection":
		ps.add(0, "", "", `the file's "type" is %q; a zone map is a GeoJSON FeatureCollection`, *f.Type)
	case len(f.Features) == 0:
		ps.add(0, "", "", "the file has no features; draw at least one zone")
	}
	ps.crs(f.CRS)
	for i, raw := range f.Features {
		ps.feature(i+1, raw)
	}
	return ps.finish(opts)
}

func (ps *parser) finish(opts *Options) (*Map, error) {
	ps.overrides(opts.Overrides)
	if len(ps.problems) == 0 && len(ps.m.polygons) == 0 {
		ps.add(0, "", "", "the file draws no zone")
	}
	if len(ps.problems) == 0 {
		ps.m.build()
		ps.checkOverlaps()
	}
	if len(ps.problems) > 0 {
		slices.SortStableFunc(ps.problems, func(a, b Problem) int { return a.Feature - b.Feature })
		return nil, &Error{Problems: ps.problems}
	}
	return ps.m, nil
}

// strictJSON decodes data into v, with errors in words.
func strictJSON(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return describeJSON(err)
	}
	return nil
}

func describeJSON(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && se.Error() == "unexpected end of JSON input":
		return errors.New("the JSON ends too soon (is the file empty or cut short?)")
	case errors.As(err, &se):
		return fmt.Errorf("%s (at byte %d)", se.Error(), se.Offset)
	case errors.As(err, &te):
		where := te.Field
		if where == "" {
			where = "the value"
		}
		return fmt.Errorf("%s is a JSON %s where %s is wanted", where, te.Value, jsonKind(te.Type.String()))
	}
	return err
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "map"):
		return "an array or object"
	case strings.Contains(goType, "float"), strings.Contains(goType, "int"):
		return "a number"
	case goType == "string", goType == "*string":
		return "a string"
	}
	return "an object"
}

// crs refuses an old-style (GeoJSON 2008) "crs" member naming anything but
// WGS84: RFC 7946 has no other system, and a file in British National Grid
// would otherwise be refused position by position.
func (ps *parser) crs(raw json.RawMessage) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var c struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(raw, &c)
	name := c.Properties.Name
	switch {
	case strings.HasSuffix(name, "CRS84"), strings.HasSuffix(name, "4326"):
		return
	case name == "":
		ps.add(0, "", "", `the file's "crs" names no system; RFC 7946 GeoJSON is WGS84 longitude and latitude: leave "crs" out`)
	default:
		ps.add(0, "", "", `the file's "crs" is %q; a zone map is in WGS84 longitude and latitude (EPSG:4326): export it so`, name)
	}
}

func (ps *parser) feature(n int, raw json.RawMessage) {
	var f featureJSON
	if err := strictJSON(raw, &f); err != nil {
		ps.add(n, "", "", "not a GeoJSON feature: %s", err)
		return
	}
	ps.decoded(n, &f)
}

// decoded reads feature n, decoded from its JSON.
func (ps *parser) decoded(n int, f *featureJSON) {
	id := featureID(f.ID)
	if f.Type != "Feature" {
		ps.add(n, id, "", `"type" is %q; each member of "features" is a GeoJSON Feature`, f.Type)
		return
	}
	zone, zi, priority, ok := ps.featureProperties(n, id, f.Properties)
	if f.Geometry == nil {
		ps.add(n, id, zone, "has no geometry; draw the zone as a Polygon or MultiPolygon")
		return
	}
	g := f.Geometry
	var polygons [][][][]float64
	var err error
	switch g.Type {
	case "Polygon":
		if polygons, err = readCoordinates(g.Coordinates, 3); err != nil {
			ps.add(n, id, zone, "coordinates of a Polygon are an array of rings, each an array of [longitude, latitude] positions: %s", err)
			return
		}
	case "MultiPolygon":
		if polygons, err = readCoordinates(g.Coordinates, 4); err != nil {
			ps.add(n, id, zone, "coordinates of a MultiPolygon are an array of polygons, each an array of rings of [longitude, latitude] positions: %s", err)
			return
		}
	default:
		ps.add(n, id, zone, "geometry is a %q; a zone is a Polygon or MultiPolygon", g.Type)
		return
	}
	if len(polygons) == 0 {
		ps.add(n, id, zone, "geometry has no polygons")
		return
	}
	for pi, rings := range polygons {
		where := ""
		if g.Type == "MultiPolygon" {
			where = "polygon " + strconv.Itoa(pi+1) + ": "
		}
		poly, reason := makePolygon(rings)
		if reason != "" {
			ps.add(n, id, zone, "%s%s", where, reason)
			continue
		}
		if ok {
			ps.m.polygons = append(ps.m.polygons, &polygon{
				feature: n, id: id, part: pi + 1, zone: zi, priority: priority, rings: poly,
			})
		}
	}
}

// featureID gives a feature's "id" (a string or a number) as text.
func featureID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// maxPriority bounds "priority" so that it stays a small whole number.
const maxPriority = 1_000_000

func (ps *parser) featureProperties(n int, id string, props map[string]json.RawMessage) (zone string, zi, priority int, ok bool) {
	ok = true
	if raw, given := props["zone"]; !given || json.Unmarshal(raw, &zone) != nil || strings.TrimSpace(zone) == "" {
		ps.add(n, id, "", `has no "zone" property naming its zone's ID (a string)`)
		ok = false
	}
	var name string
	if raw, given := props["name"]; given && string(raw) != "null" && json.Unmarshal(raw, &name) != nil {
		ps.add(n, id, zone, `"name" is %s; give the zone's name as a string`, raw)
		ok = false
	}
	if raw, given := props["priority"]; given && string(raw) != "null" {
		var f float64
		if json.Unmarshal(raw, &f) != nil || f != math.Trunc(f) || math.Abs(f) > maxPriority {
			ps.add(n, id, zone, `"priority" is %s; give a whole number (higher wins where zones overlap)`, raw)
			ok = false
		}
		priority = int(f)
	}
	if zone == "" {
		return "", 0, 0, false
	}
	zi, known := ps.zoneIdx[zone]
	switch {
	case known:
	case ps.declared:
		ps.add(n, id, zone, "zone %q is not one of the scheme's zones (%s)", zone, ps.zoneList())
		ok = false
	default:
		if name == "" {
			name = zone
		}
		zi = len(ps.m.zones)
		ps.zoneIdx[zone] = zi
		ps.m.zones = append(ps.m.zones, zones.Zone{ID: zone, Name: name})
	}
	return zone, zi, priority, ok
}

func (ps *parser) zoneList() string {
	ids := make([]string, 0, len(ps.m.zones)-1)
	for _, z := range ps.m.zones[1:] {
		ids = append(ids, z.ID)
	}
	if len(ids) == 0 {
		return "it has none"
	}
	return strings.Join(ids, ", ")
}

func (ps *parser) overrides(o map[zones.UPRN]string) {
	if len(o) == 0 {
		return
	}
	ps.m.overrides = make(map[zones.UPRN]int, len(o))
	uprns := make([]zones.UPRN, 0, len(o))
	for u := range o {
		uprns = append(uprns, u)
	}
	slices.Sort(uprns)
	for _, u := range uprns {
		id := o[u]
		if id == "" {
			ps.m.overrides[u] = 0
			continue
		}
		zi, known := ps.zoneIdx[id]
		if !known {
			ps.add(0, "", "", "override for UPRN %s names zone %q, which the map does not have (%s)", u, id, ps.zoneList())
			continue
		}
		ps.m.overrides[u] = zi
	}
}

// makePolygon checks one polygon's rings (the first the outer boundary,
// the rest holes) and returns them as an orb.Polygon, or why it cannot.
func makePolygon(rings [][][]float64) (orb.Polygon, string) {
	if len(rings) == 0 {
		return nil, "a polygon with no rings"
	}
	poly := make(orb.Polygon, 0, len(rings))
	for ri, ring := range rings {
		what := "the outer ring"
		if ri > 0 {
			what = "hole " + strconv.Itoa(ri)
		}
		r, reason := makeRing(ring)
		if reason != "" {
			return nil, what + " " + reason
		}
		poly = append(poly, r)
	}
	if reason := checkPolygon(poly); reason != "" {
		return nil, reason
	}
	return poly, ""
}

// makeRing checks one ring's positions and returns it with repeated
// neighbouring positions (which some exports write) left out.
func makeRing(positions [][]float64) (orb.Ring, string) {
	if len(positions) < 4 {
		return nil, fmt.Sprintf("has %d positions; a ring needs at least 4, the last repeating the first", len(positions))
	}
	r := make(orb.Ring, 0, len(positions))
	swapped := 0
	var firstBad string
	for i, pos := range positions {
		if len(pos) < 2 || len(pos) > 3 {
			return nil, fmt.Sprintf("position %d has %d numbers; a position is [longitude, latitude] (an altitude may follow)", i+1, len(pos))
		}
		ll := zones.LatLng{Lat: pos[1], Lng: pos[0]}
		if err := ll.CheckUK(); err != nil {
			var le *zones.LatLngError
			if errors.As(err, &le) && strings.Contains(le.Reason, "swapped") {
				swapped++
			}
			if firstBad == "" {
				firstBad = fmt.Sprintf("position %d [%s, %s]: %s", i+1, num(pos[0]), num(pos[1]), reasonOf(err))
			}
			continue
		}
		p := orb.Point{pos[0], pos[1]}
		if len(r) > 0 && r[len(r)-1] == p {
			continue
		}
		r = append(r, p)
	}
	switch {
	case swapped > 0 && swapped*2 >= len(positions):
		return nil, "has [latitude, longitude] positions: GeoJSON (RFC 7946) writes [longitude, latitude], and UK longitudes are -8.7 to 1.8, latitudes 49 to 61"
	case firstBad != "":
		return nil, firstBad
	}
	first, last := positions[0], positions[len(positions)-1]
	if first[0] != last[0] || first[1] != last[1] {
		return nil, fmt.Sprintf("is not closed: it starts at [%s, %s] and ends at [%s, %s]; a ring's last position repeats its first",
			num(first[0]), num(first[1]), num(last[0]), num(last[1]))
	}
	// r ends with its first point again (the closing position).
	if len(r) < 4 {
		return nil, "has fewer than 3 distinct corners"
	}
	return r, ""
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func reasonOf(err error) string {
	var le *zones.LatLngError
	if errors.As(err, &le) {
		return le.Reason
	}
	return err.Error()
}
