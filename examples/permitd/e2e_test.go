package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

// resident is an account as the API gave it.
type resident struct {
	id, token, uprn string
}

// find looks a property up by postcode and house, as a resident would (R2).
func (s *server) find(postcode, house string) map[string]any {
	s.t.Helper()
	r := s.do("GET", "/v1/addresses?postcode="+strings.ReplaceAll(postcode, " ", "+")+"&house="+house, "", nil)
	require.Equal(s.t, http.StatusOK, r.status, "%s", r.body)
	var list []map[string]any
	require.NoError(s.t, jsonDecode(r.body, &list))
	require.Len(s.t, list, 1, "%s %s: %s", postcode, house, r.body)
	return list[0]
}

func (s *server) open(name, uprn string) resident {
	s.t.Helper()
	m := s.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{"name": name, "email": "resident@example.com", "uprn": uprn})
	require.NotEmpty(s.t, m["token"])
	return resident{id: m["id"].(string), token: m["token"].(string), uprn: uprn}
}

func careLetter(name, issued string) []map[string]any {
	return []map[string]any{{"kind": "proof_of_care", "issued_on": issued, "name": name,
		"address": "12 Leicester Close, Loughborough"}}
}

// TestEndToEnd starts the real server on a loopback port and drives every
// rule of docs/RULES.md over HTTP with the test clock, both roles' permissions,
// idempotency and uploads; every exchange is checked against openapi.json.
func TestEndToEnd(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			// The synchronous payments port; hosted payments: payments_e2e_test.go.
			s := startServer(t, db(t), "--test-clock", "--webhook-allow-loopback", "--webhook-max-attempts", "1", "--payments", "instant")
			journey(t, s)
			enforcement(t, s)
			webhooks(t, s)
			hostedPaymentsOff(t, s)
			dataProtection(t, s)
			signIn(t, s)
			// Without --notify govuknotify there is no receipt token:
			// every receipt is refused.
			s.problem(401, "unauthorized", "POST", "/v1/notification-receipts/govuknotify", testOfficerToken,
				map[string]any{"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": "msg_1", "status": "delivered"})
			require.NoError(t, s.oas.Err(), "traffic that does not match openapi.json")
			require.Empty(t, s.oas.Unseen(), "operations the end-to-end test never reached")
			s.stop()
			require.Equal(t, 1, strings.Count(s.out.String(), "listening on http://"))
			require.NotContains(t, s.out.String(), testOfficerToken, "tokens never reach the log")
		})
	}
}

