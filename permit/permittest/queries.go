package permittest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Orders are by instant, not by wall-clock reading, and ties break by ID so
// that every listing is deterministic. A limit below 1 is a caller's bug
// and wraps ErrValidation.
var queryTests = []namedTest{
	{"PermitsOfAccountNewestFirst", testPermitsOfAccount},
	{"PermitsAtProperty", testPermitsAtProperty},
	{"PermitsAtPropertyOrOfAccountOnceInIDOrder", testPermitsAtPropertyOrOfAccount},
	{"AccountsAtProperty", testAccountsAtProperty},
	{"PermitsExpiringBetween", testExpiringBetween},
	{"VehicleChangesDue", testVehicleChangesDue},
	{"PermitsAwaitingPaymentSince", testAwaitingPayment},
	{"PendingReviewOldestFirst", testPendingReview},
	{"PendingAddressChangesOldestFirst", testPendingAddressChanges},
	{"AddressChangesOfAccountNewestFirst", testAddressChangesOfAccount},
}

func testPermitsOfAccount(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	a, b := NewAccount("acc-a", testUPRN), NewAccount("acc-b", testUPRN)
	at := func(id string, created time.Time) permit.Permit {
		p := NewPermit(id, a)
		p.CreatedAt = created
		return p
	}
	// p-late-wall reads 02:10 on the day clocks go forward, which is 01:10
	// UTC: earlier than p-utc at 01:30 UTC.
	p1 := at("p-1", time.Date(2027, time.November, 1, 9, 0, 0, 0, time.UTC))
	seed(t, st, []permit.Account{a, b},
		p1,
		at("p-late-wall", time.Date(2028, time.March, 26, 2, 10, 0, 0, loc)),
		at("p-utc", time.Date(2028, time.March, 26, 1, 30, 0, 0, time.UTC)),
		at("p-tie-a", time.Date(2028, time.June, 1, 12, 0, 0, 0, time.UTC)),
		at("p-tie-b", time.Date(2028, time.June, 1, 13, 0, 0, 0, loc)),
		NewPermit("p-other", b),
	)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsOfAccount("acc-a")
		require.NoError(t, err)
		require.Equal(t, []string{"p-tie-b", "p-tie-a", "p-utc", "p-late-wall", "p-1"}, ids(ps))
		p1.Version = 1
		requirePermit(t, p1, ps[4])

		ps, err = tx.PermitsOfAccount("acc-missing")
		require.NoError(t, err, "an account without permits is not an error")
		require.Empty(t, ps)
		return nil
	})
}

func testPermitsAtProperty(t *testing.T, s suite) {
	st := s.store(t)
	a, b, c := NewAccount("acc-a", testUPRN), NewAccount("acc-b", testUPRN), NewAccount("acc-c", otherUPRN)
	elsewhere := NewPermit("p-a-elsewhere", a)
	elsewhere.UPRN = thirdUPRN // a permit is at its own UPRN, not its account's
	seed(t, st, []permit.Account{a, b, c},
		NewPermit("p-a", a), NewPermit("p-b1", b), NewPermit("p-b2", b), NewPermit("p-c", c), elsewhere)
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			uprn zones.UPRN
			want []string
		}{
			{testUPRN, []string{"p-a", "p-b1", "p-b2"}},
			{otherUPRN, []string{"p-c"}},
			{thirdUPRN, []string{"p-a-elsewhere"}},
			{999, nil},
		} {
			ps, err := tx.PermitsAtProperty(tc.uprn)
			require.NoError(t, err)
			require.ElementsMatch(t, tc.want, ids(ps), "permits at %d", tc.uprn)
		}
		return nil
	})
	// A permit that moves with its holder leaves the old property's list.
	update(t, st, func(tx permit.Tx) error {
		p, err := tx.Permit("p-b2")
		require.NoError(t, err)
		p.UPRN = otherUPRN
		return tx.UpdatePermit(p)
	})
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsAtProperty(testUPRN)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"p-a", "p-b1"}, ids(ps))
		ps, err = tx.PermitsAtProperty(otherUPRN)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"p-c", "p-b2"}, ids(ps))
		return nil
	})
}

