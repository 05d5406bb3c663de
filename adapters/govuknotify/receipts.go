package govuknotify

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
	"github.com/carerpermit/carerpermit/permit"
)

// Receipts is where the delivery receipts go: *permit.Service records
// them (permit.Service.RecordDelivery).
type Receipts interface {
	RecordDelivery(ctx context.Context, by permit.Actor, r permit.DeliveryReceipt) (permit.RecordedMessage, error)
}

var _ Receipts = (*permit.Service)(nil)

// Receipt is the delivery receipt Notify posts to a service's callback
// URL (its JSON fields; all strings but template_version).
type Receipt struct {
	ID               string  `json:"id"`
	Reference        *string `json:"reference"`
	To               string  `json:"to"`
	Status           string  `json:"status"`
	CreatedAt        string  `json:"created_at"`
	CompletedAt      *string `json:"completed_at"`
	SentAt           *string `json:"sent_at"`
	NotificationType string  `json:"notification_type"`
	TemplateID       string  `json:"template_id"`
	TemplateVersion  int     `json:"template_version"`
}

// maxReceipt bounds a receipt's body: Notify's are a few hundred bytes.
const maxReceipt = 16 << 10

// ReceiptHandler answers GOV.UK Notify's delivery-receipt callbacks
// (POST, JSON, "Authorization: Bearer <token>", the token the council set
// for the callback in Notify's admin). A receipt with the right token is
// recorded through rec as the system (the message named by its
// reference, our message ID): 204. Notify sends a receipt again when it
// gets no 2xx, so a receipt already recorded is 204 too and changes
// nothing; so is one whose reference the server does not hold (sent
// before the server recorded its messages, or by another service): it
// is logged, as is nothing personal from the receipt (its "to" is never
// read). A wrong or missing token is 401; a body that is not a receipt,
// 400; a store that cannot be reached, 503 (Notify tries again).
func ReceiptHandler(token string, rec Receipts, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &receiptHandler{token: token, rec: rec, log: log}
}

type receiptHandler struct {
	token string
	rec   Receipts
	log   *slog.Logger
}

func (h *receiptHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.fail(w, r, httpx.MethodNotAllowed(r.Method, []string{http.MethodPost}))
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || h.token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(h.token)) != 1 {
		h.fail(w, r, httpx.Unauthorized("Give the callback's bearer token set in GOV.UK Notify."))
		return
	}
	body, err := httpx.ReadJSONBody(w, r, maxReceipt, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var rc Receipt
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&rc); err != nil {
		h.fail(w, r, httpx.BadRequest("body", "invalid_json", "The body is not a delivery receipt: "+err.Error()))
		return
	}
	d, ok := permit.ParseDelivery(rc.Status)
	switch {
	case rc.Reference == nil || *rc.Reference == "":
		// A message sent without our reference is none of ours to record.
		h.log.Warn("GOV.UK Notify receipt without a reference; ignored", "notification_id", rc.ID, "status", rc.Status)
		w.WriteHeader(http.StatusNoContent)
		return
	case !ok:
		h.fail(w, r, httpx.BadRequest("status", "invalid", "status must be delivered, permanent-failure, temporary-failure or technical-failure."))
		return
	}
	at := time.Time{}
	for _, s := range []*string{rc.CompletedAt, rc.SentAt, &rc.CreatedAt} {
		if s != nil && *s != "" {
			if t, err := parseNotifyTime(*s); err == nil {
				at = t
				break
			}
		}
	}
	_, err = h.rec.RecordDelivery(r.Context(), permit.System, permit.DeliveryReceipt{MessageID: *rc.Reference, Delivery: d, At: at})
	switch {
	case err == nil:
	case errors.Is(err, permit.ErrNotFound):
		h.log.Warn("GOV.UK Notify receipt for a message this server does not hold; ignored", "message_id", *rc.Reference, "notification_id", rc.ID, "status", rc.Status)
	case errors.Is(err, permit.ErrValidation):
		h.fail(w, r, httpx.BadRequest("reference", "invalid", err.Error()))
		return
	default:
		h.log.Error("GOV.UK Notify receipt not recorded; Notify will send it again", "message_id", *rc.Reference, "err", err)
		h.fail(w, r, httpx.Unavailable(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseNotifyTime reads Notify's instants ("2026-12-03T16:45:01.123456Z",
// with or without the fraction or the Z).
func parseNotifyTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Parse(time.RFC3339Nano, s)
}

func (h *receiptHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *httpx.Error
	if !errors.As(err, &e) {
		e = httpx.Internal(err)
	}
	httpx.WriteProblem(w, e.Status, e.Header, e.Document(r.URL.Path, ""))
}
