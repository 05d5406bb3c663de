package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/webhook"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func endpoint(id string, at time.Time) webhook.Endpoint {
	return webhook.Endpoint{ID: id, URL: "https://backoffice.example/" + id, Description: "d " + id,
		Secret: "whsec_" + id, CreatedAt: at, CreatedBy: "officer-1"}
}

// delivery is one event for one endpoint, grouped by permit.
func delivery(endpointID, eventID, permitID string) webhook.Delivery {
	return webhook.Delivery{EndpointID: endpointID, EventID: eventID, EventType: "permit.applied", PermitID: permitID,
		OrderKey: "permit:" + permitID, Body: []byte(`{"id":"` + eventID + `"}`), NextAttemptAt: t0, CreatedAt: t0}
}

func ids(ds []webhook.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.EventID)
	}
	return out
}

func TestStoreEndpoints(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		list, err := s.Endpoints(ctx)
		require.NoError(t, err)
		require.Empty(t, list)

		b := endpoint("wh_b", t0)
		b.EventTypes = []string{"permit.approved", "address_change.*"}
		b.IdempotencyKey, b.RequestHash = "officer-1:k1", "hash1"
		require.NoError(t, s.CreateEndpoint(ctx, b))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0.Add(time.Second+1500*time.Microsecond+700*time.Nanosecond))))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_c", t0)))

		require.ErrorIs(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)), webhook.ErrConflict, "ID taken")
		again := endpoint("wh_d", t0)
		again.IdempotencyKey = "officer-1:k1"
		require.ErrorIs(t, s.CreateEndpoint(ctx, again), webhook.ErrConflict, "idempotency key taken")

		got, err := s.Endpoint(ctx, "wh_b")
		require.NoError(t, err)
		require.Equal(t, b, got)
		got.EventTypes[0] = "changed"
		got, _ = s.Endpoint(ctx, "wh_b")
		require.Equal(t, "permit.approved", got.EventTypes[0], "a copy")

		byKey, err := s.EndpointByIdempotencyKey(ctx, "officer-1:k1")
		require.NoError(t, err)
		require.Equal(t, "wh_b", byKey.ID)
		_, err = s.EndpointByIdempotencyKey(ctx, "officer-1:other")
		require.ErrorIs(t, err, webhook.ErrNotFound)

		a, err := s.Endpoint(ctx, "wh_a")
		require.NoError(t, err)
		require.Equal(t, t0.Add(time.Second+1500*time.Microsecond), a.CreatedAt, "kept to the microsecond")
		require.Nil(t, a.EventTypes)

		list, err = s.Endpoints(ctx)
		require.NoError(t, err)
		var order []string
		for _, e := range list {
			order = append(order, e.ID)
		}
		require.Equal(t, []string{"wh_b", "wh_c", "wh_a"}, order, "oldest first, then by ID")

		require.NoError(t, s.DeleteEndpoint(ctx, "wh_b"))
		require.ErrorIs(t, s.DeleteEndpoint(ctx, "wh_b"), webhook.ErrNotFound)
		_, err = s.Endpoint(ctx, "wh_b")
		require.ErrorIs(t, err, webhook.ErrNotFound)
		// Its idempotency key is free again with it.
		require.NoError(t, s.CreateEndpoint(ctx, again))
	})
}

