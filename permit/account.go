package permit

import (
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// Account is one resident's account at one property (R2): the person who
// applies for and holds permits for the carers who visit them.
type Account struct {
	ID      string
	Name    string
	Email   string // reminders are sent only when set (R5)
	Phone   string
	UPRN    zones.UPRN
	Address string
	Zone    zones.Zone

	// MessageFailure, when set, is the last message the provider could
	// not deliver for good (RecordDelivery): officers see that the
	// holder is not hearing from the council. A later delivered message,
	// or a change of contact details, clears it.
	MessageFailure *MessageFailure

	// Credential is opaque to the domain: an adapter that authenticates
	// residents keeps what it needs here (for example a token hash).
	Credential string

	// Protected marks an address that must not be shown outside the
	// council (a resident at risk, as a population register's address
	// protection): an officer sets it (Service.ProtectAddress), and the
	// address then never appears in the enforcement look-up's answer, in
	// logs, or in what integrations and webhooks are given.
	Protected bool
	// AnonymisedAt is the instant the account was anonymised (zero: it
	// was not): every personal detail of its holder is gone from it, its
	// permits, its address changes and the events about them.
	AnonymisedAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// AddressChangeStatus is where a same-zone move stands.
type AddressChangeStatus string

// Address change states.
const (
	AddressChangePending  AddressChangeStatus = "pending_review"
	AddressChangeApproved AddressChangeStatus = "approved"
	AddressChangeRejected AddressChangeStatus = "rejected"
)

// AddressChange is a resident's move to another property in the same
// permit zone (R7): their permits follow them once an officer accepts the
// proof of residency.
type AddressChange struct {
	ID          string
	AccountID   string
	FromUPRN    zones.UPRN
	ToUPRN      zones.UPRN
	ToAddress   string
	Zone        zones.Zone
	Evidence    []evidence.Document
	Status      AddressChangeStatus
	Rejection   *Rejection
	SubmittedOn time.Time // date
	DueOn       time.Time // review deadline, working days in the council's calendar
	// ReviewOverdueOn is the date the due jobs found it still pending
	// after DueOn (zero: never), so that a breach is reported once.
	ReviewOverdueOn time.Time
	CreatedAt       time.Time
	DecidedAt       time.Time
	Version         int
}

// Claim is a held free slot of an allowance pool (R1). The store keeps at
// most one claim per (Pool, ScopeKey, Slot): that uniqueness is the last
// line of defence against a free permit being won twice.
type Claim struct {
	Pool     string
	ScopeKey string // "uprn:<uprn>" or "account:<id>" by the pool's scope
	Slot     int    // 1..pool's free count
	ChainID  string // the renewal chain holding the slot
	PermitID string // the chain's newest permit
}