func journey(t *testing.T, s *server) {
	const officer = testOfficerToken
	s.setClock("2026-12-01T10:00:00Z") // a Tuesday; London on GMT

	// R2: find the property, open the account, check eligibility.
	prop := s.find("le113ab", "12")
	require.Equal(t, "12 Leicester Close, Loughborough, LE11 3AB", prop["address"])
	require.Equal(t, map[string]any{"id": "loughborough-3", "name": "Loughborough 3"}, prop["zone"])
	s.problem(400, "invalid_postcode", "GET", "/v1/addresses?postcode=LE11", "", nil)
	jane := s.open("Jane Smith", prop["uprn"].(string))
	el := s.must(200, "GET", "/v1/accounts/"+jane.id+"/eligibility?type=essential-carer", jane.token, nil)
	require.Equal(t, true, el["eligible"])
	require.Equal(t, true, el["free"])
	require.Equal(t, "0.00", el["price"])
	require.Equal(t, []string{"proof_of_care"}, requirementNames(el["required_evidence"]))
	s.must(200, "GET", "/v1/accounts/"+jane.id, jane.token, nil)

	// R2: outside every zone, not eligible and the answer says why.
	out := s.open("Omar Khan", s.find("LE11 4AJ", "3")["uprn"].(string))
	el = s.must(200, "GET", "/v1/accounts/"+out.id+"/eligibility?type=essential-carer", out.token, nil)
	require.Equal(t, false, el["eligible"])
	require.Equal(t, "outside_zone", el["reasons"].([]any)[0].(map[string]any)["code"])
	s.problem(422, "outside_zone", "POST", "/v1/accounts/"+out.id+"/permits", out.token,
		map[string]any{"type": "essential-carer", "vrm": "OK12KHN", "evidence": careLetter("Omar Khan", "2026-11-20")})

	// R2: evidence is required; a bad registration is refused.
	s.problem(422, "evidence_missing", "POST", "/v1/accounts/"+jane.id+"/permits", jane.token, map[string]any{"type": "essential-carer", "vrm": "AB12CDE"})
	s.problem(422, "evidence_out_of_date", "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", "2025-01-01")})
	s.problem(422, "invalid_vrm", "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "ABCDEFGH", "evidence": careLetter("Jane Smith", "2026-11-20")})
	s.problem(422, "unknown_permit_type", "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "residents", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", "2026-11-20")})

	// R1: the first permit is free; applied with an Idempotency-Key twice,
	// it is made once and answered the same both times.
	apply := map[string]any{"type": "essential-carer", "vrm": "ab12 cde", "evidence": careLetter("Jane Smith", "2026-11-20")}
	first := s.do("POST", "/v1/accounts/"+jane.id+"/permits", jane.token, apply, "Idempotency-Key", "jane-apply-1")
	require.Equal(t, 201, first.status, "%s", first.body)
	again := s.do("POST", "/v1/accounts/"+jane.id+"/permits", jane.token, apply, "Idempotency-Key", "jane-apply-1")
	require.Equal(t, first.status, again.status)
	require.Equal(t, first.body, again.body, "replayed byte for byte")
	r := s.do("POST", "/v1/accounts/"+jane.id+"/permits", jane.token, map[string]any{"type": "x"}, "Idempotency-Key", "jane-apply-1")
	require.Equal(t, 409, r.status)
	require.Equal(t, "idempotency_key_reused", r.obj(t)["code"])
	p := first.obj(t)
	pid := p["id"].(string)
	require.Equal(t, "pending_review", p["status"])
	require.Equal(t, true, p["free"])
	require.Equal(t, "AB12CDE", p["vrm"])
	require.Equal(t, "2026-12-01", p["starts_on"])
	require.Equal(t, "2027-11-30", p["expires_on"])
	require.Nil(t, p["payment"])
	list := s.must(200, "GET", "/v1/accounts/"+jane.id+"/permits", jane.token, nil)
	require.Len(t, list["permits"], 1)

	// Evidence files: upload a scan, list it, fetch it back.
	doc := s.upload(pid, jane.token, "proof_of_care", []byte("%PDF-1.7\n% a scan\n%%EOF\n"))
	require.Equal(t, "application/pdf", doc["content_type"])
	docs := s.must(200, "GET", "/v1/permits/"+pid+"/documents", officer, nil)
	require.Len(t, docs["documents"], 1)
	got := s.do("GET", "/v1/permits/"+pid+"/documents/"+doc["id"].(string), officer, nil)
	require.Equal(t, 200, got.status)
	require.Equal(t, "%PDF-1.7\n% a scan\n%%EOF\n", string(got.body))

	// Roles: another account sees nothing of Jane's (404); officer-only
	// endpoints are 403 to a resident; no token is 401.
	s.problem(404, "not_found", "GET", "/v1/permits/"+pid, out.token, nil)
	s.problem(404, "not_found", "GET", "/v1/accounts/"+jane.id, out.token, nil)
	s.problem(404, "not_found", "GET", "/v1/accounts/"+jane.id+"/permits", out.token, nil)
	s.problem(404, "not_found", "POST", "/v1/permits/"+pid+"/cancel", out.token, map[string]any{})
	s.problem(404, "not_found", "GET", "/v1/permits/"+pid+"/documents/"+doc["id"].(string), out.token, nil)
	s.problem(403, "forbidden", "POST", "/v1/permits/"+pid+"/approve", jane.token, nil)
	s.problem(403, "forbidden", "GET", "/v1/review-queue", jane.token, nil)
	s.problem(403, "forbidden", "GET", "/v1/events", jane.token, nil)
	s.problem(403, "forbidden", "POST", "/v1/test-clock", jane.token, map[string]any{"now": "2030-01-01T00:00:00Z"})
	s.problem(401, "unauthorized", "GET", "/v1/permits/"+pid, "", nil)
	s.problem(401, "unauthorized", "GET", "/v1/permits/"+pid, jane.id+".not-the-secret", nil)

	// The review queue, oldest first, with its working-day deadline.
	q := s.must(200, "GET", "/v1/review-queue", officer, nil)
	items := q["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, pid, items[0].(map[string]any)["id"])
	require.Equal(t, "2026-12-15", items[0].(map[string]any)["due_on"], "10 working days after Tuesday 1 December")

	// Approve as officer: current.
	p = s.must(200, "POST", "/v1/permits/"+pid+"/approve", officer, nil)
	require.Equal(t, "current", p["status"])
	s.problem(409, "invalid_transition", "POST", "/v1/permits/"+pid+"/approve", officer, nil)

	// R1: a second permit at the property is paid, the card authorised; a
	// second account at the same address gains no free one either.
	neighbour := s.open("Sam Smith", jane.uprn)
	el = s.must(200, "GET", "/v1/accounts/"+neighbour.id+"/eligibility?type=essential-carer", neighbour.token, nil)
	require.Equal(t, false, el["free"])
	require.Equal(t, "55.00", el["price"])
	paid := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "XY34ZZZ", "evidence": careLetter("Jane Smith", "2026-11-20")})
	require.Equal(t, false, paid["free"])
	require.Equal(t, "55.00", paid["price"])
	require.Equal(t, "authorised", paid["payment"].(map[string]any)["status"])
	// Limit: up to 2 permits per property.
	s.problem(422, "limit_reached", "POST", "/v1/accounts/"+neighbour.id+"/permits", neighbour.token,
		map[string]any{"type": "essential-carer", "vrm": "SS11SSS", "evidence": careLetter("Sam Smith", "2026-11-20")})

	// R3: rejected with a reason; the authorisation is voided; apply again.
	s.problem(422, "validation_failed", "POST", "/v1/permits/"+paid["id"].(string)+"/reject", officer, map[string]any{"reason_code": "unclear", "reason": ""})
	rej := s.must(200, "POST", "/v1/permits/"+paid["id"].(string)+"/reject", officer,
		map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for. Call 0345 520 7007."})
	require.Equal(t, "rejected", rej["status"])
	require.Equal(t, "voided", rej["payment"].(map[string]any)["status"])
	require.Equal(t, map[string]any{"reason_code": "proof_unclear", "reason": "The letter does not say who is cared for. Call 0345 520 7007."}, rej["rejection"])
	s.problem(409, "invalid_transition", "POST", "/v1/permits/"+paid["id"].(string)+"/approve", officer, nil)
	again2 := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "XY34ZZZ", "evidence": careLetter("Jane Smith", "2026-11-28")})
	require.Equal(t, "pending_review", again2["status"])
	// R6: withdrawn while pending: the authorisation is voided, nothing taken.
	wd := s.must(200, "POST", "/v1/permits/"+again2["id"].(string)+"/cancel", jane.token, nil)
	require.Equal(t, "withdrawn", wd["status"])
	require.Equal(t, "voided", wd["payment"].(map[string]any)["status"])
	require.Equal(t, "0.00", wd["refund"])

	// R4: vehicle change now; a registration on another live permit is refused.
	p = s.must(200, "POST", "/v1/permits/"+pid+"/vehicle-changes", jane.token, map[string]any{"vrm": "CD34 EFG"})
	require.Equal(t, "CD34EFG", p["vrm"])
	s.problem(422, "invalid_vrm", "POST", "/v1/permits/"+pid+"/vehicle-changes", jane.token, map[string]any{"vrm": "**"})
	// R4: scheduled, withdrawn, scheduled again and applied by the clock.
	vc := s.must(202, "POST", "/v1/permits/"+pid+"/vehicle-changes", jane.token, map[string]any{"vrm": "EF56GHJ", "effective_on": "2026-12-10"})
	require.Equal(t, "scheduled", vc["status"])
	require.Equal(t, "2026-12-10", vc["effective_on"])
	s.must(204, "DELETE", "/v1/permits/"+pid+"/vehicle-changes/"+vc["id"].(string), jane.token, nil)
	s.problem(404, "not_found", "DELETE", "/v1/permits/"+pid+"/vehicle-changes/"+vc["id"].(string), jane.token, nil)
	vc = s.must(202, "POST", "/v1/permits/"+pid+"/vehicle-changes", jane.token, map[string]any{"vrm": "EF56GHJ", "effective_on": "2026-12-10"})
	p = s.must(200, "GET", "/v1/permits/"+pid, jane.token, nil)
	require.Equal(t, vc["id"], p["pending_vehicle_change"].(map[string]any)["id"])
	due := s.setClock("2026-12-09T23:59:00Z")
	require.EqualValues(t, 0, due["vehicle_changes_applied"], "not before the start of its day")
	due = s.setClock("2026-12-10T00:00:30Z")
	require.EqualValues(t, 1, due["vehicle_changes_applied"])
	p = s.must(200, "GET", "/v1/permits/"+pid, jane.token, nil)
	require.Equal(t, "EF56GHJ", p["vrm"])
	require.Nil(t, p["pending_vehicle_change"])

	// R7: a move within the zone keeps the permit, once the officer
	// accepts proof of residency; the permit follows the account.
	newHome := s.find("LE11 3AD", "18")
	residency := []map[string]any{{"kind": "utility_bill", "issued_on": "2026-11-15", "name": "Jane Smith", "address": "18 Leicester Close, Loughborough, LE11 3AD"}}
	s.problem(422, "evidence_missing", "POST", "/v1/accounts/"+jane.id+"/address-changes", jane.token, map[string]any{"uprn": newHome["uprn"], "evidence": []any{}})
	ac := s.must(202, "POST", "/v1/accounts/"+jane.id+"/address-changes", jane.token, map[string]any{"uprn": newHome["uprn"], "evidence": residency})
	require.Equal(t, "pending_review", ac["status"])
	require.Equal(t, true, ac["same_zone"])
	s.problem(404, "not_found", "GET", "/v1/address-changes/"+ac["id"].(string), out.token, nil)
	require.Equal(t, ac, s.must(200, "GET", "/v1/address-changes/"+ac["id"].(string), jane.token, nil))
	q = s.must(200, "GET", "/v1/review-queue", officer, nil)
	require.Equal(t, "address_change", q["items"].([]any)[0].(map[string]any)["kind"])
	// Every capture, void and refund so far went through: nothing owed.
	s.problem(403, "forbidden", "GET", "/v1/payment-retries", jane.token, nil)
	require.Equal(t, []any{}, s.must(200, "GET", "/v1/payment-retries", officer, nil)["items"])
	ac = s.must(200, "POST", "/v1/address-changes/"+ac["id"].(string)+"/approve", officer, nil)
	require.Equal(t, "approved", ac["status"])
	acc := s.must(200, "GET", "/v1/accounts/"+jane.id, jane.token, nil)
	require.Equal(t, newHome["uprn"], acc["uprn"])
	p = s.must(200, "GET", "/v1/permits/"+pid, jane.token, nil)
	require.Equal(t, newHome["uprn"], p["uprn"])
	require.Equal(t, "current", p["status"])
	// A refused move.
	ac2 := s.must(202, "POST", "/v1/accounts/"+jane.id+"/address-changes", jane.token, map[string]any{"uprn": jane.uprn,
		"evidence": []map[string]any{{"kind": "bank_statement", "issued_on": "2026-11-30", "name": "Jane Smith", "address": "12 Leicester Close, Loughborough, LE11 3AB"}}})
	ac2 = s.must(200, "POST", "/v1/address-changes/"+ac2["id"].(string)+"/reject", officer, map[string]any{"reason_code": "not_resident", "reason": "The statement is for another address."})
	require.Equal(t, "rejected", ac2["status"])

	// R5: renewal too early, then the reminder, then within the window;
	// updated proof of care is needed.
	renew := map[string]any{"evidence": careLetter("Jane Smith", "2027-09-20")}
	s.setClock("2027-10-01T09:00:00Z")
	m := s.problem(422, "renewal_window_not_open", "POST", "/v1/permits/"+pid+"/renewals", jane.token, renew)
	require.Contains(t, m["detail"], "31 October 2027")
	due = s.setClock("2027-10-31T08:00:00Z")
	require.EqualValues(t, 1, due["reminders_sent"], "the 30-day reminder, to an account with an email address")
	require.Contains(t, s.out.String(), "kind=expiry_reminder")
	due = s.setClock("2027-10-31T09:00:00Z")
	require.EqualValues(t, 0, due["reminders_sent"], "once per offset")
	s.problem(422, "evidence_out_of_date", "POST", "/v1/permits/"+pid+"/renewals", jane.token, map[string]any{"evidence": careLetter("Jane Smith", "2026-11-20")})
	np := s.must(201, "POST", "/v1/permits/"+pid+"/renewals", jane.token, map[string]any{"evidence": careLetter("Jane Smith", "2027-10-20")})
	require.Equal(t, "pending_review", np["status"])
	require.Equal(t, "2027-12-01", np["starts_on"], "the day after the old one expires")
	require.Equal(t, pid, np["renewal_of"])
	require.Equal(t, true, np["free"], "the renewal continues the free slot")
	np = s.must(200, "POST", "/v1/permits/"+np["id"].(string)+"/approve", officer, nil)
	require.Equal(t, "upcoming", np["status"])

	// R6: the holder cancels during the period: non-refundable.
	p = s.must(200, "POST", "/v1/permits/"+pid+"/cancel", jane.token, map[string]any{"reason": "carer no longer visits"})
	require.Equal(t, "cancelled", p["status"])
	require.Equal(t, "0.00", p["refund"])
	s.problem(409, "invalid_transition", "POST", "/v1/permits/"+pid+"/cancel", jane.token, nil)

	// R7: another zone is a new application with residency and the V5C;
	// approved, the account moves and its permits in the old zone end.
	far := s.find("LE11 2AA", "3")
	dz := s.problem(422, "different_zone", "POST", "/v1/accounts/"+jane.id+"/address-changes", jane.token, map[string]any{"uprn": far["uprn"], "evidence": residency})
	require.Equal(t, []string{"proof_of_care", "proof_of_residency", "vehicle_registration"}, requirementNames(dz["required_evidence"]), "everything the new application needs, the permit type's own evidence included")
	move := map[string]any{"type": "essential-carer", "vrm": "EF56GHJ", "move_to": far["uprn"], "evidence": []map[string]any{
		careLetter("Jane Smith", "2027-10-20")[0],
		{"kind": "tenancy_agreement", "issued_on": "2027-10-01", "name": "Jane Smith", "address": "3 Welland Crescent, Loughborough, LE11 2AA",
			"fields": map[string]string{"term_start": "2027-10-15", "term_end": "2028-10-14", "signed": "yes"}},
		{"kind": "v5c", "issued_on": "2025-06-01", "fields": map[string]string{"document_reference": "12345678901", "vrm": "EF56 GHJ"}},
	}}
	moved := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token, move)
	require.Equal(t, far["uprn"], moved["uprn"])
	s.must(200, "POST", "/v1/permits/"+moved["id"].(string)+"/approve", officer, nil)
	acc = s.must(200, "GET", "/v1/accounts/"+jane.id, jane.token, nil)
	require.Equal(t, "loughborough-2", acc["zone"].(map[string]any)["id"])
	renewal := s.must(200, "GET", "/v1/permits/"+np["id"].(string), jane.token, nil)
	require.Equal(t, "ended", renewal["status"], "the old zone's permit ends when the new one is approved")

	// The audit feed pages with its cursor and ends where it started.
	var all []any
	after := ""
	for i := 0; ; i++ {
		require.Less(t, i, 100)
		page := s.must(200, "GET", "/v1/events?limit=7&after="+after, officer, nil)
		evs := page["events"].([]any)
		all = append(all, evs...)
		if len(evs) == 0 {
			break
		}
		after = page["next"].(string)
	}
	types := map[string]bool{}
	for _, e := range all {
		types[e.(map[string]any)["type"].(string)] = true
	}
	for _, want := range []string{"account.created", "permit.applied", "permit.approved", "permit.rejected", "permit.withdrawn",
		"permit.cancelled", "permit.ended", "permit.renewed", "permit.vehicle_changed", "permit.vehicle_change_scheduled",
		"permit.vehicle_change_withdrawn", "permit.reminder_sent", "address_change.requested", "address_change.approved", "address_change.rejected"} {
		require.True(t, types[want], "event %s in the feed", want)
	}
	s.problem(400, "validation_failed", "GET", "/v1/events?after=not-a-cursor", officer, nil)
	s.problem(400, "validation_failed", "GET", "/v1/events?permit_id="+moved["id"].(string), officer, nil)
	// Accounts are maintained and found (issue 14, item 9).
	contact := s.must(200, "PATCH", "/v1/accounts/"+jane.id, jane.token, map[string]any{"phone": "07700 900123"})
	require.Equal(t, "+447700900123", contact["phone"])
	found := s.must(200, "GET", "/v1/accounts?name=jane+smith&vrm="+url.QueryEscape(moved["vrm"].(string)), officer, nil)["accounts"].([]any)
	require.Len(t, found, 1)
	require.Equal(t, jane.id, found[0].(map[string]any)["id"])
	mine := s.must(200, "GET", "/v1/permits?name=jane+smith&status=current&limit=1", officer, nil)
	require.Len(t, mine["permits"], 1)
	history := s.must(200, "GET", "/v1/permits/"+moved["id"].(string)+"/events", jane.token, nil)["events"].([]any)
	require.Equal(t, "permit.applied", history[0].(map[string]any)["type"])
	require.Equal(t, "permit.approved", history[len(history)-1].(map[string]any)["type"])

	// Meta endpoints.
	require.Equal(t, "ok", s.must(200, "GET", "/healthz", "", nil)["status"])
	require.Equal(t, "3.1.0", s.must(200, "GET", "/v1/openapi.json", "", nil)["openapi"])
	clock := s.must(200, "GET", "/v1/test-clock", officer, nil)
	require.Equal(t, "2027-10-31T09:00:00Z", clock["now"])
}

