package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

func TestAddresses(t *testing.T) {
	hs := newHarness(t)
	var list []map[string]any
	r := hs.do("GET", "/v1/addresses?postcode=le113ab&house=12", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, jsonUnmarshal(r.body, &list))
	require.Len(t, list, 1)
	require.Equal(t, home, list[0]["uprn"])
	require.Equal(t, "12 Ashby Road, Loughborough, LE11 3AB", list[0]["address"])
	require.Equal(t, map[string]any{"id": "loughborough-3", "name": "Loughborough 3"}, list[0]["zone"])

	r = hs.do("GET", "/v1/addresses?postcode=LE1+1AA", "", nil)
	require.NoError(t, jsonUnmarshal(r.body, &list))
	require.Len(t, list, 1)
	require.Nil(t, list[0]["zone"], "outside every zone is null")

	requireProblem(t, hs.do("GET", "/v1/addresses?postcode=NOT+A+POSTCODE", "", nil), http.StatusBadRequest, "invalid_postcode")
	requireProblem(t, hs.do("GET", "/v1/addresses", "", nil), http.StatusBadRequest, "invalid_postcode")
}

func TestRoles(t *testing.T) {
	hs := newHarness(t)
	alice, aliceTok := hs.account(home)
	bob, bobTok := hs.account(otherZone)
	p := hs.apply(alice, aliceTok, "AB12CDE")
	pid := p["id"].(string)

	// No token, a bad token, a malformed header: 401 with a challenge.
	r := hs.do("GET", "/v1/accounts/"+alice, "", nil)
	requireProblem(t, r, http.StatusUnauthorized, "unauthorized")
	require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+alice, "nonsense-token-xxxxxxxxxxxx", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+alice, alice+".wrongsecret", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+alice, "", nil, "Authorization", "Basic abc"), http.StatusUnauthorized, "unauthorized")

	// An account sees its own things; another's are 404, as if absent.
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+alice, aliceTok, nil)
	hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, aliceTok, nil)
	for _, path := range []string{"/v1/accounts/" + alice, "/v1/accounts/" + alice + "/permits",
		"/v1/accounts/" + alice + "/eligibility?type=essential-carer", "/v1/permits/" + pid, "/v1/permits/" + pid + "/documents"} {
		requireProblem(t, hs.do("GET", path, bobTok, nil), http.StatusNotFound, "not_found")
	}
	requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/cancel", bobTok, map[string]any{}), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/vehicle-changes", bobTok, map[string]any{"vrm": "XY12ZZZ"}), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("POST", "/v1/accounts/"+alice+"/permits", bobTok, map[string]any{"type": "essential-carer", "vrm": "XY12ZZZ"}), http.StatusNotFound, "not_found")
	_ = bob

	// Officer-only endpoints: 403 to an account, 401 to nobody.
	for _, c := range []struct{ method, path string }{
		{"POST", "/v1/permits/" + pid + "/approve"}, {"POST", "/v1/permits/" + pid + "/reject"},
		{"GET", "/v1/review-queue"}, {"GET", "/v1/events"}, {"POST", "/v1/address-changes/adc_x/approve"}, {"GET", "/v1/payment-retries"},
		{"POST", "/v1/test-clock"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{}
		}
		requireProblem(t, hs.do(c.method, c.path, aliceTok, body), http.StatusForbidden, "forbidden")
		requireProblem(t, hs.do(c.method, c.path, "", body), http.StatusUnauthorized, "unauthorized")
	}
	hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, officerToken, nil)
}

