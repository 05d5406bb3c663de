package permit

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rickar/cal/v2"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// Council is a contact residents are given: the council itself (about a
// rejection, R3) or the operator that runs the permit service for it
// (about cancellations, scheduled vehicle changes and address changes; the
// decision of 2026-12). A scheme gives only what is published: the
// Leicestershire example has no council email or phone.
type Council struct {
	Name    string
	Email   string
	Phone   string
	Website string
}

// Scheme is one council's permit rules, read from its scheme file by Load
// in package permit/scheme, which checks every rule and proves every
// template; build one no other way (a Scheme put together by hand is
// trusted as it is). Treat it and everything it points to as read-only;
// it is then safe for concurrent use.
type Scheme struct {
	ID string // the scheme's identifier, e.g. "leicestershire"
	// Council is the council's contact: rejection notices send residents
	// there (R3: "contact Leicestershire County Council directly").
	Council Council
	// Operator is the contact of whoever runs the permit service for the
	// council (Leicestershire: MiPermit's help desk), for cancellations,
	// scheduled vehicle changes and address changes. A scheme file without
	// an operator section has the council as its operator.
	Operator Council
	Nation   zones.Nation
	Location *time.Location // where dates are judged; Europe/London unless the file says otherwise
	// Calendar is the Nation's working-day calendar (zones.Calendar). It is
	// shared: adding a holiday to it changes every reader's deadlines.
	Calendar *cal.BusinessCalendar
	// Rules are the permit types (with their evidence per action), free
	// allowance pools, limits, renewal window, zones and tariffs.
	Rules *eligibility.Rules
	// Evidence holds the accepted document kinds and their checks.
	Evidence *evidence.Rules
	// AddressChangeSameZone is what a move within the same permit zone
	// needs: proof of residency at the new address (R7).
	AddressChangeSameZone []evidence.Requirement
	// NewZoneApplication is what an application after a move to another
	// zone needs on top of the permit type's apply requirements: proof of
	// residency linked to the new address and the vehicle's V5C (R7).
	NewZoneApplication []evidence.Requirement
	// Refunds is what a cancellation returns (R6).
	Refunds pricing.RefundPolicy
	// RefundOnMove is what Refunds does for a permit that ends because its
	// holder moved to another zone (refunds.on_move; R7, decision of
	// 2026-12): by default the policy applies as if the permit were
	// cancelled on the day it ends.
	RefundOnMove RefundOnMove
	// ReviewWorkingDays is how many working days in Calendar an officer
	// has to decide an application or address change.
	ReviewWorkingDays int
	// ReminderDays are the days before expiry on which an expiry reminder
	// is sent (R5), largest first, no repeats.
	ReminderDays []int
	// AbandonUnpaidAfter is how long an application may wait for its card
	// payment before it is withdrawn and its authorisation voided.
	AbandonUnpaidAfter time.Duration
	// RejectionReasons are the reasons an officer may give for rejecting
	// an application or an address change (R3), each with the words the
	// resident reads. A scheme that lists none accepts any reason code.
	RejectionReasons []RejectionReason
	// PendingApplicationsPerProperty caps the new applications waiting
	// for a decision (pending review or awaiting payment) at one property,
	// whichever accounts made them (RULES R1, 2026-12, against squatting):
	// one more is refused with CodeTooManyPendingApplications. 0: no cap.
	PendingApplicationsPerProperty int
	// AccountsPerPropertyPerDay caps the accounts opened at one property on
	// one day (judged in Location): one more is refused with a *LimitError
	// coded CodeTooManyNewAccounts. 0: no cap.
	AccountsPerPropertyPerDay int
	// VehicleCheck is whether the register of vehicles is asked about the
	// vehicle at application and vehicle change (scheme key
	// vehicle_check); "" is VehicleCheckOff. It takes effect only in a
	// Service given a VehicleRegister (Options.Vehicles).
	VehicleCheck VehicleCheckMode
	// Retention is how long personal data is kept (the scheme file's
	// retention section); the due jobs apply it. Zero keeps everything.
	Retention Retention
	// VehicleCheckCache is how long the register's answer about a
	// registration is reused (vehicle_check_cache); 0 is
	// DefaultVehicleCheckCache.
	VehicleCheckCache time.Duration
	// PaymentHold is how the money of a paid application is held until
	// its decision (scheme key payment_hold); the zero value is
	// DefaultPaymentHold.
	PaymentHold PaymentHold

	// Messages are the notification templates of every kind, proven at
	// load (see Render).
	Messages *message.Templates
	// ByLetter are the kinds of message sent by letter to the property
	// (scheme key notifications.by_letter) rather than by email or text
	// message, when the Service's notifier sends letters (Reach.Choose).
	ByLetter []MessageKind

	// ZoneMap, when the scheme file has a zone_map section, says that the
	// zones are drawn as polygons in a GeoJSON file, which the program
	// reads and gives to package zones/zonemap; nil when the zones come
	// from the gazetteer's zone column alone.
	ZoneMap *ZoneMapSource
}

