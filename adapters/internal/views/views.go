// Package views is the JSON form of the resources the HTTP API shows and
// the events carry: a permit, an account, an address change (docs/API.md).
// httpapi answers with it and eventjson puts it in every event, so that
// the copy an event carries is the object GET /v1/permits/{id} returns,
// field for field.
package views

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// Zone is a permit zone: {id, name}.
type Zone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ZoneOf is z's form, nil outside every zone.
func ZoneOf(z zones.Zone) *Zone {
	if z.IsZero() {
		return nil
	}
	return &Zone{ID: z.ID, Name: z.Name}
}

// Account is an account. Token is set only in the answer that creates it.
type Account struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	UPRN      string `json:"uprn"`
	Address   string `json:"address"`
	Zone      *Zone  `json:"zone"`
	CreatedAt string `json:"created_at"`
	Version   int    `json:"version"`
	// MessageFailure is the last message the provider could not deliver
	// for good; null when none.
	MessageFailure *MessageFailure `json:"message_failure"`
	Token          string          `json:"token,omitempty"`
}

// MessageFailure is a message that could not be delivered for good.
type MessageFailure struct {
	MessageID string `json:"message_id"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	PermitID  string `json:"permit_id,omitempty"`
	Delivery  string `json:"delivery"`
	At        string `json:"at"`
}

// AccountOf is a's form (never its credential).
func AccountOf(a permit.Account) Account {
	out := Account{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, UPRN: a.UPRN.String(),
		Address: a.Address, Zone: ZoneOf(a.Zone), CreatedAt: Instant(a.CreatedAt), Version: a.Version}
	if f := a.MessageFailure; f != nil {
		out.MessageFailure = &MessageFailure{MessageID: f.MessageID, Kind: string(f.Kind), Channel: string(f.Channel),
			PermitID: f.PermitID, Delivery: string(f.Delivery), At: Instant(f.At)}
	}
	return out
}

// Payment is a permit's card payment.
type Payment struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Amount   string `json:"amount"`
	Refunded string `json:"refunded"`
	// A hosted payment's attempt, page, deadline and failure.
	Attempt   int             `json:"attempt,omitempty"`
	NextURL   string          `json:"next_url,omitempty"`
	ExpiresAt string          `json:"expires_at,omitempty"`
	Failure   *PaymentFailure `json:"failure,omitempty"`
}

// PaymentFailure is why a hosted payment attempt failed.
type PaymentFailure struct {
	Code         string `json:"code"`
	ProviderCode string `json:"provider_code,omitempty"`
	Detail       string `json:"detail,omitempty"`
}

// VehicleChange is a scheduled change of registration.
type VehicleChange struct {
	ID          string `json:"id"`
	PermitID    string `json:"permit_id"`
	VRM         string `json:"vrm"`
	EffectiveOn string `json:"effective_on"`
	Status      string `json:"status"`
	RequestedAt string `json:"requested_at"`
}

// VehicleChangeOf is vc, scheduled on the permit permitID.
func VehicleChangeOf(permitID string, vc permit.VehicleChange) VehicleChange {
	return VehicleChange{ID: vc.ID, PermitID: permitID, VRM: string(vc.VRM), EffectiveOn: Date(vc.EffectiveOn),
		Status: "scheduled", RequestedAt: Instant(vc.RequestedAt)}
}

// Rejection is an officer's reason for refusing.
type Rejection struct {
	ReasonCode string `json:"reason_code"`
	Reason     string `json:"reason"`
}

// Cancellation is how a permit was ended early.
type Cancellation struct {
	At     string `json:"at"`
	Reason string `json:"reason"`
	Refund string `json:"refund"`
}

// Document is an evidence document.
type Document struct {
	Kind     string            `json:"kind"`
	IssuedOn string            `json:"issued_on"`
	Name     string            `json:"name,omitempty"`
	Address  string            `json:"address,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
}

