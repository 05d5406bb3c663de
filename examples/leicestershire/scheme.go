package leicestershire

import (
	"bytes"
	_ "embed"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

//go:embed scheme.yaml
var schemeYAML []byte

// SchemeYAML returns a copy of Leicestershire's scheme file, the starting
// point for a council writing its own (every section is explained in its
// comments).
func SchemeYAML() []byte { return bytes.Clone(schemeYAML) }

// Scheme loads Leicestershire County Council's Essential Carer Permit
// scheme from the embedded scheme.yaml. Each call returns a new *Scheme.
func Scheme() (*permit.Scheme, error) {
	return scheme.Load(bytes.NewReader(schemeYAML))
}
