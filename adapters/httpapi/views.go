package httpapi

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/eventjson"
	"github.com/carerpermit/carerpermit/adapters/internal/views"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// The JSON shapes of docs/API.md. They are separate from the domain types so
// that the wire format is a contract of its own: a field renamed in the
// domain cannot rename one here.

type zoneJSON = views.Zone

func zoneOf(z zones.Zone) *zoneJSON { return views.ZoneOf(z) }

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

// The resources events carry too live in adapters/internal/views, so that
// an event's copy is the object these routes answer with.
type (
	accountJSON        = views.Account
	vehicleChangeJSON  = views.VehicleChange
	documentJSON       = views.Document
	permitJSON         = views.Permit
	addressChangeJSON  = views.AddressChange
	paymentFailureJSON = views.PaymentFailure
)

func accountOf(a permit.Account) accountJSON { return views.AccountOf(a) }

func vehicleChangeOf(permitID string, vc permit.VehicleChange) vehicleChangeJSON {
	return views.VehicleChangeOf(permitID, vc)
}

// permitOf renders a permit as seen on the date today: an approved permit
// shows upcoming, current or expired.
func permitOf(p permit.Permit, today time.Time) permitJSON { return views.PermitOf(p, today) }

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

func addressChangeOf(c permit.AddressChange) addressChangeJSON { return views.AddressChangeOf(c) }

type reviewItemJSON struct {
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	SubmittedAt string `json:"submitted_at"`
	DueOn       string `json:"due_on"`
	Overdue     bool   `json:"overdue"`
	// The capture window of a held payment (permit.PaymentHold).
	HoldExpiresAt    string             `json:"hold_expires_at,omitempty"`
	HoldCapturedFrom string             `json:"hold_captured_from,omitempty"`
	Permit           *permitJSON        `json:"permit,omitempty"`
	AddressChange    *addressChangeJSON `json:"address_change,omitempty"`
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
func money(d decimal.Decimal) string { return views.Money(d) }

// date is a calendar date as YYYY-MM-DD, or "" for none.
func date(t time.Time) string { return views.Date(t) }

// instant is RFC 3339 in UTC, or "" for none.
func instant(t time.Time) string { return views.Instant(t) }
