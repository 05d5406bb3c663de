package permit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/permit"
)

// Options.DueRan hears each RunDue's report and error, the same ones the
// caller gets, including a run that partly failed.
func TestDueRanHook(t *testing.T) {
	f := newDueFixture(t, 5)
	type heard struct {
		rep permit.DueReport
		err error
	}
	var got []heard
	hook := func(r permit.DueReport, err error) { got = append(got, heard{r, err}) }
	bad := f.permits[3]
	svc, err := permit.NewService(withoutRetention(loadLeicestershire(t)), failingStore{f.store, bad.ID}, f.gaz, fakepay.New(), &permit.Options{DueRan: hook, Now: f.clock})
	require.NoError(t, err)

	rep, err := svc.RunDue(context.Background(), f.now)
	require.ErrorIs(t, err, errCannotWrite)
	require.Equal(t, []heard{{rep, err}}, got)
	require.Equal(t, permit.DueReport{VehicleChangesApplied: 3, RemindersSent: 4}, got[0].rep)

	rep, err = svc.RunDue(context.Background(), f.now.Add(time.Hour))
	require.Error(t, err, "the bad item is still due")
	require.Len(t, got, 2)
	require.Equal(t, heard{rep, err}, got[1])
}
