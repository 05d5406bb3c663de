package permittest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Officers search accounts and permits, and page the review queue from a
// place in it; a feed reader learns where the feed ends (issue 14).
var searchTests = []namedTest{
	{"SearchAccounts", testSearchAccounts},
	{"SearchAccountsPages", testSearchAccountsPages},
	{"SearchPermits", testSearchPermits},
	{"SearchSeesOwnWrites", testSearchOwnWrites},
	{"PendingReviewAfter", testPendingReviewAfter},
	{"PendingAddressChangesAfter", testPendingAddressChangesAfter},
	{"LastEventID", testLastEventID},
}

// searchFixture: three accounts (two in one zone, one at another
// property in another zone) and their permits in several states.
func searchFixture(t *testing.T, st permit.Store) {
	a := NewAccount("acc-a", testUPRN)
	a.Name, a.Email = "Jane Smith", "Jane.Smith@Example.org"
	b := NewAccount("acc-b", testUPRN)
	b.Name, b.Email = "John SMITHSON", "john@example.org"
	c := NewAccount("acc-c", otherUPRN)
	c.Name, c.Email = "Priya 50%_Patel", "priya@example.org"
	c.Zone = zones.Zone{ID: "loughborough-2", Name: "Loughborough 2"}
	mk := func(id string, acc permit.Account, vrm permit.VRM, status permit.Status, from, to time.Time) permit.Permit {
		p := NewPermit(id, acc)
		p.VRM, p.Status, p.StartsOn, p.ExpiresOn = vrm, status, from, to
		return p
	}
	seed(t, st, []permit.Account{a, b, c},
		mk("per-1", a, "AB12CDE", permit.Approved, date(2027, 1, 1), date(2027, 12, 31)), // current on 2027-06-01
		mk("per-2", a, "XY99ZZZ", permit.PendingReview, date(2027, 7, 1), date(2028, 6, 30)),
		mk("per-3", b, "AB12CDE", permit.Approved, date(2027, 7, 1), date(2028, 6, 30)),  // upcoming on 2027-06-01
		mk("per-4", b, "CD34EFG", permit.Approved, date(2026, 1, 1), date(2026, 12, 31)), // expired on 2027-06-01
		mk("per-5", c, "CD34EFG", permit.Cancelled, date(2027, 1, 1), date(2027, 12, 31)),
	)
}

func testSearchAccounts(t *testing.T, s suite) {
	st := s.store(t)
	searchFixture(t, st)
	for _, tc := range []struct {
		name string
		q    permit.AccountQuery
		want []string
	}{
		{"everyone, by ID", permit.AccountQuery{}, []string{"acc-a", "acc-b", "acc-c"}},
		{"part of a name, any case", permit.AccountQuery{Name: "smith"}, []string{"acc-a", "acc-b"}},
		{"a whole name", permit.AccountQuery{Name: "JANE SMITH"}, []string{"acc-a"}},
		{"LIKE's wildcards are letters", permit.AccountQuery{Name: "50%_"}, []string{"acc-c"}},
		{"a wildcard matches only itself", permit.AccountQuery{Name: "J_hn"}, []string{}},
		{"email, any case", permit.AccountQuery{Email: "jane.smith@example.ORG"}, []string{"acc-a"}},
		{"email is whole", permit.AccountQuery{Email: "example.org"}, []string{}},
		{"properties", permit.AccountQuery{UPRNs: []zones.UPRN{otherUPRN, 42}}, []string{"acc-c"}},
		{"no properties matches none", permit.AccountQuery{UPRNs: []zones.UPRN{}}, []string{}},
		{"a registration on any permit", permit.AccountQuery{VRM: "CD34EFG"}, []string{"acc-b", "acc-c"}},
		{"zone", permit.AccountQuery{Zone: "loughborough-1"}, []string{"acc-a", "acc-b"}},
		{"every field must match", permit.AccountQuery{Name: "smith", VRM: "XY99ZZZ"}, []string{"acc-a"}},
		{"after an ID", permit.AccountQuery{AfterID: "acc-a"}, []string{"acc-b", "acc-c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Limit = 10
			got := read(t, st, func(tx permit.ReadTx) ([]permit.Account, error) { return tx.SearchAccounts(q) })
			require.Equal(t, tc.want, accountIDs(got))
		})
	}
	got := read(t, st, func(tx permit.ReadTx) ([]permit.Account, error) {
		return tx.SearchAccounts(permit.AccountQuery{Email: "priya@example.org", Limit: 1})
	})
	require.Len(t, got, 1)
	want := NewAccount("acc-c", otherUPRN)
	want.Name, want.Email, want.Zone = "Priya 50%_Patel", "priya@example.org", zones.Zone{ID: "loughborough-2", Name: "Loughborough 2"}
	want.Version = 1
	requireAccount(t, want, got[0])
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.SearchAccounts(permit.AccountQuery{})
		require.ErrorIs(t, err, permit.ErrValidation, "a limit of 0")
		return nil
	})
}

