package govuknotify_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govuknotify"
	"github.com/carerpermit/carerpermit/adapters/govuknotify/govuknotifytest"
	"github.com/carerpermit/carerpermit/adapters/internal/contract"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
)

const (
	approvedEmail  = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	approvedSMS    = "a1c2e3f4-0000-4b5c-8d9e-0f1a2b3c4d5e"
	approvedLetter = "b7d1e2c3-1111-4a5b-9c8d-7e6f5a4b3c2d"
	rejectedEmail  = "c0ffee00-2222-4d3c-8b1a-9f8e7d6c5b4a"
)

var spec = func() func(t *testing.T) *contract.Spec {
	var once sync.Once
	var s *contract.Spec
	var err error
	return func(t *testing.T) *contract.Spec {
		once.Do(func() { s, err = govuknotifytest.Spec() })
		require.NoError(t, err)
		return s
	}
}()

var templates = []govuknotifytest.Template{
	{ID: approvedEmail, Type: "email", Subject: "Your ((permit_type)) is approved", Body: "Dear ((name)),\n\nPermit ((permit_id)) for ((vrm)) runs from ((starts_on)) to ((expires_on))."},
	{ID: approvedSMS, Type: "sms", Body: "((council_name)): permit ((permit_id)) for ((vrm)) is approved."},
	{ID: approvedLetter, Type: "letter", Subject: "Permit approved", Body: "Dear ((name)), permit ((permit_id)) is approved."},
	{ID: rejectedEmail, Type: "email", Subject: "Application not approved", Body: "Dear ((name)), because: ((reason)) ((reason_code))"},
}

var config = govuknotify.Templates{
	message.ChannelEmail:  {message.Approved: approvedEmail, message.Rejected: rejectedEmail},
	message.ChannelSMS:    {message.Approved: approvedSMS},
	message.ChannelLetter: {message.Approved: approvedLetter},
}

