// Package httpapi is the v1 JSON API of docs/API.md over a permit.Service: the
// HTTP face that council portals and back-office systems integrate with.
// It decides how requests and answers look on the wire and who may make
// them; every permit rule stays in package permit.
//
// What it decides:
//
//   - Who is calling (an Authenticator; TokenAuth is the reference) and
//     what each role may do: officers everything; an account only its own
//     account and permits, anything else answering 404 as if absent;
//     an integration reads the feed, permits, accounts and the review
//     queue and decides nothing; refused endpoints 403; no or bad token
//     401.
//   - How every error looks: an RFC 9457 problem document with a stable
//     code, from one table (problemFor). A readable request whose values
//     break the rules is 422; one the server cannot read is 400; a state
//     that does not allow the operation is 409 invalid_transition. Server
//     errors carry a generic sentence and a request ID; their detail goes
//     to the log only.
//   - Idempotency: a POST with an Idempotency-Key is run once per key and
//     caller; a retry with the same body gets the first answer byte for
//     byte, a different body 409 idempotency_key_reused, and a retry
//     while the first is still running 409 conflict with Retry-After;
//     every replay carries Idempotent-Replayed: true. Keys are scoped to
//     the caller's account or officer; an anonymous replay leaves out the
//     "token" the first answer gave. Records live in an IdempotencyStore
//     (a server's database, adapters/sqlstore, so instances share them).
//   - What it accepts: JSON bodies up to 64 KiB (413 beyond), of type
//     application/json (415 otherwise), with no unknown fields (400
//     naming the field); uploads as multipart/form-data, sniffed to be PDF,
//     JPEG or PNG, up to a configured size per file and per permit,
//     spooled to a temporary file and streamed to a BlobStore, never held
//     whole in memory. Dates and instants are read in the years 1900 to
//     2199 (out_of_range otherwise); a permit's start is bounded by the
//     scheme instead (starts_in_past, starts_too_late).
//   - How fast one client may go: opening accounts is limited per client
//     address (Options.AccountCreationLimit; 429 rate_limited with
//     Retry-After), counted in a RateCounter that a server keeps in its
//     database (adapters/sqlstore), the client's address taken from
//     X-Forwarded-For only when a trusted proxy (Options.TrustedProxies)
//     sent it. The same limiter serves any other kind of request that
//     needs one (signing in, when there is such an endpoint).
//
// The OpenAPI 3.1 document describing all of it is embedded and served at
// GET /v1/openapi.json; examples/permitd's end-to-end tests validate real
// traffic against it.
package httpapi
