package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govuknotify/govuknotifytest"
)

const (
	receivedTemplate    = "4f1c7a2e-8b1d-4c55-9d7e-2a6f0b3c9e11"
	receivedSMSTemplate = "6a0d2c1b-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	approvedSMSTemplate = "9b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e"
)

// slowNotify is the fake Notify answering after delay.
func slowNotify(t testing.TB, delay time.Duration) (*govuknotifytest.Server, string) {
	t.Helper()
	fake := govuknotifytest.NewServer(govuknotifytest.Config{Templates: []govuknotifytest.Template{
		{ID: receivedTemplate, Type: "email", Subject: "Your permit application", Body: "We have your application and will decide it soon."},
		{ID: receivedSMSTemplate, Type: "sms", Body: "We have your application for permit ((permit_id)) and will decide it soon."},
		{ID: approvedSMSTemplate, Type: "sms", Body: "Your ((permit_type)) ((permit_id)) for ((vrm)) is approved from ((starts_on))."},
	}})
	t.Cleanup(fake.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		fake.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return fake, front.URL
}

func notifyTemplatesFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "templates.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"email": {"application_received": "`+receivedTemplate+`"},
 "sms": {"application_received": "`+receivedSMSTemplate+`", "approved": "`+approvedSMSTemplate+`"}}`), 0o600))
	return path
}

// TestNotifyGOVUK: permitd --notify govuknotify against the fake Notify.
// The application is answered without waiting for Notify (which takes
// 300 ms here); the message arrives once, even when Notify first answers
// 429; the key never reaches the log.
func TestNotifyGOVUK(t *testing.T) {
	err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--notify", "govuknotify"},
		func(string) string { return "" }, &lockedBuffer{})
	require.ErrorContains(t, err, "--notify govuknotify needs PERMITD_NOTIFY_API_KEY")

	fake, url := slowNotify(t, 300*time.Millisecond)
	fake.FailNext(http.StatusTooManyRequests)
	s := startServerEnv(t, filepath.Join(t.TempDir(), "permitd.db"), map[string]string{"PERMITD_NOTIFY_API_KEY": fake.APIKey(), "PERMITD_NOTIFY_URL": url},
		"--notify", "govuknotify", "--notify-templates", notifyTemplatesFile(t))
	jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
	start := time.Now()
	s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", time.Now().AddDate(0, 0, -7).Format(time.DateOnly))})
	require.Less(t, time.Since(start), 300*time.Millisecond, "the request does not wait for Notify")

	require.Eventually(t, func() bool { return len(fake.Sent()) == 1 }, 20*time.Second, 50*time.Millisecond, "sent in the background, after Notify's 429")
	time.Sleep(500 * time.Millisecond)
	sent := fake.Sent()
	require.Len(t, sent, 1, "delivered once")
	require.Equal(t, "resident@example.com", sent[0].To)
	require.NotEmpty(t, sent[0].Reference, "our message id as the reference")
	require.NotContains(t, sent[0].Reference, "@")

	// Issue 19: the holder's subject access export lists the message
	// the outbox recorded, and that Notify took it.
	x := s.must(200, "GET", "/v1/accounts/"+jane.id+"/export", jane.token, nil)
	msgs := x["messages"].([]any)
	require.Len(t, msgs, 1)
	m := msgs[0].(map[string]any)
	require.Equal(t, "application_received", m["kind"])
	require.Equal(t, "resident@example.com", m["to"])
	require.Equal(t, "sent", m["status"])
	require.Equal(t, sent[0].Reference, m["id"], "the reference Notify was given")
	require.NoError(t, s.oas.Err())
	require.NotContains(t, s.out.String(), fake.APIKey())
}

// TestNotifyGOVUKTextMessage: a resident who gave only a mobile number
// hears of the application and of its approval by text message, to the
// number in E.164, with the approval's values filled in. Notify's
// delivery receipts come back with the callback's token: a permanent
// failure shows on the account for officers, once however often Notify
// sends it, and a later delivery clears it. On SQLite and PostgreSQL.
func TestNotifyGOVUKTextMessage(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			const receiptToken = "notify-callback-token-0123456789"
			fake, url := slowNotify(t, 0)
			s := startServerEnv(t, db(t), map[string]string{"PERMITD_NOTIFY_API_KEY": fake.APIKey(), "PERMITD_NOTIFY_URL": url,
				"PERMITD_NOTIFY_RECEIPT_TOKEN": receiptToken},
				"--notify", "govuknotify", "--notify-templates", notifyTemplatesFile(t))
			fake.SetCallback(s.base+"/v1/notification-receipts/govuknotify", receiptToken)
			uprn := s.find("LE11 3AB", "12")["uprn"].(string)
			acc := s.must(201, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "phone": "07700 900123", "uprn": uprn})
			require.Equal(t, "+447700900123", acc["phone"], "stored in E.164")
			accID, tok := acc["id"].(string), acc["token"].(string)
			p := s.must(201, "POST", "/v1/accounts/"+accID+"/permits", tok,
				map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", time.Now().AddDate(0, 0, -7).Format(time.DateOnly))})
			pid := p["id"].(string)
			s.must(200, "POST", "/v1/permits/"+pid+"/approve", testOfficerToken, nil)

			require.Eventually(t, func() bool { return len(fake.Sent()) == 2 }, 20*time.Second, 50*time.Millisecond)
			sent := fake.Sent()
			byTemplate := map[string]govuknotifytest.Notification{}
			for _, n := range sent {
				require.Equal(t, "sms", n.Type)
				require.Equal(t, "+447700900123", n.To)
				require.Equal(t, pid, n.Personalisation["permit_id"])
				require.True(t, strings.HasPrefix(n.Reference, "msg_"), "our message id as the reference: %q", n.Reference)
				byTemplate[n.TemplateID] = n
			}
			require.Len(t, byTemplate, 2)
			approved, received := byTemplate[approvedSMSTemplate], byTemplate[receivedSMSTemplate]
			require.Equal(t, "current", approved.Personalisation["status"], "its status on the day")

			// Receipts: the wrong token is refused.
			s.problem(401, "unauthorized", "POST", "/v1/notification-receipts/govuknotify", "not-the-token", map[string]any{"id": approved.ID, "reference": approved.Reference, "status": "delivered"})
			require.Nil(t, s.must(200, "GET", "/v1/accounts/"+accID, testOfficerToken, nil)["message_failure"])

			// A permanent failure, sent twice as Notify retries: on the
			// account once.
			for range 2 {
				_, err := fake.SendReceipt(t.Context(), approved.ID, "permanent-failure")
				require.NoError(t, err)
			}
			got := s.must(200, "GET", "/v1/accounts/"+accID, testOfficerToken, nil)
			failure, ok := got["message_failure"].(map[string]any)
			require.True(t, ok, "message_failure: %v", got["message_failure"])
			require.Equal(t, approved.Reference, failure["message_id"])
			require.Equal(t, "approved", failure["kind"])
			require.Equal(t, "sms", failure["channel"])
			require.Equal(t, pid, failure["permit_id"])
			require.Equal(t, "permanent-failure", failure["delivery"])

			failed := eventsOfType(s, "notification.failed")
			require.Len(t, failed, 1, "a repeated receipt appends nothing")
			data := failed[0]["data"].(map[string]any)
			require.Equal(t, map[string]any{"message_id": approved.Reference, "kind": "approved", "channel": "sms",
				"delivery": "permanent-failure", "permit_id": pid}, data)
			require.NotNil(t, failed[0]["account"].(map[string]any)["message_failure"], "the event carries the account as it stands after it")

			// A later delivery on the same channel clears it.
			_, err := fake.SendReceipt(t.Context(), received.ID, "delivered")
			require.NoError(t, err)
			require.Nil(t, s.must(200, "GET", "/v1/accounts/"+accID, testOfficerToken, nil)["message_failure"])
			require.Len(t, eventsOfType(s, "notification.delivered"), 1)
			require.NoError(t, s.oas.Err())
		})
	}
}

// eventsOfType is every event of the feed of type typ, in order.
func eventsOfType(s *server, typ string) []map[string]any {
	s.t.Helper()
	var out []map[string]any
	after := ""
	for {
		page := s.must(200, "GET", "/v1/events?limit=100&after="+after, testOfficerToken, nil)
		evs, _ := page["events"].([]any)
		for _, e := range evs {
			if m := e.(map[string]any); m["type"] == typ {
				out = append(out, m)
			}
		}
		next, _ := page["next"].(string)
		if len(evs) == 0 || next == after {
			return out
		}
		after = next
	}
}
