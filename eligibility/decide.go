package eligibility

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// Request asks whether a permit may be applied for or renewed.
type Request struct {
	Kind       Kind   // KindNew or KindRenewal
	PermitType string // permit type ID
	AccountID  string
	Property   zones.Property
	// Holdings are the permits that pools and limits may count: every
	// permit at the property (whichever account holds it) and every permit
	// of the account. The same permit may appear twice; it counts once.
	Holdings []Holding
	// At is the instant of the decision; it is judged as a civil date in
	// the rules' Location, so near midnight in summer the date is the
	// London one, not the UTC one.
	At time.Time
	// StartsOn is the requested first day of a new permit; zero means
	// today. It may not be before today. A renewal ignores it: it starts
	// the day after the permit it renews expires.
	StartsOn time.Time
	// Pay declines a free permit: the applicant pays even though a free
	// one is available, keeping the free allowance for a later permit.
	Pay bool
	// RenewalOf is, for KindRenewal, the ID of the permit to renew; it
	// must be one of Holdings.
	RenewalOf string
}

// Decision is Decide's answer, with every reason for it.
type Decision struct {
	// Eligible is true when no reason blocks the request.
	Eligible bool
	// Free is true when the permit takes a place in its allowance pool.
	// It is worked out even when another reason blocks the request, to
	// tell the resident what would happen once that is resolved, except
	// for a property outside the scheme's zones, where nothing is priced.
	Free bool
	// FreeSlot is the place in the pool the permit takes when Free
	// (1 to the pool's Free): the lowest place no other live renewal chain
	// holds; a renewal of a free permit keeps its chain's place.
	FreeSlot int
	Pool     string          // the pool's ID; "" when the type is in no pool
	Price    decimal.Decimal // what the applicant pays: 0.00 when free
	Quote    pricing.Quote   // the price with its tariff and a sentence saying why
	// StartsOn and ExpiresOn are the permit's first and last days, at
	// 00:00 UTC; zero when they cannot be known (unknown type, or a
	// renewal of a permit that is not among the holdings).
	StartsOn, ExpiresOn time.Time
	// RequiredEvidence lists the documents the action (apply or renew)
	// needs. It shares its memory with the Rules: read it, do not modify it.
	RequiredEvidence []evidence.Requirement
	// Reasons explain the decision: every blocking reason, then the
	// informational ones (whether and why the permit is free).
	Reasons []Reason
}

// Blocking returns the first blocking reason and true, or false when the
// decision is eligible. Package permit uses it to turn a refusal into an
// error code.
func (d Decision) Blocking() (Reason, bool) {
	for _, r := range d.Reasons {
		if r.Blocking {
			return r, true
		}
	}
	return Reason{}, false
}

// Code identifies a reason. Codes are stable: programs (and the HTTP API's
// error codes) depend on them, so they are never renamed.
type Code string