func TestStoreEnqueue(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_b", t0)))
		cur, err := s.Cursor(ctx)
		require.NoError(t, err)
		require.Equal(t, "", cur)

		require.NoError(t, s.Enqueue(ctx, "", "c2", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_b", "e1", "p1"), delivery("wh_gone", "e1", "p1"), delivery("wh_a", "e2", "p2"),
		}))
		cur, _ = s.Cursor(ctx)
		require.Equal(t, "c2", cur)

		err = s.Enqueue(ctx, "", "c3", []webhook.Delivery{delivery("wh_a", "e3", "p1")})
		require.ErrorIs(t, err, webhook.ErrConflict, "the cursor moved")
		cur, _ = s.Cursor(ctx)
		require.Equal(t, "c2", cur, "nothing changed")

		// A pair already enqueued is skipped, the rest goes in.
		require.NoError(t, s.Enqueue(ctx, "c2", "c3", []webhook.Delivery{delivery("wh_a", "e1", "p1"), delivery("wh_a", "e3", "p1")}))

		ds, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 100})
		require.NoError(t, err)
		require.Equal(t, []string{"e1", "e2", "e3"}, ids(ds))
		for i, d := range ds {
			require.Equal(t, webhook.StatusPending, d.Status)
			require.Zero(t, d.Attempts)
			require.Equal(t, t0, d.NextAttemptAt)
			require.Equal(t, t0, d.CreatedAt)
			require.Equal(t, `{"id":"`+d.EventID+`"}`, string(d.Body))
			require.Empty(t, d.LeaseToken)
			if i > 0 {
				require.Greater(t, num(t, d.ID), num(t, ds[i-1].ID), "IDs increase in enqueue order")
			}
		}
		ds, _ = s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_b", Limit: 100})
		require.Equal(t, []string{"e1"}, ids(ds))
	})
}

func num(t *testing.T, id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	require.NoError(t, err)
	return n
}

// claimIDs claims at now and returns the event IDs claimed.
func claim(t *testing.T, s webhook.Store, now time.Time) []webhook.Delivery {
	t.Helper()
	ds, err := s.Claim(context.Background(), now, now.Add(30*time.Second), 100)
	require.NoError(t, err)
	return ds
}

func complete(t *testing.T, s webhook.Store, d webhook.Delivery, at time.Time, st webhook.Status, next time.Time) {
	t.Helper()
	res := webhook.Result{DeliveryID: d.ID, LeaseToken: d.LeaseToken, At: at, Status: st, NextAttemptAt: next}
	if st != webhook.StatusDelivered {
		res.StatusCode, res.Error = 500, "HTTP 500"
	} else {
		res.StatusCode = 204
	}
	require.NoError(t, s.Complete(context.Background(), res))
}

// Only the oldest undelivered delivery of a permit (per endpoint) is ever
// claimable: a failure holds back that permit's later events for that
// endpoint, and nothing else.
func TestStoreClaimOrderPerPermit(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_b", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_b", "e1", "p1"),
			delivery("wh_a", "e2", "p1"), delivery("wh_b", "e2", "p1"),
			delivery("wh_a", "e3", "p2"),
		}))
		got := claim(t, s, t0)
		require.Len(t, got, 3)
		byKey := map[string]webhook.Delivery{}
		for _, d := range got {
			require.NotEmpty(t, d.LeaseToken)
			byKey[d.EndpointID+"/"+d.EventID] = d
		}
		require.Contains(t, byKey, "wh_a/e1")
		require.Contains(t, byKey, "wh_b/e1")
		require.Contains(t, byKey, "wh_a/e3")
		require.Empty(t, claim(t, s, t0), "leased ones are not claimed again; e2 is held back")

		// wh_a's e1 fails: wh_a's e2 waits for it; wh_b's e1 succeeds and
		// wh_b's e2 is due at once; p2 is not held back by p1.
		complete(t, s, byKey["wh_a/e1"], t0, webhook.StatusPending, t0.Add(time.Minute))
		complete(t, s, byKey["wh_b/e1"], t0, webhook.StatusDelivered, time.Time{})
		complete(t, s, byKey["wh_a/e3"], t0, webhook.StatusDelivered, time.Time{})
		got = claim(t, s, t0.Add(time.Second))
		require.Equal(t, []string{"e2"}, ids(got))
		require.Equal(t, "wh_b", got[0].EndpointID)
		complete(t, s, got[0], t0.Add(time.Second), webhook.StatusDelivered, time.Time{})
		require.Empty(t, claim(t, s, t0.Add(59*time.Second)), "wh_a's e1 is not due; its e2 waits")

		got = claim(t, s, t0.Add(time.Minute))
		require.Equal(t, []string{"e1"}, ids(got))
		require.Equal(t, 1, got[0].Attempts)
		require.Equal(t, 500, got[0].LastStatusCode)
		require.Equal(t, "HTTP 500", got[0].LastError)
		require.Equal(t, t0, got[0].LastAttemptAt)
		complete(t, s, got[0], t0.Add(time.Minute), webhook.StatusDelivered, time.Time{})
		got = claim(t, s, t0.Add(time.Minute))
		require.Equal(t, []string{"e2"}, ids(got))
		require.Equal(t, "wh_a", got[0].EndpointID)

		d, err := s.Delivery(ctx, "wh_a", byKey["wh_a/e1"].ID)
		require.NoError(t, err)
		require.Equal(t, webhook.StatusDelivered, d.Status)
		require.Equal(t, 2, d.Attempts)
		require.Equal(t, 204, d.LastStatusCode)
		require.Empty(t, d.LastError)
		require.Equal(t, t0.Add(time.Minute), d.DeliveredAt)
	})
}

