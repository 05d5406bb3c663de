package govukpay

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/carerpermit/carerpermit/permit"
)

// MessageLog remembers which notifications have been handled, so that a
// repeat (Pay delivers at least once) is acknowledged without acting
// again. A server keeps it in its database; MemoryLog is for tests.
type MessageLog interface {
	// Handled reports whether the message was handled already.
	Handled(ctx context.Context, messageID string) (bool, error)
	// MarkHandled records that it was.
	MarkHandled(ctx context.Context, messageID string) error
}

// MemoryLog is a MessageLog in memory, for tests and evaluation: it
// forgets everything when the process stops. Safe for concurrent use.
type MemoryLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

// Handled implements MessageLog.
func (l *MemoryLog) Handled(_ context.Context, id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[id], nil
}

// MarkHandled implements MessageLog.
func (l *MemoryLog) MarkHandled(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[id] = true
	return nil
}

// NotificationHandler receives Pay's notifications (the API's POST
// /v1/payment-notifications/govukpay). It checks the Pay-Signature header
// (lower-case hex HMAC-SHA256 of the raw body, keyed with the signing
// secret) and answers 401 when it does not match, acting on nothing.
// Of a good notification it uses only the message id and the payment id:
// it reads the payment from Pay and gives that to OnPayment, so a forged,
// stale or out-of-order body changes nothing. A message handled before
// is acknowledged and ignored. When Pay cannot be read or OnPayment fails
// it answers 503, and Pay sends the notification again later.
type NotificationHandler struct {
	// Secret is the webhook signing secret from Pay's admin tool.
	Secret string
	// Payments reads the payment (normally the *Client).
	Payments permit.HostedPayments
	// Log deduplicates by message id (required).
	Log MessageLog
	// OnPayment acts on the payment as Pay reports it now; it must be
	// harmless when called again for the same state.
	OnPayment func(ctx context.Context, p permit.HostedPayment) error
	// Logger records what was refused and why (slog.Default when nil).
	Logger *slog.Logger
}

// maxNotification bounds a notification's body; Pay's are a few KB.
const maxNotification = 1 << 20

type notification struct {
	WebhookMessageID string `json:"webhook_message_id"`
	ID               string `json:"id"` // the older name of the message id (INTEGRATIONS.md §1.6)
	ResourceID       string `json:"resource_id"`
	ResourceType     string `json:"resource_type"`
	EventType        string `json:"event_type"`
}

// Verify reports whether signature is the Pay-Signature of body under
// secret, comparing in constant time.
func Verify(secret string, body []byte, signature string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || secret == "" {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

func (h *NotificationHandler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *NotificationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		problem(w, http.StatusMethodNotAllowed, "method_not_allowed", "Notifications are POSTed.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNotification))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "payload_too_large", "The notification is too large.")
		return
	}
	if !Verify(h.Secret, body, r.Header.Get("Pay-Signature")) {
		h.logger().WarnContext(r.Context(), "govukpay notification refused: bad signature")
		problem(w, http.StatusUnauthorized, "unauthorized", "The Pay-Signature header does not match the body.")
		return
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		problem(w, http.StatusBadRequest, "invalid_json", "The notification is not JSON.")
		return
	}
	id := n.WebhookMessageID
	if id == "" {
		id = n.ID
	}
	if id == "" || n.ResourceID == "" {
		problem(w, http.StatusBadRequest, "validation_failed", "The notification has no message id or resource id.")
		return
	}
	if n.ResourceType != "" && n.ResourceType != "payment" {
		w.WriteHeader(http.StatusNoContent) // not about a payment: nothing to do
		return
	}
	ctx := r.Context()
	done, err := h.Log.Handled(ctx, id)
	if err != nil {
		h.unavailable(w, r, id, err)
		return
	}
	if done {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p, err := h.Payments.Payment(ctx, n.ResourceID)
	switch {
	case errors.Is(err, permit.ErrNotFound):
		// Not a payment of this service's key: nothing to act on.
		h.logger().WarnContext(ctx, "govukpay notification for an unknown payment", "message_id", id, "payment_id", n.ResourceID)
	case err != nil:
		h.unavailable(w, r, id, err)
		return
	default:
		if err := h.OnPayment(ctx, p); err != nil {
			h.unavailable(w, r, id, err)
			return
		}
	}
	if err := h.Log.MarkHandled(ctx, id); err != nil {
		// Acted on already; a repeat acts again, harmlessly.
		h.logger().WarnContext(ctx, "govukpay notification not recorded as handled", "message_id", id, "error", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *NotificationHandler) unavailable(w http.ResponseWriter, r *http.Request, id string, err error) {
	h.logger().WarnContext(r.Context(), "govukpay notification not handled; Pay will send it again", "message_id", id, "error", err)
	w.Header().Set("Retry-After", "60")
	problem(w, http.StatusServiceUnavailable, "unavailable", "The notification could not be handled now.")
}

// problem answers an RFC 9457 problem, as the rest of the API does.
func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"code":%q,"detail":%q}`+"\n",
		http.StatusText(status), status, code, detail)
}
