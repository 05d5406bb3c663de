package permit

import (
	"fmt"
	"time"
)

// Transition is something that happens to a permit and may change its state.
type Transition string

// Transitions of the lifecycle (DESIGN.md). Each one, when taken, appends an
// Event of the same name.
const (
	Authorise     Transition = "authorise"      // card authorised: awaiting_payment -> pending_review
	FailPayment   Transition = "fail_payment"   // card refused or never paid: awaiting_payment -> withdrawn
	Approve       Transition = "approve"        // officer: pending_review -> approved (payment captured)
	Reject        Transition = "reject"         // officer: pending_review -> rejected (payment voided)
	Withdraw      Transition = "withdraw"       // holder, before a decision -> withdrawn (authorisation voided)
	Cancel        Transition = "cancel"         // holder or council during the period: approved -> cancelled
	End           Transition = "end"            // council: approved -> ended (superseded by a move to another zone)
	ChangeVehicle Transition = "change_vehicle" // registration changed now or scheduled; state unchanged
	Renew         Transition = "renew"          // a renewal was applied for; the old permit stays approved
	Remind        Transition = "remind"         // an expiry reminder was sent; state unchanged
)

// lifecycle is the transition table: from state, on transition, to state.
// It is the only place that says which operations a state allows.
var lifecycle = map[Status]map[Transition]Status{
	AwaitingPayment: {
		Authorise:   PendingReview,
		FailPayment: Withdrawn,
		Withdraw:    Withdrawn,
	},
	PendingReview: {
		Approve:       Approved,
		Reject:        Rejected,
		Withdraw:      Withdrawn,
		ChangeVehicle: PendingReview,
	},
	Approved: {
		Cancel:        Cancelled,
		End:           Ended,
		ChangeVehicle: Approved,
		Renew:         Approved,
		Remind:        Approved,
	},
}

// TransitionError says that a state does not allow a transition. It
// unwraps to ErrInvalidTransition.
type TransitionError struct {
	PermitID string
	State    Status // as the holder sees it (derived: expired, upcoming, ...)
	Event    Transition
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("permit %s: cannot %s a permit that is %s", e.PermitID, e.Event, e.State)
}

func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// Next returns the state a permit in state from moves to on transition t,
// and false when the table does not allow t from that state.
func Next(from Status, t Transition) (Status, bool) {
	to, ok := lifecycle[from][t]
	return to, ok
}

// transition moves p by t as seen on the date today, refusing what the table
// does not allow. An approved permit past its expiry date allows nothing:
// the holder applies again.
func (p *Permit) transition(t Transition, today time.Time) error {
	shown := p.StatusOn(today)
	to, ok := Next(p.Status, t)
	if !ok || shown == Expired {
		return &TransitionError{PermitID: p.ID, State: shown, Event: t}
	}
	p.Status = to
	return nil
}
