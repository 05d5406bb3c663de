package permittest

import (
	"fmt"
	"maps"
	"testing"
	"time"
	_ "time/tzdata" // Europe/London must load on machines without a zoneinfo database

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// london is where the council's residents live; instants given in it must
// come back from a store in UTC.
func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	return loc
}

type moneyField struct {
	name string
	v    decimal.Decimal
}

type timeField struct {
	name string
	v    time.Time
}

// The comparisons below check money and time fields by value (decimal.Equal
// plus the two-place string; time.Equal plus UTC location), then compare
// everything else with the money and times blanked out. Empty and nil slices
// and maps count as the same: a store need not keep the difference.

func requireSameMoney(t *testing.T, want, got []moneyField) {
	t.Helper()
	require.Len(t, got, len(want), "money fields present")
	for i := range want {
		w, g := want[i], got[i]
		require.Truef(t, w.v.Equal(g.v), "%s: stored %s, read back %s", w.name, w.v.StringFixed(2), g.v.String())
		require.Equalf(t, w.v.StringFixed(2), g.v.StringFixed(2), "%s as two places", w.name)
	}
}

func requireSameTimes(t *testing.T, want, got []timeField) {
	t.Helper()
	require.Len(t, got, len(want), "time fields present")
	for i := range want {
		w, g := want[i], got[i]
		require.Truef(t, w.v.Equal(g.v), "%s: stored %s, read back %s", w.name, w.v.Format(time.RFC3339Nano), g.v.Format(time.RFC3339Nano))
		require.Truef(t, g.v.Location() == time.UTC, "%s: read back in location %q, want UTC", w.name, g.v.Location())
	}
}

func permitMoney(p permit.Permit) []moneyField {
	m := []moneyField{{"Price", p.Price}}
	if p.Payment != nil {
		m = append(m, moneyField{"Payment.Amount", p.Payment.Amount}, moneyField{"Payment.Refunded", p.Payment.Refunded})
	}
	if p.Cancellation != nil {
		m = append(m, moneyField{"Cancellation.Refund", p.Cancellation.Refund})
	}
	return m
}

func permitTimes(p permit.Permit) []timeField {
	ts := []timeField{
		{"StartsOn", p.StartsOn}, {"ExpiresOn", p.ExpiresOn},
		{"EvidenceAcceptedOn", p.EvidenceAcceptedOn}, {"ReviewOverdueOn", p.ReviewOverdueOn},
		{"CreatedAt", p.CreatedAt}, {"UpdatedAt", p.UpdatedAt},
	}
	if c := p.PendingVehicleChange; c != nil {
		ts = append(ts, timeField{"PendingVehicleChange.EffectiveOn", c.EffectiveOn}, timeField{"PendingVehicleChange.RequestedAt", c.RequestedAt})
	}
	if c := p.Cancellation; c != nil {
		ts = append(ts, timeField{"Cancellation.At", c.At})
	}
	if c := p.RegisterCheck; c != nil {
		ts = append(ts, timeField{"RegisterCheck.CheckedAt", c.CheckedAt})
	}
	for i, d := range p.Evidence {
		ts = append(ts, timeField{fmt.Sprintf("Evidence[%d].IssuedOn", i), d.IssuedOn})
	}
	return ts
}

// blankPermit returns a deep copy of p without money and times, with empty
// slices and maps as nil.
func blankPermit(p permit.Permit) permit.Permit {
	p.Price = decimal.Decimal{}
	if p.Payment != nil {
		c := *p.Payment
		c.Amount, c.Refunded = decimal.Decimal{}, decimal.Decimal{}
		p.Payment = &c
	}
	if p.Cancellation != nil {
		c := *p.Cancellation
		c.Refund, c.At = decimal.Decimal{}, time.Time{}
		p.Cancellation = &c
	}
	if p.PendingVehicleChange != nil {
		c := *p.PendingVehicleChange
		c.EffectiveOn, c.RequestedAt = time.Time{}, time.Time{}
		p.PendingVehicleChange = &c
	}
	if p.Rejection != nil {
		c := *p.Rejection
		p.Rejection = &c
	}
	if p.RegisterCheck != nil {
		c := *p.RegisterCheck
		c.CheckedAt = time.Time{}
		if c.Vehicle != nil {
			v := *c.Vehicle
			c.Vehicle = &v
		}
		p.RegisterCheck = &c
	}
	p.StartsOn, p.ExpiresOn, p.EvidenceAcceptedOn, p.ReviewOverdueOn = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	p.Evidence = blankEvidence(p.Evidence)
	if len(p.RemindersSent) == 0 {
		p.RemindersSent = nil
	} else {
		p.RemindersSent = append([]int(nil), p.RemindersSent...)
	}
	return p
}

func blankEvidence(docs []evidence.Document) []evidence.Document {
	if len(docs) == 0 {
		return nil
	}
	out := make([]evidence.Document, len(docs))
	copy(out, docs)
	for i := range out {
		blankDocument(&out[i])
	}
	return out
}

// requirePermit checks that got is want as read back from a store.
func requirePermit(t *testing.T, want, got permit.Permit) {
	t.Helper()
	requireSameMoney(t, permitMoney(want), permitMoney(got))
	requireSameTimes(t, permitTimes(want), permitTimes(got))
	require.Equal(t, blankPermit(want), blankPermit(got), "permit %s", want.ID)
}

func accountTimes(a permit.Account) []timeField {
	return []timeField{{"CreatedAt", a.CreatedAt}, {"UpdatedAt", a.UpdatedAt}}
}

func requireAccount(t *testing.T, want, got permit.Account) {
	t.Helper()
	requireSameTimes(t, accountTimes(want), accountTimes(got))
	want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	require.Equal(t, want, got, "account %s", want.ID)
}

func changeTimes(c permit.AddressChange) []timeField {
	ts := []timeField{
		{"SubmittedOn", c.SubmittedOn}, {"DueOn", c.DueOn}, {"ReviewOverdueOn", c.ReviewOverdueOn},
		{"CreatedAt", c.CreatedAt}, {"DecidedAt", c.DecidedAt},
	}
	for i, d := range c.Evidence {
		ts = append(ts, timeField{fmt.Sprintf("Evidence[%d].IssuedOn", i), d.IssuedOn})
	}
	return ts
}

func blankChange(c permit.AddressChange) permit.AddressChange {
	c.SubmittedOn, c.DueOn, c.ReviewOverdueOn, c.CreatedAt, c.DecidedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	c.Evidence = blankEvidence(c.Evidence)
	if c.Rejection != nil {
		r := *c.Rejection
		c.Rejection = &r
	}
	return c
}

func requireAddressChange(t *testing.T, want, got permit.AddressChange) {
	t.Helper()
	requireSameTimes(t, changeTimes(want), changeTimes(got))
	require.Equal(t, blankChange(want), blankChange(got), "address change %s", want.ID)
}

// requireEvent checks a read-back event against the one appended; the ID is
// the store's and is not compared.
func requireEvent(t *testing.T, want, got permit.Event) {
	t.Helper()
	requireSameTimes(t, []timeField{{"At", want.At}}, []timeField{{"At", got.At}})
	want.ID, got.ID = "", ""
	want.At, got.At = time.Time{}, time.Time{}
	if len(want.Data) == 0 {
		want.Data = nil
	}
	if len(got.Data) == 0 {
		got.Data = nil
	}
	require.Equal(t, want, got)
}

func blankDocument(d *evidence.Document) {
	d.IssuedOn = time.Time{}
	if len(d.Fields) == 0 {
		d.Fields = nil
	} else {
		d.Fields = maps.Clone(d.Fields)
	}
}
