package permit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/recorder"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// street is a gazetteer of n houses in Loughborough 3, UPRNs 200000000001
// onwards.
func street(t *testing.T, n int) *zones.Gazetteer {
	t.Helper()
	var b strings.Builder
	b.WriteString(zones.GazetteerHeader + "\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,,,%d,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3\n", 200000000000+i, i)
	}
	g, err := zones.LoadGazetteer(strings.NewReader(b.String()))
	require.NoError(t, err)
	return g
}

// dueFixture has n households on one street, each with an approved permit
// that expires in 30 days on now (reminder due) and, for every other one, a
// vehicle change scheduled for today.
type dueFixture struct {
	store   permit.Store
	gaz     *zones.Gazetteer
	now     time.Time
	permits []permit.Permit
}

func newDueFixture(t *testing.T, n int) *dueFixture {
	t.Helper()
	f := &dueFixture{store: memstore.New(), gaz: street(t, n), now: at(2027, 3, 1, 9, 0)}
	ctx := context.Background()
	f.now = at(2026, 4, 1, 9, 0)
	svc := f.service(t, nil)
	for i := range n {
		a, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Email: fmt.Sprintf("r%d@example.org", i), UPRN: zones.UPRN(200000000001 + i)})
		require.NoError(t, err)
		p, err := svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: fmt.Sprintf("AB%02dCDE", i%100),
			Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: d(2026, 3, 20), Name: "Jane Smith"}}})
		require.NoError(t, err)
		p, err = svc.Approve(ctx, permit.OfficerActor("jo"), p.ID)
		require.NoError(t, err)
		f.permits = append(f.permits, p)
	}
	f.now = at(2027, 2, 20, 9, 0)
	for i, p := range f.permits {
		if i%2 == 0 {
			_, _, err := svc.ChangeVehicle(ctx, permit.AccountActor(p.AccountID), p.ID, fmt.Sprintf("XY%02dZZZ", i%100), d(2027, 3, 1))
			require.NoError(t, err)
		}
	}
	f.now = at(2027, 3, 1, 9, 0)
	return f
}

// clock reads the fixture's clock (Options.Now).
func (f *dueFixture) clock() time.Time { return f.now }

func (f *dueFixture) service(t *testing.T, st permit.Store) *permit.Service {
	t.Helper()
	if st == nil {
		st = f.store
	}
	notes := &recorder.Notifier{}
	svc, err := permit.NewService(withoutRetention(loadLeicestershire(t)), st, f.gaz, fakepay.New(), &permit.Options{Notifier: notes, Now: f.clock})
	require.NoError(t, err)
	return svc
}

// Several hundred items go in several batches; each is done once, and a
// second run finds nothing.
func TestRunDueManyItems(t *testing.T) {
	const n = 450
	f := newDueFixture(t, n)
	notes := &recorder.Notifier{}
	svc, err := permit.NewService(withoutRetention(loadLeicestershire(t)), f.store, f.gaz, fakepay.New(), &permit.Options{Notifier: notes, Now: f.clock})
	require.NoError(t, err)
	ctx := context.Background()

	rep, err := svc.RunDue(ctx, f.now)
	require.NoError(t, err)
	require.Equal(t, permit.DueReport{VehicleChangesApplied: n / 2, RemindersSent: n}, rep)
	require.Len(t, notes.Of(permit.MessageExpiryReminder), n)
	require.Len(t, notes.Of(permit.MessageVehicleChanged), n/2)
	for i, p := range f.permits {
		got, err := svc.Permit(ctx, permit.System, p.ID)
		require.NoError(t, err)
		require.Equal(t, []int{30}, got.RemindersSent)
		if i%2 == 0 {
			require.Equal(t, permit.VRM(fmt.Sprintf("XY%02dZZZ", i%100)), got.VRM)
			require.Nil(t, got.PendingVehicleChange)
		}
	}

	rep, err = svc.RunDue(ctx, f.now.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, permit.DueReport{}, rep)
	require.Len(t, notes.Messages(), n+n/2)
}

