package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMirrorFromFeed is issue 14 item 10: a back office that reads only
// the event feed, keeping for each permit the copy with the highest
// version an event carries, holds exactly what GET /v1/permits/{id}
// answers after a long randomized journey (applications free and paid,
// decisions, cancellations, vehicle changes, renewals, moves in the zone
// and to another zone, and the due jobs as the days go by). The only
// thing it works out itself is the documented one: an approved permit's
// upcoming, current or expired by its dates on the day it is shown.
func TestMirrorFromFeed(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			hs := newHarness(t)
			r := rand.New(rand.NewPCG(seed, 14))
			j := &journey{hs: hs, r: r}
			for range 10 {
				j.newAccount()
			}
			for range 250 {
				j.step()
			}
			mirror := mirrorFromFeed(t, hs)
			today := hs.clock.Now().In(london(t)).Format(time.DateOnly)
			diffs := 0
			all := j.allPermits()
			require.NotEmpty(t, all)
			require.Len(t, mirror, len(all), "the feed names every permit the API has, and no other")
			for _, id := range all {
				got := hs.must(http.StatusOK, "GET", "/v1/permits/"+id, officerToken, nil)
				m, ok := mirror[id]
				if !ok {
					t.Errorf("permit %s is not in the mirror", id)
					diffs++
					continue
				}
				m = derivedStatus(m, today)
				if !jsonEqual(t, got, m) {
					diffs++
					a, _ := json.Marshal(got)
					b, _ := json.Marshal(m)
					t.Errorf("permit %s:\nAPI    %s\nmirror %s", id, a, b)
				}
			}
			require.Zero(t, diffs, "differences between the mirror and the API")
			t.Logf("%d permits, %d events about them, %d steps that did something", len(all), j.events(t), j.done)
		})
	}
}

func london(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	return loc
}

// mirrorFromFeed pages through GET /v1/events and keeps each permit's
// highest version.
func mirrorFromFeed(t *testing.T, hs *harness) map[string]map[string]any {
	mirror := map[string]map[string]any{}
	types := map[string]int{}
	defer func() { t.Logf("events by type and reason: %v", types) }()
	after := ""
	for {
		page := hs.must(http.StatusOK, "GET", "/v1/events?limit=100&after="+url.QueryEscape(after), officerToken, nil)
		evs := page["events"].([]any)
		for _, e := range evs {
			types[e.(map[string]any)["type"].(string)+fmt.Sprint(" ", e.(map[string]any)["data"].(map[string]any)["reason"])]++
			p, ok := e.(map[string]any)["permit"].(map[string]any)
			if !ok {
				continue
			}
			// An event that ends a permit's life names the status it
			// leaves (permit.ended never leaves it withdrawn).
			if want, ends := endStatus[e.(map[string]any)["type"].(string)]; ends {
				require.Equal(t, want, p["status"], "event %v", e)
			}
			id := p["id"].(string)
			if have, ok := mirror[id]; !ok || have["version"].(float64) < p["version"].(float64) {
				mirror[id] = p
			}
		}
		if len(evs) == 0 {
			return mirror
		}
		after = page["next"].(string)
	}
}

// endStatus is the status each event that ends a permit's life leaves it in.
var endStatus = map[string]string{
	"permit.rejected": "rejected", "permit.withdrawn": "withdrawn", "permit.cancelled": "cancelled", "permit.ended": "ended",
}

// derivedStatus is the mirror's copy shown on today: an approved permit
// is upcoming, current or expired by its dates (docs/EVENTS.md).
func derivedStatus(p map[string]any, today string) map[string]any {
	switch p["status"] {
	case "upcoming", "current", "expired":
	default:
		return p
	}
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	switch {
	case today < p["starts_on"].(string):
		out["status"] = "upcoming"
	case today > p["expires_on"].(string):
		out["status"] = "expired"
	default:
		out["status"] = "current"
	}
	return out
}