// upload attaches a file to a permit.
func (s *server) upload(permitID, token, kind string, file []byte) map[string]any {
	s.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	require.NoError(s.t, mw.WriteField("kind", kind))
	fw, err := mw.CreateFormFile("file", "scan.pdf")
	require.NoError(s.t, err)
	_, _ = fw.Write(file)
	require.NoError(s.t, mw.Close())
	req, err := http.NewRequest("POST", s.base+"/v1/permits/"+permitID+"/documents", &b)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(s.t, 201, resp.StatusCode, "%s", body)
	var m map[string]any
	require.NoError(s.t, jsonDecode(body, &m))
	return m
}

// TestWithoutTestClock: the endpoint does not exist (404) unless enabled.
func TestWithoutTestClock(t *testing.T) {
	s := startServer(t, databases(t)["sqlite"](t))
	s.problem(404, "not_found", "POST", "/v1/test-clock", testOfficerToken, map[string]any{"now": "2027-01-01T00:00:00Z"})
	s.problem(404, "not_found", "GET", "/v1/test-clock", testOfficerToken, nil)
	require.NoError(t, s.oas.Err())
}

// TestGracefulShutdown: a request in flight when the server is told to
// stop is finished and answered; new connections are then refused.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, databases(t)["sqlite"](t))
	m := s.must(201, "POST", "/v1/accounts", "", map[string]any{"name": "Ann Lee", "uprn": s.find("LE11 3AB", "9")["uprn"]})
	body := `{"type":"essential-carer","vrm":"AL12EEE","evidence":[{"kind":"proof_of_care","issued_on":"` +
		time.Now().AddDate(0, 0, -3).Format(time.DateOnly) + `","name":"Ann Lee"}]}`
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", s.base+"/v1/accounts/"+m["id"].(string)+"/permits", pr)
	require.NoError(t, err)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+m["token"].(string))
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			answered <- resp
		}
		close(answered)
	}()
	_, _ = pw.Write([]byte(body[:10])) // the request is now in flight
	time.Sleep(100 * time.Millisecond)
	s.cancel() // as SIGTERM
	time.Sleep(100 * time.Millisecond)
	_, _ = pw.Write([]byte(body[10:]))
	_ = pw.Close()
	resp, ok := <-answered
	require.True(t, ok, "the request in flight was answered")
	require.Equal(t, 201, resp.StatusCode)
	_ = resp.Body.Close()
	require.NoError(t, <-s.done)
	s.cancel = nil
	_, err = http.Get(s.base + "/healthz")
	require.Error(t, err, "no longer listening")
}