// ZoneMapSource is a scheme's zone_map section: where its zones are drawn
// and the properties whose zone it names by decision.
type ZoneMapSource struct {
	// File is the GeoJSON file as the scheme names it: a path relative to
	// the scheme file's folder (or absolute).
	File string
	// Overrides name the zone of particular properties whatever their
	// position (for boundary streets): the zone's ID, or "" for outside
	// every zone.
	Overrides map[zones.UPRN]string
	// ListedZoneWithoutPosition lets a property whose gazetteer gives no
	// position keep the zone the gazetteer lists; when false such a
	// property is refused (zonemap.ErrNoPosition).
	ListedZoneWithoutPosition bool
}

// PermitType returns the scheme's permit type with that ID. Its Evidence
// map is shared with the Scheme: read it, do not change it.
func (s *Scheme) PermitType(id string) (eligibility.PermitType, bool) {
	if s.Rules == nil {
		return eligibility.PermitType{}, false
	}
	// A scheme has a handful of types: a scan is as quick as a map.
	i := slices.IndexFunc(s.Rules.PermitTypes, func(pt eligibility.PermitType) bool { return pt.ID == id })
	if i < 0 {
		return eligibility.PermitType{}, false
	}
	return s.Rules.PermitTypes[i], true
}

// Requirements returns the evidence an action needs. Apply, first
// application (what the account's first application at its property needs
// on top of apply's), renew and vehicle change are per permit type; a
// same-zone address change is the same for every type (permitType is
// ignored); an application after a move to another zone — the first at
// the new property — needs the type's apply and first application
// requirements plus NewZoneApplication, a group named twice counted once.
// It returns false for an unknown permit type or action. The slice is the
// caller's; the kinds inside each requirement are shared with the Scheme.
func (s *Scheme) Requirements(permitType string, a evidence.Action) ([]evidence.Requirement, bool) {
	if a == evidence.ActionAddressChangeSameZone {
		return slices.Clone(s.AddressChangeSameZone), true
	}
	pt, ok := s.PermitType(permitType)
	if !ok || !a.Valid() {
		return nil, false
	}
	if a != evidence.ActionApplicationNewZone {
		return slices.Clone(pt.Evidence[a]), true
	}
	out := slices.Clone(pt.Evidence[evidence.ActionApply])
	for _, q := range slices.Concat(pt.Evidence[evidence.ActionFirstApplication], s.NewZoneApplication) {
		if !slices.ContainsFunc(out, func(p evidence.Requirement) bool { return p.Name == q.Name }) {
			out = append(out, q)
		}
	}
	return out, true
}

// ReviewDueOn is the date by which an officer should decide something
// submitted on submittedOn: ReviewWorkingDays working days later in the
// council's calendar, the submission day itself not counting
// (zones.AddWorkingDays). A ReviewWorkingDays below 1 gives the submission
// date. The result is at 00:00 UTC.
func (s *Scheme) ReviewDueOn(submittedOn time.Time) time.Time {
	return zones.AddWorkingDays(s.Calendar, submittedOn, max(s.ReviewWorkingDays, 0))
}

// ErrInvalidScheme is wrapped by every *SchemeError: the scheme file's
// content is wrong. Check with errors.Is.
var ErrInvalidScheme = errors.New("invalid scheme")

// SchemeProblem is one thing wrong with a scheme file.
type SchemeProblem struct {
	// Line is the 1-based line of the file the problem is on, or 0 when it
	// concerns the file as a whole (a section that is missing).
	Line int
	// Path is where in the document the problem is, as keys and list
	// indexes from the top: "tariffs[3].from", "council.email". "" for the
	// document itself.
	Path string
	// Reason says what is wrong, naming the offending value.
	Reason string
}

func (p SchemeProblem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// maxPrintedSchemeProblems caps SchemeError's message; Problems keeps all.
const maxPrintedSchemeProblems = 10

// SchemeError lists every problem scheme.Load found in a scheme file, in line order
// (problems with no line first), so that a council officer can mend the
// file in one pass. It unwraps to ErrInvalidScheme.
type SchemeError struct {
	Problems []SchemeProblem
}

func (e *SchemeError) Error() string {
	var b strings.Builder
	b.WriteString("permit: invalid scheme: ")
	if len(e.Problems) == 1 {
		b.WriteString("1 problem: ")
	} else {
		fmt.Fprintf(&b, "%d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i == maxPrintedSchemeProblems {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalidScheme) match.
func (e *SchemeError) Unwrap() error { return ErrInvalidScheme }

// RefundOnMove says what the refund policy does for a permit that ends
// because its holder moved to another permit zone (R7).
type RefundOnMove string

// The settings of refunds.on_move.
const (
	// RefundOnMoveAsCancelled (the default): the policy applies as if the
	// holder had cancelled the permit on the day it ends.
	RefundOnMoveAsCancelled RefundOnMove = "as_cancelled"
	// RefundOnMoveNone: a permit ended by a move returns nothing.
	RefundOnMoveNone RefundOnMove = "none"
)
