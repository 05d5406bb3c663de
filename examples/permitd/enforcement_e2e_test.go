package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// enforcement is the civil enforcement officer's side of the end-to-end
// test: a permit is issued, then looked up by registration as an officer
// types it, in its zone and another, before it starts, and after a
// scheduled vehicle change whose day has come but which the due jobs have
// not applied yet. The test clock stands at 31 October 2027, 09:00 GMT.
func enforcement(t *testing.T, s *server) {
	const officer = testOfficerToken
	ann := s.open("Ann Lee", s.find("LE11 3AB", "9")["uprn"].(string))
	p := s.must(201, "POST", "/v1/accounts/"+ann.id+"/permits", ann.token,
		map[string]any{"type": "essential-carer", "vrm": "AL12 EEE", "evidence": careLetter("Ann Lee", "2027-10-20")})
	pid := p["id"].(string)
	const look = "/v1/enforcement/vehicles/"

	c := s.must(200, "GET", look+"al12%20eee?zone=loughborough-3", officer, nil)
	require.Equal(t, false, c["permitted"], "pending review is not a permit")
	s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)

	c = s.must(200, "GET", look+"al12%20eee?zone=loughborough-3", officer, nil)
	require.Equal(t, "AL12EEE", c["vrm"])
	require.Equal(t, "2027-10-31T09:00:00Z", c["at"], "now, by the server's clock")
	require.Equal(t, true, c["permitted"])
	permits := c["permits"].([]any)
	require.Len(t, permits, 1)
	require.Equal(t, pid, permits[0].(map[string]any)["id"])
	require.Equal(t, "current", permits[0].(map[string]any)["status"])

	c = s.must(200, "GET", look+"AL12EEE?zone=loughborough-2", officer, nil)
	require.Equal(t, false, c["permitted"], "another zone")
	c = s.must(200, "GET", look+"AL12EEE?zone=loughborough-3&at=2027-10-30T12:00:00Z", officer, nil)
	require.Equal(t, false, c["permitted"], "the day before it starts")
	require.Equal(t, "upcoming", c["permits"].([]any)[0].(map[string]any)["status"])

	// A change scheduled for 5 November counts from 00:00 that day, before
	// the due jobs apply it; the old registration stops counting.
	s.must(202, "POST", "/v1/permits/"+pid+"/vehicle-changes", ann.token, map[string]any{"vrm": "AL34 EEE", "effective_on": "2027-11-05"})
	c = s.must(200, "GET", look+"AL34EEE?zone=loughborough-3&at=2027-11-05T00:00:00Z", officer, nil)
	require.Equal(t, true, c["permitted"])
	c = s.must(200, "GET", look+"AL12EEE?zone=loughborough-3&at=2027-11-05T00:00:00Z", officer, nil)
	require.Equal(t, false, c["permitted"])
	require.Equal(t, []any{}, c["permits"])

	s.problem(403, "forbidden", "GET", look+"AL12EEE?zone=loughborough-3", ann.token, nil)
	s.problem(401, "unauthorized", "GET", look+"AL12EEE?zone=loughborough-3", "", nil)
	s.problem(422, "invalid_vrm", "GET", look+"AL%2A12?zone=loughborough-3", officer, nil)
	m := s.problem(422, "validation_failed", "GET", look+"AL12EEE?zone=atlantis", officer, nil)
	require.Equal(t, "unknown_zone", m["errors"].([]any)[0].(map[string]any)["code"])
	s.problem(400, "validation_failed", "GET", look+"AL12EEE", officer, nil)
	s.problem(400, "validation_failed", "GET", look+"AL12EEE?zone=loughborough-3&at=yesterday", officer, nil)
}
