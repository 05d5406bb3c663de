package sqldb

import (
	"fmt"
	"time"
)

// InstantLayout is how SQLite stores an instant: UTC, microseconds, fixed
// width, so that text order is time order. PostgreSQL stores a
// TIMESTAMPTZ.
const InstantLayout = "2006-01-02T15:04:05.000000Z"

// FormatInstant writes an instant in InstantLayout.
func FormatInstant(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(InstantLayout)
}

// Instant is how a point in time is passed to the database: a TIMESTAMPTZ
// on PostgreSQL, InstantLayout text on SQLite, to the microsecond; the
// zero time is NULL.
func (d *Dialect) Instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if d.name == SQLite {
		return FormatInstant(t)
	}
	return t.UTC().Truncate(time.Microsecond)
}

// InstantCol scans an instant stored by Instant: a TIMESTAMPTZ
// (time.Time) on PostgreSQL, text on SQLite; NULL is the zero time.
// Values come back in UTC.
type InstantCol struct{ t *time.Time }

// ScanInstant is a scan destination that reads an instant into *t.
func ScanInstant(t *time.Time) InstantCol { return InstantCol{t} }

// Scan implements sql.Scanner.
func (c InstantCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = v.UTC()
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("an instant stored as %T", src)
	}
	return nil
}

func (c InstantCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("stored instant %q: %w", s, err)
	}
	*c.t = t.UTC()
	return nil
}
