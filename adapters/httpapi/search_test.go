package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
)

// A holder changes email and phone; the change is in the feed (issue 14,
// item 9).
func TestChangeContact(t *testing.T) {
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{integrations: []httpapi.Integration{{Name: "bo", Token: integrationToken}}})
	acc, tok := hs.account(home)
	before := hs.eventCount()

	m := hs.must(http.StatusOK, "PATCH", "/v1/accounts/"+acc, tok, map[string]any{"email": "jane.new@example.com", "phone": "07700 900123"})
	require.Equal(t, "jane.new@example.com", m["email"])
	require.Equal(t, "+447700900123", m["phone"], "stored in E.164")
	got := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)
	require.Equal(t, "+447700900123", got["phone"])

	evs, _, err := hs.svc.Events(context.Background(), permit.System, "", 1000)
	require.NoError(t, err)
	require.Equal(t, before+1, len(evs))
	last := evs[len(evs)-1]
	require.Equal(t, permit.EventAccountContactChanged, last.Type)
	require.Equal(t, acc, last.AccountID)
	require.Equal(t, "account:"+acc, last.Actor)
	require.Equal(t, map[string]string{"changed": "email,phone", "email": "jane.new@example.com", "phone": "+447700900123"}, last.Data)

	t.Run("the same again changes nothing and records nothing", func(t *testing.T) {
		n := hs.eventCount()
		hs.must(http.StatusOK, "PATCH", "/v1/accounts/"+acc, tok, map[string]any{"phone": "+44 7700 900123"})
		require.Equal(t, n, hs.eventCount())
	})
	t.Run("one field; null leaves the other; an officer may", func(t *testing.T) {
		m := hs.must(http.StatusOK, "PATCH", "/v1/accounts/"+acc, hs.officer, map[string]any{"email": "", "phone": nil})
		require.Equal(t, "", m["email"], "cleared")
		require.Equal(t, "+447700900123", m["phone"])
		evs, _, err := hs.svc.Events(context.Background(), permit.System, "", 1000)
		require.NoError(t, err)
		last := evs[len(evs)-1]
		require.Equal(t, map[string]string{"changed": "email", "email": ""}, last.Data)
		require.Contains(t, last.Actor, "officer")
	})
	t.Run("refused", func(t *testing.T) {
		n := hs.eventCount()
		m := requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, tok, map[string]any{"phone": "01509 123456"}),
			http.StatusUnprocessableEntity, "validation_failed")
		require.Equal(t, "phone", m["errors"].([]any)[0].(map[string]any)["field"])
		require.Equal(t, "invalid_phone", m["errors"].([]any)[0].(map[string]any)["code"])
		m = requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, tok, map[string]any{"email": "not an address", "phone": "07"}),
			http.StatusUnprocessableEntity, "validation_failed")
		require.Len(t, m["errors"], 2, "every bad field named")
		requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, tok, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, tok, map[string]any{"name": "X"}), http.StatusBadRequest, "invalid_json")
		_, other := hs.account(neighbour)
		requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, other, map[string]any{"phone": "07700900123"}), http.StatusNotFound, "not_found")
		requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, integrationToken, map[string]any{"phone": "07700900123"}), http.StatusForbidden, "forbidden")
		requireProblem(t, hs.do("PATCH", "/v1/accounts/"+acc, "", map[string]any{"phone": "07700900123"}), http.StatusUnauthorized, "unauthorized")
		requireProblem(t, hs.do("PATCH", "/v1/accounts/acc_none", hs.officer, map[string]any{"phone": "07700900123"}), http.StatusNotFound, "not_found")
		require.Equal(t, n+1, hs.eventCount(), "only the neighbour's account was opened")
		require.Equal(t, "+447700900123", hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)["phone"])
	})
}