func TestJourney(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)

	el := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc+"/eligibility?type=essential-carer", tok, nil)
	require.Equal(t, true, el["eligible"])
	require.Equal(t, true, el["free"])
	require.Equal(t, "0.00", el["price"])
	// required_evidence is docs/API.md's Requirement objects, not bare IDs
	// (issue 11, defect 10): a client builds the application from them.
	require.Equal(t, []any{map[string]any{"requirement": "proof_of_care", "detail": "Proof of care, dated in the last 6 months.",
		"one_of": []any{"proof_of_care"}}}, el["required_evidence"])

	// Evidence missing: 422 evidence_missing with the problem listed and
	// the Requirement objects to send.
	m := requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, map[string]any{"type": "essential-carer", "vrm": "AB12CDE"}),
		http.StatusUnprocessableEntity, "evidence_missing")
	require.NotEmpty(t, m["errors"])
	require.Equal(t, el["required_evidence"], m["required_evidence"])
	// A bad registration: 422 invalid_vrm naming the field.
	m = requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, map[string]any{"type": "essential-carer", "vrm": "!!", "evidence": hs.proofOfCare()}),
		http.StatusUnprocessableEntity, "invalid_vrm")
	require.Equal(t, "vrm", m["errors"].([]any)[0].(map[string]any)["field"])
	requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, map[string]any{"type": "season-ticket", "vrm": "AB12CDE", "evidence": hs.proofOfCare()}),
		http.StatusUnprocessableEntity, "unknown_permit_type")

	p := hs.apply(acc, tok, "ab12 cde")
	pid := p["id"].(string)
	require.Equal(t, "pending_review", p["status"])
	require.Equal(t, true, p["free"])
	require.Equal(t, "0.00", p["price"])
	require.Equal(t, "AB12CDE", p["vrm"])
	require.Nil(t, p["payment"])
	require.Equal(t, "2026-11-02", p["starts_on"])
	require.Equal(t, "2027-11-01", p["expires_on"])

	q := hs.must(http.StatusOK, "GET", "/v1/review-queue", officerToken, nil)
	items := q["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, pid, items[0].(map[string]any)["id"])
	require.Equal(t, "2026-11-16", items[0].(map[string]any)["due_on"], "10 working days")

	p = hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/approve", officerToken, nil)
	require.Equal(t, "current", p["status"])
	requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/approve", officerToken, nil), http.StatusConflict, "invalid_transition")

	// A second permit is paid: authorised at application, captured on approval.
	p2 := hs.apply(acc, tok, "XY34ZZZ")
	require.Equal(t, false, p2["free"])
	require.Equal(t, "55.00", p2["price"])
	require.Equal(t, map[string]any{"id": p2["payment"].(map[string]any)["id"], "status": "authorised", "amount": "55.00", "refunded": "0.00"}, p2["payment"])
	// Rejected: the authorisation is voided.
	requireProblem(t, hs.do("POST", "/v1/permits/"+p2["id"].(string)+"/reject", officerToken, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
	p2 = hs.must(http.StatusOK, "POST", "/v1/permits/"+p2["id"].(string)+"/reject", officerToken, map[string]any{"reason_code": "proof_unclear", "reason": "The letter is unreadable."})
	require.Equal(t, "rejected", p2["status"])
	require.Equal(t, "voided", p2["payment"].(map[string]any)["status"])

	// Vehicle change now, then scheduled, withdrawn, rescheduled and applied by the test clock.
	p = hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/vehicle-changes", tok, map[string]any{"vrm": "CD34EFG"})
	require.Equal(t, "CD34EFG", p["vrm"])
	vc := hs.must(http.StatusAccepted, "POST", "/v1/permits/"+pid+"/vehicle-changes", tok, map[string]any{"vrm": "EF56GHJ", "effective_on": "2026-11-10"})
	require.Equal(t, "scheduled", vc["status"])
	hs.must(http.StatusNoContent, "DELETE", "/v1/permits/"+pid+"/vehicle-changes/"+vc["id"].(string), tok, nil)
	requireProblem(t, hs.do("DELETE", "/v1/permits/"+pid+"/vehicle-changes/"+vc["id"].(string), tok, nil), http.StatusNotFound, "not_found")
	hs.must(http.StatusAccepted, "POST", "/v1/permits/"+pid+"/vehicle-changes", tok, map[string]any{"vrm": "EF56GHJ", "effective_on": "2026-11-10"})
	due := hs.must(http.StatusOK, "POST", "/v1/test-clock", officerToken, map[string]any{"now": "2026-11-10T00:30:00Z"})
	require.EqualValues(t, 1, due["vehicle_changes_applied"])
	p = hs.must(http.StatusOK, "GET", "/v1/permits/"+pid, tok, nil)
	require.Equal(t, "EF56GHJ", p["vrm"])
	require.Nil(t, p["pending_vehicle_change"])

	// Renewal: too early, then within the window.
	ren := map[string]any{"evidence": []map[string]any{{"kind": "proof_of_care", "issued_on": "2026-11-09", "name": "Jane Smith"}}}
	requireProblem(t, hs.do("POST", "/v1/permits/"+pid+"/renewals", tok, ren), http.StatusUnprocessableEntity, "renewal_window_not_open")
	hs.must(http.StatusOK, "POST", "/v1/test-clock", officerToken, map[string]any{"now": "2027-10-05T09:00:00Z"})
	ren = map[string]any{"evidence": []map[string]any{{"kind": "proof_of_care", "issued_on": "2027-10-01", "name": "Jane Smith"}}}
	np := hs.must(http.StatusCreated, "POST", "/v1/permits/"+pid+"/renewals", tok, ren)
	require.Equal(t, "2027-11-02", np["starts_on"])
	require.Equal(t, pid, np["renewal_of"])
	require.Equal(t, true, np["free"])

	// Cancellation of the approved permit: non-refundable.
	p = hs.must(http.StatusOK, "POST", "/v1/permits/"+pid+"/cancel", tok, map[string]any{"reason": "no longer needed"})
	require.Equal(t, "cancelled", p["status"])
	require.Equal(t, "0.00", p["refund"])

	// The feed pages.
	ev := hs.must(http.StatusOK, "GET", "/v1/events?limit=3", officerToken, nil)
	require.Len(t, ev["events"], 3)
	ev2 := hs.must(http.StatusOK, "GET", "/v1/events?limit=1000&after="+ev["next"].(string), officerToken, nil)
	require.Equal(t, hs.eventCount()-3, len(ev2["events"].([]any)))
	requireProblem(t, hs.do("GET", "/v1/events?limit=0", officerToken, nil), http.StatusBadRequest, "validation_failed")
	requireProblem(t, hs.do("GET", "/v1/events?after=garbage!!", officerToken, nil), http.StatusBadRequest, "validation_failed")
}

func TestAddressChange(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	residency := []map[string]any{{"kind": "utility_bill", "issued_on": hs.daysAgo(20), "name": "Jane Smith", "address": "Rose Cottage, Ashby Road, LE11 3AB"}}
	m := requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": otherZone, "evidence": residency}),
		http.StatusUnprocessableEntity, "different_zone")
	require.Equal(t, []any{
		map[string]any{"requirement": "proof_of_residency", "one_of": []any{"tenancy_agreement", "utility_bill", "bank_statement", "letter_of_completion", "solicitor_letter"},
			"detail": "Proof of residency at the new address: one of a tenancy agreement, a utility bill dated in the last 3 months, " +
				"a bank statement dated in the last 3 months, a letter of completion or a letter from a solicitor."},
		map[string]any{"requirement": "vehicle_registration", "one_of": []any{"v5c"}, "detail": "The vehicle's V5C: a V5C vehicle registration certificate."},
	}, m["required_evidence"])
	requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": "999999999999", "evidence": residency}),
		http.StatusUnprocessableEntity, "validation_failed")

	c := hs.must(http.StatusAccepted, "POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": sameZone, "evidence": residency})
	require.Equal(t, "pending_review", c["status"])
	require.Equal(t, true, c["same_zone"])
	_, otherTok := hs.account(neighbour)
	requireProblem(t, hs.do("GET", "/v1/address-changes/"+c["id"].(string), otherTok, nil), http.StatusNotFound, "not_found")
	require.Equal(t, c, hs.must(http.StatusOK, "GET", "/v1/address-changes/"+c["id"].(string), tok, nil))
	c = hs.must(http.StatusOK, "POST", "/v1/address-changes/"+c["id"].(string)+"/approve", officerToken, nil)
	require.Equal(t, "approved", c["status"])
	a := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)
	require.Equal(t, sameZone, a["uprn"])
}