func testPermitsAtPropertyOrOfAccount(t *testing.T, s suite) {
	st := s.store(t)
	a, b, c := NewAccount("acc-a", testUPRN), NewAccount("acc-b", testUPRN), NewAccount("acc-c", otherUPRN)
	elsewhere := NewPermit("p-a-elsewhere", a)
	elsewhere.UPRN = thirdUPRN // the account's, though at another property
	seed(t, st, []permit.Account{a, b, c},
		NewPermit("p-b2", b), NewPermit("p-a", a), NewPermit("p-b1", b), NewPermit("p-c", c), elsewhere)
	counting := func(tx permit.ReadTx, uprn zones.UPRN, accountID string) []string {
		ps, err := tx.PermitsAtPropertyOrOfAccount(uprn, accountID)
		require.NoError(t, err)
		require.NotNil(t, ps, "none is an empty slice")
		return ids(ps)
	}
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			uprn    zones.UPRN
			account string
			want    []string
		}{
			// A permit both at the property and of the account comes once.
			{testUPRN, "acc-a", []string{"p-a", "p-a-elsewhere", "p-b1", "p-b2"}},
			{testUPRN, "acc-c", []string{"p-a", "p-b1", "p-b2", "p-c"}},
			{otherUPRN, "acc-b", []string{"p-b1", "p-b2", "p-c"}},
			{999, "acc-a", []string{"p-a", "p-a-elsewhere"}},
			{thirdUPRN, "acc-missing", []string{"p-a-elsewhere"}},
			{999, "acc-missing", []string{}},
		} {
			require.Equal(t, tc.want, counting(tx, tc.uprn, tc.account), "at %d or of %s", tc.uprn, tc.account)
		}
		return nil
	})
	// Inside a transaction the list follows its own writes: a permit moved
	// away and a new one at the property.
	update(t, st, func(tx permit.Tx) error {
		p, err := tx.Permit("p-b2")
		require.NoError(t, err)
		p.UPRN = otherUPRN
		require.NoError(t, tx.UpdatePermit(p))
		require.NoError(t, tx.CreatePermit(NewPermit("p-0", c)))
		p0, err := tx.Permit("p-0")
		require.NoError(t, err)
		p0.UPRN = testUPRN
		require.NoError(t, tx.UpdatePermit(p0))
		require.Equal(t, []string{"p-0", "p-a", "p-b1"}, counting(tx, testUPRN, "acc-missing"))
		return nil
	})
}

func testAccountsAtProperty(t *testing.T, s suite) {
	st := s.store(t)
	seed(t, st, []permit.Account{NewAccount("acc-a", testUPRN), NewAccount("acc-b", testUPRN), NewAccount("acc-c", otherUPRN)})
	accountsAt := func(u zones.UPRN) []string {
		var got []string
		view(t, st, func(tx permit.ReadTx) error {
			as, err := tx.AccountsAtProperty(u)
			got = accountIDs(as)
			return err
		})
		return got
	}
	require.ElementsMatch(t, []string{"acc-a", "acc-b"}, accountsAt(testUPRN))
	require.ElementsMatch(t, []string{"acc-c"}, accountsAt(otherUPRN))
	require.Empty(t, accountsAt(thirdUPRN))

	update(t, st, func(tx permit.Tx) error {
		a, err := tx.Account("acc-a")
		require.NoError(t, err)
		a.UPRN = thirdUPRN
		return tx.UpdateAccount(a)
	})
	require.ElementsMatch(t, []string{"acc-b"}, accountsAt(testUPRN))
	require.ElementsMatch(t, []string{"acc-a"}, accountsAt(thirdUPRN))
}

func testExpiringBetween(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	mk := func(id string, status permit.Status, expires time.Time, renewedBy string) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.ExpiresOn, p.RenewedBy = status, expires, renewedBy
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("e-day-before", permit.Approved, date(2028, time.February, 28), ""),
		mk("e-from", permit.Approved, date(2028, time.February, 29), ""),
		mk("e-mid", permit.Approved, date(2028, time.March, 26), ""),
		mk("e-mid-0", permit.Approved, date(2028, time.March, 26), ""),
		mk("e-to", permit.Approved, date(2028, time.March, 27), ""),
		mk("e-day-after", permit.Approved, date(2028, time.March, 28), ""),
		mk("e-renewed", permit.Approved, date(2028, time.March, 26), "e-renewal"),
		mk("e-pending", permit.PendingReview, date(2028, time.March, 26), ""),
		mk("e-cancelled", permit.Cancelled, date(2028, time.March, 26), ""),
		mk("e-awaiting", permit.AwaitingPayment, date(2028, time.March, 26), ""),
	)
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"inclusive both ends", date(2028, time.February, 29), date(2028, time.March, 27), []string{"e-from", "e-mid", "e-mid-0", "e-to"}},
			{"one day", date(2028, time.March, 26), date(2028, time.March, 26), []string{"e-mid", "e-mid-0"}},
			{"nothing", date(2028, time.April, 1), date(2028, time.April, 30), nil},
		} {
			ps, err := tx.PermitsExpiringBetween(tc.from, tc.to)
			require.NoError(t, err)
			require.Equal(t, tc.want, nilIfEmpty(ids(ps)), tc.name)
		}
		return nil
	})
}

