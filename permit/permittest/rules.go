package permittest

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// The rule tests run a permit.Service on the store under test, so that
// rules whose outcome the store keeps (a vehicle change reaching a
// renewal, a move's permits, the free slot's claims) are proved on every
// store, not only on the reference one. Each is a regression test for a
// finding of issue 12 (or issue 11), named after the rule it guards.
var ruleTests = []namedTest{
	{"R1FreeSlotJudgedOnStartDate", testR1FreeSlotJudgedOnStartDate},
	{"R4VehicleChangeAppliesToChain", testR4VehicleChangeAppliesToChain},
	{"R4ScheduledChangeBelongsToChain", testR4ScheduledChangeBelongsToChain},
	{"R4ReplacedScheduledChangeLeavesTrace", testR4ReplacedScheduledChangeLeavesTrace},
	{"R4VehicleChangeEvidenceChecked", testR4VehicleChangeEvidenceChecked},
	{"R7SameZoneMoveKeepsPropertyLimits", testR7SameZoneMoveKeepsPropertyLimits},
	{"R7SameZoneMoveKeepsWhatPermitsPaid", testR7SameZoneMoveKeepsWhatPermitsPaid},
	{"R7NewZoneApplicationLeavesOutWhatItEnds", testR7NewZoneApplicationLeavesOutWhatItEnds},
	{"R7RefundWhenMovedToAnotherZone", testR7RefundWhenMovedToAnotherZone},
}

//go:embed testdata/scheme.yaml
var schemeYAML string