var at = time.Date(2027, 3, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 April in London

func approved() permit.Message {
	return permit.Message{
		Kind: message.Approved, ID: "msg_01", AccountID: "acc_1", PermitID: "pmt_1", To: "jane.smith@example.com",
		Data: map[string]string{"name": "Jane [Smith](https://evil.example)", "permit_type": "Essential Carer", "permit_id": "pmt_1",
			"vrm": "AB12CDE", "starts_on": "2027-04-01", "expires_on": "2028-03-31", "council_name": "Leicestershire County Council"},
	}
}

// harness is the fake, a Notifier talking to it through the spec check,
// and a fake clock for the retries.
type harness struct {
	fake  *govuknotifytest.Server
	n     *govuknotify.Notifier
	wire  *contract.Transport
	slept []time.Duration
}

func newHarness(t *testing.T, fakeNow, clientNow time.Time) *harness {
	t.Helper()
	h := &harness{wire: spec(t).Transport(nil)}
	h.fake = govuknotifytest.NewServer(govuknotifytest.Config{Templates: templates, Now: func() time.Time { return fakeNow }})
	t.Cleanup(h.fake.Close)
	n, err := govuknotify.New(govuknotify.Config{APIKey: h.fake.APIKey(), BaseURL: h.fake.URL, Templates: config},
		&govuknotify.Options{
			HTTP: &http.Client{Transport: h.wire},
			Now:  func() time.Time { return clientNow },
			Sleep: func(ctx context.Context, d time.Duration) error {
				h.slept = append(h.slept, d)
				return ctx.Err()
			},
			Jitter: func() float64 { return 0 },
		})
	require.NoError(t, err)
	h.n = n
	t.Cleanup(func() {
		for _, err := range h.wire.Errors() {
			t.Errorf("against Notify's published spec: %v", err)
		}
	})
	return h
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		msg     func() permit.Message
		fail    []int
		cutOff  []bool // no answer to the next sends; true: after the fake took the message
		wantErr error
		check   func(t *testing.T, h *harness, sent govuknotify.Sent)
	}{
		{name: "email: template, personalisation, reference, sanitised name", msg: approved,
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				got := h.fake.Sent()
				require.Len(t, got, 1)
				n := got[0]
				require.Equal(t, sent.ID, n.ID)
				require.Equal(t, "email", n.Type)
				require.Equal(t, approvedEmail, n.TemplateID)
				require.Equal(t, "jane.smith@example.com", n.To)
				require.Equal(t, "msg_01", n.Reference)
				require.Equal(t, []string{"name"}, n.SanitiseContentFor)
				require.Equal(t, "Your Essential Carer is approved", n.Subject)
				require.Contains(t, n.Body, `Dear Jane \[Smith\]\(\)`, "the link in the name is dropped, its Markdown escaped")
				require.Contains(t, n.Body, "runs from 2027-04-01 to 2028-03-31")
				require.Equal(t, govuknotify.Sent{ID: n.ID, Reference: "msg_01", Channel: message.ChannelEmail, TemplateID: approvedEmail, TemplateVersion: 1}, sent)
			}},
		{name: "text message to a mobile number when there is no email address",
			msg: func() permit.Message { m := approved(); m.To, m.Phone = "", "+447700900123"; return m },
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				n := h.fake.Sent()[0]
				require.Equal(t, "sms", n.Type)
				require.Equal(t, "+447700900123", n.To)
				require.Equal(t, "Leicestershire County Council: permit pmt_1 for AB12CDE is approved.", n.Body)
				require.Nil(t, n.SanitiseContentFor, "only the email endpoint has sanitise_content_for")
			}},
		{name: "letter to the postal address",
			msg: func() permit.Message {
				m := approved()
				m.Channel, m.Postal = message.ChannelLetter, []string{"Jane Smith", "12 High Street", "Market Harborough", "LE16 7AA"}
				return m
			},
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				n := h.fake.Sent()[0]
				require.Equal(t, "letter", n.Type)
				require.Equal(t, "LE16 7AA", n.Personalisation["address_line_4"])
				require.True(t, strings.HasPrefix(n.Body, "Jane Smith\n12 High Street\nMarket Harborough\n"), n.Body)
			}},
		{name: "without an ID the reference is the permit and kind",
			msg: func() permit.Message { m := approved(); m.ID = ""; return m },
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				require.Equal(t, "pmt_1:approved", h.fake.Sent()[0].Reference)
			}},
		{name: "429 then 201 sends once", msg: approved, fail: []int{429},
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				require.Len(t, h.fake.Sent(), 1)
				require.Equal(t, 2, h.fake.Requests())
				require.Len(t, h.slept, 1)
			}},
		{name: "500 twice then 201", msg: approved, fail: []int{500, 500},
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				require.Len(t, h.fake.Sent(), 1)
				require.Equal(t, 3, h.fake.Requests())
			}},
		{name: "no answer after Notify took it: found by its reference, not sent twice", msg: approved, cutOff: []bool{true},
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				got := h.fake.Sent()
				require.Len(t, got, 1)
				require.Equal(t, got[0].ID, sent.ID)
				require.Equal(t, approvedEmail, sent.TemplateID)
				require.Equal(t, 2, h.fake.Requests(), "the send and the look-up")
				require.True(t, h.wire.Seen("getMultipleMessagesStatus", 200))
			}},
		{name: "no answer before Notify took it: sent again once", msg: approved, cutOff: []bool{false},
			check: func(t *testing.T, h *harness, sent govuknotify.Sent) {
				require.Len(t, h.fake.Sent(), 1)
				require.Equal(t, 3, h.fake.Requests(), "send, look-up, send")
			}},
		{name: "no answer twice", msg: approved, cutOff: []bool{false, false},
			wantErr: &govuknotify.Error{Kind: message.Approved, Channel: message.ChannelEmail, PermitID: "pmt_1"}},
		{name: "no answer to a message without an ID: not sent again", cutOff: []bool{false},
			msg:     func() permit.Message { m := approved(); m.ID = ""; return m },
			wantErr: &govuknotify.Error{Kind: message.Approved, Channel: message.ChannelEmail, PermitID: "pmt_1"}},
		{name: "429 every time: a temporary error after the attempts", msg: approved, fail: []int{429, 429, 429, 429},
			wantErr: &govuknotify.Error{Kind: message.Approved, Channel: message.ChannelEmail, PermitID: "pmt_1", Status: 429, Code: "RateLimitError",
				Message: "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds", Attempts: 4}},
		{name: "missing personalisation is permanent",
			msg: func() permit.Message { m := approved(); delete(m.Data, "vrm"); return m },
			wantErr: &govuknotify.Error{Kind: message.Approved, Channel: message.ChannelEmail, PermitID: "pmt_1", Status: 400, Code: "BadRequestError",
				Message: "Missing personalisation: vrm", Attempts: 1}},
		{name: "an address Notify refuses is permanent",
			msg: func() permit.Message { m := approved(); m.To = "jane.smith"; return m },
			wantErr: &govuknotify.Error{Kind: message.Approved, Channel: message.ChannelEmail, PermitID: "pmt_1", Status: 400, Code: "ValidationError",
				Message: "email_address Not a valid email address", Attempts: 1}},
		{name: "no template for the kind on the channel",
			msg:     func() permit.Message { m := approved(); m.Kind = message.Cancelled; return m },
			wantErr: govuknotify.ErrNoTemplate},
		{name: "a phone number not in E.164",
			msg:     func() permit.Message { m := approved(); m.To, m.Phone = "", "07700 900123"; return m },
			wantErr: govuknotify.ErrInvalidMessage},
		{name: "a letter with two lines",
			msg: func() permit.Message {
				m := approved()
				m.Channel, m.Postal = message.ChannelLetter, []string{"Jane", "LE16 7AA"}
				return m
			},
			wantErr: govuknotify.ErrInvalidMessage},
		{name: "nowhere to send",
			msg:     func() permit.Message { m := approved(); m.To = ""; return m },
			wantErr: govuknotify.ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, at, at)
			h.fake.FailNext(tt.fail...)
			for _, taken := range tt.cutOff {
				h.fake.CutOffNext(taken)
			}
			sent, err := h.n.Send(context.Background(), tt.msg())
			if tt.wantErr == nil {
				require.NoError(t, err)
				tt.check(t, h, sent)
				return
			}
			var want *govuknotify.Error
			if errors.As(tt.wantErr, &want) {
				var got *govuknotify.Error
				require.ErrorAs(t, err, &got)
				if want.Status == 0 {
					require.Error(t, got.Err, "the transport failure is kept")
				}
				got.Err = nil
				require.Equal(t, want, got)
				require.Equal(t, want.Status == 400, errors.Is(err, govuknotify.ErrPermanent))
				if want.Status == 0 {
					require.Equal(t, len(tt.cutOff)*2-1, h.fake.Requests(), "each send cut off, with a look-up between")
				}
				require.NotContains(t, err.Error(), "jane", "errors carry no personal data")
			} else {
				require.ErrorIs(t, err, tt.wantErr)
				require.Zero(t, h.fake.Requests(), "nothing sent")
			}
			require.Empty(t, h.fake.Sent())
		})
	}
}

