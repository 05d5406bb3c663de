package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
)

// BenchmarkDeliver fans out 1,000 events of 100 permits to one loopback
// receiver and delivers them all, per store; deliveries/s is reported.
//
//	go test ./adapters/webhook -run '^$' -bench Deliver -benchtime 3x
func BenchmarkDeliver(b *testing.B) {
	const events, permits = 1000, 100
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer rc.Close()
	for _, kind := range []string{"Memory", "SQLite", "Postgres"} {
		b.Run(kind, func(b *testing.B) {
			var delivered int
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				var s webhook.Store
				switch kind {
				case "Memory":
					s = webhook.NewMemoryStore()
				case "SQLite":
					s = sqliteDatabase(b).store(b)
				case "Postgres":
					s = postgresDatabase(b).store(b)
				}
				f := &feed{}
				for i := range events {
					f.add(permit.EventPermitApplied, fmt.Sprintf("p%d", i%permits), "a")
				}
				require.NoError(b, s.CreateEndpoint(context.Background(), webhook.Endpoint{ID: "wh_a", URL: rc.URL, Secret: "whsec_x", CreatedAt: t0}))
				d, err := webhook.NewDispatcher(s, f, &webhook.DispatcherOptions{Policy: webhook.Policy{AllowLoopback: true}, Concurrency: 8})
				require.NoError(b, err)
				b.StartTimer()
				start := time.Now()
				rep, err := d.RunOnce(context.Background(), t0)
				elapsed += time.Since(start)
				require.NoError(b, err)
				require.Equal(b, events, rep.Delivered)
				delivered += rep.Delivered
			}
			b.ReportMetric(float64(delivered)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
