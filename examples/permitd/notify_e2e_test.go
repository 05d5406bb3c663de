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

const receivedTemplate = "4f1c7a2e-8b1d-4c55-9d7e-2a6f0b3c9e11"

// slowNotify is the fake Notify answering after delay.
func slowNotify(t testing.TB, delay time.Duration) (*govuknotifytest.Server, string) {
	t.Helper()
	fake := govuknotifytest.NewServer(govuknotifytest.Config{Templates: []govuknotifytest.Template{
		{ID: receivedTemplate, Type: "email", Subject: "Your permit application", Body: "We have your application and will decide it soon."},
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
	require.NoError(t, os.WriteFile(path, []byte(`{"email": {"application_received": "`+receivedTemplate+`"}}`), 0o600))
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
	require.NoError(t, s.oas.Err())
	require.NotContains(t, s.out.String(), fake.APIKey())
}