// The rule tests' gazetteer: real Loughborough postcodes, invented houses,
// in the zones of the Leicestershire example scheme.
const rulesGazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000003,,,16,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000004,,,3,Forest Road,Loughborough,LE11 2AA,loughborough-2,Loughborough 2
`

// The rule tests' properties.
const (
	home       = zones.UPRN(100000000001)
	nextDoor   = zones.UPRN(100000000002) // same zone as home
	threeDoors = zones.UPRN(100000000003) // same zone as home
	otherZone  = zones.UPRN(100000000004)
)

// world is a Service on the store under test with a pinned clock.
type world struct {
	t       *testing.T
	svc     *permit.Service
	st      permit.Store
	pay     *payments
	mu      sync.Mutex
	now     time.Time
	officer permit.Actor
}

// newWorld wires a Service on a fresh store with the test scheme, changed
// by each (old, new) pair of edits replacing text in the scheme file.
func (s suite) newWorld(t *testing.T, now time.Time, edits ...string) *world {
	t.Helper()
	text := schemeYAML
	for i := 0; i+1 < len(edits); i += 2 {
		require.Contains(t, text, edits[i], "the scheme edit must match")
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	sch, err := scheme.Load(strings.NewReader(text))
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(rulesGazetteer))
	require.NoError(t, err)
	w := &world{t: t, st: s.store(t), pay: &payments{byID: map[string]*permit.Payment{}, keys: map[string]permit.Payment{}},
		now: now, officer: permit.OfficerActor("jo")}
	w.svc, err = permit.NewService(sch, w.st, g, w.pay, &permit.Options{Now: w.clock})
	require.NoError(t, err)
	return w
}

// clock is the world's clock, the service's Options.Now.
func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) setNow(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = at
}

// londonAt is a London wall-clock instant.
func londonAt(t *testing.T, y int, m time.Month, d, hour int) time.Time {
	return time.Date(y, m, d, hour, 0, 0, 0, london(t))
}

func (w *world) today() time.Time { return eligibility.Today(w.svc.Now(), london(w.t)) }

func (w *world) account(uprn zones.UPRN) permit.Account {
	w.t.Helper()
	a, err := w.svc.CreateAccount(w.t.Context(), permit.System, permit.NewAccount{Name: "Jane Smith", Email: "jane@example.org", UPRN: uprn})
	require.NoError(w.t, err)
	return a
}

func (w *world) proofOfCare() []evidence.Document {
	return []evidence.Document{{Kind: "proof_of_care", IssuedOn: w.today().AddDate(0, 0, -7), Name: "Jane Smith"}}
}

func (w *world) apply(a permit.Account, vrm string, pay bool) permit.Permit {
	w.t.Helper()
	p, err := w.svc.Apply(w.t.Context(), permit.AccountActor(a.ID), permit.Application{
		AccountID: a.ID, Type: "essential-carer", VRM: vrm, Pay: pay, Evidence: w.proofOfCare()})
	require.NoError(w.t, err)
	return p
}

func (w *world) approve(id string) permit.Permit {
	w.t.Helper()
	p, err := w.svc.Approve(w.t.Context(), w.officer, id)
	require.NoError(w.t, err)
	return p
}

func (w *world) renew(a permit.Account, id string) permit.Permit {
	w.t.Helper()
	r, err := w.svc.Renew(w.t.Context(), permit.AccountActor(a.ID), id, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(w.t, err)
	return r
}

func (w *world) permit(id string) permit.Permit {
	w.t.Helper()
	return getPermit(w.t, w.st, id)
}

// events returns the feed's events of one type about one permit.
func (w *world) events(typ permit.EventType, permitID string) []permit.Event {
	w.t.Helper()
	var out []permit.Event
	for _, e := range allEvents(w.t, w.st, 1000) {
		if e.Type == typ && (permitID == "" || e.PermitID == permitID) {
			out = append(out, e)
		}
	}
	return out
}

// runDue runs the due jobs at the world's clock.
func (w *world) runDue() permit.DueReport {
	w.t.Helper()
	rep, err := w.svc.RunDue(w.t.Context(), w.svc.Now())
	require.NoError(w.t, err)
	return rep
}

// payments is a card provider that accepts every card, in memory, for the
// rule tests (the suite imports no adapter).
type payments struct {
	mu   sync.Mutex
	n    int
	byID map[string]*permit.Payment
	keys map[string]permit.Payment
}

var _ permit.Payments = (*payments)(nil)

func (g *payments) Authorise(_ context.Context, req permit.PaymentRequest) (permit.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.keys[req.IdempotencyKey]; ok {
		return p, nil
	}
	g.n++
	p := &permit.Payment{ID: fmt.Sprintf("pay_%06d", g.n), Status: permit.PaymentAuthorised, Amount: req.Amount, Refunded: decimal.Zero}
	g.byID[p.ID] = p
	g.keys[req.IdempotencyKey] = *p
	return *p, nil
}

func (g *payments) move(id, key string, want permit.PaymentStatus, apply func(p *permit.Payment)) (permit.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.keys[key]; ok {
		return p, nil
	}
	p, ok := g.byID[id]
	if !ok {
		return permit.Payment{}, fmt.Errorf("payment %s: %w", id, permit.ErrNotFound)
	}
	if p.Status != want && !(want == permit.PaymentCaptured && p.Status == permit.PaymentRefunded) {
		return permit.Payment{}, fmt.Errorf("payment %s is %s: %w", id, p.Status, permit.ErrInvalidTransition)
	}
	apply(p)
	g.keys[key] = *p
	return *p, nil
}

func (g *payments) Capture(_ context.Context, id, key string) (permit.Payment, error) {
	return g.move(id, key, permit.PaymentAuthorised, func(p *permit.Payment) { p.Status = permit.PaymentCaptured })
}

func (g *payments) Void(_ context.Context, id, key string) (permit.Payment, error) {
	return g.move(id, key, permit.PaymentAuthorised, func(p *permit.Payment) { p.Status = permit.PaymentVoided })
}

func (g *payments) Refund(_ context.Context, id string, amount decimal.Decimal, key string) (permit.Payment, error) {
	return g.move(id, key, permit.PaymentCaptured, func(p *permit.Payment) {
		p.Refunded = p.Refunded.Add(amount)
		p.Status = permit.PaymentRefunded
	})
}

// refunded is what the provider has returned on a payment.
func (g *payments) refunded(id string) decimal.Decimal {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.byID[id]; ok {
		return p.Refunded
	}
	return decimal.Zero
}

// Issue 12 finding 2: a vehicle change after renewing never reached the
// renewal, and the chain's own renewal counted as a clash. R4 (decision of
// 2026-12): a vehicle change applies to the chain, and a chain never
// clashes with itself.
func testR4VehicleChangeAppliesToChain(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
	a := w.account(home)
	p := w.approve(w.apply(a, "AB12CDE", false).ID) // 1 April 2026 to 31 March 2027
	w.setNow(londonAt(t, 2027, 3, 10, 9))
	r := w.renew(a, p.ID) // pending review, from 1 April 2027

	// Asked on the current permit: both get the new vehicle at once.
	got, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", time.Time{})
	require.NoError(t, err, "the chain's own renewal is no clash")
	require.Nil(t, change)
	require.Equal(t, permit.VRM("CD34EFG"), got.VRM)
	require.Equal(t, permit.VRM("CD34EFG"), w.permit(r.ID).VRM, "the pending renewal gets the new vehicle too")
	require.Len(t, w.events(permit.EventVehicleChanged, r.ID), 1)

	// Asked on the renewal, once approved: the current permit follows.
	w.approve(r.ID)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), r.ID, "EF56GHJ", time.Time{})
	require.NoError(t, err)
	require.Equal(t, permit.VRM("EF56GHJ"), w.permit(p.ID).VRM)
	require.Equal(t, permit.VRM("EF56GHJ"), w.permit(r.ID).VRM)

	// Changing back to a registration the chain had is no clash either;
	// another chain's registration still is.
	other := w.apply(a, "GH78JKL", false)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), r.ID, "GH78JKL", time.Time{})
	require.ErrorIs(t, err, permit.ErrVRMInUse)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), other.ID, "EF56GHJ", time.Time{})
	require.ErrorIs(t, err, permit.ErrVRMInUse)
}

// Issue 12 finding 3: a withdrawn or replaced scheduled change stayed on
// the renewal, so on the renewal's first day the holder's only vehicle was
// not permitted. The scheduled change belongs to the chain (R4, decision
// of 2026-12): its withdrawal and its replacement reach the renewal too.
func testR4ScheduledChangeBelongsToChain(t *testing.T, s suite) {
	ctx := t.Context()
	for _, tc := range []struct {
		name  string
		after func(w *world, a permit.Account, p, r permit.Permit, changeID string)
		want  permit.VRM // the renewal's vehicle on its first day
	}{
		{"applied on its day", func(*world, permit.Account, permit.Permit, permit.Permit, string) {}, "CD34EFG"},
		{"withdrawn on the renewal", func(w *world, a permit.Account, _, r permit.Permit, id string) {
			_, err := w.svc.WithdrawVehicleChange(ctx, permit.AccountActor(a.ID), r.ID, id)
			require.NoError(t, err)
		}, "AB12CDE"},
		{"withdrawn on the old permit", func(w *world, a permit.Account, p, _ permit.Permit, id string) {
			_, err := w.svc.WithdrawVehicleChange(ctx, permit.AccountActor(a.ID), p.ID, id)
			require.NoError(t, err)
		}, "AB12CDE"},
		{"replaced", func(w *world, a permit.Account, p, _ permit.Permit, _ string) {
			_, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "EF56GHJ", date(2027, 3, 25))
			require.NoError(t, err)
			require.NotNil(t, change)
		}, "EF56GHJ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
			a := w.account(home)
			p := w.approve(w.apply(a, "AB12CDE", false).ID) // to 31 March 2027
			w.setNow(londonAt(t, 2027, 3, 5, 9))
			_, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", date(2027, 3, 20))
			require.NoError(t, err)
			require.NotNil(t, change)
			w.setNow(londonAt(t, 2027, 3, 10, 9))
			r := w.renew(a, p.ID)
			require.NotNil(t, w.permit(r.ID).PendingVehicleChange, "the renewal carries the chain's scheduled change")
			w.approve(r.ID)

			tc.after(w, a, p, r, change.ID)
			for _, id := range []string{p.ID, r.ID} {
				pending := w.permit(id).PendingVehicleChange
				if tc.name == "withdrawn on the renewal" || tc.name == "withdrawn on the old permit" {
					require.Nil(t, pending, "permit %s", id)
				}
			}
			w.setNow(londonAt(t, 2027, 3, 25, 0))
			w.runDue()
			w.setNow(londonAt(t, 2027, 4, 1, 8))
			w.runDue()
			got := w.permit(r.ID)
			require.Equal(t, tc.want, got.VRM, "the renewal's vehicle on its first day")
			require.Nil(t, got.PendingVehicleChange)
			require.Equal(t, tc.want, w.permit(p.ID).VRM, "the old permit's vehicle on its last day")
		})
	}
}

// Issue 11 defect 7: replacing a scheduled vehicle change left no trace
// (the feed showed two vehicle_change_scheduled events). The replaced
// change gets its own event, naming the change that replaced it.
func testR4ReplacedScheduledChangeLeavesTrace(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
	a := w.account(home)
	p := w.approve(w.apply(a, "AB12CDE", false).ID)
	_, first, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", date(2026, 5, 1))
	require.NoError(t, err)
	_, second, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "EF56GHJ", date(2026, 5, 2))
	require.NoError(t, err)

	replaced := w.events(permit.EventVehicleChangeReplaced, p.ID)
	require.Len(t, replaced, 1)
	require.Equal(t, first.ID, replaced[0].Data["change_id"])
	require.Equal(t, "CD34EFG", replaced[0].Data["vrm"])
	require.Equal(t, "2026-05-01", replaced[0].Data["effective_on"])
	require.Equal(t, second.ID, replaced[0].Data["replaced_by"])
	require.Len(t, w.events(permit.EventVehicleChangeScheduled, p.ID), 2)
	require.Equal(t, second.ID, w.permit(p.ID).PendingVehicleChange.ID)

	// An immediate change replaces the scheduled one too, with a trace.
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "GH78JKL", time.Time{})
	require.NoError(t, err)
	replaced = w.events(permit.EventVehicleChangeReplaced, p.ID)
	require.Len(t, replaced, 2)
	require.Equal(t, second.ID, replaced[1].Data["change_id"])
	require.Nil(t, w.permit(p.ID).PendingVehicleChange)
}

// moveTo asks for a same-zone move of the account to a property of the
// rule tests' gazetteer, with a utility bill addressed there.
func (w *world) moveTo(a permit.Account, to zones.UPRN, address string) (permit.AddressChange, error) {
	return w.svc.RequestAddressChange(w.t.Context(), permit.AccountActor(a.ID), a.ID, to, []evidence.Document{{
		Kind: "utility_bill", IssuedOn: w.today().AddDate(0, 0, -10), Name: "Jane Smith", Address: address + ", Loughborough LE11 3AB"}})
}

// Issue 12 finding 4: a same-zone move checked only the free slot, so a
// property ended up with 3 live permits against a limit of 2. R7
// (decision of 2026-12): the new property's limits hold (limit_reached,
// explained), asked or approved.
func testR7SameZoneMoveKeepsPropertyLimits(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
	neighbours := w.account(nextDoor)
	w.approve(w.apply(neighbours, "AB12CDE", false).ID)
	mover := w.account(home)
	w.approve(w.apply(mover, "CD34EFG", false).ID)

	// One permit next door: the move makes 2, which is allowed...
	c, err := w.moveTo(mover, nextDoor, "14 Ashby Road")
	require.NoError(t, err)
	// ...but meanwhile the neighbours apply for their second.
	w.apply(neighbours, "EF56GHJ", false)
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	var ne *permit.NotEligibleError
	require.ErrorAs(t, err, &ne)
	require.Equal(t, "limit_reached", ne.Code())
	why, _ := ne.Decision.Blocking()
	require.Equal(t, "The move cannot be made: 14 Ashby Road, Loughborough, LE11 3AB already has 2 permits (Essential Carer Permit or Disabled Resident Permit) current or applied for, "+
		"and moving 1 permit there would make 3, but no more than 2 are allowed. Leicestershire issues up to 2 permits per property, as for its residents' parking permits.", why.Detail)
	require.Len(t, permitsAt(t, w.st, nextDoor), 2, "nothing moved")
	require.Equal(t, home, getAccount(t, w.st, mover.ID).UPRN)

	// Asked afresh now, the move is refused at once.
	_, err = w.svc.RejectAddressChange(ctx, w.officer, c.ID, permit.Rejection{Code: firstRejectionCode(w), Reason: "The new address has its permits already."})
	require.NoError(t, err)
	_, err = w.moveTo(mover, nextDoor, "14 Ashby Road")
	require.ErrorAs(t, err, &ne)
	require.Equal(t, "limit_reached", ne.Code())
}

// firstRejectionCode is a rejection reason code the scheme accepts.
func firstRejectionCode(w *world) string {
	if rs := w.svc.Scheme().RejectionReasons; len(rs) > 0 {
		return rs[0].Code
	}
	return "other"
}

func permitsAt(t *testing.T, st permit.Store, uprn zones.UPRN) []permit.Permit {
	t.Helper()
	return read(t, st, func(tx permit.ReadTx) ([]permit.Permit, error) { return tx.PermitsAtProperty(uprn) })
}

// Issue 12 finding 4, second half: when another household holds the new
// property's free allowance, the move is still allowed ("you do not need
// to purchase a new permit"). The moving permit keeps what it paid (free)
// until it expires; the old property's free allowance opens; at renewal
// the new property's pool decides.
func testR7SameZoneMoveKeepsWhatPermitsPaid(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
	neighbours := w.account(nextDoor)
	theirs := w.approve(w.apply(neighbours, "AB12CDE", false).ID)
	require.True(t, theirs.Free)
	mover := w.account(home)
	mine := w.approve(w.apply(mover, "CD34EFG", false).ID)
	require.True(t, mine.Free)

	c, err := w.moveTo(mover, nextDoor, "14 Ashby Road")
	require.NoError(t, err)
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.NoError(t, err, "the free allowance next door being used is no reason to refuse the move")
	moved := w.permit(mine.ID)
	require.Equal(t, nextDoor, moved.UPRN)
	require.True(t, moved.Free, "the moving permit keeps what it paid")
	require.True(t, moved.Price.IsZero())
	require.True(t, w.permit(theirs.ID).Free)

	// The old property's free allowance is open again.
	newcomer := w.account(home)
	require.True(t, w.apply(newcomer, "EF56GHJ", false).Free)

	// At renewal, the new property's pool decides: the neighbours renew
	// theirs, so the mover's renewal is paid.
	w.setNow(londonAt(t, 2027, 3, 10, 9))
	require.True(t, w.renew(neighbours, theirs.ID).Free)
	r := w.renew(mover, mine.ID)
	require.False(t, r.Free)
	require.Equal(t, "55.00", r.Price.StringFixed(2))
}

// strathmoreLike are scheme edits giving the test scheme Strathmore's
// account-scoped allowance (2 free permits per account, at most 3 per
// account) and its pro-rata refunds less a £5.00 admin fee.
var strathmoreLike = []string{
	"    scope: property\n    free: 1", "    scope: account\n    free: 2",
	"    scope: property\n    max: 2", "    scope: account\n    max: 3",
	"  kind: none", "  kind: pro_rata\n  admin_fee: \"5.00\"",
}

// applyInOtherZone applies for a permit at otherZone (3 Forest Road), with
// what a new-zone application needs: proof of care, proof of residency
// there and the vehicle's V5C.
func (w *world) applyInOtherZone(a permit.Account, vrm string) (permit.Permit, error) {
	docs := append(w.proofOfCare(),
		evidence.Document{Kind: "utility_bill", IssuedOn: w.today().AddDate(0, 0, -10), Name: "Jane Smith", Address: "3 Forest Road, Loughborough LE11 2AA"},
		evidence.Document{Kind: "v5c", IssuedOn: w.today().AddDate(-1, 0, 0), Fields: map[string]string{"document_reference": "12345678901", "vrm": vrm}})
	return w.svc.Apply(w.t.Context(), permit.AccountActor(a.ID), permit.Application{
		AccountID: a.ID, Type: "essential-carer", VRM: vrm, Evidence: docs, MoveTo: otherZone})
}

// Issue 12 finding 5: an application to a new zone counted the permits
// its own approval ends, so an account whose 2 free permits end on
// approval was charged, and one with 3 permits could not apply at all
// (limit_reached). R7 (decision of 2026-12): they are left out.
func testR7NewZoneApplicationLeavesOutWhatItEnds(t *testing.T, s suite) {
	for _, tc := range []struct {
		name string
		paid int // permits held besides the 2 free ones
	}{{"two free permits", 0}, {"three permits, the limit", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9), strathmoreLike...)
			a := w.account(home)
			var old []permit.Permit
			for i, vrm := range []string{"AB12CDE", "CD34EFG", "EF56GHJ"}[:2+tc.paid] {
				p := w.approve(w.apply(a, vrm, false).ID)
				require.Equal(t, i < 2, p.Free)
				old = append(old, p)
			}
			w.setNow(londonAt(t, 2026, 9, 1, 9))
			moved, err := w.applyInOtherZone(a, "GH78JKL")
			require.NoError(t, err, "the permits this application ends do not count")
			require.True(t, moved.Free, "the account's free permits end when it is approved")
			require.True(t, moved.Price.IsZero())
			require.Equal(t, permit.PendingReview, moved.Status)

			moved = w.approve(moved.ID)
			for _, p := range old {
				require.Equal(t, permit.Ended, w.permit(p.ID).Status)
			}
			require.Equal(t, otherZone, getAccount(t, w.st, a.ID).UPRN)
			cs := claimsOf(t, w.st, moved.Pool, "account:"+a.ID)
			require.Len(t, cs, 1, "the new permit holds its place in the account's pool")
			require.Equal(t, moved.ID, cs[0].PermitID)
			// The account's second free place is open in its new zone.
			next, err := w.svc.Apply(t.Context(), permit.AccountActor(a.ID), permit.Application{
				AccountID: a.ID, Type: "essential-carer", VRM: "JK90LMN", Evidence: w.proofOfCare()})
			require.NoError(t, err)
			require.True(t, next.Free)
		})
	}
}

// The refund setting for a permit ended by a move to another zone
// (refunds.on_move, R7 decision of 2026-12): by default a pro-rata policy
// applies as if the permit were cancelled on the day it ends; "none"
// returns nothing.
func testR7RefundWhenMovedToAnotherZone(t *testing.T, s suite) {
	for _, tc := range []struct {
		name   string
		edits  []string
		refund bool
	}{
		{"default: as if cancelled that day", strathmoreLike, true},
		{"on_move: none", append(slices.Clone(strathmoreLike), "  on_move: as_cancelled", "  on_move: none"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9), tc.edits...)
			a := w.account(home)
			paid, err := w.svc.Apply(t.Context(), permit.AccountActor(a.ID), permit.Application{
				AccountID: a.ID, Type: "essential-carer", VRM: "AB12CDE", Pay: true, Evidence: w.proofOfCare()})
			require.NoError(t, err)
			paid = w.approve(paid.ID)
			require.Equal(t, "55.00", paid.Price.StringFixed(2))

			w.setNow(londonAt(t, 2026, 10, 10, 9))
			moved, err := w.applyInOtherZone(a, "CD34EFG")
			require.NoError(t, err)
			w.approve(moved.ID)

			ended := w.permit(paid.ID)
			require.Equal(t, permit.Ended, ended.Status)
			want := w.svc.Scheme().Refunds.Refund(paid.Price, paid.StartsOn, paid.ExpiresOn, date(2026, 10, 10)).Amount
			if !tc.refund {
				want = decimal.Zero
			} else {
				require.True(t, want.IsPositive())
			}
			require.Equal(t, want.StringFixed(2), ended.Cancellation.Refund.StringFixed(2))
			require.Equal(t, want.StringFixed(2), w.pay.refunded(paid.Payment.ID).StringFixed(2), "what the provider returned")
			evs := w.events(permit.EventPermitEnded, paid.ID)
			require.Len(t, evs, 1)
			require.Equal(t, want.StringFixed(2), evs[0].Data["refund"])
		})
	}
}

// Issue 12 finding 6: evidence a scheme requires for a vehicle change was
// never checked. ChangeVehicle takes the documents, checks them against
// the scheme and the new registration, and its event says which kinds
// were given.
func testR4VehicleChangeEvidenceChecked(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9), "vehicle_change: []", "vehicle_change: [vehicle_registration]")
	a := w.account(home)
	p := w.approve(w.apply(a, "AB12CDE", false).ID)
	v5c := func(vrm string) evidence.Document {
		return evidence.Document{Kind: "v5c", IssuedOn: date(2026, 3, 1), Fields: map[string]string{"document_reference": "12345678901", "vrm": vrm}}
	}
	_, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", time.Time{})
	var ee *permit.EvidenceError
	require.ErrorAs(t, err, &ee)
	require.ErrorIs(t, err, permit.ErrEvidence)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", time.Time{}, v5c("XY99ZZZ"))
	require.ErrorAs(t, err, &ee, "a V5C for another vehicle")
	require.Equal(t, permit.VRM("AB12CDE"), w.permit(p.ID).VRM, "nothing changed")

	got, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "CD34EFG", time.Time{}, v5c("CD34EFG"))
	require.NoError(t, err)
	require.Equal(t, permit.VRM("CD34EFG"), got.VRM)
	evs := w.events(permit.EventVehicleChanged, p.ID)
	require.Len(t, evs, 1)
	require.Equal(t, "v5c", evs[0].Data["evidence"])
}

// Issue 12 finding 1 on every store: the free slot is judged on the new
// permit's start date. A free permit running to 31 March 2027, not yet
// renewed, does not keep the slot for a permit starting 1 April 2027: that
// one is free and claims it; the old chain's later renewal is paid and
// says why (free_place_taken).
func testR1FreeSlotJudgedOnStartDate(t *testing.T, s suite) {
	ctx := t.Context()
	w := s.newWorld(t, londonAt(t, 2026, 4, 1, 9))
	a := w.account(home)
	old := w.approve(w.apply(a, "AB12CDE", false).ID) // free, 1 April 2026 to 31 March 2027
	require.True(t, old.Free)

	w.setNow(londonAt(t, 2027, 3, 5, 9))
	next, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer",
		VRM: "CD34EFG", StartsOn: date(2027, 4, 1), Evidence: w.proofOfCare()})
	require.NoError(t, err)
	require.True(t, next.Free, "the slot is open on its start date")
	cs := claimsOf(t, w.st, next.Pool, "uprn:"+home.String())
	require.Len(t, cs, 1)
	require.Equal(t, next.ID, cs[0].PermitID, "the new permit holds the place")

	r := w.renew(a, old.ID)
	require.False(t, r.Free)
	require.Equal(t, "55.00", r.Price.StringFixed(2))
	renewed := w.events(permit.EventPermitRenewed, r.ID)
	require.Len(t, renewed, 1)
	require.Equal(t, "free_place_taken", renewed[0].Data["allowance"], "the renewal says why it is paid")
	require.Contains(t, renewed[0].Data["allowance_detail"], next.ID)
	d, err := w.svc.Eligibility(ctx, permit.System, permit.EligibilityQuery{AccountID: a.ID, Type: "essential-carer", StartsOn: date(2027, 4, 1)})
	require.NoError(t, err)
	require.False(t, d.Free)
}
