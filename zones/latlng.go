package zones

import (
	"errors"
	"math"
	"strconv"
)

// ErrInvalidLatLng is returned (wrapped in a *LatLngError) for a position
// that cannot be a property in the United Kingdom. Check with errors.Is.
var ErrInvalidLatLng = errors.New("invalid latitude and longitude")

// LatLngError says which position was rejected and why; it unwraps to
// ErrInvalidLatLng.
type LatLngError struct {
	Position LatLng
	Reason   string // what is wrong, in words fit for a person
}

func (e *LatLngError) Error() string {
	if e.Position.IsZero() {
		return "zones: invalid position: " + e.Reason
	}
	return "zones: invalid position " + e.Position.String() + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidLatLng) match every rejection.
func (e *LatLngError) Unwrap() error { return ErrInvalidLatLng }

// LatLng is a position on the Earth's surface in WGS84 degrees (EPSG:4326),
// the system of GPS, web maps, GeoJSON (RFC 7946) and OS Places' LAT and LNG.
//
// The zero LatLng means "position unknown": (0, 0) lies in the Gulf of
// Guinea, far from any property a UK council has, so a Property without
// coordinates carries the zero value.
type LatLng struct {
	Lat float64 // latitude, degrees north of the equator
	Lng float64 // longitude, degrees east of Greenwich: negative in most of the UK
}

// IsZero reports whether p is the zero LatLng, that is "position unknown".
func (p LatLng) IsZero() bool { return p == LatLng{} }

// String returns "lat, lng" in decimal degrees, e.g. "52.7721, -1.2062".
func (p LatLng) String() string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(p.Lng, 'f', -1, 64)
}

// The box every UK position lies in, with a margin: from the Isles of
// Scilly (49.9° N) and the Channel Islands to Shetland (60.9° N), and from
// County Fermanagh (8.2° W) to Lowestoft (1.76° E). It is a sanity check,
// not a border: its use is to catch numbers in the wrong column.
const (
	ukMinLat, ukMaxLat = 49.0, 61.0
	ukMinLng, ukMaxLng = -8.7, 1.8
)

// CheckUK returns nil if p lies in the box around the United Kingdom (49°
// to 61° north, 8.7° west to 1.8° east), and otherwise a *LatLngError
// saying why not: not a number, latitude and longitude swapped (a UK
// latitude given as longitude, the commonest mistake, since GeoJSON writes
// longitude first and people say "lat, long"), British National Grid
// eastings and northings given as degrees, or simply elsewhere.
func (p LatLng) CheckUK() error {
	bad := func(reason string) error { return &LatLngError{Position: p, Reason: reason} }
	switch {
	case math.IsNaN(p.Lat) || math.IsNaN(p.Lng) || math.IsInf(p.Lat, 0) || math.IsInf(p.Lng, 0):
		return bad("not a number")
	case p.IsZero():
		return bad("0, 0 is no position in the UK (is it missing?)")
	case inUK(p.Lat, p.Lng):
		return nil
	case inUK(p.Lng, p.Lat):
		return bad("latitude and longitude look swapped: UK latitudes are 49 to 61 and longitudes -8.7 to 1.8")
	case math.Abs(p.Lat) > 180 || math.Abs(p.Lng) > 180:
		return bad("not degrees (British National Grid eastings and northings?); give WGS84 latitude and longitude")
	}
	return bad("outside the United Kingdom (latitude 49 to 61, longitude -8.7 to 1.8)")
}

func inUK(lat, lng float64) bool {
	return lat >= ukMinLat && lat <= ukMaxLat && lng >= ukMinLng && lng <= ukMaxLng
}

// ParseLatLng reads a latitude and a longitude in decimal degrees, e.g.
// "52.7721" and "-1.2062", and checks the position with CheckUK. Text that
// is not a decimal number gives a *LatLngError too.
func ParseLatLng(lat, lng string) (LatLng, error) {
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lng, 64)
	switch {
	case err1 != nil:
		return LatLng{}, &LatLngError{Reason: "latitude " + strconv.Quote(lat) + " is not a decimal number of degrees"}
	case err2 != nil:
		return LatLng{}, &LatLngError{Reason: "longitude " + strconv.Quote(lng) + " is not a decimal number of degrees"}
	}
	p := LatLng{Lat: la, Lng: lo}
	if p.IsZero() {
		return LatLng{}, &LatLngError{Reason: "0, 0 is no position in the UK (is it missing?)"}
	}
	if err := p.CheckUK(); err != nil {
		return LatLng{}, err
	}
	return p, nil
}

// e7 is the unit the in-memory gazetteer stores positions in: 1e-7 degrees,
// about a centimetre, as OpenStreetMap does, in an int32 each.
const e7 = 1e7

func toE7(v float64) int32   { return int32(math.Round(v * e7)) }
func fromE7(v int32) float64 { return float64(v) / e7 }
