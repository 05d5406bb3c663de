package permit

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/zones"
)

// Store persists accounts, permits, address changes, allowance claims,
// payment retries and the event log. Implementations: adapters/memstore (reference) and
// adapters/sqlstore; permit/permittest is the suite every one must pass.
//
// Writes go through Update so that the rules run inside the transaction:
// the free-allowance check and the insert that uses it are one atomic step.
type Store interface {
	// Update runs fn in a read-write transaction and commits when fn
	// returns nil. When fn returns an error nothing it wrote is kept and
	// Update returns that very error. A panic in fn keeps nothing and
	// reaches the caller. An implementation may run fn more than once
	// (retrying a serialization failure), so fn must not have effects
	// outside tx, and must not call the store itself (a nested View or
	// Update may deadlock). When ctx ends before or during fn nothing is
	// committed and the error wraps ctx's. Errors of its own wrap
	// ErrConflict (a concurrent writer won; the caller may retry) or
	// describe the failure.
	Update(ctx context.Context, fn func(Tx) error) error

	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(ReadTx) error) error

	// Events returns up to limit events committed after the cursor (""
	// for the start), in feed order, and the cursor to pass next time
	// (unchanged when there is nothing new). Event IDs increase in feed
	// order when compared as strings. A reader that pages with the
	// returned cursors sees every committed event exactly once, even when
	// transactions commit out of order. A malformed cursor or a limit
	// below 1 wraps ErrValidation.
	Events(ctx context.Context, after string, limit int) (events []Event, next string, err error)
}

// VehicleLookup is what a Store may add for the enforcement look-up, the
// busiest read: PermitsByVRM with ReadTx.PermitsByVRM's answer, read
// without opening a transaction (one statement needs no snapshot beyond
// its own). CheckVehicle uses it when the Store has it and View otherwise.
//
// A Store that wraps another (to log, trace or count its calls) hides the
// wrapped store's VehicleLookup, as any Go wrapper hides the optional
// interfaces of what it wraps, and the look-up then silently takes the
// slower View. A wrapper keeps the fast path either by implementing
// VehicleLookup itself or, more simply, by offering the wrapped store
// (StoreUnwrapper): the Service then looks for VehicleLookup along the
// chain of Unwrap calls.
type VehicleLookup interface {
	PermitsByVRM(ctx context.Context, vrm VRM) ([]Permit, error)
}

// StoreUnwrapper is the convention by which a Store that wraps another
// offers it, as errors.Unwrap does for errors: Unwrap returns the wrapped
// Store. The Service uses it only to find the optional interfaces
// (VehicleLookup) of the stores underneath; every transaction still goes
// through the outermost Store. A wrapper that must see every read (one
// that filters or audits reads) should not offer Unwrap.
type StoreUnwrapper interface {
	Unwrap() Store
}

