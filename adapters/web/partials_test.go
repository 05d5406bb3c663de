package web

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fixtureFile is a component's fixtures.json as govuk-frontend ships it.
type fixtureFile struct {
	Component string `json:"component"`
	Fixtures  []struct {
		Name    string          `json:"name"`
		Options json.RawMessage `json:"options"`
		HTML    string          `json:"html"`
	} `json:"fixtures"`
}

// TestPartialsMatchFixtures renders every partial with each fixture of its
// component that uses only the options the partial has, and compares the
// HTML with the fixture's structurally (elements, sorted attributes,
// class lists and whitespace-collapsed text). A fixture using an option
// the partial lacks is skipped and logged; the minimum per component keeps
// the test from passing by skipping everything.
func TestPartialsMatchFixtures(t *testing.T) {
	tmpl, err := parseTemplates(English())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		component, partial string
		options            any // a pointer to the options type
		min                int // fixtures that must be compared
		prepare            func(string) string
	}{
		{"button", "govukButton", &Button{}, 34, nil},
		{"date-input", "govukDateInput", &DateInput{}, 20, nil},
		{"error-message", "govukErrorMessage", &ErrorMessage{}, 8, nil},
		{"error-summary", "govukErrorSummary", &ErrorSummary{}, 13, nil},
		{"file-upload", "govukFileUpload", &FileUpload{}, 7, nil},
		{"footer", "govukFooter", &Footer{}, 15, dropCrown},
		{"generic-header", "govukGenericHeader", &GenericHeader{}, 3, nil},
		{"input", "govukInput", &Input{}, 21, nil},
		{"inset-text", "govukInsetText", &InsetText{}, 5, nil},
		{"panel", "govukPanel", &Panel{}, 10, nil},
		{"radios", "govukRadios", &Radios{}, 19, nil},
		{"summary-list", "govukSummaryList", &SummaryList{}, 16, nil},
		{"warning-text", "govukWarningText", &WarningText{}, 7, nil},
	}
	for _, c := range cases {
		t.Run(c.component, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "fixtures", c.component+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var ff fixtureFile
			if err := json.Unmarshal(raw, &ff); err != nil {
				t.Fatal(err)
			}
			compared := 0
			var skipped []string
			for _, fx := range ff.Fixtures {
				opts := reflect.New(reflect.TypeOf(c.options).Elem()).Interface()
				dec := json.NewDecoder(bytes.NewReader(fx.Options))
				dec.DisallowUnknownFields()
				if err := dec.Decode(opts); err != nil {
					skipped = append(skipped, fx.Name)
					continue
				}
				got, err := renderPartial(tmpl, c.partial, reflect.ValueOf(opts).Elem().Interface())
				if err != nil {
					t.Errorf("%s: %v", fx.Name, err)
					continue
				}
				want := fx.HTML
				if c.prepare != nil {
					want = c.prepare(want)
				}
				if g, w := normaliseHTML(t, string(got)), normaliseHTML(t, want); g != w {
					t.Errorf("%s: options %s\n got: %s\nwant: %s", fx.Name, fx.Options, g, w)
				}
				compared++
			}
			t.Logf("%d fixtures compared; skipped (options the partial does not have): %s", compared, strings.Join(skipped, ", "))
			if compared < c.min {
				t.Errorf("only %d fixtures compared, want at least %d", compared, c.min)
			}
		})
	}
}

var crownRE = regexp.MustCompile(`(?s)<svg[^>]*class="govuk-footer__crown"\s*>.*?</svg>`)

// dropCrown removes the crown from a footer fixture: a council is not the
// Crown, so the partial never draws it.
func dropCrown(s string) string {
	loc := crownRE.FindStringIndex(s)
	if loc == nil {
		// Attribute order varies: find the svg holding the class.
		i := strings.Index(s, "govuk-footer__crown")
		if i < 0 {
			return s
		}
		start := strings.LastIndex(s[:i], "<svg")
		end := strings.Index(s[i:], "</svg>")
		return s[:start] + s[i+end+len("</svg>"):]
	}
	return s[:loc[0]] + s[loc[1]:]
}

// normaliseHTML parses a fragment and prints it canonically: attributes
// sorted, class tokens sorted, text with whitespace collapsed, empty text
// dropped, SVG paths compared by attribute values only.
func normaliseHTML(t *testing.T, s string) string {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			txt := strings.Join(strings.Fields(n.Data), " ")
			if txt != "" {
				b.WriteString(txt)
				b.WriteString("|")
			}
		case html.ElementNode:
			attrs := make([]string, 0, len(n.Attr))
			for _, a := range n.Attr {
				v := strings.Join(strings.Fields(a.Val), " ")
				if a.Key == "class" {
					f := strings.Fields(v)
					slices.Sort(f)
					v = strings.Join(f, " ")
				}
				attrs = append(attrs, a.Key+"="+v)
			}
			slices.Sort(attrs)
			b.WriteString("<" + n.Data + " " + strings.Join(attrs, " ") + ">")
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			b.WriteString("</" + n.Data + ">")
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return b.String()
}
