package scheme

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
)

// reader walks the YAML tree, collecting every problem and
// remembering the node at each path so that problems the leaf packages
// report by field name can be given a line.
type reader struct {
	problems []permit.SchemeProblem
	nodes    map[string]*yaml.Node
	// own holds the paths of problems found reading the file itself, as
	// opposed to those the leaf packages report (see leaf).
	own map[string]bool
	// tariffRows are the tariffs as the file lists them (tariffs[i]), for
	// the warnings.
	tariffRows []pricing.Tariff
	// accepted, when not nil, records the keys each mapping of the
	// format accepts, by path (docs_test.go keeps docs/SCHEME.md in step
	// with it).
	accepted map[string][]string
}

func (sr *reader) add(n *yaml.Node, path, format string, args ...any) {
	sr.own[path] = true
	sr.record(n, path, fmt.Sprintf(format, args...))
}

func (sr *reader) record(n *yaml.Node, path, reason string) {
	line := 0
	if n != nil {
		line = n.Line
	}
	sr.problems = append(sr.problems, permit.SchemeProblem{Line: line, Path: path, Reason: reason})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// describe names a node's value in a problem.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping of keys"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return strconv.Quote(n.Value)
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// usable reports whether n is a value that can be read, reporting aliases.
func (sr *reader) usable(n *yaml.Node, path string) bool {
	if isNull(n) {
		return false
	}
	if n.Kind == yaml.AliasNode {
		sr.add(n, path, "aliases (*%s) are not supported: write the value out in full", n.Value)
		return false
	}
	return true
}

// mapping is a YAML mapping whose keys have been checked against the
// format.
type mapping struct {
	node   *yaml.Node
	path   string
	values map[string]*yaml.Node
	// topLevel problems for missing keys have no line: the whole file
	// lacks the section.
	topLevel bool
}

// mapping reads n as a mapping with the given keys, reporting any other
// key, a key given twice, and a value that is not a mapping.
func (sr *reader) mapping(n *yaml.Node, path string, keys ...string) (mapping, bool) {
	m := mapping{node: n, path: path, values: make(map[string]*yaml.Node, len(keys))}
	if sr.accepted != nil {
		sr.accepted[path] = keys
	}
	if n == nil || !sr.usable(n, path) {
		return m, false
	}
	if n.Kind != yaml.MappingNode {
		sr.add(n, path, "want a mapping of keys (%s), got %s", strings.Join(keys, ", "), describe(n))
		return m, false
	}
	first := make(map[string]int, len(keys))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			sr.add(k, path, "a key must be a plain word, got %s", describe(k))
			continue
		}
		p := join(path, k.Value)
		if line, dup := first[k.Value]; dup {
			sr.add(k, p, "is given twice (first on line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		if !slices.Contains(keys, k.Value) {
			if near := nearest(k.Value, keys); near != "" {
				sr.add(k, p, "unknown key %q; did you mean %q?", k.Value, near)
			} else {
				sr.add(k, p, "unknown key %q; the keys here are %s", k.Value, strings.Join(keys, ", "))
			}
			continue
		}
		m.values[k.Value] = v
		sr.nodes[p] = v
	}
	return m, true
}

// nearest returns the key within two edits of a misspelt one (a letter
// left out, added, changed or two swapped), or "" when none or several are.
func nearest(word string, keys []string) string {
	found := ""
	for _, k := range keys {
		if editDistance(word, k) <= 2 {
			if found != "" {
				return ""
			}
			found = k
		}
	}
	return found
}

// editDistance is the optimal string alignment distance between a and b
// (bytes; keys are ASCII), capped at 3 since only 0 to 2 matter.
func editDistance(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], 3)
}

// get returns the value of key, or nil when it is missing or empty.
func (sr *reader) get(m mapping, key string, required bool) *yaml.Node {
	v := m.values[key]
	if !isNull(v) {
		if !sr.usable(v, join(m.path, key)) {
			return nil
		}
		return v
	}
	if required {
		var at *yaml.Node
		switch {
		case v != nil:
			at = v
		case !m.topLevel:
			at = m.node
		}
		sr.add(at, join(m.path, key), "is required")
	}
	return nil
}

// text reads a scalar as written. Numbers and booleans are text too: their
// YAML spelling is kept, so a name such as 1984 is read as it reads.
func (sr *reader) text(m mapping, key string, required bool) string {
	v := sr.get(m, key, required)
	if v == nil {
		return ""
	}
	return sr.scalarText(v, join(m.path, key))
}

func (sr *reader) scalarText(v *yaml.Node, path string) string {
	if v.Kind != yaml.ScalarNode {
		sr.add(v, path, "want text, got %s", describe(v))
		return ""
	}
	return v.Value
}

func (sr *reader) integer(m mapping, key string, required bool) (int, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return 0, false
	}
	return sr.scalarInt(v, join(m.path, key))
}