func TestStoreLease(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{delivery("wh_a", "e1", "p1")}))
		first := claim(t, s, t0)
		require.Len(t, first, 1)
		require.Empty(t, claim(t, s, t0.Add(29*time.Second)), "still leased")
		second := claim(t, s, t0.Add(31*time.Second))
		require.Len(t, second, 1, "the lease ran out: another instance takes it")
		require.NotEqual(t, first[0].LeaseToken, second[0].LeaseToken)

		stale := webhook.Result{DeliveryID: first[0].ID, LeaseToken: first[0].LeaseToken, At: t0, Status: webhook.StatusDelivered}
		require.ErrorIs(t, s.Complete(ctx, stale), webhook.ErrLeaseLost)
		require.ErrorIs(t, s.Complete(ctx, webhook.Result{DeliveryID: first[0].ID, Status: webhook.StatusDelivered}), webhook.ErrLeaseLost, "no token")
		require.ErrorIs(t, s.Complete(ctx, webhook.Result{DeliveryID: "999", LeaseToken: "x", Status: webhook.StatusDelivered}), webhook.ErrLeaseLost)
		complete(t, s, second[0], t0.Add(31*time.Second), webhook.StatusDelivered, time.Time{})
		require.ErrorIs(t, s.Complete(ctx, webhook.Result{DeliveryID: second[0].ID, LeaseToken: second[0].LeaseToken, Status: webhook.StatusDelivered}),
			webhook.ErrLeaseLost, "a lease is released by its result")

		_, err := s.Claim(ctx, t0, t0, 0)
		require.ErrorIs(t, err, webhook.ErrValidation)
	})
}

func TestStoreDeadAndRetry(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_b", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_a", "e2", "p1"), delivery("wh_a", "e3", "p2"),
		}))
		got := claim(t, s, t0)
		require.Equal(t, []string{"e1", "e3"}, ids(got))
		complete(t, s, got[0], t0, webhook.StatusDead, time.Time{})
		complete(t, s, got[1], t0, webhook.StatusDelivered, time.Time{})
		// Issue 14: a dead delivery never holds its permit's later ones
		// back for ever (the dispatcher pauses the endpoint instead).
		require.Equal(t, []string{"e2"}, ids(claim(t, s, t0.Add(time.Hour))), "a dead delivery holds nothing back")

		dead, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusDead, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"e1"}, ids(dead))
		pending, _ := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusPending, Limit: 10})
		require.Equal(t, []string{"e2"}, ids(pending))

		_, err = s.Retry(ctx, "wh_b", dead[0].ID, t0)
		require.ErrorIs(t, err, webhook.ErrNotFound, "another endpoint's delivery")
		_, err = s.Retry(ctx, "wh_a", "424242", t0)
		require.ErrorIs(t, err, webhook.ErrNotFound)
		_, err = s.Retry(ctx, "wh_a", "x1", t0)
		require.ErrorIs(t, err, webhook.ErrNotFound)
		delivered, _ := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusDelivered, Limit: 10})
		_, err = s.Retry(ctx, "wh_a", delivered[0].ID, t0)
		require.ErrorIs(t, err, webhook.ErrNotRetryable)

		later := t0.Add(2 * time.Hour)
		r, err := s.Retry(ctx, "wh_a", dead[0].ID, later)
		require.NoError(t, err)
		require.Equal(t, webhook.StatusPending, r.Status)
		require.Zero(t, r.Attempts, "a fresh round of attempts")
		require.Equal(t, later, r.NextAttemptAt)
		require.Equal(t, "HTTP 500", r.LastError, "the last failure stays visible")
		require.Empty(t, claim(t, s, later.Add(-time.Second)))
		got = claim(t, s, later)
		require.Equal(t, []string{"e1"}, ids(got))
		complete(t, s, got[0], later, webhook.StatusDelivered, time.Time{})
		require.Equal(t, []string{"e2"}, ids(claim(t, s, later)))

		_, err = s.Delivery(ctx, "wh_b", dead[0].ID)
		require.ErrorIs(t, err, webhook.ErrNotFound)
	})
}

func TestStoreDeliveriesPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		var ds []webhook.Delivery
		for i := range 25 {
			ds = append(ds, delivery("wh_a", fmt.Sprintf("e%02d", i), fmt.Sprintf("p%d", i%3)))
		}
		require.NoError(t, s.Enqueue(ctx, "", "c", ds))
		var all []string
		after := ""
		for {
			page, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", After: after, Limit: 7})
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(t, len(page), 7)
			all = append(all, ids(page)...)
			after = page[len(page)-1].ID
		}
		require.Len(t, all, 25)
		require.Equal(t, "e00", all[0])
		require.Equal(t, "e24", all[24])

		for name, q := range map[string]webhook.DeliveryQuery{
			"limit 0":    {EndpointID: "wh_a", Limit: 0},
			"limit 1001": {EndpointID: "wh_a", Limit: 1001},
			"bad after":  {EndpointID: "wh_a", After: "01", Limit: 1},
			"bad status": {EndpointID: "wh_a", Status: "lost", Limit: 1},
		} {
			_, err := s.Deliveries(ctx, q)
			require.ErrorIs(t, err, webhook.ErrValidation, name)
		}
		_, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_none", Limit: 1})
		require.ErrorIs(t, err, webhook.ErrNotFound)
		empty, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusDead, Limit: 1})
		require.NoError(t, err)
		require.NotNil(t, empty)
		require.Empty(t, empty)

		// Deleting the endpoint deletes its deliveries; a result for one
		// in flight is then lost.
		got := claim(t, s, t0)
		require.Len(t, got, 3)
		require.NoError(t, s.DeleteEndpoint(ctx, "wh_a"))
		require.ErrorIs(t, s.Complete(ctx, webhook.Result{DeliveryID: got[0].ID, LeaseToken: got[0].LeaseToken, At: t0, Status: webhook.StatusDelivered}), webhook.ErrLeaseLost)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		ds2, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 100})
		require.NoError(t, err)
		require.Empty(t, ds2)
	})
}

func TestStorePurge(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_a", "e2", "p2"), delivery("wh_a", "e3", "p3"),
		}))
		got := claim(t, s, t0)
		complete(t, s, got[0], t0, webhook.StatusDelivered, time.Time{})
		complete(t, s, got[1], t0.Add(time.Hour), webhook.StatusDelivered, time.Time{})
		complete(t, s, got[2], t0, webhook.StatusDead, time.Time{})
		n, err := s.PurgeDelivered(ctx, t0.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		left, _ := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 10})
		require.Equal(t, []string{"e2", "e3"}, ids(left), "dead ones are never purged")
	})
}

