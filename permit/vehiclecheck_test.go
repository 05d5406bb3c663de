package permit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// register is a scripted register of vehicles: the vehicles it holds, and
// whether it answers at all.
type register struct {
	mu    sync.Mutex
	held  map[permit.VRM]permit.Vehicle
	down  bool
	slow  bool // waits for the look-up's context to end
	asked []permit.VRM
}

func (r *register) LookUpVehicle(ctx context.Context, vrm permit.VRM) (permit.Vehicle, error) {
	r.mu.Lock()
	r.asked = append(r.asked, vrm)
	down, slow := r.down, r.slow
	v, ok := r.held[vrm]
	r.mu.Unlock()
	switch {
	case slow:
		<-ctx.Done()
		return permit.Vehicle{}, errors.Join(permit.ErrUnavailable, ctx.Err())
	case down:
		return permit.Vehicle{}, errors.Join(permit.ErrUnavailable, errors.New("503 from the register"))
	case !ok:
		return permit.Vehicle{}, permit.ErrVehicleNotFound
	}
	return v, nil
}

func (r *register) set(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

func (r *register) askedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.asked)
}

// newCheckingWorld is newWorld with the scheme's vehicle check set to
// mode and the register reg behind it.
func newCheckingWorld(t *testing.T, now time.Time, mode permit.VehicleCheckMode, reg *register) *world {
	t.Helper()
	w := newWorld(t, now)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	sch := loadLeicestershire(t)
	sch.VehicleCheck = mode
	w.svc, err = permit.NewService(sch, w.store, g, w.pay, &permit.Options{Notifier: w.notes, Now: w.clock, NewID: w.newID,
		Vehicles: reg, VehicleCheckTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	return w
}

func heldFord() map[permit.VRM]permit.Vehicle {
	return map[permit.VRM]permit.Vehicle{"AB12CDE": {VRM: "AB12CDE", Make: "FORD", Colour: "BLUE", TaxStatus: permit.TaxTaxed, MOTStatus: permit.MOTValid}}
}

func TestVehicleCheckAtApplication(t *testing.T) {
	now := at(2026, 11, 24, 10, 0)
	for _, tc := range []struct {
		name       string
		mode       permit.VehicleCheckMode
		vrm        string
		down, slow bool
		wantErr    error
		want       permit.VehicleCheckOutcome // "" for no check
		flags      []string
	}{
		{"off asks nothing", permit.VehicleCheckOff, "ZZ99ZZZ", false, false, nil, "", nil},
		{"warn, held", permit.VehicleCheckWarn, "ab12 cde", false, false, nil, permit.VehicleFound, nil},
		{"warn, unknown: flagged", permit.VehicleCheckWarn, "ZZ99ZZZ", false, false, nil, permit.VehicleNotFound, []string{"vehicle_not_found"}},
		{"require, unknown: refused", permit.VehicleCheckRequire, "ZZ99ZZZ", false, false, permit.ErrVehicleNotFound, "", nil},
		{"require, held", permit.VehicleCheckRequire, "AB12CDE", false, false, nil, permit.VehicleFound, nil},
		{"require, register down: flagged, not refused", permit.VehicleCheckRequire, "ZZ99ZZZ", true, false, nil, permit.VehicleUnchecked, []string{"vehicle_unchecked"}},
		{"warn, register slow: flagged within the timeout", permit.VehicleCheckWarn, "AB12CDE", false, true, nil, permit.VehicleUnchecked, []string{"vehicle_unchecked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := &register{held: heldFord(), down: tc.down, slow: tc.slow}
			w := newCheckingWorld(t, now, tc.mode, reg)
			a := w.account(home, "jane@example.org")
			start := time.Now()
			p, err := w.apply(a, "essential-carer", tc.vrm)
			require.Less(t, time.Since(start), 5*time.Second, "a slow register never holds the resident up")
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				var ps []permit.Permit
				require.NoError(t, w.store.View(context.Background(), func(tx permit.ReadTx) (err error) {
					ps, err = tx.PermitsOfAccount(a.ID)
					return err
				}))
				require.Empty(t, ps, "nothing stored")
				return
			}
			require.NoError(t, err)
			require.Equal(t, permit.PendingReview, p.Status, "it goes to review either way")
			require.Equal(t, tc.flags, p.Flags())
			if tc.want == "" {
				require.Nil(t, p.RegisterCheck)
				require.Zero(t, reg.askedCount())
				return
			}
			require.Equal(t, tc.want, p.RegisterCheck.Outcome)
			require.Equal(t, p.VRM, p.RegisterCheck.VRM)
			if tc.want == permit.VehicleFound {
				require.Equal(t, "FORD", p.RegisterCheck.Vehicle.Make)
			}
			stored, err := w.svc.Permit(context.Background(), permit.System, p.ID)
			require.NoError(t, err)
			require.Equal(t, tc.flags, stored.Flags(), "the flag is stored")
			applied := eventsOf(w.events(), permit.EventPermitApplied)
			require.Equal(t, string(tc.want), applied[len(applied)-1].Data["vehicle_check"])
		})
	}
}

// An answer stored on a permit is reused for the scheme's cache time:
// the register is asked again only after it.
func TestVehicleCheckCachedInTheStore(t *testing.T) {
	now := at(2026, 11, 24, 10, 0)
	reg := &register{held: heldFord()}
	w := newCheckingWorld(t, now, permit.VehicleCheckWarn, reg)
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	require.Equal(t, 1, reg.askedCount())
	_, err := w.svc.Cancel(context.Background(), permit.AccountActor(a.ID), p.ID, "changed my mind")
	require.NoError(t, err)

	w.setNow(now.Add(2 * time.Hour))
	again := w.mustApply(a, "essential-carer", "AB12CDE")
	require.Equal(t, 1, reg.askedCount(), "answered from the stored check")
	require.Equal(t, permit.VehicleFound, again.RegisterCheck.Outcome)
	require.Equal(t, p.RegisterCheck.CheckedAt, again.RegisterCheck.CheckedAt, "the answer's own instant")
	_, err = w.svc.Cancel(context.Background(), permit.AccountActor(a.ID), again.ID, "changed my mind")
	require.NoError(t, err)

	w.setNow(now.Add(permit.DefaultVehicleCheckCache))
	w.mustApply(a, "essential-carer", "AB12CDE")
	require.Equal(t, 2, reg.askedCount(), "asked again once the cache time has passed")
}

// DVLA down leaves the application flagged vehicle_unchecked; the due
// jobs ask again, leave it flagged while the register is still down, and
// clear the flag (with an event) once it answers.
func TestVehicleCheckDueJobsClearTheFlag(t *testing.T) {
	now := at(2026, 11, 24, 10, 0)
	reg := &register{held: heldFord(), down: true}
	w := newCheckingWorld(t, now, permit.VehicleCheckRequire, reg)
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	b := w.account(home, "")
	q := w.mustApply(b, "essential-carer", "ZZ99ZZZ")
	require.Equal(t, []string{"vehicle_unchecked"}, p.Flags())
	require.Equal(t, []string{"vehicle_unchecked"}, q.Flags())

	rep, err := w.svc.RunDue(context.Background(), now.Add(time.Hour))
	require.NoError(t, err)
	require.Zero(t, rep.VehiclesChecked)
	got, err := w.svc.Permit(context.Background(), permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"vehicle_unchecked"}, got.Flags(), "still down: still flagged")
	require.Equal(t, 2, got.RegisterCheck.Attempts)

	reg.set(false)
	rep, err = w.svc.RunDue(context.Background(), now.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, rep.VehiclesChecked)
	got, err = w.svc.Permit(context.Background(), permit.System, p.ID)
	require.NoError(t, err)
	require.Empty(t, got.Flags(), "found: the flag is cleared")
	require.Equal(t, "FORD", got.RegisterCheck.Vehicle.Make)
	gotQ, err := w.svc.Permit(context.Background(), permit.System, q.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"vehicle_not_found"}, gotQ.Flags(), "an unknown vehicle found later is flagged for the officer, not refused")
	checked := eventsOf(w.events(), permit.EventVehicleChecked)
	require.Len(t, checked, 2)
	require.Equal(t, "found", checked[0].Data["vehicle_check"])
	require.Equal(t, "3", checked[0].Data["attempts"])

	asked := reg.askedCount()
	rep, err = w.svc.RunDue(context.Background(), now.Add(3*time.Hour))
	require.NoError(t, err)
	require.Zero(t, rep.VehiclesChecked)
	require.Equal(t, asked, reg.askedCount(), "nothing left to ask")
}

