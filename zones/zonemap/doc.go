// Package zonemap decides which permit zone a property lies in when a
// council draws its zones on a map: the zones are polygons in an RFC 7946
// GeoJSON file (WGS84 longitude and latitude), and a property's zone is the
// polygon its position falls in, unless an override list names the zone of
// that property (or says it has none) — for the houses on a boundary
// street that a council puts on one side of the line by decision.
//
// Parse reads the file's bytes (the caller opens the file: the package does
// no I/O) and refuses, with the feature and the reason, a file that is not
// GeoJSON, has open rings, rings that cross themselves or their holes,
// latitude and longitude swapped, positions outside the United Kingdom, or
// zones that overlap when the file does not say which of them wins (a
// feature's "priority"). A Map is then a fast, immutable index: the zone of
// a point over a hundred polygons of two hundred vertices takes well under
// a microsecond.
//
// A Locator puts a Map in front of another zones.Locator (a gazetteer, a
// database, an address service), so that every property it finds carries
// the zone the map gives it.
//
// The file format: a FeatureCollection whose features are Polygons or
// MultiPolygons, each with the properties
//
//	"zone":     the zone's ID, as the scheme file names it (required);
//	"name":     the zone's name, used only when no scheme's zones are given;
//	"priority": a whole number, default 0; where features of two zones
//	            overlap, the higher priority wins, and overlapping features
//	            of equal priority are refused.
//
// Several features may give parts of one zone; they may overlap each other.
// A point on the line between two zones belongs to the one of higher
// priority, then to the one whose feature comes first in the file; put the
// properties there in the override list to decide them by name.
package zonemap
