// Package eligibility decides whether a permit may be applied for or
// renewed for a property and an account on a date, whether it is free,
// what it costs and what evidence it needs, and explains every part of
// the answer as a stable Code with a sentence a resident understands.
//
// A council's rules are data (Rules: permit types, allowance pools,
// limits, the renewal window, the zones the scheme covers and its
// tariffs); NewRules validates them, listing every problem, and prepares
// the indexes Decide reads. Decide is pure: it reads no clock and does no
// I/O. Package permit calls it inside the store transaction that inserts
// the permit, so that the permits it counts cannot change underneath it.
//
// # Dates
//
// Calendar dates are time.Time values at 00:00 UTC standing for a
// Europe/London civil date; only their year, month and day count. The
// instant of a decision (Request.At) is read as a date in Rules.Location,
// so at 23:30 UTC in summer it is already the next day. ExpiryDate gives a
// permit's last day: the day before the same day of the month
// ValidityMonths later, or the last day of a month too short to have that
// day (a 12-month permit from 29 February 2028 ends on 28 February 2029).
//
// # Decisions
//
// Zone coverage (R2). A property in no permit zone, or in a zone the
// scheme does not cover, is not eligible: outside_zone, naming the
// property's postcode.
//
// Permit type. An ID the scheme does not know is unknown_permit_type, and
// nothing else about the request is judged.
//
// Live permits. A permit holds its place in pools and limits on a date
// when its status is awaiting_payment, pending_review or approved and it
// has not expired by then (ExpiresOn on or after the date); see
// Holding.Live. Rejected, cancelled, withdrawn, ended and expired permits
// hold nothing, so their places are open again at once. A permit and the
// renewals that continue it are one renewal chain (Holding.ChainID) and
// count once. Holdings may repeat a permit; it counts once.
//
// Allowance pools (R1). A pool gives each property (scope "property": the
// permits at the same UPRN, whichever account holds them) or each account
// (scope "account") a number of free permits shared by its types. A place
// is judged on the new permit's start date (decision of 2026-12): it is
// held by a renewal chain with a free permit live on that date. A free
// permit's chain holds its place until its expiry, and past it only
// through its renewal; so a permit starting after a free permit expires
// unrenewed takes the place, and a later renewal of that chain is paid,
// saying why (free_place_taken). Places are numbered 1 to Free and a
// permit takes the lowest open one (Decision.FreeSlot).
//
//   - A new application is free when a place is open:
//     free_allowance_available. With Request.Pay the applicant declines it
//     and pays: paid_by_choice. With no open place it is paid:
//     free_allowance_used ("further permits require payment").
//   - A renewal of a free permit keeps its chain's place and is free
//     whatever paid permits are held: renewal_continues_free_permit,
//     unless another chain took the place for the days after the renewed
//     permit expires before it was renewed: free_place_taken. (Only
//     inconsistent data — another chain recorded on the same place — makes
//     it take another open place, or pay, so that a pool never gives more
//     free permits than it has.)
//   - A renewal of a paid permit is free when a place is open, counting
//     the other chains; otherwise paid.
//   - Pay declines a free place for renewals too.
//
// Limits. A limit caps the live renewal chains of its types in its scope
// on the start date. When the chains already live (not counting the chain
// a renewal continues) reach Max, the request is refused: limit_reached,
// ending with the limit's Why.
//
// Renewal (R5). The permit renewed must be among the holdings, approved,
// not already renewed (RenewedBy empty) and of a renewable type, the same
// as the request's; otherwise not_renewable. It may be renewed on any date
// from its expiry date minus RenewalWindowDays to its expiry date, both
// inclusive, judged on today's date in Rules.Location. Earlier is
// renewal_window_not_open, giving the first date renewal is possible ("You
// can renew from 1 March 2027, 30 days before it expires on 31 March
// 2027."); later is renewal_window_closed: the permit has expired and the
// resident applies again. The window is only judged for a permit that
// could otherwise be renewed. The renewal starts the day after the old
// permit expires (no gap, no overlap), runs ValidityMonths, and needs the
// type's evidence for evidence.ActionRenew.
//
// New application. StartsOn zero means today; a date before today is
// starts_in_past. The permit runs ValidityMonths from StartsOn and needs
// the type's evidence for evidence.ActionApply. When it is the account's
// first application at its property — none of the account's holdings
// there was ever issued (approved, cancelled or ended; a rejected,
// withdrawn or unpaid one proved nothing) — it needs the type's
// evidence for evidence.ActionFirstApplication too, after the apply
// groups, a group named in both counted once ("proof of residency for
// the first application only").
//
// Price. The tariff in force on the start date for the type, the
// property's zone and ValidityMonths (pricing.Tariffs.PriceOn) prices a
// paid permit; when there is none the request is refused: no_tariff. A
// free permit costs 0.00 whether or not a tariff is in force.
//
// Decide collects every blocking reason, not just the first, followed by
// the informational one about the free allowance; Decision.Eligible is
// true when none blocks. The allowance, price and dates are worked out
// even for a refused request, where they can be, so that the resident is
// told what would follow once the refusal is resolved; outside the
// scheme's zones nothing is priced and the allowance is not judged. A malformed request
// (no At, an unknown Kind, a renewal naming no permit) is refused with
// invalid_request, which is the caller's bug rather than the resident's.
package eligibility
