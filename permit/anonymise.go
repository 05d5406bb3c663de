package permit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// Anonymisation is what anonymising an account did, or (PlanAnonymisation)
// would do.
//
// The mechanism is redaction in place: the account, its permits, its
// address changes and every event about them are rewritten in the store,
// keeping their IDs, types, zones, dates, prices and the payments'
// amounts and provider references (the council's financial record,
// without the person), and losing the holder's name, email, phone,
// address, UPRN, registrations, the details and files of the evidence,
// and words typed about them (reasons). An account.anonymised event says
// it happened, so that a back office that keeps copies of the feed drops
// the same details. Statistics (counts by type, zone, month) survive.
type Anonymisation struct {
	AccountID      string
	Permits        int // permits rewritten
	AddressChanges int // address changes rewritten
	Events         int // earlier events rewritten in place
	// Refused lists why it may not be done now (PlanAnonymisation);
	// empty when it may. AnonymiseAccount returns them in a
	// *NotAnonymisableError instead.
	Refused []Refusal
	// RetainUntil is the date (in the scheme's time zone, 00:00 UTC) from
	// which the scheme's retention (Retention.AccountMonths) anonymises
	// the account by itself; zero while a permit is live or when the
	// scheme sets no retention for accounts.
	RetainUntil time.Time
	// At is the instant it was done (zero for a plan).
	At time.Time
}

// Refusal is one reason an account may not be anonymised now.
type Refusal struct {
	Code   string // one of the Refusal... codes
	Detail string // one sentence for people
}

// Refusal codes (stable: the HTTP API gives them to clients).
const (
	// RefusalPermitLive: a permit awaits payment, awaits a decision, or
	// is approved and not yet expired.
	RefusalPermitLive = "permit_live"
	// RefusalAddressChangePending: an address change awaits a decision.
	RefusalAddressChangePending = "address_change_pending"
	// RefusalPaymentOwed: a capture, void or refund the payment provider
	// failed is still owed (see PaymentRetry).
	RefusalPaymentOwed = "payment_owed"
	// RefusalAlreadyAnonymised: there is nothing personal left.
	RefusalAlreadyAnonymised = "already_anonymised"
	// refusalRetentionRunning: the due jobs found the account used again
	// since they chose it.
	refusalRetentionRunning = "retention_running"
)

// NotAnonymisableError refuses an anonymisation, with every reason.
type NotAnonymisableError struct {
	AccountID string
	Refused   []Refusal
}

func (e *NotAnonymisableError) Error() string {
	codes := make([]string, len(e.Refused))
	for i, r := range e.Refused {
		codes[i] = r.Code
	}
	return "permit: account " + quote(e.AccountID) + " may not be anonymised now: " + strings.Join(codes, ", ")
}

// Unwrap makes the refusal an ErrConflict: the account's state, not the
// request, stands in the way.
func (e *NotAnonymisableError) Unwrap() error { return ErrConflict }

// Forgetter is what an adapter that keeps something about accounts
// outside the Store offers, so that anonymisation reaches it too: files,
// stored responses for idempotent replays, sessions, webhook deliveries,
// queued notifications, a payment gateway's descriptions. Forget removes
// (or rewrites without the person) everything held about each of the
// accounts; it must be idempotent, because the Service calls it before
// the store is rewritten (a failure then leaves everything as it was, to
// be tried again) and once more after (for anything written meanwhile).
type Forgetter interface {
	Forget(ctx context.Context, accounts []Forgotten) error
}

// Forgotten names one account being anonymised and everything of it an
// adapter may hold, by ID and by value.
type Forgotten struct {
	AccountID        string
	PermitIDs        []string
	AddressChangeIDs []string
	// Values are the personal values being removed (name, email, phone,
	// addresses, UPRNs, registrations, evidence details), each at least
	// three characters long, for an adapter that can find what it holds
	// only by its content.
	Values []string
}

// household is everything the store holds of one account.
type household struct {
	acc     Account
	permits []Permit
	changes []AddressChange
	owed    []PaymentRetry
}

