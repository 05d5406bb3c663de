package webhook_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// The header every delivery carries: the timestamp and the HMAC-SHA256,
// under the endpoint's secret, of "<timestamp>.<body>".
func ExampleSign() {
	body := []byte(`{"id":"00000000000000000042","type":"permit.approved"}`)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fmt.Println(webhook.SignatureHeader + ": " + webhook.Sign("whsec_example-secret", at, body))
	// Output:
	// Carerpermit-Signature: t=1796119200,v1=93075810dd0eb4f8ad3db0d5ff21c7bbcb09e67343f5dee6647c160160ec2f27
}

// A receiver checks the signature over the raw body before trusting it,
// and drops an event ID it has already processed (deliveries are at
// least once).
func ExampleVerify() {
	const secret = "whsec_example-secret" // as POST /v1/webhooks returned it
	now := time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC)
	seen := map[string]bool{}
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, now, 5*time.Minute); err != nil {
			var se *webhook.SignatureError
			errors.As(err, &se)
			fmt.Println("refused:", se.Reason)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhook.EventIDHeader)
		if seen[id] {
			fmt.Println("duplicate", id, "acknowledged, not processed again")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		seen[id] = true
		fmt.Println("processing", id, string(body))
		w.WriteHeader(http.StatusNoContent)
	})

	body := `{"id":"00000000000000000042","type":"permit.approved"}`
	sentAt := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, sig := range []string{
		webhook.Sign(secret, sentAt, []byte(body)),
		webhook.Sign(secret, sentAt, []byte(body)),        // a retry
		webhook.Sign("whsec_guess", sentAt, []byte(body)), // a forgery
	} {
		r := httptest.NewRequest(http.MethodPost, "/permit-events", strings.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, sig)
		r.Header.Set(webhook.EventIDHeader, "00000000000000000042")
		receiver.ServeHTTP(httptest.NewRecorder(), r)
	}
	// Output:
	// processing 00000000000000000042 {"id":"00000000000000000042","type":"permit.approved"}
	// duplicate 00000000000000000042 acknowledged, not processed again
	// refused: no v1 signature matches the body
}
