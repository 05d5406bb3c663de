package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
	"github.com/carerpermit/carerpermit/zones"
)

func TestApplyThroughService(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		svc := newService(t, st, 10)
		ctx := t.Context()
		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Alex Resident", Email: "alex@example.org", UPRN: firstUPRN + 3})
		require.NoError(t, err)

		free, err := svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "AB12 CDE", false))
		require.NoError(t, err)
		require.True(t, free.Free)
		require.Equal(t, permit.PendingReview, free.Status)

		paid, err := svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "CD34 EFG", false))
		require.NoError(t, err)
		require.False(t, paid.Free)
		require.Equal(t, permit.PendingReview, paid.Status)
		require.Equal(t, "55.00", paid.Payment.Amount.StringFixed(2))

		_, err = svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "EF56 GHJ", false))
		require.ErrorIs(t, err, permit.ErrNotEligible, "Leicestershire allows 2 permits per property")

		got, err := svc.PermitsOfAccount(ctx, permit.System, acc.ID)
		require.NoError(t, err)
		require.Len(t, got, 2)
		evs, _, err := svc.Events(ctx, permit.System, "", 100)
		require.NoError(t, err)
		var types []permit.EventType
		for _, e := range evs {
			types = append(types, e.Type)
		}
		require.Equal(t, []permit.EventType{permit.EventAccountCreated, permit.EventPermitApplied, permit.EventPermitApplied, permit.EventPermitAuthorised}, types)
	})
}