// A vehicle change is checked like an application: refused under require
// when the register holds no such vehicle (the permit kept as it was),
// recorded on the permit otherwise.
func TestVehicleCheckAtVehicleChange(t *testing.T) {
	now := at(2026, 11, 24, 10, 0)
	reg := &register{held: heldFord()}
	w := newCheckingWorld(t, now, permit.VehicleCheckRequire, reg)
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	ctx := context.Background()

	_, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "ZZ99ZZZ", time.Time{})
	require.ErrorIs(t, err, permit.ErrVehicleNotFound)
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.VRM("AB12CDE"), got.VRM)
	require.Equal(t, p.Version, got.Version, "nothing written")

	reg.set(true)
	changed, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "XY99ZZZ", time.Time{})
	require.NoError(t, err, "no answer never refuses")
	require.Equal(t, permit.VRM("XY99ZZZ"), changed.VRM)
	require.Equal(t, []string{"vehicle_unchecked"}, changed.Flags())
	require.Equal(t, permit.VRM("XY99ZZZ"), changed.RegisterCheck.VRM)
	evs := eventsOf(w.events(), permit.EventVehicleChanged)
	require.Equal(t, "unchecked", evs[len(evs)-1].Data["vehicle_check"])
}

func TestParseVehicleCheckMode(t *testing.T) {
	for _, s := range []string{"off", "warn", "require"} {
		m, err := permit.ParseVehicleCheckMode(s)
		require.NoError(t, err)
		require.Equal(t, permit.VehicleCheckMode(s), m)
	}
	for _, s := range []string{"", "Warn", "on", "strict"} {
		_, err := permit.ParseVehicleCheckMode(s)
		require.ErrorIs(t, err, permit.ErrValidation, s)
	}
}

