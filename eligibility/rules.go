package eligibility

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// PermitType is a kind of permit a scheme issues, such as the Essential
// Carer Permit.
type PermitType struct {
	ID             string // stable identifier, e.g. "essential-carer"
	Name           string // what residents see, e.g. "Essential Carer Permit"
	ValidityMonths int    // how long one permit lasts, e.g. 12
	Renewable      bool
	// Evidence lists, per action, the requirement groups an application
	// must satisfy. Decide reports Evidence[evidence.ActionApply] for a new
	// permit, with Evidence[evidence.ActionFirstApplication] after it for
	// the account's first application at its property, and
	// Evidence[evidence.ActionRenew] for a renewal.
	Evidence map[evidence.Action][]evidence.Requirement
}

// AllowancePool is a number of free permits shared by one or more permit
// types (R1): Leicestershire gives each property one free permit that may
// be an Essential Carer Permit or a Disabled Resident Permit:
//
//	AllowancePool{ID: "carer-and-disabled", Name: "free carer or disabled resident permit",
//		Types: []string{"essential-carer", "disabled-resident"}, Scope: ScopeProperty, Free: 1}
type AllowancePool struct {
	ID    string
	Name  string
	Types []string // permit type IDs; a type belongs to at most one pool
	Scope Scope    // whose permits share the free ones
	Free  int      // how many free permits the pool gives each property or account
}

// Limit caps how many permits of some types a property or account may hold
// at once.
type Limit struct {
	Types []string // permit type IDs counted together
	Scope Scope
	Max   int // at most this many live permits (renewal chains) at a time
	// Why is a sentence for residents that ends the limit_reached reason,
	// e.g. "The council issues up to 2 of these permits per property."
	Why string
}

// Rules are a scheme's eligibility rules. Build them with NewRules, which
// validates them and prepares the indexes Decide reads; do not change a
// *Rules (or the slices and maps it holds) after that. Rules built by
// NewRules are immutable and safe for concurrent use.
type Rules struct {
	// Location is the time zone in which instants are judged as civil
	// dates: Europe/London for UK councils.
	Location    *time.Location
	PermitTypes []PermitType
	Pools       []AllowancePool
	Limits      []Limit
	// RenewalWindowDays is how many days before its expiry date a permit
	// may be renewed (R5: 30). Renewal is allowed from ExpiresOn minus
	// this many days up to and including ExpiresOn.
	RenewalWindowDays int
	// FurthestStartDays is how many days after today a new permit may
	// start at the latest (R1 decision: Leicestershire 90); a later start
	// is refused with CodeStartsTooLate. 0 sets no limit (a Rules literal
	// in a test); a scheme file always sets one.
	FurthestStartDays int
	// Zones are the permit zones the scheme covers; a property in no zone
	// or in a zone not listed here is not eligible.
	Zones   []zones.Zone
	Tariffs *pricing.Tariffs

	idx *index // built by NewRules; nil for a Rules literal
}

// ErrInvalidRules is wrapped by every *RulesError. Check with errors.Is.
var ErrInvalidRules = errors.New("invalid eligibility rules")

// Problem is one thing wrong with the Rules given to NewRules.
type Problem struct {
	// Field locates the problem in the scheme's terms, in snake_case with
	// indexes, e.g. "pools[0].types[1]" or "renewal_window_days".
	Field  string
	Reason string
}

// RulesError lists every problem NewRules found, so that a council can mend
// its scheme file in one pass. It unwraps to ErrInvalidRules.
type RulesError struct {
	Problems []Problem
}