// Officers find accounts and permits, a page at a time (issue 14, item 9).
func TestSearch(t *testing.T) {
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{integrations: []httpapi.Integration{{Name: "bo", Token: integrationToken}}})
	jane, jtok := hs.account(home)
	hs.must(http.StatusOK, "PATCH", "/v1/accounts/"+jane, jtok, map[string]any{"email": "Jane.Smith@example.com"})
	m := hs.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{"name": "Omar Khan", "uprn": otherZone})
	omar, otok := m["id"].(string), m["token"].(string)
	p1 := hs.apply(jane, jtok, "AB12 CDE")["id"].(string)
	hs.must(http.StatusOK, "POST", "/v1/permits/"+p1+"/approve", hs.officer, nil)
	p2 := hs.must(http.StatusCreated, "POST", "/v1/accounts/"+omar+"/permits", otok,
		map[string]any{"type": "essential-carer", "vrm": "XY12ZZZ", "evidence": []map[string]any{
			{"kind": "proof_of_care", "issued_on": hs.daysAgo(7), "name": "Omar Khan"}}})["id"].(string)

	accounts := func(query string) []string {
		t.Helper()
		m := hs.must(http.StatusOK, "GET", "/v1/accounts?"+query, hs.officer, nil)
		var out []string
		for _, a := range m["accounts"].([]any) {
			out = append(out, a.(map[string]any)["id"].(string))
		}
		return out
	}
	permits := func(query string) []string {
		t.Helper()
		m := hs.must(http.StatusOK, "GET", "/v1/permits?"+query, hs.officer, nil)
		var out []string
		for _, p := range m["permits"].([]any) {
			out = append(out, p.(map[string]any)["id"].(string))
		}
		return out
	}
	require.Equal(t, []string{jane}, accounts("name=smith"))
	require.Equal(t, []string{jane}, accounts("email=jane.smith@EXAMPLE.com"))
	require.Equal(t, []string{jane}, accounts("postcode=le113ab"))
	require.Equal(t, []string{omar}, accounts("postcode=LE11+2AA"))
	require.Empty(t, accounts("postcode=LE1+1AA"), "a postcode with no accounts")
	require.Equal(t, []string{jane}, accounts("vrm=ab12cde"))
	require.Equal(t, []string{omar}, accounts("zone=loughborough-2"))
	require.ElementsMatch(t, []string{jane, omar}, accounts(""))

	require.Equal(t, []string{p1}, permits("name=jane"))
	require.Equal(t, []string{p2}, permits("vrm=XY12+ZZZ"))
	require.Equal(t, []string{p1}, permits("status=current"))
	require.Equal(t, []string{p2}, permits("status=pending_review"))
	require.Empty(t, permits("status=expired"))
	require.Equal(t, []string{p2}, permits("zone=loughborough-2&postcode=LE11+2AA"))

	t.Run("pages", func(t *testing.T) {
		m := hs.must(http.StatusOK, "GET", "/v1/accounts?limit=1", hs.officer, nil)
		require.Len(t, m["accounts"], 1)
		next := m["next"].(string)
		require.NotEmpty(t, next)
		m = hs.must(http.StatusOK, "GET", "/v1/accounts?limit=1&after="+next, hs.officer, nil)
		require.Len(t, m["accounts"], 1)
		require.Empty(t, m["next"], "the last page")
	})
	t.Run("bad parameters are 400, naming them", func(t *testing.T) {
		for _, c := range []struct{ path, field, code string }{
			{"/v1/accounts?postcode=nowhere", "postcode", "invalid_postcode"},
			{"/v1/permits?vrm=!!", "vrm", "invalid_vrm"},
			{"/v1/permits?status=lost", "status", "invalid_status"},
			{"/v1/accounts?status=current", "status", "unknown_parameter"},
			{"/v1/permits?limit=0", "limit", "out_of_range"},
		} {
			m := requireProblem(t, hs.do("GET", c.path, hs.officer, nil), http.StatusBadRequest, "validation_failed")
			e := m["errors"].([]any)[0].(map[string]any)
			require.Equal(t, c.field, e["field"], c.path)
			require.Equal(t, c.code, e["code"], c.path)
		}
	})
	t.Run("who may search", func(t *testing.T) {
		require.Len(t, hs.must(http.StatusOK, "GET", "/v1/permits", integrationToken, nil)["permits"], 2)
		hs.must(http.StatusOK, "GET", "/v1/accounts", integrationToken, nil)
		requireProblem(t, hs.do("GET", "/v1/accounts?name=smith", jtok, nil), http.StatusForbidden, "forbidden")
		requireProblem(t, hs.do("GET", "/v1/permits", jtok, nil), http.StatusForbidden, "forbidden")
		requireProblem(t, hs.do("GET", "/v1/permits", "", nil), http.StatusUnauthorized, "unauthorized")
	})
}

// The review queue pages by cursor (issue 14, item 12).
func TestReviewQueuePages(t *testing.T) {
	hs := newHarness(t)
	var want []string
	for i, uprn := range []string{home, neighbour, sameZone} {
		acc, tok := hs.account(uprn)
		want = append(want, hs.apply(acc, tok, []string{"AB12CDE", "XY12ZZZ", "CD34EFG"}[i])["id"].(string))
		hs.clock.Set(hs.clock.Now().Add(1))
	}
	var got []string
	after := ""
	for i := 0; ; i++ {
		require.Less(t, i, 5)
		m := hs.must(http.StatusOK, "GET", "/v1/review-queue?limit=2&after="+after, hs.officer, nil)
		for _, it := range m["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		if after = m["next"].(string); after == "" {
			break
		}
		// Deciding what was seen does not move the rest of the queue.
		hs.must(http.StatusOK, "POST", "/v1/permits/"+got[0]+"/approve", hs.officer, nil)
	}
	require.Equal(t, want, got)
	m := requireProblem(t, hs.do("GET", "/v1/review-queue?after=nonsense", hs.officer, nil), http.StatusBadRequest, "validation_failed")
	require.Equal(t, "invalid_cursor", m["errors"].([]any)[0].(map[string]any)["code"])
}

// A feed cursor beyond the newest event is 410 (issue 14, item 12): a
// reader whose server's database was restored from an older backup is
// told, instead of waiting for ever.
func TestEventCursorBeyondEnd(t *testing.T) {
	old := newHarness(t)
	acc, tok := old.account(home)
	old.apply(acc, tok, "AB12CDE")
	next := old.must(http.StatusOK, "GET", "/v1/events", old.officer, nil)["next"].(string)
	require.Empty(t, old.must(http.StatusOK, "GET", "/v1/events?after="+next, old.officer, nil)["events"], "up to date is not beyond")

	restored := newHarness(t)
	restored.account(home)
	m := requireProblem(t, restored.do("GET", "/v1/events?after="+next, restored.officer, nil), http.StatusGone, "cursor_beyond_end")
	require.Contains(t, m["detail"], "from the start")
	empty := newHarness(t)
	requireProblem(t, empty.do("GET", "/v1/events?after="+next, empty.officer, nil), http.StatusGone, "cursor_beyond_end")
	require.Empty(t, empty.must(http.StatusOK, "GET", "/v1/events", empty.officer, nil)["events"])
}
