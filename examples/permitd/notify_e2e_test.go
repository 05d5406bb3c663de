package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
// number in E.164, with the approval's values filled in.
func TestNotifyGOVUKTextMessage(t *testing.T) {
	fake, url := slowNotify(t, 0)
	s := startServerEnv(t, filepath.Join(t.TempDir(), "permitd.db"), map[string]string{"PERMITD_NOTIFY_API_KEY": fake.APIKey(), "PERMITD_NOTIFY_URL": url},
		"--notify", "govuknotify", "--notify-templates", notifyTemplatesFile(t))
	uprn := s.find("LE11 3AB", "12")["uprn"].(string)
	acc := s.must(201, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "phone": "07700 900123", "uprn": uprn})
	require.Equal(t, "+447700900123", acc["phone"], "stored in E.164")
	tok := acc["token"].(string)
	p := s.must(201, "POST", "/v1/accounts/"+acc["id"].(string)+"/permits", tok,
		map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", time.Now().AddDate(0, 0, -7).Format(time.DateOnly))})
	pid := p["id"].(string)
	s.must(200, "POST", "/v1/permits/"+pid+"/approve", testOfficerToken, nil)

	require.Eventually(t, func() bool { return len(fake.Sent()) == 2 }, 20*time.Second, 50*time.Millisecond)
	sent := fake.Sent()
	for _, n := range sent {
		require.Equal(t, "sms", n.Type)
		require.Equal(t, "+447700900123", n.To)
		require.Equal(t, pid, n.Personalisation["permit_id"])
	}
	byTemplate := map[string]bool{sent[0].TemplateID: true, sent[1].TemplateID: true}
	require.Equal(t, map[string]bool{receivedSMSTemplate: true, approvedSMSTemplate: true}, byTemplate)
	require.NoError(t, s.oas.Err())
}
