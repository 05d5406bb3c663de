package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// countingMail is a mail sink that counts what each instance would send,
// per message kind and permit; it delivers nothing.
type countingMail struct {
	mu   sync.Mutex
	sent map[string]int // "kind permit-id" → messages
	n    atomic.Int64
}

func newCountingMail() *countingMail { return &countingMail{sent: map[string]int{}} }

func (c *countingMail) Notify(_ context.Context, m permit.Message) error {
	c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent[string(m.Kind)+" "+m.PermitID]++
	return nil
}

// dueDay is the day the due-jobs tests and benchmark run on: a Tuesday in
// British Summer Time.
var dueDay = time.Date(2027, time.June, 15, 0, 0, 0, 0, time.UTC)

// dueAt is 06:00 BST on dueDay, when a council's nightly run might start.
var dueAt = time.Date(2027, time.June, 15, 5, 0, 0, 0, time.UTC)

// dueService wires a Service on st with Leicestershire's scheme (a 30-day
// reminder) and a gazetteer of the properties given, sending to mail.
func dueService(t testing.TB, st permit.Store, uprns []zones.UPRN, mail permit.Notifier) *permit.Service {
	t.Helper()
	return dueServiceClock(t, st, uprns, mail, func() time.Time { return dueAt })
}

// dueServiceClock is dueService with the clock given.
func dueServiceClock(t testing.TB, st permit.Store, uprns []zones.UPRN, mail permit.Notifier, clock func() time.Time) *permit.Service {
	t.Helper()
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(uprns)))
	require.NoError(t, err)
	svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Notifier: mail, Now: clock})
	require.NoError(t, err)
	return svc
}

// duePermits makes n households (one account with an email address and
// one approved permit each) of which every permit is due an expiry reminder
// on dueDay (it expires 30 days later) and every other one also has a
// vehicle change scheduled for dueDay.
func duePermits(n int) ([]permit.Account, []permit.Permit) {
	zone := zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"}
	created := dueDay.AddDate(-1, 0, 0).Add(9 * time.Hour)
	price := decimal.RequireFromString("55.00")
	accs := make([]permit.Account, n)
	ps := make([]permit.Permit, n)
	for i := range n {
		a := permit.Account{ID: fmt.Sprintf("acc-%05d", i), Name: fmt.Sprintf("Resident %d", i), Email: fmt.Sprintf("r%d@example.org", i),
			UPRN: zones.UPRN(firstUPRN + i), Address: fmt.Sprintf("%d Test Street, Loughborough LE11 1AA", i), Zone: zone,
			CreatedAt: created, UpdatedAt: created}
		p := permit.Permit{ID: fmt.Sprintf("per-%05d", i), AccountID: a.ID, Type: "essential-carer", Status: permit.Approved,
			Price: price, Payment: &permit.Payment{ID: fmt.Sprintf("pay-%05d", i), Status: permit.PaymentCaptured, Amount: price, Refunded: decimal.Zero},
			VRM: permit.VRM(fmt.Sprintf("AB%03dCD", i%1000)), UPRN: a.UPRN, Address: a.Address, Zone: zone,
			StartsOn: dueDay.AddDate(-1, 0, 31), ExpiresOn: dueDay.AddDate(0, 0, 30), ChainID: fmt.Sprintf("per-%05d", i),
			Evidence:  []evidence.Document{{Kind: "proof_of_care", IssuedOn: dueDay.AddDate(-1, 0, 0), Name: a.Name}},
			CreatedAt: created, UpdatedAt: created}
		if i%2 == 0 {
			p.PendingVehicleChange = &permit.VehicleChange{ID: fmt.Sprintf("vc-%05d", i), VRM: permit.VRM(fmt.Sprintf("XY%03dZZ", i%1000)),
				EffectiveOn: dueDay, RequestedAt: created.AddDate(0, 11, 0), RequestedBy: "account:" + a.ID}
		}
		accs[i], ps[i] = a, p
	}
	return accs, ps
}

// eventCounts counts the feed's events by type.
func eventCounts(t *testing.T, st permit.Store) map[permit.EventType]int {
	t.Helper()
	out := map[permit.EventType]int{}
	after := ""
	for {
		evs, next, err := st.Events(t.Context(), after, 1000)
		require.NoError(t, err)
		for _, e := range evs {
			out[e.Type]++
		}
		if len(evs) == 0 {
			return out
		}
		after = next
	}
}

