// Package eventjson is the one JSON form of a permit event: the object
// GET /v1/events lists and every webhook delivery carries (docs/API.md).
// The adapters that show events share it so the two cannot drift apart.
package eventjson

import (
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// Event is an event as the API shows it: {id, type, at, actor,
// permit_id?, account_id?, data}; data is never null.
type Event struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	At        string            `json:"at"`
	Actor     string            `json:"actor"`
	PermitID  string            `json:"permit_id,omitempty"`
	AccountID string            `json:"account_id,omitempty"`
	Data      map[string]string `json:"data"`
}

// Of is e in its JSON form; its instant is RFC 3339 in UTC.
func Of(e permit.Event) Event {
	data := e.Data
	if data == nil {
		data = map[string]string{}
	}
	return Event{ID: e.ID, Type: string(e.Type), At: e.At.UTC().Format(time.RFC3339), Actor: e.Actor,
		PermitID: e.PermitID, AccountID: e.AccountID, Data: data}
}