// maxOwedScan bounds the pending payment retries read to find an
// account's: there are few, and officers clear them.
const maxOwedScan = 10000

func readHousehold(tx ReadTx, accountID string) (household, error) {
	var h household
	var err error
	if h.acc, err = tx.Account(accountID); err != nil {
		return h, err
	}
	if h.permits, err = tx.PermitsOfAccount(accountID); err != nil {
		return h, err
	}
	if h.changes, err = tx.AddressChangesOfAccount(accountID); err != nil {
		return h, err
	}
	pending, err := tx.PaymentRetriesPending(maxOwedScan)
	if err != nil {
		return h, err
	}
	for _, r := range pending {
		if r.AccountID == accountID {
			h.owed = append(h.owed, r)
		}
	}
	return h, nil
}

// refusals are the reasons the household may not be anonymised on the date.
func refusals(h household, today time.Time) []Refusal {
	var out []Refusal
	if !h.acc.AnonymisedAt.IsZero() {
		return []Refusal{{Code: RefusalAlreadyAnonymised, Detail: "The account was anonymised on " + date(h.acc.AnonymisedAt) + "."}}
	}
	for _, p := range slices.Backward(h.permits) {
		if p.Live(today) || p.Status == AwaitingPayment || p.Status == PendingReview {
			out = append(out, Refusal{Code: RefusalPermitLive, Detail: "Permit " + p.ID + " is " + string(p.StatusOn(today)) + "."})
		}
	}
	for _, c := range slices.Backward(h.changes) {
		if c.Status == AddressChangePending {
			out = append(out, Refusal{Code: RefusalAddressChangePending, Detail: "Address change " + c.ID + " awaits a decision."})
		}
	}
	for _, r := range h.owed {
		out = append(out, Refusal{Code: RefusalPaymentOwed, Detail: "A " + string(r.Op) + " of permit " + r.PermitID + "'s payment is still owed by the payment provider."})
	}
	return out
}

// lastActivity is the last date anything happened to the household in
// the scheme's time zone: the account's or a permit's or an address
// change's last change, or an approved permit's expiry if later.
func (s *Service) lastActivity(h household) time.Time {
	last := s.today(h.acc.UpdatedAt)
	later := func(d time.Time) {
		if d.After(last) {
			last = d
		}
	}
	for _, p := range h.permits {
		later(s.today(p.UpdatedAt))
		if p.Status == Approved {
			later(p.ExpiresOn)
		}
	}
	for _, c := range h.changes {
		later(s.today(c.CreatedAt))
		if !c.DecidedAt.IsZero() {
			later(s.today(c.DecidedAt))
		}
	}
	return last
}

// retainUntil is the first date on which the scheme's retention lets the
// household be anonymised; zero while something is live, or when the
// scheme keeps accounts without limit.
func (s *Service) retainUntil(h household, today time.Time) time.Time {
	months := s.scheme.Retention.AccountMonths
	if months <= 0 || !h.acc.AnonymisedAt.IsZero() {
		return time.Time{}
	}
	for _, r := range refusals(h, today) {
		if r.Code != RefusalAlreadyAnonymised {
			return time.Time{}
		}
	}
	return addDays(addMonths(s.lastActivity(h), months), 1)
}

// PlanAnonymisation says what AnonymiseAccount would do now, and every
// reason it would refuse (Refused), changing nothing: the dry run of an
// erasure. Errors: ErrNotFound for an unknown account; ErrForbidden for
// an actor other than an officer or the system.
func (s *Service) PlanAnonymisation(ctx context.Context, by Actor, accountID string) (Anonymisation, error) {
	if err := by.mayDecide("anonymise an account"); err != nil {
		return Anonymisation{}, err
	}
	var a Anonymisation
	err := s.store.View(ctx, func(tx ReadTx) error {
		h, err := readHousehold(tx, accountID)
		if err != nil {
			return err
		}
		events, err := tx.EventsOfAccount(accountID)
		if err != nil {
			return err
		}
		today := s.Today()
		a = Anonymisation{AccountID: accountID, Permits: len(h.permits), AddressChanges: len(h.changes), Events: len(events),
			Refused: refusals(h, today), RetainUntil: s.retainUntil(h, today)}
		return nil
	})
	return a, err
}

