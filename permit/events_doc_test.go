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
	"strings"
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

// documentedDataKeys reads docs/EVENTS.md's data keys per event type: the
// first column of each section's table (| `key` | or | `a`, `b` |).
func documentedDataKeys(t *testing.T) map[string]map[string]bool {
	t.Helper()
	doc, err := os.ReadFile("../docs/EVENTS.md")
	require.NoError(t, err)
	heading := regexp.MustCompile("^### `([a-z_.]+)`$")
	row := regexp.MustCompile("^\\| ((?:`[a-z_]+`(?:, )?)+) \\|")
	key := regexp.MustCompile("`([a-z_]+)`")
	out := make(map[string]map[string]bool)
	var current string
	for _, line := range strings.Split(string(doc), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			current = m[1]
			out[current] = make(map[string]bool)
			continue
		}
		if strings.HasPrefix(line, "## ") {
			current = ""
		}
		if m := row.FindStringSubmatch(line); m != nil && current != "" {
			for _, k := range key.FindAllStringSubmatch(m[1], -1) {
				out[current][k[1]] = true
			}
		}
	}
	return out
}

// TestEventsDocDataKeys checks the data keys of the events a long random
// life of accounts and permits appends against docs/EVENTS.md: every key
// an event carries is documented for its type.
func TestEventsDocDataKeys(t *testing.T) {
	documented := documentedDataKeys(t)
	require.Len(t, documented, len(permit.EventTypes()))
	seen := make(map[permit.EventType]int)
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		w := runRandomLife(t, uint64(100+seed), 120, map[string]int{})
		for _, e := range w.events() {
			seen[e.Type]++
			for k := range e.Data {
				if !documented[string(e.Type)][k] {
					t.Errorf("a %s event carries data key %q, which docs/EVENTS.md does not give for it", e.Type, k)
				}
			}
		}
	}
	var unseen []string
	for _, et := range permit.EventTypes() {
		if seen[et] == 0 {
			unseen = append(unseen, string(et))
		}
	}
	// The journey must reach the common types, or this proves little.
	require.GreaterOrEqual(t, len(seen), 10, "event types seen: %v", seen)
	t.Logf("event types seen %v; not reached by the random life (their keys are checked by reading only): %v", seen, unseen)
}
