package permit

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/eligibility"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// Status is a permit's lifecycle state: the one type the eligibility rules
// judge holdings by (eligibility.Status), so a permit's status goes into an
// eligibility.Holding as it is. The stored states are the ones the
// transition table moves between; Upcoming, Current and Expired are derived
// from an approved permit's dates by StatusOn and are never stored (so
// Status.Valid, which accepts stored states, rejects them).
type Status = eligibility.Status

// Stored states; each is the eligibility package's constant of that name.
const (
	AwaitingPayment Status = eligibility.StatusAwaitingPayment // paid application waiting for its card authorisation
	PendingReview   Status = eligibility.StatusPendingReview   // waiting for a permit officer
	Approved        Status = eligibility.StatusApproved        // issued; see StatusOn for upcoming/current/expired
	Rejected        Status = eligibility.StatusRejected        // refused by an officer; the applicant applies again
	Cancelled       Status = eligibility.StatusCancelled       // ended by the holder or the council during its period
	Withdrawn       Status = eligibility.StatusWithdrawn       // given up before any decision (or never paid)
	Ended           Status = eligibility.StatusEnded           // closed by the council, e.g. superseded after a move to another zone
)

// Derived states of an approved permit.
const (
	Upcoming Status = "upcoming" // approved, starts in the future
	Current  Status = "current"  // approved and valid today
	Expired  Status = "expired"  // approved and past its expiry date
)

// ParseStatus accepts a stored state's name.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case AwaitingPayment, PendingReview, Approved, Rejected, Cancelled, Withdrawn, Ended:
		return st, nil
	}
	return "", &ValidationError{Fields: []FieldError{{Field: "status", Code: "invalid_status", Detail: "There is no permit status " + quote(s) + "; the statuses are awaiting_payment, pending_review, approved, rejected, cancelled, withdrawn and ended."}}}
}

// PaymentStatus is where a permit's card payment stands.
type PaymentStatus string

// Payment states, in the order money moves.
const (
	PaymentAuthorised PaymentStatus = "authorised"
	PaymentCaptured   PaymentStatus = "captured"
	PaymentVoided     PaymentStatus = "voided"
	PaymentRefunded   PaymentStatus = "refunded" // captured, then (partly) returned; see Refunded
	PaymentFailed     PaymentStatus = "failed"
)

// Payment is the permit's view of its card payment.
type Payment struct {
	ID       string // the payment provider's reference
	Status   PaymentStatus
	Amount   decimal.Decimal // authorised (and, once captured, taken)
	Refunded decimal.Decimal // returned so far

	// A hosted payment (Options.HostedPayments) also records these.

	// Attempt numbers the payer's tries at paying, from 1; each is its own
	// provider payment (NewPaymentAttempt starts the next).
	Attempt int
	// NextURL is the provider's page where the payer pays, while the
	// payment is created (waiting for the payer). Only the payer sees it.
	NextURL string
	// ExpiresAt is when the provider gives up: the end of the payer's
	// session while created, the end of the capture window while
	// authorised (instant, UTC; zero when unknown).
	ExpiresAt time.Time
	// Failure says why the attempt failed or expired; nil otherwise.
	Failure *PaymentFailure
}

// VehicleChange is a change of registration on a permit, scheduled for the
// start of EffectiveOn (Europe/London) or applied at once.
type VehicleChange struct {
	ID          string
	VRM         VRM
	EffectiveOn time.Time // date
	RequestedAt time.Time
	RequestedBy string
}

// Rejection is an officer's reason for refusing an application (R3).
type Rejection struct {
	Code   string // the council's reason code, e.g. "proof_unclear"; one of the scheme's RejectionReasons when it lists any
	Reason string // words for the applicant
}

// Cancellation records the end of a permit by its holder or the council (R6).
type Cancellation struct {
	At     time.Time
	By     string
	Reason string
	Refund decimal.Decimal // 0.00 when non-refundable
}

// Permit is the aggregate: one permit (or application for one) for one
// vehicle at one property, and everything decided about it.
type Permit struct {
	ID        string
	AccountID string
	Type      string // permit type ID from the scheme, e.g. "essential-carer"
	Status    Status // stored state

	Free     bool
	Pool     string // allowance pool ID when the type is in one
	FreeSlot int    // slot number in the pool when Free; a renewal chain keeps it
	Price    decimal.Decimal
	Payment  *Payment // nil for a free permit

	VRM                  VRM
	PendingVehicleChange *VehicleChange
	// RegisterCheck is the register of vehicles' answer about the vehicle
	// asked for at application or at the last vehicle change (nil: the
	// scheme checks nothing, or nothing was asked). Its Flag is shown to
	// the officer.
	RegisterCheck *RegisterCheck

	UPRN    zones.UPRN
	Address string
	Zone    zones.Zone
	// AddressProtected is the account's Account.Protected, kept on each
	// of its permits (ProtectAddress sets both), so that what is shown of
	// a permit outside the council (the feed, webhooks, the enforcement
	// look-up) leaves its address and UPRN out without reading the
	// account.
	AddressProtected bool

	StartsOn  time.Time // date, inclusive
	ExpiresOn time.Time // date, inclusive

	ChainID   string // ID of the first permit of its renewal chain
	RenewalOf string // ID of the permit this one renews
	RenewedBy string // ID of the live renewal of this permit

	Evidence           []evidence.Document
	EvidenceAcceptedOn time.Time // date the officer approved the evidence
	// EvidenceDeletedOn is the date the scheme's retention deleted the
	// permit's evidence files and the details of its documents (zero:
	// not yet); only the documents' kinds and dates remain.
	EvidenceDeletedOn time.Time

	Rejection     *Rejection
	Cancellation  *Cancellation
	RemindersSent []int // reminder offsets (days before expiry) already sent
	// ReviewOverdueOn is the date the due jobs found the application still
	// pending review after its deadline (zero: never), so that a breach
	// is reported once.
	ReviewOverdueOn time.Time

	CreatedAt time.Time // instant, UTC
	UpdatedAt time.Time // instant, UTC
	Version   int       // optimistic concurrency; the store increments it
}

// StatusOn returns the permit's status on a date: the stored state, or for
// an approved permit Upcoming, Current or Expired by its dates.
func (p Permit) StatusOn(today time.Time) Status {
	if p.Status != Approved {
		return p.Status
	}
	switch {
	case today.Before(p.StartsOn):
		return Upcoming
	case today.After(p.ExpiresOn):
		return Expired
	}
	return Current
}

// Live reports whether the permit still counts on a date: awaiting payment,
// pending review, or approved and not yet expired.
func (p Permit) Live(today time.Time) bool {
	switch p.Status {
	case AwaitingPayment, PendingReview, Approved:
		return !today.After(p.ExpiresOn)
	}
	return false
}
