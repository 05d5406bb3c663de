package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/metrics"
	"github.com/carerpermit/carerpermit/permit"
)

// A server makes one Metrics, wraps the ports it measures, hands the
// Observe methods to the other adapters' hooks, and serves Handler (behind
// its officers' token, or on a listener of its own).
func ExampleNew() {
	m := metrics.New()

	// The wiring, in outline (see examples/permitd):
	//   svc, _ := permit.NewService(scheme, m.Store(store), locator, m.Payments(pay),
	//       &permit.Options{Notifier: m.Notifier(notifier), DueRan: m.ObserveDue})
	//   api, _ := httpapi.New(svc, locator, auth, &httpapi.Options{Observe: m.ObserveRequest})
	//   _ = m.WatchDB(db)
	m.ObserveRequest("POST /v1/accounts/{id}/permits", 201, 40*time.Millisecond)
	m.ObserveDue(permit.DueReport{RemindersSent: 2}, nil)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "carerpermit_http_requests_total{") || strings.HasPrefix(line, "carerpermit_due_items_total{job=\"reminders") {
			fmt.Println(line)
		}
	}
	// Output:
	// carerpermit_due_items_total{job="reminders_sent"} 2
	// carerpermit_http_requests_total{route="POST /v1/accounts/{id}/permits",status="201"} 1
}
