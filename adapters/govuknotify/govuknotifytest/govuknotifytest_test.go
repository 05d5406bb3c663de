package govuknotifytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govuknotify"
	"github.com/carerpermit/carerpermit/adapters/govuknotify/govuknotifytest"
	"github.com/carerpermit/carerpermit/adapters/internal/contract"
)

const (
	emailTemplate  = "9d751e0e-f929-4891-82a1-a3e1c3c18ee3"
	smsTemplate    = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
	letterTemplate = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918"
)

var at = time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC) // the night the clocks go back

func newFake(t *testing.T, callback string) (*govuknotifytest.Server, govuknotify.APIKey, *contract.Transport) {
	t.Helper()
	fake := govuknotifytest.NewServer(govuknotifytest.Config{
		Now: func() time.Time { return at },
		Templates: []govuknotifytest.Template{
			{ID: emailTemplate, Type: "email", Subject: "Hello ((first_name))", Body: "Your appointment is on ((appointment date)).((late??\n\nYou are late.))"},
			{ID: smsTemplate, Type: "sms", Body: "Code ((code))", Version: 3},
			{ID: letterTemplate, Type: "letter", Subject: "Your permit", Body: "Dear ((name))"},
		},
		CallbackURL: callback, CallbackToken: "callback-secret",
	})
	t.Cleanup(fake.Close)
	key, err := govuknotify.ParseAPIKey(fake.APIKey())
	require.NoError(t, err)
	s, err := govuknotifytest.Spec()
	require.NoError(t, err)
	wire := s.Transport(nil)
	t.Cleanup(func() {
		for _, err := range wire.Errors() {
			t.Errorf("against Notify's published spec: %v", err)
		}
	})
	return fake, key, wire
}

func token(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, secret string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	require.NoError(t, err)
	return s
}

