package permit_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// declaredEventTypes returns the value of every constant of type
// EventType the package declares, read from its source, so that a new
// type is caught even when EventTypes does not list it.
func declaredEventTypes(t *testing.T) []string {
	t.Helper()
	bp, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	fset := token.NewFileSet()
	var out []string
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(".", name), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventType" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					require.True(t, ok, "%s: an EventType constant that is not a string literal", fset.Position(v.Pos()))
					s, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					out = append(out, s)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestEventsDocListsEveryType keeps docs/EVENTS.md in step with the code:
// every event type declared has its section (### `type`), EventTypes
// lists every one, and the page documents no other.
func TestEventsDocListsEveryType(t *testing.T) {
	declared := declaredEventTypes(t)
	require.GreaterOrEqual(t, len(declared), 20, "the declared event types were not found")

	var listed []string
	for _, et := range permit.EventTypes() {
		listed = append(listed, string(et))
	}
	slices.Sort(listed)
	require.Equal(t, declared, listed, "permit.EventTypes must list every EventType constant")

	doc, err := os.ReadFile("../docs/EVENTS.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^### `([a-z_.]+)`$").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	require.Equal(t, declared, documented, "docs/EVENTS.md must have one section (### `type`) per event type, and none other")
}