func (sr *reader) scalarInt(v *yaml.Node, path string) (int, bool) {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
		if _, err := strconv.Atoi(v.Value); err == nil {
			sr.add(v, path, "%q is text; write the number without quotes", v.Value)
			return 0, false
		}
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || strings.HasPrefix(v.Value, "+") {
		sr.add(v, path, "want a whole number written in digits, got %s", describe(v))
		return 0, false
	}
	n, err := strconv.Atoi(v.Value)
	if err != nil {
		sr.add(v, path, "want a whole number written in digits, got %s", describe(v))
		return 0, false
	}
	return n, true
}

// boolean reads true or false; a missing key gives def.
func (sr *reader) boolean(m mapping, key string, def bool) bool {
	v := sr.get(m, key, false)
	if v == nil {
		return def
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		sr.add(v, join(m.path, key), "want true or false, got %s", describe(v))
		return def
	}
	return strings.EqualFold(v.Value, "true")
}

func (sr *reader) money(m mapping, key string, required bool) (decimal.Decimal, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return decimal.Decimal{}, false
	}
	path := join(m.path, key)
	if v.Kind != yaml.ScalarNode {
		sr.add(v, path, "want an amount in quotes such as \"55.00\", got %s", describe(v))
		return decimal.Decimal{}, false
	}
	if v.ShortTag() != "!!str" {
		sr.add(v, path, "%s is a number to YAML; write money as text in quotes, as \"%s\"", v.Value, moneyHint(v.Value))
		return decimal.Decimal{}, false
	}
	d, err := pricing.ParseMoney(v.Value)
	if err != nil {
		var me *pricing.MoneyError
		if errors.As(err, &me) {
			sr.add(v, path, "%q %s", v.Value, me.Reason)
		} else {
			sr.add(v, path, "%v", err)
		}
		return decimal.Decimal{}, false
	}
	return d, true
}

// moneyHint suggests the quoted spelling of an unquoted amount.
func moneyHint(s string) string {
	if d, err := decimal.NewFromString(s); err == nil && !d.IsNegative() {
		return d.StringFixed(2)
	}
	return "55.00"
}

func (sr *reader) date(m mapping, key string, required bool) (time.Time, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return time.Time{}, false
	}
	path := join(m.path, key)
	if v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!str" || v.ShortTag() == "!!timestamp") && dateShape(v.Value) {
		t, err := time.Parse(time.DateOnly, v.Value)
		if err == nil {
			return t, true
		}
		sr.add(v, path, "%s is not a day of the calendar", v.Value)
		return time.Time{}, false
	}
	sr.add(v, path, "want a date written YYYY-MM-DD, got %s", describe(v))
	return time.Time{}, false
}

// dateShape reports whether s is written NNNN-NN-NN.
func dateShape(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (i == 4 || i == 7) != (s[i] == '-') || s[i] != '-' && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

func (sr *reader) duration(m mapping, key string, required bool) (time.Duration, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return 0, false
	}
	path := join(m.path, key)
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
		if d, err := time.ParseDuration(v.Value); err == nil {
			return d, true
		}
	}
	sr.add(v, path, "want a duration with its unit, such as \"24h\" or \"90m\", got %s", describe(v))
	return 0, false
}

// list reads a sequence and remembers where each item is, for problems
// the leaf packages report by index.
func (sr *reader) list(m mapping, key string, required bool) ([]*yaml.Node, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return nil, false
	}
	if v.Kind != yaml.SequenceNode {
		sr.add(v, join(m.path, key), "want a list, got %s", describe(v))
		return nil, false
	}
	for i, item := range v.Content {
		sr.nodes[index(join(m.path, key), i)] = item
	}
	return v.Content, true
}

// textItem is one scalar of a list, with where it is.
type textItem struct {
	value string
	node  *yaml.Node
	path  string
}

// texts reads a list of scalars; unusable items are reported and left out.
func (sr *reader) texts(m mapping, key string, required bool) ([]textItem, bool) {
	items, ok := sr.list(m, key, required)
	if !ok {
		return nil, false
	}
	out := make([]textItem, 0, len(items))
	path := join(m.path, key)
	for i, item := range items {
		p := index(path, i)
		if !sr.usable(item, p) {
			if isNull(item) {
				sr.add(item, p, "is empty")
			}
			continue
		}
		if s := sr.scalarText(item, p); s != "" {
			out = append(out, textItem{value: s, node: item, path: p})
		}
	}
	return out, true
}

// values returns the texts of items.
func values(items []textItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.value
	}
	return out
}

// items calls fn for each usable mapping item of a list.
func (sr *reader) items(m mapping, key string, required bool, keys []string, fn func(i int, item mapping)) bool {
	list, ok := sr.list(m, key, required)
	if !ok {
		return false
	}
	path := join(m.path, key)
	for i, n := range list {
		p := index(path, i)
		if isNull(n) {
			sr.add(n, p, "is empty")
			continue
		}
		if item, ok := sr.mapping(n, p, keys...); ok {
			fn(i, item)
		}
	}
	return true
}
