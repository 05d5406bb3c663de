// Package eventjson is the one JSON form of a permit event: the object
// GET /v1/events lists and every webhook delivery carries (docs/API.md).
// The adapters that show events share it so the two cannot drift apart.
package eventjson

import (
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/views"
	"github.com/carerpermit/carerpermit/permit"
)

// Event is an event as the API shows it: {id, type, at, actor,
// permit_id?, account_id?, data, permit?, account?, address_change?};
// data is never null. permit, account and address_change are the
// resources as they stood just after the event, in the form the API
// answers with (docs/EVENTS.md).
type Event struct {
	ID            string               `json:"id"`
	Type          string               `json:"type"`
	At            string               `json:"at"`
	Actor         string               `json:"actor"`
	PermitID      string               `json:"permit_id,omitempty"`
	AccountID     string               `json:"account_id,omitempty"`
	Data          map[string]string    `json:"data"`
	Permit        *views.Permit        `json:"permit,omitempty"`
	Account       *views.Account       `json:"account,omitempty"`
	AddressChange *views.AddressChange `json:"address_change,omitempty"`
}

// protectedDataKeys are the data keys that hold an address or UPRN,
// left out of the event of an account whose address is protected.
var protectedDataKeys = []string{"uprn", "from_uprn", "to_uprn", "move_from_uprn", "address"}

// Of is e in its JSON form; its instant is RFC 3339 in UTC. The permit it
// carries shows its status on the event's date (e.On; an event stored
// without one, on the UTC date of its instant). The event of an account
// whose address is protected (permit.Account.Protected, kept on its
// permits as AddressProtected) shows no address or UPRN: the feed and
// webhooks go to systems outside the council.
func Of(e permit.Event) Event {
	data := e.Data
	if data == nil {
		data = map[string]string{}
	}
	protected := (e.Permit != nil && e.Permit.AddressProtected) || (e.Account != nil && e.Account.Protected)
	if protected {
		kept := make(map[string]string, len(data))
		for k, v := range data {
			if !slices.Contains(protectedDataKeys, k) {
				kept[k] = v
			}
		}
		data = kept
	}
	out := Event{ID: e.ID, Type: string(e.Type), At: e.At.UTC().Format(time.RFC3339), Actor: e.Actor,
		PermitID: e.PermitID, AccountID: e.AccountID, Data: data}
	if e.Permit != nil {
		on := e.On
		if on.IsZero() {
			y, m, d := e.At.UTC().Date()
			on = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		p := views.PermitOf(*e.Permit, on)
		if protected {
			p.Address, p.UPRN = "", hiddenUPRN
			hideAddresses(p.Evidence)
		}
		out.Permit = &p
	}
	if e.Account != nil {
		a := views.AccountOf(*e.Account)
		if protected {
			a.Address, a.UPRN = "", hiddenUPRN
		}
		out.Account = &a
	}
	if e.AddressChange != nil {
		c := views.AddressChangeOf(*e.AddressChange)
		if protected {
			c.FromUPRN, c.UPRN, c.Address = hiddenUPRN, hiddenUPRN, ""
			hideAddresses(c.Evidence)
		}
		out.AddressChange = &c
	}
	return out
}

// hiddenUPRN stands for a protected UPRN: the zero UPRN, as an anonymised
// account has.
const hiddenUPRN = "0"

// hideAddresses blanks the addresses read from documents.
func hideAddresses(docs []views.Document) {
	for i := range docs {
		docs[i].Address = ""
	}
}
