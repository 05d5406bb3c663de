// Package scheme reads a council's scheme file — one strict YAML document
// — into the permit.Scheme the permit Service applies. It decides whether a
// file is a scheme at all: every key is one the format knows, every value
// has its shape (money quoted, dates YYYY-MM-DD, whole numbers unquoted),
// every section the rules need is there, what the domain packages refuse
// (eligibility, evidence, pricing) is traced back to the line that said
// it, and every notification template compiles and runs (package message).
// It reports every problem at once, each with its line and path, in a
// *permit.SchemeError, so that a council officer mends the file in one
// pass.
//
// The YAML library is imported here and nowhere in the domain: package
// permit knows the Scheme, not the file it came from. Load reads only the
// io.Reader it is given; the time zone database it needs is compiled in.
package scheme
