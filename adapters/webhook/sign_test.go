package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

// The signature is exactly what the README documents: HMAC-SHA256 keyed
// with the whole secret over "<unix seconds>.<body>", in hex. Computed
// here without Sign, as a receiver in another language would.
func TestSignIsTheDocumentedHMAC(t *testing.T) {
	secret, body, at := "whsec_abc", []byte(`{"id":"1"}`), time.Date(2026, 12, 1, 10, 0, 0, 999, time.UTC)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10) + "." + string(body)))
	require.Equal(t, "t=1796119200,v1="+hex.EncodeToString(m.Sum(nil)), webhook.Sign(secret, at, body))
}

func TestNewSecret(t *testing.T) {
	a, err := webhook.NewSecret()
	require.NoError(t, err)
	b, err := webhook.NewSecret()
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, "whsec_"))
	require.Len(t, a, len("whsec_")+43, "32 bytes in unpadded base64url")
}

func TestVerify(t *testing.T) {
	const secret = "whsec_receiver"
	body := []byte(`{"id":"00000000000000000007","type":"permit.approved"}`)
	sent := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	good := webhook.Sign(secret, sent, body)
	sig := strings.TrimPrefix(good, "t=1796119200,")
	other := webhook.Sign("whsec_old", sent, body)
	tests := []struct {
		name, header, secret string
		body                 []byte
		now                  time.Time
		tolerance            time.Duration
		reason               string // "" for valid
	}{
		{name: "valid", header: good},
		{name: "valid, 5 minutes late", header: good, now: sent.Add(5 * time.Minute)},
		{name: "valid, receiver's clock 5 minutes behind", header: good, now: sent.Add(-5 * time.Minute)},
		{name: "valid, parts reordered and spaced", header: sig + ", t=1796119200"},
		{name: "valid, during a secret rotation", header: other + "," + sig},
		{name: "valid, a future scheme beside v1", header: good + ",v2=abcdef"},
		{name: "valid with a wider tolerance", header: good, now: sent.Add(time.Hour), tolerance: 2 * time.Hour},
		{name: "too old", header: good, now: sent.Add(5*time.Minute + time.Second), reason: "from now"},
		{name: "from the future", header: good, now: sent.Add(-6 * time.Minute), reason: "from now"},
		{name: "body changed", header: good, body: []byte(`{"id":"00000000000000000008","type":"permit.approved"}`), reason: "no v1 signature matches"},
		{name: "timestamp changed", header: "t=1796119201," + sig, reason: "no v1 signature matches"},
		{name: "wrong secret", header: good, secret: "whsec_other", reason: "no v1 signature matches"},
		{name: "only the old secret's signature", header: other, reason: "no v1 signature matches"},
		{name: "empty header", header: "", reason: "not key=value"},
		{name: "no timestamp", header: sig, reason: "no timestamp"},
		{name: "no signature", header: "t=1796119200", reason: "no v1 signature"},
		{name: "two timestamps", header: good + ",t=1796119200", reason: "more than one timestamp"},
		{name: "empty timestamp", header: "t=," + sig, reason: "empty timestamp"},
		{name: "timestamp in milliseconds", header: "t=1796119200000," + sig, reason: "from now"},
		{name: "timestamp with a sign", header: "t=+1796119200," + sig, reason: "not unix seconds"},
		{name: "timestamp with leading zero", header: "t=01796119200," + sig, reason: "not unix seconds"},
		{name: "timestamp not a number", header: "t=yesterday," + sig, reason: "not unix seconds"},
		{name: "timestamp overflowing", header: "t=-9223372036854775808," + sig, reason: "from now"},
		{name: "short signature", header: "t=1796119200,v1=abcd", reason: "64 hexadecimal"},
		{name: "signature not hex", header: "t=1796119200,v1=" + strings.Repeat("z", 64), reason: "64 hexadecimal"},
		{name: "part without =", header: good + ",junk", reason: "not key=value"},
		{name: "no secret", header: good, secret: "-", reason: "no secret"},
		{name: "huge header", header: good + strings.Repeat(",v0=x", 1000), reason: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b, now := secret, body, sent
			switch tt.secret {
			case "-":
				s = ""
			case "":
			default:
				s = tt.secret
			}
			if tt.body != nil {
				b = tt.body
			}
			if !tt.now.IsZero() {
				now = tt.now
			}
			err := webhook.Verify(s, tt.header, b, now, tt.tolerance)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, webhook.ErrInvalidSignature)
			var se *webhook.SignatureError
			require.ErrorAs(t, err, &se)
			require.Contains(t, se.Reason, tt.reason)
		})
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Add("whsec_x", webhook.Sign("whsec_x", now, []byte("{}")), []byte("{}"))
	f.Add("k", "t=1796119200,v1=00", []byte(""))
	f.Add("k", "t=,v1=,=,,", []byte("x"))
	f.Fuzz(func(t *testing.T, secret, header string, body []byte) {
		err := webhook.Verify(secret, header, body, now, 0)
		if err != nil {
			require.ErrorIs(t, err, webhook.ErrInvalidSignature)
		}
		if secret != "" {
			// Whatever the body and secret, what Sign makes Verify takes,
			// and a different body it refuses.
			h := webhook.Sign(secret, now, body)
			require.NoError(t, webhook.Verify(secret, h, body, now, 0))
			require.ErrorIs(t, webhook.Verify(secret, h, append(body, 'x'), now, 0), webhook.ErrInvalidSignature)
		}
	})
}