// ReadTx is the reading half of a transaction. Slices are the caller's to
// keep; values are copies, so changing one changes nothing stored.
type ReadTx interface {
	// Account returns the account; ErrNotFound when there is none.
	Account(id string) (Account, error)
	// Permit returns the permit; ErrNotFound when there is none.
	Permit(id string) (Permit, error)
	// AddressChange returns the address change; ErrNotFound when there is none.
	AddressChange(id string) (AddressChange, error)

	// PermitsOfAccount returns every permit of the account, newest
	// (CreatedAt, then ID) first. No permits is an empty slice, not an error.
	PermitsOfAccount(accountID string) ([]Permit, error)
	// PermitsAtProperty returns every permit, of any account, whose UPRN is uprn.
	PermitsAtProperty(uprn zones.UPRN) ([]Permit, error)
	// PermitsAtPropertyOrOfAccount returns, each once and in ID order,
	// every permit whose UPRN is uprn and every permit of the account:
	// all that counts towards an application there, in one read.
	PermitsAtPropertyOrOfAccount(uprn zones.UPRN, accountID string) ([]Permit, error)
	// AccountsAtProperty returns every account whose UPRN is uprn.
	AccountsAtProperty(uprn zones.UPRN) ([]Account, error)
	// Claims returns the held free slots of a pool in one scope, by slot.
	Claims(pool, scopeKey string) ([]Claim, error)

	// PermitsExpiringBetween returns approved permits not yet renewed
	// (RenewedBy empty) whose ExpiresOn is within [from, to], by expiry
	// then ID: the candidates for expiry reminders.
	PermitsExpiringBetween(from, to time.Time) ([]Permit, error)
	// VehicleChangesDue returns permits with a PendingVehicleChange whose
	// EffectiveOn is on or before the date, by EffectiveOn then ID.
	VehicleChangesDue(on time.Time) ([]Permit, error)
	// PermitsAwaitingPaymentSince returns permits in AwaitingPayment created
	// at or before the instant (waiting since then or longer), oldest first.
	PermitsAwaitingPaymentSince(before time.Time) ([]Permit, error)
	// PendingReview returns up to limit permits in PendingReview, oldest
	// (CreatedAt, then ID) first. A limit below 1 wraps ErrValidation.
	PendingReview(limit int) ([]Permit, error)
	// AddressChangesOfAccount returns every address change of the account,
	// newest (CreatedAt, then ID) first. None is an empty slice, not an
	// error.
	AddressChangesOfAccount(accountID string) ([]AddressChange, error)
	// PendingAddressChanges returns up to limit address changes pending
	// review, oldest (CreatedAt, then ID) first. A limit below 1 wraps
	// ErrValidation.
	PendingAddressChanges(limit int) ([]AddressChange, error)

	// PermitsVehicleUnchecked returns every permit whose RegisterCheck's
	// Outcome is VehicleUnchecked, by ID: what the due jobs ask the
	// register of vehicles about again.
	PermitsVehicleUnchecked() ([]Permit, error)

	// PermitsByVRM returns every permit, in any state, whose VRM is vrm or
	// whose PendingVehicleChange's VRM is vrm, by ID: the candidates of an
	// enforcement look-up. No permits is an empty slice, not an error.
	PermitsByVRM(vrm VRM) ([]Permit, error)
	// ReviewsOverdueBefore returns permits in PendingReview created before
	// the instant whose ReviewOverdueOn is zero, oldest (CreatedAt, then
	// ID) first: the candidates for a review-deadline breach.
	ReviewsOverdueBefore(createdBefore time.Time) ([]Permit, error)
	// AddressChangesOverdueOn returns address changes pending review whose
	// DueOn is before the date and whose ReviewOverdueOn is zero, oldest
	// (CreatedAt, then ID) first.
	AddressChangesOverdueOn(on time.Time) ([]AddressChange, error)

	// EventsOfPermit returns the events about a permit (those whose
	// PermitID is permitID), in feed order: its history. Events appended
	// in the same transaction are not among them (they take their place
	// in the feed at commit). An unknown permit, or "", has no events: an
	// empty slice, not an error.
	EventsOfPermit(permitID string) ([]Event, error)
	// EventsOfAccount returns the events about an account (those whose
	// AccountID is accountID: its own events and its permits' and address
	// changes'), in feed order: what a subject access export lists and
	// the record of who looked at it. Events appended in the same
	// transaction are not among them. An unknown account, or "", has no
	// events: an empty slice, not an error.
	EventsOfAccount(accountID string) ([]Event, error)
	// PermitsCurrentOn returns up to limit approved permits valid on the
	// date (StartsOn <= on <= ExpiresOn), by ID, starting after afterID
	// ("" for the first page): the pages of an export of current permits.
	// A limit below 1 wraps ErrValidation.
	PermitsCurrentOn(on time.Time, afterID string, limit int) ([]Permit, error)

	// PaymentRetry returns the payment retry record; ErrNotFound when
	// there is none.
	PaymentRetry(id string) (PaymentRetry, error)
	// PaymentRetriesDue returns up to limit pending payment retries whose
	// NextAttemptAt is at or before the instant, by NextAttemptAt then ID:
	// what the due jobs ask the provider for. A limit below 1 wraps
	// ErrValidation.
	PaymentRetriesDue(at time.Time, limit int) ([]PaymentRetry, error)
	// PaymentRetriesPending returns up to limit pending payment retries,
	// oldest (CreatedAt, then ID) first: what officers watch. A limit
	// below 1 wraps ErrValidation.
	PaymentRetriesPending(limit int) ([]PaymentRetry, error)

	// SearchAccounts returns up to q.Limit accounts matching q (as
	// AccountQuery.MatchAccount says), in ID order, after q.AfterID. None
	// is an empty slice. A limit below 1 wraps ErrValidation.
	SearchAccounts(q AccountQuery) ([]Account, error)
	// SearchPermits returns up to q.Limit permits matching q (as
	// PermitQuery.MatchPermit says, with the permit's account), in ID
	// order, after q.AfterID. None is an empty slice. A limit below 1
	// wraps ErrValidation.
	SearchPermits(q PermitQuery) ([]Permit, error)
	// PendingReviewAfter is PendingReview from a place in the queue: the
	// permits in PendingReview whose (CreatedAt, ID) comes after (at, id),
	// oldest first; a zero at starts at the beginning.
	PendingReviewAfter(at time.Time, id string, limit int) ([]Permit, error)
	// PendingAddressChangesAfter is PendingAddressChanges from a place in
	// the queue, as PendingReviewAfter.
	PendingAddressChangesAfter(at time.Time, id string, limit int) ([]AddressChange, error)
	// Message returns the recorded message; ErrNotFound when there is
	// none.
	Message(id string) (RecordedMessage, error)
	// MessagesDue returns up to limit pending recorded messages whose
	// NextAttemptAt is at or before the instant, by NextAttemptAt then
	// ID: what a sender takes. A limit below 1 wraps ErrValidation.
	MessagesDue(at time.Time, limit int) ([]RecordedMessage, error)
	// LastEventID returns the ID of the newest committed event, "" when
	// there is none: what tells a feed cursor beyond the end from one that
	// is merely up to date.
	LastEventID() (string, error)

	// AccountsToAnonymise returns up to limit accounts, in ID order after
	// afterID, that the scheme's retention may have made due for
	// anonymisation by the instant before: not anonymised (AnonymisedAt
	// zero), UpdatedAt before it, and with no permit in awaiting_payment
	// or pending_review, none whose UpdatedAt is at or after it, none
	// approved whose ExpiresOn is on or after before's UTC date, no
	// address change pending review and none decided at or after it. The
	// Service judges each again; a store may return more, never fewer. A
	// limit below 1 wraps ErrValidation.
	AccountsToAnonymise(before time.Time, afterID string, limit int) ([]Account, error)
	// PermitsEvidenceDue returns up to limit permits, in ID order after
	// afterID, whose evidence the scheme's retention may have made due for
	// deletion by the instant before: EvidenceDeletedOn zero, not in
	// awaiting_payment or pending_review, and decided before it (their
	// EvidenceAcceptedOn before before's UTC date, or, without one, their
	// UpdatedAt before it). The Service judges each again; a store may
	// return more, never fewer. A limit below 1 wraps ErrValidation.
	PermitsEvidenceDue(before time.Time, afterID string, limit int) ([]Permit, error)
}