func TestIdempotency(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	hs.apply(acc, tok, "AB12CDE") // takes the free slot: the next one is paid
	body := map[string]any{"type": "essential-carer", "vrm": "XY34ZZZ", "evidence": hs.proofOfCare()}
	path := "/v1/accounts/" + acc + "/permits"

	first := hs.do("POST", path, tok, body, "Idempotency-Key", "k-1")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	events := hs.eventCount()
	again := hs.do("POST", path, tok, body, "Idempotency-Key", "k-1")
	require.Equal(t, first.status, again.status)
	require.True(t, bytes.Equal(first.body, again.body), "replayed byte for byte")
	require.Equal(t, first.header.Get("Location"), again.header.Get("Location"))
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	require.Equal(t, events, hs.eventCount(), "nothing done twice")
	require.Len(t, authorisations(hs.pay), 1, "nothing charged twice")

	other := map[string]any{"type": "essential-carer", "vrm": "ZZ99ZZZ", "evidence": hs.proofOfCare()}
	requireProblem(t, hs.do("POST", path, tok, other, "Idempotency-Key", "k-1"), http.StatusConflict, "idempotency_key_reused")
	// Keys are per caller: the officer's k-1 is another key.
	r := hs.do("POST", path, officerToken, other, "Idempotency-Key", "k-1")
	require.NotEqual(t, http.StatusConflict, r.status, "%s", r.body)
	requireProblem(t, hs.do("POST", path, tok, body, "Idempotency-Key", ""), http.StatusBadRequest, "validation_failed")
}

