package eligibility

// The reference implementation of Decide: the straightforward version
// from before Decide was compiled into per-scheme tables (issue 20 item
// 2), kept verbatim apart from its names. It looks permit types and zones
// up in maps, walks the holdings once per limit and once more for the
// pool, and turns dates into time.Time and back to compute an expiry.
// TestDecideMatchesReference and FuzzDecideMatchesReference check that
// Decide gives exactly the same Decision. It shares with Decide only the
// helpers that did not change (sentences, price spans, scopes).

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// refDecider returns what Rules.Decide did before issue 20, with the
// rules validated and indexed once.
func refDecider(r *Rules) func(Request) Decision {
	if r == nil {
		return func(Request) Decision {
			return refused(CodeInvalidRules, "eligibility: Decide called on nil *Rules")
		}
	}
	built, err := NewRules(*r)
	if err != nil {
		return func(Request) Decision { return refused(CodeInvalidRules, err.Error()) }
	}
	ix := refBuildIndex(built)
	return func(req Request) Decision { return ix.decide(&req) }
}

func refToday(at time.Time, loc *time.Location) day {
	return day(civil.In(at, loc).Days())
}

func refExpiryDay(start day, months int) day {
	return dayOf(pricing.ExpiryDate(start.time(), months))
}

type refIndex struct {
	loc      *time.Location
	window   int
	furthest int // Rules.FurthestStartDays; 0: no limit
	types    map[string]*typeRules
	zones    map[string]int // zone ID → position in Rules.Zones
	zoneName []string
	tariffs  *pricing.Tariffs
	// typeList names every permit type for the unknown_permit_type reason.
	typeList string
}

