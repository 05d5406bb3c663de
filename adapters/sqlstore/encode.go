package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones/civil"
)

const dateLayout = "2006-01-02"

// dateArg passes a calendar date as YYYY-MM-DD (a DATE on PostgreSQL, text
// on SQLite); the zero time is NULL. Only the year, month and day of the
// value as given count, as the domain's dates promise.
func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(dateLayout)
}

// maxMoney is the largest amount NUMERIC(12,2) holds (exclusive).
var maxMoney = decimal.New(1, 10)

// moneyArg passes an amount as text with two places. An amount that would
// not be stored exactly (a third decimal place, or too large) is refused
// rather than rounded.
func moneyArg(field string, d decimal.Decimal) (string, error) {
	if !d.Equal(d.Round(2)) {
		return "", validation(field, "money_precision", fmt.Sprintf("%s is %s: money is stored in pence, at most two decimal places", field, d.String()))
	}
	if d.Abs().GreaterThanOrEqual(maxMoney) {
		return "", validation(field, "money_range", fmt.Sprintf("%s is %s: the store holds amounts below 10,000,000,000.00", field, d.String()))
	}
	return d.StringFixed(2), nil
}

// storedDocument is an evidence document as JSON in the evidence column.
// It is a storage format of its own, so renaming a Go field never changes
// what is on disk.
type storedDocument struct {
	Kind     string            `json:"kind"`
	IssuedOn string            `json:"issued_on,omitempty"`
	Name     string            `json:"name,omitempty"`
	Address  string            `json:"address,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
}

func encodeEvidence(docs []evidence.Document) (string, error) {
	out := make([]storedDocument, len(docs))
	for i, d := range docs {
		out[i] = storedDocument{Kind: string(d.Kind), Name: d.Name, Address: d.Address, Fields: d.Fields}
		if !d.IssuedOn.IsZero() {
			out[i].IssuedOn = d.IssuedOn.Format(dateLayout)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encoding evidence: %w", err)
	}
	return string(b), nil
}

func decodeEvidence(s string) ([]evidence.Document, error) {
	var in []storedDocument
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("sqlstore: stored evidence is not valid JSON: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]evidence.Document, len(in))
	for i, d := range in {
		out[i] = evidence.Document{Kind: evidence.Kind(d.Kind), Name: d.Name, Address: d.Address, Fields: d.Fields}
		if d.IssuedOn != "" {
			t, err := time.Parse(dateLayout, d.IssuedOn)
			if err != nil {
				return nil, fmt.Errorf("sqlstore: stored evidence date %q: %w", d.IssuedOn, err)
			}
			out[i].IssuedOn = t
		}
	}
	return out, nil
}

func encodeInts(v []int) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v) // ints always marshal
	return string(b)
}

func decodeInts(s string) ([]int, error) {
	var v []int
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("sqlstore: stored reminder offsets %q: %w", s, err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

func encodeData(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // string maps always marshal
	return string(b)
}

func decodeData(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqlstore: stored event data %q: %w", s, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// storedResources is the resources column of an event: what the event
// carries, as it stood just after it (see permit.Event). The domain types
// are kept in encoding/json's form of their exported fields, dates and
// instants RFC 3339.
type storedResources struct {
	On            string                `json:"on,omitempty"`
	Permit        *permit.Permit        `json:"permit,omitempty"`
	Account       *permit.Account       `json:"account,omitempty"`
	AddressChange *permit.AddressChange `json:"address_change,omitempty"`
}

// encodeResources gives the resources column of e: "" when it carries
// nothing.
func encodeResources(e permit.Event) (string, error) {
	if e.Permit == nil && e.Account == nil && e.AddressChange == nil && e.On.IsZero() {
		return "", nil
	}
	r := storedResources{Permit: e.Permit, Account: e.Account, AddressChange: e.AddressChange}
	if !e.On.IsZero() {
		r.On = e.On.Format(dateLayout)
	}
	if r.Account != nil && r.Account.Credential != "" {
		a := *r.Account
		a.Credential = "" // never in the feed
		r.Account = &a
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encoding the resources it carries: %w", err)
	}
	return string(b), nil
}

// decodeResources fills e's resources from the column; "" leaves them
// nil (an event written before migration 00011).
func decodeResources(s string, e *permit.Event) error {
	if s == "" {
		return nil
	}
	var r storedResources
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return fmt.Errorf("stored resources: %w", err)
	}
	if r.On != "" {
		on, err := time.Parse(dateLayout, r.On)
		if err != nil {
			return fmt.Errorf("stored resources: date %q: %w", r.On, err)
		}
		e.On = on
	}
	e.Permit, e.Account, e.AddressChange = r.Permit, r.Account, r.AddressChange
	return nil
}

// dateCol scans a calendar date: a DATE (time.Time) on PostgreSQL, text
// YYYY-MM-DD on SQLite; NULL is the zero time. Dates come back at 00:00
// UTC, as the domain keeps them.
type dateCol struct{ t *time.Time }

func (c dateCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		y, m, d := v.Date()
		*c.t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("sqlstore: a date stored as %T", src)
	}
	return nil
}

func (c dateCol) parse(s string) error {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return fmt.Errorf("sqlstore: stored date %q: %w", s, err)
	}
	*c.t = t
	return nil
}

// moneyCol scans an amount (NUMERIC or text); NULL leaves valid false.
type moneyCol struct {
	d     *decimal.Decimal
	valid *bool
}

func (c moneyCol) Scan(src any) error {
	var n decimal.NullDecimal
	if err := n.Scan(src); err != nil {
		return fmt.Errorf("sqlstore: stored amount: %w", err)
	}
	if _, ok := src.(float64); ok {
		return fmt.Errorf("sqlstore: an amount came back as a float (%v); money must be NUMERIC or text", src)
	}
	*c.d = n.Decimal
	if c.valid != nil {
		*c.valid = n.Valid
	}
	return nil
}

// timeCheck collects the dates and instants of one value and refuses any
// the store could not read back: a year, as written (instants in UTC),
// outside 1 to 9999. SQLite's text layout and the time parser both stop at
// 9999, so a permit starting on 9999-12-31 (expiring in year 10000) would
// be written and then break every read that meets its row.
type timeCheck struct {
	bad []permit.FieldError
}

func (c *timeCheck) date(field string, t time.Time) {
	if y := t.Year(); !t.IsZero() && (y < 1 || y > 9999) {
		c.add(field, t.Format(dateLayout))
	}
}

func (c *timeCheck) instant(field string, t time.Time) {
	if y := t.UTC().Year(); !t.IsZero() && (y < 1 || y > 9999) {
		c.add(field, t.UTC().String())
	}
}

func (c *timeCheck) documents(field string, docs []evidence.Document) {
	for i, d := range docs {
		if y := d.IssuedOn.Year(); !d.IssuedOn.IsZero() && (y < 1 || y > 9999) {
			c.date(fmt.Sprintf("%s[%d].issued_on", field, i), d.IssuedOn)
		}
	}
}

// add records an out-of-range date; nothing is formatted before one is
// found (the checks run on every write).
func (c *timeCheck) add(field, shown string) {
	c.bad = append(c.bad, permit.FieldError{Field: field, Code: "out_of_range",
		Detail: fmt.Sprintf("%s is %s: the store holds dates in the years 1 to 9999", field, shown)})
}

// err is a *permit.ValidationError (wrapping permit.ErrValidation) naming
// every date out of range, or nil.
func (c *timeCheck) err() error {
	if len(c.bad) == 0 {
		return nil
	}
	return &permit.ValidationError{Fields: c.bad}
}

// storedCheck is a permit.RegisterCheck as stored in register_check (its
// outcome has a column of its own).
type storedCheck struct {
	VRM       string         `json:"vrm"`
	CheckedAt string         `json:"checked_at"`
	Attempts  int            `json:"attempts,omitempty"`
	Vehicle   *storedVehicle `json:"vehicle,omitempty"`
}

type storedVehicle struct {
	Make              string `json:"make,omitempty"`
	Colour            string `json:"colour,omitempty"`
	FuelType          string `json:"fuel_type,omitempty"`
	TypeApproval      string `json:"type_approval,omitempty"`
	YearOfManufacture int    `json:"year_of_manufacture,omitempty"`
	TaxStatus         string `json:"tax_status,omitempty"`
	TaxDueDate        string `json:"tax_due_date,omitempty"`
	MOTStatus         string `json:"mot_status,omitempty"`
	MOTExpiryDate     string `json:"mot_expiry_date,omitempty"`
	MarkedForExport   bool   `json:"marked_for_export,omitempty"`
}

func civilText(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseCivil(field, s string) (civil.Date, error) {
	if s == "" {
		return civil.Date{}, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}, fmt.Errorf("sqlstore: stored vehicle check %s %q: %w", field, s, err)
	}
	return d, nil
}

// encodeRegisterCheck gives the register_check_outcome and register_check
// columns' values (both NULL for no check).
func encodeRegisterCheck(c *permit.RegisterCheck) (outcome, check any, err error) {
	if c == nil {
		return nil, nil, nil
	}
	sc := storedCheck{VRM: string(c.VRM), CheckedAt: c.CheckedAt.UTC().Format(time.RFC3339Nano), Attempts: c.Attempts}
	if v := c.Vehicle; v != nil {
		sc.Vehicle = &storedVehicle{Make: v.Make, Colour: v.Colour, FuelType: v.FuelType, TypeApproval: v.TypeApproval,
			YearOfManufacture: v.YearOfManufacture, TaxStatus: string(v.TaxStatus), TaxDueDate: civilText(v.TaxDueDate),
			MOTStatus: string(v.MOTStatus), MOTExpiryDate: civilText(v.MOTExpiryDate), MarkedForExport: v.MarkedForExport}
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: encoding the vehicle check: %w", err)
	}
	return string(c.Outcome), string(b), nil
}

func decodeRegisterCheck(outcome, check sql.NullString) (*permit.RegisterCheck, error) {
	if !outcome.Valid {
		return nil, nil
	}
	var sc storedCheck
	if err := json.Unmarshal([]byte(check.String), &sc); err != nil {
		return nil, fmt.Errorf("sqlstore: stored vehicle check %q: %w", check.String, err)
	}
	at, err := time.Parse(time.RFC3339Nano, sc.CheckedAt)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: stored vehicle check instant %q: %w", sc.CheckedAt, err)
	}
	c := &permit.RegisterCheck{VRM: permit.VRM(sc.VRM), Outcome: permit.VehicleCheckOutcome(outcome.String), CheckedAt: at.UTC(), Attempts: sc.Attempts}
	if v := sc.Vehicle; v != nil {
		tax, err := parseCivil("tax_due_date", v.TaxDueDate)
		if err != nil {
			return nil, err
		}
		mot, err := parseCivil("mot_expiry_date", v.MOTExpiryDate)
		if err != nil {
			return nil, err
		}
		c.Vehicle = &permit.Vehicle{VRM: c.VRM, Make: v.Make, Colour: v.Colour, FuelType: v.FuelType, TypeApproval: v.TypeApproval,
			YearOfManufacture: v.YearOfManufacture, TaxStatus: permit.TaxStatus(v.TaxStatus), TaxDueDate: tax,
			MOTStatus: permit.MOTStatus(v.MOTStatus), MOTExpiryDate: mot, MarkedForExport: v.MarkedForExport}
	}
	return c, nil
}
