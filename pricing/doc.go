// Package pricing decides what a permit costs on a date, why it is free when
// it is, and what a cancellation refunds, all from a council's data: a table
// of effective-dated tariffs and a refund policy. It imports no other package
// of the project, reads no clock and does no I/O.
//
// # Money
//
// Money is a decimal.Decimal (github.com/shopspring/decimal) in pounds
// sterling (Currency, "GBP"). ParseMoney accepts the way amounts are written
// in scheme files and the HTTP API: digits with at most two decimal places,
// such as "55", "55.0", "55.00" or "0.5". It rejects a sign, a currency
// symbol, spaces, exponents, thousands separators, leading zeros ("055") and
// fractions of a penny ("55.001"), because each of these in council data is
// more likely a mistake than an intention. FormatMoney always writes two
// places ("55.00", "0.00"); it rounds half away from zero, which never
// engages for the pence-exact amounts this package produces.
//
// # Tariffs
//
// A Tariff row prices one permit type, optionally for one zone ("" means
// every zone) and one duration in months (0 means any duration), from a first
// day to a last day, both inclusive; a zero Until means open-ended. Rows with
// the same permit type, zone and duration form a group, and a group must be
// a contiguous chain: sorted by From, each row starts the day after the
// previous one ends, and only the last may be open-ended. NewTariffs reports
// every gap, overlap and invalid field at once, naming the rows by index and
// dates.
//
// PriceOn picks the most specific row in force on the date: the permit's own
// zone before "every zone", and within each, its own duration before "any
// duration". A zone-specific price therefore beats a duration-specific one
// (a zone override is a local decision that holds for all durations).
// Specificity is judged per date: before a zone's own tariff begins, or after
// it ends, the general tariff applies.
//
// # Quotes
//
// Quote turns the tariff in force on the permit's start date (not the date
// of application) and the caller's free-allowance decision (package
// eligibility owns that decision) into an amount and a sentence that says
// why: "£55.00: the tariff for essential-carer in force from 1 April 2025."
// or "Free: <the caller's reason>.". A free quote must carry a reason.
//
// # Refunds
//
// Permits run from their start date to the day before the same day N months
// later; when that day does not exist (a start on 31 January for one month,
// 29 February for twelve) the permit runs to the end of the shorter month.
// ExpiryDate computes it. The refund rules:
//
//   - Total months: the permit's length in whole months (12 for a permit
//     from 15 January to 14 January the next year).
//   - Unused months: the whole months from the cancellation date (which is
//     itself unused) to the expiry date. A part month is not refunded, and
//     a month that ends at the end of a shorter month counts as whole, exactly
//     as it does for the permit's length: a 12-month permit from 29 February
//     2028 runs to 28 February 2029, twelve months and a day, so cancelling
//     it on 1 March 2028 still leaves 12 whole months unused. Cancelling
//     before the start date leaves every month unused; cancelling after the
//     expiry date leaves none.
//   - RefundNone (Leicestershire: permits are non-refundable) refunds 0.00.
//   - RefundProRata refunds paid × unused ÷ total, rounded down to the penny:
//     the council pays whole pence and never more than the exact share, so
//     a set of refunds can never add up to more than was paid.
//   - RefundFull refunds the whole amount paid if cancelled on or before the
//     expiry date.
//   - An admin fee is deducted from a pro-rata or full refund; a refund is
//     never negative and never more than was paid.
//   - A free permit (0.00 paid) refunds 0.00, and says so.
//
// Every Refund carries the months counted and a sentence explaining the
// amount.
//
// # Dates
//
// Calendar dates are time.Time values representing a Europe/London civil
// date; only the year, month and day (read in the value's own location) are
// used, and dates this package returns are at 00:00 UTC. Internally every
// date is a zones/civil Date, the project's one calendar-date type, which is
// the only project package pricing imports.
package pricing