// Two Store values on one database are two server instances: the free slot
// and the per-property limit hold across them, not only within one.
func TestTwoStoresKeepInvariants(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		a, b := openStore(t, dsn, nil), openStore(t, dsn, nil)

		t.Run("free slot race", func(t *testing.T) {
			const workers = 50
			const pool, scope = "carer", "uprn:100030000001"
			accounts := make([]permit.Account, workers)
			for i := range accounts {
				accounts[i] = permittest.NewAccount(fmt.Sprintf("race-%02d", i), 100030000001)
			}
			require.NoError(t, a.Update(t.Context(), func(tx permit.Tx) error {
				for _, acc := range accounts {
					if err := tx.CreateAccount(acc); err != nil {
						return err
					}
				}
				return nil
			}))
			errs := make([]error, workers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range workers {
				st := []*sqlstore.Store{a, b}[i%2]
				wg.Go(func() {
					<-start
					errs[i] = retryConflict(t.Context(), st, func(tx permit.Tx) error {
						claims, err := tx.Claims(pool, scope)
						if err != nil {
							return err
						}
						p := permittest.NewPermit(fmt.Sprintf("race-p-%02d", i), accounts[i])
						p.Status = permit.PendingReview
						if !slices.ContainsFunc(claims, func(c permit.Claim) bool { return c.Slot == 1 }) {
							if err := tx.Claim(permit.Claim{Pool: pool, ScopeKey: scope, Slot: 1, ChainID: p.ID, PermitID: p.ID}); err != nil {
								return err
							}
							p.Free, p.Pool, p.FreeSlot, p.Price, p.Payment = true, pool, 1, decimal.Zero, nil
						}
						return tx.CreatePermit(p)
					})
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "worker %d", i)
			}
			require.NoError(t, b.View(t.Context(), func(tx permit.ReadTx) error {
				ps, err := tx.PermitsAtProperty(100030000001)
				require.NoError(t, err)
				require.Len(t, ps, workers)
				free := slices.DeleteFunc(ps, func(p permit.Permit) bool { return !p.Free })
				require.Len(t, free, 1, "exactly one free permit")
				claims, err := tx.Claims(pool, scope)
				require.NoError(t, err)
				require.Len(t, claims, 1)
				require.Equal(t, free[0].ID, claims[0].PermitID)
				return nil
			}))
		})

		t.Run("property limit through the service", func(t *testing.T) {
			// Twenty residents at one property apply at once through two
			// instances: the scheme allows two permits per property, one of
			// them free. The limit is a rule over a set of rows, which only
			// serializable transactions (or SQLite's single writer) keep.
			const workers = 20
			const uprn = firstUPRN + 7
			svcs := []*permit.Service{newService(t, a, 10), newService(t, b, 10)}
			// The accounts are stored directly: the scheme opens at most 3
			// accounts at one address in a day.
			at := make([]zones.UPRN, workers)
			for i := range at {
				at[i] = uprn
			}
			accs := residents(at)
			require.NoError(t, a.Update(t.Context(), func(tx permit.Tx) error {
				for _, acc := range accs {
					if err := tx.CreateAccount(acc); err != nil {
						return err
					}
				}
				return nil
			}))
			errs := make([]error, workers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range workers {
				wg.Go(func() {
					<-start
					for {
						_, errs[i] = svcs[i%2].Apply(t.Context(), permit.AccountActor(accs[i].ID), application(accs[i], fmt.Sprintf("LM%02dABC", i), false))
						if !errors.Is(errs[i], permit.ErrConflict) {
							return
						}
					}
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for i, err := range errs {
				if err == nil {
					won++
					continue
				}
				require.ErrorIs(t, err, permit.ErrNotEligible, "worker %d", i)
			}
			require.Equal(t, 2, won, "two applications win")
			require.NoError(t, a.View(t.Context(), func(tx permit.ReadTx) error {
				ps, err := tx.PermitsAtProperty(uprn)
				require.NoError(t, err)
				require.Len(t, ps, 2)
				require.NotEqual(t, ps[0].Free, ps[1].Free, "one free, one paid")
				return nil
			}))
		})
	})
}

// retryConflict retries Update on ErrConflict, as the port allows callers.
func retryConflict(ctx context.Context, st permit.Store, fn func(permit.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := st.Update(ctx, fn)
		if !errors.Is(err, permit.ErrConflict) || attempt == 200 {
			return err
		}
		time.Sleep(time.Duration(min(attempt, 50)) * 100 * time.Microsecond)
	}
}

// The feed's hard case: a transaction that began (and wrote) first
// commits after a later one. A feed that numbered events as they were
// appended would give the slow transaction's event the lower number and a
// reader who had already paged past the fast one would never see it. Here
// ids follow commit order: the reader gets the fast event, then the slow
// one after its cursor, each once. (On SQLite the single writer makes the
// fast transaction wait for the slow one instead.)
func TestEventFeedOutOfOrderCommit(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		st := openStore(t, dsn, nil)
		other := openStore(t, dsn, nil)
		ctx := t.Context()
		appended, release := make(chan struct{}), make(chan struct{})
		slow := make(chan error, 1)
		go func() {
			slow <- st.Update(ctx, func(tx permit.Tx) error {
				if err := tx.CreateAccount(permittest.NewAccount("acc-slow", 1)); err != nil {
					return err
				}
				if err := tx.AppendEvent(permit.Event{Type: permit.EventAccountCreated, Actor: "system", PermitID: "slow"}); err != nil {
					return err
				}
				close(appended)
				<-release
				return nil
			})
		}()
		<-appended
		if st.Dialect() == sqlstore.SQLite {
			close(release)
			require.NoError(t, <-slow)
		}
		require.NoError(t, other.Update(ctx, func(tx permit.Tx) error {
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, Actor: "system", PermitID: "fast"})
		}))

		var seen []string
		evs, cursor, err := other.Events(ctx, "", 10)
		require.NoError(t, err)
		for _, e := range evs {
			seen = append(seen, e.PermitID)
		}
		if st.Dialect() == sqlstore.Postgres {
			require.Equal(t, []string{"fast"}, seen, "the committed event is delivered at once")
			close(release)
			require.NoError(t, <-slow)
			evs, cursor, err = other.Events(ctx, cursor, 10)
			require.NoError(t, err)
			for _, e := range evs {
				seen = append(seen, e.PermitID)
			}
			require.Equal(t, []string{"fast", "slow"}, seen, "the late commit comes after the cursor")
		} else {
			require.Equal(t, []string{"slow", "fast"}, seen)
		}
		more, again, err := other.Events(ctx, cursor, 10)
		require.NoError(t, err)
		require.Empty(t, more)
		require.Equal(t, cursor, again)
	})
}

