package permit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// checked summarises a look-up: each listed permit as "id status valid".
func checked(c permit.VehicleCheck) []string {
	out := []string{}
	for _, p := range c.Permits {
		out = append(out, fmt.Sprintf("%s %s %v", p.Permit.ID, p.Status, p.Valid))
	}
	return out
}

func TestCheckVehicle(t *testing.T) {
	// 10 June 2027 is in British Summer Time: days start at 23:00 UTC.
	w := newWorld(t, at(2027, 6, 10, 9, 0))
	ctx := context.Background()
	jane := w.account(home, "jane@example.org")
	p := w.mustApply(jane, "essential-carer", "ab12 cde")
	p, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, d(2027, 6, 10), p.StartsOn)
	require.Equal(t, d(2028, 6, 9), p.ExpiresOn)
	pending := w.mustApply(w.account(neighbour, ""), "essential-carer", "CD34EFG") // never issued: never counts
	require.Equal(t, permit.PendingReview, pending.Status)

	utc := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, time.UTC)
	}
	cases := []struct {
		name, vrm, zone string
		at              time.Time
		permitted       bool
		on              time.Time
		permits         []string
	}{
		{"current in its zone, typed loosely", "Ab12 cDE", "loughborough-3", utc(2027, 6, 10, 12, 0), true, d(2027, 6, 10), []string{p.ID + " current true"}},
		{"hyphen and spaces", " AB-12 CDE ", "loughborough-3", utc(2027, 6, 10, 12, 0), true, d(2027, 6, 10), []string{p.ID + " current true"}},
		{"another zone", "AB12CDE", "loughborough-2", utc(2027, 6, 10, 12, 0), false, d(2027, 6, 10), []string{p.ID + " current false"}},
		{"23:59 BST the day before it starts", "AB12CDE", "loughborough-3", utc(2027, 6, 9, 22, 59), false, d(2027, 6, 9), []string{p.ID + " upcoming false"}},
		{"00:00 BST the day it starts", "AB12CDE", "loughborough-3", utc(2027, 6, 9, 23, 0), true, d(2027, 6, 10), []string{p.ID + " current true"}},
		{"23:59 BST on its last day", "AB12CDE", "loughborough-3", utc(2028, 6, 9, 22, 59), true, d(2028, 6, 9), []string{p.ID + " current true"}},
		{"00:00 BST the day after", "AB12CDE", "loughborough-3", utc(2028, 6, 9, 23, 0), false, d(2028, 6, 10), []string{p.ID + " expired false"}},
		{"an application pending review", "CD34EFG", "loughborough-3", utc(2027, 6, 10, 12, 0), false, d(2027, 6, 10), []string{}},
		{"a vehicle with no permit", "ZZ99ZZZ", "loughborough-3", utc(2027, 6, 10, 12, 0), false, d(2027, 6, 10), []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := w.svc.CheckVehicle(ctx, permit.System, tc.vrm, tc.zone, tc.at)
			require.NoError(t, err)
			require.Equal(t, tc.permitted, c.Permitted)
			require.Equal(t, tc.permits, checked(c))
			require.Equal(t, tc.on, c.On)
			require.Equal(t, tc.at, c.At)
			require.Equal(t, tc.zone, c.Zone.ID)
			require.NotEmpty(t, c.Zone.Name)
		})
	}

	t.Run("at zero is the service's clock", func(t *testing.T) {
		c, err := w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", time.Time{})
		require.NoError(t, err)
		require.True(t, c.Permitted)
		require.Equal(t, w.svc.Now().UTC(), c.At)
		require.Equal(t, time.UTC, c.At.Location())
	})
}