// Several instances claiming at once never hold the same delivery at the
// same time, and between them send everything once.
func TestStoreConcurrentClaims(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		const instances, permits, perPermit = 4, 20, 5
		stores := newStores(t, instances)
		require.NoError(t, stores[0].CreateEndpoint(ctx, endpoint("wh_a", t0)))
		var ds []webhook.Delivery
		for i := range perPermit {
			for p := range permits {
				ds = append(ds, delivery("wh_a", fmt.Sprintf("e%d-%02d", i, p), fmt.Sprintf("p%02d", p)))
			}
		}
		require.NoError(t, stores[0].Enqueue(ctx, "", "c", ds))

		var (
			mu       sync.Mutex
			inFlight = map[string]bool{}
			sent     = map[string]int{}
			order    = map[string][]string{}
			wg       sync.WaitGroup
		)
		for _, s := range stores {
			wg.Go(func() {
				for idle := 0; idle < 3; {
					got, err := s.Claim(ctx, t0, t0.Add(time.Hour), 3)
					if !assertNoError(t, err) {
						return
					}
					if len(got) == 0 {
						idle++
						time.Sleep(5 * time.Millisecond)
						continue
					}
					idle = 0
					for _, d := range got {
						mu.Lock()
						if inFlight[d.ID] {
							t.Errorf("delivery %s claimed twice at once", d.ID)
						}
						inFlight[d.ID] = true
						sent[d.EventID]++
						order[d.PermitID] = append(order[d.PermitID], d.EventID)
						mu.Unlock()
					}
					for _, d := range got {
						mu.Lock()
						delete(inFlight, d.ID)
						mu.Unlock()
						assertNoError(t, s.Complete(ctx, webhook.Result{DeliveryID: d.ID, LeaseToken: d.LeaseToken, At: t0, Status: webhook.StatusDelivered}))
					}
				}
			})
		}
		wg.Wait()
		require.Len(t, sent, permits*perPermit)
		for id, n := range sent {
			require.Equal(t, 1, n, "event %s sent once", id)
		}
		for p, evs := range order {
			for i, e := range evs {
				require.Equal(t, fmt.Sprintf("e%d-%s", i, p[1:]), e, "permit %s in order", p)
			}
		}
	})
}

func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

// Instances fanning out at once: one wins each cursor position, the
// others get ErrConflict and change nothing.
func TestStoreConcurrentEnqueue(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		stores := newStores(t, 4)
		require.NoError(t, stores[0].CreateEndpoint(ctx, endpoint("wh_a", t0)))
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			won      int
			conflict int
		)
		for i, s := range stores {
			wg.Go(func() {
				err := s.Enqueue(ctx, "", "c1", []webhook.Delivery{delivery("wh_a", "e1", "p1"), delivery("wh_a", fmt.Sprintf("only-%d", i), "p1")})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case assertErrorIs(t, err, webhook.ErrConflict):
					conflict++
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, won)
		require.Equal(t, 3, conflict)
		ds, err := stores[1].Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Limit: 10})
		require.NoError(t, err)
		require.Len(t, ds, 2, "only the winner's deliveries")
	})
}