// The window between a transaction's event insert, which draws its id,
// and its commit: another writer that draws a later id and commits first
// must not reach a reader ahead of it. On PostgreSQL writers share the feed
// lock, so the later writer commits at once, and the reader waits for the
// paused one; on SQLite the later writer waits for the paused one instead.
// Either way the reader gets both, the earlier id first, once each.
func TestEventFeedIDDrawnCommitPending(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		paused, other, reader := openStore(t, dsn, nil), openStore(t, dsn, nil), openStore(t, dsn, nil)
		ctx := t.Context()
		written, release := make(chan struct{}), make(chan struct{})
		sqlstore.OnEventsWritten(paused, func() {
			close(written)
			<-release
		})
		appendOne := func(st *sqlstore.Store, key string) chan error {
			done := make(chan error, 1)
			go func() {
				done <- st.Update(ctx, func(tx permit.Tx) error {
					return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, Actor: "system", PermitID: key})
				})
			}()
			return done
		}
		slow := appendOne(paused, "slow")
		<-written
		fast := appendOne(other, "fast")
		if paused.Dialect() == sqlstore.Postgres {
			err := <-fast
			require.NoError(t, err, "writers share the feed lock")
			fast <- err
		}
		type page struct {
			events []permit.Event
			next   string
			err    error
		}
		first := make(chan page, 1)
		go func() {
			evs, next, err := reader.Events(ctx, "", 10)
			first <- page{evs, next, err}
		}()
		select {
		case p := <-first:
			require.NoError(t, p.err)
			require.Equal(t, sqlstore.SQLite, reader.Dialect(), "a PostgreSQL reader waits for the pending commit")
			require.Empty(t, p.events)
			first <- p
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		require.NoError(t, <-slow)
		require.NoError(t, <-fast)
		p := <-first
		require.NoError(t, p.err)
		seen := []string{}
		for _, e := range p.events {
			seen = append(seen, e.PermitID)
		}
		rest, _, err := reader.Events(ctx, p.next, 10)
		require.NoError(t, err)
		for _, e := range rest {
			seen = append(seen, e.PermitID)
		}
		require.Equal(t, []string{"slow", "fast"}, seen)
	})
}

// Writers on two stores, one of them holding its transaction open for a
// while after appending, and a reader paging all the time: every committed
// event is read exactly once, rolled-back ones never.
func TestEventFeedConcurrentWritersTwoStores(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		writers := []*sqlstore.Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
		reader := openStore(t, dsn, nil)
		const workers, perWorker = 8, 25
		var mu sync.Mutex
		committed := map[string]bool{}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				st := writers[w%2]
				for n := range perWorker {
					key := fmt.Sprintf("w%d-%d", w, n)
					err := st.Update(t.Context(), func(tx permit.Tx) error {
						// A write first takes the transaction's place in
						// the feed before the sleep below.
						if err := tx.CreateAccount(permittest.NewAccount(key, 1)); err != nil {
							return err
						}
						if err := tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, Actor: "system", Data: map[string]string{"key": key}}); err != nil {
							return err
						}
						if n%4 == w%4 {
							time.Sleep(time.Duration(n%3) * time.Millisecond) // commit late, out of id order
						}
						if n%7 == 6 {
							return errRollback
						}
						return nil
					})
					if errors.Is(err, errRollback) {
						continue
					}
					if !assertNoError(t, err) {
						return
					}
					mu.Lock()
					committed[key] = true
					mu.Unlock()
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		seen := map[string]int{}
		cursor, last := "", ""
		read := func() int {
			evs, next, err := reader.Events(t.Context(), cursor, 7)
			require.NoError(t, err)
			for _, e := range evs {
				require.Greater(t, e.ID, last, "IDs increase in feed order")
				last = e.ID
				seen[e.Data["key"]]++
			}
			cursor = next
			return len(evs)
		}
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
				read()
			}
		}
		for read() > 0 {
		}
		require.Len(t, seen, len(committed))
		for key, n := range seen {
			require.True(t, committed[key], "event %s was rolled back but read", key)
			require.Equal(t, 1, n, "event %s read %d times", key, n)
		}
	})
}

var errRollback = errors.New("rolled back on purpose")

// assertNoError reports err from a goroutine (require would call
// t.FailNow off the test's goroutine).
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