// The reason codes.
const (
	// CodeUnknownPermitType: the scheme has no permit type with that ID.
	CodeUnknownPermitType Code = "unknown_permit_type"
	// CodeOutsideZone: the property is in no permit zone, or in one the
	// scheme does not cover (R2).
	CodeOutsideZone Code = "outside_zone"
	// CodeLimitReached: the property or account already holds as many
	// live permits of those types as a limit allows.
	CodeLimitReached Code = "limit_reached"
	// CodeRenewalWindowNotOpen: too early to renew (R5); the detail gives
	// the first day renewal is possible.
	CodeRenewalWindowNotOpen Code = "renewal_window_not_open"
	// CodeRenewalWindowClosed: the permit has expired; apply again.
	CodeRenewalWindowClosed Code = "renewal_window_closed"
	// CodeNotRenewable: the permit cannot be renewed at all: it is not
	// approved, already renewed, of another type or of a type that is
	// not renewable, or not among the holdings.
	CodeNotRenewable Code = "not_renewable"
	// CodeStartsInPast: the requested start date is before today.
	CodeStartsInPast Code = "starts_in_past"
	// CodeStartsTooLate: the requested start date is further ahead than
	// the scheme's furthest start (Rules.FurthestStartDays).
	CodeStartsTooLate Code = "starts_too_late"
	// CodeFreeAllowanceAvailable (informational): the permit is free.
	CodeFreeAllowanceAvailable Code = "free_allowance_available"
	// CodeFreeAllowanceUsed (informational): the free allowance is taken,
	// so the permit is paid.
	CodeFreeAllowanceUsed Code = "free_allowance_used"
	// CodePaidByChoice (informational): a free place was open but the
	// applicant chose to pay.
	CodePaidByChoice Code = "paid_by_choice"
	// CodeRenewalContinuesFreePermit (informational): a renewal of a free
	// permit is free in the same place.
	CodeRenewalContinuesFreePermit Code = "renewal_continues_free_permit"
	// CodeFreePlaceTaken (informational): the renewal of a free permit is
	// paid because, before it was applied for, another permit took the
	// free place for the days after the renewed permit expires (R1,
	// decision of 2026-12); the detail names that permit.
	CodeFreePlaceTaken Code = "free_place_taken"
	// CodeNoTariff: no tariff prices the permit on its start date.
	CodeNoTariff Code = "no_tariff"
	// CodeInvalidRequest: the request itself is malformed (no At, an
	// unknown Kind, a renewal naming no permit). It is the caller's bug,
	// not the resident's, and should be reported as such.
	CodeInvalidRequest Code = "invalid_request"
	// CodeInvalidRules: Decide was called on Rules that NewRules would
	// refuse; the detail is NewRules' error.
	CodeInvalidRules Code = "invalid_rules"
)

// Reason is one reason for a decision: a stable code for programs and a
// sentence for the resident.
type Reason struct {
	Code     Code
	Detail   string
	Blocking bool // the request is refused for this reason
}

// Decide decides a request against the rules; see the package
// documentation for every rule it applies. It never fails: a refusal is a
// Decision with blocking reasons. It is pure and safe for concurrent use;
// package permit calls it inside the store transaction that inserts the
// permit, so that the holdings it counts cannot change underneath it.
//
// Rules should come from NewRules. Rules built any other way are
// validated and indexed again on every call, which is slow, and if they
// are invalid the decision is blocked with CodeInvalidRules.
func (r *Rules) Decide(req Request) Decision {
	if r == nil {
		return refused(CodeInvalidRules, "eligibility: Decide called on nil *Rules")
	}
	ix := r.idx
	if ix == nil {
		built, err := NewRules(*r)
		if err != nil {
			return refused(CodeInvalidRules, err.Error())
		}
		ix = built.idx
	}
	var d decision
	ix.decide(&d, &req)
	d.finish()
	return d.Decision
}

func refused(c Code, detail string) Decision {
	return Decision{Reasons: []Reason{{Code: c, Detail: detail, Blocking: true}}}
}

// decision accumulates a Decision. Its reasons wait in a fixed array
// until finish copies them into Reasons, so that a decision allocates
// exactly one slice of the size it needs, whatever the path.
type decision struct {
	Decision
	blocking  [4]Reason // the first blocking reasons
	more      []Reason  // any after those
	n         int       // how many blocking reasons
	allowance Reason    // the informational reason; Code "" when none
}

func (d *decision) block(c Code, detail string) {
	r := Reason{Code: c, Detail: detail, Blocking: true}
	if d.n < len(d.blocking) {
		d.blocking[d.n] = r
	} else {
		d.more = append(d.more, r)
	}
	d.n++
}

// finish sets Reasons (every blocking reason, then the allowance one) and
// Eligible.
func (d *decision) finish() {
	n := d.n
	if d.allowance.Code != "" {
		n++
	}
	rs := make([]Reason, n) // never nil: an empty list is an empty slice
	k := copy(rs, d.blocking[:min(d.n, len(d.blocking))])
	k += copy(rs[k:], d.more)
	if d.allowance.Code != "" {
		rs[k] = d.allowance
	}
	d.Reasons = rs
	d.Eligible = d.n == 0
}

// live is a holding that occupies its place on the new permit's first
// day, with the position of its type (-1 for a type the scheme does not
// know), which limits and pools test instead of comparing type IDs.
type live struct {
	h    *Holding
	kind int
}