// Tx is a read-write transaction. Its methods are bound to the context
// given to Store.Update. Reads see the transaction's own writes. A method
// that refuses (ErrNotFound, ErrConflict) leaves the transaction usable,
// so fn may handle the refusal and still commit — on PostgreSQL, where a
// failed statement aborts the transaction, implementations check first or
// use savepoints.
//
// Every Create, Update and AppendEvent refuses a value the store could not
// read back — a date or instant whose year as stored (instants in UTC) is
// outside 1 to 9999 — with an error wrapping ErrValidation, and stores
// nothing of it.
type Tx interface {
	ReadTx

	// CreateAccount stores a new account with Version 1. ErrConflict when
	// the ID is taken.
	CreateAccount(a Account) error
	// UpdateAccount replaces the account when a.Version equals the stored
	// version, and stores Version+1. ErrNotFound when absent; ErrConflict
	// when the version is stale.
	UpdateAccount(a Account) error

	// CreatePermit stores a new permit with Version 1. ErrConflict when the
	// ID is taken; ErrNotFound when its account does not exist.
	CreatePermit(p Permit) error
	// UpdatePermit replaces the permit when p.Version equals the stored
	// version, and stores Version+1. ErrNotFound when absent; ErrConflict
	// when the version is stale.
	UpdatePermit(p Permit) error

	// CreateAddressChange stores a new address change with Version 1.
	// ErrConflict when the ID is taken; ErrNotFound when its account does
	// not exist.
	CreateAddressChange(c AddressChange) error
	// UpdateAddressChange replaces it when c.Version equals the stored
	// version, storing Version+1. ErrNotFound; ErrConflict as for permits.
	UpdateAddressChange(c AddressChange) error

	// Claim holds a free slot. ErrConflict when (Pool, ScopeKey, Slot) is
	// already held: the schema's guarantee that a slot is never won twice.
	Claim(c Claim) error
	// MoveClaim re-points a held slot to the chain's newest permit, or to
	// another slot or scope (a same-zone move). The held claim is found by
	// Pool, ScopeKey, Slot and ChainID (never PermitID), so a chain cannot
	// move a slot another chain has since won. ErrNotFound when from is not
	// held; ErrConflict when to is held by another chain.
	MoveClaim(from, to Claim) error
	// Release frees a held slot, found as for MoveClaim. ErrNotFound when
	// it is not held.
	Release(c Claim) error

	// CreatePaymentRetry stores a new payment retry record with Version 1.
	// ErrConflict when the ID is taken.
	CreatePaymentRetry(r PaymentRetry) error
	// UpdatePaymentRetry replaces it when r.Version equals the stored
	// version, storing Version+1. ErrNotFound when absent; ErrConflict when
	// the version is stale.
	UpdatePaymentRetry(r PaymentRetry) error

	// CreateMessage records a message with Version 1. ErrConflict when
	// the ID is taken.
	CreateMessage(m RecordedMessage) error
	// UpdateMessage replaces it when m.Version equals the stored version,
	// storing Version+1. ErrNotFound when absent; ErrConflict when the
	// version is stale.
	UpdateMessage(m RecordedMessage) error

	// AppendEvent adds an event to the log; the store assigns its ID.
	// The store keeps nothing the caller can reach: it copies or encodes
	// e, its Data and the resources it points to (Permit, Account,
	// AddressChange) before it returns, so the caller may change them
	// afterwards without changing the event.
	AppendEvent(e Event) error
	// RewriteEvent replaces, in place, the Data and the resources
	// (Permit, Account, AddressChange) of the committed event e.ID,
	// keeping its ID, place in the feed, type, instant, actor, PermitID
	// and AccountID: how anonymisation and evidence retention take
	// personal details out of the history. ErrNotFound when there is no
	// such event.
	RewriteEvent(e Event) error
}

