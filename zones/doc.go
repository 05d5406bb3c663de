// Package zones decides where a permit applies: it parses and normalises UK
// postcodes, identifies properties by their Unique Property Reference Number
// (UPRN), finds properties by postcode and house number or name through a
// Locator, tells which permit zone a property lies in (the zero Zone means
// outside every zone), and knows each UK nation's bank holidays so that
// deadlines can be counted in working days.
//
// The package does no I/O of its own: a Gazetteer is loaded from an
// io.Reader the caller opens, and calendars are computed by rule.
package zones
