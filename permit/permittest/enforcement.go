package permittest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// An enforcement look-up finds a vehicle's permits by the registration on
// them or on their scheduled change, whatever their state; the domain
// decides which of them count.
var enforcementTests = []namedTest{
	{"PermitsByVRM", testPermitsByVRM},
	{"PermitsByVRMSeesOwnWrites", testPermitsByVRMOwnWrites},
}

// The due jobs flag a review-deadline breach once: the candidates are
// those still pending and not yet flagged, and a flag is stored like any
// other field.
var overdueTests = []namedTest{
	{"ReviewsOverdueBefore", testReviewsOverdueBefore},
	{"AddressChangesOverdueOn", testAddressChangesOverdueOn},
	{"FlagLeavesTheCandidates", testOverdueFlagLeavesCandidates},
	{"PermitsVehicleUnchecked", testPermitsVehicleUnchecked},
}

// testPermitsVehicleUnchecked: the due jobs ask the register of vehicles
// again about exactly the permits whose check is unanswered, by ID, and a
// permit leaves them when its answer is stored.
func testPermitsVehicleUnchecked(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	at := time.Date(2027, time.October, 2, 9, 0, 0, 0, time.UTC)
	mk := func(id string, outcome permit.VehicleCheckOutcome, status permit.Status) permit.Permit {
		p := NewPermit(id, a)
		p.Status = status
		if outcome != "" {
			p.RegisterCheck = &permit.RegisterCheck{VRM: p.VRM, Outcome: outcome, CheckedAt: at, Attempts: 1}
		}
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("u-b", permit.VehicleUnchecked, permit.PendingReview),
		mk("u-a", permit.VehicleUnchecked, permit.Approved),
		mk("u-rejected", permit.VehicleUnchecked, permit.Rejected),
		mk("found", permit.VehicleFound, permit.PendingReview),
		mk("not-found", permit.VehicleNotFound, permit.PendingReview),
		mk("none", "", permit.PendingReview),
	)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsVehicleUnchecked()
		require.NoError(t, err)
		require.Equal(t, []string{"u-a", "u-b", "u-rejected"}, ids(ps), "every unanswered check, in any state, by ID")
		require.Equal(t, 1, ps[0].RegisterCheck.Attempts)
		return nil
	})
	update(t, st, func(tx permit.Tx) error {
		p, err := tx.Permit("u-b")
		require.NoError(t, err)
		p.RegisterCheck = &permit.RegisterCheck{VRM: p.VRM, Outcome: permit.VehicleFound, CheckedAt: at.Add(time.Hour)}
		require.NoError(t, tx.UpdatePermit(p))
		ps, err := tx.PermitsVehicleUnchecked()
		require.NoError(t, err)
		require.Equal(t, []string{"u-a", "u-rejected"}, ids(ps), "its own write seen")
		return nil
	})
}

// vrmFixture stores permits of two accounts under registrations AB12CDE,
// XY99ZZZ and CD34EFG, current and scheduled, in several states.
func vrmFixture(t *testing.T, st permit.Store) {
	a, b := NewAccount("acc-a", testUPRN), NewAccount("acc-b", otherUPRN)
	mk := func(id string, acc permit.Account, vrm permit.VRM, status permit.Status, change permit.VRM) permit.Permit {
		p := NewPermit(id, acc)
		p.VRM, p.Status = vrm, status
		if change != "" {
			p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-" + id, VRM: change, EffectiveOn: date(2028, time.March, 26),
				RequestedAt: fixtureCreatedAt, RequestedBy: "account:" + acc.ID}
		}
		return p
	}
	seed(t, st, []permit.Account{a, b},
		mk("p-5", a, "AB12CDE", permit.Approved, "AB12CDE"), // a change to the same registration: listed once
		mk("p-1", a, "AB12CDE", permit.Approved, ""),
		mk("p-2", b, "AB12CDE", permit.Cancelled, ""),
		mk("p-3", b, "XY99ZZZ", permit.Approved, "AB12CDE"),
		mk("p-4", a, "CD34EFG", permit.PendingReview, ""),
		mk("p-6", b, "CD34EFG", permit.Rejected, "XY99ZZZ"),
	)
}

// errRollback makes a transaction fail on purpose.
var errRollback = errors.New("permittest: rolled back on purpose")

func permitsByVRM(t *testing.T, tx permit.ReadTx, vrm permit.VRM) []string {
	t.Helper()
	ps, err := tx.PermitsByVRM(vrm)
	require.NoError(t, err)
	require.NotNil(t, ps, "no permits is an empty slice")
	return ids(ps)
}

