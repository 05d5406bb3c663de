package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
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

// After a secret rotation the previous secret signs too, for the overlap:
// a receiver holding either key verifies the request.
func ExampleSignAll() {
	body := []byte(`{"id":"00000000000000000042","type":"permit.approved"}`)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	header := webhook.SignAll([]string{"whsec_new", "whsec_old"}, at, body)
	fmt.Println(webhook.Verify("whsec_old", header, body, at, 0) == nil, webhook.Verify("whsec_new", header, body, at, 0) == nil)
	fmt.Println(webhook.Verify("whsec_other", header, body, at, 0))
	// Output:
	// true true
	// webhook: invalid signature: no v1 signature matches the body
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

// Which endpoint URLs a server accepts: the zero Policy allows public
// addresses only; tests and evaluation allow loopback too.
func ExamplePolicy_CheckURL() {
	public := webhook.Policy{}
	for _, u := range []string{
		"https://backoffice.example.gov.uk/permit-events",
		"http://169.254.169.254/latest/meta-data/",
		"https://user:pw@backoffice.example.gov.uk/",
		"http://127.0.0.1:8080/hook",
	} {
		if _, err := public.CheckURL(u); err != nil {
			var ue *webhook.URLError
			errors.As(err, &ue)
			fmt.Println("refused:", ue.Reason)
			continue
		}
		fmt.Println("accepted:", u)
	}
	_, err := webhook.Policy{AllowLoopback: true}.CheckURL("http://127.0.0.1:8080/hook")
	fmt.Println("with AllowLoopback:", err)
	// Output:
	// accepted: https://backoffice.example.gov.uk/permit-events
	// refused: 169.254.169.254 is link-local (where cloud metadata services live)
	// refused: user names and passwords in URLs are not allowed; the request is signed instead
	// refused: 127.0.0.1 is loopback (this server itself), which this server does not allow
	// with AllowLoopback: <nil>
}

// events is the smallest EventSource: a slice, the cursor its length read.
type events []permit.Event

func (es events) Events(_ context.Context, after string, limit int) ([]permit.Event, string, error) {
	start, _ := strconv.Atoi(after)
	end := min(start+limit, len(es))
	if end <= start {
		return nil, after, nil
	}
	return es[start:end], strconv.Itoa(end), nil
}

// A Dispatcher fans the feed out to the registered endpoints and sends
// what is due; permitd runs it with Run, tests with RunOnce at an instant.
func ExampleDispatcher() {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	secret, _ := webhook.NewSecret()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, at, 0)
		fmt.Println(r.Header.Get(webhook.EventTypeHeader), "signature ok:", err == nil)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	store := webhook.NewMemoryStore()
	_ = store.CreateEndpoint(ctx, webhook.Endpoint{ID: "wh_backoffice", URL: receiver.URL, Secret: secret, CreatedAt: at})
	feed := events{
		{ID: "1", Type: permit.EventPermitApplied, At: at, Actor: "account:acc_1", PermitID: "per_1", AccountID: "acc_1"},
		{ID: "2", Type: permit.EventPermitApproved, At: at, Actor: "officer:officer-1a2b3c4d", PermitID: "per_1", AccountID: "acc_1"},
	}
	d, _ := webhook.NewDispatcher(store, feed, &webhook.DispatcherOptions{Policy: webhook.Policy{AllowLoopback: true}})
	rep, err := d.RunOnce(ctx, at)
	fmt.Printf("%+v %v\n", rep, err)
	// Output:
	// permit.applied signature ok: true
	// permit.approved signature ok: true
	// {Enqueued:2 Delivered:2 Failed:0 Dead:0 Paused:0 Purged:0} <nil>
}

// The officers' endpoints; the server passes its own authentication in.
func ExampleNewHandler() {
	h, _ := webhook.NewHandler(webhook.NewMemoryStore(), &webhook.HandlerOptions{
		Authorize: func(r *http.Request) (webhook.Caller, error) {
			if r.Header.Get("Authorization") == "Bearer an-officer-token" {
				return webhook.Caller{SignedIn: true, Officer: true, Name: "officer-1a2b3c4d"}, nil
			}
			return webhook.Caller{}, nil
		},
	})
	post := func(body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/webhooks", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer an-officer-token")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := post(`{"url": "https://93.184.216.34/permit-events", "event_types": ["permit.*"]}`)
	var created struct {
		ID, Secret string
	}
	_ = json.Unmarshal(w.Body.Bytes(), &created)
	fmt.Println(w.Code, strings.HasPrefix(created.ID, "wh_"), strings.HasPrefix(created.Secret, "whsec_"))

	w = post(`{"url": "http://169.254.169.254/latest/meta-data/"}`)
	var problem struct {
		Code, Detail string
	}
	_ = json.Unmarshal(w.Body.Bytes(), &problem)
	fmt.Println(w.Code, w.Header().Get("Content-Type"), problem.Code)
	fmt.Println(problem.Detail)
	// Output:
	// 201 true true
	// 422 application/problem+json invalid_webhook_url
	// The URL is refused: 169.254.169.254 is link-local (where cloud metadata services live).
}
