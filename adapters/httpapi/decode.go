package httpapi

import (
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// decodeJSON reads one JSON object into v: unknown fields, a value of the
// wrong type, trailing data or anything but an object is a 400
// invalid_json that names the field or the byte offset. An empty body
// leaves v as it is (routes that need a body refuse it earlier).
func decodeJSON(data []byte, v any) error {
	var je *httpx.JSONError
	if errors.As(httpx.DecodeJSON(data, v), &je) {
		return sharedError(httpx.InvalidJSON(je))
	}
	return nil
}

// invalidJSON is a 400 invalid_json naming field ("" for the body).
func invalidJSON(field, detail string) *apiError {
	return sharedError(httpx.InvalidJSON(&httpx.JSONError{Field: field, Detail: detail}))
}

// The dates and instants the API accepts, whatever they are for: a
// document's date of issue, a permit's start, a scheduled change, the
// moment of an enforcement look-up, the test clock. Anything outside is a
// mistake, and a year past 9999 could not even be stored (issue 11,
// defect 1). The domain bounds each further (a start at most the scheme's
// furthest start ahead, ...).
var (
	earliestAccepted = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestAccepted   = time.Date(2199, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// CodeOutOfRange is the field code of a date or instant outside the years
// the API accepts (1900 to 2199).
const CodeOutOfRange = "out_of_range"

func outOfRange(field string) *fieldProblem {
	return &fieldProblem{Field: field, Code: CodeOutOfRange, Detail: fmt.Sprintf("%s must be between 1900 and 2199.", field)}
}

// parseDate reads an optional YYYY-MM-DD date as the library holds dates:
// 00:00 UTC of that calendar day, in the years 1900 to 2199.
func parseDate(field, s string) (time.Time, *fieldProblem) {
	t, fp := parseStartDate(field, s)
	if fp == nil && !t.IsZero() && (t.Before(earliestAccepted) || t.After(latestAccepted)) {
		return time.Time{}, outOfRange(field)
	}
	return t, fp
}

// parseStartDate reads an optional YYYY-MM-DD start date without the
// range of parseDate: the scheme bounds a permit's start itself, between
// today (starts_in_past) and its furthest start (starts_too_late), and
// those answers say more than out_of_range would.
func parseStartDate(field, s string) (time.Time, *fieldProblem) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, &fieldProblem{Field: field, Code: "invalid_date", Detail: fmt.Sprintf("%s must be a date written YYYY-MM-DD, such as 2026-03-01.", field)}
	}
	return t, nil
}

// parseInstant reads an RFC 3339 instant in the years 1900 to 2199 (in
// UTC, where the library keeps instants).
func parseInstant(field, s string) (time.Time, *fieldProblem) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &fieldProblem{Field: field, Code: "invalid_instant", Detail: fmt.Sprintf("%s must be an RFC 3339 instant, such as 2027-03-01T09:00:00Z.", field)}
	}
	if t.Before(earliestAccepted) || t.After(latestAccepted) {
		return time.Time{}, outOfRange(field)
	}
	return t, nil
}

func parseUPRN(field, s string) (zones.UPRN, *fieldProblem) {
	if s == "" {
		return 0, &fieldProblem{Field: field, Code: "required", Detail: "Choose the property by its UPRN, as GET /v1/addresses lists it."}
	}
	u, err := zones.ParseUPRN(s)
	if err != nil {
		return 0, &fieldProblem{Field: field, Code: "invalid_uprn", Detail: "A UPRN is 1 to 12 digits, as GET /v1/addresses lists it."}
	}
	return u, nil
}

// maxDocuments bounds the evidence list of one request.
const maxDocuments = 20

// documents turns the evidence of a request into the domain's documents,
// listing every malformed date.
func documents(in []documentJSON) ([]evidence.Document, []fieldProblem) {
	if len(in) > maxDocuments {
		return nil, []fieldProblem{{Field: "evidence", Code: "too_many", Detail: fmt.Sprintf("Send at most %d documents.", maxDocuments)}}
	}
	var bad []fieldProblem
	out := make([]evidence.Document, 0, len(in))
	for i, d := range in {
		issued, fp := parseDate(fmt.Sprintf("evidence[%d].issued_on", i), d.IssuedOn)
		if fp != nil {
			bad = append(bad, *fp)
		}
		out = append(out, evidence.Document{Kind: evidence.Kind(d.Kind), IssuedOn: issued, Name: d.Name, Address: d.Address, Fields: d.Fields})
	}
	return out, bad
}
