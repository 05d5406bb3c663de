// Package evidence decides which documents a permit request needs and whether
// the documents given are good enough, listing every problem in a sentence an
// applicant understands.
//
// What a council accepts is data, not code: a scheme names document kinds
// (KindRule: title, maximum age, what the document must show, which built-in
// content checks apply) and, per permit type and Action, the requirement groups
// (Requirement: "one of" a list of kinds). NewRules validates the kind rules
// and Rules.Check judges a Submission against the requirements passed with it.
// The package does no I/O and never reads the clock: the submission date is
// part of the input.
//
// It also owns the vehicle registration mark (VRM, ParseVRM): the one parser
// that reads both the registration typed on an application and the one
// written on a V5C, so the two can never disagree. permit re-exports it.
//
// # Dates
//
// Every date is a calendar date in Europe/London (package zones/civil)
// carried as a time.Time; only its year, month and day (as returned by its
// Date method) are used, and dates the package returns are at 00:00 UTC.
// "Within the last N months" counts calendar months back from the
// submission date and clamps to the month's end
// (MonthsBefore: 31 May − 3 months = 28 or 29 February), never a number of
// days. A document issued exactly on that boundary date is accepted. A
// document dated after the submission date is never accepted.
//
// # Decisions
//
//   - A requirement group is satisfied by one document of any of its kinds that
//     passes every check of its kind. When a group is satisfied, the failing
//     documents of that group are not reported. When documents of the group
//     were given but none passes, their own problems are reported rather than
//     "missing". Result.Accepted lists every document that passes and counts
//     toward some requirement, not only the first of each group, so a caller
//     can record all the evidence it relied on.
//   - A document of a kind the scheme does not know is a problem
//     (CodeUnknownKind) even when every group is satisfied; a document of a
//     known kind that no requirement of this request asks for is ignored.
//   - Renewals: a kind with FreshForRenewal must be issued strictly after the
//     date the previous one was accepted (Submission.PreviousAcceptedOn). A
//     document issued on that very day is refused, because it cannot be told
//     apart from the document accepted that day. When that date is unknown the
//     kind's maximum age alone applies, which is why NewRules refuses
//     FreshForRenewal without a MaxAgeMonths.
//   - Names: the name on a kind that requires one (RequireName or the
//     tenancy check) is compared with Submission.HolderName when both are
//     given. Case, spacing, punctuation and a leading title (Mr, Mrs, Ms,
//     Miss, Mx, Dr, ...) are ignored; the surnames (last words) must be equal
//     and the first given names must be equal or one must be the other's
//     initial ("J Smith" matches "Jane Smith", "John Smith" does not); a
//     document showing a surname alone matches on the surname, and
//     middle names are ignored. Kinds without RequireName (a V5C names the
//     vehicle's keeper, who may be the carer) are not compared.
//   - V5C: the document reference must be exactly 11 digits once spaces are
//     removed; the registration is read by vehicle.ParseVRM, the parser the
//     request's registration went through (so spaces, hyphens and case do not
//     matter), and compared with Submission.VRM; one that is not a
//     registration is invalid, and a V5C given with a request that names no
//     vehicle is a mismatch.
//   - Addresses: when Submission.PropertyPostcode is set, a document of a kind
//     that must show an address (RequireAddress or the tenancy check) must
//     show that postcode, read with zones.ParsePostcode (case and spacing do
//     not matter; the last postcode written in the address counts). No
//     postcode is incomplete, another postcode a mismatch; both messages name
//     the document and the property's address.
//   - Tenancy agreements must show name, address, a term start and end
//     (YYYY-MM-DD) that covers the submission date (both ends inclusive) and
//     signed = "true" or "yes". A term that has ended is out of date; a term
//     that starts after the submission date is dated in the future.
//   - Every document must carry its date of issue (Document.IssuedOn).
//   - Malformed values (a term date that is not YYYY-MM-DD, a V5C reference
//     that is not 11 digits) have their own code, evidence_invalid, which
//     errors.Is matches to ErrEvidenceInvalid like dated-in-future and
//     unknown-kind problems.
//   - The Action only changes the renewal rule; any other value, valid or not,
//     is judged as a non-renewal.
//
// Problems carry stable codes (see Code) for programs and a Detail sentence
// for people; Result.Err turns them into a *ProblemsError that errors.Is
// matches to the category sentinel of the first problem.
//
// Review deadlines in working days are not this package's business: package
// permit counts them with zones.AddWorkingDays.
package evidence