func refBuildIndex(r *Rules) *refIndex {
	ix := &refIndex{
		loc:      r.Location,
		window:   r.RenewalWindowDays,
		furthest: r.FurthestStartDays,
		types:    make(map[string]*typeRules, len(r.PermitTypes)),
		zones:    make(map[string]int, len(r.Zones)),
		zoneName: make([]string, len(r.Zones)),
		tariffs:  r.Tariffs,
	}
	names := make(map[string]string, len(r.PermitTypes))
	var list []string
	for _, pt := range r.PermitTypes {
		ix.types[pt.ID] = &typeRules{
			PermitType: pt,
			apply:      clip(pt.Evidence[evidence.ActionApply]),
			renew:      clip(pt.Evidence[evidence.ActionRenew]),
		}
		names[pt.ID] = pt.Name
		list = append(list, pt.Name+" ("+strconv.Quote(pt.ID)+")")
	}
	ix.typeList = joinWords(list, "and")
	for i, z := range r.Zones {
		ix.zones[z.ID] = i
		ix.zoneName[i] = z.Name
	}
	for i := range r.Pools {
		p := newPoolRules(r.Pools[i], names)
		for _, t := range p.Types {
			ix.types[t].pool = p
		}
	}
	for i := range r.Limits {
		l := &limitRules{Limit: r.Limits[i]}
		var ns []string
		for _, t := range l.Types {
			ns = append(ns, names[t])
			ix.types[t].limits = append(ix.types[t].limits, l)
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

type refDecision struct {
	Decision
	blocked bool
}

func (d *refDecision) block(c Code, detail string) {
	d.Reasons = append(d.Reasons, Reason{Code: c, Detail: detail, Blocking: true})
	d.blocked = true
}

func (ix *refIndex) decide(req *Request) Decision {
	// Four reasons cover every common outcome (a blocking one or two and
	// the free-allowance one) in one allocation.
	d := refDecision{Decision: Decision{Reasons: make([]Reason, 0, 4)}}
	if req.At.IsZero() {
		d.block(CodeInvalidRequest, "The request has no time of decision (At).")
		return d.Decision
	}
	now := refToday(req.At, ix.loc)

	tr := ix.types[req.PermitType]
	if tr == nil {
		d.block(CodeUnknownPermitType, "There is no permit type "+strconv.Quote(req.PermitType)+
			" in this scheme; the permit types are "+ix.typeList+".")
	}
	zi, covered := ix.zones[req.Property.Zone.ID]
	if req.Property.Zone.IsZero() || !covered {
		d.block(CodeOutsideZone, outsideZone(req.Property))
		covered = false
	}
	if tr == nil {
		return d.Decision
	}

	var start day
	var renewed *Holding // the permit being renewed
	switch req.Kind {
	case KindNew:
		d.RequiredEvidence = tr.apply
		start = now
		if !req.StartsOn.IsZero() {
			start = dayOf(req.StartsOn)
			if start < now {
				d.block(CodeStartsInPast, "The permit cannot start on "+start.String()+
					" because that date has passed; the earliest start is today, "+now.String()+".")
			}
			if ix.furthest > 0 && start > now+day(ix.furthest) {
				d.block(CodeStartsTooLate, "The permit cannot start on "+start.String()+
					": a permit can start at most "+strconv.Itoa(ix.furthest)+" days ahead, so the latest start is "+(now+day(ix.furthest)).String()+".")
				return d.Decision
			}
		}
	case KindRenewal:
		d.RequiredEvidence = tr.renew
		if req.RenewalOf == "" {
			d.block(CodeInvalidRequest, "The renewal request does not say which permit to renew (RenewalOf).")
			return d.Decision
		}
		renewed = findHolding(req.Holdings, req.RenewalOf)
		if renewed == nil {
			d.block(CodeNotRenewable, "Permit "+strconv.Quote(req.RenewalOf)+
				" is not one of this property's or account's permits, so it cannot be renewed here.")
			return d.Decision
		}
		start = ix.checkRenewal(&d, tr, renewed, now)
	default:
		d.block(CodeInvalidRequest, "The request kind "+strconv.Quote(string(req.Kind))+
			" is neither \"new\" nor \"renewal\".")
		return d.Decision
	}
	d.StartsOn = start.time()
	d.ExpiresOn = refExpiryDay(start, tr.ValidityMonths).time()

	own := "" // the renewal chain the request continues, which counts as no extra place
	if renewed != nil {
		own = renewed.chain()
	}
	for _, l := range tr.limits {
		if n := refCountChains(req, l.Types, l.Scope, start, own); n >= l.Max {
			d.block(CodeLimitReached, limitReached(l, n, start))
		}
	}

	// Outside the scheme's zones there is no permit to price, so the
	// allowance is not judged either: telling the resident it "would be
	// free" beside "no permit can be issued" would only confuse.
	var allowance Reason
	continues := false
	if p := tr.pool; p != nil && covered {
		d.Pool = p.ID
		slot, cont := refOpenSlot(req, p, start, renewed, own)
		switch {
		case slot == 0 && renewed != nil && renewed.Free:
			allowance = refFreePlaceTaken(req, p, start, renewed, own)
		case slot == 0:
			allowance = Reason{Code: CodeFreeAllowanceUsed, Detail: p.used}
		case req.Pay:
			allowance = Reason{Code: CodePaidByChoice, Detail: p.paidByChoice}
		case cont:
			d.Free, d.FreeSlot, continues = true, slot, true
			allowance = Reason{Code: CodeRenewalContinuesFreePermit, Detail: p.continues}
		default:
			d.Free, d.FreeSlot = true, slot
			allowance = Reason{Code: CodeFreeAllowanceAvailable, Detail: p.available}
		}
	}

	if covered {
		ix.price(&d, tr, zi, req.Property.Zone, start, continues)
	}
	if allowance.Code != "" {
		d.Reasons = append(d.Reasons, allowance)
	}
	d.Eligible = !d.blocked
	return d.Decision
}

// refMaxStackChains is how many distinct renewal chains the counters track
// without allocating; a property with more live permits than this is
// still counted correctly, only more slowly.
const refMaxStackChains = 16

// countChains counts the distinct renewal chains, other than own, with a
// permit of one of types in scope that is live on day on.
func refCountChains(req *Request, types []string, scope Scope, on day, own string) int {
	var buf [refMaxStackChains]string
	seen := buf[:0]
	for i := range req.Holdings {
		h := &req.Holdings[i]
		if !inScope(h, req, scope) || !h.liveOn(on) || !slices.Contains(types, h.Type) {
			continue
		}
		if c := h.chain(); (own == "" || c != own) && !slices.Contains(seen, c) {
			seen = append(seen, c)
		}
	}
	return len(seen)
}

// openSlot returns the place in pool p a new permit starting on start
// would take, or 0 when every place is held by another chain on that day,
// and whether it continues the place of the free permit it renews.
//
// The place is judged on the new permit's start date (R1, decision of
// 2026-12): a free permit's chain holds its place until its expiry, and
// past it only through its renewal (itself a holding, live to its own
// expiry). So a permit that starts after a free permit expires unrenewed
// takes the place, and a later renewal of that chain is paid. The place
// also opens once the free permit is rejected, withdrawn, cancelled or
// ended.
func refOpenSlot(req *Request, p *poolRules, start day, renewed *Holding, own string) (slot int, continues bool) {
	var chainBuf [refMaxStackChains]string
	var slotBuf [refMaxStackChains]int
	chains, held := chainBuf[:0], slotBuf[:0]
	for i := range req.Holdings {
		h := &req.Holdings[i]
		if !h.Free || !inScope(h, req, p.Scope) || !h.liveOn(start) || !slices.Contains(p.Types, h.Type) {
			continue
		}
		c := h.chain()
		if own != "" && c == own {
			continue
		}
		if !slices.Contains(chains, c) {
			chains = append(chains, c)
		}
		held = append(held, h.FreeSlot)
	}
	if len(chains) >= p.Free {
		return 0, false
	}
	if renewed != nil && renewed.Free {
		if s := renewed.FreeSlot; s >= 1 && s <= p.Free && !slices.Contains(held, s) {
			return s, true
		}
	}
	for s := 1; s <= p.Free; s++ {
		if !slices.Contains(held, s) {
			return s, renewed != nil && renewed.Free
		}
	}
	// Fewer chains than places but every place number taken: a chain
	// holds two places, which only inconsistent data can give.
	return 0, false
}

// freePlaceTaken explains why the renewal of a free permit is paid: the
// permits of other chains that hold the pool's places on the renewal's
// first day, applied for while this chain was not yet renewed, or held at
// the property the permit moved to (R7).
func refFreePlaceTaken(req *Request, p *poolRules, start day, renewed *Holding, own string) Reason {
	var takers []string
	for i := range req.Holdings {
		h := &req.Holdings[i]
		if !h.Free || !inScope(h, req, p.Scope) || !h.liveOn(start) || !slices.Contains(p.Types, h.Type) ||
			h.chain() == own || slices.Contains(takers, strconv.Quote(h.ID)) {
			continue
		}
		takers = append(takers, strconv.Quote(h.ID))
	}
	if len(takers) == 0 {
		return Reason{Code: CodeFreeAllowanceUsed, Detail: p.used}
	}
	who := "permit " + takers[0] + " holds"
	if len(takers) > 1 {
		who = "permits " + joinWords(takers, "and") + " hold"
	}
	return Reason{Code: CodeFreePlaceTaken, Detail: "This renewal is not free: " + who +
		" the free allowance for the days after permit " + strconv.Quote(renewed.ID) + " expires on " +
		dayOf(renewed.ExpiresOn).String() + " (applied for before it was renewed, or held there before it moved), so the renewal requires payment."}
}

// checkRenewal applies R5 to the permit being renewed and returns the
// renewal's first day: the day after that permit expires.
func (ix *refIndex) checkRenewal(d *refDecision, tr *typeRules, old *Holding, now day) day {
	expires := dayOf(old.ExpiresOn)
	name := "Permit " + strconv.Quote(old.ID)
	renewable := true
	refuse := func(detail string) {
		d.block(CodeNotRenewable, detail)
		renewable = false
	}
	if !tr.Renewable {
		refuse(strings.ToUpper(article(tr.Name)[:1]) + article(tr.Name)[1:] + " " + tr.Name +
			" cannot be renewed; apply for a new permit instead.")
	}
	if old.Type != tr.ID {
		refuse(name + " is not " + article(tr.Name) + " " + tr.Name + ", so it cannot be renewed as one.")
	}
	if old.Status != StatusApproved {
		refuse(name + " is " + old.Status.describe() + "; only an approved permit can be renewed.")
	}
	if old.RenewedBy != "" {
		refuse(name + " has already been renewed (by permit " + strconv.Quote(old.RenewedBy) + ").")
	}
	// The window only matters for a permit that could be renewed at all:
	// telling someone when they may renew a cancelled permit would mislead.
	if renewable {
		opens := expires - day(ix.window)
		switch {
		case now < opens:
			d.block(CodeRenewalWindowNotOpen, "You can renew from "+opens.String()+", "+
				daysPhrase(ix.window)+" before it expires on "+expires.String()+".")
		case now > expires:
			d.block(CodeRenewalWindowClosed, "This permit expired on "+expires.String()+
				", so it can no longer be renewed; apply for a new permit instead.")
		}
	}
	return expires + 1
}

// price sets the quote and price for a permit starting on start in zone.
// The common case reads a quote NewRules prepared; any other falls back to
// pricing.Quote, which searches the table and formats its sentence on the
// spot.
func (ix *refIndex) price(d *refDecision, tr *typeRules, zi int, zone zones.Zone, start day, continues bool) {
	for _, sp := range tr.prices[zi] {
		if sp.from > start {
			break // spans are in date order: start falls in a gap
		}
		if start > sp.until || sp.quotes == nil {
			continue
		}
		switch {
		case !d.Free:
			d.Quote = sp.quotes.paid
		case continues:
			d.Quote = sp.quotes.freeRenewal
		default:
			d.Quote = sp.quotes.freeNew
		}
		d.Price = d.Quote.Amount
		return
	}
	// No prepared quote: a free permit on a day no tariff is in force, or
	// a row pricing refused to quote in advance. Ask pricing now.
	clause := ""
	if d.Free {
		clause = tr.pool.quoteNew
		if continues {
			clause = tr.pool.quoteRenewal
		}
	}
	q, err := ix.tariffs.Quote(tr.ID, zone.ID, tr.ValidityMonths, start.time(), d.Free, clause)
	if err != nil {
		d.block(CodeNoTariff, "No price is set for "+article(tr.Name)+" "+tr.Name+" in "+zoneName(zone)+
			" on "+start.String()+", so it cannot be issued yet; please contact the council.")
		return
	}
	d.Quote = q
	d.Price = q.Amount
}