func jsonEqual(t *testing.T, a, b map[string]any) bool {
	x, err := json.Marshal(a)
	require.NoError(t, err)
	y, err := json.Marshal(b)
	require.NoError(t, err)
	return string(x) == string(y)
}

type journeyAccount struct{ id, token, uprn string }

// journey does random things a council's residents and officers do.
type journey struct {
	hs       *harness
	r        *rand.Rand
	accounts []journeyAccount
	done     int
	vrms     int
}

var journeyUPRNs = []string{home, neighbour, sameZone, otherZone}

// journeyAddresses are the test gazetteer's addresses, as a utility bill
// shows them.
var journeyAddresses = map[string]string{
	home: "12 Ashby Road, LE11 3AB", neighbour: "14 Ashby Road, LE11 3AB",
	sameZone: "Rose Cottage, Ashby Road, LE11 3AB", otherZone: "3 Forest Road, LE11 2AA",
}

// residency is a utility bill at uprn.
func (j *journey) residency(uprn string) map[string]any {
	return map[string]any{"kind": "utility_bill", "issued_on": j.hs.daysAgo(20), "name": "Jane Smith", "address": journeyAddresses[uprn]}
}

func (j *journey) newAccount() {
	u := journeyUPRNs[j.r.IntN(len(journeyUPRNs))]
	r := j.hs.do("POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": u})
	require.Less(j.hs.t, r.status, 500, "%s", r.body)
	if r.status != http.StatusCreated {
		return // a daily limit per property
	}
	m := r.json(j.hs.t)
	j.accounts = append(j.accounts, journeyAccount{id: m["id"].(string), token: m["token"].(string), uprn: u})
}

func (j *journey) vrm() string {
	j.vrms++
	return fmt.Sprintf("AB%02dC%c%c", j.vrms%100, 'A'+rune(j.vrms/100%26), 'A'+rune(j.vrms%26))
}

// permitsOf lists an account's permits as the API shows them.
func (j *journey) permitsOf(a journeyAccount) []map[string]any {
	var out []map[string]any
	r := j.hs.do("GET", "/v1/accounts/"+a.id+"/permits", officerToken, nil)
	require.Equal(j.hs.t, http.StatusOK, r.status, "%s", r.body)
	var body any
	require.NoError(j.hs.t, json.Unmarshal(r.body, &body))
	list, ok := body.([]any)
	if !ok {
		list, _ = body.(map[string]any)["permits"].([]any)
	}
	for _, p := range list {
		out = append(out, p.(map[string]any))
	}
	return out
}

func (j *journey) allPermits() []string {
	var ids []string
	for _, a := range j.accounts {
		for _, p := range j.permitsOf(a) {
			ids = append(ids, p["id"].(string))
		}
	}
	return ids
}

func (j *journey) events(t *testing.T) int { return j.hs.eventCount() }

// pick is a random permit of a random account with one of the statuses
// (any when none given).
func (j *journey) pick(statuses ...string) (journeyAccount, map[string]any, bool) {
	a := j.accounts[j.r.IntN(len(j.accounts))]
	var fit []map[string]any
	for _, p := range j.permitsOf(a) {
		if len(statuses) == 0 {
			fit = append(fit, p)
			continue
		}
		for _, s := range statuses {
			if p["status"] == s {
				fit = append(fit, p)
			}
		}
	}
	if len(fit) == 0 {
		return a, nil, false
	}
	return a, fit[j.r.IntN(len(fit))], true
}

// try sends a request; refusals are part of the journey.
func (j *journey) try(method, path, token string, body any) {
	r := j.hs.do(method, path, token, body)
	require.Less(j.hs.t, r.status, 500, "%s %s: %s", method, path, r.body)
	if r.status < 300 {
		j.done++
	}
}

