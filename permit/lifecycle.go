package permit

import (
	"fmt"
	"time"
)

// Transition is something that happens to a permit and may change its state.
type Transition string

// Transitions of the lifecycle (DESIGN.md). Each one, when taken, appends
// the event the table events gives it, in the same transaction.
const (
	TransitionAuthorise     Transition = "authorise"      // card authorised: awaiting_payment -> pending_review
	TransitionFailPayment   Transition = "fail_payment"   // card refused or never paid: awaiting_payment -> withdrawn
	TransitionApprove       Transition = "approve"        // officer: pending_review -> approved (payment captured)
	TransitionReject        Transition = "reject"         // officer: pending_review -> rejected (payment voided)
	TransitionWithdraw      Transition = "withdraw"       // holder, before a decision -> withdrawn (authorisation voided)
	TransitionCancel        Transition = "cancel"         // holder or council during the period: approved -> cancelled
	TransitionEnd           Transition = "end"            // council: approved -> ended (superseded by a move to another zone)
	TransitionChangeVehicle Transition = "change_vehicle" // registration changed now or scheduled; state unchanged
	TransitionRenew         Transition = "renew"          // a renewal was applied for; the old permit stays approved
	TransitionRemind        Transition = "remind"         // an expiry reminder was sent; state unchanged
)

// lifecycle is the transition table: from state, on transition, to state.
// It is the only place that says which operations a state allows.
var lifecycle = map[Status]map[Transition]Status{
	AwaitingPayment: {
		TransitionAuthorise:   PendingReview,
		TransitionFailPayment: Withdrawn,
		TransitionWithdraw:    Withdrawn,
	},
	PendingReview: {
		TransitionApprove:       Approved,
		TransitionReject:        Rejected,
		TransitionWithdraw:      Withdrawn,
		TransitionChangeVehicle: PendingReview,
	},
	Approved: {
		TransitionCancel:        Cancelled,
		TransitionEnd:           Ended,
		TransitionChangeVehicle: Approved,
		TransitionRenew:         Approved,
		TransitionRemind:        Approved,
	},
}

// events is the event each transition appends when taken: a transition is
// written only together with it (see op.take). A renewal's event is about
// the renewal it creates; a vehicle change scheduled for a later day
// appends EventVehicleChangeScheduled instead, on every permit of the
// chain it reaches.
var events = map[Transition]EventType{
	TransitionAuthorise:     EventPermitAuthorised,
	TransitionFailPayment:   EventPermitPaymentFailed,
	TransitionApprove:       EventPermitApproved,
	TransitionReject:        EventPermitRejected,
	TransitionWithdraw:      EventPermitWithdrawn,
	TransitionCancel:        EventPermitCancelled,
	TransitionEnd:           EventPermitEnded,
	TransitionChangeVehicle: EventVehicleChanged,
	TransitionRenew:         EventPermitRenewed,
	TransitionRemind:        EventReminderSent,
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

// next is the state p moves to by t as seen on the date today, or the
// *TransitionError refusing what the table does not allow. An approved
// permit past its expiry date allows nothing: the holder applies again.
// Only op.take moves a permit; the rest of the package asks next first.
func (p Permit) next(t Transition, today time.Time) (Status, error) {
	shown := p.StatusOn(today)
	to, ok := Next(p.Status, t)
	if !ok || shown == Expired {
		return "", &TransitionError{PermitID: p.ID, State: shown, Event: t}
	}
	return to, nil
}

// may reports, as next's error, whether p may take t on the date today.
func (p Permit) may(t Transition, today time.Time) error {
	_, err := p.next(t, today)
	return err
}