// AnonymiseAccount takes every personal detail of the account's holder out
// of everything the Store holds (see Anonymisation for what goes and what
// stays), deletes the files of its evidence (Options.Documents) with a
// document.deleted event each, releases the free places its permits held,
// appends account.anonymised (data reason "request") and has every
// Options.Forgetters forget the account. Only an officer (or the system)
// may. Errors: ErrNotFound for an unknown account; ErrForbidden; a
// *NotAnonymisableError (wrapping ErrConflict) listing every reason it may
// not be done now, among them already_anonymised.
func (s *Service) AnonymiseAccount(ctx context.Context, by Actor, accountID string) (Anonymisation, error) {
	if err := by.mayDecide("anonymise an account"); err != nil {
		return Anonymisation{}, err
	}
	done, err := s.anonymiseAccounts(ctx, by, time.Time{}, "request", []string{accountID})
	if err != nil {
		return Anonymisation{}, err
	}
	return done[0], nil
}

// anonymiseAccounts anonymises the accounts, all or none, at the instant
// at (zero: the clock), by the actor, for the reason (request or
// retention): forgetters first, then one transaction, then forgetters
// again.
func (s *Service) anonymiseAccounts(ctx context.Context, by Actor, at time.Time, reason string, ids []string) ([]Anonymisation, error) {
	plans, err := view(ctx, s.store, func(tx ReadTx) ([]household, error) {
		out := make([]household, 0, len(ids))
		for _, id := range ids {
			h, err := readHousehold(tx, id)
			if err != nil {
				return nil, err
			}
			out = append(out, h)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	forgotten := make([]Forgotten, 0, len(plans))
	for _, h := range plans {
		if r := refusals(h, s.today(s.nowOr(at))); len(r) > 0 {
			return nil, &NotAnonymisableError{AccountID: h.acc.ID, Refused: r}
		}
		forgotten = append(forgotten, forgottenOf(h))
	}
	files, err := s.evidenceFiles(ctx, plans)
	if err != nil {
		return nil, err
	}
	// Files and what adapters hold go first: a failure, or a crash before
	// the commit below, leaves the account to be anonymised again (its
	// files then gone without their events), never a history saying
	// something is gone that is still kept.
	for _, byPermit := range files {
		if err := s.deleteFiles(ctx, map[string]map[string][]DocumentFile{"": byPermit}); err != nil {
			return nil, err
		}
	}
	if err := s.forget(ctx, forgotten); err != nil {
		return nil, err
	}
	var done []Anonymisation
	err = s.updateAt(ctx, by, at, func(o *op) error {
		done = done[:0]
		for _, id := range ids {
			a, err := s.anonymiseIn(o, id, reason, files[id])
			if err != nil {
				return err
			}
			done = append(done, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.forget(ctx, forgotten); err != nil && s.forgetFailed != nil {
		s.forgetFailed(err)
	}
	return done, nil
}

func (s *Service) nowOr(at time.Time) time.Time {
	if at.IsZero() {
		return s.Now()
	}
	return at
}

func (s *Service) forget(ctx context.Context, f []Forgotten) error {
	var errs []error
	for _, fg := range s.forgetters {
		if err := fg.Forget(ctx, f); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("permit: forgetting accounts: %w", err)
	}
	return nil
}

// anonymiseIn rewrites one account's household in o's transaction.
func (s *Service) anonymiseIn(o *op, accountID, reason string, files map[string][]DocumentFile) (Anonymisation, error) {
	h, err := readHousehold(o, accountID)
	if err != nil {
		return Anonymisation{}, err
	}
	r := refusals(h, o.today)
	if u := s.retainUntil(h, o.today); reason == "retention" && len(r) == 0 && (u.IsZero() || o.today.Before(u)) {
		r = append(r, Refusal{Code: refusalRetentionRunning, Detail: "The scheme keeps the account until " + date(u) + "."})
	}
	if len(r) > 0 {
		return Anonymisation{}, &NotAnonymisableError{AccountID: accountID, Refused: r}
	}
	a := Anonymisation{AccountID: accountID, Permits: len(h.permits), AddressChanges: len(h.changes), At: o.at}
	released := map[string]bool{}
	for _, p := range h.permits {
		if !p.Free || p.Pool == "" || released[p.ChainID] {
			continue
		}
		pool, ok := poolOf(s.scheme, p.Pool)
		if !ok {
			continue
		}
		claims, err := o.Claims(p.Pool, scopeKey(pool, p.AccountID, p.UPRN))
		if err != nil {
			return a, err
		}
		for _, c := range claims {
			if c.ChainID == p.ChainID {
				if err := o.Release(c); err != nil {
					return a, err
				}
				released[p.ChainID] = true
			}
		}
	}
	for _, p := range h.permits {
		p = redactPermit(p)
		if p.EvidenceDeletedOn.IsZero() {
			p.EvidenceDeletedOn = o.today
		}
		// permit.updated (reason anonymised) carries the redacted permit,
		// so that a mirror of the feed holds no more than the store.
		if err := o.touch(&p, "anonymised", nil); err != nil {
			return a, err
		}
		// After the permit is written: the events carry it as it is now.
		for _, f := range files[p.ID] {
			if err := o.event(EventDocumentDeleted, p.ID, accountID, map[string]string{"document_id": f.ID, "reason": "anonymised"}); err != nil {
				return a, err
			}
		}
	}
	for _, c := range h.changes {
		c = redactChange(c)
		if err := o.UpdateAddressChange(c); err != nil {
			return a, err
		}
	}
	acc := redactAccount(h.acc)
	acc.AnonymisedAt, acc.UpdatedAt = o.at, o.at
	if err := o.UpdateAccount(acc); err != nil {
		return a, err
	}
	events, err := o.EventsOfAccount(accountID)
	if err != nil {
		return a, err
	}
	for _, e := range events {
		r := redactEvent(e)
		if err := o.RewriteEvent(r); err != nil {
			return a, err
		}
		a.Events++
	}
	return a, o.event(EventAccountAnonymised, "", accountID, map[string]string{"reason": reason,
		"permits": strconv.Itoa(a.Permits), "address_changes": strconv.Itoa(a.AddressChanges), "events": strconv.Itoa(a.Events)})
}

// forgottenOf names what adapters may hold of the household.
func forgottenOf(h household) Forgotten {
	f := Forgotten{AccountID: h.acc.ID}
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			v = strings.TrimSpace(v)
			if len(v) >= 3 && !seen[v] {
				seen[v] = true
				f.Values = append(f.Values, v)
			}
		}
	}
	uprn := func(u zones.UPRN) string {
		if u.IsZero() {
			return ""
		}
		return u.String()
	}
	docs := func(ds []evidence.Document) {
		for _, d := range ds {
			add(d.Name, d.Address)
			for _, k := range slices.Sorted(maps.Keys(d.Fields)) {
				add(d.Fields[k])
			}
		}
	}
	add(h.acc.Name, h.acc.Email, h.acc.Phone, h.acc.Address, uprn(h.acc.UPRN))
	for _, p := range h.permits {
		f.PermitIDs = append(f.PermitIDs, p.ID)
		add(string(p.VRM), p.Address, uprn(p.UPRN))
		if c := p.PendingVehicleChange; c != nil {
			add(string(c.VRM))
		}
		if c := p.RegisterCheck; c != nil {
			add(string(c.VRM))
		}
		docs(p.Evidence)
	}
	for _, c := range h.changes {
		f.AddressChangeIDs = append(f.AddressChangeIDs, c.ID)
		add(c.ToAddress, uprn(c.FromUPRN), uprn(c.ToUPRN))
		docs(c.Evidence)
	}
	return f
}

// redactAccount keeps of an account what is not personal: its ID, zone
// and instants.
func redactAccount(a Account) Account {
	return Account{ID: a.ID, Zone: a.Zone, AnonymisedAt: a.AnonymisedAt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}
}

// redactDocs keeps the kinds and dates of the documents only: no name,
// address or reference that was typed from them.
func redactDocs(docs []evidence.Document) []evidence.Document {
	if docs == nil {
		return nil
	}
	out := make([]evidence.Document, len(docs))
	for i, d := range docs {
		out[i] = evidence.Document{Kind: d.Kind, IssuedOn: d.IssuedOn}
	}
	return out
}

// redactPermit keeps of a permit what is not personal: its type, state,
// zone, dates, price and payment (the council's financial record), chain,
// decisions' codes and evidence kinds.
func redactPermit(p Permit) Permit {
	p.VRM, p.UPRN, p.Address = "", 0, ""
	p.PendingVehicleChange, p.RegisterCheck = nil, nil
	p.Evidence = redactDocs(p.Evidence)
	if p.Rejection != nil {
		r := *p.Rejection
		r.Reason = ""
		p.Rejection = &r
	}
	if p.Cancellation != nil {
		c := *p.Cancellation
		c.Reason = ""
		p.Cancellation = &c
	}
	if p.Payment != nil {
		pay := *p.Payment
		pay.NextURL = ""
		if pay.Failure != nil {
			f := *pay.Failure
			f.Detail = ""
			pay.Failure = &f
		}
		p.Payment = &pay
	}
	return p
}

// redactChange keeps of an address change its state, zone, dates and
// evidence kinds.
func redactChange(c AddressChange) AddressChange {
	c.FromUPRN, c.ToUPRN, c.ToAddress = 0, 0, ""
	c.Evidence = redactDocs(c.Evidence)
	if c.Rejection != nil {
		r := *c.Rejection
		r.Reason = ""
		c.Rejection = &r
	}
	return c
}

// eventDataKept are the keys of event data that say nothing about a
// person (codes, IDs, dates, amounts, counts): what anonymisation keeps.
// Everything else (registrations, UPRNs, addresses, contact details,
// reasons in words, provider messages) goes.
var eventDataKept = map[string]bool{
	"type": true, "permit_type": true, "zone": true, "pool": true, "slot": true, "free": true,
	"price": true, "previous_price": true, "amount": true, "refund": true, "captured": true, "capture": true, "void": true,
	"payment_id": true, "payment_status": true, "payment_retry_id": true, "operation": true, "attempts": true, "attempt": true,
	"status": true, "starts_on": true, "expires_on": true, "effective_on": true, "days_before": true, "channel": true,
	"due_on": true, "submitted_on": true, "change_id": true, "address_change_id": true, "renewal_of": true, "renewed_by": true,
	"renewal": true, "replaced_by": true, "superseded_by": true, "freed_by": true, "chain_of": true, "via_permit": true,
	"reason_code": true, "code": true, "provider_code": true, "vehicle_check": true, "changed": true, "next_attempt_at": true,
	"evidence": true, "allowance": true, "scheduled": true, "permit_id": true, "account_id": true, "document_id": true,
	"permits": true, "address_changes": true, "events": true, "protected": true,
}

// eventReasonCodes are the event types whose data reason is a code, not
// words.
var eventReasonCodes = map[EventType]bool{EventPermitUpdated: true, EventDocumentDeleted: true, EventAccountAnonymised: true}

// redactEvent keeps of an event what is not personal: its place, type,
// instant, actor and IDs, the data keys of eventDataKept, and the
// resources it carries, redacted.
func redactEvent(e Event) Event {
	data := make(map[string]string, len(e.Data))
	for k, v := range e.Data {
		if eventDataKept[k] || (k == "reason" && eventReasonCodes[e.Type]) {
			data[k] = v
		} else {
			data[k] = "" // the key stays, so the event keeps its documented shape
		}
	}
	e.Data = data
	if e.Permit != nil {
		p := redactPermit(*e.Permit)
		e.Permit = &p
	}
	if e.Account != nil {
		a := redactAccount(*e.Account)
		e.Account = &a
	}
	if e.AddressChange != nil {
		c := redactChange(*e.AddressChange)
		e.AddressChange = &c
	}
	return e
}
