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
	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

func textLogger(w *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
}

func TestNotify(t *testing.T) {
	var buf bytes.Buffer
	n := lognotify.New(textLogger(&buf))
	require.NoError(t, n.Notify(context.Background(), permit.Message{Kind: permit.MessageExpiryReminder, AccountID: "acc_1", PermitID: "per_1",
		To: "jane.smith@example.com", Data: map[string]string{"days_before": "30", "expires_on": "2027-11-01"}}))
	require.Equal(t, "level=INFO msg=notification kind=expiry_reminder account_id=acc_1 permit_id=per_1 data.days_before=30 data.expires_on=2027-11-01 withheld=to\n", buf.String())
}

func TestNotifyTextMessageAndLetter(t *testing.T) {
	var buf bytes.Buffer
	n := lognotify.New(textLogger(&buf))
	require.NoError(t, n.Notify(context.Background(), permit.Message{Kind: permit.MessageApproved, ID: "msg_1", AccountID: "acc_1", PermitID: "per_1",
		Phone: "+447700900123", Postal: []string{"Jane Smith", "1 High Street", "LE16 7AA"}, Channel: message.ChannelLetter,
		Data: map[string]string{"status": "current"}}))
	require.Equal(t, "level=INFO msg=notification kind=approved account_id=acc_1 permit_id=per_1 message_id=msg_1 channel=letter data.status=current withheld=phone,postal\n", buf.String())
}

// Issue 11, defect 14: without SMTP, notifications logged residents'
// names, addresses and vehicle registrations. The log carries IDs and
// non-personal values only; every message the scheme sends is checked
// with its sample data.
func TestNoPersonalDataInTheLog(t *testing.T) {
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	for _, kind := range permit.MessageKinds() {
		t.Run(string(kind), func(t *testing.T) {
			m, ok := s.SampleMessage(kind)
			require.True(t, ok)
			m.Data["name"] = "Siân O'Brien-Smith"
			if _, has := m.Data["address"]; has {
				m.Data["address"] = "Flat 2, 16 Leicester Close, Loughborough, LE11 3AB"
			}
			if _, has := m.Data["vrm"]; has {
				m.Data["vrm"] = "XY19ZZQ"
			}
			if _, has := m.Data["reason"]; has {
				m.Data["reason"] = "Mrs Patel at number 14 says she is not cared for."
			}
			m.To = "sian.obrien@family-obrien.example"
			m.Phone = "+447700900987"
			m.Postal = []string{"Siân O'Brien-Smith", "Flat 2, 16 Leicester Close", "Loughborough", "LE11 3AB"}
			var buf bytes.Buffer
			require.NoError(t, lognotify.New(textLogger(&buf)).Notify(context.Background(), m))
			out := buf.String()
			for _, personal := range []string{"Siân", "O'Brien", "Leicester Close", "LE11 3AB", "XY19ZZQ", "Patel", "obrien", "family-obrien", "7700900987"} {
				require.NotContains(t, out, personal)
			}
			require.Contains(t, out, "account_id="+m.AccountID)
			require.Contains(t, out, "withheld=")
		})
	}
}

func ExampleNotifier_Notify() {
	var buf bytes.Buffer
	_ = lognotify.New(textLogger(&buf)).Notify(context.Background(), permit.Message{Kind: permit.MessageApproved, AccountID: "acc_1", PermitID: "per_1",
		To: "jane@example.com", Data: map[string]string{"vrm": "AB12CDE", "name": "Jane Smith", "status": "current"}})
	os.Stdout.Write(buf.Bytes())
	// Output:
	// level=INFO msg=notification kind=approved account_id=acc_1 permit_id=per_1 data.status=current withheld=name,vrm,to
}
