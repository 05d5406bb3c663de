package permittest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// record describes one kind of stored record (account, permit, address
// change) so that the create/read/update rules are tested alike for all.
type record[T any] struct {
	prepare    func(t *testing.T, st permit.Store) // stores what a record needs (its account)
	new        func(id string) T
	create     func(tx permit.Tx, v T) error
	update     func(tx permit.Tx, v T) error
	get        func(tx permit.ReadTx, id string) (T, error)
	version    func(v T) int
	setVersion func(v *T, n int)
	edit       func(v *T, n int) // a visible change, different for each n
	require    func(t *testing.T, want, got T)
}

const (
	testUPRN  zones.UPRN = 100030000001
	otherUPRN zones.UPRN = 100030000002
	thirdUPRN zones.UPRN = 100030000003
)

var accountRecord = record[permit.Account]{
	prepare:    func(*testing.T, permit.Store) {},
	new:        func(id string) permit.Account { return NewAccount(id, testUPRN) },
	create:     permit.Tx.CreateAccount,
	update:     permit.Tx.UpdateAccount,
	get:        permit.ReadTx.Account,
	version:    func(a permit.Account) int { return a.Version },
	setVersion: func(a *permit.Account, n int) { a.Version = n },
	edit: func(a *permit.Account, n int) {
		a.Name = fmt.Sprintf("Renamed %d", n)
		a.Email = fmt.Sprintf("renamed%d@example.org", n)
		a.UPRN = zones.UPRN(200000000000 + n)
		a.UpdatedAt = a.UpdatedAt.Add(1e9)
	},
	require: requireAccount,
}

var permitRecord = record[permit.Permit]{
	prepare: func(t *testing.T, st permit.Store) { seed(t, st, []permit.Account{NewAccount("acc-1", testUPRN)}) },
	new:     func(id string) permit.Permit { return NewPermit(id, NewAccount("acc-1", testUPRN)) },
	create:  permit.Tx.CreatePermit,
	update:  permit.Tx.UpdatePermit,
	get:     permit.ReadTx.Permit,
	version: func(p permit.Permit) int { return p.Version },
	setVersion: func(p *permit.Permit, n int) {
		p.Version = n
	},
	edit: func(p *permit.Permit, n int) {
		p.VRM = permit.VRM(fmt.Sprintf("XY%02dZZZ", n))
		p.RemindersSent = append(p.RemindersSent, n)
		p.UpdatedAt = p.UpdatedAt.Add(1e9)
	},
	require: requirePermit,
}

var addressChangeRecord = record[permit.AddressChange]{
	prepare: func(t *testing.T, st permit.Store) { seed(t, st, []permit.Account{NewAccount("acc-1", testUPRN)}) },
	new: func(id string) permit.AddressChange {
		return NewAddressChange(id, NewAccount("acc-1", testUPRN), otherUPRN)
	},
	create:     permit.Tx.CreateAddressChange,
	update:     permit.Tx.UpdateAddressChange,
	get:        permit.ReadTx.AddressChange,
	version:    func(c permit.AddressChange) int { return c.Version },
	setVersion: func(c *permit.AddressChange, n int) { c.Version = n },
	edit: func(c *permit.AddressChange, n int) {
		c.ToAddress = fmt.Sprintf("%d New Road", n)
		c.Status = permit.AddressChangeRejected
		c.Rejection = &permit.Rejection{Code: "proof_unclear", Reason: fmt.Sprintf("attempt %d", n)}
	},
	require: requireAddressChange,
}

var (
	accountTests       = recordTests(accountRecord)
	addressChangeTests = recordTests(addressChangeRecord)
	permitTests        = append(recordTests(permitRecord),
		namedTest{"CreateWithoutAccountIsNotFound", testPermitWithoutAccount},
		namedTest{"CreateAfterAccountInSameTransaction", testPermitAccountSameTx},
	)
)

func recordTests[T any](r record[T]) []namedTest {
	return []namedTest{
		{"CreateThenGet", r.testCreateThenGet},
		{"DuplicateIDIsConflict", r.testDuplicate},
		{"UpdateIncrementsVersion", r.testUpdate},
		{"StaleVersionIsConflictAndChangesNothing", r.testStale},
		{"MissingIsNotFound", r.testNotFound},
	}
}

func (r record[T]) testCreateThenGet(t *testing.T, s suite) {
	st := s.store(t)
	r.prepare(t, st)
	want := r.new("rec-1")
	given := want
	r.setVersion(&given, 7) // the store assigns Version 1 whatever it is given
	update(t, st, func(tx permit.Tx) error {
		if err := r.create(tx, given); err != nil {
			return err
		}
		got, err := r.get(tx, "rec-1")
		require.NoError(t, err, "reading a record created in the same transaction")
		require.Equal(t, 1, r.version(got))
		return nil
	})
	var got T
	view(t, st, func(tx permit.ReadTx) error {
		var err error
		got, err = r.get(tx, "rec-1")
		return err
	})
	r.setVersion(&want, 1)
	r.require(t, want, got)
}

