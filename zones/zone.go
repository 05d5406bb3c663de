package zones

// Zone is a permit zone: the area a council's residents' parking permits
// are valid in. A property lies in at most one zone.
//
// The zero Zone means "outside every permit zone", which is why Property
// carries a Zone value rather than a pointer: an out-of-zone property is an
// ordinary answer, not an error.
type Zone struct {
	// ID is the council's stable identifier, e.g. "loughborough-1". It is
	// what permits and stored records refer to, so it must never be reused
	// for a different area.
	ID string
	// Name is what residents see, e.g. "Loughborough 1".
	Name string
}

// IsZero reports whether z is the zero Zone, that is "outside every zone".
func (z Zone) IsZero() bool { return z == Zone{} }

// String returns the zone's name, or "outside every permit zone" for the
// zero Zone, so that messages read naturally either way.
func (z Zone) String() string {
	if z.IsZero() {
		return "outside every permit zone"
	}
	return z.Name
}