func testSearchAccountsPages(t *testing.T, s suite) {
	st := s.store(t)
	searchFixture(t, st)
	var all []string
	after := ""
	for range 10 {
		page := read(t, st, func(tx permit.ReadTx) ([]permit.Account, error) {
			return tx.SearchAccounts(permit.AccountQuery{AfterID: after, Limit: 2})
		})
		require.LessOrEqual(t, len(page), 2)
		if len(page) == 0 {
			break
		}
		all = append(all, accountIDs(page)...)
		after = page[len(page)-1].ID
	}
	require.Equal(t, []string{"acc-a", "acc-b", "acc-c"}, all)
}

func testSearchPermits(t *testing.T, s suite) {
	st := s.store(t)
	searchFixture(t, st)
	on := date(2027, 6, 1)
	for _, tc := range []struct {
		name string
		q    permit.PermitQuery
		want []string
	}{
		{"every permit, by ID", permit.PermitQuery{}, []string{"per-1", "per-2", "per-3", "per-4", "per-5"}},
		{"holder's name", permit.PermitQuery{HolderName: "SMITHSON"}, []string{"per-3", "per-4"}},
		{"holder's email", permit.PermitQuery{HolderEmail: "JANE.SMITH@example.org"}, []string{"per-1", "per-2"}},
		{"registration", permit.PermitQuery{VRM: "AB12CDE"}, []string{"per-1", "per-3"}},
		{"stored status", permit.PermitQuery{Status: permit.PendingReview}, []string{"per-2"}},
		{"current", permit.PermitQuery{Status: permit.Approved, ValidOn: on}, []string{"per-1"}},
		{"current on its first day", permit.PermitQuery{Status: permit.Approved, ValidOn: date(2027, 7, 1)}, []string{"per-1", "per-3"}},
		{"current on its last day", permit.PermitQuery{Status: permit.Approved, ValidOn: date(2026, 12, 31)}, []string{"per-4"}},
		{"upcoming", permit.PermitQuery{Status: permit.Approved, StartsAfter: on}, []string{"per-3"}},
		{"expired", permit.PermitQuery{Status: permit.Approved, ExpiredBefore: on}, []string{"per-4"}},
		{"properties", permit.PermitQuery{UPRNs: []zones.UPRN{otherUPRN}}, []string{"per-5"}},
		{"no properties matches none", permit.PermitQuery{UPRNs: []zones.UPRN{}}, []string{}},
		{"zone", permit.PermitQuery{Zone: "loughborough-2"}, []string{"per-5"}},
		{"every field must match", permit.PermitQuery{HolderName: "smith", VRM: "CD34EFG", Status: permit.Approved}, []string{"per-4"}},
		{"after an ID", permit.PermitQuery{AfterID: "per-3", VRM: "CD34EFG"}, []string{"per-4", "per-5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Limit = 10
			got := read(t, st, func(tx permit.ReadTx) ([]permit.Permit, error) { return tx.SearchPermits(q) })
			require.Equal(t, tc.want, ids(got))
		})
	}
	got := read(t, st, func(tx permit.ReadTx) ([]permit.Permit, error) {
		return tx.SearchPermits(permit.PermitQuery{VRM: "AB12CDE", Limit: 1})
	})
	require.Equal(t, []string{"per-1"}, ids(got), "the limit holds")
	require.Equal(t, getPermit(t, st, "per-1"), got[0], "whole permits")
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.SearchPermits(permit.PermitQuery{})
		require.ErrorIs(t, err, permit.ErrValidation, "a limit of 0")
		return nil
	})
}

func testSearchOwnWrites(t *testing.T, s suite) {
	st := s.store(t)
	searchFixture(t, st)
	update(t, st, func(tx permit.Tx) error {
		a, err := tx.Account("acc-c")
		require.NoError(t, err)
		a.Name = "Priya Smith"
		require.NoError(t, tx.UpdateAccount(a))
		as, err := tx.SearchAccounts(permit.AccountQuery{Name: "smith", Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"acc-a", "acc-b", "acc-c"}, accountIDs(as))
		p, err := tx.Permit("per-5")
		require.NoError(t, err)
		p.VRM = "AB12CDE"
		require.NoError(t, tx.UpdatePermit(p))
		ps, err := tx.SearchPermits(permit.PermitQuery{VRM: "AB12CDE", HolderName: "priya", Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"per-5"}, ids(ps))
		return nil
	})
}

