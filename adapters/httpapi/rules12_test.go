package httpapi_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit/scheme"
)

// requirementIDs lists the requirement of each Requirement object.
func requirementIDs(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "want a list of Requirement objects, got %T", v)
	var ids []string
	for _, r := range list {
		m := r.(map[string]any)
		require.NotEmpty(t, m["detail"])
		require.NotEmpty(t, m["one_of"])
		ids = append(ids, m["requirement"].(string))
	}
	return ids
}

// Issue 12 finding 8: the different_zone answer listed proof of residency
// and the V5C but not the permit type's own evidence (proof of care), so
// an application built from it failed with evidence_missing. R7: it lists
// everything the new application needs, as Requirement objects, and an
// application built from it alone is accepted.
func TestR7DifferentZoneListsEverythingTheApplicationNeeds(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	hs.apply(acc, tok, "AB12CDE")
	residency := []map[string]any{{"kind": "utility_bill", "issued_on": hs.daysAgo(20), "name": "Jane Smith", "address": "3 Forest Road, Loughborough LE11 2AA"}}
	m := requireProblem(t, hs.do("POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": otherZone, "evidence": residency}),
		http.StatusUnprocessableEntity, "different_zone")
	require.Equal(t, []string{"proof_of_care", "proof_of_residency", "vehicle_registration"}, requirementIDs(t, m["required_evidence"]))
	byType, ok := m["required_evidence_by_type"].(map[string]any)
	require.True(t, ok, "%v", m)
	require.Equal(t, []string{"proof_of_care", "proof_of_residency", "vehicle_registration"}, requirementIDs(t, byType["essential-carer"]))
	require.Equal(t, []string{"disabled_status", "proof_of_residency", "vehicle_registration"}, requirementIDs(t, byType["disabled-resident"]))

	// One document of a kind in each one_of is a complete application.
	docs := map[string]map[string]any{
		"proof_of_care":        hs.proofOfCare()[0],
		"proof_of_residency":   residency[0],
		"vehicle_registration": {"kind": "v5c", "issued_on": hs.daysAgo(400), "fields": map[string]string{"document_reference": "12345678901", "vrm": "CD34EFG"}},
	}
	var evidence []map[string]any
	for _, r := range m["required_evidence"].([]any) {
		req := r.(map[string]any)
		doc := docs[req["requirement"].(string)]
		require.Contains(t, req["one_of"], doc["kind"])
		evidence = append(evidence, doc)
	}
	p := hs.must(http.StatusCreated, "POST", "/v1/accounts/"+acc+"/permits", tok,
		map[string]any{"type": "essential-carer", "vrm": "CD34EFG", "move_to": otherZone, "evidence": evidence})
	require.Equal(t, otherZone, p["uprn"])
}

// Issue 12 finding 6: evidence a scheme requires for a vehicle change was
// never checked, and the endpoint had no evidence field. POST
// /v1/permits/{id}/vehicle-changes takes evidence, checked against the
// scheme and the new registration (R4, decision of 2026-12).
func TestR4VehicleChangeEvidenceChecked(t *testing.T) {
	raw, err := os.ReadFile("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(raw), "vehicle_change: []", "vehicle_change: [vehicle_registration]", 1)
	sch, err := scheme.Load(strings.NewReader(text))
	require.NoError(t, err)
	hs := newHarnessWith(t, sch)
	acc, tok := hs.account(home)
	pid := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	path := "/v1/permits/" + pid + "/vehicle-changes"

	m := requireProblem(t, hs.do("POST", path, tok, map[string]any{"vrm": "CD34EFG"}), http.StatusUnprocessableEntity, "evidence_missing")
	require.Equal(t, []string{"vehicle_registration"}, requirementIDs(t, m["required_evidence"]))
	v5c := func(vrm string) []map[string]any {
		return []map[string]any{{"kind": "v5c", "issued_on": hs.daysAgo(30), "fields": map[string]string{"document_reference": "12345678901", "vrm": vrm}}}
	}
	r := hs.do("POST", path, tok, map[string]any{"vrm": "CD34EFG", "evidence": v5c("XY99ZZZ")})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "a V5C for another vehicle: %s", r.body)
	r = hs.do("POST", path, tok, map[string]any{"vrm": "CD34EFG", "evidence": []map[string]any{{"kind": "v5c", "issued_on": "yesterday"}}})
	m = requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
	require.Contains(t, m["detail"], "evidence[0].issued_on")

	p := hs.must(http.StatusOK, "POST", path, tok, map[string]any{"vrm": "CD34EFG", "evidence": v5c("CD34 EFG")})
	require.Equal(t, "CD34EFG", p["vrm"])
}

// Issue 12 finding 1 over HTTP: a renewal of a free permit whose place was
// taken for the days after it expires is paid, and the eligibility answer
// for that renewal (?renewal_of=) says why.
func TestR1RenewalEligibilitySaysWhyItIsPaid(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	old := hs.apply(acc, tok, "AB12CDE")
	require.Equal(t, true, old["free"])
	oid := old["id"].(string)
	hs.must(http.StatusOK, "POST", "/v1/permits/"+oid+"/approve", officerToken, nil) // 2 November 2026 to 1 November 2027
	hs.clock.Set(time.Date(2027, 10, 20, 10, 0, 0, 0, time.UTC))
	next := hs.must(http.StatusCreated, "POST", "/v1/accounts/"+acc+"/permits", tok,
		map[string]any{"type": "essential-carer", "vrm": "CD34EFG", "starts_on": "2027-11-02", "evidence": hs.proofOfCare()})
	require.Equal(t, true, next["free"], "the slot is judged on the start date")

	el := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc+"/eligibility?renewal_of="+oid, tok, nil)
	require.Equal(t, true, el["eligible"])
	require.Equal(t, false, el["free"])
	require.Equal(t, "55.00", el["price"])
	var codes []string
	for _, r := range el["reasons"].([]any) {
		codes = append(codes, r.(map[string]any)["code"].(string))
	}
	require.Contains(t, codes, "free_place_taken")

	_, otherTok := hs.account(neighbour)
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc+"/eligibility?renewal_of="+oid, otherTok, nil), http.StatusNotFound, "not_found")
}