func assertErrorIs(t *testing.T, err, target error) bool {
	if !errorsIs(err, target) {
		t.Errorf("got %v, want %v", err, target)
		return false
	}
	return true
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// Issue 14: a dead delivery pauses its endpoint (nothing of it is claimed,
// other endpoints go on); resuming lets it go again; retrying the dead
// ones in bulk resumes it with a fresh round for each; a rotated secret
// keeps the old one as the previous until a time.
func TestStorePauseResumeRetryDeadRotate(t *testing.T) {
	eachStore(t, func(t *testing.T, newStores func(*testing.T, int) []webhook.Store) {
		ctx := context.Background()
		s := oneStore(newStores, t)
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_a", t0)))
		require.NoError(t, s.CreateEndpoint(ctx, endpoint("wh_b", t0)))
		require.NoError(t, s.Enqueue(ctx, "", "c", []webhook.Delivery{
			delivery("wh_a", "e1", "p1"), delivery("wh_a", "e2", "p2"), delivery("wh_a", "e3", "p1"), delivery("wh_b", "e1", "p1"),
		}))
		got := claim(t, s, t0)
		require.Len(t, got, 3)
		require.Equal(t, t0, got[0].RetryingSince, "a round begins when enqueued")
		died := t0.Add(time.Minute)
		require.NoError(t, s.Complete(ctx, webhook.Result{DeliveryID: got[0].ID, LeaseToken: got[0].LeaseToken, At: died,
			Status: webhook.StatusDead, StatusCode: 500, Error: "HTTP 500", PauseReason: "e1 died"}))
		require.NoError(t, s.Complete(ctx, webhook.Result{DeliveryID: got[1].ID, LeaseToken: got[1].LeaseToken, At: died,
			Status: webhook.StatusDead, Error: "timed out", PauseReason: "e2 died too"}))
		complete(t, s, got[2], died, webhook.StatusPending, died) // wh_b's, failing

		a, err := s.Endpoint(ctx, "wh_a")
		require.NoError(t, err)
		require.Equal(t, died, a.PausedAt)
		require.Equal(t, "e1 died", a.PausedReason, "the first death's reason stays")
		later := t0.Add(time.Hour)
		got = claim(t, s, later)
		require.Equal(t, []string{"e1"}, ids(got), "only wh_b's: wh_a is paused")
		require.Equal(t, "wh_b", got[0].EndpointID)
		require.NoError(t, s.DeleteEndpoint(ctx, "wh_b"))

		resumed, err := s.Resume(ctx, "wh_a")
		require.NoError(t, err)
		require.True(t, resumed.PausedAt.IsZero())
		require.Empty(t, resumed.PausedReason)
		require.Equal(t, []string{"e3"}, ids(claim(t, s, later.Add(time.Minute))), "resumed, and the dead e1 holds e3 back no more")

		_, err = s.Resume(ctx, "wh_x")
		require.ErrorIs(t, err, webhook.ErrNotFound)
		_, err = s.RetryDead(ctx, "wh_x", later)
		require.ErrorIs(t, err, webhook.ErrNotFound)

		// Paused again, then every dead delivery retried at once.
		got = claim(t, s, later.Add(time.Hour))
		require.Equal(t, []string{"e3"}, ids(got))
		require.NoError(t, s.Complete(ctx, webhook.Result{DeliveryID: got[0].ID, LeaseToken: got[0].LeaseToken, At: later.Add(time.Hour),
			Status: webhook.StatusDead, PauseReason: "e3 died"}))
		a, _ = s.Endpoint(ctx, "wh_a")
		require.Equal(t, "e3 died", a.PausedReason)
		again := t0.Add(3 * time.Hour)
		n, err := s.RetryDead(ctx, "wh_a", again)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		a, _ = s.Endpoint(ctx, "wh_a")
		require.True(t, a.PausedAt.IsZero(), "retrying the dead resumes the endpoint")
		pending, err := s.Deliveries(ctx, webhook.DeliveryQuery{EndpointID: "wh_a", Status: webhook.StatusPending, Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"e1", "e2", "e3"}, ids(pending))
		for _, d := range pending {
			require.Zero(t, d.Attempts)
			require.Equal(t, again, d.NextAttemptAt)
			require.Equal(t, again, d.RetryingSince, "a fresh round")
		}
		require.Equal(t, []string{"e1", "e2"}, ids(claim(t, s, again)), "in order again: e3 waits for e1")
		n, err = s.RetryDead(ctx, "wh_a", again)
		require.NoError(t, err)
		require.Zero(t, n)

		until := t0.Add(24*time.Hour + 1500*time.Nanosecond)
		rotated, err := s.RotateSecret(ctx, "wh_a", "whsec_new", until)
		require.NoError(t, err)
		require.Equal(t, "whsec_new", rotated.Secret)
		require.Equal(t, "whsec_wh_a", rotated.PreviousSecret)
		require.Equal(t, t0.Add(24*time.Hour+time.Microsecond), rotated.PreviousSecretUntil)
		stored, _ := s.Endpoint(ctx, "wh_a")
		require.Equal(t, rotated, stored)
		require.Equal(t, []string{"whsec_new", "whsec_wh_a"}, stored.Secrets(t0))
		require.Equal(t, []string{"whsec_new"}, stored.Secrets(until))
		rotated, err = s.RotateSecret(ctx, "wh_a", "whsec_newer", until)
		require.NoError(t, err)
		require.Equal(t, []string{"whsec_newer", "whsec_new"}, rotated.Secrets(t0), "only the two newest sign")
		_, err = s.RotateSecret(ctx, "wh_x", "whsec_y", until)
		require.ErrorIs(t, err, webhook.ErrNotFound)
	})
}