// A scheduled vehicle change counts from the start of its day, whether or
// not the due jobs have applied it yet (R4).
func TestCheckVehicleScheduledChange(t *testing.T) {
	w := newWorld(t, at(2027, 6, 10, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), p.ID, "EF56GHJ", d(2027, 7, 1))
	require.NoError(t, err)

	before := time.Date(2027, 6, 30, 22, 59, 0, 0, time.UTC) // 23:59 BST on 30 June
	from := time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)    // 00:00 BST on 1 July
	look := func(vrm string, at time.Time) permit.VehicleCheck {
		t.Helper()
		c, err := w.svc.CheckVehicle(ctx, permit.System, vrm, "loughborough-3", at)
		require.NoError(t, err)
		return c
	}
	require.True(t, look("AB12CDE", before).Permitted)
	require.False(t, look("EF56GHJ", before).Permitted)
	require.Empty(t, look("EF56GHJ", before).Permits, "the new registration is not on the permit yet")

	require.False(t, look("AB12CDE", from).Permitted, "the old registration no longer counts")
	require.Empty(t, look("AB12CDE", from).Permits)
	require.True(t, look("EF56GHJ", from).Permitted, "before the due jobs ran")

	w.setNow(from)
	rep, err := w.svc.RunDue(ctx, from)
	require.NoError(t, err)
	require.Equal(t, 1, rep.VehicleChangesApplied)
	require.True(t, look("EF56GHJ", from).Permitted, "after the due jobs ran")
	require.False(t, look("AB12CDE", from).Permitted)

	// Cancelled: still listed, so an officer sees why, but not permitted.
	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), p.ID, "sold the car")
	require.NoError(t, err)
	c := look("ef56 ghj", from.Add(time.Hour))
	require.False(t, c.Permitted)
	require.Equal(t, []string{p.ID + " cancelled false"}, checked(c))
}

// A penalty charge notice issued at 09:00 is judged as the permit stood
// then, though the holder cancelled it at 14:00 (R6).
func TestCheckVehicleBeforeCancellation(t *testing.T) {
	w := newWorld(t, at(2027, 1, 12, 8, 0))
	ctx := context.Background()
	a := w.account(home, "")
	p := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, p.ID)
	require.NoError(t, err)
	w.setNow(at(2027, 1, 12, 14, 0))
	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), p.ID, "carer moved away")
	require.NoError(t, err)

	for _, tc := range []struct {
		at        time.Time
		permitted bool
		status    permit.Status
	}{
		{at(2027, 1, 12, 9, 0), true, permit.Current},
		{at(2027, 1, 12, 14, 0), false, permit.Cancelled},
		{at(2027, 1, 13, 9, 0), false, permit.Cancelled},
	} {
		c, err := w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", tc.at)
		require.NoError(t, err)
		require.Equal(t, tc.permitted, c.Permitted, "at %s", tc.at)
		require.Equal(t, []string{fmt.Sprintf("%s %s %v", p.ID, tc.status, tc.permitted)}, checked(c), "at %s", tc.at)
	}
}

// Valid permits come first, then the latest expiry: a renewal chain shows
// the permit in force and then the one that follows it.
func TestCheckVehicleOrder(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	old := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, old.ID)
	require.NoError(t, err)
	w.setNow(at(2027, 3, 10, 9, 0))
	renewal, err := w.svc.Renew(ctx, permit.AccountActor(a.ID), old.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)
	_, err = w.svc.Approve(ctx, w.officer, renewal.ID)
	require.NoError(t, err)

	c, err := w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", w.svc.Now())
	require.NoError(t, err)
	require.True(t, c.Permitted)
	require.Equal(t, []string{old.ID + " current true", renewal.ID + " upcoming false"}, checked(c))

	c, err = w.svc.CheckVehicle(ctx, permit.System, "AB12CDE", "loughborough-3", at(2027, 4, 1, 0, 0))
	require.NoError(t, err)
	require.Equal(t, []string{renewal.ID + " current true", old.ID + " expired false"}, checked(c), "no gap at the changeover (R5)")
}

func TestCheckVehicleRefusesBadInput(t *testing.T) {
	w := newWorld(t, at(2027, 6, 10, 9, 0))
	cases := []struct {
		name, vrm, zone string
		fields          []string
		codes           []string
	}{
		{"bad registration", "AB*12", "loughborough-3", []string{"vrm"}, []string{"invalid_vrm"}},
		{"empty registration", "  ", "loughborough-3", []string{"vrm"}, []string{"invalid_vrm"}},
		{"no zone", "AB12CDE", "", []string{"zone"}, []string{"required"}},
		{"unknown zone", "AB12CDE", "Loughborough-3", []string{"zone"}, []string{"unknown_zone"}},
		{"both", "12", "atlantis", []string{"vrm", "zone"}, []string{"invalid_vrm", "unknown_zone"}},
		{"year 0", "AB12CDE", "loughborough-3", []string{"at"}, []string{"out_of_range"}},
		{"year 9999", "AB12CDE", "loughborough-3", []string{"at"}, []string{"out_of_range"}},
	}
	ats := map[string]time.Time{"year 0": time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "year 9999": time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.CheckVehicle(context.Background(), permit.System, tc.vrm, tc.zone, ats[tc.name])
			require.ErrorIs(t, err, permit.ErrValidation)
			var ve *permit.ValidationError
			require.ErrorAs(t, err, &ve)
			var fields, codes []string
			for _, f := range ve.Fields {
				fields, codes = append(fields, f.Field), append(codes, f.Code)
				require.NotEmpty(t, f.Detail)
			}
			require.Equal(t, tc.fields, fields)
			require.Equal(t, tc.codes, codes)
		})
	}
}

