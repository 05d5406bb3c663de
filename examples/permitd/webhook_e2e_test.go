package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// backOffice is a council back-office system receiving webhooks on
// loopback: it verifies each request's signature, and can be made to fail.
type backOffice struct {
	*httptest.Server
	mu      sync.Mutex
	secret  string
	failing bool
	got     []map[string]any // verified requests' bodies, in arrival order
	bad     []string         // why requests were refused
}

func newBackOffice(t *testing.T) *backOffice {
	b := &backOffice{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// Events may come before the registration's answer has told us
		// the secret: wait for it.
		for deadline := time.Now().Add(10 * time.Second); ; {
			b.mu.Lock()
			if b.secret != "" || time.Now().After(deadline) {
				break
			}
			b.mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
		defer b.mu.Unlock()
		if err := webhook.Verify(b.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
			b.bad = append(b.bad, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if b.failing {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil || ev["id"] != r.Header.Get(webhook.EventIDHeader) {
			b.bad = append(b.bad, "body and Carerpermit-Event-Id disagree")
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b.got = append(b.got, ev)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backOffice) set(secret string, failing bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.secret, b.failing = secret, failing
}

// typesOf lists the event types received for a permit, in arrival order,
// each once (the receiver dedupes by event ID).
func (b *backOffice) typesOf(permitID string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := map[any]bool{}
	var out []string
	for _, ev := range b.got {
		if ev["permit_id"] == permitID && !seen[ev["id"]] {
			seen[ev["id"]] = true
			out = append(out, ev["type"].(string))
		}
	}
	return out
}

func (b *backOffice) refused() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.bad...)
}

// webhooks drives the back-office integration over HTTP: officers register
// a webhook, permit events arrive signed and in order; a failing receiver
// leaves a dead letter that pauses the webhook, and an officer sees it,
// rotates the secret and retries the dead deliveries.
func webhooks(t *testing.T, s *server) {
	const officer = testOfficerToken
	bo := newBackOffice(t)
	sam := s.open("Sam Patel", s.find("LE11 3AB", "15")["uprn"].(string))

	// Who may, and which URLs.
	s.problem(401, "unauthorized", "GET", "/v1/webhooks", "", nil)
	s.problem(403, "forbidden", "POST", "/v1/webhooks", sam.token, map[string]any{"url": bo.URL})
	for _, bad := range []string{"http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/"} {
		s.problem(422, "invalid_webhook_url", "POST", "/v1/webhooks", officer, map[string]any{"url": bad})
	}
	s.problem(422, "validation_failed", "POST", "/v1/webhooks", officer, map[string]any{"url": bo.URL, "event_types": []string{"permit.aproved"}})

	hook := s.must(201, "POST", "/v1/webhooks", officer, map[string]any{"url": bo.URL + "/permit-events", "description": "Back office", "event_types": []string{"permit.*"}},
		"Idempotency-Key", "register-back-office")
	id := hook["id"].(string)
	bo.set(hook["secret"].(string), false)
	again := s.must(201, "POST", "/v1/webhooks", officer, map[string]any{"url": bo.URL + "/permit-events", "description": "Back office", "event_types": []string{"permit.*"}},
		"Idempotency-Key", "register-back-office")
	require.Equal(t, hook, again, "registered once")
	require.NotContains(t, s.must(200, "GET", "/v1/webhooks/"+id, officer, nil), "secret")
	require.Len(t, s.must(200, "GET", "/v1/webhooks", officer, nil)["webhooks"], 1)

	// Apply and approve: both arrive, signed, in order.
	p := s.must(201, "POST", "/v1/accounts/"+sam.id+"/permits", sam.token, map[string]any{"type": "essential-carer", "vrm": "SP12ATL",
		"evidence": []map[string]any{{"kind": "proof_of_care", "issued_on": "2027-10-20", "name": "Sam Patel", "address": "15 Leicester Close, Loughborough"}}})
	pid := p["id"].(string)
	s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)
	require.Eventually(t, func() bool { return len(bo.typesOf(pid)) == 2 }, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, []string{"permit.applied", "permit.approved"}, bo.typesOf(pid))

	// The back office fails: a delivery dies (this server allows one
	// attempt) and pauses the webhook, which says why; the cancellation
	// waits, dead or pending. (Events of the journey's last moments,
	// fanned out after the registration, may be among the dead: a
	// registration gets what is fanned out from then on.)
	bo.set(hook["secret"].(string), true)
	s.must(200, "POST", "/v1/permits/"+pid+"/cancel", sam.token, map[string]any{"reason": "no longer caring"})
	var paused map[string]any
	require.Eventually(t, func() bool {
		paused = s.must(200, "GET", "/v1/webhooks/"+id, officer, nil)
		return paused["status"] == "paused"
	}, 30*time.Second, 100*time.Millisecond)
	require.Contains(t, paused["paused_reason"], "HTTP 500")
	page := s.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?status=dead&limit=1000", officer, nil)
	require.NotEmpty(t, page["deliveries"])
	dead := page["deliveries"].([]any)[0].(map[string]any)
	require.Equal(t, float64(500), dead["last_status_code"])
	one := s.must(200, "GET", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string), officer, nil)
	require.Equal(t, dead["event_id"], one["event"].(map[string]any)["id"])

	// The key is rotated as the receiver is mended: the back office holds
	// only the new secret, and the requests carry both signatures for the
	// overlap. An officer retries every dead delivery, which resumes the
	// webhook; the cancellation arrives after the permit's earlier events.
	rotated := s.must(200, "POST", "/v1/webhooks/"+id+"/rotate-secret", officer, map[string]any{"overlap_hours": 1})
	require.NotEqual(t, hook["secret"], rotated["secret"])
	require.NotEmpty(t, rotated["previous_secret_expires_at"])
	bo.set(rotated["secret"].(string), false)
	bulk := s.must(200, "POST", "/v1/webhooks/"+id+"/deliveries/retry", officer, nil)
	require.GreaterOrEqual(t, bulk["retried"], float64(1))
	require.Equal(t, "active", bulk["webhook"].(map[string]any)["status"])
	require.Eventually(t, func() bool { return len(bo.typesOf(pid)) == 3 }, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, []string{"permit.applied", "permit.approved", "permit.cancelled"}, bo.typesOf(pid))
	require.Equal(t, "active", s.must(200, "POST", "/v1/webhooks/"+id+"/resume", officer, nil)["status"], "resuming an active webhook changes nothing")
	require.Eventually(t, func() bool {
		return s.must(200, "GET", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string), officer, nil)["status"] == "delivered"
	}, 30*time.Second, 100*time.Millisecond)
	s.problem(409, "invalid_transition", "POST", "/v1/webhooks/"+id+"/deliveries/"+dead["id"].(string)+"/retry", officer, nil)
	delivered := s.must(200, "GET", "/v1/webhooks/"+id+"/deliveries?status=delivered&limit=1000", officer, nil)
	require.NotEmpty(t, delivered["deliveries"])
	require.Empty(t, bo.refused(), "every request was signed with the secret the back office held")

	s.must(204, "DELETE", "/v1/webhooks/"+id, officer, nil)
	s.problem(404, "not_found", "GET", "/v1/webhooks/"+id, officer, nil)
}

func TestWebhookConfig(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"PERMITD_WEBHOOK_ALLOW_LOOPBACK": "1", "PERMITD_WEBHOOK_ALLOW_PRIVATE": "true", "PERMITD_WEBHOOK_MAX_ATTEMPTS": "5"}
	c, err := parseConfig(nil, func(k string) string { return env[k] }, &out)
	require.NoError(t, err)
	require.Equal(t, webhook.Policy{AllowLoopback: true, AllowPrivate: true}, c.webhookPolicy)
	require.Equal(t, 5, c.webhookMaxAttempts)
	c, err = parseConfig([]string{"--webhook-allow-loopback=false", "--webhook-max-attempts", "2"}, func(k string) string { return env[k] }, &out)
	require.NoError(t, err)
	require.Equal(t, webhook.Policy{AllowPrivate: true}, c.webhookPolicy, "a flag wins over its variable")
	require.Equal(t, 2, c.webhookMaxAttempts)
	c, err = parseConfig(nil, func(string) string { return "" }, &out)
	require.NoError(t, err)
	require.Equal(t, webhook.Policy{}, c.webhookPolicy, "public addresses only unless told")
	for _, bad := range [][]string{{"--webhook-max-attempts", "-1"}, {"--webhook-max-attempts", "101"}, {"--webhook-max-attempts", "many"}} {
		_, err = parseConfig(bad, func(string) string { return "" }, &out)
		require.Error(t, err, "%v", bad)
	}
	_, err = parseConfig(nil, func(k string) string { return map[string]string{"PERMITD_WEBHOOK_MAX_ATTEMPTS": "x"}[k] }, &out)
	require.Error(t, err)
}
