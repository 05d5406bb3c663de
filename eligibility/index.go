package eligibility

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
)

// index is what NewRules prepares so that Decide does no formatting, no
// map look-up, no map building and no sorting on its common path: each
// permit type knows its position, its pool, its limits, its evidence and
// its quotes, each pool and limit which type positions it counts, and
// each pool its reason sentences.
type index struct {
	clock    clock // Rules.Location's offsets from UTC
	window   int
	furthest int          // Rules.FurthestStartDays; 0: no limit
	types    []*typeRules // in the order of Rules.PermitTypes
	typeIDs  idTable      // permit type ID → position in types
	zones    idTable      // zone ID → position in Rules.Zones
	tariffs  *pricing.Tariffs
	// typeList names every permit type for the unknown_permit_type reason.
	typeList string
}

// idTable finds the position of an ID without a map, which would hash the
// ID on every look-up: a scan for a few IDs (a scheme has a handful of
// permit types and usually few zones), a binary search over the sorted IDs
// for more. IDs are unique and never blank (NewRules checks), so "" is
// never found.
type idTable struct {
	ids    []string
	pos    []int // pos[i] is the position of ids[i]
	sorted bool
}

// scanIDs is how many IDs an idTable scans before it searches instead.
const scanIDs = 8

func newIDTable(ids []string) idTable {
	t := idTable{ids: slices.Clone(ids), pos: make([]int, len(ids))}
	for i := range t.pos {
		t.pos[i] = i
	}
	if len(ids) > scanIDs {
		slices.SortFunc(t.pos, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
		for i, p := range t.pos {
			t.ids[i] = ids[p]
		}
		t.sorted = true
	}
	return t
}

// find returns the position of id, or -1.
func (t *idTable) find(id string) int {
	if !t.sorted {
		for i, s := range t.ids {
			if s == id {
				return t.pos[i]
			}
		}
		return -1
	}
	if i, ok := slices.BinarySearch(t.ids, id); ok {
		return t.pos[i]
	}
	return -1
}

type typeRules struct {
	PermitType
	pos          int                    // in index.types
	apply, renew []evidence.Requirement // capacity clipped: an append by the caller copies
	// firstApply is apply with the first application's own groups
	// (evidence.ActionFirstApplication) after it, each group once; nil
	// when the type has none.
	firstApply []evidence.Requirement
	pool       *poolRules // nil when the type is in no pool
	limits     []*limitRules
	// prices holds, per zone position, the quotes in force over time, so
	// that Decide neither searches the tariff table nor formats a quote.
	prices [][]priceSpan
}

// priceSpan is a run of days (both ends inclusive) on which the same tariff
// row prices a type in a zone, with its quotes prepared.
type priceSpan struct {
	from, until day
	quotes      *cachedQuote // nil if pricing refused to quote: Decide then asks again
}

type cachedQuote struct {
	paid, freeNew, freeRenewal pricing.Quote
}

// lastDay stands for "open-ended".
const lastDay = day(1<<63 - 1)

type poolRules struct {
	AllowancePool
	counts    typeSet // the pool's types
	byAccount bool    // Scope is ScopeAccount
	// Reason sentences for residents, one per outcome.
	available, used, paidByChoice, continues string
	// Clauses for pricing.Quote, which writes "Free: <clause>.".
	quoteNew, quoteRenewal string
}

type limitRules struct {
	Limit
	counts    typeSet // the limit's types
	byAccount bool    // Scope is ScopeAccount
	names     string  // "Essential Carer Permit or Disabled Resident Permit"
}

// typeSet holds, for each permit type position, whether a pool or limit
// counts that type.
type typeSet []bool

// has reports whether the type at position i is in the set; -1 (a type
// the scheme does not know) never is.
func (s typeSet) has(i int) bool { return i >= 0 && s[i] }

func newTypeSet(ix *index, types []string) typeSet {
	s := make(typeSet, len(ix.types))
	for _, t := range types {
		s[ix.typeIDs.find(t)] = true
	}
	return s
}

func buildIndex(r *Rules) *index {
	ix := &index{
		clock:    newClock(r.Location),
		window:   r.RenewalWindowDays,
		furthest: r.FurthestStartDays,
		types:    make([]*typeRules, len(r.PermitTypes)),
		tariffs:  r.Tariffs,
	}
	names := make(map[string]string, len(r.PermitTypes))
	ids := make([]string, len(r.PermitTypes))
	var list []string
	for i, pt := range r.PermitTypes {
		ix.types[i] = &typeRules{
			PermitType: pt,
			pos:        i,
			apply:      clip(pt.Evidence[evidence.ActionApply]),
			renew:      clip(pt.Evidence[evidence.ActionRenew]),
			firstApply: withFirst(pt.Evidence[evidence.ActionApply], pt.Evidence[evidence.ActionFirstApplication]),
		}
		ids[i] = pt.ID
		names[pt.ID] = pt.Name
		list = append(list, pt.Name+" ("+strconv.Quote(pt.ID)+")")
	}
	ix.typeIDs = newIDTable(ids)
	ix.typeList = joinWords(list, "and")
	zoneIDs := make([]string, len(r.Zones))
	for i, z := range r.Zones {
		zoneIDs[i] = z.ID
	}
	ix.zones = newIDTable(zoneIDs)
	byID := func(id string) *typeRules { return ix.types[ix.typeIDs.find(id)] }
	for i := range r.Pools {
		p := newPoolRules(r.Pools[i], names)
		p.counts = newTypeSet(ix, p.Types)
		p.byAccount = p.Scope == ScopeAccount
		for _, t := range p.Types {
			byID(t).pool = p
		}
	}
	for i := range r.Limits {
		l := &limitRules{Limit: r.Limits[i]}
		l.counts = newTypeSet(ix, l.Types)
		l.byAccount = l.Scope == ScopeAccount
		var ns []string
		for _, t := range l.Types {
			ns = append(ns, names[t])
			byID(t).limits = append(byID(t).limits, l)
		}
		l.names = joinWords(ns, "or")
	}
	for _, tr := range ix.types {
		tr.prices = make([][]priceSpan, len(r.Zones))
		for zi, z := range r.Zones {
			tr.prices[zi] = priceSpans(r.Tariffs, tr, z.ID)
		}
	}
	return ix
}

// priceSpans asks pricing which row prices the type in one zone on every
// day a row for the type begins or ends. Which row PriceOn picks depends
// only on which rows are in force, and that changes only on those days,
// so between two of them the answer stands.
func priceSpans(t *pricing.Tariffs, tr *typeRules, zone string) []priceSpan {
	var bounds []day
	for _, row := range t.Rows() {
		if row.PermitType != tr.ID {
			continue
		}
		bounds = append(bounds, dayOf(row.From))
		if !row.Until.IsZero() {
			bounds = append(bounds, dayOf(row.Until)+1)
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	var spans []priceSpan
	var cache []*cachedQuote
	for i, b := range bounds {
		row, err := t.PriceOn(tr.ID, zone, tr.ValidityMonths, b.time())
		if err != nil {
			continue // a gap: no_tariff for a paid permit
		}
		until := lastDay
		if i+1 < len(bounds) {
			until = bounds[i+1] - 1
		}
		q := findQuote(cache, row)
		if q == nil {
			q = quotesFor(t, tr, zone, b.time())
			if q != nil {
				cache = append(cache, q)
			}
		}
		if n := len(spans); n > 0 && spans[n-1].until == b-1 && spans[n-1].quotes == q && q != nil {
			spans[n-1].until = until
			continue
		}
		spans = append(spans, priceSpan{from: b, until: until, quotes: q})
	}
	return spans
}

// quotesFor prepares the paid and free quotes for a permit starting on.
func quotesFor(t *pricing.Tariffs, tr *typeRules, zone string, on time.Time) *cachedQuote {
	var c cachedQuote
	var err error
	if c.paid, err = t.Quote(tr.ID, zone, tr.ValidityMonths, on, false, ""); err != nil {
		return nil
	}
	if tr.pool != nil {
		// A type in no pool is never free, so it needs no free quotes.
		if c.freeNew, err = t.Quote(tr.ID, zone, tr.ValidityMonths, on, true, tr.pool.quoteNew); err != nil {
			return nil
		}
		if c.freeRenewal, err = t.Quote(tr.ID, zone, tr.ValidityMonths, on, true, tr.pool.quoteRenewal); err != nil {
			return nil
		}
	}
	return &c
}

// findQuote returns the prepared quotes priced by row. Rows of one group
// never overlap, so the group and the first day identify a row.
func findQuote(qs []*cachedQuote, row pricing.Tariff) *cachedQuote {
	for _, q := range qs {
		t := &q.paid.Tariff
		if t.From.Equal(row.From) && t.PermitType == row.PermitType && t.Zone == row.Zone && t.DurationMonths == row.DurationMonths {
			return q
		}
	}
	return nil
}

func newPoolRules(p AllowancePool, names map[string]string) *poolRules {
	pr := &poolRules{AllowancePool: p}
	var withArticle, bare []string
	for _, t := range p.Types {
		withArticle = append(withArticle, article(names[t])+" "+names[t])
		bare = append(bare, "the "+names[t])
	}
	kinds := joinWords(withArticle, "or")
	each, this := "each property", "this property"
	if p.Scope == ScopeAccount {
		each, this = "each account", "this account"
	}
	var allowance string
	switch p.Free {
	case 0:
		pr.available = "This permit is free."
		pr.used = "This permit is not free: the scheme gives no free permits of this kind, so it requires payment."
	case 1:
		allowance = each + " gets 1 free permit, which can be " + kinds
		pr.available = "This permit is free: " + allowance + ", and " + this + " has not used it."
		pr.used = "This permit is not free: " + allowance + ", and " + this + " already has it, so further permits require payment."
	default:
		allowance = each + " gets " + strconv.Itoa(p.Free) + " free permits, each of which can be " + kinds
		pr.available = "This permit is free: " + allowance + ", and " + this + " has not used them all."
		pr.used = "This permit is not free: " + allowance + ", and " + this + " already has them all, so further permits require payment."
	}
	pr.paidByChoice = "You chose to pay for this permit, so the free allowance of " + this + " stays available for a later permit."
	pr.continues = "This renewal continues a free permit, so it is free too and keeps its place in the free allowance of " + this + "."
	per := "1 permit"
	if p.Free != 1 {
		per = strconv.Itoa(p.Free) + " permits"
	}
	per += " per " + strings.TrimPrefix(each, "each ")
	if len(bare) == 1 {
		pr.quoteNew = "the free allowance of " + per + " for " + bare[0]
	} else {
		pr.quoteNew = "the free allowance of " + per + ", shared by " + joinWords(bare, "and")
	}
	pr.quoteRenewal = "the renewal of a free permit keeps its place in the free allowance"
	return pr
}

// article returns "an" before a vowel letter and "a" otherwise: good
// enough for permit names, which are written by councils in English.
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		return "an"
	}
	return "a"
}

// joinWords lists words as a sentence does: "a", "a or b", "a, b or c".
func joinWords(ws []string, conj string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " " + conj + " " + ws[len(ws)-1]
}

// clip returns s with its capacity cut to its length, so that a caller who
// appends to a Decision's slice copies it instead of writing into the
// Rules' own array.
func clip[T any](s []T) []T { return s[:len(s):len(s)] }

// withFirst is apply followed by the groups of first not already in it,
// or nil when first adds nothing.
func withFirst(apply, first []evidence.Requirement) []evidence.Requirement {
	out := slices.Clone(apply)
	for _, q := range first {
		if !slices.ContainsFunc(out, func(p evidence.Requirement) bool { return p.Name == q.Name }) {
			out = append(out, q)
		}
	}
	if len(out) == len(apply) {
		return nil
	}
	return clip(out)
}
