package permit

import "time"

// EventType names what happened. Types are a contract with back-office
// integrations: add new ones, never rename.
type EventType string

// Event types.
const (
	EventAccountCreated EventType = "account.created"
	// The holder (or an officer) changed the account's email or phone.
	// Data: changed (the fields, comma-separated) and their new values
	// as email and phone ("" when cleared).
	EventAccountContactChanged EventType = "account.contact_changed"
	EventPermitApplied         EventType = "permit.applied"
	EventPermitAuthorised      EventType = "permit.payment_authorised"
	EventPermitPaymentFailed   EventType = "permit.payment_failed"
	EventPermitApproved        EventType = "permit.approved"
	EventPermitRejected        EventType = "permit.rejected"
	EventPermitWithdrawn       EventType = "permit.withdrawn"
	EventPermitCancelled       EventType = "permit.cancelled"
	EventPermitEnded           EventType = "permit.ended"
	// EventPermitBecameFree: a paid application pending review took the
	// free slot a rejected or withdrawn free application gave up (RULES
	// R1, 2026-12); its authorisation is voided. Data: pool, slot,
	// previous_price, freed_by (the permit that gave the slot up) and
	// payment_id.
	EventPermitBecameFree EventType = "permit.became_free"
	EventPermitRenewed    EventType = "permit.renewed"
	// EventPermitUpdated: a permit changed because of another change,
	// not by its own lifecycle. Data: reason, one of renewed (renewed_by
	// names its renewal), renewal_released (its renewal was withdrawn,
	// rejected or cancelled; renewal names it), address_changed (a
	// same-zone move; address_change_id), payment_recorded (the
	// provider settled a capture, void or refund; payment_status) and
	// vehicle_check_unanswered (the register asked again, no answer).
	EventPermitUpdated          EventType = "permit.updated"
	EventVehicleChanged         EventType = "permit.vehicle_changed"
	EventVehicleChangeScheduled EventType = "permit.vehicle_change_scheduled"
	EventVehicleChangeWithdrawn EventType = "permit.vehicle_change_withdrawn"
	// A scheduled vehicle change replaced by a newer one before its day;
	// data names the replaced change and replaced_by the new one.
	EventVehicleChangeReplaced  EventType = "permit.vehicle_change_replaced"
	EventReminderSent           EventType = "permit.reminder_sent"
	EventAddressChangeRequested EventType = "address_change.requested"
	EventAddressChangeApproved  EventType = "address_change.approved"
	EventAddressChangeRejected  EventType = "address_change.rejected"
	// A review-deadline breach: still pending review after the due date.
	EventReviewOverdue              EventType = "permit.review_overdue"
	EventAddressChangeReviewOverdue EventType = "address_change.review_overdue"
	// A capture, void or refund the payment provider failed: it is owed
	// (a PaymentRetry) and asked for again at next_attempt_at.
	EventPaymentRetryScheduled EventType = "permit.payment_retry_scheduled"
	// An owed capture, void or refund that had failed has now succeeded.
	EventPaymentRetrySucceeded EventType = "permit.payment_retry_succeeded"
	// The due jobs asked the register of vehicles again about a vehicle
	// it had not answered for (vehicle_unchecked) and it answered: data
	// vrm, vehicle_check (found or not_found) and attempts.
	EventVehicleChecked EventType = "permit.vehicle_checked"
	// An attempt at paying on the provider's page failed or expired; the
	// application still awaits payment and the payer may try again.
	EventPaymentAttemptFailed EventType = "permit.payment_attempt_failed"

	// The record of who looked (issue 19; docs/PRIVACY.md): an officer
	// opened a file of evidence attached to a permit (data document_id),
	// an officer opened an account's page, or someone took a subject
	// access export of an account. The actor names who; nothing changed.
	EventDocumentViewed  EventType = "document.viewed"
	EventAccountViewed   EventType = "account.viewed"
	EventAccountExported EventType = "account.exported"

	// The money held for an application still awaiting a decision was
	// taken before the provider's hold lapsed (Scheme.PaymentHold); a
	// rejection or withdrawal that follows refunds it in full.
	EventPaymentCapturedEarly EventType = "permit.payment_captured_early"
	// The provider delivered a recorded message (its receipt): data
	// message_id, kind, channel, delivery and permit_id (when about a
	// permit). It carries the account.
	EventNotificationDelivered EventType = "notification.delivered"
	// The provider could not deliver a recorded message: data as for
	// notification.delivered, delivery being permanent-failure,
	// temporary-failure or technical-failure. A permanent failure is kept
	// on the account (message_failure) for officers.
	EventNotificationFailed EventType = "notification.failed"
	// EventAccountAnonymised: every personal detail of the account's
	// holder was removed from the account, its permits, its address
	// changes and every earlier event about them (rewritten in place:
	// a back office that keeps copies of those events must drop the
	// same details). Data: reason (retention or request), permits,
	// address_changes and events (how many were rewritten).
	EventAccountAnonymised EventType = "account.anonymised"
	// EventDocumentDeleted: an evidence file of a permit was deleted
	// because the scheme's retention for evidence ran out (or the
	// account was anonymised). Data: document_id, reason (retention or
	// anonymised).
	EventDocumentDeleted EventType = "document.deleted"
	// EventAccountProtectionChanged: an officer marked the account's
	// address protected, or took the mark off. Data: protected (true or
	// false).
	EventAccountProtectionChanged EventType = "account.protection_changed"
)

// EventTypes returns every event type the library appends, in the order
// declared: what a back-office filter may choose from.
func EventTypes() []EventType {
	return []EventType{
		EventAccountCreated, EventPermitApplied, EventPermitAuthorised, EventPermitPaymentFailed,
		EventPermitApproved, EventPermitRejected, EventPermitWithdrawn, EventPermitCancelled,
		EventPermitEnded, EventPermitBecameFree, EventPermitRenewed, EventVehicleChanged, EventVehicleChangeScheduled,
		EventVehicleChangeWithdrawn, EventReminderSent, EventAddressChangeRequested,
		EventAddressChangeApproved, EventAddressChangeRejected, EventReviewOverdue,
		EventAddressChangeReviewOverdue, EventPaymentRetryScheduled, EventPaymentRetrySucceeded,
		EventVehicleChangeReplaced, EventVehicleChecked, EventAccountContactChanged, EventPaymentAttemptFailed,
		EventPermitUpdated, EventDocumentViewed, EventAccountViewed, EventAccountExported,
		EventPaymentCapturedEarly,
		EventNotificationDelivered, EventNotificationFailed,
		EventAccountAnonymised, EventDocumentDeleted, EventAccountProtectionChanged,
	}
}

// Event is one entry of the audit trail and of the outbox feed that
// back-office systems page through. Events are appended in the same
// transaction as the change they describe.
type Event struct {
	ID        string // assigned by the store, unique, increasing in feed order
	Type      EventType
	At        time.Time // instant, UTC
	Actor     string    // "account:<id>", "officer:<name>", "system"
	PermitID  string
	AccountID string
	Data      map[string]string

	// On is the date of At in the scheme's time zone: the date by which
	// Permit shows upcoming, current or expired.
	On time.Time
	// Permit is the permit the event is about as it stood just after the
	// event, for every event with a PermitID whose permit exists, so that
	// a back office can mirror permits from the feed alone (its Version
	// orders the states).
	Permit *Permit
	// Account is the account an event without a permit is about (its
	// Credential left out), as it stood just after the event.
	Account *Account
	// AddressChange is the address change an address_change.* event is
	// about, as it stood just after the event.
	AddressChange *AddressChange
}
