package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalidRules is wrapped by every *RulesError; check it with errors.Is.
var ErrInvalidRules = errors.New("invalid evidence rules")

// maxAgeMonthsLimit keeps MonthsBefore far from integer overflow and catches
// a number of days typed where months were meant.
const maxAgeMonthsLimit = 1200

// Issue is one problem found in scheme data.
type Issue struct {
	Index  int    // position in the slice that was validated
	Field  string // the KindRule or Requirement field concerned, in snake_case
	Reason string
}

// RulesError lists every problem found in kind rules or requirements, so a
// scheme author can mend them all at once. It wraps ErrInvalidRules.
type RulesError struct {
	What   string // "kinds" or "requirements"
	Issues []Issue
}

func (e *RulesError) Error() string {
	var b strings.Builder
	b.WriteString("evidence: invalid ")
	b.WriteString(e.What)
	b.WriteString(": ")
	for i, is := range e.Issues {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s[%d]", e.What, is.Index)
		if is.Field != "" {
			b.WriteString(".")
			b.WriteString(is.Field)
		}
		b.WriteString(": ")
		b.WriteString(is.Reason)
	}
	return b.String()
}

// Unwrap returns ErrInvalidRules.
func (e *RulesError) Unwrap() error { return ErrInvalidRules }

// kindRule is a KindRule with its checks decoded once.
type kindRule struct {
	KindRule
	tenancy, v5c bool
}

// Rules holds a council's document kinds. It is immutable once built and safe
// for concurrent use.
type Rules struct {
	kinds map[Kind]*kindRule
}

// NewRules validates kinds and builds Rules from them. It reports every
// problem at once in a *RulesError: blank or duplicate kinds, blank titles,
// negative or absurd ages, unknown or repeated checks, blank or repeated
// required fields, and FreshForRenewal without a MaxAgeMonths to fall back on.
// The rules keep their own copies of the slices in kinds.
func NewRules(kinds []KindRule) (*Rules, error) {
	var issues []Issue
	add := func(i int, field, format string, args ...any) {
		issues = append(issues, Issue{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	r := &Rules{kinds: make(map[Kind]*kindRule, len(kinds))}
	for i, k := range kinds {
		switch {
		case strings.TrimSpace(string(k.Kind)) == "":
			add(i, "kind", "is blank")
		case strings.TrimSpace(string(k.Kind)) != string(k.Kind):
			add(i, "kind", "%q has spaces around it", k.Kind)
		case r.kinds[k.Kind] != nil:
			add(i, "kind", "%q is listed more than once", k.Kind)
		}
		if strings.TrimSpace(k.Title) == "" {
			add(i, "title", "is blank; it is used in sentences shown to applicants")
		}
		if k.MaxAgeMonths < 0 || k.MaxAgeMonths > maxAgeMonthsLimit {
			add(i, "max_age_months", "is %d; it must be 0 (no limit) to %d", k.MaxAgeMonths, maxAgeMonthsLimit)
		}
		if k.FreshForRenewal && k.MaxAgeMonths == 0 {
			add(i, "fresh_for_renewal", "needs max_age_months, which applies when the previous acceptance date is unknown")
		}
		for j, f := range k.RequiredFields {
			switch {
			case strings.TrimSpace(f) == "":
				add(i, fmt.Sprintf("required_fields[%d]", j), "is blank")
			case slices.Index(k.RequiredFields, f) < j:
				add(i, fmt.Sprintf("required_fields[%d]", j), "%q is listed more than once", f)
			}
		}
		kr := &kindRule{KindRule: k}
		kr.RequiredFields = slices.Clone(k.RequiredFields)
		kr.Checks = slices.Clone(k.Checks)
		for j, c := range k.Checks {
			field := fmt.Sprintf("checks[%d]", j)
			if slices.Index(k.Checks, c) < j {
				add(i, field, "%q is listed more than once", c)
				continue
			}
			switch c {
			case CheckTenancy:
				kr.tenancy = true
			case CheckV5C:
				kr.v5c = true
			default:
				add(i, field, "unknown check %q (want %q or %q)", c, CheckTenancy, CheckV5C)
			}
		}
		if _, dup := r.kinds[k.Kind]; !dup {
			r.kinds[k.Kind] = kr
		}
	}
	if issues != nil {
		return nil, &RulesError{What: "kinds", Issues: issues}
	}
	return r, nil
}

// Kind returns the rule for kind k and whether the rules know it. The rule's
// slices are copies.
func (r *Rules) Kind(k Kind) (KindRule, bool) {
	kr := r.lookup(k)
	if kr == nil {
		return KindRule{}, false
	}
	out := kr.KindRule
	out.RequiredFields = slices.Clone(out.RequiredFields)
	out.Checks = slices.Clone(out.Checks)
	return out, true
}

func (r *Rules) lookup(k Kind) *kindRule {
	if r == nil {
		return nil
	}
	return r.kinds[k]
}

// ValidateRequirements checks requirement groups against the rules and
// reports every problem at once in a *RulesError: blank or repeated names,
// blank titles, empty groups, and kinds that are unknown or repeated within
// a group.
func (r *Rules) ValidateRequirements(reqs []Requirement) error {
	var issues []Issue
	add := func(i int, field, format string, args ...any) {
		issues = append(issues, Issue{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for i, q := range reqs {
		switch {
		case strings.TrimSpace(q.Name) == "":
			add(i, "name", "is blank")
		case slices.IndexFunc(reqs[:i], func(p Requirement) bool { return p.Name == q.Name }) >= 0:
			add(i, "name", "%q is listed more than once", q.Name)
		}
		if strings.TrimSpace(q.Title) == "" {
			add(i, "title", "is blank; it is used in sentences shown to applicants")
		}
		if len(q.OneOf) == 0 {
			add(i, "one_of", "is empty; list at least one kind")
		}
		for j, k := range q.OneOf {
			field := fmt.Sprintf("one_of[%d]", j)
			switch {
			case slices.Index(q.OneOf, k) < j:
				add(i, field, "%q is listed more than once", k)
			case r.lookup(k) == nil:
				add(i, field, "unknown kind %q", k)
			}
		}
	}
	if issues != nil {
		return &RulesError{What: "requirements", Issues: issues}
	}
	return nil
}