func TestIdempotencyConcurrent(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	hs.apply(acc, tok, "AB12CDE")
	body := map[string]any{"type": "essential-carer", "vrm": "XY34ZZZ", "evidence": hs.proofOfCare()}
	const n = 16
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, body, "Idempotency-Key", "same").status
		})
	}
	wg.Wait()
	for _, s := range statuses {
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
	}
	require.Len(t, authorisations(hs.pay), 1, "one card authorisation, whatever the race")
}

func authorisations(g *fakepay.Gateway) []fakepay.Entry {
	var out []fakepay.Entry
	for _, e := range g.Ledger() {
		if e.Op == "authorise" {
			out = append(out, e)
		}
	}
	return out
}

func TestTestClock(t *testing.T) {
	hs := newHarness(t)
	m := hs.must(http.StatusOK, "GET", "/v1/test-clock", officerToken, nil)
	require.Equal(t, "2026-11-02T10:00:00Z", m["now"])
	requireProblem(t, hs.do("POST", "/v1/test-clock", officerToken, map[string]any{"now": "tomorrow"}), http.StatusUnprocessableEntity, "validation_failed")
	hs.must(http.StatusOK, "POST", "/v1/test-clock", officerToken, map[string]any{"now": "2027-03-01T09:00:00+01:00"})
	require.Equal(t, time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC), hs.svc.Now())
}

func TestUnroutedAndHealth(t *testing.T) {
	hs := newHarness(t)
	requireProblem(t, hs.do("GET", "/v1/nothing", "", nil), http.StatusNotFound, "not_found")
	r := hs.do("PUT", "/v1/accounts", "", nil)
	requireProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
	require.Contains(t, r.header.Get("Allow"), "POST")
	m := hs.must(http.StatusOK, "GET", "/healthz", "", nil)
	require.Equal(t, "ok", m["status"])

	// A database that does not answer: 503, and nothing of why.
	auth, err := httpapi.NewTokenAuth(hs.svc, nil)
	require.NoError(t, err)
	hs.h, err = httpapi.New(hs.svc, locatorOf(t), auth, &httpapi.Options{Ping: func(context.Context) error {
		return errors.New("dial tcp 10.1.2.3:5432: connect: connection refused")
	}})
	require.NoError(t, err)
	r = hs.do("GET", "/healthz", "", nil)
	requireProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	require.NotContains(t, string(r.body), "10.1.2.3")
	r = hs.do("GET", "/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "3.1.0", r.json(t)["openapi"])
}

// Issue 11: an anonymous Idempotency-Key is anyone's to send, so a replay
// of POST /v1/accounts answers the first status and body without the
// token: a second client sending the same key and body does not get the
// first client's credential.
func TestAnonymousReplayHandsOutNoToken(t *testing.T) {
	hs := newHarness(t)
	body := map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": home}
	first := hs.do("POST", "/v1/accounts", "", body, "Idempotency-Key", "open-1")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	firstObj := first.json(t)
	require.NotEmpty(t, firstObj["token"])
	require.Empty(t, first.header.Get("Idempotent-Replayed"))

	again := hs.do("POST", "/v1/accounts", "", body, "Idempotency-Key", "open-1")
	require.Equal(t, http.StatusCreated, again.status, "%s", again.body)
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	require.Equal(t, first.header.Get("Location"), again.header.Get("Location"))
	againObj := again.json(t)
	require.NotContains(t, againObj, "token", "a replay hands out no credential")
	require.NotContains(t, string(again.body), firstObj["token"].(string))
	delete(firstObj, "token")
	require.Equal(t, firstObj, againObj, "otherwise the first answer")

	// A signed-in caller's replay is its own and keeps its body whole.
	acc, tok := hs.account(neighbour)
	apply := map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": hs.proofOfCare()}
	one := hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, apply, "Idempotency-Key", "open-1")
	two := hs.do("POST", "/v1/accounts/"+acc+"/permits", tok, apply, "Idempotency-Key", "open-1")
	require.Equal(t, one.body, two.body)
	require.Equal(t, "true", two.header.Get("Idempotent-Replayed"))
}
