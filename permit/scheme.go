package permit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a scheme's time zone must load on machines without zoneinfo files

	"github.com/rickar/cal/v2"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// Council is a contact residents are given: the council itself (about a
// rejection, R3) or the operator that runs the permit service for it
// (about cancellations, scheduled vehicle changes and address changes; the
// decision of 2026-12). A scheme gives only what is published: the
// Leicestershire example has no council email or phone.
type Council struct {
	Name    string
	Email   string
	Phone   string
	Website string
}

// Scheme is one council's permit rules, read from its scheme file by
// LoadScheme, which is the only way to build one: a Scheme that exists has
// passed every check. Treat it and everything it points to as read-only;
// it is then safe for concurrent use.
type Scheme struct {
	ID string // the scheme's identifier, e.g. "leicestershire"
	// Council is the council's contact: rejection notices send residents
	// there (R3: "contact Leicestershire County Council directly").
	Council Council
	// Operator is the contact of whoever runs the permit service for the
	// council (Leicestershire: MiPermit's help desk), for cancellations,
	// scheduled vehicle changes and address changes. A scheme file without
	// an operator section has the council as its operator.
	Operator Council
	Nation   zones.Nation
	Location *time.Location // where dates are judged; Europe/London unless the file says otherwise
	// Calendar is the Nation's working-day calendar (zones.Calendar). It is
	// shared: adding a holiday to it changes every reader's deadlines.
	Calendar *cal.BusinessCalendar
	// Rules are the permit types (with their evidence per action), free
	// allowance pools, limits, renewal window, zones and tariffs.
	Rules *eligibility.Rules
	// Evidence holds the accepted document kinds and their checks.
	Evidence *evidence.Rules
	// AddressChangeSameZone is what a move within the same permit zone
	// needs: proof of residency at the new address (R7).
	AddressChangeSameZone []evidence.Requirement
	// NewZoneApplication is what an application after a move to another
	// zone needs on top of the permit type's apply requirements: proof of
	// residency linked to the new address and the vehicle's V5C (R7).
	NewZoneApplication []evidence.Requirement
	// Refunds is what a cancellation returns (R6).
	Refunds pricing.RefundPolicy
	// RefundOnMove is what Refunds does for a permit that ends because its
	// holder moved to another zone (refunds.on_move; R7, decision of
	// 2026-12): by default the policy applies as if the permit were
	// cancelled on the day it ends.
	RefundOnMove RefundOnMove
	// ReviewWorkingDays is how many working days in Calendar an officer
	// has to decide an application or address change.
	ReviewWorkingDays int
	// ReminderDays are the days before expiry on which an expiry reminder
	// is sent (R5), largest first, no repeats.
	ReminderDays []int
	// AbandonUnpaidAfter is how long an application may wait for its card
	// payment before it is withdrawn and its authorisation voided.
	AbandonUnpaidAfter time.Duration
	// RejectionReasons are the reasons an officer may give for rejecting
	// an application or an address change (R3), each with the words the
	// resident reads. A scheme that lists none accepts any reason code.
	RejectionReasons []RejectionReason
	// PendingApplicationsPerProperty caps the new applications waiting
	// for a decision (pending review or awaiting payment) at one property,
	// whichever accounts made them (RULES R1, 2026-12, against squatting):
	// one more is refused with CodeTooManyPendingApplications. 0: no cap.
	PendingApplicationsPerProperty int
	// AccountsPerPropertyPerDay caps the accounts opened at one property on
	// one day (judged in Location): one more is refused with a *LimitError
	// coded CodeTooManyNewAccounts. 0: no cap.
	AccountsPerPropertyPerDay int

	types map[string]int // permit type ID → index in Rules.PermitTypes
	// Messages are the notification templates of every kind, proven at
	// load (see Render).
	Messages *message.Templates
}

// PermitType returns the scheme's permit type with that ID. Its Evidence
// map is shared with the Scheme: read it, do not change it.
func (s *Scheme) PermitType(id string) (eligibility.PermitType, bool) {
	i, ok := s.types[id]
	if !ok {
		return eligibility.PermitType{}, false
	}
	return s.Rules.PermitTypes[i], true
}

// Requirements returns the evidence an action needs. Apply, renew and
// vehicle change are per permit type; a same-zone address change is the
// same for every type (permitType is ignored); an application after a move
// to another zone needs the type's apply requirements plus
// NewZoneApplication, a group named in both counted once. It returns false
// for an unknown permit type or action. The slice is the caller's; the
// kinds inside each requirement are shared with the Scheme.
func (s *Scheme) Requirements(permitType string, a evidence.Action) ([]evidence.Requirement, bool) {
	if a == evidence.ActionAddressChangeSameZone {
		return slices.Clone(s.AddressChangeSameZone), true
	}
	pt, ok := s.PermitType(permitType)
	if !ok || !a.Valid() {
		return nil, false
	}
	if a != evidence.ActionApplicationNewZone {
		return slices.Clone(pt.Evidence[a]), true
	}
	out := slices.Clone(pt.Evidence[evidence.ActionApply])
	for _, q := range s.NewZoneApplication {
		if !slices.ContainsFunc(out, func(p evidence.Requirement) bool { return p.Name == q.Name }) {
			out = append(out, q)
		}
	}
	return out, true
}