func ExampleService_CheckVehicle() {
	ctx := context.Background()
	sch, err := scheme.Load(strings.NewReader(exampleScheme))
	if err != nil {
		fmt.Println(err)
		return
	}
	g, _ := zones.LoadGazetteer(strings.NewReader(zones.GazetteerHeader + "\n" +
		"100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,centre,Town Centre\n"))
	now := time.Date(2027, time.March, 1, 9, 0, 0, 0, time.UTC)
	svc, _ := permit.NewService(sch, memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})

	acc, _ := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: 100000000001})
	p, _ := svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{AccountID: acc.ID, Type: "carer", VRM: "AB12 CDE",
		Evidence: []evidence.Document{{Kind: "care_letter", IssuedOn: now.AddDate(0, 0, -7), Name: "Jane Smith"}}})
	if _, err := svc.Approve(ctx, permit.OfficerActor("jo"), p.ID); err != nil {
		fmt.Println(err)
		return
	}

	// An officer in the town centre types the registration as they read it.
	c, err := svc.CheckVehicle(ctx, permit.System, "ab12cde", "centre", now.Add(2*time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.VRM, "in", c.Zone.Name, "on", c.On.Format(time.DateOnly), "permitted:", c.Permitted)
	for _, cp := range c.Permits {
		fmt.Println(" ", cp.Permit.Type, cp.Status, "until", cp.Permit.ExpiresOn.Format(time.DateOnly), "valid:", cp.Valid)
	}

	_, err = svc.CheckVehicle(ctx, permit.System, "ab12cde", "harbour", time.Time{})
	fmt.Println(err)
	// Output:
	// AB12CDE in Town Centre on 2027-03-01 permitted: true
	//   carer current until 2028-02-29 valid: true
	// permit: zone: No permit zone of Example Council has the ID "harbour".
}

// lookupStore is a store with the enforcement fast path, counting its use.
type lookupStore struct {
	permit.Store
	calls int
}

func (s *lookupStore) PermitsByVRM(ctx context.Context, vrm permit.VRM) ([]permit.Permit, error) {
	s.calls++
	var out []permit.Permit
	err := s.View(ctx, func(tx permit.ReadTx) (err error) {
		out, err = tx.PermitsByVRM(vrm)
		return err
	})
	return out, err
}

// loggingStore wraps a store as a council's logging or tracing wrapper
// would; unwrap makes it offer the wrapped store.
type loggingStore struct {
	permit.Store
	inner permit.Store
}

type unwrappingStore struct{ loggingStore }

func (s unwrappingStore) Unwrap() permit.Store { return s.inner }

// selfUnwrapping returns itself from Unwrap, a wrapper's mistake.
type selfUnwrapping struct{ permit.Store }

func (s *selfUnwrapping) Unwrap() permit.Store { return s }

// Issue 14: a Store wrapper silently lost the VehicleLookup fast path. A
// wrapper that offers Unwrap keeps it; one that does not still answers,
// through View.
func TestVehicleLookupThroughWrappers(t *testing.T) {
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	fast := &lookupStore{Store: memstore.New()}
	cases := []struct {
		name  string
		store permit.Store
		fast  bool
	}{
		{"the store itself", fast, true},
		{"a wrapper without Unwrap", loggingStore{Store: fast, inner: fast}, false},
		{"a wrapper with Unwrap", unwrappingStore{loggingStore{Store: fast, inner: fast}}, true},
		{"two wrappers with Unwrap", unwrappingStore{loggingStore{Store: unwrappingStore{loggingStore{Store: fast, inner: fast}}, inner: unwrappingStore{loggingStore{Store: fast, inner: fast}}}}, true},
		{"a wrapper unwrapping to itself", &selfUnwrapping{Store: fast}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := permit.NewService(loadLeicestershire(t), tc.store, g, fakepay.New(), &permit.Options{
				Now: func() time.Time { return at(2027, 6, 10, 9, 0) }})
			require.NoError(t, err)
			before := fast.calls
			c, err := svc.CheckVehicle(t.Context(), permit.System, "AB12CDE", "loughborough-3", at(2027, 6, 10, 9, 0))
			require.NoError(t, err)
			require.False(t, c.Permitted)
			require.Equal(t, tc.fast, fast.calls > before, "fast path used")
		})
	}
}