// instanceStore is one server instance's store as its Service sees it. It
// counts transactions and the runs of their functions (more runs than
// transactions: the database made one decide again), and its first write
// transaction waits for the other instance's first one, so that the two
// work on the same due items at the same moment rather than by chance.
type instanceStore struct {
	*sqlstore.Store
	meet          *meeting // nil: never wait
	once          sync.Once
	updates, runs atomic.Int64
}

// meeting lets two first transactions start together (or the first give
// up waiting after a few seconds).
type meeting struct {
	arrived atomic.Int32
	both    chan struct{}
}

func (s *instanceStore) Update(ctx context.Context, fn func(permit.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, func(tx permit.Tx) error {
		s.runs.Add(1)
		if s.meet != nil {
			s.once.Do(func() {
				if s.meet.arrived.Add(1) == 2 {
					close(s.meet.both)
				}
				select {
				case <-s.meet.both:
				case <-time.After(5 * time.Second):
				}
			})
		}
		return fn(tx)
	})
}

// Two server instances (two Store values on one database, each with its
// own Service and mail sink) run the due jobs at the same time, again and
// again: no reminder is sent twice and no vehicle change applied twice.
// On PostgreSQL the instances' batches collide and serialization failures
// make one of them decide again on what the other committed; on SQLite
// the file's write lock takes them in turn.
func TestDueJobsTwoInstances(t *testing.T) {
	const households = 400
	const runsPerInstance = 4
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		dsn := newDSN(t)
		st := [2]*sqlstore.Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
		accs, ps := duePermits(households)
		require.NoError(t, sqlstore.BulkInsert(t.Context(), st[0], accs, ps, nil))
		mail := [2]*countingMail{newCountingMail(), newCountingMail()}
		meet := &meeting{both: make(chan struct{})}
		var inst [2]*instanceStore
		var svcs [2]*permit.Service
		for i := range svcs {
			inst[i] = &instanceStore{Store: st[i], meet: meet}
			if st[i].Dialect() == sqlstore.SQLite {
				inst[i].meet = nil // its writers take turns: they cannot meet inside a transaction
			}
			svcs[i] = dueService(t, inst[i], properties(households), mail[i])
		}

		var (
			mu     sync.Mutex
			total  permit.DueReport
			errs   []error
			wg     sync.WaitGroup
			starts = make(chan struct{})
		)
		for i := range 2 * runsPerInstance {
			wg.Go(func() {
				<-starts
				rep, err := svcs[i%2].RunDue(context.Background(), dueAt.Add(time.Duration(i)*time.Minute))
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
				total.RemindersSent += rep.RemindersSent
				total.VehicleChangesApplied += rep.VehicleChangesApplied
			})
		}
		close(starts)
		wg.Wait()
		require.NoError(t, errors.Join(errs...))

		require.Equal(t, households, total.RemindersSent, "the runs' reports add up to one reminder each")
		require.Equal(t, households/2, total.VehicleChangesApplied)
		sent := map[string]int{}
		for _, m := range mail {
			for k, n := range m.sent {
				sent[k] += n
			}
		}
		require.Len(t, sent, households+households/2, "every reminder and confirmation went out")
		for k, n := range sent {
			require.Equal(t, 1, n, "%s went out %d times", k, n)
		}
		t.Logf("instance 1 sent %d messages, instance 2 sent %d", mail[0].n.Load(), mail[1].n.Load())
		if st[0].Dialect() == sqlstore.Postgres {
			updates := inst[0].updates.Load() + inst[1].updates.Load()
			runs := inst[0].runs.Load() + inst[1].runs.Load()
			t.Logf("%d transactions, %d runs of their functions", updates, runs)
			require.Greater(t, runs, updates, "the instances collided and one decided again on what the other committed")
		}

		events := eventCounts(t, st[1])
		require.Equal(t, households, events[permit.EventReminderSent])
		require.Equal(t, households/2, events[permit.EventVehicleChanged])
		require.NoError(t, st[1].View(t.Context(), func(tx permit.ReadTx) error {
			for i, want := range ps {
				got, err := tx.Permit(want.ID)
				require.NoError(t, err)
				require.Equal(t, []int{30}, got.RemindersSent, "permit %s", want.ID)
				require.Nil(t, got.PendingVehicleChange)
				if i%2 == 0 {
					require.Equal(t, want.PendingVehicleChange.VRM, got.VRM)
					require.Equal(t, 3, got.Version, "saved once by each job")
				} else {
					require.Equal(t, want.VRM, got.VRM)
					require.Equal(t, 2, got.Version)
				}
			}
			return nil
		}))
	})
}

