// Package webhook delivers the permit event feed to back-office systems:
// officers register endpoint URLs, and every event of permit.Service's
// feed is POSTed to every endpoint that wants its type, signed with the
// endpoint's secret.
//
// What it decides:
//
//   - Which URLs may be endpoints (Policy): https (plain http only to
//     the loopback or private addresses the server allows), no user
//     information, never a link-local, cloud-metadata, multicast or
//     unspecified address; private ranges and loopback only where the
//     server allows them. A URL is checked when it is registered and the
//     address it resolves to is checked again on every connection, so a
//     DNS answer that changes after registration (rebinding) reaches
//     nothing it should not. Redirects are not followed: a 3xx is a failed
//     attempt.
//   - How a request is signed (Sign, Verify): the Carerpermit-Signature
//     header "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">",
//     beside Carerpermit-Event-Id for receivers to drop duplicates (the
//     same id is inside the signed body). After a secret rotation the
//     previous secret signs too, a second v1, for the overlap (SignAll).
//   - Delivery guarantees (Dispatcher): at least once; in feed order per
//     permit (or per account, for events without a permit) and endpoint,
//     so a failing event holds back the later events of the same permit
//     for that endpoint and no other; retried with capped exponential
//     backoff and jitter for RetryFor (three days); then the delivery is
//     dead and its endpoint paused, and the officers are told (Paused),
//     until one resumes it or retries its dead deliveries: a dead delivery
//     never holds its permit's later events back for ever.
//   - Shared state (Store): endpoints, the fan-out cursor and deliveries
//     live in a Store (MemoryStore, or SQLStore on SQLite or PostgreSQL),
//     so several server instances share them; a delivery is claimed with a
//     lease, so two instances never send the same attempt at once.
//   - The officers' HTTP endpoints under /v1/webhooks (NewHandler), with
//     the API's problem documents and codes.
//
// Secrets are stored as given, not hashed: the server must compute the
// HMAC with the secret on every delivery, so it needs the secret itself.
// Protect the database accordingly; the API shows a secret once, at
// registration.
package webhook
