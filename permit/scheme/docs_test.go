package scheme

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/permit/message"
)

// acceptedKeys returns every key path the loader accepts, as docs/SCHEME.md
// writes them: list items as [], a notification kind as <kind>. It reads
// every scheme file the tests and examples have (good and bad: a bad file
// still reaches its sections), recording the keys each mapping accepts.
func acceptedKeys(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/docs/every-optional-key.yaml", "../../examples/leicestershire/scheme.yaml", "../../examples/strathmore/scheme.yaml")
	accepted := make(map[string][]string)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, problem := parseDocument(data)
		if problem != nil {
			continue
		}
		sr := &reader{nodes: make(map[string]*yaml.Node), own: make(map[string]bool), accepted: accepted}
		sr.scheme(root)
	}
	index := regexp.MustCompile(`\[\d+\]`)
	kind := regexp.MustCompile(`^notifications\.templates\.[a-z_]+$`)
	out := make(map[string]bool)
	for path, keys := range accepted {
		p := index.ReplaceAllString(path, "[]")
		if kind.MatchString(p) {
			p = "notifications.templates.<kind>"
		}
		if p == "notifications.templates" {
			out["notifications.templates.<kind>"] = true
			continue
		}
		for _, k := range keys {
			out[join(p, k)] = true
		}
	}
	return out
}

// documentedKeys returns the key paths docs/SCHEME.md's tables give, each
// row starting with the path in backquotes, and the text of the file.
func documentedKeys(t *testing.T) (map[string]bool, string) {
	t.Helper()
	data, err := os.ReadFile("../../docs/SCHEME.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_.<>\\[\\]]+)` \\|")
	out := make(map[string]bool)
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		if out[m[1]] {
			t.Errorf("docs/SCHEME.md describes %s twice", m[1])
		}
		out[m[1]] = true
	}
	return out, string(data)
}

// TestSchemeDocMatchesLoader keeps docs/SCHEME.md in step with the
// loader: every key the loader accepts is described there, and every key
// described there is one the loader accepts.
func TestSchemeDocMatchesLoader(t *testing.T) {
	accepted := acceptedKeys(t)
	documented, text := documentedKeys(t)
	var undocumented, unknown []string
	for k := range accepted {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !accepted[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unknown)
	if len(undocumented) > 0 {
		t.Errorf("keys the loader accepts that docs/SCHEME.md does not describe (add a row | `key` | ... |): %s", strings.Join(undocumented, ", "))
	}
	if len(unknown) > 0 {
		t.Errorf("keys docs/SCHEME.md describes that the loader does not accept: %s", strings.Join(unknown, ", "))
	}
	if len(accepted) < 80 {
		t.Errorf("only %d keys found: the recording of accepted keys is broken", len(accepted))
	}
	// The notification kinds and template parts are listed by name.
	for _, k := range message.Kinds() {
		if !strings.Contains(text, "`"+string(k)+"`") {
			t.Errorf("docs/SCHEME.md does not name the notification kind %s", k)
		}
	}
}

// The file that gives the keys no other file has must itself load.
func TestEveryOptionalKeyFileLoads(t *testing.T) {
	f, err := os.Open("testdata/docs/every-optional-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Load(f); err != nil {
		t.Fatal(err)
	}
}