// BenchmarkDueJobsMillion: one RunDue over 1,000,000 stored permits, of
// which 3,000 are due (1,500 expiry reminders and 1,500 scheduled vehicle
// changes), end to end: finding them, doing each in a committed
// transaction with its event, and handing each message to a notifier that
// only counts. The rest are a scheme in use: reminders already sent for
// the next 30 days' expiries, changes scheduled for later, applications
// pending review within their deadline, cancelled, rejected and withdrawn
// permits. Each iteration is the next day, with its own 3,000 due (at most
// three days). Target: under 2 s on SQLite. Setting up takes a minute or
// two (and is done again for each -benchtime above 1x):
//
//	go test ./adapters/sqlstore/ -run '^$' -bench DueJobsMillion -benchtime 1x
//	CARERPERMIT_POSTGRES_DSN=postgres://... (same command) for PostgreSQL too
func BenchmarkDueJobsMillion(b *testing.B) {
	const permits = 1_000_000
	const days = 3
	for _, db := range []struct {
		name   string
		newDSN func(testing.TB) string
	}{{"SQLite", sqliteFile}, {"Postgres", postgresSchema}} {
		b.Run(db.name, func(b *testing.B) {
			if db.name == "Postgres" {
				postgresDSN(b)
			}
			if b.N > days {
				b.Fatalf("the data holds %d days of due jobs: use -benchtime 1x to %dx", days, days)
			}
			st := openStore(b, db.newDSN(b), nil)
			start := time.Now()
			accs, ps, due := millionDue(permits, days)
			require.NoError(b, sqlstore.BulkInsert(context.Background(), st, accs, ps, nil))
			b.Logf("%s: stored %d permits in %s", db.name, permits, time.Since(start).Round(time.Second))
			mail := newCountingMail()
			var at time.Time
			svc := dueServiceClock(b, st, nil, mail, func() time.Time { return at })
			b.ResetTimer()
			for i := range b.N {
				at = dueAt.AddDate(0, 0, i)
				rep, err := svc.RunDue(context.Background(), at)
				require.NoError(b, err)
				require.Equal(b, permit.DueReport{RemindersSent: due, VehicleChangesApplied: due}, rep, "day %d", i)
			}
			b.StopTimer()
			require.EqualValues(b, 2*due*b.N, mail.n.Load())
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(per.Seconds(), "s/run")
			b.ReportMetric(float64(2*due), "due/run")
			b.ReportMetric(0, "ns/op")
			// The target is SQLite's, the embedded default; PostgreSQL's
			// figure is reported (each of its statements is a round trip).
			if per > 2*time.Second && st.Dialect() == sqlstore.SQLite {
				b.Errorf("a run over %d permits with %d due took %s, over 2s", permits, 2*due, per.Round(time.Millisecond))
			}
		})
	}
}

