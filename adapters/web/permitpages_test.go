package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// approvedPermit applies through the pages and has an officer approve.
func approvedPermit(t *testing.T, s *site, c *client, uprn, vrm string, signedIn bool) string {
	t.Helper()
	_, state := c.apply(uprn, vrm, signedIn)
	a := c.post("/apply/check", state)
	require.Contains(t, a.url, "/apply/done/", a.body)
	id := a.url[strings.LastIndex(a.url, "/")+1:]
	_, err := s.svc.Approve(context.Background(), permit.OfficerActor("test"), id)
	require.NoError(t, err)
	return id
}

func TestYourPermitDetailsAndVehicleChange(t *testing.T) {
	s := newSite(t)
	c := s.client()
	id := approvedPermit(t, s, c, "100000000001", "AB12CDE", false)

	a := c.get("/permits")
	require.Contains(t, a.body, `href="/permits/`+id+`"`, "each permit links to its page")
	a = c.get("/permits/" + id)
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Current")
	require.Contains(t, a.body, "Change the vehicle")
	require.Contains(t, a.body, "Cancel this permit")
	require.Contains(t, a.body, "You cannot renew this permit yet", "the renewal window is not open")
	require.NotContains(t, s.client().get("/permits/"+id).body, "AB12CDE", "another browser sees nothing")

	// The page's own problems.
	a = c.post("/permits/"+id+"/vehicle", url.Values{"vrm": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, a.status)
	require.Contains(t, a.body, "Enter the vehicle&#39;s registration number")
	require.Contains(t, a.body, "Choose when the change should happen")

	// Now.
	a = c.post("/permits/"+id+"/vehicle", url.Values{"vrm": {"cd34 efg"}, "when": {"now"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "The permit&#39;s vehicle is now CD34EFG")

	// From a date, then withdrawn.
	a = c.post("/permits/"+id+"/vehicle", dated(url.Values{"vrm": {"EF56GHJ"}, "when": {"later"}}, "on", start.AddDate(0, 0, 10)))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "The vehicle will change to EF56GHJ on 12 November 2026")
	require.Contains(t, a.body, "Withdraw this change")
	change := between(a.body, `name="change" value="`, `"`)
	a = c.post("/permits/"+id+"/vehicle/withdraw", url.Values{"change": {change}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "The scheduled vehicle change has been withdrawn")
	require.NotContains(t, a.body, "Withdraw this change")
}

func TestRenewInsideTheWindowAndCancel(t *testing.T) {
	s := newSite(t)
	c := s.client()
	id := approvedPermit(t, s, c, "100000000001", "AB12CDE", false)
	p, err := s.svc.Permit(context.Background(), permit.System, id)
	require.NoError(t, err)

	a := c.get("/permits/" + id + "/renew")
	require.Equal(t, http.StatusUnprocessableEntity, a.status, "too early")
	require.Contains(t, a.body, "You cannot renew this permit yet")

	s.clock.Set(p.ExpiresOn.AddDate(0, 0, -20).Add(10 * 3600e9))
	a = c.get("/permits/" + id)
	require.Contains(t, a.body, "Renew this permit")
	a = c.get("/permits/" + id + "/renew")
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Send your proof of care", "fresh proof of care")
	a = c.upload("/permits/"+id+"/renew", dated(url.Values{"name": {"Ada Lovelace"}}, "issued", s.clock.Now().AddDate(0, 0, -2)), "new-letter.pdf", pdf)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "Check your renewal")
	require.Contains(t, a.body, "new-letter.pdf")
	doc := between(a.body, `name="doc" value="`, `"`)
	a = c.post("/permits/"+id+"/renew/check", url.Values{"doc": {doc}})
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "Renewal sent")
	require.Contains(t, a.body, "The new permit would run from 2 November 2027")

	// Cancel: said to be non-refundable before and after.
	a = c.get("/permits/" + id + "/cancel")
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "does not refund permits")
	a = c.post("/permits/"+id+"/cancel", nil)
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Permit cancelled")
	a = c.get("/permits/" + id)
	require.Contains(t, a.body, "Cancelled")
	require.NotContains(t, a.body, "Cancel this permit")
}

func TestChangeOfAddress(t *testing.T) {
	s := newSite(t)
	c := s.client()
	approvedPermit(t, s, c, "100000000001", "AB12CDE", false)

	// Same zone: proof of residency, then the officers' review.
	a := c.post("/address", url.Values{"postcode": {"le11 3nh"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "3 Forest Road")
	a = c.post("/address/property", url.Values{"postcode": {"LE11 3NH"}, "uprn": {"100000000003"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "Send your proof of residency at the new address")
	require.Contains(t, a.body, "Which document are you sending?")
	state := url.Values{"postcode": {"LE11 3NH"}, "uprn": {"100000000003"}}
	a = c.upload("/address/evidence", dated(with(state, "kind", "utility_bill", "name", "Ada Lovelace", "address", "3 Forest Road, Loughborough, LE11 3NH"), "issued", start.AddDate(0, 0, -5)), "bill.pdf", pdf)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "Check your change of address")
	doc := between(a.body, `name="doc" value="`, `"`)
	a = c.post("/address/check", with(state, "doc", doc))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.body, "Change of address sent")

	// A second move while one waits is refused on the page.
	a = c.post("/address/property", url.Values{"postcode": {"LE11 2HE"}, "uprn": {"100000000004"}})
	require.Equal(t, http.StatusUnprocessableEntity, a.status)
	require.Contains(t, a.body, "There is a problem")

	// Another zone: a new application there.
	c2 := s.client()
	approvedPermit(t, s, c2, "100000000002", "ZZ99ZZZ", false)
	a = c2.post("/address/property", url.Values{"postcode": {"LE11 2HE"}, "uprn": {"100000000004"}})
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Contains(t, a.url, "/address/new-zone?")
	require.Contains(t, a.body, "is in Loughborough 1, not your permit zone (Loughborough 3)")
	require.Contains(t, a.body, `value="ZZ99ZZZ"`, "the vehicle of the permit held")
	a = c2.post("/address/new-zone", url.Values{"postcode": {"LE11 2HE"}, "uprn": {"100000000004"}, "type": {"essential-carer"}, "vrm": {"ZZ99ZZZ"}})
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.url, "/address/new-zone/evidence?")
	require.Contains(t, a.body, "Send your ")
}
