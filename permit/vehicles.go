package permit

import (
	"context"
	"errors"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// VehicleRegister asks a register of vehicles (the DVLA Vehicle Enquiry
// Service) what it holds about a registration: the optional check at
// application and vehicle change. The register says whether a vehicle
// exists and describes it; it says nothing about its keeper (that needs
// the V5C).
//
// Errors: ErrVehicleNotFound when the register holds no such vehicle;
// ErrInvalidVRM when it refuses the registration's form; ErrUnavailable
// when it cannot answer now (down, slow, rate limiting, refusing our key),
// which must never stop a resident: the answer is asked for again later.
type VehicleRegister interface {
	LookUpVehicle(ctx context.Context, vrm VRM) (Vehicle, error)
}

// ErrVehicleNotFound: the register of vehicles holds no vehicle with the
// registration.
var ErrVehicleNotFound = errors.New("vehicle not found")

// Vehicle is what the register holds about a vehicle, in its own words
// (make and colour in capitals, "Taxed", "Valid"). Dates the register did
// not give are zero.
type Vehicle struct {
	VRM               VRM
	Make              string
	Colour            string
	FuelType          string
	TypeApproval      string // e.g. "M1" (a car), "N1" (a light van)
	YearOfManufacture int
	TaxStatus         TaxStatus
	TaxDueDate        civil.Date
	MOTStatus         MOTStatus
	MOTExpiryDate     civil.Date
	MarkedForExport   bool
}

// TaxStatus is a vehicle's tax status as the register states it. The
// register's list may grow, so a status not below is kept as given rather
// than refused: a new word must not stop a resident's application.
type TaxStatus string

// The tax statuses DVLA's Vehicle Enquiry Service documents.
const (
	TaxTaxed          TaxStatus = "Taxed"
	TaxUntaxed        TaxStatus = "Untaxed"
	TaxSORN           TaxStatus = "SORN"
	TaxNotTaxedForUse TaxStatus = "Not Taxed for on Road Use"
)

// MOTStatus is a vehicle's MOT status as the register states it (kept as
// given, like TaxStatus).
type MOTStatus string

// The MOT statuses DVLA's Vehicle Enquiry Service documents.
const (
	MOTValid     MOTStatus = "Valid"
	MOTNotValid  MOTStatus = "Not valid"
	MOTNoDetails MOTStatus = "No details held by DVLA"
	MOTNoResults MOTStatus = "No results returned"
)