// Several instances starting at once against a new database: one
// migrates, the others wait for it (PostgreSQL's advisory lock) or find
// its work done (SQLite), and each version is applied once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		const n = 4
		got := make([]*sqlstore.Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = sqlstore.Open(context.Background(), dsn, nil) })
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "Open %d", i)
			t.Cleanup(func() { _ = got[i].Close() })
		}
		rows, err := got[0].DB().QueryContext(t.Context(), `SELECT version_id, count(*) FROM carerpermit_schema_version WHERE version_id > 0 GROUP BY version_id`)
		require.NoError(t, err)
		defer rows.Close()
		versions := 0
		for rows.Next() {
			var v, count int64
			require.NoError(t, rows.Scan(&v, &count))
			require.Equal(t, int64(1), count, "version %d applied %d times", v, count)
			versions++
		}
		require.NoError(t, rows.Err())
		require.Positive(t, versions)
		// Every instance works.
		for i, st := range got {
			require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error {
				return tx.CreateAccount(permittest.NewAccount(fmt.Sprintf("acc-%d", i), 1))
			}))
		}
	})
}

func TestSchemaVersions(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		t.Run("newer than this program", func(t *testing.T) {
			dsn := newDSN(t)
			st := openStore(t, dsn, nil)
			require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error {
				return tx.CreateAccount(permittest.NewAccount("acc-1", 1))
			}))
			// A newer release migrated the database since.
			_, err := st.DB().ExecContext(t.Context(), `INSERT INTO carerpermit_schema_version (version_id, is_applied) VALUES (9999, true)`)
			require.NoError(t, err)

			for _, opts := range []*sqlstore.Options{nil, {SkipMigrate: true}} {
				_, err = sqlstore.Open(t.Context(), dsn, opts)
				require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
				var sv *sqlstore.SchemaVersionError
				require.ErrorAs(t, err, &sv)
				require.Equal(t, int64(9999), sv.Found)
				require.Less(t, sv.Known, sv.Found)
				require.Contains(t, err.Error(), "newer")
			}
			require.ErrorIs(t, st.Migrate(t.Context()), sqlstore.ErrSchemaTooNew, "Migrate refuses too")
		})
		t.Run("skip migrate on a new database", func(t *testing.T) {
			dsn := newDSN(t)
			_, err := sqlstore.Open(t.Context(), dsn, &sqlstore.Options{SkipMigrate: true})
			require.ErrorIs(t, err, sqlstore.ErrSchemaNotMigrated)
			var sv *sqlstore.SchemaVersionError
			require.ErrorAs(t, err, &sv)
			require.Equal(t, int64(0), sv.Found)

			openStore(t, dsn, nil) // migrates
			st := openStore(t, dsn, &sqlstore.Options{SkipMigrate: true})
			require.NoError(t, st.Migrate(t.Context()), "Migrate on a current schema does nothing")
		})
	})
}

func TestUnavailableDatabase(t *testing.T) {
	cases := []struct {
		name, dsn string
	}{
		{"PostgreSQL refusing connections", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"},
		{"SQLite file in a missing directory", filepath.Join(t.TempDir(), "missing", "dir", "permits.db")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlstore.Open(t.Context(), tc.dsn, nil)
			require.Nil(t, st)
			require.ErrorIs(t, err, sqlstore.ErrUnavailable)
			require.ErrorIs(t, err, permit.ErrUnavailable, "the category the HTTP API answers 503 to")
			require.Contains(t, err.Error(), "database unavailable")
		})
	}
	_, err := sqlstore.Open(t.Context(), "", nil)
	require.Error(t, err)
}