func TestConfig(t *testing.T) {
	env := map[string]string{"PERMITD_ADDR": "0.0.0.0:9000", "PERMITD_OFFICER_TOKEN": "a, b", "PERMITD_TEST_CLOCK": "1", "PERMITD_DB": "postgres://x"}
	var out bytes.Buffer
	c, err := parseConfig(nil, func(k string) string { return env[k] }, &out)
	require.NoError(t, err)
	docs := func(c config) config {
		c.maxDocumentBytes, c.maxDocuments = 10<<20, 20
		c.bodyReadTimeout, c.uploadReadTimeout, c.maxConnections = 10*time.Second, time.Minute, 1000
		c.accountCreationRate = httpapi.RateLimit{Max: 20, Per: time.Hour}
		c.tokenTTL = 24 * time.Hour
		c.signInPerAddress = httpapi.RateLimit{Max: 5, Per: 15 * time.Minute}
		c.signInPerClient = httpapi.RateLimit{Max: 30, Per: 15 * time.Minute}
		c.payments = paymentsFake
		return c
	}
	require.Equal(t, docs(config{addr: "0.0.0.0:9000", db: "postgres://x", officerTokens: []string{"a", "b"}, testClock: true}), c)
	c, err = parseConfig([]string{"--addr", ":1", "--officer-token", "x", "--officer-token", "y,z", "--db", "f.db", "--scheme", "s.yaml", "--gazetteer", "g.csv"},
		func(k string) string { return env[k] }, &out)
	require.NoError(t, err)
	require.Equal(t, docs(config{addr: ":1", db: "f.db", scheme: "s.yaml", gazetteer: "g.csv", officerTokens: []string{"x", "y", "z"}, testClock: true}), c)
	c, err = parseConfig(nil, func(string) string { return "" }, &out)
	require.NoError(t, err)
	require.Equal(t, docs(config{addr: "127.0.0.1:8080", db: "permitd.db"}), c)
	_, err = parseConfig([]string{"--nope"}, func(string) string { return "" }, &out)
	require.Error(t, err)
	_, err = parseConfig([]string{"stray"}, func(string) string { return "" }, &out)
	require.Error(t, err)
}