func (j *journey) step() {
	hs := j.hs
	switch n := j.r.IntN(100); {
	case n < 5:
		j.newAccount()
	case n < 25:
		a := j.accounts[j.r.IntN(len(j.accounts))]
		body := map[string]any{"type": "essential-carer", "vrm": j.vrm(), "evidence": hs.proofOfCare()}
		if j.r.IntN(3) == 0 {
			body["pay"] = true
		}
		j.try("POST", "/v1/accounts/"+a.id+"/permits", a.token, body)
	case n < 40:
		if _, p, ok := j.pick("pending_review"); ok {
			j.try("POST", "/v1/permits/"+p["id"].(string)+"/approve", officerToken, nil)
		}
	case n < 45:
		if _, p, ok := j.pick("pending_review"); ok {
			j.try("POST", "/v1/permits/"+p["id"].(string)+"/reject", officerToken,
				map[string]any{"reason_code": "proof_unclear", "reason": "The proof of care cannot be read."})
		}
	case n < 52:
		if a, p, ok := j.pick("pending_review", "awaiting_payment", "upcoming", "current"); ok {
			j.try("POST", "/v1/permits/"+p["id"].(string)+"/cancel", a.token, map[string]any{"reason": "no longer needed"})
		}
	case n < 60:
		if a, p, ok := j.pick("upcoming", "current", "pending_review"); ok {
			body := map[string]any{"vrm": j.vrm()}
			if j.r.IntN(2) == 0 {
				body["effective_on"] = hs.clock.Now().AddDate(0, 0, 1+j.r.IntN(20)).Format(time.DateOnly)
			}
			j.try("POST", "/v1/permits/"+p["id"].(string)+"/vehicle-changes", a.token, body)
		}
	case n < 68:
		// A renewal, of a permit whose renewal window is open.
		window := hs.clock.Now().AddDate(0, 0, 30).Format(time.DateOnly)
		var due []map[string]any
		var who []journeyAccount
		for _, a := range j.accounts {
			for _, p := range j.permitsOf(a) {
				if (p["status"] == "current" || p["status"] == "upcoming") && p["expires_on"].(string) <= window && p["renewed_by"] == nil {
					due, who = append(due, p), append(who, a)
				}
			}
		}
		if len(due) > 0 {
			i := j.r.IntN(len(due))
			j.try("POST", "/v1/permits/"+due[i]["id"].(string)+"/renewals", who[i].token, map[string]any{"evidence": hs.proofOfCare()})
		}
	case n < 74:
		a := j.accounts[j.r.IntN(len(j.accounts))]
		to := journeyUPRNs[j.r.IntN(len(journeyUPRNs))]
		r := hs.do("POST", "/v1/accounts/"+a.id+"/address-changes", a.token,
			map[string]any{"uprn": to, "evidence": []map[string]any{j.residency(to)}})
		require.Less(hs.t, r.status, 500, "%s", r.body)
		if r.status == http.StatusAccepted {
			j.done++
			id := r.json(hs.t)["id"].(string)
			verdict := "approve"
			var body any
			if j.r.IntN(4) == 0 {
				verdict, body = "reject", map[string]any{"reason_code": "proof_unclear", "reason": "Unreadable."}
			}
			j.try("POST", "/v1/address-changes/"+id+"/"+verdict, officerToken, body)
		}
	case n < 80:
		// A move to another zone: a new application there.
		a := j.accounts[j.r.IntN(len(j.accounts))]
		to := journeyUPRNs[j.r.IntN(len(journeyUPRNs))]
		vrm := j.vrm()
		evidence := []map[string]any{hs.proofOfCare()[0], j.residency(to),
			{"kind": "v5c", "issued_on": hs.daysAgo(400), "fields": map[string]string{"document_reference": "12345678901", "vrm": vrm}}}
		body := map[string]any{"type": "essential-carer", "vrm": vrm, "evidence": evidence, "move_to": to}
		j.try("POST", "/v1/accounts/"+a.id+"/permits", a.token, body)
	default:
		// Days go by; the due jobs run.
		hs.clock.Set(hs.clock.Now().Add(time.Duration(1+j.r.IntN(40)) * 24 * time.Hour))
		_, err := hs.svc.RunDue(context.Background(), hs.clock.Now())
		require.NoError(hs.t, err)
	}
}