func testVehicleChangesDue(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	mk := func(id string, effective time.Time) permit.Permit {
		p := NewPermit(id, a)
		if !effective.IsZero() {
			p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-" + id, VRM: "CD34EFG", EffectiveOn: effective, RequestedAt: fixtureCreatedAt, RequestedBy: "account:acc-1"}
		}
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("v-on-b", date(2028, time.March, 26)),
		mk("v-before", date(2028, time.March, 25)),
		mk("v-on-a", date(2028, time.March, 26)),
		mk("v-after", date(2028, time.March, 27)),
		mk("v-none", time.Time{}),
	)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.VehicleChangesDue(date(2028, time.March, 26))
		require.NoError(t, err)
		require.Equal(t, []string{"v-before", "v-on-a", "v-on-b"}, ids(ps))
		require.Equal(t, permit.VRM("CD34EFG"), ps[0].PendingVehicleChange.VRM)
		ps, err = tx.VehicleChangesDue(date(2028, time.March, 24))
		require.NoError(t, err)
		require.Empty(t, ps)
		return nil
	})
}

func testAwaitingPayment(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	a := NewAccount("acc-1", testUPRN)
	cutoff := time.Date(2028, time.March, 26, 2, 30, 0, 0, loc) // 01:30 UTC
	mk := func(id string, status permit.Status, created time.Time) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.CreatedAt, p.Payment = status, created, nil
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("a-at", permit.AwaitingPayment, cutoff.UTC()),
		mk("a-just-before", permit.AwaitingPayment, cutoff.Add(-time.Microsecond)),
		mk("a-just-after", permit.AwaitingPayment, cutoff.Add(time.Microsecond)),
		mk("a-old-b", permit.AwaitingPayment, cutoff.Add(-time.Hour)),
		mk("a-old-a", permit.AwaitingPayment, cutoff.Add(-time.Hour).In(time.UTC)),
		mk("a-paid", permit.PendingReview, cutoff.Add(-2*time.Hour)),
		mk("a-withdrawn", permit.Withdrawn, cutoff.Add(-2*time.Hour)),
	)
	view(t, st, func(tx permit.ReadTx) error {
		ps, err := tx.PermitsAwaitingPaymentSince(cutoff)
		require.NoError(t, err)
		require.Equal(t, []string{"a-old-a", "a-old-b", "a-just-before", "a-at"}, ids(ps))
		ps, err = tx.PermitsAwaitingPaymentSince(cutoff.Add(-3 * time.Hour))
		require.NoError(t, err)
		require.Empty(t, ps)
		return nil
	})
}

func testPendingReview(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	base := time.Date(2028, time.March, 1, 9, 0, 0, 0, time.UTC)
	mk := func(id string, status permit.Status, created time.Time) permit.Permit {
		p := NewPermit(id, a)
		p.Status, p.CreatedAt = status, created
		return p
	}
	seed(t, st, []permit.Account{a},
		mk("r-3", permit.PendingReview, base.Add(2*time.Hour)),
		mk("r-2b", permit.PendingReview, base.Add(time.Hour)),
		mk("r-1", permit.PendingReview, base),
		mk("r-2a", permit.PendingReview, base.Add(time.Hour)),
		mk("r-approved", permit.Approved, base.Add(-time.Hour)),
		mk("r-awaiting", permit.AwaitingPayment, base.Add(-time.Hour)),
		mk("r-rejected", permit.Rejected, base.Add(-time.Hour)),
	)
	view(t, st, func(tx permit.ReadTx) error {
		for _, tc := range []struct {
			limit int
			want  []string
		}{
			{1, []string{"r-1"}},
			{3, []string{"r-1", "r-2a", "r-2b"}},
			{4, []string{"r-1", "r-2a", "r-2b", "r-3"}},
			{100, []string{"r-1", "r-2a", "r-2b", "r-3"}},
		} {
			ps, err := tx.PendingReview(tc.limit)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(ps), "limit %d", tc.limit)
		}
		for _, limit := range []int{0, -1} {
			_, err := tx.PendingReview(limit)
			require.ErrorIs(t, err, permit.ErrValidation, "limit %d", limit)
		}
		return nil
	})
}

