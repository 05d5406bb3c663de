package scheme

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a scheme's time zone must load on machines without zoneinfo files

	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/permit"
)

// MaxBytes bounds what Load reads. A council's scheme is a few
// kilobytes; the bound keeps a wrong file (a gazetteer given by mistake)
// from being read whole into memory.
const MaxBytes = 1 << 20

// DefaultLocation is the time zone of a scheme file that names none.
const DefaultLocation = "Europe/London"

// Limits that catch a value typed in the wrong unit (days for months,
// minutes for hours) rather than policy: a council may set anything inside.
const (
	maxReviewWorkingDays = 250 // about a working year
	maxWindowDays        = 366
	maxAbandonUnpaid     = 30 * 24 * time.Hour // card authorisations lapse long before
	maxVehicleCheckCache = 30 * 24 * time.Hour // a register's answer a month old is no check
	maxPaymentHold       = 30 * 24 * time.Hour // card holds last days, not months
)

// Load reads a council's scheme: one YAML document (see the example
// files under examples/ for the format, each section explained). It reads
// r to its end (at most MaxBytes) and touches nothing else; the time
// zone database it needs is compiled in.
//
// The file is strict. A key that is not part of the format, a value of the
// wrong type, a missing section, and everything the leaf packages refuse
// (evidence.NewRules, pricing.NewTariffs, pricing.RefundPolicy.Validate,
// eligibility.NewRules) are all reported at once in a *permit.SchemeError that
// wraps permit.ErrInvalidScheme, each with its line and path. The rules of the
// format:
//
//   - Money is text in quotes, "55.00": an unquoted 55.00 is a number to
//     YAML, which other tools rewrite as 55, so it is refused.
//   - Dates are YYYY-MM-DD, quoted or not; durations are Go durations such
//     as "24h"; whole numbers are unquoted.
//   - Anchors and aliases are refused: each value is written where it
//     applies, so the file reads top to bottom.
//   - A key with no value counts as missing.
//   - Notification templates (the optional notifications section) are
//     parsed and run against sample messages here, so that a template
//     naming a key its message does not carry, calling a function that
//     does not exist or failing to parse is a problem of the file, with
//     its line, and never an email that cannot be sent.
//
// An error reading r is returned as it is, wrapped, not as a permit.SchemeError.
//
// Load gives no warnings; LoadWith does.
func Load(r io.Reader) (*permit.Scheme, error) {
	s, _, err := LoadWith(r, nil)
	return s, err
}

// Options are what LoadWith needs besides the file. The zero value (and
// nil) loads as Load does.
type Options struct {
	// Today is the date the scheme is loaded on (its year, month and day,
	// as read in its own location), for the warnings that depend on the
	// date. Load reads no clock: the caller gives it, as a server starting
	// up gives its own date. Zero: no such warnings.
	Today time.Time
}

// Warning is something in a scheme file that loads but that is probably
// not what the council meant, with its line and path as a problem has
// them. A warning never stops a scheme from loading; a program shows
// warnings to whoever looks after the file (permitd logs them at start).
type Warning struct {
	Line   int    // 1-based line of the file, 0 for the file as a whole
	Path   string // where in the document, as in permit.SchemeProblem
	Reason string // what is likely wrong and what follows from it
}

func (w Warning) String() string {
	return permit.SchemeProblem(w).String()
}

// LoadWith is Load with options, returning as well the warnings about a
// file that loads (none when it does not: then the error lists its
// problems). The warnings, in line order:
//
//   - With Options.Today set, each permit type with no tariff in force on
//     that date for some zone (and its validity) whose tariffs start
//     later: until then a paid application for it starting earlier is
//     refused (no_tariff). A file prepared ahead of its first prices
//     loads, and says so, rather than failing on the first application.
//   - Likewise, when every tariff of the type ended before that date.
func LoadWith(r io.Reader, opts *Options) (*permit.Scheme, []Warning, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("scheme: reading the scheme file: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, nil, &permit.SchemeError{Problems: []permit.SchemeProblem{{Reason: fmt.Sprintf("the file is larger than %d bytes; a scheme file is a few kilobytes", MaxBytes)}}}
	}
	root, problem := parseDocument(data)
	if problem != nil {
		return nil, nil, &permit.SchemeError{Problems: []permit.SchemeProblem{*problem}}
	}
	sr := &reader{nodes: make(map[string]*yaml.Node), own: make(map[string]bool)}
	s := sr.scheme(root)
	if len(sr.problems) > 0 {
		slices.SortStableFunc(sr.problems, func(a, b permit.SchemeProblem) int {
			if a.Line == 0 && b.Line == 0 {
				// Missing sections, in the order the format lists them.
				return topKeyOrder(a.Path) - topKeyOrder(b.Path)
			}
			return a.Line - b.Line
		})
		return nil, nil, &permit.SchemeError{Problems: sr.problems}
	}
	var warnings []Warning
	if !o.Today.IsZero() {
		warnings = sr.tariffWarnings(s, o.Today)
	}
	slices.SortStableFunc(warnings, func(a, b Warning) int { return a.Line - b.Line })
	return s, warnings, nil
}

var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument returns the root node of the only document in data.
func parseDocument(data []byte) (root *yaml.Node, problem *permit.SchemeProblem) {
	defer func() {
		// The YAML library is a dependency we do not control; a panic
		// inside it on hostile input must still be an ordinary error.
		if v := recover(); v != nil {
			root, problem = nil, &permit.SchemeProblem{Reason: fmt.Sprintf("the file cannot be read as YAML (%v)", v)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &permit.SchemeProblem{Reason: "the file is empty"}
		}
		return nil, yamlSyntaxProblem(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &permit.SchemeProblem{Line: next.Line, Reason: "the file holds more than one YAML document (a second \"---\"); a scheme is one document"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].ShortTag() == "!!null" {
		return nil, &permit.SchemeProblem{Reason: "the file is empty"}
	}
	return doc.Content[0], nil
}

func yamlSyntaxProblem(err error) *permit.SchemeProblem {
	msg := err.Error()
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		if line, convErr := strconv.Atoi(m[1]); convErr == nil {
			return &permit.SchemeProblem{Line: line, Reason: "not valid YAML: " + m[2]}
		}
	}
	return &permit.SchemeProblem{Reason: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