func (e *RulesError) Error() string {
	var b strings.Builder
	b.WriteString("eligibility: invalid rules: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field)
		b.WriteString(": ")
		b.WriteString(p.Reason)
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalidRules) match.
func (e *RulesError) Unwrap() error { return ErrInvalidRules }

// MaxFurthestStartDays is the most Rules.FurthestStartDays may be: two
// years, so that every start date, and the expiry after it, is a date a
// store can hold.
const MaxFurthestStartDays = 731

// maxValidityMonths catches a number of days typed where months were meant.
const maxValidityMonths = 120

// NewRules validates r and returns a copy of it with the indexes Decide
// needs. Every problem is reported at once in a *RulesError wrapping
// ErrInvalidRules:
//
//   - a missing Location or Tariffs;
//   - no permit types; a blank, padded or repeated type ID; a blank name;
//     ValidityMonths outside 1 to 120; evidence for an unknown action;
//   - a pool with a blank or repeated ID, a blank name, an unknown scope,
//     Free below 0, no types, or a type that is unknown, repeated, or
//     already in another pool;
//   - a limit with no types, an unknown or repeated type, an unknown
//     scope, Max below 1, or no Why;
//   - RenewalWindowDays below 0; FurthestStartDays below 0 or above
//     MaxFurthestStartDays;
//   - no zones, or a zone with a blank or repeated ID or a blank name;
//   - a permit type that no tariff row can price in some zone of the
//     scheme for its ValidityMonths, and tariff rows for unknown types.
//
// The result holds its own copies of the slices and maps in r.
func NewRules(r Rules) (*Rules, error) {
	v := validator{}
	v.check(&r)
	if len(v.problems) > 0 {
		return nil, &RulesError{Problems: v.problems}
	}
	out := &Rules{
		Location:          r.Location,
		PermitTypes:       make([]PermitType, len(r.PermitTypes)),
		Pools:             make([]AllowancePool, len(r.Pools)),
		Limits:            make([]Limit, len(r.Limits)),
		RenewalWindowDays: r.RenewalWindowDays,
		FurthestStartDays: r.FurthestStartDays,
		Zones:             slices.Clone(r.Zones),
		Tariffs:           r.Tariffs,
	}
	for i, pt := range r.PermitTypes {
		pt.Evidence = maps.Clone(pt.Evidence)
		for a, reqs := range pt.Evidence {
			reqs = slices.Clone(reqs)
			for j := range reqs {
				reqs[j].OneOf = slices.Clone(reqs[j].OneOf)
			}
			pt.Evidence[a] = reqs
		}
		out.PermitTypes[i] = pt
	}
	for i, p := range r.Pools {
		p.Types = slices.Clone(p.Types)
		out.Pools[i] = p
	}
	for i, l := range r.Limits {
		l.Types = slices.Clone(l.Types)
		out.Limits[i] = l
	}
	out.idx = buildIndex(out)
	return out, nil
}

type validator struct{ problems []Problem }

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// checkID reports a blank or padded identifier and one seen before.
func (v *validator) checkID(field, id string, seen map[string]bool) {
	switch {
	case strings.TrimSpace(id) == "":
		v.add(field, "is blank")
	case strings.TrimSpace(id) != id:
		v.add(field, "%q has spaces around it", id)
	case seen[id]:
		v.add(field, "%q is listed more than once", id)
	}
	seen[id] = true
}

func (v *validator) check(r *Rules) {
	if r.Location == nil {
		v.add("location", "is missing; UK councils use Europe/London")
	}
	if r.Tariffs == nil {
		v.add("tariffs", "are missing")
	}

	types := make(map[string]bool, len(r.PermitTypes))
	if len(r.PermitTypes) == 0 {
		v.add("permit_types", "lists no permit types")
	}
	for i, pt := range r.PermitTypes {
		f := fmt.Sprintf("permit_types[%d]", i)
		v.checkID(f+".id", pt.ID, types)
		if strings.TrimSpace(pt.Name) == "" {
			v.add(f+".name", "is blank; it is shown to residents")
		}
		if pt.ValidityMonths < 1 || pt.ValidityMonths > maxValidityMonths {
			v.add(f+".validity_months", "is %d; it must be 1 to %d", pt.ValidityMonths, maxValidityMonths)
		}
		for _, a := range slices.Sorted(maps.Keys(pt.Evidence)) {
			if !a.Valid() {
				v.add(f+".evidence", "unknown action %q", a)
			}
		}
	}

	inPool := make(map[string]string) // type ID → the pool it is in
	poolIDs := make(map[string]bool, len(r.Pools))
	for i, p := range r.Pools {
		f := fmt.Sprintf("pools[%d]", i)
		v.checkID(f+".id", p.ID, poolIDs)
		if strings.TrimSpace(p.Name) == "" {
			v.add(f+".name", "is blank")
		}
		if !p.Scope.Valid() {
			v.add(f+".scope", "%q is not %q or %q", p.Scope, ScopeProperty, ScopeAccount)
		}
		if p.Free < 0 {
			v.add(f+".free", "is %d; it must be 0 or more", p.Free)
		}
		v.checkTypes(f, p.Types, types)
		for j, t := range p.Types {
			if !types[t] || slices.Index(p.Types, t) < j {
				continue // reported by checkTypes
			}
			if other, ok := inPool[t]; ok {
				v.add(fmt.Sprintf("%s.types[%d]", f, j), "%q is already in pool %q; a permit type shares one free allowance at most", t, other)
				continue
			}
			inPool[t] = p.ID
		}
	}

	for i, l := range r.Limits {
		f := fmt.Sprintf("limits[%d]", i)
		v.checkTypes(f, l.Types, types)
		if !l.Scope.Valid() {
			v.add(f+".scope", "%q is not %q or %q", l.Scope, ScopeProperty, ScopeAccount)
		}
		if l.Max < 1 {
			v.add(f+".max", "is %d; it must be 1 or more", l.Max)
		}
		if strings.TrimSpace(l.Why) == "" {
			v.add(f+".why", "is blank; it tells residents why the limit exists")
		}
	}

	if r.RenewalWindowDays < 0 {
		v.add("renewal_window_days", "is %d; it must be 0 or more", r.RenewalWindowDays)
	}
	if r.FurthestStartDays < 0 || r.FurthestStartDays > MaxFurthestStartDays {
		v.add("furthest_start_days", "is %d; it must be 0 to %d days", r.FurthestStartDays, MaxFurthestStartDays)
	}

	zoneIDs := make(map[string]bool, len(r.Zones))
	if len(r.Zones) == 0 {
		v.add("zones", "lists no zones; no property could be eligible")
	}
	for i, z := range r.Zones {
		f := fmt.Sprintf("zones[%d]", i)
		v.checkID(f+".id", z.ID, zoneIDs)
		if strings.TrimSpace(z.Name) == "" {
			v.add(f+".name", "is blank; it is shown to residents")
		}
	}

	if r.Tariffs != nil {
		v.checkTariffs(r, types)
	}
}

func (v *validator) checkTypes(f string, ts []string, known map[string]bool) {
	if len(ts) == 0 {
		v.add(f+".types", "lists no permit types")
	}
	for j, t := range ts {
		switch {
		case !known[t]:
			v.add(fmt.Sprintf("%s.types[%d]", f, j), "unknown permit type %q", t)
		case slices.Index(ts, t) < j:
			v.add(fmt.Sprintf("%s.types[%d]", f, j), "%q is listed more than once", t)
		}
	}
}

// checkTariffs makes sure every permit type can be priced in every zone of
// the scheme for its validity, on some date: a gap in time is the council's
// choice (a price not yet set) and Decide reports it as no_tariff, but a
// type with no price at all in a zone is a mistake in the scheme.
func (v *validator) checkTariffs(r *Rules, types map[string]bool) {
	rows := r.Tariffs.Rows()
	for i, row := range rows {
		if !types[row.PermitType] {
			v.add(fmt.Sprintf("tariffs[%d]", i), "prices unknown permit type %q", row.PermitType)
		}
	}
	var zoneIDs []string
	for _, z := range r.Zones {
		if strings.TrimSpace(z.ID) != "" && !slices.Contains(zoneIDs, z.ID) {
			zoneIDs = append(zoneIDs, z.ID)
		}
	}
	for i, pt := range r.PermitTypes {
		if pt.ValidityMonths < 1 || pt.ValidityMonths > maxValidityMonths || strings.TrimSpace(pt.ID) == "" {
			continue // already reported; a price for it would mean nothing
		}
		var missing []string
		for _, z := range zoneIDs {
			ok := slices.ContainsFunc(rows, func(row pricing.Tariff) bool {
				return row.PermitType == pt.ID && (row.Zone == "" || row.Zone == z) &&
					(row.DurationMonths == 0 || row.DurationMonths == pt.ValidityMonths)
			})
			if !ok {
				missing = append(missing, strconv.Quote(z))
			}
		}
		switch len(missing) {
		case 0:
		case 1:
			v.add(fmt.Sprintf("permit_types[%d]", i), "no tariff prices %q for %d months in zone %s",
				pt.ID, pt.ValidityMonths, missing[0])
		default:
			v.add(fmt.Sprintf("permit_types[%d]", i), "no tariff prices %q for %d months in zones %s",
				pt.ID, pt.ValidityMonths, joinWords(missing, "and"))
		}
	}
}
