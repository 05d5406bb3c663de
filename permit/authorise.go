package permit

import "fmt"

// Who may do what (issue 14 item 4): the Service, not only the HTTP layer,
// checks the actor of every operation that changes something, so a
// program that imports the library cannot let a resident approve their
// own application or cancel someone else's permit by mistake.
//
//   - Decisions (Approve, Reject, ApproveAddressChange,
//     RejectAddressChange) are the council's: an officer or the system.
//     Anyone else gets an error wrapping ErrForbidden.
//   - What a holder does (Apply, Renew, Cancel, ChangeVehicle,
//     WithdrawVehicleChange, RequestAddressChange) the account itself may
//     do, and an officer or the system on its behalf. Another account gets
//     an error wrapping ErrNotFound, as if the account or permit did not
//     exist, so nothing says whether it does; any other actor (an
//     integration, the public) gets ErrForbidden.
//   - Opening an account (CreateAccount) is open to the public, accounts,
//     officers and the system, not to a read-only integration.
//
// Reads check the actor too, as docs/API.md's roles say:
//
//   - One account's things (Account, Permit, PermitsOfAccount,
//     PermitHistory, AddressChange) the account itself, the council and a
//     read-only integration (RoleIntegration) may read. Another account
//     gets ErrNotFound, as for a change; anyone else ErrForbidden.
//   - What an account asks before it acts (Eligibility,
//     RenewalEligibility) is the account's and the council's: an
//     integration gets ErrForbidden.
//   - Everyone's things (Events, EventsFrom, ReviewQueue, ReviewQueuePage,
//     SearchAccounts, SearchPermits) are for the council and integrations;
//     an account gets ErrForbidden.
//   - The council's own tools (PaymentRetries, CheckVehicle,
//     CurrentPermits) are for officers and the system only.

// The roles of actors the Service knows. Any other role (such as the HTTP
// API's read-only "integration") may read but not change anything.
const (
	RoleAccount = "account"
	RoleOfficer = "officer"
	RoleSystem  = "system"
	RolePublic  = "public" // someone not signed in, opening an account
	// RoleIntegration is a council's back-office system that reads (the
	// HTTP API's --integration-token): the feed, permits, accounts, address
	// changes and the review queue. It changes nothing.
	RoleIntegration = "integration"
)

// council reports whether the actor speaks for the council.
func (a Actor) council() bool { return a.Role == RoleOfficer || a.Role == RoleSystem }

// mayDecide refuses anyone but the council a decision (what says which).
func (a Actor) mayDecide(what string) error {
	if a.council() {
		return nil
	}
	return fmt.Errorf("%w: %s may not %s: only council officers decide", ErrForbidden, a.described(), what)
}

// mayActFor refuses an actor who may not act for the account accountID
// (see above); kind and id name the thing asked about ("permit",
// "per_1") for the error.
func (a Actor) mayActFor(accountID, kind, id string) error {
	switch {
	case a.council():
		return nil
	case a.Role == RoleAccount && a.ID != "" && a.ID == accountID:
		return nil
	case a.Role == RoleAccount && a.ID != "":
		return fmt.Errorf("%w: %s %s (not one of account %s's)", ErrNotFound, kind, id, a.ID)
	}
	return fmt.Errorf("%w: %s may not change %s %s", ErrForbidden, a.described(), kind, id)
}

// mayRead refuses an actor who may not read a thing of the account
// accountID (see above): the account itself, the council and, with
// integrations, a read-only integration may. kind and id name the thing
// asked about for the error.
func (a Actor) mayRead(accountID, kind, id string, integrations bool) error {
	switch {
	case a.council(), integrations && a.Role == RoleIntegration:
		return nil
	case a.Role == RoleAccount && a.ID != "" && a.ID == accountID:
		return nil
	case a.Role == RoleAccount && a.ID != "":
		return fmt.Errorf("%w: %s %s (not one of account %s's)", ErrNotFound, kind, id, a.ID)
	}
	return fmt.Errorf("%w: %s may not read %s %s", ErrForbidden, a.described(), kind, id)
}

// mayReadAll refuses an actor who may not read what is everyone's (what
// says which): the council and, with integrations, read-only
// integrations may.
func (a Actor) mayReadAll(what string, integrations bool) error {
	if a.council() || integrations && a.Role == RoleIntegration {
		return nil
	}
	who := "officers and integrations"
	if !integrations {
		who = "officers"
	}
	return fmt.Errorf("%w: %s may not read %s: only council %s do", ErrForbidden, a.described(), what, who)
}

// mayOpenAccount refuses an actor who may not open accounts.
func (a Actor) mayOpenAccount() error {
	switch a.Role {
	case RolePublic, RoleAccount, RoleOfficer, RoleSystem:
		return nil
	}
	return fmt.Errorf("%w: %s may not open accounts", ErrForbidden, a.described())
}

func (a Actor) described() string {
	if a.Role == "" {
		return "an actor with no role"
	}
	return a.String()
}
