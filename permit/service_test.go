package permit_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/recorder"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// The test gazetteer: real Loughborough postcodes, invented houses. Zones
// are those of the Leicestershire example scheme.
const testGazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000003,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000004,,,3,Forest Road,Loughborough,LE11 2AA,loughborough-2,Loughborough 2
100000000005,,,7,High Street,Leicester,LE1 1AA,,
`

const (
	home      = zones.UPRN(100000000001)
	neighbour = zones.UPRN(100000000002)
	sameZone  = zones.UPRN(100000000003)
	otherZone = zones.UPRN(100000000004)
	noZone    = zones.UPRN(100000000005)
)

var london = mustLocation("Europe/London")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// d is a calendar date as the library represents it.
func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

// at is a London wall-clock instant.
func at(y int, m time.Month, day, hour, min int) time.Time {
	return time.Date(y, m, day, hour, min, 0, 0, london)
}

type world struct {
	t       *testing.T
	svc     *permit.Service
	store   *memstore.Store
	pay     *fakepay.Gateway
	notes   *recorder.Notifier
	now     time.Time
	mu      sync.Mutex
	ids     map[string]int
	officer permit.Actor
	// onNotifyFailed, when set, hears of notifications that failed.
	onNotifyFailed func(m permit.Message, err error)
}

func loadLeicestershire(t testing.TB) *permit.Scheme {
	t.Helper()
	f, err := os.Open("../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	return s
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	return newWorldPaying(t, now, nil)
}

// newWorldPaying is newWorld with the service's payments made by wrap from
// the world's gateway (nil: the gateway itself).
func newWorldPaying(t *testing.T, now time.Time, wrap func(*fakepay.Gateway) permit.Payments) *world {
	t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	w := &world{t: t, store: memstore.New(), pay: fakepay.New(), notes: &recorder.Notifier{}, now: now, ids: map[string]int{},
		officer: permit.OfficerActor("jo.bloggs")}
	var payments permit.Payments = w.pay
	if wrap != nil {
		payments = wrap(w.pay)
	}
	w.svc, err = permit.NewService(loadLeicestershire(t), w.store, g, payments, &permit.Options{Notifier: w.notes,
		Now: w.clock, NewID: w.newID, NotifyFailed: w.notifyFailed})
	require.NoError(t, err)
	return w
}

// clock is the world's clock, the service's Options.Now.
func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// newID numbers identifiers per prefix, the service's Options.NewID.
func (w *world) newID(prefix string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ids[prefix]++
	return fmt.Sprintf("%s_%d", prefix, w.ids[prefix])
}

// notifyFailed passes a failed notification to the test's hook, if any.
func (w *world) notifyFailed(m permit.Message, err error) {
	if w.onNotifyFailed != nil {
		w.onNotifyFailed(m, err)
	}
}

func (w *world) setNow(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = t
}

func (w *world) today() time.Time { return eligibility.Today(w.svc.Now(), london) }

func (w *world) account(uprn zones.UPRN, email string) permit.Account {
	w.t.Helper()
	a, err := w.svc.CreateAccount(context.Background(), permit.System, permit.NewAccount{Name: "Jane Smith", Email: email, UPRN: uprn})
	require.NoError(w.t, err)
	return a
}

func (w *world) proofOfCare() []evidence.Document {
	return []evidence.Document{{Kind: "proof_of_care", IssuedOn: w.today().AddDate(0, 0, -7), Name: "Jane Smith", Address: "12 Ashby Road"}}
}

func (w *world) apply(acc permit.Account, typ, vrm string) (permit.Permit, error) {
	docs := w.proofOfCare()
	if typ == "disabled-resident" {
		docs = []evidence.Document{{Kind: "blue_badge", IssuedOn: w.today().AddDate(0, -1, 0), Name: "Jane Smith"}}
	}
	return w.svc.Apply(context.Background(), permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: typ, VRM: vrm, Evidence: docs})
}

func (w *world) mustApply(acc permit.Account, typ, vrm string) permit.Permit {
	w.t.Helper()
	p, err := w.apply(acc, typ, vrm)
	require.NoError(w.t, err)
	return p
}

func (w *world) events() []permit.Event {
	w.t.Helper()
	evs, _, err := w.store.Events(context.Background(), "", 10000)
	require.NoError(w.t, err)
	return evs
}

func requireMoney(t *testing.T, want string, got decimal.Decimal, msgAndArgs ...any) {
	t.Helper()
	require.Truef(t, decimal.RequireFromString(want).Equal(got), "want %s, got %s %v", want, got, msgAndArgs)
}

func TestR2AccountAtProperty(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()

	a := w.account(home, "jane@example.org")
	require.Equal(t, home, a.UPRN)
	require.Equal(t, "loughborough-3", a.Zone.ID)
	require.Contains(t, a.Address, "12 Ashby Road")

	_, err := w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: " ", Email: "not-an-email", UPRN: 0})
	var v *permit.ValidationError
	require.ErrorAs(t, err, &v)
	require.ErrorIs(t, err, permit.ErrValidation)
	fields := []string{}
	for _, f := range v.Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"name", "email", "uprn"}, fields)

	_, err = w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane", UPRN: 999999999999})
	require.ErrorIs(t, err, permit.ErrNotFound)
	require.ErrorIs(t, err, zones.ErrPropertyNotFound)
}

func TestR2OutsideEveryZoneIsNotEligible(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(noZone, "")
	before := len(w.events())
	_, err := w.apply(a, "essential-carer", "AB12 CDE")
	var ne *permit.NotEligibleError
	require.ErrorAs(t, err, &ne)
	require.ErrorIs(t, err, permit.ErrNotEligible)
	require.Equal(t, "outside_zone", ne.Code())
	require.Len(t, w.events(), before, "a refused application writes nothing")
}

func TestR1OneFreePermitPerHousehold(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "jane@example.org")

	first := w.mustApply(a, "essential-carer", "ab12 cde")
	require.True(t, first.Free)
	require.Equal(t, permit.PendingReview, first.Status)
	requireMoney(t, "0.00", first.Price)
	require.Nil(t, first.Payment)
	require.Equal(t, permit.VRM("AB12CDE"), first.VRM)
	require.Equal(t, d(2026, 11, 24), first.StartsOn)
	require.Equal(t, d(2027, 11, 23), first.ExpiresOn)

	// A second account at the same property gains nothing (scope property).
	b := w.account(home, "")
	second := w.mustApply(b, "essential-carer", "EF56 GHI")
	require.False(t, second.Free)
	requireMoney(t, "55.00", second.Price)
	require.Equal(t, permit.PendingReview, second.Status)
	require.Equal(t, permit.PaymentAuthorised, second.Payment.Status)
	requireMoney(t, "55.00", second.Payment.Amount)

	// The scheme's limit: two live permits per property.
	_, err := w.apply(a, "disabled-resident", "CD34EFG")
	var ne *permit.NotEligibleError
	require.ErrorAs(t, err, &ne)
	require.Equal(t, "limit_reached", ne.Code())
}

func TestR1CarerFreeThenDisabledResidentPaid(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "")
	require.True(t, w.mustApply(a, "essential-carer", "AB12CDE").Free)
	drp := w.mustApply(a, "disabled-resident", "CD34EFG")
	require.False(t, drp.Free, "the DRP shares the pool: the ECP holds the free slot")
	requireMoney(t, "55.00", drp.Price)
}

func TestR1DisabledResidentFreeThenCarerPaid(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "")
	require.True(t, w.mustApply(a, "disabled-resident", "AB12CDE").Free)
	require.False(t, w.mustApply(a, "essential-carer", "CD34EFG").Free)
}

func TestR1ApplicantMayChooseToPay(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "")
	p, err := w.svc.Apply(context.Background(), permit.AccountActor(a.ID), permit.Application{
		AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", Pay: true, Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.False(t, p.Free)
	// The free slot is still open for the DRP.
	require.True(t, w.mustApply(a, "disabled-resident", "CD34EFG").Free)
}

func TestR3RejectionReturnsMoneyAndFreesSlot(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	free := w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	requireMoney(t, "55.00", w.pay.Held())

	_, err := w.svc.Reject(ctx, w.officer, paid.ID, permit.Rejection{})
	require.ErrorIs(t, err, permit.ErrValidation)

	r, err := w.svc.Reject(ctx, w.officer, paid.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter does not show the carer's name."})
	require.NoError(t, err)
	require.Equal(t, permit.Rejected, r.Status)
	require.Equal(t, permit.PaymentVoided, r.Payment.Status)
	requireMoney(t, "0.00", w.pay.Held())
	requireMoney(t, "0.00", w.pay.Taken())
	msgs := w.notes.Of(permit.MessageRejected)
	require.Len(t, msgs, 1)
	require.Equal(t, "The letter does not show the carer's name.", msgs[0].Data["reason"])
	require.NotEmpty(t, msgs[0].Data["council_website"], "the rejection says whom to contact")

	// A rejected permit is not resubmitted: approving it is an invalid transition.
	_, err = w.svc.Approve(ctx, w.officer, r.ID)
	var te *permit.TransitionError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	require.Equal(t, permit.Rejected, te.State)

	// Rejecting the free one frees the slot: reapplying is free again.
	_, err = w.svc.Reject(ctx, w.officer, free.ID, permit.Rejection{Code: "proof_unclear", Reason: "y"})
	require.NoError(t, err)
	again := w.mustApply(a, "essential-carer", "AB12CDE")
	require.True(t, again.Free)
}

func TestApproveCapturesOnce(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	ok, err := w.svc.Approve(ctx, w.officer, paid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, ok.Status)
	require.Equal(t, permit.Current, ok.StatusOn(w.today()))
	require.Equal(t, permit.PaymentCaptured, ok.Payment.Status)
	requireMoney(t, "55.00", w.pay.Taken())
	_, err = w.svc.Approve(ctx, w.officer, paid.ID)
	require.ErrorIs(t, err, permit.ErrInvalidTransition)
	requireMoney(t, "55.00", w.pay.Taken())
}

func TestPaymentFailureWithdrawsApplication(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	w.pay.Decline = func(permit.PaymentRequest) string { return "insufficient funds" }
	a := w.account(home, "")
	w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.apply(a, "essential-carer", "CD34EFG")
	require.ErrorIs(t, err, permit.ErrPaymentFailed)
	ps, err := w.svc.PermitsOfAccount(context.Background(), permit.System, a.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Withdrawn, ps[0].Status)
	requireMoney(t, "0.00", w.pay.Held())
}

func TestEvidenceProblemsRefuseAndWriteNothing(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "")
	before := len(w.events())
	_, err := w.svc.Apply(context.Background(), permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE"})
	var ee *permit.EvidenceError
	require.ErrorAs(t, err, &ee)
	require.ErrorIs(t, err, permit.ErrEvidence)
	require.ErrorIs(t, err, evidence.ErrEvidenceMissing)
	require.Equal(t, evidence.CodeMissing, ee.Result.Problems[0].Code)
	require.Len(t, w.events(), before)

	_, err = w.svc.Apply(context.Background(), permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "!!"})
	require.ErrorIs(t, err, permit.ErrValidation)
}

func TestR4VehicleChange(t *testing.T) {
	// 10 June 2027 is in British Summer Time: the scheduled change applies
	// at 00:00 BST on 12 June, which is 23:00 UTC on 11 June.
	w := newWorld(t, at(2027, 6, 10, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)

	now, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "xy99 zzz", time.Time{})
	require.NoError(t, err)
	require.Nil(t, change)
	require.Equal(t, permit.VRM("XY99ZZZ"), now.VRM)

	later, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", d(2027, 6, 12))
	require.NoError(t, err)
	require.NotNil(t, change)
	require.Equal(t, permit.VRM("XY99ZZZ"), later.VRM)
	require.Equal(t, change.ID, later.PendingVehicleChange.ID)

	w.setNow(time.Date(2027, 6, 11, 22, 59, 0, 0, time.UTC))
	rep, err := w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	require.Equal(t, 0, rep.VehicleChangesApplied, "23:59 BST on 11 June is still the day before")

	w.setNow(time.Date(2027, 6, 11, 23, 0, 0, 0, time.UTC))
	rep, err = w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	require.Equal(t, 1, rep.VehicleChangesApplied)
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.VRM("CD34EFG"), got.VRM)
	require.Nil(t, got.PendingVehicleChange)

	rep, err = w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	require.Equal(t, 0, rep.VehicleChangesApplied, "a change is applied once")

	// A scheduled change can be withdrawn before its day.
	_, change, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "EF56GHI", d(2027, 7, 1))
	require.NoError(t, err)
	_, err = w.svc.WithdrawVehicleChange(ctx, permit.AccountActor(a.ID), p.ID, "nope")
	require.ErrorIs(t, err, permit.ErrNotFound)
	got, err = w.svc.WithdrawVehicleChange(ctx, permit.AccountActor(a.ID), p.ID, change.ID)
	require.NoError(t, err)
	require.Nil(t, got.PendingVehicleChange)

	// The same registration cannot be on two live carer permits at one property.
	second := w.mustApply(a, "essential-carer", "JK12LMN")
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), second.ID, "cd34 efg", time.Time{})
	require.ErrorIs(t, err, permit.ErrVRMInUse)
	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), second.ID, "")
	require.NoError(t, err)
	_, err = w.apply(a, "essential-carer", "CD34EFG")
	require.ErrorIs(t, err, permit.ErrVRMInUse)
}

func TestR5RenewalWindowAndChain(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, d(2027, 3, 31), p.ExpiresOn)

	// 31 days before expiry (28 February 2027): too early.
	w.setNow(at(2027, 2, 28, 23, 30))
	_, err = w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	var ne *permit.NotEligibleError
	require.ErrorAs(t, err, &ne)
	require.Equal(t, "renewal_window_not_open", ne.Code())

	// 30 days before (1 March 2027): open. Old proof of care is refused.
	w.setNow(at(2027, 3, 1, 0, 30))
	_, err = w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: d(2026, 3, 20), Name: "Jane Smith"}}})
	require.ErrorIs(t, err, permit.ErrEvidence)

	r, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, r.Free, "the renewal of the free permit continues its slot")
	require.Equal(t, d(2027, 4, 1), r.StartsOn)
	require.Equal(t, d(2028, 3, 31), r.ExpiresOn)
	require.Equal(t, p.ID, r.RenewalOf)
	require.Equal(t, p.ChainID, r.ChainID)

	_, err = w.svc.Renew(ctx, permit.AccountActor(a.ID), p.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.ErrorIs(t, err, permit.ErrNotEligible, "a permit is renewed once")

	// The free slot is still held by the chain: a new application pays.
	require.False(t, w.mustApply(a, "disabled-resident", "CD34EFG").Free)
}

func TestR5Reminders(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	withEmail := w.account(home, "jane@example.org")
	noEmail := w.account(neighbour, "")
	p1 := w.mustApply(withEmail, "essential-carer", "AB12CDE")
	p2 := w.mustApply(noEmail, "essential-carer", "CD34EFG")
	for _, p := range []permit.Permit{p1, p2} {
		_, err := w.svc.Approve(ctx, w.officer, p.ID)
		require.NoError(t, err)
	}
	w.setNow(at(2027, 2, 28, 9, 0)) // 31 days before
	rep, err := w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	require.Equal(t, 0, rep.RemindersSent)

	w.setNow(at(2027, 3, 1, 9, 0)) // 30 days before
	for range 2 {
		_, err = w.svc.RunDue(ctx, w.svc.Now())
		require.NoError(t, err)
	}
	msgs := w.notes.Of(permit.MessageExpiryReminder)
	require.Len(t, msgs, 1, "one reminder, to the account with an email")
	require.Equal(t, "jane@example.org", msgs[0].To)
	require.Equal(t, "2027-03-31", msgs[0].Data["expires_on"])
}

func TestR6Cancellation(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	w.mustApply(a, "essential-carer", "AB12CDE")
	paid := w.mustApply(a, "essential-carer", "CD34EFG")
	_, err := w.svc.Approve(ctx, w.officer, paid.ID)
	require.NoError(t, err)

	c, err := w.svc.Cancel(ctx, permit.AccountActor(a.ID), paid.ID, "carer no longer needed")
	require.NoError(t, err)
	require.Equal(t, permit.Cancelled, c.Status)
	requireMoney(t, "0.00", c.Cancellation.Refund)
	requireMoney(t, "55.00", w.pay.Taken(), "Leicestershire permits are non-refundable")

	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), paid.ID, "")
	require.ErrorIs(t, err, permit.ErrInvalidTransition)

	// Cancelling an application pending review withdraws it and voids the hold.
	pending := w.mustApply(a, "essential-carer", "EF56GHI")
	requireMoney(t, "55.00", w.pay.Held())
	wd, err := w.svc.Cancel(ctx, permit.AccountActor(a.ID), pending.ID, "changed my mind")
	require.NoError(t, err)
	require.Equal(t, permit.Withdrawn, wd.Status)
	requireMoney(t, "0.00", w.pay.Held())
}

func TestR7SameZoneMove(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)

	_, err = w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, nil)
	require.ErrorIs(t, err, permit.ErrEvidence)

	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	c, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
	require.NoError(t, err)
	require.Equal(t, permit.AddressChangePending, c.Status)

	q, err := w.svc.ReviewQueue(ctx, permit.System, 10)
	require.NoError(t, err)
	require.Len(t, q, 1)
	require.Equal(t, "address_change", q[0].Kind)
	require.Equal(t, d(2026, 12, 8), q[0].DueOn, "10 working days after Tuesday 24 November 2026")

	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.NoError(t, err)
	acc, err := w.svc.Account(ctx, permit.System, a.ID)
	require.NoError(t, err)
	require.Equal(t, sameZone, acc.UPRN)
	moved, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, sameZone, moved.UPRN)
	require.Equal(t, permit.Current, moved.StatusOn(w.today()))
	require.True(t, moved.Free)
}

func TestR7MoveToAnotherZone(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "")
	old := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, old.ID)
	require.NoError(t, err)

	_, err = w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, otherZone, nil)
	var dz *permit.DifferentZoneError
	require.ErrorAs(t, err, &dz)
	require.ErrorIs(t, err, permit.ErrDifferentZone)
	var names []string
	for _, r := range dz.RequiredEvidence {
		names = append(names, r.Name)
	}
	require.Contains(t, names, "proof_of_residency")

	docs := append(w.proofOfCare(),
		evidence.Document{Kind: "utility_bill", IssuedOn: d(2026, 11, 1), Name: "Jane Smith", Address: "3 Forest Road, Loughborough LE11 2AA"},
		evidence.Document{Kind: "v5c", IssuedOn: d(2024, 5, 1), Fields: map[string]string{"document_reference": "12345678901", "vrm": "AB12 CDE"}})
	np, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", MoveTo: otherZone, Evidence: docs})
	require.NoError(t, err)
	require.True(t, np.Free, "a new property, a new household allowance")
	require.Equal(t, "loughborough-2", np.Zone.ID)

	_, err = w.svc.Approve(ctx, w.officer, np.ID)
	require.NoError(t, err)
	ended, err := w.svc.Permit(ctx, permit.System, old.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Ended, ended.Status)
	acc, err := w.svc.Account(ctx, permit.System, a.ID)
	require.NoError(t, err)
	require.Equal(t, otherZone, acc.UPRN)
}

func TestReviewQueueOldestFirstWithWorkingDayDeadline(t *testing.T) {
	// Submitted Friday 18 December 2026: 10 working days in England skip
	// Christmas Day, Boxing Day (substitute Monday 28) and New Year's Day.
	w := newWorld(t, at(2026, 12, 18, 16, 0))
	a := w.account(home, "")
	first := w.mustApply(a, "essential-carer", "AB12CDE")
	w.setNow(at(2026, 12, 21, 9, 0))
	second := w.mustApply(a, "essential-carer", "CD34EFG")
	q, err := w.svc.ReviewQueue(context.Background(), permit.System, 10)
	require.NoError(t, err)
	require.Len(t, q, 2)
	require.Equal(t, first.ID, q[0].Permit.ID)
	require.Equal(t, second.ID, q[1].Permit.ID)
	require.Equal(t, d(2027, 1, 6), q[0].DueOn)
}

func TestFailedNotificationNeverUndoesOperation(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	w.notes.Fail = fmt.Errorf("smtp down")
	var failed []permit.Message
	w.onNotifyFailed = func(m permit.Message, err error) { failed = append(failed, m) }
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	require.Equal(t, permit.PendingReview, p.Status)
	require.Len(t, failed, 1)
}

func TestConcurrentApplicationsWinTheFreeSlotOnce(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	a := w.account(home, "")
	const n = 50
	var wg sync.WaitGroup
	results := make(chan permit.Permit, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := w.apply(a, "essential-carer", fmt.Sprintf("AB%02dCDE", i))
			if err == nil {
				results <- p
			}
		}()
	}
	wg.Wait()
	close(results)
	free, total := 0, 0
	for p := range results {
		total++
		if p.Free {
			free++
		}
	}
	require.Equal(t, 1, free)
	require.Positive(t, total)
}