// queueFixture: permits and address changes pending review at three
// instants, two of them at the same instant.
func queueFixture(t *testing.T, st permit.Store) {
	a := NewAccount("acc-q", testUPRN)
	t0 := time.Date(2027, 10, 27, 10, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time, status permit.Status) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.CreatedAt, p.UpdatedAt = status, at, at
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("per-3", t0, permit.PendingReview), mk("per-1", t0.Add(time.Hour), permit.PendingReview),
		mk("per-2", t0.Add(time.Hour), permit.PendingReview), mk("per-4", t0.Add(30*time.Minute), permit.Approved),
		mk("per-5", t0.Add(2*time.Hour+time.Microsecond), permit.PendingReview))
	update(t, st, func(tx permit.Tx) error {
		for id, at := range map[string]time.Time{"ac-2": t0, "ac-1": t0.Add(time.Hour), "ac-3": t0.Add(time.Hour)} {
			c := NewAddressChange(id, a, otherUPRN)
			c.CreatedAt = at
			if err := tx.CreateAddressChange(c); err != nil {
				return err
			}
		}
		return nil
	})
}

func testPendingReviewAfter(t *testing.T, s suite) {
	st := s.store(t)
	queueFixture(t, st)
	page := func(at time.Time, id string, limit int) []string {
		return ids(read(t, st, func(tx permit.ReadTx) ([]permit.Permit, error) { return tx.PendingReviewAfter(at, id, limit) }))
	}
	t0 := time.Date(2027, 10, 27, 10, 0, 0, 0, time.UTC)
	require.Equal(t, []string{"per-3", "per-1", "per-2", "per-5"}, page(time.Time{}, "", 10), "from the start")
	require.Equal(t, []string{"per-3", "per-1"}, page(time.Time{}, "", 2))
	require.Equal(t, []string{"per-2", "per-5"}, page(t0.Add(time.Hour), "per-1", 10), "ties broken by ID")
	require.Equal(t, []string{"per-1", "per-2", "per-5"}, page(t0, "per-3", 10))
	require.Equal(t, []string{"per-1", "per-2", "per-5"}, page(t0.Add(time.Minute), "zzz", 10), "a place between items")
	require.Equal(t, []string{"per-5"}, page(t0.Add(2*time.Hour), "per-9", 10), "microseconds count")
	require.Empty(t, page(t0.Add(3*time.Hour), "", 10))
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.PendingReviewAfter(t0, "", 0)
		require.ErrorIs(t, err, permit.ErrValidation)
		return nil
	})
}

func testPendingAddressChangesAfter(t *testing.T, s suite) {
	st := s.store(t)
	queueFixture(t, st)
	page := func(at time.Time, id string, limit int) []string {
		cs := read(t, st, func(tx permit.ReadTx) ([]permit.AddressChange, error) {
			return tx.PendingAddressChangesAfter(at, id, limit)
		})
		return changeIDs(cs)
	}
	t0 := time.Date(2027, 10, 27, 10, 0, 0, 0, time.UTC)
	require.Equal(t, []string{"ac-2", "ac-1", "ac-3"}, page(time.Time{}, "", 10))
	require.Equal(t, []string{"ac-1", "ac-3"}, page(t0, "ac-2", 10))
	require.Equal(t, []string{"ac-3"}, page(t0.Add(time.Hour), "ac-1", 10))
	require.Equal(t, []string{"ac-1"}, page(t0, "ac-2", 1))
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.PendingAddressChangesAfter(t0, "", 0)
		require.ErrorIs(t, err, permit.ErrValidation)
		return nil
	})
}

func testLastEventID(t *testing.T, s suite) {
	st := s.store(t)
	last := func() string { return read(t, st, func(tx permit.ReadTx) (string, error) { return tx.LastEventID() }) }
	require.Equal(t, "", last(), "an empty feed")
	appendEvents(t, st, event(1), event(2), event(3))
	evs := allEvents(t, st, 10)
	require.Len(t, evs, 3)
	require.Equal(t, evs[2].ID, last())
	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, tx.AppendEvent(event(4)))
		id, err := tx.LastEventID()
		require.NoError(t, err)
		require.Equal(t, evs[2].ID, id, "an event not yet committed is not in the feed")
		return nil
	})
	require.Greater(t, last(), evs[2].ID)
}
