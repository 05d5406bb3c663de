package scheme

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
)

// notifications reads the scheme's own notification templates and
// compiles them with the standard ones for every part not given.
func (sr *reader) notifications(top mapping, s *permit.Scheme) {
	overrides := make(map[message.Kind]map[string]string)
	m, ok := sr.mapping(sr.get(top, "notifications", false), "notifications", notificationKeys...)
	if ok {
		kinds := make([]string, 0, len(message.Kinds()))
		for _, k := range message.Kinds() {
			kinds = append(kinds, string(k))
		}
		if items, ok := sr.texts(m, "by_letter", false); ok {
			for _, it := range items {
				k := message.Kind(it.value)
				switch {
				case !k.Valid():
					sr.add(it.node, it.path, "unknown message kind %q; the kinds are %s", it.value, strings.Join(kinds, ", "))
				case slices.Contains(s.ByLetter, k):
					sr.add(it.node, it.path, "%s is listed twice", it.value)
				default:
					s.ByLetter = append(s.ByLetter, k)
				}
			}
		}
		ts, _ := sr.mapping(sr.get(m, "templates", false), "notifications.templates", kinds...)
		for _, kind := range kinds {
			// A missing or malformed templates mapping has no values.
			km, given := sr.mapping(sr.get(ts, kind, false), join(ts.path, kind), message.Parts()...)
			if !given {
				continue
			}
			for _, part := range message.Parts() {
				path := join(km.path, part)
				if v := km.values[part]; v != nil && isNull(v) {
					sr.add(v, path, "is empty; leave %s out to keep the standard wording", part)
					continue
				}
				v := sr.get(km, part, false)
				if v == nil {
					continue
				}
				text := sr.scalarText(v, path)
				switch {
				case v.Kind != yaml.ScalarNode:
				case strings.TrimSpace(text) == "":
					sr.add(v, path, "is blank; leave %s out to keep the standard wording", part)
				default:
					if overrides[message.Kind(kind)] == nil {
						overrides[message.Kind(kind)] = make(map[string]string)
					}
					overrides[message.Kind(kind)][part] = text
				}
			}
		}
	}
	var problems []message.Problem
	s.Messages, problems = message.Compile(s.Sender(), overrides)
	for _, p := range problems {
		if _, given := overrides[p.Kind][p.Part]; !given {
			// A bug of this package, which its tests rule out; said
			// plainly rather than blamed on the file.
			sr.add(nil, "notifications", "the standard %s template for %s messages does not work: %s", p.Part, p.Kind, p.Reason)
			continue
		}
		path := "notifications.templates." + string(p.Kind) + "." + p.Part
		v := sr.nodes[path]
		line := v.Line
		if p.Line > 0 {
			switch v.Style {
			case yaml.LiteralStyle:
				// The text starts on the line after the "|".
				line += p.Line
			case 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
				if p.Line == 1 {
					break
				}
				fallthrough
			default:
				// Folded or escaped line breaks: the template's lines are
				// not the file's.
				p.Reason = fmt.Sprintf("template line %d: %s", p.Line, p.Reason)
			}
		}
		sr.own[path] = true
		sr.problems = append(sr.problems, permit.SchemeProblem{Line: line, Path: path, Reason: p.Reason})
	}
}
