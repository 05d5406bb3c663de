package lognotify_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/lognotify"
	"github.com/carerpermit/carerpermit/permit"
)

func TestNotify(t *testing.T) {
	var buf bytes.Buffer
	n := lognotify.New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})))
	require.NoError(t, n.Notify(context.Background(), permit.Message{Kind: permit.MessageExpiryReminder, AccountID: "acc_1", PermitID: "per_1",
		To: "jane.smith@example.com", Data: map[string]string{"days_before": "30", "expires_on": "2027-11-01"}}))
	require.Equal(t, "level=INFO msg=notification kind=expiry_reminder account_id=acc_1 permit_id=per_1 to_domain=example.com data.days_before=30 data.expires_on=2027-11-01\n", buf.String())
	require.NotContains(t, buf.String(), "jane.smith")
}

func ExampleNotifier_Notify() {
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	_ = lognotify.New(log).Notify(context.Background(), permit.Message{Kind: permit.MessageApproved, AccountID: "acc_1", PermitID: "per_1",
		To: "jane@example.com", Data: map[string]string{"vrm": "AB12CDE"}})
	// Output:
	// level=INFO msg=notification kind=approved account_id=acc_1 permit_id=per_1 to_domain=example.com data.vrm=AB12CDE
}