func (ix *index) decide(d *decision, req *Request) {
	if req.At.IsZero() {
		d.block(CodeInvalidRequest, "The request has no time of decision (At).")
		return
	}
	now := ix.clock.today(req.At)

	var tr *typeRules
	if i := ix.typeIDs.find(req.PermitType); i >= 0 {
		tr = ix.types[i]
	} else {
		d.block(CodeUnknownPermitType, "There is no permit type "+strconv.Quote(req.PermitType)+
			" in this scheme; the permit types are "+ix.typeList+".")
	}
	zi := ix.zones.find(req.Property.Zone.ID)
	covered := zi >= 0 // zone IDs are never blank, so a zone found is not the zero Zone
	if !covered {
		d.block(CodeOutsideZone, outsideZone(req.Property))
	}
	if tr == nil {
		return
	}

	var start day
	var renewed *Holding // the permit being renewed
	switch req.Kind {
	case KindNew:
		d.RequiredEvidence = tr.apply
		if tr.firstApply != nil && FirstApplication(req.AccountID, req.Property.UPRN, req.Holdings) {
			d.RequiredEvidence = tr.firstApply
		}
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
				return
			}
		}
	case KindRenewal:
		d.RequiredEvidence = tr.renew
		if req.RenewalOf == "" {
			d.block(CodeInvalidRequest, "The renewal request does not say which permit to renew (RenewalOf).")
			return
		}
		renewed = findHolding(req.Holdings, req.RenewalOf)
		if renewed == nil {
			d.block(CodeNotRenewable, "Permit "+strconv.Quote(req.RenewalOf)+
				" is not one of this property's or account's permits, so it cannot be renewed here.")
			return
		}
		start = ix.checkRenewal(d, tr, renewed, now)
	default:
		d.block(CodeInvalidRequest, "The request kind "+strconv.Quote(string(req.Kind))+
			" is neither \"new\" nor \"renewal\".")
		return
	}
	d.StartsOn = start.time()
	d.ExpiresOn = expiryDay(start, tr.ValidityMonths).time()

	own := "" // the renewal chain the request continues, which counts as no extra place
	if renewed != nil {
		own = renewed.chain()
	}
	// Outside the scheme's zones there is no permit to price, so the
	// allowance is not judged either: telling the resident it "would be
	// free" beside "no permit can be issued" would only confuse.
	p := tr.pool
	if !covered {
		p = nil
	}
	// Limits and the pool count only the holdings live on the first day:
	// pick those out once, with their type positions.
	var buf [maxStackChains]live
	lives := buf[:0]
	if len(tr.limits) > 0 || p != nil {
		for i := range req.Holdings {
			if h := &req.Holdings[i]; h.liveOn(start) {
				lives = append(lives, live{h, ix.typeIDs.find(h.Type)})
			}
		}
	}
	for _, l := range tr.limits {
		if n := countChains(req, lives, l, own); n >= l.Max {
			d.block(CodeLimitReached, limitReached(l, n, start))
		}
	}

	continues := false
	if p != nil {
		d.Pool = p.ID
		slot, cont := openSlot(req, lives, p, renewed, own)
		switch {
		case slot == 0 && renewed != nil && renewed.Free:
			d.allowance = freePlaceTaken(req, p, start, renewed, own)
		case slot == 0:
			d.allowance = Reason{Code: CodeFreeAllowanceUsed, Detail: p.used}
		case req.Pay:
			d.allowance = Reason{Code: CodePaidByChoice, Detail: p.paidByChoice}
		case cont:
			d.Free, d.FreeSlot, continues = true, slot, true
			d.allowance = Reason{Code: CodeRenewalContinuesFreePermit, Detail: p.continues}
		default:
			d.Free, d.FreeSlot = true, slot
			d.allowance = Reason{Code: CodeFreeAllowanceAvailable, Detail: p.available}
		}
	}

	if covered {
		ix.price(d, tr, zi, req.Property.Zone, start, continues)
	}
}

func findHolding(hs []Holding, id string) *Holding {
	for i := range hs {
		if hs[i].ID == id {
			return &hs[i]
		}
	}
	return nil
}

// inScope reports whether h is counted by a pool or limit of scope for req.
func inScope(h *Holding, req *Request, scope Scope) bool {
	if scope == ScopeAccount {
		return h.AccountID == req.AccountID
	}
	return h.UPRN == req.Property.UPRN
}

