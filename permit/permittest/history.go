package permittest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// The back office reads a permit's history (its events, in feed order) and
// exports the permits current on a day in pages by ID.
var backOfficeTests = []namedTest{
	{"EventsOfPermit", testEventsOfPermit},
	{"EventsOfPermitNotBeforeCommit", testEventsOfPermitOwnTx},
	{"EventsOfAccount", testEventsOfAccount},
	{"PermitsCurrentOn", testPermitsCurrentOn},
	{"PermitsCurrentOnPages", testPermitsCurrentOnPages},
	{"PermitsCurrentOnSeesOwnWrites", testPermitsCurrentOnOwnWrites},
}

func permitEvent(n int, permitID string) permit.Event {
	e := event(n)
	e.PermitID = permitID
	return e
}

func testEventsOfPermit(t *testing.T, s suite) {
	st := s.store(t)
	accountOnly := event(1)
	accountOnly.PermitID = ""
	appendEvents(t, st, accountOnly, permitEvent(2, "p-1"), permitEvent(3, "p-2"))
	appendEvents(t, st, permitEvent(4, "p-2"))
	appendEvents(t, st, permitEvent(5, "p-1"), permitEvent(6, "p-10"))
	appendEvents(t, st, permitEvent(7, "p-1"))

	feed := allEvents(t, st, 100)
	require.Len(t, feed, 7)
	var want []permit.Event
	for _, e := range feed {
		if e.PermitID == "p-1" {
			want = append(want, e)
		}
	}
	view(t, st, func(tx permit.ReadTx) error {
		got, err := tx.EventsOfPermit("p-1")
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i := range want {
			require.Equal(t, want[i].ID, got[i].ID, "the feed's IDs, in feed order")
			requireEvent(t, want[i], got[i])
		}
		require.Equal(t, "2", got[0].Data["n"])

		got[0].Data["n"] = "changed"
		again, err := tx.EventsOfPermit("p-1")
		require.NoError(t, err)
		require.Equal(t, "2", again[0].Data["n"], "events are copies")

		for _, id := range []string{"p-missing", "", "p-"} {
			none, err := tx.EventsOfPermit(id)
			require.NoError(t, err, "no events is not an error")
			require.NotNil(t, none)
			require.Empty(t, none, "permit %q", id)
		}
		return nil
	})
}

func testEventsOfPermitOwnTx(t *testing.T, s suite) {
	st := s.store(t)
	appendEvents(t, st, permitEvent(1, "p-1"))
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.AppendEvent(permitEvent(2, "p-1")))
		got, err := tx.EventsOfPermit("p-1")
		require.NoError(t, err)
		require.Len(t, got, 1, "an event takes its place in the feed at commit")
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		got, err := tx.EventsOfPermit("p-1")
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Less(t, got[0].ID, got[1].ID)
		return nil
	})
}

func accountEvent(n int, accountID, permitID string) permit.Event {
	e := event(n)
	e.AccountID, e.PermitID = accountID, permitID
	return e
}

func testEventsOfAccount(t *testing.T, s suite) {
	st := s.store(t)
	appendEvents(t, st, accountEvent(1, "acc-1", ""), accountEvent(2, "acc-2", "p-2"), accountEvent(3, "acc-1", "p-1"))
	appendEvents(t, st, accountEvent(4, "acc-10", ""))
	appendEvents(t, st, accountEvent(5, "acc-1", "p-9"), accountEvent(6, "acc-2", ""))

	feed := allEvents(t, st, 100)
	require.Len(t, feed, 6)
	var want []permit.Event
	for _, e := range feed {
		if e.AccountID == "acc-1" {
			want = append(want, e)
		}
	}
	view(t, st, func(tx permit.ReadTx) error {
		got, err := tx.EventsOfAccount("acc-1")
		require.NoError(t, err)
		require.Len(t, got, 3, "the account's own events and its permits'")
		for i := range want {
			require.Equal(t, want[i].ID, got[i].ID, "the feed's IDs, in feed order")
			requireEvent(t, want[i], got[i])
		}
		got[0].Data["n"] = "changed"
		again, err := tx.EventsOfAccount("acc-1")
		require.NoError(t, err)
		require.Equal(t, "1", again[0].Data["n"], "events are copies")

		for _, id := range []string{"acc-missing", "", "acc-"} {
			none, err := tx.EventsOfAccount(id)
			require.NoError(t, err, "no events is not an error")
			require.NotNil(t, none)
			require.Empty(t, none, "account %q", id)
		}
		return nil
	})
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.AppendEvent(accountEvent(7, "acc-1", "")))
		got, err := tx.EventsOfAccount("acc-1")
		require.NoError(t, err)
		require.Len(t, got, 3, "an event takes its place in the feed at commit")
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		got, err := tx.EventsOfAccount("acc-1")
		require.NoError(t, err)
		require.Len(t, got, 4)
		return nil
	})
}