// DocumentsOf is ds's form; never nil.
func DocumentsOf(ds []evidence.Document) []Document {
	out := make([]Document, 0, len(ds))
	for _, d := range ds {
		out = append(out, Document{Kind: string(d.Kind), IssuedOn: Date(d.IssuedOn), Name: d.Name, Address: d.Address, Fields: d.Fields})
	}
	return out
}

// Permit is a permit or an application for one.
type Permit struct {
	ID                   string         `json:"id"`
	AccountID            string         `json:"account_id"`
	Type                 string         `json:"type"`
	Status               string         `json:"status"`
	Free                 bool           `json:"free"`
	Price                string         `json:"price"`
	VRM                  string         `json:"vrm"`
	UPRN                 string         `json:"uprn"`
	Address              string         `json:"address"`
	Zone                 *Zone          `json:"zone"`
	StartsOn             string         `json:"starts_on"`
	ExpiresOn            string         `json:"expires_on"`
	Payment              *Payment       `json:"payment"`
	PendingVehicleChange *VehicleChange `json:"pending_vehicle_change,omitempty"`
	RenewalOf            string         `json:"renewal_of,omitempty"`
	RenewedBy            string         `json:"renewed_by,omitempty"`
	Rejection            *Rejection     `json:"rejection,omitempty"`
	Cancellation         *Cancellation  `json:"cancellation,omitempty"`
	Refund               *string        `json:"refund,omitempty"`
	Evidence             []Document     `json:"evidence"`
	EvidenceAcceptedOn   string         `json:"evidence_accepted_on,omitempty"`
	Flags                []string       `json:"flags,omitempty"`
	VehicleCheck         *RegisterCheck `json:"vehicle_check,omitempty"`
	CreatedAt            string         `json:"created_at"`
	UpdatedAt            string         `json:"updated_at"`
	Version              int            `json:"version"`
}

// PermitOf renders a permit as seen on the date today: an approved permit
// shows upcoming, current or expired.
func PermitOf(p permit.Permit, today time.Time) Permit {
	out := Permit{
		ID: p.ID, AccountID: p.AccountID, Type: p.Type, Status: string(p.StatusOn(today)), Free: p.Free,
		Price: Money(p.Price), VRM: string(p.VRM), UPRN: p.UPRN.String(), Address: p.Address, Zone: ZoneOf(p.Zone),
		StartsOn: Date(p.StartsOn), ExpiresOn: Date(p.ExpiresOn), RenewalOf: p.RenewalOf, RenewedBy: p.RenewedBy,
		Evidence: DocumentsOf(p.Evidence), EvidenceAcceptedOn: Date(p.EvidenceAcceptedOn),
		CreatedAt: Instant(p.CreatedAt), UpdatedAt: Instant(p.UpdatedAt), Version: p.Version,
		Flags: p.Flags(), VehicleCheck: RegisterCheckOf(p.RegisterCheck),
	}
	if pay := p.Payment; pay != nil {
		out.Payment = &Payment{ID: pay.ID, Status: string(pay.Status), Amount: Money(pay.Amount), Refunded: Money(pay.Refunded),
			Attempt: pay.Attempt, NextURL: pay.NextURL}
		if !pay.ExpiresAt.IsZero() {
			out.Payment.ExpiresAt = Instant(pay.ExpiresAt)
		}
		if f := pay.Failure; f != nil {
			out.Payment.Failure = &PaymentFailure{Code: f.Code, ProviderCode: f.ProviderCode, Detail: f.Detail}
		}
	}
	if vc := p.PendingVehicleChange; vc != nil {
		j := VehicleChangeOf(p.ID, *vc)
		out.PendingVehicleChange = &j
	}
	if r := p.Rejection; r != nil {
		out.Rejection = &Rejection{ReasonCode: r.Code, Reason: r.Reason}
	}
	if c := p.Cancellation; c != nil {
		refund := Money(c.Refund)
		out.Cancellation = &Cancellation{At: Instant(c.At), Reason: c.Reason, Refund: refund}
		out.Refund = &refund
	}
	return out
}