// Regression (issue 14): a search_path naming a schema that does not exist
// failed with "converting NULL to string is unsupported"; the error now
// says which schema is missing and how to mend it.
func TestSearchPathNamingMissingSchema(t *testing.T) {
	dsn := postgresDSN(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	missing := fmt.Sprintf("no_such_schema_%d", time.Now().UnixNano())
	cases := []struct{ searchPath, missing string }{
		{missing, missing},
		{`"` + strings.ToUpper(missing) + `"`, strings.ToUpper(missing)},
	}
	for _, tc := range cases {
		t.Run(tc.searchPath, func(t *testing.T) {
			q := u.Query()
			q.Set("search_path", tc.searchPath)
			u.RawQuery = q.Encode()
			st, err := sqlstore.Open(t.Context(), u.String(), nil)
			require.Nil(t, st)
			require.ErrorIs(t, err, sqlstore.ErrNoSchema)
			require.NotContains(t, err.Error(), "NULL")
			require.Contains(t, err.Error(), fmt.Sprintf("schema %q is missing", tc.missing))
			require.Contains(t, err.Error(), "CREATE SCHEMA")
			t.Log(err)
		})
	}
}

// Issue 11, defect 3: a database that goes away under a running store is
// permit.ErrUnavailable (503 over HTTP), not an unclassified error (500).
func TestDatabaseGoneUnderTheStore(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st, err := sqlstore.Open(t.Context(), newDSN(t), nil)
		require.NoError(t, err)
		require.NoError(t, st.DB().Close())
		err = st.View(t.Context(), func(tx permit.ReadTx) error {
			_, err := tx.Account("acc-1")
			return err
		})
		require.ErrorIs(t, err, permit.ErrUnavailable)
		require.ErrorIs(t, err, sqlstore.ErrUnavailable)
		err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAccount(permittest.NewAccount("acc-1", 1)) })
		require.ErrorIs(t, err, permit.ErrUnavailable)
	})
}

func TestReadOnlySQLite(t *testing.T) {
	path := sqliteFile(t)
	rw := openStore(t, path, nil)
	acc := permittest.NewAccount("acc-1", 1)
	require.NoError(t, rw.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAccount(acc) }))

	ro := openStore(t, "file:"+path+"?mode=ro", nil)
	err := ro.Update(t.Context(), func(tx permit.Tx) error {
		if err := tx.CreatePermit(permittest.NewPermit("p-1", acc)); err != nil {
			return err
		}
		return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: "p-1"})
	})
	require.ErrorIs(t, err, sqlstore.ErrReadOnly)
	require.Contains(t, err.Error(), "read-only")
	// Reads still work, and nothing was half-written.
	require.NoError(t, ro.View(t.Context(), func(tx permit.ReadTx) error {
		_, err := tx.Account("acc-1")
		require.NoError(t, err)
		_, err = tx.Permit("p-1")
		require.ErrorIs(t, err, permit.ErrNotFound)
		return nil
	}))

	// A read-only database that needs migrating cannot be opened.
	empty := filepath.Join(t.TempDir(), "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = sqlstore.Open(t.Context(), "file:"+empty+"?mode=ro", nil)
	require.ErrorIs(t, err, sqlstore.ErrReadOnly)
}

// A full disk is simulated with SQLite's max_page_count: the write that
// does not fit fails with ErrFull, keeps nothing, and the store goes on.
func TestFullSQLite(t *testing.T) {
	path := sqliteFile(t)
	// Create and migrate without a cap, then allow a few pages more than
	// the schema takes (it grows with every migration).
	var pages int64
	require.NoError(t, openStore(t, path, nil).DB().QueryRowContext(t.Context(), `PRAGMA page_count`).Scan(&pages))
	limit := pages + 30
	st := openStore(t, fmt.Sprintf("file:%s?_pragma=max_page_count(%d)", path, limit), nil)
	require.NoError(t, st.DB().QueryRowContext(t.Context(), `PRAGMA page_count`).Scan(&pages))
	require.Less(t, pages, limit, "the test needs room for a few writes")

	acc := permittest.NewAccount("acc-1", 1)
	require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAccount(acc) }))
	var full error
	stored := 0
	for i := 0; full == nil && i < 10000; i++ {
		p := permittest.NewPermit(fmt.Sprintf("p-%05d", i), acc)
		p.Address = fmt.Sprintf("%0500d", i) // big rows fill pages fast
		full = st.Update(t.Context(), func(tx permit.Tx) error {
			if err := tx.CreatePermit(p); err != nil {
				return err
			}
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, PermitID: p.ID, Data: map[string]string{"address": p.Address}})
		})
		if full == nil {
			stored++
		}
	}
	require.ErrorIs(t, full, sqlstore.ErrFull)
	require.Contains(t, full.Error(), "full")
	require.Positive(t, stored)

	require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error {
		ps, err := tx.PermitsOfAccount("acc-1")
		require.NoError(t, err)
		require.Len(t, ps, stored, "the permit that did not fit is not there at all")
		return nil
	}))
	evs, _, err := st.Events(t.Context(), "", 100000)
	require.NoError(t, err)
	require.Len(t, evs, stored, "nor its event")
}

