package govuknotify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govuknotify"
	"github.com/carerpermit/carerpermit/permit"
)

// receipts records what the handler hands on, answering err.
type receipts struct {
	mu  sync.Mutex
	got []permit.DeliveryReceipt
	by  []permit.Actor
	err error
}

func (r *receipts) RecordDelivery(_ context.Context, by permit.Actor, rc permit.DeliveryReceipt) (permit.RecordedMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rc)
	r.by = append(r.by, by)
	return permit.RecordedMessage{}, r.err
}

const callbackToken = "a-long-callback-token-from-notify-admin"

func post(t *testing.T, h http.Handler, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/notification-receipts/govuknotify", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func receiptBody(ref, status string) string {
	return fmt.Sprintf(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","reference":%s,"to":"+447700900123","status":%q,
"created_at":"2026-12-03T16:45:01.000000Z","completed_at":"2026-12-03T16:45:09.123456Z","sent_at":"2026-12-03T16:45:02.000000Z",
"notification_type":"sms","template_id":"f33517ff-2a88-4f6e-b855-c550268ce08a","template_version":1}`, ref, status)
}

func TestReceiptHandler(t *testing.T) {
	completed := time.Date(2026, 12, 3, 16, 45, 9, 123456000, time.UTC)
	tests := []struct {
		name       string
		token      string
		body       string
		recordErr  error
		wantStatus int
		wantCode   string
		want       *permit.DeliveryReceipt
	}{
		{"permanent failure", callbackToken, receiptBody(`"msg_1"`, "permanent-failure"), nil, 204, "",
			&permit.DeliveryReceipt{MessageID: "msg_1", Delivery: permit.DeliveryPermanentFailure, At: completed}},
		{"delivered", callbackToken, receiptBody(`"msg_1"`, "delivered"), nil, 204, "",
			&permit.DeliveryReceipt{MessageID: "msg_1", Delivery: permit.DeliveryDelivered, At: completed}},
		{"no token", "", receiptBody(`"msg_1"`, "delivered"), nil, 401, "unauthorized", nil},
		{"wrong token", "an-officer-token", receiptBody(`"msg_1"`, "delivered"), nil, 401, "unauthorized", nil},
		{"not JSON", callbackToken, `{"id":`, nil, 400, "invalid_json", nil},
		{"unknown status", callbackToken, receiptBody(`"msg_1"`, "sending"), nil, 400, "validation_failed", nil},
		{"no reference: not ours", callbackToken, receiptBody(`null`, "delivered"), nil, 204, "", nil},
		{"a message the server does not hold", callbackToken, receiptBody(`"msg_9"`, "delivered"), fmt.Errorf("%w: message", permit.ErrNotFound), 204, "",
			&permit.DeliveryReceipt{MessageID: "msg_9", Delivery: permit.DeliveryDelivered, At: completed}},
		{"the store is down: Notify tries again", callbackToken, receiptBody(`"msg_1"`, "delivered"), errors.New("connection refused"), 503, "unavailable",
			&permit.DeliveryReceipt{MessageID: "msg_1", Delivery: permit.DeliveryDelivered, At: completed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &receipts{err: tt.recordErr}
			w := post(t, govuknotify.ReceiptHandler(callbackToken, rec, nil), tt.token, tt.body)
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			if tt.wantCode != "" {
				require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
				require.Contains(t, w.Body.String(), `"code":"`+tt.wantCode+`"`)
			}
			require.NotContains(t, w.Body.String(), "+447700900123", "the recipient is never repeated")
			if tt.want == nil {
				require.Empty(t, rec.got)
				return
			}
			require.Equal(t, []permit.DeliveryReceipt{*tt.want}, rec.got)
			require.Equal(t, []permit.Actor{permit.System}, rec.by)
		})
	}
	t.Run("no token configured refuses every receipt", func(t *testing.T) {
		rec := &receipts{}
		require.Equal(t, 401, post(t, govuknotify.ReceiptHandler("", rec, nil), "", receiptBody(`"msg_1"`, "delivered")).Code)
		require.Empty(t, rec.got)
	})
	t.Run("GET is not allowed", func(t *testing.T) {
		w := httptest.NewRecorder()
		govuknotify.ReceiptHandler(callbackToken, &receipts{}, nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, 405, w.Code)
	})
}

// FuzzReceiptHandler: whatever the body, the handler answers a status it
// documents, never panics, and hands on only receipts with a reference
// and a known status.
func FuzzReceiptHandler(f *testing.F) {
	f.Add(receiptBody(`"msg_1"`, "delivered"))
	f.Add(receiptBody(`null`, "permanent-failure"))
	f.Add(`{"reference":"msg_1","status":"delivered","completed_at":"not a time"}`)
	f.Add(`[]`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		rec := &receipts{}
		w := post(t, govuknotify.ReceiptHandler(callbackToken, rec, nil), callbackToken, body)
		switch w.Code {
		case 204, 400, 413, 415:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
		for _, r := range rec.got {
			if r.MessageID == "" {
				t.Fatalf("a receipt without a reference was handed on: %q", body)
			}
			if _, ok := permit.ParseDelivery(string(r.Delivery)); !ok {
				t.Fatalf("an unknown status was handed on: %q", body)
			}
		}
	})
}
