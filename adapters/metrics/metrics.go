package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carerpermit/carerpermit/permit"
)

const namespace = "carerpermit"

// Metrics holds one server's metrics in its own Registry. Its methods are
// safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	events          *prometheus.CounterVec
	outcomes        *prometheus.CounterVec
	dueRuns         *prometheus.CounterVec
	dueItems        *prometheus.CounterVec
	payCalls        *prometheus.CounterVec
	payDuration     *prometheus.HistogramVec
	notifyCalls     *prometheus.CounterVec
	notifyDuration  *prometheus.HistogramVec
	deliveries      *prometheus.CounterVec
	dispatchErrors  prometheus.Counter
	webhooksPaused  prometheus.Counter
}

// New returns Metrics with a new Registry holding the Go runtime's and the
// process's collectors and every metric of the package comment.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_total",
			Help: "Events committed by this instance, by type."}, []string{"type"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "permit_outcomes_total",
			Help: "Applications and decisions committed by this instance, by outcome and charge (free or paid)."}, []string{"outcome", "charge"}),
		dueRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "due_runs_total",
			Help: "Runs of the due jobs, by result (ok or error)."}, []string{"result"}),
		dueItems: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "due_items_total",
			Help: "Items the due jobs did, by job."}, []string{"job"}),
		payCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "payment_calls_total",
			Help: "Calls to the payment provider, by operation and result."}, []string{"operation", "result"}),
		payDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "payment_call_duration_seconds",
			Help: "Time of a call to the payment provider, by operation.", Buckets: prometheus.DefBuckets}, []string{"operation"}),
		notifyCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "notifier_calls_total",
			Help: "Notifications sent, by message kind and result."}, []string{"kind", "result"}),
		notifyDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "notifier_call_duration_seconds",
			Help: "Time to send a notification, by message kind.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "webhook_deliveries_total",
			Help: "Webhook deliveries handled by this instance, by result (enqueued, delivered, failed, dead, purged)."}, []string{"result"}),
		dispatchErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "webhook_dispatch_errors_total",
			Help: "Rounds of the webhook dispatcher that ended in an error."}),
		webhooksPaused: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "webhook_endpoints_paused_total",
			Help: "Webhooks a dead delivery paused: each waits for an officer to resume it or retry its dead deliveries."}),
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration, m.events, m.outcomes, m.dueRuns, m.dueItems,
		m.payCalls, m.payDuration, m.notifyCalls, m.notifyDuration, m.deliveries, m.dispatchErrors, m.webhooksPaused)
	for _, r := range []string{"ok", "error"} {
		m.dueRuns.WithLabelValues(r)
	}
	for _, j := range dueJobs {
		m.dueItems.WithLabelValues(j)
	}
	for _, r := range webhookResults {
		m.deliveries.WithLabelValues(r)
	}
	return m
}

// Registry is the Metrics' own registry, for a server's further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format (or the
// format the scraper asks for). It checks no credentials: the server
// puts it behind its own, or on a listener of its own.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// unmatched is the route label of a request no route matched.
const unmatched = "unmatched"

// ObserveRequest counts one answered request: route is its route pattern
// ("" when none matched), never the raw path.
func (m *Metrics) ObserveRequest(route string, status int, elapsed time.Duration) {
	if route == "" {
		route = unmatched
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(elapsed.Seconds())
}

// dueJobs are the due_items_total job labels, in DueReport's order.
var dueJobs = []string{"vehicle_changes_applied", "reminders_sent", "unpaid_withdrawn", "reviews_overdue",
	"address_changes_overdue", "payments_retried", "payment_retries_failed", "vehicles_checked", "payments_confirmed", "holds_captured_early",
	"evidence_deleted", "documents_deleted", "accounts_anonymised"}

// ObserveDue counts one run of the due jobs and what it did (each field
// of the report); its signature fits permit.Options.DueRan.
func (m *Metrics) ObserveDue(r permit.DueReport, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.dueRuns.WithLabelValues(result).Inc()
	for i, n := range []int{r.VehicleChangesApplied, r.RemindersSent, r.UnpaidWithdrawn, r.ReviewsOverdue,
		r.AddressChangesOverdue, r.PaymentsRetried, r.PaymentRetriesFailed, r.VehiclesChecked, r.PaymentsConfirmed, r.HoldsCapturedEarly,
		r.EvidenceDeleted, r.DocumentsDeleted, r.AccountsAnonymised} {
		if n > 0 {
			m.dueItems.WithLabelValues(dueJobs[i]).Add(float64(n))
		}
	}
}

// WebhookRound is what one round of the webhook dispatcher did: the
// server copies webhook.Report into it (this package imports no other
// adapter).
type WebhookRound struct {
	Enqueued, Delivered, Failed, Dead, Purged int
	Paused                                    int // webhooks the dead deliveries paused
}

var webhookResults = []string{"enqueued", "delivered", "failed", "dead", "purged"}

// ObserveWebhooks counts one dispatcher round; err is the round's error.
func (m *Metrics) ObserveWebhooks(r WebhookRound, err error) {
	for i, n := range []int{r.Enqueued, r.Delivered, r.Failed, r.Dead, r.Purged} {
		if n > 0 {
			m.deliveries.WithLabelValues(webhookResults[i]).Add(float64(n))
		}
	}
	if r.Paused > 0 {
		m.webhooksPaused.Add(float64(r.Paused))
	}
	if err != nil {
		m.dispatchErrors.Inc()
	}
}

// WebhookBacklog counts the deliveries not yet delivered: pending ones
// (still to be tried) and dead ones.
type WebhookBacklog func(ctx context.Context) (pending, dead int, err error)

// backlogTimeout bounds one reading of the backlog at a scrape.
const backlogTimeout = 5 * time.Second

// WatchWebhookBacklog reads the backlog at every scrape as
// webhook_backlog{status}; a failed reading is left out of that scrape and
// counted in webhook_backlog_errors_total. Call it once.
func (m *Metrics) WatchWebhookBacklog(count WebhookBacklog) error {
	return m.reg.Register(&backlogCollector{count: count,
		desc: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "webhook_backlog"),
			"Webhook deliveries not yet delivered, by status (pending or dead); the same on every instance sharing a database.", []string{"status"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "webhook_backlog_errors_total",
			Help: "Scrapes that could not read the webhook backlog."})})
}

type backlogCollector struct {
	count  WebhookBacklog
	desc   *prometheus.Desc
	errors prometheus.Counter
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errors.Describe(ch)
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	pending, dead, err := c.count(ctx)
	if err != nil {
		c.errors.Inc()
	} else {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(pending), "pending")
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(dead), "dead")
	}
	c.errors.Collect(ch)
}

// WatchDB adds the database pool's statistics (sql.DBStats) as go_sql_*
// with db_name "carerpermit". Call it once.
func (m *Metrics) WatchDB(db *sql.DB) error {
	return m.reg.Register(collectors.NewDBStatsCollector(db, namespace))
}