// Two services (as two server instances) share one store and run the jobs
// at once, again and again: every reminder and every change is done and
// confirmed exactly once between them.
func TestRunDueConcurrentInstances(t *testing.T) {
	const n = 300
	f := newDueFixture(t, n)
	var notes [2]*recorder.Notifier
	var svcs [2]*permit.Service
	for i := range svcs {
		notes[i] = &recorder.Notifier{}
		svc, err := permit.NewService(withoutRetention(loadLeicestershire(t)), f.store, f.gaz, fakepay.New(), &permit.Options{Notifier: notes[i], Now: f.clock})
		require.NoError(t, err)
		svcs[i] = svc
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total permit.DueReport
	var errs []error
	for i := range 8 {
		wg.Go(func() {
			rep, err := svcs[i%2].RunDue(context.Background(), f.now.Add(time.Duration(i)*time.Second))
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			total.RemindersSent += rep.RemindersSent
			total.VehicleChangesApplied += rep.VehicleChangesApplied
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, permit.DueReport{VehicleChangesApplied: n / 2, RemindersSent: n}, total)
	sent := map[string]int{}
	for _, nt := range notes {
		for _, m := range nt.Messages() {
			sent[string(m.Kind)+" "+m.PermitID]++
		}
	}
	require.Len(t, sent, n+n/2)
	for k, c := range sent {
		require.Equal(t, 1, c, "%s sent %d times", k, c)
	}
}

// failingStore refuses to save one permit, as a store might refuse a row
// it cannot write.
type failingStore struct {
	permit.Store
	permitID string
}

var errCannotWrite = errors.New("cannot write this permit")

func (s failingStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	return s.Store.Update(ctx, func(tx permit.Tx) error { return fn(failingTx{tx, s.permitID}) })
}

type failingTx struct {
	permit.Tx
	permitID string
}

func (t failingTx) UpdatePermit(p permit.Permit) error {
	if p.ID == t.permitID {
		return errCannotWrite
	}
	return t.Tx.UpdatePermit(p)
}

// One item that cannot be done holds up no other: its batch is done again
// item by item, and the error names it.
func TestRunDueOneBadItem(t *testing.T) {
	f := newDueFixture(t, 5)
	bad := f.permits[3]
	notes := &recorder.Notifier{}
	svc, err := permit.NewService(withoutRetention(loadLeicestershire(t)), failingStore{f.store, bad.ID}, f.gaz, fakepay.New(), &permit.Options{Notifier: notes, Now: f.clock})
	require.NoError(t, err)

	rep, err := svc.RunDue(context.Background(), f.now)
	require.ErrorIs(t, err, errCannotWrite)
	require.ErrorContains(t, err, bad.ID)
	require.Equal(t, permit.DueReport{VehicleChangesApplied: 3, RemindersSent: 4}, rep)
	for _, m := range notes.Messages() {
		require.NotEqual(t, bad.ID, m.PermitID)
	}

	// Once the store can write it again, the next run catches up.
	svc = f.service(t, nil)
	rep, err = svc.RunDue(context.Background(), f.now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, permit.DueReport{RemindersSent: 1}, rep)
}

// overtakenStore lets another instance run all the due jobs between this
// instance's reading of its candidates and its first write, as a second
// server can.
type overtakenStore struct {
	permit.Store
	once  sync.Once
	other func()
}

func (s *overtakenStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	s.once.Do(s.other)
	return s.Store.Update(ctx, fn)
}

// Candidates read before another instance did the work are found done:
// nothing is done or sent twice, and the late run reports nothing.
func TestRunDueOvertaken(t *testing.T) {
	const n = 250 // two batches
	f := newDueFixture(t, n)
	var otherRep permit.DueReport
	otherNotes := &recorder.Notifier{}
	other, err := permit.NewService(withoutRetention(loadLeicestershire(t)), f.store, f.gaz, fakepay.New(), &permit.Options{Notifier: otherNotes, Now: f.clock})
	require.NoError(t, err)
	st := &overtakenStore{Store: f.store, other: func() {
		otherRep, err = other.RunDue(context.Background(), f.now)
		require.NoError(t, err)
	}}
	notes := &recorder.Notifier{}
	late, err := permit.NewService(withoutRetention(loadLeicestershire(t)), st, f.gaz, fakepay.New(), &permit.Options{Notifier: notes, Now: f.clock})
	require.NoError(t, err)

	rep, err := late.RunDue(context.Background(), f.now)
	require.NoError(t, err)
	require.Equal(t, permit.DueReport{VehicleChangesApplied: n / 2, RemindersSent: n}, otherRep)
	require.Equal(t, permit.DueReport{}, rep, "everything was done already")
	require.Empty(t, notes.Messages())
	require.Len(t, otherNotes.Messages(), n+n/2)
	evs, _, err := f.store.Events(context.Background(), "", 10000)
	require.NoError(t, err)
	require.Len(t, eventsOf(evs, permit.EventReminderSent), n)
	require.Len(t, eventsOf(evs, permit.EventVehicleChanged), n/2)
}
