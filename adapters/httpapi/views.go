package httpapi

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/eventjson"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// The JSON shapes of docs/API.md. They are separate from the domain types so
// that the wire format is a contract of its own: a field renamed in the
// domain cannot rename one here.

type zoneJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func zoneOf(z zones.Zone) *zoneJSON {
	if z.IsZero() {
		return nil
	}
	return &zoneJSON{ID: z.ID, Name: z.Name}
}

type propertyJSON struct {
	UPRN           string    `json:"uprn"`
	Address        string    `json:"address"`
	Postcode       string    `json:"postcode"`
	Zone           *zoneJSON `json:"zone"`
	SubBuilding    string    `json:"sub_building,omitempty"`
	BuildingName   string    `json:"building_name,omitempty"`
	BuildingNumber string    `json:"building_number,omitempty"`
	Street         string    `json:"street,omitempty"`
	Town           string    `json:"town,omitempty"`
}

func propertyOf(p zones.Property) propertyJSON {
	return propertyJSON{UPRN: p.UPRN.String(), Address: p.Address(), Postcode: p.Postcode.String(), Zone: zoneOf(p.Zone),
		SubBuilding: p.SubBuilding, BuildingName: p.BuildingName, BuildingNumber: p.BuildingNumber, Street: p.Street, Town: p.Town}
}

type accountJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	UPRN      string    `json:"uprn"`
	Address   string    `json:"address"`
	Zone      *zoneJSON `json:"zone"`
	CreatedAt string    `json:"created_at"`
	Token     string    `json:"token,omitempty"`
}

func accountOf(a permit.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, UPRN: a.UPRN.String(),
		Address: a.Address, Zone: zoneOf(a.Zone), CreatedAt: instant(a.CreatedAt)}
}

type paymentJSON struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Amount   string `json:"amount"`
	Refunded string `json:"refunded"`
	// A hosted payment's attempt, page, deadline and failure.
	Attempt   int                 `json:"attempt,omitempty"`
	NextURL   string              `json:"next_url,omitempty"`
	ExpiresAt string              `json:"expires_at,omitempty"`
	Failure   *paymentFailureJSON `json:"failure,omitempty"`
}

type paymentFailureJSON struct {
	Code         string `json:"code"`
	ProviderCode string `json:"provider_code,omitempty"`
	Detail       string `json:"detail,omitempty"`
}

type vehicleChangeJSON struct {
	ID          string `json:"id"`
	PermitID    string `json:"permit_id"`
	VRM         string `json:"vrm"`
	EffectiveOn string `json:"effective_on"`
	Status      string `json:"status"`
	RequestedAt string `json:"requested_at"`
}

func vehicleChangeOf(permitID string, vc permit.VehicleChange) vehicleChangeJSON {
	return vehicleChangeJSON{ID: vc.ID, PermitID: permitID, VRM: string(vc.VRM), EffectiveOn: date(vc.EffectiveOn),
		Status: "scheduled", RequestedAt: instant(vc.RequestedAt)}
}

type rejectionJSON struct {
	ReasonCode string `json:"reason_code"`
	Reason     string `json:"reason"`
}

type cancellationJSON struct {
	At     string `json:"at"`
	Reason string `json:"reason"`
	Refund string `json:"refund"`
}