func TestTokens(t *testing.T) {
	t.Run("a clock 31 seconds slow is refused for good", func(t *testing.T) {
		h := newHarness(t, at, at.Add(-31*time.Second))
		err := h.n.Notify(context.Background(), approved())
		var e *govuknotify.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, 403, e.Status)
		require.Equal(t, "AuthError", e.Code)
		require.ErrorIs(t, err, govuknotify.ErrPermanent)
	})
	t.Run("29 seconds is accepted", func(t *testing.T) {
		h := newHarness(t, at, at.Add(29*time.Second))
		require.NoError(t, h.n.Notify(context.Background(), approved()))
	})
	t.Run("each retry mints its own token", func(t *testing.T) {
		var tokens []string
		fake := govuknotifytest.NewServer(govuknotifytest.Config{Templates: templates, Now: func() time.Time { return at }})
		defer fake.Close()
		base := http.DefaultTransport
		clock := at
		n, err := govuknotify.New(govuknotify.Config{APIKey: fake.APIKey(), BaseURL: fake.URL, Templates: config}, &govuknotify.Options{
			HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				tokens = append(tokens, r.Header.Get("Authorization"))
				return base.RoundTrip(r)
			})},
			Now:   func() time.Time { return clock },
			Sleep: func(ctx context.Context, d time.Duration) error { clock = clock.Add(time.Second); return nil },
		})
		require.NoError(t, err)
		fake.FailNext(503)
		require.NoError(t, n.Notify(context.Background(), approved()))
		require.Len(t, tokens, 2)
		require.NotEqual(t, tokens[0], tokens[1])
		key, _ := govuknotify.ParseAPIKey(fake.APIKey())
		for i, tok := range tokens {
			claims := jwt.MapClaims{}
			_, err := jwt.ParseWithClaims(strings.TrimPrefix(tok, "Bearer "), claims, func(*jwt.Token) (any, error) { return []byte(key.Secret), nil },
				jwt.WithValidMethods([]string{"HS256"}))
			require.NoError(t, err)
			require.Equal(t, key.ServiceID, claims["iss"])
			require.Equal(t, float64(at.Add(time.Duration(i)*time.Second).Unix()), claims["iat"])
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestParseAPIKey(t *testing.T) {
	const svc, secret = "26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0"
	tests := []struct {
		in      string
		want    govuknotify.APIKey
		wantErr string
	}{
		{in: "my_test_key-" + svc + "-" + secret, want: govuknotify.APIKey{Name: "my_test_key", ServiceID: svc, Secret: secret}},
		{in: "leics-live-key-" + svc + "-" + secret, want: govuknotify.APIKey{Name: "leics-live-key", ServiceID: svc, Secret: secret}},
		{in: " k-" + svc + "-" + secret + "\n", want: govuknotify.APIKey{Name: "k", ServiceID: svc, Secret: secret}},
		{in: svc + "-" + secret, want: govuknotify.APIKey{ServiceID: svc, Secret: secret}},
		{in: "", wantErr: "too short"},
		{in: "key-" + secret, wantErr: "too short"},
		{in: "key-" + svc + "_" + secret, wantErr: "no dash before the secret"},
		{in: "key_" + svc + "-" + secret, wantErr: "no dash between"},
		{in: "-" + svc + "-" + secret, wantErr: "no dash between"},
		{in: "key-" + strings.ReplaceAll(svc, "a", "g") + "-" + secret, wantErr: "service id is not a UUID"},
		{in: "key-" + svc + "-" + strings.ReplaceAll(secret, "-", "x"), wantErr: "secret is not a UUID"},
	}
	for _, tt := range tests {
		got, err := govuknotify.ParseAPIKey(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr, tt.in)
			require.NotContains(t, err.Error(), secret[:8])
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
		require.NotContains(t, got.String(), secret)
	}
}

func FuzzParseAPIKey(f *testing.F) {
	f.Add("my_test_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0")
	f.Add("26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := govuknotify.ParseAPIKey(s)
		if err != nil {
			return
		}
		// A key read is the key written back.
		again := k.ServiceID + "-" + k.Secret
		if k.Name != "" {
			again = k.Name + "-" + again
		}
		if again != strings.TrimSpace(s) {
			t.Fatalf("%q read as %+v", s, k)
		}
		if _, err := k.Token(at); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseTemplates(t *testing.T) {
	got, err := govuknotify.ParseTemplates(strings.NewReader(`{"email":{"approved":"` + approvedEmail + `"},"sms":{"approved":"` + approvedSMS + `"}}`))
	require.NoError(t, err)
	id, ok := got.ID(message.ChannelSMS, message.Approved)
	require.True(t, ok)
	require.Equal(t, approvedSMS, id)

	_, err = govuknotify.ParseTemplates(strings.NewReader(`{"fax":{"approved":"x"},"email":{"aproved":"` + approvedEmail + `","rejected":"nope"}}`))
	require.ErrorContains(t, err, `channel "fax": want email, sms or letter`)
	require.ErrorContains(t, err, "email.aproved: not a message kind")
	require.ErrorContains(t, err, `email.rejected: template id "nope" is not a UUID`)

	_, err = govuknotify.ParseTemplates(strings.NewReader(`{"email":{}} {}`))
	require.ErrorContains(t, err, "more than one JSON value")
}

func TestNewRefusesBadConfig(t *testing.T) {
	_, err := govuknotify.New(govuknotify.Config{APIKey: "nonsense"}, nil)
	require.ErrorContains(t, err, "API key")
	_, err = govuknotify.New(govuknotify.Config{APIKey: "k-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
		Templates: govuknotify.Templates{message.ChannelEmail: {message.Approved: "x"}}}, nil)
	require.ErrorContains(t, err, "not a UUID")
}

func TestCancelled(t *testing.T) {
	h := newHarness(t, at, at)
	h.fake.FailNext(503)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.n.Notify(ctx, approved())
	require.ErrorIs(t, err, context.Canceled)
}

func FuzzParseTemplates(f *testing.F) {
	f.Add(`{"email":{"approved":"` + approvedEmail + `"},"sms":{}}`)
	f.Add(`{"fax":{"approved":"x"}}`)
	f.Add(`{"email":{"approved":1}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := govuknotify.ParseTemplates(strings.NewReader(s))
		if err != nil {
			return
		}
		// What is read is valid, and every id in it is a template id.
		if err := got.Validate(); err != nil {
			t.Fatalf("%q read as %v, which is not valid: %v", s, got, err)
		}
		for c, kinds := range got {
			for k := range kinds {
				if id, ok := got.ID(c, k); !ok || len(id) != 36 {
					t.Fatalf("%q: %s.%s has id %q", s, c, k, id)
				}
			}
		}
	})
}