func testPermitsByVRM(t *testing.T, s suite) {
	st := s.store(t)
	vrmFixture(t, st)
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			vrm  permit.VRM
			want []string
		}{
			{"AB12CDE", []string{"p-1", "p-2", "p-3", "p-5"}},
			{"XY99ZZZ", []string{"p-3", "p-6"}},
			{"CD34EFG", []string{"p-4", "p-6"}},
			{"ZZ99ZZZ", []string{}},
			{"ab12cde", []string{}}, // registrations are stored canonical; the store compares exactly
		} {
			require.Equal(t, tc.want, permitsByVRM(t, tx, tc.vrm), "permits of %s", tc.vrm)
		}
		ps, err := tx.PermitsByVRM("XY99ZZZ")
		require.NoError(t, err)
		want := NewPermit("p-3", NewAccount("acc-b", otherUPRN))
		want.VRM, want.Version = "XY99ZZZ", 1
		want.PendingVehicleChange = &permit.VehicleChange{ID: "vc-p-3", VRM: "AB12CDE", EffectiveOn: date(2028, time.March, 26),
			RequestedAt: fixtureCreatedAt, RequestedBy: "account:acc-b"}
		requirePermit(t, want, ps[0])
		return nil
	})
	// A store's look-up outside a transaction answers as its ReadTx does.
	if vl, ok := st.(permit.VehicleLookup); ok {
		for vrm, want := range map[permit.VRM][]string{"AB12CDE": {"p-1", "p-2", "p-3", "p-5"}, "XY99ZZZ": {"p-3", "p-6"}, "ZZ99ZZZ": {}} {
			ps, err := vl.PermitsByVRM(t.Context(), vrm)
			require.NoError(t, err)
			require.NotNil(t, ps, "no permits is an empty slice")
			require.Equal(t, want, ids(ps), "VehicleLookup: permits of %s", vrm)
		}
	}
}

func testPermitsByVRMOwnWrites(t *testing.T, s suite) {
	st := s.store(t)
	vrmFixture(t, st)
	update(t, st, func(tx permit.Tx) error {
		// p-3's scheduled change takes effect; p-4 schedules one to AB12CDE;
		// p-6's is withdrawn.
		p3, err := tx.Permit("p-3")
		require.NoError(t, err)
		p3.VRM, p3.PendingVehicleChange = p3.PendingVehicleChange.VRM, nil
		require.NoError(t, tx.UpdatePermit(p3))
		p4, err := tx.Permit("p-4")
		require.NoError(t, err)
		p4.PendingVehicleChange = &permit.VehicleChange{ID: "vc-p-4", VRM: "AB12CDE", EffectiveOn: date(2028, time.April, 1), RequestedAt: fixtureCreatedAt}
		require.NoError(t, tx.UpdatePermit(p4))
		p6, err := tx.Permit("p-6")
		require.NoError(t, err)
		p6.PendingVehicleChange = nil
		require.NoError(t, tx.UpdatePermit(p6))

		require.Equal(t, []string{"p-1", "p-2", "p-3", "p-4", "p-5"}, permitsByVRM(t, tx, "AB12CDE"), "reads see the transaction's writes")
		require.Equal(t, []string{}, permitsByVRM(t, tx, "XY99ZZZ"))
		require.Equal(t, []string{"p-4", "p-6"}, permitsByVRM(t, tx, "CD34EFG"))
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		require.Equal(t, []string{"p-1", "p-2", "p-3", "p-4", "p-5"}, permitsByVRM(t, tx, "AB12CDE"))
		require.Equal(t, []string{}, permitsByVRM(t, tx, "XY99ZZZ"))
		require.Equal(t, []string{"p-4", "p-6"}, permitsByVRM(t, tx, "CD34EFG"))
		return nil
	})
	// A transaction that fails leaves the registrations as they were.
	require.Error(t, st.Update(t.Context(), func(tx permit.Tx) error {
		p1, err := tx.Permit("p-1")
		require.NoError(t, err)
		p1.VRM = "ZZ99ZZZ"
		require.NoError(t, tx.UpdatePermit(p1))
		return errRollback
	}))
	view(t, st, func(tx permit.ReadTx) error {
		require.Equal(t, []string{}, permitsByVRM(t, tx, "ZZ99ZZZ"))
		require.Contains(t, permitsByVRM(t, tx, "AB12CDE"), "p-1")
		return nil
	})
}