type documentJSON struct {
	Kind     string            `json:"kind"`
	IssuedOn string            `json:"issued_on"`
	Name     string            `json:"name,omitempty"`
	Address  string            `json:"address,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
}

func documentsOf(ds []evidence.Document) []documentJSON {
	out := make([]documentJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, documentJSON{Kind: string(d.Kind), IssuedOn: date(d.IssuedOn), Name: d.Name, Address: d.Address, Fields: d.Fields})
	}
	return out
}

type permitJSON struct {
	ID                   string             `json:"id"`
	AccountID            string             `json:"account_id"`
	Type                 string             `json:"type"`
	Status               string             `json:"status"`
	Free                 bool               `json:"free"`
	Price                string             `json:"price"`
	VRM                  string             `json:"vrm"`
	UPRN                 string             `json:"uprn"`
	Address              string             `json:"address"`
	Zone                 *zoneJSON          `json:"zone"`
	StartsOn             string             `json:"starts_on"`
	ExpiresOn            string             `json:"expires_on"`
	Payment              *paymentJSON       `json:"payment"`
	PendingVehicleChange *vehicleChangeJSON `json:"pending_vehicle_change,omitempty"`
	RenewalOf            string             `json:"renewal_of,omitempty"`
	RenewedBy            string             `json:"renewed_by,omitempty"`
	Rejection            *rejectionJSON     `json:"rejection,omitempty"`
	Cancellation         *cancellationJSON  `json:"cancellation,omitempty"`
	Refund               *string            `json:"refund,omitempty"`
	Evidence             []documentJSON     `json:"evidence"`
	EvidenceAcceptedOn   string             `json:"evidence_accepted_on,omitempty"`
	Flags                []string           `json:"flags,omitempty"`
	VehicleCheck         *registerCheckJSON `json:"vehicle_check,omitempty"`
	CreatedAt            string             `json:"created_at"`
	UpdatedAt            string             `json:"updated_at"`
}

// registerCheckJSON is openapi.json's RegisterCheck: the DVLA's answer about
// the permit's vehicle.
type registerCheckJSON struct {
	VRM       string       `json:"vrm"`
	Outcome   string       `json:"outcome"`
	CheckedAt string       `json:"checked_at"`
	Attempts  int          `json:"attempts,omitempty"`
	Vehicle   *vehicleJSON `json:"vehicle,omitempty"`
}

type vehicleJSON struct {
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

func registerCheckOf(c *permit.RegisterCheck) *registerCheckJSON {
	if c == nil {
		return nil
	}
	out := &registerCheckJSON{VRM: string(c.VRM), Outcome: string(c.Outcome), CheckedAt: instant(c.CheckedAt), Attempts: c.Attempts}
	if v := c.Vehicle; v != nil {
		out.Vehicle = &vehicleJSON{Make: v.Make, Colour: v.Colour, FuelType: v.FuelType, TypeApproval: v.TypeApproval,
			YearOfManufacture: v.YearOfManufacture, TaxStatus: string(v.TaxStatus), TaxDueDate: civilDate(v.TaxDueDate),
			MOTStatus: string(v.MOTStatus), MOTExpiryDate: civilDate(v.MOTExpiryDate), MarkedForExport: v.MarkedForExport}
	}
	return out
}

// permitOf renders a permit as seen on the date today: an approved permit
// shows upcoming, current or expired.
func permitOf(p permit.Permit, today time.Time) permitJSON {
	out := permitJSON{
		ID: p.ID, AccountID: p.AccountID, Type: p.Type, Status: string(p.StatusOn(today)), Free: p.Free,
		Price: money(p.Price), VRM: string(p.VRM), UPRN: p.UPRN.String(), Address: p.Address, Zone: zoneOf(p.Zone),
		StartsOn: date(p.StartsOn), ExpiresOn: date(p.ExpiresOn), RenewalOf: p.RenewalOf, RenewedBy: p.RenewedBy,
		Evidence: documentsOf(p.Evidence), EvidenceAcceptedOn: date(p.EvidenceAcceptedOn),
		CreatedAt: instant(p.CreatedAt), UpdatedAt: instant(p.UpdatedAt),
		Flags: p.Flags(), VehicleCheck: registerCheckOf(p.RegisterCheck),
	}
	if pay := p.Payment; pay != nil {
		out.Payment = &paymentJSON{ID: pay.ID, Status: string(pay.Status), Amount: money(pay.Amount), Refunded: money(pay.Refunded),
			Attempt: pay.Attempt, NextURL: pay.NextURL}
		if !pay.ExpiresAt.IsZero() {
			out.Payment.ExpiresAt = instant(pay.ExpiresAt)
		}
		if f := pay.Failure; f != nil {
			out.Payment.Failure = &paymentFailureJSON{Code: f.Code, ProviderCode: f.ProviderCode, Detail: f.Detail}
		}
	}
	if vc := p.PendingVehicleChange; vc != nil {
		j := vehicleChangeOf(p.ID, *vc)
		out.PendingVehicleChange = &j
	}
	if r := p.Rejection; r != nil {
		out.Rejection = &rejectionJSON{ReasonCode: r.Code, Reason: r.Reason}
	}
	if c := p.Cancellation; c != nil {
		refund := money(c.Refund)
		out.Cancellation = &cancellationJSON{At: instant(c.At), Reason: c.Reason, Refund: refund}
		out.Refund = &refund
	}
	return out
}

type reasonJSON struct {
	Code     string `json:"code"`
	Detail   string `json:"detail"`
	Blocking bool   `json:"blocking"`
}

// requirementJSON is docs/API.md's Requirement: one document of any kind in
// one_of meets it, so a client can build an application from the answer.
type requirementJSON struct {
	Requirement string   `json:"requirement"`
	Detail      string   `json:"detail"`
	OneOf       []string `json:"one_of"`
}

// requirementNamesJSON is the older evidence_requirements entry, kept for
// clients written against it.
type requirementNamesJSON struct {
	Name  string   `json:"name"`
	Title string   `json:"title"`
	OneOf []string `json:"one_of"`
}

// requirementsJSON gives docs/API.md's Requirement objects (required_evidence)
// and the older evidence_requirements beside them. rules (the scheme's
// document kinds) word each detail.
func requirementsJSON(rules *evidence.Rules, rs []evidence.Requirement) ([]requirementJSON, []requirementNamesJSON) {
	reqs := make([]requirementJSON, 0, len(rs))
	names := make([]requirementNamesJSON, 0, len(rs))
	for _, r := range rs {
		kinds := make([]string, 0, len(r.OneOf))
		for _, k := range r.OneOf {
			kinds = append(kinds, string(k))
		}
		reqs = append(reqs, requirementJSON{Requirement: r.Name, Detail: rules.Describe(r), OneOf: kinds})
		names = append(names, requirementNamesJSON{Name: r.Name, Title: r.Title, OneOf: kinds})
	}
	return reqs, names
}

type eligibilityJSON struct {
	Eligible             bool                   `json:"eligible"`
	Free                 bool                   `json:"free"`
	Price                string                 `json:"price"`
	Pool                 string                 `json:"pool,omitempty"`
	StartsOn             string                 `json:"starts_on,omitempty"`
	ExpiresOn            string                 `json:"expires_on,omitempty"`
	Reasons              []reasonJSON           `json:"reasons"`
	RequiredEvidence     []requirementJSON      `json:"required_evidence"`
	EvidenceRequirements []requirementNamesJSON `json:"evidence_requirements"`
}

func eligibilityOf(rules *evidence.Rules, d eligibility.Decision) eligibilityJSON {
	out := eligibilityJSON{Eligible: d.Eligible, Free: d.Free, Price: money(d.Price), Pool: d.Pool,
		StartsOn: date(d.StartsOn), ExpiresOn: date(d.ExpiresOn), Reasons: reasonsJSON(d.Reasons)}
	out.RequiredEvidence, out.EvidenceRequirements = requirementsJSON(rules, d.RequiredEvidence)
	return out
}

type addressChangeJSON struct {
	ID          string         `json:"id"`
	AccountID   string         `json:"account_id"`
	Status      string         `json:"status"`
	SameZone    bool           `json:"same_zone"`
	FromUPRN    string         `json:"from_uprn"`
	UPRN        string         `json:"uprn"`
	Address     string         `json:"address"`
	Zone        *zoneJSON      `json:"zone"`
	Evidence    []documentJSON `json:"evidence"`
	Rejection   *rejectionJSON `json:"rejection,omitempty"`
	SubmittedOn string         `json:"submitted_on"`
	DueOn       string         `json:"due_on"`
	CreatedAt   string         `json:"created_at"`
	DecidedAt   string         `json:"decided_at,omitempty"`
}

func addressChangeOf(c permit.AddressChange) addressChangeJSON {
	out := addressChangeJSON{ID: c.ID, AccountID: c.AccountID, Status: string(c.Status), SameZone: true,
		FromUPRN: c.FromUPRN.String(), UPRN: c.ToUPRN.String(), Address: c.ToAddress, Zone: zoneOf(c.Zone),
		Evidence: documentsOf(c.Evidence), SubmittedOn: date(c.SubmittedOn), DueOn: date(c.DueOn),
		CreatedAt: instant(c.CreatedAt), DecidedAt: instant(c.DecidedAt)}
	if r := c.Rejection; r != nil {
		out.Rejection = &rejectionJSON{ReasonCode: r.Code, Reason: r.Reason}
	}
	return out
}

type reviewItemJSON struct {
	Kind          string             `json:"kind"`
	ID            string             `json:"id"`
	AccountID     string             `json:"account_id"`
	SubmittedAt   string             `json:"submitted_at"`
	DueOn         string             `json:"due_on"`
	Overdue       bool               `json:"overdue"`
	Permit        *permitJSON        `json:"permit,omitempty"`
	AddressChange *addressChangeJSON `json:"address_change,omitempty"`
}

type paymentRetryJSON struct {
	ID            string `json:"id"`
	Operation     string `json:"operation"`
	PaymentID     string `json:"payment_id"`
	Amount        string `json:"amount"`
	PermitID      string `json:"permit_id"`
	AccountID     string `json:"account_id"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	LastError     string `json:"last_error"`
	NextAttemptAt string `json:"next_attempt_at"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

func paymentRetryOf(r permit.PaymentRetry) paymentRetryJSON {
	return paymentRetryJSON{ID: r.ID, Operation: string(r.Op), PaymentID: r.PaymentID, Amount: money(r.Amount),
		PermitID: r.PermitID, AccountID: r.AccountID, Status: string(r.Status), Attempts: r.Attempts, LastError: r.LastError,
		NextAttemptAt: instant(r.NextAttemptAt), CreatedAt: instant(r.CreatedAt), UpdatedAt: instant(r.UpdatedAt)}
}

// eventJSON is an event as GET /v1/events lists it, the same form webhook
// deliveries carry.
type eventJSON = eventjson.Event

func eventOf(e permit.Event) eventJSON { return eventjson.Of(e) }

// money is GBP with two decimals, as text ("55.00").
func money(d decimal.Decimal) string { return pricing.FormatMoney(d) }

// date is a calendar date as YYYY-MM-DD, or "" for none.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// instant is RFC 3339 in UTC, or "" for none.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
