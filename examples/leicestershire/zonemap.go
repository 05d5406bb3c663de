package leicestershire

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/carerpermit/carerpermit/zones/zonemap"
)

// zonesGeoJSON is written by ./gen with the gazetteer (see README.md): the
// permit zones drawn as polygons around the synthetic positions of their
// properties.
//
//go:embed zones.geojson
var zonesGeoJSON []byte

// ZonesGeoJSON returns a copy of the example's zone map, zones.geojson,
// the file the scheme's zone_map section names.
func ZonesGeoJSON() []byte { return bytes.Clone(zonesGeoJSON) }

// ZoneMap loads the example's zone map, checked against the scheme's zones
// and with the scheme's overrides. Each call parses the file afresh (a few
// milliseconds).
func ZoneMap() (*zonemap.Map, error) {
	s, err := Scheme()
	if err != nil {
		return nil, err
	}
	opts := &zonemap.Options{Zones: s.Rules.Zones}
	if s.ZoneMap != nil {
		opts.Overrides = s.ZoneMap.Overrides
	}
	m, err := zonemap.Parse(zonesGeoJSON, opts)
	if err != nil {
		return nil, fmt.Errorf("leicestershire: embedded zones.geojson: %w", err)
	}
	return m, nil
}