// PaymentRequest asks for a card authorisation.
type PaymentRequest struct {
	IdempotencyKey string // the same key returns the first result and moves no money again
	AccountID      string
	PermitID       string
	Amount         decimal.Decimal // GBP, two places
	Description    string
}

// Payments is the card payment provider (R3: authorise at application,
// capture on approval, void on rejection, refund where already captured).
// Every call carries an idempotency key: repeating a call with the same key
// returns the first result and moves no money twice.
type Payments interface {
	// Authorise reserves the amount. ErrPaymentFailed when the card is
	// refused (the error says why).
	Authorise(ctx context.Context, req PaymentRequest) (Payment, error)
	// Capture takes an authorised amount. ErrNotFound for an unknown
	// payment; ErrInvalidTransition when it is not authorised.
	Capture(ctx context.Context, paymentID, idempotencyKey string) (Payment, error)
	// Void releases an authorisation without taking money. ErrNotFound;
	// ErrInvalidTransition when it is not authorised.
	Void(ctx context.Context, paymentID, idempotencyKey string) (Payment, error)
	// Refund returns up to the captured amount not yet refunded.
	// ErrNotFound; ErrInvalidTransition when nothing captured remains.
	Refund(ctx context.Context, paymentID string, amount decimal.Decimal, idempotencyKey string) (Payment, error)
}

// MessageKind names a notification template (package message).
type MessageKind = message.Kind

// Notifications the Service sends.
const (
	MessageApplicationReceived = message.ApplicationReceived
	MessageApproved            = message.Approved
	MessageRejected            = message.Rejected
	MessageCancelled           = message.Cancelled
	MessageVehicleChanged      = message.VehicleChanged
	MessageVehicleScheduled    = message.VehicleScheduled
	MessageExpiryReminder      = message.ExpiryReminder
	MessageAddressChanged      = message.AddressChanged
	// MessageBecameFree: a paid application became free because the free
	// application ahead of it was rejected or withdrawn; its card
	// authorisation is cancelled.
	MessageBecameFree = message.BecameFree
	// MessageSignInCode carries a resident's one-time sign-in code; the
	// HTTP adapters send it, not the Service.
	MessageSignInCode = message.SignInCode
)

// Message is a notification to an account holder (package message). Data
// carries the values a template fills in (permit, dates, amounts, reasons,
// council contact).
type Message = message.Message

// Notifier sends messages to account holders. A failed send must not undo
// the operation that caused it: the Service records the event first and
// reports send failures through its error hook, never to the caller.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}