// currentFixture stores permits around 29 February 2028 (the day is a
// Tuesday in a leap year; no clock change near it) and the day BST starts,
// 26 March 2028.
func currentFixture(t *testing.T, st permit.Store) {
	a := NewAccount("acc-a", testUPRN)
	mk := func(id string, status permit.Status, starts, expires time.Time) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.StartsOn, p.ExpiresOn = status, starts, expires
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("c-starts-that-day", permit.Approved, date(2028, time.February, 29), date(2029, time.February, 28)),
		mk("c-ends-that-day", permit.Approved, date(2027, time.March, 1), date(2028, time.February, 29)),
		mk("c-middle", permit.Approved, date(2027, time.November, 1), date(2028, time.October, 31)),
		mk("c-upcoming", permit.Approved, date(2028, time.March, 1), date(2029, time.February, 28)),
		mk("c-expired", permit.Approved, date(2027, time.February, 28), date(2028, time.February, 28)),
		mk("c-pending", permit.PendingReview, date(2027, time.November, 1), date(2028, time.October, 31)),
		mk("c-cancelled", permit.Cancelled, date(2027, time.November, 1), date(2028, time.October, 31)),
		mk("c-ended", permit.Ended, date(2027, time.November, 1), date(2028, time.October, 31)),
		mk("c-rejected", permit.Rejected, date(2027, time.November, 1), date(2028, time.October, 31)),
		mk("c-bst", permit.Approved, date(2028, time.March, 26), date(2028, time.March, 26)),
	)
}

func testPermitsCurrentOn(t *testing.T, s suite) {
	st := s.store(t)
	currentFixture(t, st)
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			on   time.Time
			want []string
		}{
			{date(2028, time.February, 28), []string{"c-ends-that-day", "c-expired", "c-middle"}},
			{date(2028, time.February, 29), []string{"c-ends-that-day", "c-middle", "c-starts-that-day"}},
			{date(2028, time.March, 1), []string{"c-middle", "c-starts-that-day", "c-upcoming"}},
			{date(2028, time.March, 26), []string{"c-bst", "c-middle", "c-starts-that-day", "c-upcoming"}},
			{date(2028, time.March, 27), []string{"c-middle", "c-starts-that-day", "c-upcoming"}},
			{date(2020, time.January, 1), nil},
		} {
			ps, err := tx.PermitsCurrentOn(tc.on, "", 100)
			require.NoError(t, err)
			require.NotNil(t, ps)
			require.Equal(t, tc.want, nilIfEmpty(ids(ps)), "current on %s", tc.on.Format(time.DateOnly))
			for _, p := range ps {
				require.Equal(t, permit.Current, p.StatusOn(tc.on))
			}
		}
		ps, err := tx.PermitsCurrentOn(date(2028, time.February, 29), "", 100)
		require.NoError(t, err)
		want := NewPermit("c-middle", NewAccount("acc-a", testUPRN))
		want.Version = 1
		requirePermit(t, want, ps[1])

		for _, limit := range []int{0, -1} {
			_, err := tx.PermitsCurrentOn(date(2028, time.February, 29), "", limit)
			require.ErrorIs(t, err, permit.ErrValidation, "limit %d", limit)
		}
		return nil
	})
}

func testPermitsCurrentOnPages(t *testing.T, s suite) {
	st := s.store(t)
	currentFixture(t, st)
	on := date(2028, time.March, 26)
	view(t, st, func(tx permit.ReadTx) error {
		var pages [][]string
		after := ""
		for {
			ps, err := tx.PermitsCurrentOn(on, after, 3)
			require.NoError(t, err)
			if len(ps) == 0 {
				break
			}
			pages = append(pages, ids(ps))
			after = ps[len(ps)-1].ID
		}
		require.Equal(t, [][]string{{"c-bst", "c-middle", "c-starts-that-day"}, {"c-upcoming"}}, pages)

		// afterID need not be a permit's ID: it is a position in ID order.
		ps, err := tx.PermitsCurrentOn(on, "c-n", 10)
		require.NoError(t, err)
		require.Equal(t, []string{"c-starts-that-day", "c-upcoming"}, ids(ps))
		return nil
	})
}

func testPermitsCurrentOnOwnWrites(t *testing.T, s suite) {
	st := s.store(t)
	currentFixture(t, st)
	on := date(2028, time.February, 29)
	update(t, st, func(tx permit.Tx) error {
		p, err := tx.Permit("c-middle")
		require.NoError(t, err)
		p.Status = permit.Cancelled
		require.NoError(t, tx.UpdatePermit(p))
		q, err := tx.Permit("c-pending")
		require.NoError(t, err)
		q.Status = permit.Approved
		require.NoError(t, tx.UpdatePermit(q))

		ps, err := tx.PermitsCurrentOn(on, "", 100)
		require.NoError(t, err)
		require.Equal(t, []string{"c-ends-that-day", "c-pending", "c-starts-that-day"}, ids(ps))
		return nil
	})
}
