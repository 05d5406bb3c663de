// Package permit is where a council's Essential Carer Permit rules happen
// end to end: the Permit aggregate and its lifecycle, the council's Scheme
// loaded from a YAML file, and the Service that residents and permit
// officers act through. It owns the ports the outside world implements:
// Store (persistence, transactional), Payments (card authorise, capture,
// void, refund), Notifier (messages to residents) and the clock.
//
// # Lifecycle
//
// The lifecycle is an explicit transition table (see Next):
//
//	apply ──> awaiting_payment ──authorise──> pending_review ──approve──> approved
//	  └──(free)──────────────────────────────────┘   └──reject──> rejected
//	awaiting_payment|pending_review ──withdraw──> withdrawn (authorisation voided)
//	approved ──cancel──> cancelled (refund per scheme; Leicestershire 0.00)
//	approved ──end──> ended (superseded by an approved move to another zone)
//
// An approved permit is shown as upcoming, current or expired by its dates
// (StatusOn); those states are derived, never stored. Every transition
// appends an Event in the same transaction: the audit trail and the feed
// back-office systems page through.
//
// # Decisions taken where the council's text is silent
//
//   - Money moves outside store transactions and is made safe by idempotency
//     keys derived from the permit ID ("authorise:<id>", "capture:<id>", ...):
//     a retried operation never charges twice. A paid application is stored
//     awaiting payment first, so a crash between the card authorisation and
//     the store leaves a record the due-jobs run closes.
//   - A capture, void or refund a decision owes is written down (a
//     PaymentRetry) in the decision's own transaction and asked for after
//     it commits. When the provider fails, the decision stands — an
//     approval is approved with its payment still authorised, a rejection,
//     withdrawal or cancellation is done with the hold or refund owed — an
//     event says so, officers see it (Service.PaymentRetries), and RunDue
//     asks again with a doubling pause (one minute up to six hours) until
//     the provider does it. An approved permit whose capture is still owed
//     counts as paid when it is cancelled.
//   - Cancelling or ending a permit withdraws its renewal still awaiting a
//     decision (its hold voided, the chain's free slot released); an
//     approved renewal is a permit of its own and stays.
//   - A free permit's slot is held by its renewal chain through a Claim the
//     store keeps unique; a renewal moves the claim to the new permit, and a
//     rejected, withdrawn or cancelled renewal moves it back.
//   - Approval re-checks the evidence against the submission date, so no
//     permit is approved with evidence that did not pass.
//   - A cancellation of a pending application is a withdrawal: the
//     authorisation is voided and nothing is taken.
//   - A vehicle change applies to the permit's renewal chain (the permit
//     and its renewal, current, upcoming or pending); a chain never clashes
//     with itself over a registration. A new vehicle change replaces any
//     scheduled one on the whole chain, with a vehicle_change_replaced
//     event; a scheduled change takes effect at the start of its day in
//     Europe/London when RunDue runs. A scheme may ask for evidence (the
//     V5C) with a vehicle change.
//   - Rejections give the council's contact; cancellations, scheduled
//     vehicle changes and address changes the operator's (Scheme.Operator).
//   - Expiry reminders: for each of the scheme's reminder offsets at most one
//     message per permit, only to accounts with an email address, never for
//     a permit already renewed. When jobs did not run for a while, only the
//     most urgent due offset is sent and the earlier ones are marked passed.
//   - A move to another zone is a new application for the new property with
//     proof of residency and the V5C; when it is approved the account moves
//     and its permits in the old zone end, refunded as the scheme's
//     refunds.on_move says (by default as if cancelled that day). The
//     application leaves those permits out of its pools and limits.
//   - A move within the zone keeps the new property's per-property limits;
//     when another household holds the free allowance there, the moving
//     permits keep what they paid until they expire.
//   - An enforcement look-up (CheckVehicle) counts a permit that is approved,
//     current on the instant's London date and in that zone, under the
//     registration in force that day: a scheduled change counts from the
//     start of its day whether or not RunDue has applied it.
//   - A review deadline (the scheme's working days after submission) that
//     passes with the application or address change still pending is
//     flagged once by RunDue, with an event; flagging decides nothing.
//   - RunDue does its items in batched transactions and writes an item only
//     if it is still the version it decided on, so several instances may
//     run it at once: the work is done, and its message sent, once.
package permit