// RegisterCheck is openapi.json's RegisterCheck: the DVLA's answer about
// the permit's vehicle.
type RegisterCheck struct {
	VRM       string   `json:"vrm"`
	Outcome   string   `json:"outcome"`
	CheckedAt string   `json:"checked_at"`
	Attempts  int      `json:"attempts,omitempty"`
	Vehicle   *Vehicle `json:"vehicle,omitempty"`
}

// Vehicle is what the register says about a vehicle.
type Vehicle struct {
	Make              string `json:"make,omitempty"`
	Colour            string `json:"colour,omitempty"`
	FuelType          string `json:"fuel_type,omitempty"`
	TypeApproval      string `json:"type_approval,omitempty"`
	YearOfManufacture int    `json:"year_of_manufacture,omitempty"`
	TaxStatus         string `json:"tax_status,omitempty"`
	TaxDueDate        string `json:"tax_due_date,omitempty"`
	MOTStatus         string `json:"mot_status,omitempty"`
	MOTExpiryDate     string `json:"mot_expiry_date,omitempty"`
	MarkedForExport   bool   `json:"marked_for_export"`
}

func civilDate(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// RegisterCheckOf is c's form, nil for none.
func RegisterCheckOf(c *permit.RegisterCheck) *RegisterCheck {
	if c == nil {
		return nil
	}
	out := &RegisterCheck{VRM: string(c.VRM), Outcome: string(c.Outcome), CheckedAt: Instant(c.CheckedAt), Attempts: c.Attempts}
	if v := c.Vehicle; v != nil {
		out.Vehicle = &Vehicle{Make: v.Make, Colour: v.Colour, FuelType: v.FuelType, TypeApproval: v.TypeApproval,
			YearOfManufacture: v.YearOfManufacture, TaxStatus: string(v.TaxStatus), TaxDueDate: civilDate(v.TaxDueDate),
			MOTStatus: string(v.MOTStatus), MOTExpiryDate: civilDate(v.MOTExpiryDate), MarkedForExport: v.MarkedForExport}
	}
	return out
}

// AddressChange is a same-zone move.
type AddressChange struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"account_id"`
	Status      string     `json:"status"`
	SameZone    bool       `json:"same_zone"`
	FromUPRN    string     `json:"from_uprn"`
	UPRN        string     `json:"uprn"`
	Address     string     `json:"address"`
	Zone        *Zone      `json:"zone"`
	Evidence    []Document `json:"evidence"`
	Rejection   *Rejection `json:"rejection,omitempty"`
	SubmittedOn string     `json:"submitted_on"`
	DueOn       string     `json:"due_on"`
	CreatedAt   string     `json:"created_at"`
	DecidedAt   string     `json:"decided_at,omitempty"`
	Version     int        `json:"version"`
}

// AddressChangeOf is c's form.
func AddressChangeOf(c permit.AddressChange) AddressChange {
	out := AddressChange{ID: c.ID, AccountID: c.AccountID, Status: string(c.Status), SameZone: true,
		FromUPRN: c.FromUPRN.String(), UPRN: c.ToUPRN.String(), Address: c.ToAddress, Zone: ZoneOf(c.Zone),
		Evidence: DocumentsOf(c.Evidence), SubmittedOn: Date(c.SubmittedOn), DueOn: Date(c.DueOn),
		CreatedAt: Instant(c.CreatedAt), DecidedAt: Instant(c.DecidedAt), Version: c.Version}
	if r := c.Rejection; r != nil {
		out.Rejection = &Rejection{ReasonCode: r.Code, Reason: r.Reason}
	}
	return out
}

// Money is GBP with two decimals, as text ("55.00").
func Money(d decimal.Decimal) string { return pricing.FormatMoney(d) }

// Date is a calendar date as YYYY-MM-DD, or "" for none.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Instant is RFC 3339 in UTC, or "" for none.
func Instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