// millionDue makes n permits of n/4 accounts (with email addresses), as a
// council holds them on dueDay, with `days` days of due jobs from dueDay:
// on day d, 1,500 permits expiring 30 days later are due their reminder
// (they sit together, as permits made on the same days do) and 1,500
// permits anywhere in the table have a vehicle change taking effect. It
// returns the number due of each kind per day.
func millionDue(n, days int) ([]permit.Account, []permit.Permit, int) {
	const perDay = 1500
	firstReminder := (395*n + 729) / 730 // the first permit whose natural expiry is dueDay + 30
	changeStride := n / (days * perDay)
	zone := zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"}
	accs := make([]permit.Account, n/4)
	for i := range accs {
		created := dueDay.AddDate(-2, 0, 0).Add(9 * time.Hour)
		accs[i] = permit.Account{
			ID: fmt.Sprintf("acc-%07d", i), Name: fmt.Sprintf("Resident %d", i), Email: fmt.Sprintf("r%d@example.org", i),
			UPRN: zones.UPRN(firstUPRN + i), Address: fmt.Sprintf("%d Test Street, Loughborough LE11 1AA", i), Zone: zone,
			CreatedAt: created, UpdatedAt: created,
		}
	}
	price := decimal.RequireFromString("55.00")
	ps := make([]permit.Permit, n)
	reminders, changes := 0, 0
	for i := range ps {
		a := accs[i/4]
		// In the order a council takes them in: created over two years,
		// each expiring a year later, so that expiries around dueDay are
		// spread over the two years around it; a reminder already sent for
		// those within 30 days (and the days of due jobs ahead).
		expires := dueDay.AddDate(0, 0, -365+i*730/n)
		created := expires.AddDate(-1, 0, 0).Add(10 * time.Hour)
		p := permit.Permit{
			ID: fmt.Sprintf("per-%07d", i), AccountID: a.ID, Type: "essential-carer", Status: permit.Approved,
			Price: price, Payment: &permit.Payment{ID: fmt.Sprintf("pay-%07d", i), Status: permit.PaymentCaptured, Amount: price, Refunded: decimal.Zero},
			VRM: permit.VRM(fmt.Sprintf("A%06d", i)), UPRN: a.UPRN, Address: a.Address, Zone: zone,
			StartsOn: expires.AddDate(-1, 0, 1), ExpiresOn: expires, ChainID: fmt.Sprintf("per-%07d", i),
			Evidence:  []evidence.Document{{Kind: "proof_of_care", IssuedOn: created.AddDate(0, 0, -10).Truncate(24 * time.Hour), Name: a.Name}},
			CreatedAt: created, UpdatedAt: created,
		}
		if !expires.Before(dueDay) && !expires.After(dueDay.AddDate(0, 0, 30+days)) {
			p.RemindersSent = []int{30}
		}
		switch s := i % 100; {
		case s < 80:
			if i%10 < 3 {
				p.RenewedBy = fmt.Sprintf("per-r%07d", i)
			}
		case s < 85: // applications made in the last few days, within their deadline
			p.Status = permit.PendingReview
			p.CreatedAt = dueAt.Add(-time.Duration(i%72) * time.Hour)
			p.StartsOn, p.ExpiresOn, p.RemindersSent = dueDay, dueDay.AddDate(1, 0, -1), nil
		case s < 87: // waiting for the card, not abandoned on any of the days
			p.Status, p.Payment = permit.AwaitingPayment, nil
			p.CreatedAt = dueAt.AddDate(0, 0, days-1).Add(-time.Duration(i%20) * time.Hour)
			p.StartsOn, p.ExpiresOn, p.RemindersSent = dueDay, dueDay.AddDate(1, 0, -1), nil
		case s < 95:
			p.Status = permit.Cancelled
			p.Cancellation = &permit.Cancellation{At: p.CreatedAt.Add(time.Hour), By: "account:" + a.ID, Reason: "no longer needed", Refund: decimal.Zero}
		case s < 98:
			p.Status = permit.Rejected
			p.Rejection = &permit.Rejection{Code: "proof_of_care_unclear", Reason: "The letter does not name the carer."}
		default:
			p.Status = permit.Withdrawn
		}
		if i%50 == 7 { // changes scheduled for later
			p.PendingVehicleChange = &permit.VehicleChange{ID: fmt.Sprintf("vc-%07d", i), VRM: permit.VRM(fmt.Sprintf("B%06d", i)),
				EffectiveOn: dueDay.AddDate(0, 0, days+1+i%60), RequestedAt: dueAt.AddDate(0, 0, -1), RequestedBy: "account:" + a.ID}
		}
		due := func() {
			p.Status, p.RenewedBy, p.Cancellation, p.Rejection, p.RemindersSent = permit.Approved, "", nil, nil, nil
			p.Payment = &permit.Payment{ID: fmt.Sprintf("pay-%07d", i), Status: permit.PaymentCaptured, Amount: price, Refunded: decimal.Zero}
		}
		if k := i - firstReminder; k >= 0 && k < days*perDay {
			due()
			p.ExpiresOn = dueDay.AddDate(0, 0, 30+k/perDay)
			p.StartsOn = p.ExpiresOn.AddDate(-1, 0, 1)
			reminders++
		}
		if k := i / changeStride; i%changeStride == changeStride/2 && k < days*perDay {
			if b := i - firstReminder; b < 0 || b >= days*perDay {
				// In force on every day of due jobs, and far from its reminder.
				due()
				p.StartsOn, p.ExpiresOn = dueDay.AddDate(0, -6, 0), dueDay.AddDate(0, 6, 0)
			}
			p.PendingVehicleChange = &permit.VehicleChange{ID: fmt.Sprintf("vc-%07d", i), VRM: permit.VRM(fmt.Sprintf("C%06d", i)),
				EffectiveOn: dueDay.AddDate(0, 0, k%days), RequestedAt: dueAt.AddDate(0, 0, -7), RequestedBy: "account:" + a.ID}
			changes++
		}
		ps[i] = p
	}
	if reminders != days*perDay || changes != days*perDay {
		panic(fmt.Sprintf("millionDue: %d reminders and %d changes, want %d each", reminders, changes, days*perDay))
	}
	return accs, ps, perDay
}
