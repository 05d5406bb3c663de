// Package message decides what a permit notification says. What a message
// carries is the permit Service's: for each Kind a fixed set of Data keys
// (Kind.Keys), dates as YYYY-MM-DD and money as "55.00", so that every
// notifier — an email sender, a log, a webhook — gets values a program can
// read. What a message says is the scheme's: templates turn those values
// into words for people ("31 March 2027", "£55.00"). The standard wording
// is embedded in this package; a council replaces any part of it in its
// scheme file, and Compile proves every template against sample messages
// before the scheme is used, so that a template mistake is a problem of
// the file, found at load, and never an email that cannot be sent.
//
// The package is pure: no I/O beyond its embedded templates, no clock, no
// globals that change. It imports only pricing (for money) and the
// standard library, so package permit can depend on it.
package message
