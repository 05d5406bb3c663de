package zones

import (
	"context"
	"errors"
)

// ErrPropertyNotFound is returned, wrapped with the UPRN asked for, when a
// Locator has no property with that UPRN. Check with errors.Is.
var ErrPropertyNotFound = errors.New("property not found")

// Locator finds properties and the permit zones they lie in. It is the port
// through which the permit rules reach a council's address data: the
// in-memory Gazetteer implements it, and an adapter may implement it over a
// database or an address-lookup service.
//
// Implementations must be safe for concurrent use.
type Locator interface {
	// FindProperties returns the properties at postcode whose house number
	// or name matches house, in a stable order; house "" (or one with no
	// letters or digits) returns every property at the postcode.
	//
	// Matching ignores case, spaces and punctuation but keeps numbers whole:
	// "12" matches 12 and every flat in number 12, but not 12A or 112;
	// "12a" and "12 A" match 12A; "rose cottage" matches Rose Cottage;
	// "Flat 2, 12", "flat 2 12" and "Flat 2" match Flat 2 at number 12
	// (the last also matches a Flat 2 in any other building there).
	//
	// Finding nothing is not an error: an unknown postcode, or a house that
	// matches nothing, gives an empty slice and a nil error, because "no
	// such address here" is an ordinary answer to show the applicant.
	// A zero postcode gives an error wrapping ErrInvalidPostcode. Errors
	// from ctx (context.Canceled, context.DeadlineExceeded) are returned as
	// they are; an adapter may also return errors of its backing system.
	FindProperties(ctx context.Context, postcode Postcode, house string) ([]Property, error)

	// Property returns the property with the given UPRN. If there is none
	// the error wraps ErrPropertyNotFound and names the UPRN. Errors from
	// ctx are returned as they are; an adapter may also return errors of
	// its backing system.
	Property(ctx context.Context, uprn UPRN) (Property, error)
}