// maxStackChains is how many live holdings and distinct renewal chains
// Decide tracks without allocating; a property with more live permits
// than this is still counted correctly, only more slowly.
const maxStackChains = 16

// within reports whether h is counted by a pool or limit of req's account
// (byAccount) or of its property.
func within(h *Holding, req *Request, byAccount bool) bool {
	if byAccount {
		return h.AccountID == req.AccountID
	}
	return h.UPRN == req.Property.UPRN
}

// countChains counts the distinct renewal chains, other than own, with a
// live permit of one of l's types in l's scope.
func countChains(req *Request, lives []live, l *limitRules, own string) int {
	var buf [maxStackChains]string
	seen := buf[:0]
	for _, lv := range lives {
		if !l.counts.has(lv.kind) || !within(lv.h, req, l.byAccount) {
			continue
		}
		if c := lv.h.chain(); (own == "" || c != own) && !slices.Contains(seen, c) {
			seen = append(seen, c)
		}
	}
	return len(seen)
}

// openSlot returns the place in pool p a new permit would take, or 0 when
// every place is held by another chain on its first day (lives are the
// holdings live on that day), and whether it continues the place of the
// free permit it renews.
//
// The place is judged on the new permit's start date (R1, decision of
// 2026-12): a free permit's chain holds its place until its expiry, and
// past it only through its renewal (itself a holding, live to its own
// expiry). So a permit that starts after a free permit expires unrenewed
// takes the place, and a later renewal of that chain is paid. The place
// also opens once the free permit is rejected, withdrawn, cancelled or
// ended.
func openSlot(req *Request, lives []live, p *poolRules, renewed *Holding, own string) (slot int, continues bool) {
	var chainBuf [maxStackChains]string
	var slotBuf [maxStackChains]int
	chains, held := chainBuf[:0], slotBuf[:0]
	for _, lv := range lives {
		h := lv.h
		if !h.Free || !p.counts.has(lv.kind) || !within(h, req, p.byAccount) {
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
func freePlaceTaken(req *Request, p *poolRules, start day, renewed *Holding, own string) Reason {
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
func (ix *index) checkRenewal(d *decision, tr *typeRules, old *Holding, now day) day {
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

func daysPhrase(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// price sets the quote and price for a permit starting on start in zone.
// The common case reads a quote NewRules prepared; any other falls back to
// pricing.Quote, which searches the table and formats its sentence on the
// spot.
func (ix *index) price(d *decision, tr *typeRules, zi int, zone zones.Zone, start day, continues bool) {
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

func zoneName(z zones.Zone) string {
	if z.Name != "" {
		return z.Name
	}
	return "zone " + strconv.Quote(z.ID)
}

func outsideZone(p zones.Property) string {
	where := "This property"
	if !p.Postcode.IsZero() {
		where = "The property at " + p.Postcode.String()
	}
	if p.Zone.IsZero() {
		return where + " is not in a permit zone, so no permit can be issued for it."
	}
	return where + " is in " + zoneName(p.Zone) + ", which this scheme does not cover, so no permit can be issued for it."
}

func limitReached(l *limitRules, n int, on day) string {
	who := "This property"
	if l.Scope == ScopeAccount {
		who = "This account"
	}
	permits := "permits"
	if n == 1 {
		permits = "permit"
	}
	return fmt.Sprintf("%s already has %d %s (%s) current or applied for on %s, and no more than %d are allowed. %s",
		who, n, permits, l.names, on, l.Max, l.Why)
}

// FirstApplication reports whether an application of the account at the
// property uprn is its first there, given the holdings of Request: none of
// the account's holdings at that property was ever issued (approved, then
// perhaps cancelled or ended). A rejected, withdrawn or unpaid application
// proved nothing. Such an application needs the type's
// evidence.ActionFirstApplication groups as well (Decide).
func FirstApplication(accountID string, uprn zones.UPRN, holdings []Holding) bool {
	for _, h := range holdings {
		if h.AccountID != accountID || h.UPRN != uprn {
			continue
		}
		switch h.Status {
		case StatusApproved, StatusCancelled, StatusEnded:
			return false
		}
	}
	return true
}