// ReviewDueOn is the date by which an officer should decide something
// submitted on submittedOn: ReviewWorkingDays working days later in the
// council's calendar, the submission day itself not counting.
func (s *Scheme) ReviewDueOn(submittedOn time.Time) time.Time {
	return evidence.ReviewDueOn(s.Calendar, submittedOn, s.ReviewWorkingDays)
}

// ErrInvalidScheme is wrapped by every *SchemeError: the scheme file's
// content is wrong. Check with errors.Is.
var ErrInvalidScheme = errors.New("invalid scheme")

// SchemeProblem is one thing wrong with a scheme file.
type SchemeProblem struct {
	// Line is the 1-based line of the file the problem is on, or 0 when it
	// concerns the file as a whole (a section that is missing).
	Line int
	// Path is where in the document the problem is, as keys and list
	// indexes from the top: "tariffs[3].from", "council.email". "" for the
	// document itself.
	Path string
	// Reason says what is wrong, naming the offending value.
	Reason string
}

func (p SchemeProblem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// maxPrintedSchemeProblems caps SchemeError's message; Problems keeps all.
const maxPrintedSchemeProblems = 10

// SchemeError lists every problem LoadScheme found, in line order
// (problems with no line first), so that a council officer can mend the
// file in one pass. It unwraps to ErrInvalidScheme.
type SchemeError struct {
	Problems []SchemeProblem
}

func (e *SchemeError) Error() string {
	var b strings.Builder
	b.WriteString("permit: invalid scheme: ")
	if len(e.Problems) == 1 {
		b.WriteString("1 problem: ")
	} else {
		fmt.Fprintf(&b, "%d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i == maxPrintedSchemeProblems {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalidScheme) match.
func (e *SchemeError) Unwrap() error { return ErrInvalidScheme }

// MaxSchemeBytes bounds what LoadScheme reads. A council's scheme is a few
// kilobytes; the bound keeps a wrong file (a gazetteer given by mistake)
// from being read whole into memory.
const MaxSchemeBytes = 1 << 20

// DefaultLocation is the time zone of a scheme file that names none.
const DefaultLocation = "Europe/London"

// Limits that catch a value typed in the wrong unit (days for months,
// minutes for hours) rather than policy: a council may set anything inside.
const (
	maxReviewWorkingDays = 250 // about a working year
	maxWindowDays        = 366
	maxAbandonUnpaid     = 30 * 24 * time.Hour // card authorisations lapse long before
)

// LoadScheme reads a council's scheme: one YAML document (see the example
// files under examples/ for the format, each section explained). It reads
// r to its end (at most MaxSchemeBytes) and touches nothing else; the time
// zone database it needs is compiled in.
//
// The file is strict. A key that is not part of the format, a value of the
// wrong type, a missing section, and everything the leaf packages refuse
// (evidence.NewRules, pricing.NewTariffs, pricing.RefundPolicy.Validate,
// eligibility.NewRules) are all reported at once in a *SchemeError that
// wraps ErrInvalidScheme, each with its line and path. The rules of the
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
// An error reading r is returned as it is, wrapped, not as a SchemeError.
func LoadScheme(r io.Reader) (*Scheme, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSchemeBytes+1))
	if err != nil {
		return nil, fmt.Errorf("permit: reading scheme: %w", err)
	}
	if len(data) > MaxSchemeBytes {
		return nil, &SchemeError{Problems: []SchemeProblem{{Reason: fmt.Sprintf("the file is larger than %d bytes; a scheme file is a few kilobytes", MaxSchemeBytes)}}}
	}
	root, problem := parseDocument(data)
	if problem != nil {
		return nil, &SchemeError{Problems: []SchemeProblem{*problem}}
	}
	sr := &schemeReader{nodes: make(map[string]*yaml.Node), own: make(map[string]bool)}
	s := sr.scheme(root)
	if len(sr.problems) > 0 {
		slices.SortStableFunc(sr.problems, func(a, b SchemeProblem) int {
			if a.Line == 0 && b.Line == 0 {
				// Missing sections, in the order the format lists them.
				return topKeyOrder(a.Path) - topKeyOrder(b.Path)
			}
			return a.Line - b.Line
		})
		return nil, &SchemeError{Problems: sr.problems}
	}
	return s, nil
}

var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument returns the root node of the only document in data.
func parseDocument(data []byte) (root *yaml.Node, problem *SchemeProblem) {
	defer func() {
		// The YAML library is a dependency we do not control; a panic
		// inside it on hostile input must still be an ordinary error.
		if v := recover(); v != nil {
			root, problem = nil, &SchemeProblem{Reason: fmt.Sprintf("the file cannot be read as YAML (%v)", v)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &SchemeProblem{Reason: "the file is empty"}
		}
		return nil, yamlSyntaxProblem(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &SchemeProblem{Line: next.Line, Reason: "the file holds more than one YAML document (a second \"---\"); a scheme is one document"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].ShortTag() == "!!null" {
		return nil, &SchemeProblem{Reason: "the file is empty"}
	}
	return doc.Content[0], nil
}

func yamlSyntaxProblem(err error) *SchemeProblem {
	msg := err.Error()
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		if line, convErr := strconv.Atoi(m[1]); convErr == nil {
			return &SchemeProblem{Line: line, Reason: "not valid YAML: " + m[2]}
		}
	}
	return &SchemeProblem{Reason: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// schemeReader walks the YAML tree, collecting every problem and
// remembering the node at each path so that problems the leaf packages
// report by field name can be given a line.
type schemeReader struct {
	problems []SchemeProblem
	nodes    map[string]*yaml.Node
	// own holds the paths of problems found reading the file itself, as
	// opposed to those the leaf packages report (see leaf).
	own map[string]bool
}

func (sr *schemeReader) add(n *yaml.Node, path, format string, args ...any) {
	sr.own[path] = true
	sr.record(n, path, fmt.Sprintf(format, args...))
}

func (sr *schemeReader) record(n *yaml.Node, path, reason string) {
	line := 0
	if n != nil {
		line = n.Line
	}
	sr.problems = append(sr.problems, SchemeProblem{Line: line, Path: path, Reason: reason})
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
func (sr *schemeReader) usable(n *yaml.Node, path string) bool {
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
func (sr *schemeReader) mapping(n *yaml.Node, path string, keys ...string) (mapping, bool) {
	m := mapping{node: n, path: path, values: make(map[string]*yaml.Node, len(keys))}
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
func (sr *schemeReader) get(m mapping, key string, required bool) *yaml.Node {
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
func (sr *schemeReader) text(m mapping, key string, required bool) string {
	v := sr.get(m, key, required)
	if v == nil {
		return ""
	}
	return sr.scalarText(v, join(m.path, key))
}

func (sr *schemeReader) scalarText(v *yaml.Node, path string) string {
	if v.Kind != yaml.ScalarNode {
		sr.add(v, path, "want text, got %s", describe(v))
		return ""
	}
	return v.Value
}

func (sr *schemeReader) integer(m mapping, key string, required bool) (int, bool) {
	v := sr.get(m, key, required)
	if v == nil {
		return 0, false
	}
	return sr.scalarInt(v, join(m.path, key))
}

func (sr *schemeReader) scalarInt(v *yaml.Node, path string) (int, bool) {
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
func (sr *schemeReader) boolean(m mapping, key string, def bool) bool {
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

func (sr *schemeReader) money(m mapping, key string, required bool) (decimal.Decimal, bool) {
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

func (sr *schemeReader) date(m mapping, key string, required bool) (time.Time, bool) {
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

func (sr *schemeReader) duration(m mapping, key string, required bool) (time.Duration, bool) {
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
func (sr *schemeReader) list(m mapping, key string, required bool) ([]*yaml.Node, bool) {
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
func (sr *schemeReader) texts(m mapping, key string, required bool) ([]textItem, bool) {
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
func (sr *schemeReader) items(m mapping, key string, required bool, keys []string, fn func(i int, item mapping)) bool {
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

// The keys of each part of the format, in the order the example files use.
var (
	topKeys = []string{"id", "council", "operator", "nation", "timezone", "review_working_days",
		"abandon_unpaid_after", "renewal_window_days", "furthest_start_days", "reminder_days", "zones",
		"permit_types", "pools", "limits", "pending_applications_per_property", "accounts_per_property_per_day", "tariffs", "refunds", "rejection_reasons", "evidence", "notifications"}
	councilKeys     = []string{"name", "email", "phone", "website"}
	zoneKeys        = []string{"id", "name"}
	permitTypeKeys  = []string{"id", "name", "validity_months", "renewable", "evidence"}
	typeActionKeys  = []string{string(evidence.ActionApply), string(evidence.ActionRenew), string(evidence.ActionVehicleChange)}
	poolKeys        = []string{"id", "name", "types", "scope", "free"}
	limitKeys       = []string{"types", "scope", "max", "why"}
	tariffKeys      = []string{"permit_type", "zone", "duration_months", "from", "until", "price"}
	refundKeys      = []string{"kind", "admin_fee", "on_move"}
	evidenceKeys    = []string{"kinds", "requirements", string(evidence.ActionAddressChangeSameZone), string(evidence.ActionApplicationNewZone)}
	kindKeys        = []string{"kind", "title", "max_age_months", "require_name", "require_address", "required_fields", "checks", "fresh_for_renewal"}
	requirementKeys = []string{"id", "title", "one_of"}
	// notifications: {templates: {<message kind>: {subject, text, html}}}
	notificationKeys = []string{"templates"}
)

func topKeyOrder(path string) int {
	for at := path; at != ""; at = parent(at) {
		if i := slices.Index(topKeys, at); i >= 0 {
			return i
		}
	}
	return len(topKeys)
}

// scheme reads the whole document and builds the Scheme; the Scheme is
// meaningful only when no problem was recorded.
func (sr *schemeReader) scheme(root *yaml.Node) *Scheme {
	top, ok := sr.mapping(root, "", topKeys...)
	if !ok {
		return nil
	}
	top.topLevel = true
	s := &Scheme{}

	s.ID = sr.text(top, "id", true)
	if s.ID != "" && strings.TrimSpace(s.ID) != s.ID {
		sr.add(top.values["id"], "id", "%q has spaces around it", s.ID)
	}
	s.Council = sr.council(top)
	s.Operator = sr.operator(top, s.Council)

	locationOK := sr.header(top, s)

	// Evidence first: permit types refer to its requirement groups.
	groups := sr.evidence(top, s)

	zs := sr.zones(top)
	types := sr.permitTypes(top, groups)
	pools := sr.pools(top)
	limits := sr.limits(top)
	window, _ := sr.integer(top, "renewal_window_days", true)
	if window > maxWindowDays {
		sr.add(top.values["renewal_window_days"], "renewal_window_days", "is %d; at most %d days", window, maxWindowDays)
	}
	furthest := sr.furthestStart(top)
	s.PendingApplicationsPerProperty = sr.cap(top, "pending_applications_per_property")
	s.AccountsPerPropertyPerDay = sr.cap(top, "accounts_per_property_per_day")
	tariffs, tariffsOK := sr.tariffs(top, zs)
	s.Refunds, s.RefundOnMove = sr.refunds(top)
	s.RejectionReasons = sr.rejectionReasons(top)

	leaf := eligibility.Rules{
		Location:          s.Location,
		PermitTypes:       types,
		Pools:             pools,
		Limits:            limits,
		RenewalWindowDays: window,
		FurthestStartDays: furthest,
		Zones:             zs,
		Tariffs:           tariffs,
	}
	rules, err := eligibility.NewRules(leaf)
	var re *eligibility.RulesError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			switch {
			case p.Field == "location" && !locationOK:
				continue // the bad timezone is reported already
			case p.Field == "tariffs" && !tariffsOK:
				continue // the rows' own problems are reported already
			}
			sr.leaf(eligibilityPath(p.Field), p.Reason)
		}
	} else if err != nil {
		sr.add(nil, "", "%v", err)
	}
	s.Rules = rules
	if rules != nil {
		s.types = make(map[string]int, len(rules.PermitTypes))
		for i, pt := range rules.PermitTypes {
			s.types[pt.ID] = i
		}
	}
	sr.notifications(top, s)
	return s
}

// maxCap bounds the anti-squatting caps: a number typed by mistake (a
// year, a phone number) rather than a policy.
const maxCap = 1000

// cap reads an optional whole-number cap (pending applications per
// property, accounts per property per day): 1 to maxCap, or left out for
// no cap (0).
func (sr *schemeReader) cap(top mapping, key string) int {
	if top.values[key] == nil {
		return 0
	}
	n, ok := sr.integer(top, key, false)
	if ok && (n < 1 || n > maxCap) {
		sr.add(top.values[key], key, "is %d; give 1 to %d, or leave it out for no cap", n, maxCap)
		return 0
	}
	return n
}

// DefaultFurthestStartDays is the furthest start of a scheme file that
// sets none: a year ahead.
const DefaultFurthestStartDays = 365

// furthestStart reads furthest_start_days (R1 decision: a permit may start
// at most that many days ahead), DefaultFurthestStartDays when left out.
// The range is eligibility's (1 to eligibility.MaxFurthestStartDays here:
// a scheme file always bounds the start).
func (sr *schemeReader) furthestStart(top mapping) int {
	if top.values["furthest_start_days"] == nil {
		return DefaultFurthestStartDays
	}
	n, ok := sr.integer(top, "furthest_start_days", false)
	if ok && n < 1 {
		sr.add(top.values["furthest_start_days"], "furthest_start_days", "is %d; a permit must be able to start at least 1 day ahead", n)
		return 0
	}
	return n
}

// notifications reads the scheme's own notification templates and
// compiles them with the standard ones for every part not given.
func (sr *schemeReader) notifications(top mapping, s *Scheme) {
	overrides := make(map[MessageKind]map[string]string)
	m, ok := sr.mapping(sr.get(top, "notifications", false), "notifications", notificationKeys...)
	if ok {
		kinds := make([]string, 0, len(MessageKinds()))
		for _, k := range MessageKinds() {
			kinds = append(kinds, string(k))
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
					if overrides[MessageKind(kind)] == nil {
						overrides[MessageKind(kind)] = make(map[string]string)
					}
					overrides[MessageKind(kind)][part] = text
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
		sr.problems = append(sr.problems, SchemeProblem{Line: line, Path: path, Reason: p.Reason})
	}
}

var tariffRowPath = regexp.MustCompile(`^tariffs\[\d+\]$`)

// eligibilityPath turns an eligibility.Problem's field into the path of
// the scheme file.
func eligibilityPath(field string) string {
	switch {
	case field == "location":
		return "timezone"
	case tariffRowPath.MatchString(field):
		// The only problem eligibility reports on a whole tariff row is
		// an unknown permit type.
		return field + ".permit_type"
	}
	return field
}

// leaf records a problem a leaf package found, at the line of its path
// (or of the nearest enclosing part of the file that exists), unless a
// problem was already recorded for that path or a part enclosing it: a
// leaf constructor sees a missing or malformed value as blank or zero and
// would report it again in other words.
func (sr *schemeReader) leaf(path, reason string) {
	for at := path; at != ""; at = parent(at) {
		if sr.own[at] {
			return
		}
	}
	for at := path; at != ""; at = parent(at) {
		if n := sr.nodes[at]; n != nil {
			sr.record(n, path, reason)
			return
		}
	}
	sr.record(nil, path, reason)
}

// parent strips the last key or index from a path.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func (sr *schemeReader) council(top mapping) Council {
	m, ok := sr.mapping(sr.get(top, "council", true), "council", councilKeys...)
	if !ok {
		return Council{}
	}
	c := sr.contact(m, "council")
	if strings.TrimSpace(c.Email) == "" && strings.TrimSpace(c.Phone) == "" && strings.TrimSpace(c.Website) == "" {
		sr.add(m.node, "council", "needs an email, a phone or a website: rejections tell residents how to reach the council")
	}
	return c
}

// operator reads the operator section: whom residents contact about
// cancellations, scheduled vehicle changes and address changes. Left out,
// the operator is the council.
func (sr *schemeReader) operator(top mapping, council Council) Council {
	if isNull(top.values["operator"]) {
		return council
	}
	m, ok := sr.mapping(sr.get(top, "operator", false), "operator", councilKeys...)
	if !ok {
		return council
	}
	c := sr.contact(m, "operator")
	if strings.TrimSpace(c.Email) == "" && strings.TrimSpace(c.Phone) == "" {
		sr.add(m.node, "operator", "needs an email or a phone: cancellations and changes tell residents whom to contact")
	}
	return c
}

// contact reads a contact's name, email, phone and website.
func (sr *schemeReader) contact(m mapping, path string) Council {
	c := Council{
		Name:    sr.text(m, "name", true),
		Email:   sr.text(m, "email", false),
		Phone:   sr.text(m, "phone", false),
		Website: sr.text(m, "website", false),
	}
	if c.Name != "" && strings.TrimSpace(c.Name) == "" {
		sr.add(m.values["name"], path+".name", "is blank")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || a.Name != "" {
			sr.add(m.values["email"], path+".email", "%q is not an email address such as help@example.gov.uk", c.Email)
		}
	}
	if c.Website != "" {
		if u, err := url.Parse(c.Website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			sr.add(m.values["website"], path+".website", "%q is not a web address starting https://", c.Website)
		}
	}
	return c
}

// header reads the scalar settings of the top level; it reports whether
// the time zone was usable.
func (sr *schemeReader) header(top mapping, s *Scheme) (locationOK bool) {
	if name := sr.text(top, "nation", true); name != "" {
		n, err := zones.ParseNation(name)
		if err != nil {
			sr.add(top.values["nation"], "nation", "%q is not a nation; write england-and-wales, scotland or northern-ireland", name)
		} else {
			s.Nation = n
			s.Calendar = zones.Calendar(n)
		}
	}

	tz := DefaultLocation
	switch v := top.values["timezone"]; {
	case v == nil:
	case isNull(v):
		tz = ""
	case !sr.usable(v, "timezone"):
		return false
	default:
		tz = sr.scalarText(v, "timezone")
		if v.Kind != yaml.ScalarNode {
			return false
		}
	}
	switch {
	case tz == "" || tz == "Local":
		// LoadLocation would give UTC or the machine's own zone.
		sr.add(top.values["timezone"], "timezone", "want an IANA time zone name such as Europe/London, got %q", tz)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			sr.add(top.values["timezone"], "timezone", "%q is not an IANA time zone name such as Europe/London", tz)
		} else {
			s.Location = loc
			locationOK = true
		}
	}

	if n, ok := sr.integer(top, "review_working_days", true); ok {
		if n < 1 || n > maxReviewWorkingDays {
			sr.add(top.values["review_working_days"], "review_working_days", "is %d; it must be 1 to %d working days", n, maxReviewWorkingDays)
		}
		s.ReviewWorkingDays = n
	}
	if d, ok := sr.duration(top, "abandon_unpaid_after", true); ok {
		if d <= 0 || d > maxAbandonUnpaid {
			sr.add(top.values["abandon_unpaid_after"], "abandon_unpaid_after", "is %s; it must be more than 0 and at most %s (30 days)", d, maxAbandonUnpaid)
		}
		s.AbandonUnpaidAfter = d
	}

	items, _ := sr.list(top, "reminder_days", true)
	s.ReminderDays = make([]int, 0, len(items))
	for i, item := range items {
		p := index("reminder_days", i)
		if !sr.usable(item, p) {
			if isNull(item) {
				sr.add(item, p, "is empty")
			}
			continue
		}
		d, ok := sr.scalarInt(item, p)
		if !ok {
			continue
		}
		switch {
		case d < 1 || d > maxWindowDays:
			sr.add(item, p, "is %d; a reminder is 1 to %d days before expiry", d, maxWindowDays)
		case slices.Contains(s.ReminderDays, d):
			sr.add(item, p, "%d is listed more than once", d)
		case len(s.ReminderDays) > 0 && d > s.ReminderDays[len(s.ReminderDays)-1]:
			sr.add(item, p, "%d comes after %d; list reminder days largest first", d, s.ReminderDays[len(s.ReminderDays)-1])
		default:
			s.ReminderDays = append(s.ReminderDays, d)
		}
	}
	return locationOK
}

func (sr *schemeReader) zones(top mapping) []zones.Zone {
	var out []zones.Zone
	sr.items(top, "zones", true, zoneKeys, func(_ int, m mapping) {
		out = append(out, zones.Zone{ID: sr.text(m, "id", true), Name: sr.text(m, "name", true)})
	})
	return out
}

func (sr *schemeReader) permitTypes(top mapping, groups map[string]evidence.Requirement) []eligibility.PermitType {
	var out []eligibility.PermitType
	sr.items(top, "permit_types", true, permitTypeKeys, func(i int, m mapping) {
		pt := eligibility.PermitType{
			ID:        sr.text(m, "id", true),
			Name:      sr.text(m, "name", true),
			Renewable: sr.boolean(m, "renewable", true),
		}
		pt.ValidityMonths, _ = sr.integer(m, "validity_months", true)
		if ev, ok := sr.mapping(sr.get(m, "evidence", false), join(m.path, "evidence"), typeActionKeys...); ok {
			pt.Evidence = make(map[evidence.Action][]evidence.Requirement)
			for _, a := range typeActionKeys {
				if reqs, given := sr.references(ev, a, false, groups); given {
					pt.Evidence[evidence.Action(a)] = reqs
				}
			}
			if !pt.Renewable && len(pt.Evidence[evidence.ActionRenew]) > 0 {
				sr.add(ev.values[string(evidence.ActionRenew)], join(ev.path, "renew"), "is given but the permit type is not renewable (renewable: false)")
			}
		}
		out = append(out, pt)
	})
	return out
}

// references reads a list of requirement group IDs and resolves them.
func (sr *schemeReader) references(m mapping, key string, required bool, groups map[string]evidence.Requirement) ([]evidence.Requirement, bool) {
	items, ok := sr.texts(m, key, required)
	if !ok {
		return nil, false
	}
	out := make([]evidence.Requirement, 0, len(items))
	for i, it := range items {
		switch q, known := groups[it.value]; {
		case slices.IndexFunc(items[:i], func(o textItem) bool { return o.value == it.value }) >= 0:
			sr.add(it.node, it.path, "%q is listed more than once", it.value)
		case !known:
			sr.add(it.node, it.path, "unknown requirement %q; define it under evidence.requirements", it.value)
		default:
			out = append(out, q)
		}
	}
	return out, true
}

func (sr *schemeReader) pools(top mapping) []eligibility.AllowancePool {
	var out []eligibility.AllowancePool
	sr.items(top, "pools", false, poolKeys, func(_ int, m mapping) {
		p := eligibility.AllowancePool{
			ID:    sr.text(m, "id", true),
			Name:  sr.text(m, "name", true),
			Scope: eligibility.Scope(sr.text(m, "scope", true)),
		}
		ts, _ := sr.texts(m, "types", true)
		p.Types = values(ts)
		p.Free, _ = sr.integer(m, "free", true)
		out = append(out, p)
	})
	return out
}

func (sr *schemeReader) limits(top mapping) []eligibility.Limit {
	var out []eligibility.Limit
	sr.items(top, "limits", false, limitKeys, func(_ int, m mapping) {
		l := eligibility.Limit{
			Scope: eligibility.Scope(sr.text(m, "scope", true)),
			Why:   sr.text(m, "why", true),
		}
		ts, _ := sr.texts(m, "types", true)
		l.Types = values(ts)
		l.Max, _ = sr.integer(m, "max", true)
		out = append(out, l)
	})
	return out
}

// tariffs reads the price table and builds it with pricing.NewTariffs. It
// reports false when the table could not be built.
func (sr *schemeReader) tariffs(top mapping, zs []zones.Zone) (*pricing.Tariffs, bool) {
	list, ok := sr.list(top, "tariffs", true)
	if !ok {
		return nil, false
	}
	// One row per item, so that NewTariffs' row numbers are the file's.
	rows := make([]pricing.Tariff, len(list))
	// flagged marks rows with a problem of their own, which NewTariffs
	// would only repeat in other words.
	flagged := make([]bool, len(list))
	for i, n := range list {
		p := index("tariffs", i)
		before := len(sr.problems)
		if isNull(n) {
			sr.add(n, p, "is empty")
		}
		if m, ok := sr.mapping(n, p, tariffKeys...); ok {
			r := pricing.Tariff{
				PermitType: sr.text(m, "permit_type", true),
				Zone:       sr.text(m, "zone", false),
			}
			r.DurationMonths, _ = sr.integer(m, "duration_months", false)
			r.From, _ = sr.date(m, "from", true)
			r.Until, _ = sr.date(m, "until", false)
			r.Price, _ = sr.money(m, "price", true)
			if r.Zone != "" && !slices.ContainsFunc(zs, func(z zones.Zone) bool { return z.ID == r.Zone }) {
				sr.add(m.values["zone"], join(p, "zone"), "unknown zone %q; leave zone out to price every zone", r.Zone)
			}
			rows[i] = r
		}
		flagged[i] = len(sr.problems) > before
	}
	t, err := pricing.NewTariffs(rows)
	var te *pricing.TariffsError
	if !errors.As(err, &te) {
		return t, err == nil
	}
	for _, p := range te.Problems {
		if len(p.Rows) == 0 || slices.ContainsFunc(p.Rows, func(i int) bool { return i < 0 || i >= len(rows) || flagged[i] }) {
			continue
		}
		if len(p.Rows) == 2 && p.Field == "" {
			a, b := p.Rows[0], p.Rows[1]
			sr.leaf(index("tariffs", b)+".from", describeTariffPair(a, rows[a], rows[b]))
			continue
		}
		sr.leaf(index("tariffs", p.Rows[0])+"."+tariffField(p.Field), p.Detail)
	}
	return nil, false
}

// describeTariffPair explains a gap or overlap between rows a and b of one
// group, where b starts after a in date order, for the council officer
// editing the file.
func describeTariffPair(a int, ra, rb pricing.Tariff) string {
	group := ra.PermitType
	if ra.Zone != "" {
		group += " in zone " + ra.Zone
	}
	if ra.DurationMonths != 0 {
		group += fmt.Sprintf(" for %d months", ra.DurationMonths)
	}
	from := rb.From.Format(time.DateOnly)
	switch {
	case ra.Until.IsZero():
		return fmt.Sprintf("%s starts while tariffs[%d] for %s is still open-ended; give tariffs[%d] an until date of %s",
			from, a, group, a, rb.From.AddDate(0, 0, -1).Format(time.DateOnly))
	case !rb.From.After(ra.Until):
		return fmt.Sprintf("%s overlaps tariffs[%d], which runs until %s for %s; start the day after that",
			from, a, ra.Until.Format(time.DateOnly), group)
	}
	first, last := ra.Until.AddDate(0, 0, 1), rb.From.AddDate(0, 0, -1)
	missing := "no price on " + first.Format(time.DateOnly)
	if !first.Equal(last) {
		missing = "no price from " + first.Format(time.DateOnly) + " to " + last.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s leaves a gap after %s for %s (tariffs[%d]): %s",
		from, ra.Until.Format(time.DateOnly), group, a, missing)
}

// tariffField maps a pricing.Tariff field name to the file's key.
func tariffField(f string) string {
	switch f {
	case "PermitType":
		return "permit_type"
	case "DurationMonths":
		return "duration_months"
	}
	return strings.ToLower(f)
}

// RefundOnMove says what the refund policy does for a permit that ends
// because its holder moved to another permit zone (R7).
type RefundOnMove string

// The settings of refunds.on_move.
const (
	// RefundOnMoveAsCancelled (the default): the policy applies as if the
	// holder had cancelled the permit on the day it ends.
	RefundOnMoveAsCancelled RefundOnMove = "as_cancelled"
	// RefundOnMoveNone: a permit ended by a move returns nothing.
	RefundOnMoveNone RefundOnMove = "none"
)

func (sr *schemeReader) refunds(top mapping) (pricing.RefundPolicy, RefundOnMove) {
	m, ok := sr.mapping(sr.get(top, "refunds", true), "refunds", refundKeys...)
	if !ok {
		return pricing.RefundPolicy{}, RefundOnMoveAsCancelled
	}
	onMove := RefundOnMoveAsCancelled
	if v := sr.text(m, "on_move", false); v != "" {
		switch RefundOnMove(v) {
		case RefundOnMoveAsCancelled, RefundOnMoveNone:
			onMove = RefundOnMove(v)
		default:
			sr.add(m.values["on_move"], "refunds.on_move", "%q is not a setting; write as_cancelled or none", v)
		}
	}
	p := pricing.RefundPolicy{AdminFee: decimal.New(0, -2)}
	kind := sr.text(m, "kind", true)
	if kind != "" {
		k, err := pricing.ParseRefundKind(kind)
		if err != nil {
			sr.add(m.values["kind"], "refunds.kind", "%q is not a refund kind; write none, pro_rata or full", kind)
			return p, onMove
		}
		p.Kind = k
	}
	if fee, ok := sr.money(m, "admin_fee", false); ok {
		p.AdminFee = fee
	}
	var errs []error
	if err := p.Validate(); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
	}
	for _, err := range errs {
		var pe *pricing.RefundPolicyError
		if errors.As(err, &pe) {
			field := "refunds.kind"
			if pe.Field == "AdminFee" {
				field = "refunds.admin_fee"
			}
			sr.leaf(field, pe.Reason)
		} else {
			sr.leaf("refunds", err.Error())
		}
	}
	return p, onMove
}

// evidence reads the document kinds, the requirement groups and the
// address-change requirements; it returns the groups by ID for permit
// types to refer to.
func (sr *schemeReader) evidence(top mapping, s *Scheme) map[string]evidence.Requirement {
	groups := make(map[string]evidence.Requirement)
	m, ok := sr.mapping(sr.get(top, "evidence", true), "evidence", evidenceKeys...)
	if !ok {
		return groups
	}
	var kinds []evidence.KindRule
	var kindIndex []int // position in the file of kinds[i]
	sr.items(m, "kinds", true, kindKeys, func(i int, km mapping) {
		k := evidence.KindRule{
			Kind:            evidence.Kind(sr.text(km, "kind", true)),
			Title:           sr.text(km, "title", true),
			RequireName:     sr.boolean(km, "require_name", false),
			RequireAddress:  sr.boolean(km, "require_address", false),
			FreshForRenewal: sr.boolean(km, "fresh_for_renewal", false),
		}
		k.MaxAgeMonths, _ = sr.integer(km, "max_age_months", false)
		fields, _ := sr.texts(km, "required_fields", false)
		k.RequiredFields = values(fields)
		checks, _ := sr.texts(km, "checks", false)
		for _, c := range checks {
			k.Checks = append(k.Checks, evidence.Check(c.value))
		}
		kinds = append(kinds, k)
		kindIndex = append(kindIndex, i)
	})
	rules, err := evidence.NewRules(kinds)
	var re *evidence.RulesError
	if errors.As(err, &re) {
		for _, is := range re.Issues {
			sr.leaf(join(index("evidence.kinds", kindIndex[is.Index]), is.Field), is.Reason)
		}
		// Requirements can still be checked against the kinds' names.
		var names []evidence.KindRule
		for _, k := range kinds {
			if strings.TrimSpace(string(k.Kind)) == string(k.Kind) && k.Kind != "" &&
				!slices.ContainsFunc(names, func(n evidence.KindRule) bool { return n.Kind == k.Kind }) {
				names = append(names, evidence.KindRule{Kind: k.Kind, Title: string(k.Kind)})
			}
		}
		rules, _ = evidence.NewRules(names)
	} else {
		s.Evidence = rules
	}

	var reqs []evidence.Requirement
	var reqIndex []int
	sr.items(m, "requirements", true, requirementKeys, func(i int, qm mapping) {
		q := evidence.Requirement{Name: sr.text(qm, "id", true), Title: sr.text(qm, "title", true)}
		kindNames, _ := sr.texts(qm, "one_of", true)
		for _, k := range kindNames {
			q.OneOf = append(q.OneOf, evidence.Kind(k.value))
		}
		reqs = append(reqs, q)
		reqIndex = append(reqIndex, i)
	})
	if rules != nil {
		var qe *evidence.RulesError
		if errors.As(rules.ValidateRequirements(reqs), &qe) {
			for _, is := range qe.Issues {
				field := is.Field
				if field == "name" {
					field = "id"
				}
				sr.leaf(join(index("evidence.requirements", reqIndex[is.Index]), field), is.Reason)
			}
		}
	}
	for _, q := range reqs {
		if _, dup := groups[q.Name]; !dup && q.Name != "" {
			groups[q.Name] = q
		}
	}

	s.AddressChangeSameZone, _ = sr.references(m, string(evidence.ActionAddressChangeSameZone), true, groups)
	s.NewZoneApplication, _ = sr.references(m, string(evidence.ActionApplicationNewZone), true, groups)
	return groups
}
