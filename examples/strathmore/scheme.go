// Package strathmore is a FICTIONAL council, Strathmore Council, whose
// scheme differs from Leicestershire's in every setting the library reads:
// Scottish bank holidays, two free carer permits per account, pro-rata
// refunds less an admin fee, a 14-day renewal window, reminders at 14 and
// 3 days, zone-specific prices. It exists to show (and test) that a
// council's rules live in its scheme file, not in code. Its gazetteer puts
// invented streets and UPRNs on real Angus and Perthshire postcodes.
package strathmore

import (
	"bytes"
	_ "embed"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

//go:embed scheme.yaml
var schemeYAML []byte

//go:embed gazetteer.csv
var gazetteerCSV []byte

// SchemeYAML returns a copy of the scheme file.
func SchemeYAML() []byte { return bytes.Clone(schemeYAML) }

// Scheme loads the embedded scheme file. Each call returns a new *Scheme.
func Scheme() (*permit.Scheme, error) {
	return scheme.Load(bytes.NewReader(schemeYAML))
}

// Gazetteer loads the embedded gazetteer: eleven properties in four zones
// and one outside every zone.
func Gazetteer() (*zones.Gazetteer, error) {
	return zones.LoadGazetteer(bytes.NewReader(gazetteerCSV))
}
