// Package leicestershire is the example council: Leicestershire County
// Council's Essential Carer Permit scheme, with a synthetic gazetteer of
// properties at the county's real LE postcodes. Examples and tests load it
// from here; a council of its own supplies its own files instead.
package leicestershire

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"

	"github.com/carerpermit/carerpermit/zones"
)

// gazetteerCSVGz is written by ./gen from the ONS-derived postcode list in
// the project's shared data; see README.md.
//
//go:generate go run ./gen -postcodes ../../../shared/data/uk-postcodes-2019.txt.gz -out gazetteer.csv.gz -zones zones.geojson
//go:embed gazetteer.csv.gz
var gazetteerCSVGz []byte

// GazetteerCSV returns the example gazetteer as CSV in the format of
// zones.LoadGazetteer, for callers that load or import it themselves.
func GazetteerCSV() (io.Reader, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gazetteerCSVGz))
	if err != nil {
		return nil, fmt.Errorf("leicestershire: embedded gazetteer: %w", err)
	}
	return zr, nil
}

// Gazetteer loads the example gazetteer: about 260,000 synthetic properties
// at 21,000 real LE postcodes, in the permit zones of Anstey, Loughborough,
// Market Harborough, Melton Mowbray, Narborough, and Oadby & Wigston. Each
// call loads a fresh copy (about a quarter of a second), so call it once.
func Gazetteer() (*zones.Gazetteer, error) {
	r, err := GazetteerCSV()
	if err != nil {
		return nil, err
	}
	g, err := zones.LoadGazetteer(r)
	if err != nil {
		return nil, fmt.Errorf("leicestershire: embedded gazetteer: %w", err)
	}
	return g, nil
}