func testReviewsOverdueBefore(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	cutoff := time.Date(2028, time.March, 27, 0, 0, 0, 0, loc) // 26 March 23:00 UTC, the day after clocks go forward
	a := NewAccount("acc-1", testUPRN)
	mk := func(id string, status permit.Status, created time.Time, flagged time.Time) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.CreatedAt, p.UpdatedAt, p.ReviewOverdueOn = status, created, created, flagged
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("r-mid", permit.PendingReview, cutoff.Add(-time.Hour), time.Time{}),
		mk("r-old-b", permit.PendingReview, cutoff.AddDate(0, 0, -20), time.Time{}),
		mk("r-old-a", permit.PendingReview, cutoff.AddDate(0, 0, -20), time.Time{}),
		mk("r-just-before", permit.PendingReview, cutoff.Add(-time.Microsecond), time.Time{}),
		mk("r-at", permit.PendingReview, cutoff, time.Time{}),
		mk("r-after", permit.PendingReview, cutoff.Add(time.Hour), time.Time{}),
		mk("r-flagged", permit.PendingReview, cutoff.AddDate(0, 0, -30), date(2028, time.March, 1)),
		mk("r-approved", permit.Approved, cutoff.AddDate(0, 0, -30), time.Time{}),
		mk("r-awaiting", permit.AwaitingPayment, cutoff.AddDate(0, 0, -30), time.Time{}),
		mk("r-rejected", permit.Rejected, cutoff.AddDate(0, 0, -30), time.Time{}),
	)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.ReviewsOverdueBefore(cutoff)
		require.NoError(t, err)
		require.Equal(t, []string{"r-old-a", "r-old-b", "r-mid", "r-just-before"}, ids(ps), "strictly before the instant, oldest first")
		ps, err = tx.ReviewsOverdueBefore(cutoff.UTC()) // the same instant written in UTC
		require.NoError(t, err)
		require.Len(t, ps, 4)
		ps, err = tx.ReviewsOverdueBefore(cutoff.AddDate(0, 0, -40))
		require.NoError(t, err)
		require.Empty(t, ps)
		return nil
	})
}

func testAddressChangesOverdueOn(t *testing.T, s suite) {
	st := s.store(t)
	on := date(2028, time.February, 29)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	mk := func(id string, status permit.AddressChangeStatus, due time.Time, created time.Time, flagged time.Time) permit.AddressChange {
		c := NewAddressChange(id, a, otherUPRN)
		c.Status, c.DueOn, c.CreatedAt, c.ReviewOverdueOn = status, due, created, flagged
		return c
	}
	update(t, st, func(tx permit.Tx) error {
		for _, c := range []permit.AddressChange{
			mk("c-late", permit.AddressChangePending, date(2028, time.February, 28), fixtureCreatedAt.AddDate(0, 3, 0), time.Time{}),
			mk("c-early-b", permit.AddressChangePending, date(2028, time.February, 1), fixtureCreatedAt, time.Time{}),
			mk("c-early-a", permit.AddressChangePending, date(2028, time.February, 1), fixtureCreatedAt, time.Time{}),
			mk("c-due-today", permit.AddressChangePending, on, fixtureCreatedAt, time.Time{}),
			mk("c-due-later", permit.AddressChangePending, date(2028, time.March, 1), fixtureCreatedAt, time.Time{}),
			mk("c-flagged", permit.AddressChangePending, date(2028, time.January, 1), fixtureCreatedAt, date(2028, time.January, 2)),
			mk("c-approved", permit.AddressChangeApproved, date(2028, time.January, 1), fixtureCreatedAt, time.Time{}),
			mk("c-rejected", permit.AddressChangeRejected, date(2028, time.January, 1), fixtureCreatedAt, time.Time{}),
		} {
			if err := tx.CreateAddressChange(c); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		cs, err := tx.AddressChangesOverdueOn(on)
		require.NoError(t, err)
		require.Equal(t, []string{"c-early-a", "c-early-b", "c-late"}, changeIDs(cs), "due strictly before the date, oldest first")
		cs, err = tx.AddressChangesOverdueOn(date(2028, time.February, 1))
		require.NoError(t, err)
		require.Empty(t, cs)
		return nil
	})
}

func testOverdueFlagLeavesCandidates(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	p := NewPermit("p-1", a)
	p.Status = permit.PendingReview
	seed(t, st, []permit.Account{a}, p)
	c := NewAddressChange("c-1", a, otherUPRN)
	update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(c) })
	later, on := fixtureCreatedAt.AddDate(0, 1, 0), c.DueOn.AddDate(0, 0, 1)

	update(t, st, func(tx permit.Tx) error {
		ps, err := tx.ReviewsOverdueBefore(later)
		require.NoError(t, err)
		require.Equal(t, []string{"p-1"}, ids(ps))
		cs, err := tx.AddressChangesOverdueOn(on)
		require.NoError(t, err)
		require.Equal(t, []string{"c-1"}, changeIDs(cs))

		ps[0].ReviewOverdueOn = date(2027, time.November, 20)
		require.NoError(t, tx.UpdatePermit(ps[0]))
		cs[0].ReviewOverdueOn = on
		require.NoError(t, tx.UpdateAddressChange(cs[0]))

		ps, err = tx.ReviewsOverdueBefore(later)
		require.NoError(t, err)
		require.Empty(t, ps, "a flagged permit is no longer a candidate, within the transaction")
		cs, err = tx.AddressChangesOverdueOn(on)
		require.NoError(t, err)
		require.Empty(t, cs)
		return nil
	})
	require.Equal(t, date(2027, time.November, 20), getPermit(t, st, "p-1").ReviewOverdueOn)
	require.Equal(t, on, getAddressChange(t, st, "c-1").ReviewOverdueOn)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.ReviewsOverdueBefore(later)
		require.NoError(t, err)
		require.Empty(t, ps)
		cs, err := tx.AddressChangesOverdueOn(on)
		require.NoError(t, err)
		require.Empty(t, cs)
		return nil
	})
}
