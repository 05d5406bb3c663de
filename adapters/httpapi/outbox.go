package httpapi

import (
	"context"
	"net/http"
	"time"
)

// OutboxMessage is one message the server sent, as the evaluation outbox
// keeps it (GET /v1/test-clock/outbox).
type OutboxMessage struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	Channel string            `json:"channel"`
	To      string            `json:"to"`
	SentAt  time.Time         `json:"sent_at"`
	Data    map[string]string `json:"data"`
}

// Outbox is the evaluation outbox: every message the server sent under
// the test clock, so that a script reads a sign-in code or a reminder
// without a mail server. A server keeps it in its database
// (adapters/sqlstore's EvaluationOutbox), never in memory only.
type Outbox interface {
	// Messages returns up to limit messages, newest first; to, when not
	// empty, keeps those sent to that address (email, in any case, or
	// phone number).
	Messages(ctx context.Context, to string, limit int) ([]OutboxMessage, error)
}

// testOutbox is GET /v1/test-clock/outbox?to=&limit=.
func (h *api) testOutbox(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	ms, err := h.outbox.Messages(r.Context(), r.URL.Query().Get("to"), limit)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []OutboxMessage{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"messages": ms})
}
