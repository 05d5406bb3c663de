// Package metrics counts what a permit server does, for Prometheus: one
// Registry per Metrics (never the global default), served in the
// Prometheus text format by Handler.
//
// It imports only the domain packages and the Prometheus client. A server
// wires it: decorators for the ports it measures (Store, Payments,
// Notifier), and plain methods the other adapters' hooks call
// (ObserveRequest from httpapi.Options.Observe and
// webhook.HandlerOptions.Observe, ObserveDue from permit.Options.DueRan,
// ObserveWebhooks from webhook.DispatcherOptions.Reported,
// WatchWebhookBacklog and WatchDB at start).
//
// Every count is made in the process that did the work, at the point it
// was done, so several instances sharing one database never count the same
// thing twice: sum them across instances. The two gauges read from the
// database (the webhook backlog, which every instance reports alike) are
// the exception: take their max, not their sum.
//
// Metrics (all prefixed carerpermit_ except the Go runtime's, the
// process's and the database pool's):
//
//	http_requests_total{route,status}                 requests answered, by route pattern ("GET /v1/permits/{id}"; "unmatched" when none) and status code
//	http_request_duration_seconds{route}              histogram of the time to answer
//	events_total{type}                                 events committed (permit.applied, permit.approved, ...)
//	permit_outcomes_total{outcome,charge}              applications and decisions: outcome applied, renewed, approved, rejected, cancelled or withdrawn; charge free or paid
//	due_runs_total{result}                             due-job runs, result ok or error
//	due_items_total{job}                               items the due jobs did: vehicle_changes_applied, reminders_sent, unpaid_withdrawn, reviews_overdue, address_changes_overdue, payments_retried, payment_retries_failed
//	payment_calls_total{operation,result}              payment-provider calls: operation authorise, capture, void or refund; result ok, refused, not_found, invalid_transition, canceled or error
//	payment_call_duration_seconds{operation}           histogram of their time
//	notifier_calls_total{kind,result}                  notifications: kind the message kind (approved, expiry_reminder, ...); result ok, canceled or error
//	notifier_call_duration_seconds{kind}               histogram of their time
//	webhook_deliveries_total{result}                   webhook work: result enqueued, delivered, failed (tried again later), dead or purged
//	webhook_dispatch_errors_total                      dispatcher rounds that ended in an error
//	webhook_backlog{status}                            deliveries not yet delivered, status pending or dead (read at each scrape)
//	webhook_backlog_errors_total                       scrapes that could not read the backlog
//	go_sql_*{db_name="carerpermit"}                   the database pool (sql.DBStats): open, in use, idle, waits, closed
//	go_*, process_*                                    the Go runtime and the process
//
// Labels never hold IDs, paths, registrations or anything about a person:
// only route patterns, status codes and the fixed words above.
package metrics