// Money is stored exactly or not at all: an amount the schema would round
// is refused with a validation error naming the field.
func TestMoneyThatWouldBeRoundedIsRefused(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		st := openStore(t, newDSN(t), nil)
		acc := permittest.NewAccount("acc-1", 1)
		require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAccount(acc) }))
		for _, tc := range []struct {
			field string
			set   func(p *permit.Permit)
		}{
			{"price", func(p *permit.Permit) { p.Price = decimal.RequireFromString("55.005") }},
			{"payment.refunded", func(p *permit.Permit) { p.Payment.Refunded = decimal.RequireFromString("0.001") }},
			{"price", func(p *permit.Permit) { p.Price = decimal.RequireFromString("10000000000.00") }},
		} {
			p := permittest.NewPermit("p-1", acc)
			tc.set(&p)
			err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreatePermit(p) })
			require.ErrorIs(t, err, permit.ErrValidation)
			var ve *permit.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tc.field, ve.Fields[0].Field)
		}
		// Large exact amounts within NUMERIC(12,2) are kept.
		p := permittest.NewPermit("p-2", acc)
		p.Price = decimal.RequireFromString("9999999999.99")
		require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreatePermit(p) }))
		require.NoError(t, st.View(t.Context(), func(tx permit.ReadTx) error {
			got, err := tx.Permit("p-2")
			require.NoError(t, err)
			require.Equal(t, "9999999999.99", got.Price.StringFixed(2))
			return nil
		}))
	})
}