// The register is asked about a vehicle change only for a caller who may
// make it; a withdrawn scheduled change takes its check (and flag) away.
func TestVehicleCheckScheduledChange(t *testing.T) {
	now := at(2026, 11, 24, 10, 0)
	reg := &register{held: heldFord()}
	w := newCheckingWorld(t, now, permit.VehicleCheckWarn, reg)
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	ctx := context.Background()
	other := w.account(home, "")
	asked := reg.askedCount()
	_, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(other.ID), p.ID, "ZZ99ZZZ", time.Time{})
	require.ErrorIs(t, err, permit.ErrNotFound)
	require.Equal(t, asked, reg.askedCount(), "not asked for a stranger")

	got, change, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "ZZ99ZZZ", d(2026, 12, 10))
	require.NoError(t, err)
	require.NotNil(t, change)
	require.Equal(t, permit.VRM("AB12CDE"), got.VRM, "scheduled: the vehicle is still the old one")
	require.Equal(t, permit.VRM("ZZ99ZZZ"), got.RegisterCheck.VRM, "the check is about the new one")
	require.Equal(t, []string{"vehicle_not_found"}, got.Flags())

	got, err = w.svc.WithdrawVehicleChange(ctx, permit.AccountActor(a.ID), p.ID, change.ID)
	require.NoError(t, err)
	require.Nil(t, got.RegisterCheck)
	require.Empty(t, got.Flags())
}