func (r record[T]) testDuplicate(t *testing.T, s suite) {
	st := s.store(t)
	r.prepare(t, st)
	first := r.new("rec-1")
	update(t, st, func(tx permit.Tx) error { return r.create(tx, first) })

	second := r.new("rec-1")
	r.edit(&second, 1)
	err := st.Update(t.Context(), func(tx permit.Tx) error { return r.create(tx, second) })
	require.ErrorIs(t, err, permit.ErrConflict, "creating an ID already committed")

	update(t, st, func(tx permit.Tx) error {
		require.NoError(t, r.create(tx, r.new("rec-2")))
		require.ErrorIs(t, r.create(tx, second), permit.ErrConflict, "creating an ID already committed")
		require.ErrorIs(t, r.create(tx, r.new("rec-2")), permit.ErrConflict, "creating an ID created earlier in the transaction")
		return nil
	})

	var got T
	view(t, st, func(tx permit.ReadTx) error {
		var err error
		got, err = r.get(tx, "rec-1")
		return err
	})
	r.setVersion(&first, 1)
	r.require(t, first, got)
}

func (r record[T]) testUpdate(t *testing.T, s suite) {
	st := s.store(t)
	r.prepare(t, st)
	want := r.new("rec-1")
	update(t, st, func(tx permit.Tx) error { return r.create(tx, want) })

	read := func() T {
		var got T
		view(t, st, func(tx permit.ReadTx) error {
			var err error
			got, err = r.get(tx, "rec-1")
			return err
		})
		return got
	}

	// One update per transaction.
	v := read()
	r.edit(&v, 1)
	update(t, st, func(tx permit.Tx) error { return r.update(tx, v) })
	got := read()
	want = v
	r.setVersion(&want, 2)
	r.require(t, want, got)

	// Two updates in one transaction: the second sees the first's version.
	update(t, st, func(tx permit.Tx) error {
		v, err := r.get(tx, "rec-1")
		require.NoError(t, err)
		require.Equal(t, 2, r.version(v))
		r.edit(&v, 2)
		require.NoError(t, r.update(tx, v))
		v, err = r.get(tx, "rec-1")
		require.NoError(t, err)
		require.Equal(t, 3, r.version(v), "version after an update earlier in the same transaction")
		r.edit(&v, 3)
		want = v
		return r.update(tx, v)
	})
	r.setVersion(&want, 4)
	r.require(t, want, read())
}

func (r record[T]) testStale(t *testing.T, s suite) {
	st := s.store(t)
	r.prepare(t, st)
	update(t, st, func(tx permit.Tx) error { return r.create(tx, r.new("rec-1")) })

	var v1 T
	view(t, st, func(tx permit.ReadTx) error {
		var err error
		v1, err = r.get(tx, "rec-1")
		return err
	})
	winner := v1
	r.edit(&winner, 1)
	update(t, st, func(tx permit.Tx) error { return r.update(tx, winner) })
	r.setVersion(&winner, 2)

	for _, version := range []int{1, 0, 3, 99} {
		loser := v1
		r.edit(&loser, 2)
		r.setVersion(&loser, version)
		// The transaction goes on and commits: a refused update must leave
		// nothing behind even then.
		update(t, st, func(tx permit.Tx) error {
			require.ErrorIsf(t, r.update(tx, loser), permit.ErrConflict, "updating version 2 with version %d", version)
			return nil
		})
		err := st.Update(t.Context(), func(tx permit.Tx) error { return r.update(tx, loser) })
		require.ErrorIsf(t, err, permit.ErrConflict, "updating version 2 with version %d", version)

		var got T
		view(t, st, func(tx permit.ReadTx) error {
			var err error
			got, err = r.get(tx, "rec-1")
			return err
		})
		r.require(t, winner, got)
	}
}

func (r record[T]) testNotFound(t *testing.T, s suite) {
	st := s.store(t)
	r.prepare(t, st)
	update(t, st, func(tx permit.Tx) error { return r.create(tx, r.new("rec-1")) })

	view(t, st, func(tx permit.ReadTx) error {
		_, err := r.get(tx, "rec-missing")
		require.ErrorIs(t, err, permit.ErrNotFound, "get in View")
		_, err = r.get(tx, "")
		require.ErrorIs(t, err, permit.ErrNotFound, "get with an empty ID")
		return nil
	})
	missing := r.new("rec-missing")
	r.setVersion(&missing, 1)
	update(t, st, func(tx permit.Tx) error {
		_, err := r.get(tx, "rec-missing")
		require.ErrorIs(t, err, permit.ErrNotFound, "get in Update")
		require.ErrorIs(t, r.update(tx, missing), permit.ErrNotFound, "update")
		return nil
	})
	err := st.Update(t.Context(), func(tx permit.Tx) error { return r.update(tx, missing) })
	require.ErrorIs(t, err, permit.ErrNotFound, "Update returns the updater's error")
	view(t, st, func(tx permit.ReadTx) error {
		_, err := r.get(tx, "rec-missing")
		require.ErrorIs(t, err, permit.ErrNotFound, "a refused update must not create the record")
		return nil
	})
}

func testPermitWithoutAccount(t *testing.T, s suite) {
	st := s.store(t)
	p := NewPermit("p-1", NewAccount("acc-missing", testUPRN))
	err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreatePermit(p) })
	require.ErrorIs(t, err, permit.ErrNotFound)
	view(t, st, func(tx permit.ReadTx) error {
		_, err := tx.Permit("p-1")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	})
}

func testPermitAccountSameTx(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a}, NewPermit("p-1", a))
	a.Version, a.UPRN = 1, testUPRN
	requireAccount(t, a, getAccount(t, st, "acc-1"))
	require.Equal(t, 1, getPermit(t, st, "p-1").Version)
}
