package zonemap

import (
	"context"
	"errors"

	"github.com/carerpermit/carerpermit/zones"
)

// LocatorOptions are the optional settings of NewLocator; nil means the
// defaults.
type LocatorOptions struct {
	// ListedZoneWithoutPosition lets a property with no position keep the
	// zone its gazetteer lists (the zone column of a gazetteer file).
	// When false, the default, such a property is refused: FindProperties
	// and Property return an error wrapping ErrNoPosition that names it,
	// rather than guess.
	ListedZoneWithoutPosition bool
}

// Locator is a zones.Locator that finds properties through another
// Locator and gives each the zone a Map says (see Map.Zone): the override
// list's, else the zone at its position; a property with no position keeps
// its listed zone or is refused, as LocatorOptions say. It is safe for
// concurrent use when the Locator it wraps is.
type Locator struct {
	inner  zones.Locator
	m      *Map
	listed bool
}

var _ zones.Locator = (*Locator)(nil)

// NewLocator returns a Locator over inner whose zones come from m.
func NewLocator(inner zones.Locator, m *Map, opts *LocatorOptions) *Locator {
	l := &Locator{inner: inner, m: m}
	if opts != nil {
		l.listed = opts.ListedZoneWithoutPosition
	}
	return l
}

// FindProperties implements zones.Locator: the inner Locator's properties,
// each with the map's zone. If one of them cannot be placed (no position,
// not in the override list, and listed zones not allowed) the error wraps
// ErrNoPosition and names it; errors of the inner Locator are returned as
// they are.
func (l *Locator) FindProperties(ctx context.Context, postcode zones.Postcode, house string) ([]zones.Property, error) {
	found, err := l.inner.FindProperties(ctx, postcode, house)
	if err != nil {
		return nil, err
	}
	for i := range found {
		if found[i], err = l.place(found[i]); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// Property implements zones.Locator, with the map's zone as FindProperties
// gives it.
func (l *Locator) Property(ctx context.Context, uprn zones.UPRN) (zones.Property, error) {
	p, err := l.inner.Property(ctx, uprn)
	if err != nil {
		return zones.Property{}, err
	}
	return l.place(p)
}

func (l *Locator) place(p zones.Property) (zones.Property, error) {
	z, err := l.m.Zone(p)
	switch {
	case err == nil:
		p.Zone = z
	case errors.Is(err, ErrNoPosition) && l.listed:
		// keep the listed zone
	default:
		return zones.Property{}, err
	}
	return p, nil
}
