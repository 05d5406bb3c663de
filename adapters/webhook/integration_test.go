package webhook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/permit"
)

const (
	integrationA = "integration-a"
	integrationB = "integration-b"
)

// A read-only integration manages its own webhooks and no one else's
// (issue 14, item 11); officers manage them all.
func TestIntegrationManagesItsOwnWebhooks(t *testing.T) {
	store := webhook.NewMemoryStore()
	a := newAPI(t, store, webhook.Policy{AllowLoopback: true}, nil)
	rc := newReceiver(t, func(request, int) int { return 500 })

	register := func(token string) string {
		r := a.do("POST", "/v1/webhooks", token, map[string]any{"url": rc.URL + "/hook"})
		require.Equal(t, 201, r.status, "%s", r.body)
		return r.obj(t)["id"].(string)
	}
	mine := register(integrationA)
	theirs := register(integrationB)
	officers := register(officerToken)
	got := a.do("GET", "/v1/webhooks/"+mine, integrationA, nil)
	require.Equal(t, 200, got.status)
	require.Equal(t, "integration:"+integrationA, got.obj(t)["created_by"])

	list := a.do("GET", "/v1/webhooks", integrationA, nil)
	require.Equal(t, 200, list.status)
	hooks := list.obj(t)["webhooks"].([]any)
	require.Len(t, hooks, 1, "an integration lists only its own")
	require.Equal(t, mine, hooks[0].(map[string]any)["id"])
	require.Len(t, a.must(200, "GET", "/v1/webhooks", nil)["webhooks"], 3, "an officer lists them all")

	// Deliveries to look at and retry.
	f := &feed{}
	f.add(permit.EventPermitApproved, "p1", "a1")
	opts := testOptions()
	opts.MaxAttempts = 1
	d, err := webhook.NewDispatcher(store, f, opts)
	require.NoError(t, err)
	_, err = d.RunOnce(context.Background(), t0)
	require.NoError(t, err)
	ds := a.do("GET", "/v1/webhooks/"+mine+"/deliveries", integrationA, nil)
	require.Equal(t, 200, ds.status, "%s", ds.body)
	own := ds.obj(t)["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	require.Equal(t, 200, a.do("GET", "/v1/webhooks/"+mine+"/deliveries/"+own, integrationA, nil).status)
	require.Equal(t, 200, a.do("POST", "/v1/webhooks/"+mine+"/deliveries/"+own+"/retry", integrationA, nil).status)

	for _, other := range []string{theirs, officers} {
		for _, c := range []struct{ method, path string }{
			{"GET", "/v1/webhooks/" + other},
			{"GET", "/v1/webhooks/" + other + "/deliveries"},
			{"GET", "/v1/webhooks/" + other + "/deliveries/whd_1"},
			{"POST", "/v1/webhooks/" + other + "/deliveries/whd_1/retry"},
			{"DELETE", "/v1/webhooks/" + other},
		} {
			r := a.do(c.method, c.path, integrationA, nil)
			require.Equal(t, 404, r.status, "%s %s: %s", c.method, c.path, r.body)
			require.Equal(t, "not_found", r.obj(t)["code"])
		}
	}
	require.Len(t, a.must(200, "GET", "/v1/webhooks", nil)["webhooks"], 3, "nothing of another's was deleted")

	require.Equal(t, 204, a.do("DELETE", "/v1/webhooks/"+mine, integrationA, nil).status)
	require.Equal(t, 404, a.do("GET", "/v1/webhooks/"+mine, officerToken, nil).status)

	// A resident is still refused.
	r := a.do("GET", "/v1/webhooks", residentToken, nil)
	require.Equal(t, 403, r.status)
}
