package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

// dataProtection drives issue 19 over HTTP on the real server: a subject
// access export by the holder and an officer, and the record of which
// officer looked at the account and its evidence, read back from the feed
// (permitctl audit reads the same events from the database).
func dataProtection(t *testing.T, s *server) {
	const officer = testOfficerToken
	officerActor := "officer:" + httpapi.OfficerName(officer)
	kim := s.open("Kim Patel", s.find("LE11 3AF", "31")["uprn"].(string))
	other := s.open("Lee Ward", s.find("LE11 3AF", "33")["uprn"].(string))
	p := s.must(201, "POST", "/v1/accounts/"+kim.id+"/permits", kim.token,
		map[string]any{"type": "essential-carer", "vrm": "KP12KIM", "evidence": careLetter("Kim Patel", s.daysAgo(5))})
	pid := p["id"].(string)
	scan := []byte("%PDF-1.7\n% Kim's care letter\n%%EOF\n")
	doc := s.upload(pid, kim.token, "proof_of_care", scan)
	docID := doc["id"].(string)
	cursor := s.feedEnd()

	// The holder's own looks leave no record; an officer's do, first.
	s.must(200, "GET", "/v1/accounts/"+kim.id, kim.token, nil)
	s.download(pid, docID, kim.token)
	s.must(200, "GET", "/v1/accounts/"+kim.id, officer, nil)
	got, _ := s.download(pid, docID, officer)
	require.Equal(t, scan, got)

	// Subject access: refused to others, answered to the holder and officers.
	s.problem(404, "not_found", "GET", "/v1/accounts/"+kim.id+"/export", other.token, nil)
	s.problem(404, "not_found", "GET", "/v1/accounts/acc_nobody/export", officer, nil)
	s.problem(401, "unauthorized", "GET", "/v1/accounts/"+kim.id+"/export", "", nil)
	x := s.must(200, "GET", "/v1/accounts/"+kim.id+"/export", officer, nil)
	require.Equal(t, httpapi.ExportFormat, x["format"])
	require.Equal(t, officerActor, x["exported_by"])
	require.Equal(t, "Kim Patel", x["account"].(map[string]any)["name"])
	require.Len(t, x["permits"], 1)
	docs := x["documents"].([]any)
	require.Len(t, docs, 1)
	href := docs[0].(map[string]any)["href"].(string)
	r := s.do("GET", href, kim.token, nil)
	require.Equal(t, 200, r.status, "the export's link downloads the file")
	require.Equal(t, scan, r.body)
	mine := s.must(200, "GET", "/v1/accounts/"+kim.id+"/export", kim.token, nil)
	require.Equal(t, "account:"+kim.id, mine["exported_by"])

	// Erasure on request: officers only; refused with every reason while
	// Kim's application waits; Lee, with nothing live, is erased at once.
	s.problem(403, "forbidden", "POST", "/v1/accounts/"+kim.id+"/erasure", kim.token, map[string]any{"dry_run": true})
	dry := s.must(200, "POST", "/v1/accounts/"+kim.id+"/erasure", officer, map[string]any{"dry_run": true})
	require.Equal(t, "permit_live", dry["refused"].([]any)[0].(map[string]any)["code"])
	refused := s.problem(409, "erasure_refused", "POST", "/v1/accounts/"+kim.id+"/erasure", officer, map[string]any{})
	require.Equal(t, dry["refused"], refused["refused"])
	s.problem(404, "not_found", "POST", "/v1/accounts/acc_nobody/erasure", officer, map[string]any{})
	erased := s.must(200, "POST", "/v1/accounts/"+other.id+"/erasure", officer, map[string]any{})
	require.Equal(t, true, erased["erased"])
	require.NotEqual(t, "Lee Ward", s.must(200, "GET", "/v1/accounts/"+other.id, officer, nil)["name"])

	var record []string
	for _, e := range s.feedSince(cursor) {
		if e["account_id"] != kim.id {
			continue
		}
		switch typ := e["type"].(string); typ {
		case "account.viewed", "document.viewed", "account.exported":
			record = append(record, typ+" by "+e["actor"].(string))
		}
	}
	require.Equal(t, []string{
		"account.viewed by " + officerActor,
		"document.viewed by " + officerActor,
		"account.exported by " + officerActor,
		"account.exported by account:" + kim.id,
	}, record)
}

// daysAgo is the date n days before the test clock's now.
func (s *server) daysAgo(n int) string {
	s.t.Helper()
	now, err := time.Parse(time.RFC3339, s.must(200, "GET", "/v1/test-clock", testOfficerToken, nil)["now"].(string))
	require.NoError(s.t, err)
	return now.AddDate(0, 0, -n).Format(time.DateOnly)
}

// feedEnd is the feed's cursor after its newest event.
func (s *server) feedEnd() string {
	s.t.Helper()
	cursor := ""
	for {
		page := s.must(200, "GET", "/v1/events?limit=1000&after="+cursor, testOfficerToken, nil)
		next := page["next"].(string)
		if next == cursor || len(page["events"].([]any)) == 0 {
			return cursor
		}
		cursor = next
	}
}

// feedSince is every event after the cursor, in feed order.
func (s *server) feedSince(cursor string) []map[string]any {
	s.t.Helper()
	var out []map[string]any
	for {
		page := s.must(200, "GET", "/v1/events?limit=1000&after="+cursor, testOfficerToken, nil)
		evs := page["events"].([]any)
		for _, e := range evs {
			out = append(out, e.(map[string]any))
		}
		if len(evs) == 0 {
			return out
		}
		cursor = page["next"].(string)
	}
}
