package permit

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// RefusalRetentionRunning refuses an erasure while the scheme's
// Retention.EvidenceMonths still runs for a decision on one of the
// account's applications: the council keeps that evidence for its set
// time after the decision (complaints, appeals, audit), and erasure would
// delete it. The detail gives the date from which an erasure may be done.
const RefusalRetentionRunning = "retention_running"

// Erasure is the answer to a request to erase an account (UK GDPR Article
// 17, docs/PRIVACY.md): whether it was done, every reason it may not be
// done now, and what it reaches (or, refused or a dry run, would reach).
type Erasure struct {
	AccountID string
	DryRun    bool
	// Erased: the account was anonymised now (AnonymiseAccount).
	Erased bool
	// Refused lists every reason it may not be done now; empty when it
	// may (or was).
	Refused []Refusal
	// Permits, AddressChanges and Events count what anonymisation
	// rewrites (or has rewritten).
	Permits, AddressChanges, Events int
	// RetainUntil is the date from which the scheme's retention would
	// anonymise the account by itself (Anonymisation.RetainUntil).
	RetainUntil time.Time
	// At is when it was erased (zero otherwise).
	At time.Time
}

// RequestErasure answers a request to erase an account, made to the
// council (only an officer or the system may ask: a resident asks the
// council, who checks who is asking). It never erases silently what it
// may not: it lists every reason it refuses — a permit live or awaiting a
// decision or payment (permit_live), an address change awaiting a
// decision (address_change_pending), money still owed to or by the
// payment provider (payment_owed), the scheme's evidence retention still
// running for a decision (retention_running), or nothing left to erase
// (already_anonymised). With dryRun it changes nothing and says what it
// would do. Otherwise, when nothing stands in the way, it anonymises the
// account at once (AnonymiseAccount: account.anonymised, reason
// "request").
//
// Errors: ErrNotFound for an unknown account; ErrForbidden for an actor
// other than an officer or the system; a refused request that is not a
// dry run returns the Erasure (with Refused) and a *NotAnonymisableError
// listing the same reasons.
func (s *Service) RequestErasure(ctx context.Context, by Actor, accountID string, dryRun bool) (Erasure, error) {
	if err := by.mayDecide("erase an account"); err != nil {
		return Erasure{}, err
	}
	plan, err := s.PlanAnonymisation(ctx, by, accountID)
	if err != nil {
		return Erasure{}, err
	}
	refused := slices.Clone(plan.Refused)
	if !slices.ContainsFunc(refused, func(r Refusal) bool { return r.Code == RefusalAlreadyAnonymised }) {
		r, err := s.evidenceRetentionRunning(ctx, accountID)
		if err != nil {
			return Erasure{}, err
		}
		if r != nil {
			refused = append(refused, *r)
		}
	}
	if refused == nil {
		refused = []Refusal{}
	}
	out := Erasure{AccountID: accountID, DryRun: dryRun, Refused: refused, Permits: plan.Permits,
		AddressChanges: plan.AddressChanges, Events: plan.Events, RetainUntil: plan.RetainUntil}
	if dryRun {
		return out, nil
	}
	if len(refused) > 0 {
		return out, &NotAnonymisableError{AccountID: accountID, Refused: refused}
	}
	done, err := s.AnonymiseAccount(ctx, by, accountID)
	if err != nil {
		return out, err
	}
	out.Erased, out.At = true, done.At
	out.Permits, out.AddressChanges, out.Events = done.Permits, done.AddressChanges, done.Events
	return out, nil
}

// evidenceRetentionRunning is the retention_running refusal when the
// scheme keeps evidence for a set time after a decision and that time
// still runs for one of the account's decided applications whose evidence
// is still held; nil otherwise.
func (s *Service) evidenceRetentionRunning(ctx context.Context, accountID string) (*Refusal, error) {
	months := s.scheme.Retention.EvidenceMonths
	if months <= 0 {
		return nil, nil
	}
	permits, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.PermitsOfAccount(accountID) })
	if err != nil {
		return nil, err
	}
	today := s.Today()
	var until time.Time
	for _, p := range permits {
		if !p.EvidenceDeletedOn.IsZero() || p.Status == AwaitingPayment || p.Status == PendingReview {
			continue
		}
		if end := addMonths(s.decidedOn(p), months); !today.After(end) && end.After(until) {
			until = end
		}
	}
	if until.IsZero() {
		return nil, nil
	}
	return &Refusal{Code: RefusalRetentionRunning, Detail: fmt.Sprintf(
		"The council keeps the evidence of a decision for %d months after it; for this account that runs until %s, and the account can be erased from the day after.",
		months, until.Format(time.DateOnly))}, nil
}