func testPendingAddressChanges(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	base := time.Date(2028, time.March, 1, 9, 0, 0, 0, time.UTC)
	mk := func(id string, status permit.AddressChangeStatus, created time.Time) permit.AddressChange {
		c := NewAddressChange(id, a, otherUPRN)
		c.Status, c.CreatedAt = status, created
		return c
	}
	update(t, st, func(tx permit.Tx) error {
		for _, c := range []permit.AddressChange{
			mk("c-2b", permit.AddressChangePending, base.Add(time.Hour)),
			mk("c-3", permit.AddressChangePending, base.Add(2*time.Hour)),
			mk("c-1", permit.AddressChangePending, base),
			mk("c-2a", permit.AddressChangePending, base.Add(time.Hour)),
			mk("c-approved", permit.AddressChangeApproved, base.Add(-time.Hour)),
			mk("c-rejected", permit.AddressChangeRejected, base.Add(-time.Hour)),
		} {
			if err := tx.CreateAddressChange(c); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		cs, err := tx.PendingAddressChanges(2)
		require.NoError(t, err)
		require.Equal(t, []string{"c-1", "c-2a"}, changeIDs(cs))
		cs, err = tx.PendingAddressChanges(10)
		require.NoError(t, err)
		require.Equal(t, []string{"c-1", "c-2a", "c-2b", "c-3"}, changeIDs(cs))
		_, err = tx.PendingAddressChanges(0)
		require.ErrorIs(t, err, permit.ErrValidation)
		return nil
	})
	// A decided change leaves the queue.
	update(t, st, func(tx permit.Tx) error {
		c, err := tx.AddressChange("c-1")
		require.NoError(t, err)
		c.Status = permit.AddressChangeApproved
		return tx.UpdateAddressChange(c)
	})
	view(t, st, func(tx permit.ReadTx) error {
		cs, err := tx.PendingAddressChanges(10)
		require.NoError(t, err)
		require.Equal(t, []string{"c-2a", "c-2b", "c-3"}, changeIDs(cs))
		return nil
	})
}

// testAddressChangesOfAccount: every change of one account, whatever its
// status, newest first, its own writes included; none is an empty slice.
func testAddressChangesOfAccount(t *testing.T, s suite) {
	st := s.store(t)
	a, b := NewAccount("acc-a", testUPRN), NewAccount("acc-b", testUPRN)
	seed(t, st, []permit.Account{a, b})
	base := time.Date(2028, time.March, 1, 9, 0, 0, 0, time.UTC)
	mk := func(id string, acc permit.Account, status permit.AddressChangeStatus, created time.Time) permit.AddressChange {
		c := NewAddressChange(id, acc, otherUPRN)
		c.Status, c.CreatedAt = status, created
		return c
	}
	update(t, st, func(tx permit.Tx) error {
		for _, c := range []permit.AddressChange{
			mk("c-old", a, permit.AddressChangeRejected, base),
			mk("c-2a", a, permit.AddressChangeApproved, base.Add(time.Hour)),
			mk("c-2b", a, permit.AddressChangePending, base.Add(time.Hour)),
			mk("c-other", b, permit.AddressChangePending, base.Add(2*time.Hour)),
		} {
			if err := tx.CreateAddressChange(c); err != nil {
				return err
			}
		}
		cs, err := tx.AddressChangesOfAccount(a.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"c-2b", "c-2a", "c-old"}, changeIDs(cs), "the transaction's own writes")
		return nil
	})
	view(t, st, func(tx permit.ReadTx) error {
		cs, err := tx.AddressChangesOfAccount(a.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"c-2b", "c-2a", "c-old"}, changeIDs(cs))
		require.Equal(t, permit.AddressChangePending, cs[0].Status)
		cs, err = tx.AddressChangesOfAccount("acc-none")
		require.NoError(t, err)
		require.NotNil(t, cs)
		require.Empty(t, cs)
		return nil
	})
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
