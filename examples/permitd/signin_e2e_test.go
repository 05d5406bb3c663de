package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// outboxCode reads the newest sign-in code sent to email from the
// evaluation outbox, as a script would.
func (s *server) outboxCode(email string) string {
	s.t.Helper()
	m := s.must(http.StatusOK, "GET", "/v1/test-clock/outbox?to="+url.QueryEscape(email), testOfficerToken, nil)
	for _, v := range m["messages"].([]any) {
		msg := v.(map[string]any)
		if msg["kind"] == "sign_in_code" {
			return msg["data"].(map[string]any)["code"].(string)
		}
	}
	s.t.Fatalf("no sign-in code for %s in %v", email, m)
	return ""
}

// signIn is docs/API.md "Signing in" over HTTP: a code through the
// notifier (read from the evaluation outbox), its exchange for a token,
// sign-out; officers named by their token.
func signIn(t *testing.T, s *server) {
	acc := s.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{
		"name": "Priya Shah", "email": "priya.shah@example.com", "uprn": s.find("LE11 3AB", "10")["uprn"]})
	id := acc["id"].(string)
	s.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "nobody-here@example.com"})
	s.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "Priya.Shah@example.com"})
	code := s.outboxCode("priya.shah@example.com")
	require.Regexp(t, `^\d{6}$`, code)
	s.problem(http.StatusUnauthorized, "sign_in_failed", "POST", "/v1/sign-in/verify", "", map[string]any{"email": "priya.shah@example.com", "code": "12345x"})
	got := s.must(http.StatusOK, "POST", "/v1/sign-in/verify", "", map[string]any{"email": "priya.shah@example.com", "code": code})
	require.Equal(t, id, got["account_id"])
	tok := got["token"].(string)
	s.must(http.StatusOK, "GET", "/v1/accounts/"+id, tok, nil)
	s.problem(http.StatusUnauthorized, "sign_in_failed", "POST", "/v1/sign-in/verify", "", map[string]any{"email": "priya.shah@example.com", "code": code})
	s.must(http.StatusNoContent, "POST", "/v1/sign-out", tok, nil)
	s.problem(http.StatusUnauthorized, "unauthorized", "GET", "/v1/accounts/"+id, tok, nil)
	s.must(http.StatusOK, "GET", "/v1/accounts/"+id, acc["token"].(string), nil)
}

// Issue 18: a code sent by one instance is taken by another; a token
// signed out on one stops working on the other; a restart keeps tokens.
func TestSignInAcrossInstances(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			dsn := db(t)
			a := startServer(t, dsn, "--test-clock")
			b := startServer(t, dsn, "--test-clock")
			acc := a.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{
				"name": "Tom Hill", "email": "tom.hill@example.com", "uprn": a.find("LE11 3AB", "10")["uprn"]})
			a.must(http.StatusAccepted, "POST", "/v1/sign-in", "", map[string]any{"email": "tom.hill@example.com"})
			code := b.outboxCode("tom.hill@example.com")
			tok := b.must(http.StatusOK, "POST", "/v1/sign-in/verify", "", map[string]any{"email": "tom.hill@example.com", "code": code})["token"].(string)
			a.must(http.StatusOK, "GET", "/v1/accounts/"+acc["id"].(string), tok, nil)
			b.must(http.StatusNoContent, "POST", "/v1/sign-out", tok, nil)
			a.problem(http.StatusUnauthorized, "unauthorized", "GET", "/v1/accounts/"+acc["id"].(string), tok, nil)
			a.stop()
			c := startServer(t, dsn, "--test-clock")
			c.must(http.StatusOK, "GET", "/v1/accounts/"+acc["id"].(string), acc["token"].(string), nil)
		})
	}
}

// Officers are named: events say officer:NAME.
func TestNamedOfficerOnEvents(t *testing.T) {
	s := startServerEnv(t, t.TempDir()+"/p.db", map[string]string{"PERMITD_OFFICER_TOKEN": "jane.smith=" + testOfficerToken}, "--test-clock")
	r := s.open("Ann Lee", s.find("LE11 3AB", "10")["uprn"].(string))
	p := s.must(http.StatusCreated, "POST", "/v1/accounts/"+r.id+"/permits", r.token, map[string]any{"type": "essential-carer", "vrm": "AB12CDE",
		"evidence": careLetter("Ann Lee", "2026-11-20")})
	_ = p
	s.setClock("2026-12-01T10:00:00Z")
	evs := s.must(http.StatusOK, "GET", "/v1/events", testOfficerToken, nil)["events"].([]any)
	require.NotEmpty(t, evs)
	s.must(http.StatusOK, "POST", "/v1/permits/"+p["id"].(string)+"/reject", testOfficerToken, map[string]any{"reason_code": "proof_unclear", "reason": "The letter is not signed."})
	evs = s.must(http.StatusOK, "GET", "/v1/permits/"+p["id"].(string)+"/events", testOfficerToken, nil)["events"].([]any)
	last := evs[len(evs)-1].(map[string]any)
	require.Equal(t, "permit.rejected", last["type"])
	require.Equal(t, "officer:jane.smith", last["actor"])
}