// The back-office and job queries are answered from their indexes.
func TestQueriesUseIndexes(t *testing.T) {
	queries := []struct {
		index string
		sql   string
		args  []any
	}{
		{"permits_due_reminder", `SELECT id FROM permits WHERE status = 'approved' AND renewed_by = '' AND expires_on >= ? AND expires_on <= ? ORDER BY expires_on, id`, []any{"2028-03-26", "2028-03-26"}},
		{"permits_vehicle_change_due", `SELECT id FROM permits WHERE vehicle_change_id IS NOT NULL AND vehicle_change_on <= ? ORDER BY vehicle_change_on, id`, []any{"2028-03-26"}},
		{"permits_pending_review", `SELECT id FROM permits WHERE status = 'pending_review' ORDER BY created_at, id LIMIT ?`, []any{50}},
		{"permits_awaiting_payment", `SELECT id FROM permits WHERE status = 'awaiting_payment' AND created_at <= ? ORDER BY created_at, id`, []any{"2028-03-26T00:00:00.000000Z"}},
		{"permits_by_account", `SELECT id FROM permits WHERE account_id = ? ORDER BY created_at DESC, id DESC`, []any{"acc-1"}},
		{"permits_by_property", `SELECT id FROM permits WHERE uprn = ? ORDER BY id`, []any{int64(1)}},
		{"accounts_by_property", `SELECT id FROM accounts WHERE uprn = ? ORDER BY id`, []any{int64(1)}},
		{"address_changes_by_status", `SELECT id FROM address_changes WHERE status = 'pending_review' ORDER BY created_at, id LIMIT ?`, []any{50}},
		{"address_changes_by_account", `SELECT id FROM address_changes WHERE account_id = ? ORDER BY created_at DESC, id DESC`, []any{"acc-1"}},
		{"permits_by_vrm", `SELECT id FROM permits WHERE vrm = ?`, []any{"AB12CDE"}},
		{"permits_by_vehicle_change_vrm", `SELECT id FROM permits WHERE vehicle_change_vrm = ? AND vehicle_change_id IS NOT NULL`, []any{"AB12CDE"}},
		{"permits_pending_review", `SELECT id FROM permits WHERE status = 'pending_review' AND created_at < ? AND review_overdue_on IS NULL ORDER BY created_at, id`, []any{"2028-03-26T00:00:00.000000Z"}},
		{"address_changes_review_not_flagged", `SELECT id FROM address_changes WHERE status = 'pending_review' AND due_on < ? AND review_overdue_on IS NULL`, []any{"2028-03-26"}},
		{"payment_retries_due", `SELECT id FROM payment_retries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, []any{"2028-03-26T00:00:00.000000Z", 500}},
		{"payment_retries_pending", `SELECT id FROM payment_retries WHERE status = 'pending' ORDER BY created_at, id LIMIT ?`, []any{100}},
		{"events_by_account", `SELECT id FROM events WHERE account_id = ? ORDER BY id`, []any{"acc-1"}},
	}
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		conn, d := planConn(t, newDSN)
		for _, q := range queries {
			plan := explain(t, conn, d, q.sql, q.args)
			require.Contains(t, plan, q.index, "plan of %s:\n%s", q.sql, plan)
		}
	})
}

// planConn opens a store on an empty database and a connection for
// explain. Its PostgreSQL connections plan no sequential scans (see Open),
// so on empty tables the plans show the indexes the queries would use.
func planConn(t *testing.T, newDSN func(testing.TB) string) (*sql.Conn, sqlstore.Dialect) {
	t.Helper()
	st := openStore(t, newDSN(t), nil)
	conn, err := st.DB().Conn(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn, st.Dialect()
}

// explain returns the database's plan for a query written with ?
// placeholders.
func explain(t *testing.T, conn *sql.Conn, d sqlstore.Dialect, q string, args []any) string {
	t.Helper()
	var cols int
	if d == sqlstore.Postgres {
		for n := 1; strings.Contains(q, "?"); n++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", n), 1)
		}
		q, cols = "EXPLAIN "+q, 1
	} else {
		q, cols = "EXPLAIN QUERY PLAN "+q, 4
	}
	rows, err := conn.QueryContext(t.Context(), q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		dest := make([]any, cols)
		for i := range dest {
			dest[i] = new(any)
		}
		require.NoError(t, rows.Scan(dest...))
		fmt.Fprintln(&plan, *dest[cols-1].(*any))
	}
	require.NoError(t, rows.Err())
	return plan.String()
}

// Every connection Open makes to SQLite has the settings durability and
// concurrency rest on (a pragma set on one connection only would leave
// the others at SQLite's defaults).
func TestSQLiteSettings(t *testing.T) {
	st := openStore(t, sqliteFile(t), nil)
	var conns []*sql.Conn
	for range 3 {
		c, err := st.DB().Conn(t.Context())
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "secure_delete": "1",
		} {
			var got string
			require.NoError(t, c.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got))
			require.Equal(t, want, got, "connection %d: PRAGMA %s", i, pragma)
		}
	}
	for _, c := range conns {
		require.NoError(t, c.Close())
	}
}

// Regression: on a new database (empty tables, no statistics) PostgreSQL
// planned sequential scans, each a predicate lock on the whole table, and
// 32 clients applying at once failed each other's serialization until one
// gave up with a conflict (BenchmarkApplyHTTP, 25,651 retries for 5,000
// applications). Open turns sequential scans off unless the DSN says
// otherwise, and an application's reads then lock index pages only.
func TestPostgresOpenAvoidsSequentialScans(t *testing.T) {
	dsn := postgresSchema(t)
	for _, c := range []struct{ extra, want string }{{"", "off"}, {"&enable_seqscan=on", "on"}} {
		st := openStore(t, dsn+c.extra, nil)
		var got string
		require.NoError(t, st.DB().QueryRowContext(t.Context(), `SHOW enable_seqscan`).Scan(&got))
		require.Equal(t, c.want, got, "DSN %q", c.extra)
	}
	conn, d := planConn(t, postgresSchema)
	plan := explain(t, conn, d, `SELECT id FROM permits WHERE uprn = ? OR account_id = ? ORDER BY id`, []any{int64(1), "acc-1"})
	require.NotContains(t, plan, "Seq Scan", "plan on empty tables:\n%s", plan)
}