// TestGeneratedOfficerToken: with none configured one is made and printed once.
func TestGeneratedOfficerToken(t *testing.T) {
	var buf lockedBuffer
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--db", databases(t)["sqlite"](t)}, func(string) string { return "" }, pw)
		_ = pw.Close()
	}()
	token, base := "", ""
	go func() { _, _ = io.Copy(&buf, pr) }()
	require.Eventually(t, func() bool {
		out := buf.String()
		for _, line := range strings.Split(out, "\n") {
			if tok, ok := strings.CutPrefix(line, "no officer token configured; generated one for this run (shown once): "); ok {
				token = tok
			}
			if a, ok := strings.CutPrefix(line, "listening on "); ok {
				base = a
			}
		}
		return token != "" && base != ""
	}, 60*time.Second, 20*time.Millisecond)
	req, _ := http.NewRequest("GET", base+"/v1/review-queue", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)
	require.Equal(t, 1, strings.Count(buf.String(), token), "printed once, never logged")
}

// requirementNames are the requirement IDs of a required_evidence list of
// docs/API.md's Requirement objects.
func requirementNames(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, r := range list {
		m, _ := r.(map[string]any)
		s, _ := m["requirement"].(string)
		out = append(out, s)
	}
	return out
}

// hostedPaymentsOff: this server takes synchronous payments (--payments
// instant): the hosted payment routes answer, and a payment that does not
// exist is 404 on each.
func hostedPaymentsOff(t *testing.T, s *server) {
	s.must(http.StatusNotFound, "GET", "/v1/payments/per_nothing.1/return", "", nil)
	s.must(http.StatusNotFound, "POST", "/v1/permits/per_nothing/payment", testOfficerToken, nil)
	s.must(http.StatusNotFound, "POST", "/v1/permits/per_nothing/payment/refresh", testOfficerToken, nil)
}