// post sends body to path with the bearer token tok ("" for none) and
// returns the status and the decoded answer.
func post(t *testing.T, rt http.RoundTripper, url, tok string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func errorOf(t *testing.T, out map[string]any) (string, string) {
	t.Helper()
	errs, ok := out["errors"].([]any)
	require.True(t, ok, "an error envelope: %v", out)
	e := errs[0].(map[string]any)
	return e["error"].(string), e["message"].(string)
}

func TestAuthentication(t *testing.T) {
	fake, key, wire := newFake(t, "")
	email := map[string]any{"email_address": "amala@example.com", "template_id": emailTemplate,
		"personalisation": map[string]any{"first_name": "Amala", "appointment date": "1 January", "late": "no"}}
	good := jwt.MapClaims{"iss": key.ServiceID, "iat": at.Unix()}
	tests := []struct {
		name    string
		tok     string
		status  int
		message string
	}{
		{"no token", "", 401, "Unauthorized: authentication token must be provided"},
		{"signed with another secret", token(t, jwt.SigningMethodHS256, good, "0d844edf-8d35-48ac-975b-e847b4f122b0"), 403, "Invalid token: signature, api token not found"},
		{"HS512 is not HS256", token(t, jwt.SigningMethodHS512, good, key.Secret), 403, "Invalid token: signature, api token not found"},
		{"not a JWT", "abc.def.ghi", 403, "Invalid token: signature, api token not found"},
		{"no iss", token(t, jwt.SigningMethodHS256, jwt.MapClaims{"iat": at.Unix()}, key.Secret), 403, "Invalid token: iss field not provided"},
		{"another service", token(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "11111111-ab16-4eb0-8407-a37497a57506", "iat": at.Unix()}, key.Secret), 403, "Invalid token: service not found"},
		{"iat 31 s old", token(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": key.ServiceID, "iat": at.Unix() - 31}, key.Secret), 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 31 s ahead", token(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": key.ServiceID, "iat": at.Unix() + 31}, key.Secret), 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 30 s old", token(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": key.ServiceID, "iat": at.Unix() - 30}, key.Secret), 201, ""},
		{"the key's own token", mustToken(t, key), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := http.RoundTripper(wire)
			if tt.status == 401 {
				rt = http.DefaultTransport // Notify's document lists no 401, though Notify answers one
			}
			status, out := post(t, rt, fake.URL+"/v2/notifications/email", tt.tok, email)
			require.Equal(t, tt.status, status, out)
			if tt.status != 201 {
				name, msg := errorOf(t, out)
				require.Equal(t, "AuthError", name)
				require.Equal(t, tt.message, msg)
				require.EqualValues(t, tt.status, out["status_code"])
			}
		})
	}
	require.Len(t, fake.Sent(), 2)
	require.True(t, wire.Seen("sendEmail", 403))
}

func mustToken(t *testing.T, key govuknotify.APIKey) string {
	tok, err := key.Token(at)
	require.NoError(t, err)
	return tok
}

func TestSendAnswers(t *testing.T) {
	fake, key, wire := newFake(t, "")
	tok := mustToken(t, key)
	tests := []struct {
		name    string
		path    string
		body    map[string]any
		status  int
		errName string
		message string
		check   func(t *testing.T, out map[string]any)
		// offSpec: the request breaks the document on purpose, so it
		// bypasses the check (the answer is still Notify's).
		offSpec bool
	}{
		{name: "email rendered, conditional shown, reference kept", path: "email",
			body: map[string]any{"email_address": "amala@example.com", "template_id": emailTemplate, "reference": "msg_1",
				"personalisation": map[string]any{"First_Name": "Amala", "appointment date": "1 January", "late": "yes"}},
			status: 201, check: func(t *testing.T, out map[string]any) {
				content := out["content"].(map[string]any)
				require.Equal(t, "Hello Amala", content["subject"])
				require.Equal(t, "Your appointment is on 1 January.\n\nYou are late.", content["body"])
				require.Equal(t, "msg_1", out["reference"])
				require.Equal(t, fake.URL+"/v2/notifications/"+out["id"].(string), out["uri"])
			}},
		{name: "sanitised field reported", path: "email",
			body: map[string]any{"email_address": "amala@example.com", "template_id": emailTemplate, "sanitise_content_for": []string{"first_name"},
				"personalisation": map[string]any{"first_name": "Amala, now [click this evil link](https://evil.link)", "appointment date": "x", "late": "no"}},
			status: 201, check: func(t *testing.T, out map[string]any) {
				require.Equal(t, `Hello Amala, now \[click this evil link\]\(\)`, out["content"].(map[string]any)["subject"])
				require.Equal(t, map[string]any{"first_name": map[string]any{
					"unsanitised": "Amala, now [click this evil link](https://evil.link)", "sanitised": `Amala, now \[click this evil link\]\(\)`}},
					out["sanitised_content"])
			}},
		{name: "missing personalisation", path: "email",
			body:   map[string]any{"email_address": "amala@example.com", "template_id": emailTemplate, "personalisation": map[string]any{"first_name": "A"}},
			status: 400, errName: "BadRequestError", message: "Missing personalisation: appointment date, late"},
		{name: "template not found", path: "sms",
			body:   map[string]any{"phone_number": "07700900123", "template_id": "00000000-0000-4000-8000-000000000000"},
			status: 400, errName: "BadRequestError", message: "Template not found"},
		{name: "template of another channel", path: "sms",
			body:   map[string]any{"phone_number": "07700900123", "template_id": emailTemplate},
			status: 400, errName: "BadRequestError", message: "email template is not suitable for sms notification"},
		{name: "template id not a UUID", path: "sms",
			body:   map[string]any{"phone_number": "07700900123", "template_id": "welcome"},
			status: 400, errName: "ValidationError", message: "template_id is not a valid UUID"},
		{name: "landline", path: "sms",
			body:   map[string]any{"phone_number": "01162 496000", "template_id": smsTemplate, "personalisation": map[string]any{"code": "1"}},
			status: 400, errName: "ValidationError", message: "phone_number Not a UK mobile number"},
		{name: "text message in E.164", path: "sms",
			body:   map[string]any{"phone_number": "+447700900123", "template_id": smsTemplate, "personalisation": map[string]any{"code": "4321"}},
			status: 201, check: func(t *testing.T, out map[string]any) {
				require.Equal(t, "Code 4321", out["content"].(map[string]any)["body"])
				require.EqualValues(t, 3, out["template"].(map[string]any)["version"])
			}},
		{name: "bad email address", path: "email",
			body:   map[string]any{"email_address": "Amala <amala@example.com>", "template_id": emailTemplate},
			status: 400, errName: "ValidationError", message: "email_address Not a valid email address"},
		{name: "letter of two lines", path: "letter",
			body:   map[string]any{"template_id": letterTemplate, "personalisation": map[string]any{"address_line_1": "A", "address_line_2": "LE1 1AA", "name": "A"}},
			status: 400, errName: "ValidationError", message: "Address must be at least 3 lines", offSpec: true},
		{name: "letter without a postcode last", path: "letter",
			body: map[string]any{"template_id": letterTemplate, "personalisation": map[string]any{
				"address_line_1": "A Person", "address_line_2": "1 Road", "address_line_3": "Leicester", "name": "A"}},
			status: 400, errName: "ValidationError", message: "Last line of address must be a real UK postcode or another country"},
		{name: "letter", path: "letter",
			body: map[string]any{"template_id": letterTemplate, "reference": "msg_9", "personalisation": map[string]any{
				"address_line_1": "A Person", "address_line_2": "1 Road", "address_line_3": "Leicester", "address_line_4": "le1 1aa", "name": "A Person"}},
			status: 201, check: func(t *testing.T, out map[string]any) {
				s, err := govuknotifytest.Spec()
				require.NoError(t, err)
				schema, err := s.Schema("SendNormalLetterResponse")
				require.NoError(t, err)
				require.NoError(t, schema.VisitJSON(out))
				require.Equal(t, "A Person\n1 Road\nLeicester\n\nDear A Person", out["content"].(map[string]any)["body"])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := http.RoundTripper(wire)
			if tt.offSpec {
				rt = http.DefaultTransport
			}
			status, out := post(t, rt, fake.URL+"/v2/notifications/"+tt.path, tok, tt.body)
			require.Equal(t, tt.status, status, out)
			if tt.errName != "" {
				name, msg := errorOf(t, out)
				require.Equal(t, tt.errName, name)
				require.Equal(t, tt.message, msg)
				return
			}
			tt.check(t, out)
		})
	}
	require.Len(t, fake.Sent(), 4)
}

func TestFailNext(t *testing.T) {
	fake, key, wire := newFake(t, "")
	fake.FailNext(429, 500, 503)
	body := map[string]any{"phone_number": "07700900123", "template_id": smsTemplate, "personalisation": map[string]any{"code": "1"}}
	for _, want := range []struct {
		status int
		name   string
	}{{429, "RateLimitError"}, {500, "Exception"}, {503, "Exception"}, {201, ""}} {
		status, out := post(t, http.DefaultTransport, fake.URL+"/v2/notifications/sms", mustToken(t, key), body)
		require.Equal(t, want.status, status)
		if want.name != "" {
			name, _ := errorOf(t, out)
			require.Equal(t, want.name, name)
		}
	}
	require.Len(t, fake.Sent(), 1, "failed answers take nothing")
	fake.FailNext(429)
	status, _ := post(t, wire, fake.URL+"/v2/notifications/sms", mustToken(t, key), body)
	require.Equal(t, 429, status)
	require.True(t, wire.Seen("sendTextMessage", 429), "the 429 answer matches Notify's LimitError")
}

func TestReceipts(t *testing.T) {
	var got []*http.Request
	var bodies [][]byte
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, b)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer callback.Close()
	fake, key, wire := newFake(t, callback.URL+"/v1/notification-receipts/govuknotify")
	status, out := post(t, wire, fake.URL+"/v2/notifications/sms", mustToken(t, key),
		map[string]any{"phone_number": "+447700900123", "template_id": smsTemplate, "reference": "msg_7", "personalisation": map[string]any{"code": "1"}})
	require.Equal(t, 201, status)
	id := out["id"].(string)

	rc, err := fake.SendReceipt(context.Background(), id, "permanent-failure")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "Bearer callback-secret", got[0].Header.Get("Authorization"))
	require.Equal(t, "/v1/notification-receipts/govuknotify", got[0].URL.Path)
	var decoded any
	require.NoError(t, json.Unmarshal(bodies[0], &decoded))
	s, err := govuknotifytest.Spec()
	require.NoError(t, err)
	schema, err := s.Schema("SmsCallbackRequest")
	require.NoError(t, err)
	require.NoError(t, schema.VisitJSON(decoded))
	require.Equal(t, "msg_7", *rc.Reference)
	require.Equal(t, "sms", rc.NotificationType)
	require.Equal(t, "+447700900123", rc.To)
	require.Equal(t, 3, rc.TemplateVersion)
	require.Equal(t, "2027-10-31T01:30:00.000000Z", rc.CreatedAt)

	_, err = fake.SendReceipt(context.Background(), id, "lost")
	require.ErrorContains(t, err, "receipt status")
	_, err = fake.SendReceipt(context.Background(), "nope", "delivered")
	require.ErrorContains(t, err, "no notification")

	// The status is what GET /v2/notifications says, found by reference.
	req, _ := http.NewRequest(http.MethodGet, fake.URL+"/v2/notifications?reference=msg_7", nil)
	req.Header.Set("Authorization", "Bearer "+mustToken(t, key))
	resp, err := (&http.Client{Transport: wire}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var list struct {
		Notifications []struct{ ID, Status, Reference string } `json:"notifications"`
	}
	require.NoError(t, json.Unmarshal(raw, &list))
	// Each message against the alternative of GetOneMessageResponse its type names.
	var loose struct{ Notifications []map[string]any }
	require.NoError(t, json.Unmarshal(raw, &loose))
	one, err := s.Schema("GetOneMessageResponse")
	require.NoError(t, err)
	for _, n := range loose.Notifications {
		i := slices.IndexFunc(one.OneOf, func(r *openapi3.SchemaRef) bool { return r.Value.Title == n["type"] })
		require.GreaterOrEqual(t, i, 0, n["type"])
		require.NoError(t, one.OneOf[i].Value.VisitJSON(n))
	}
	require.Len(t, list.Notifications, 1)
	require.Equal(t, id, list.Notifications[0].ID)
	require.Equal(t, "permanent-failure", list.Notifications[0].Status)
	require.True(t, wire.Seen("getMultipleMessagesStatus", 200))
}

func TestNoCallbackConfigured(t *testing.T) {
	fake, _, _ := newFake(t, "")
	_, err := fake.SendReceipt(context.Background(), "x", "delivered")
	require.ErrorContains(t, err, "no CallbackURL")
	require.True(t, strings.HasSuffix(fake.APIKey(), "-3d844edf-8d35-48ac-975b-e847b4f122b0"))
}
