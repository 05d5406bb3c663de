package memstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// The store refuses, as every permit.Store must (see permittest), a date
// or instant whose year as stored (instants in UTC) is outside 1 to 9999:
// a database could not read it back, and a value this store keeps would
// not survive an export either.

// timeCheck gathers the out-of-range dates of one value. It formats
// nothing until a date is out of range: it runs on every write.
type timeCheck struct {
	kind, id string // "permit", "p-1": what the error names
	bad      []permit.FieldError
}

func (c *timeCheck) date(field string, t time.Time) {
	if y := t.Year(); !t.IsZero() && (y < 1 || y > 9999) {
		c.add(field, t.Format(time.DateOnly))
	}
}

func (c *timeCheck) instant(field string, t time.Time) {
	if y := t.UTC().Year(); !t.IsZero() && (y < 1 || y > 9999) {
		c.add(field, t.UTC().String())
	}
}

func (c *timeCheck) documents(docs []evidence.Document) {
	for i, d := range docs {
		if y := d.IssuedOn.Year(); !d.IssuedOn.IsZero() && (y < 1 || y > 9999) {
			c.date(fmt.Sprintf("evidence[%d].issued_on", i), d.IssuedOn)
		}
	}
}

func (c *timeCheck) add(field, shown string) {
	c.bad = append(c.bad, permit.FieldError{Field: field, Code: "out_of_range",
		Detail: fmt.Sprintf("%s is %s: the store holds dates in the years 1 to 9999", field, shown)})
}

func (c *timeCheck) err() error {
	if len(c.bad) == 0 {
		return nil
	}
	what := c.kind + " " + strconv.Quote(c.id)
	if c.kind == "event" { // named by its type
		what = c.kind + " " + c.id
	}
	return fmt.Errorf("memstore: %s: %w", what, &permit.ValidationError{Fields: c.bad})
}

func storableAccount(a permit.Account) error {
	c := timeCheck{kind: "account", id: a.ID}
	c.instant("created_at", a.CreatedAt)
	c.instant("updated_at", a.UpdatedAt)
	if f := a.MessageFailure; f != nil {
		c.instant("message_failure.at", f.At)
	}
	return c.err()
}

func storablePermit(p permit.Permit) error {
	c := timeCheck{kind: "permit", id: p.ID}
	c.date("starts_on", p.StartsOn)
	c.date("expires_on", p.ExpiresOn)
	c.date("evidence_accepted_on", p.EvidenceAcceptedOn)
	c.date("review_overdue_on", p.ReviewOverdueOn)
	c.instant("created_at", p.CreatedAt)
	c.instant("updated_at", p.UpdatedAt)
	c.documents(p.Evidence)
	if vc := p.PendingVehicleChange; vc != nil {
		c.date("pending_vehicle_change.effective_on", vc.EffectiveOn)
		c.instant("pending_vehicle_change.requested_at", vc.RequestedAt)
	}
	if x := p.Cancellation; x != nil {
		c.instant("cancellation.at", x.At)
	}
	if x := p.RegisterCheck; x != nil {
		c.instant("register_check.checked_at", x.CheckedAt)
	}
	return c.err()
}

func storableChange(ch permit.AddressChange) error {
	c := timeCheck{kind: "address change", id: ch.ID}
	c.date("submitted_on", ch.SubmittedOn)
	c.date("due_on", ch.DueOn)
	c.date("review_overdue_on", ch.ReviewOverdueOn)
	c.instant("created_at", ch.CreatedAt)
	c.instant("decided_at", ch.DecidedAt)
	c.documents(ch.Evidence)
	return c.err()
}

func storableEvent(e permit.Event) error {
	c := timeCheck{kind: "event", id: string(e.Type)}
	c.instant("at", e.At)
	return c.err()
}
