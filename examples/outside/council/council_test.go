package council_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"council.example/permits/council"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite" // this test links SQLite and no PostgreSQL driver
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

const carerPermit = "essential-carer" // the Leicestershire scheme's Essential Carer Permit

func home(t *testing.T) zones.Property {
	pc, err := zones.ParsePostcode("LE11 3AB")
	require.NoError(t, err)
	return zones.Property{UPRN: 100030000042, BuildingNumber: "42", Street: "Ashby Road", Town: "Loughborough", Postcode: pc,
		Zone: zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"}}
}

// A council's own Locator, Payments and Notifier run the whole life of
// two Essential Carer Permits on SQLite through the public API: apply,
// approve (the free one, then a paid one whose money is taken), renew
// within the window and approve the renewal, cancel; the store keeps all
// of it across a reopen.
func TestJourneyOnSQLite(t *testing.T) {
	ctx := context.Background()
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	now := time.Date(2027, time.March, 1, 9, 0, 0, 0, london)
	clock := func() time.Time { return now }
	dsn := filepath.Join(t.TempDir(), "council.db")

	c, err := council.Open(ctx, dsn, clock, home(t))
	require.NoError(t, err)
	svc, officer := c.Service, permit.OfficerActor("officer-1")

	found, err := c.Addresses.FindProperties(ctx, home(t).Postcode, "42")
	require.NoError(t, err)
	require.Len(t, found, 1)
	acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Alex Resident", Email: "alex@example.org", UPRN: found[0].UPRN})
	require.NoError(t, err)
	require.Equal(t, "loughborough-1", acc.Zone.ID)
	me := permit.AccountActor(acc.ID)
	proof := func() []evidence.Document {
		return []evidence.Document{{Kind: "proof_of_care", IssuedOn: now.AddDate(0, 0, -3), Name: "Alex Resident"}}
	}

	// Apply and approve: the household's free permit.
	free, err := svc.Apply(ctx, me, permit.Application{AccountID: acc.ID, Type: carerPermit, VRM: "AB12 CDE", Evidence: proof()})
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, free.Status)
	require.True(t, free.Free)
	free, err = svc.Approve(ctx, officer, free.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Current, free.StatusOn(now))

	// A second permit is paid: the council's till holds the money at
	// application and takes it at approval.
	paid, err := svc.Apply(ctx, me, permit.Application{AccountID: acc.ID, Type: carerPermit, VRM: "XY34 ZZZ", Evidence: proof()})
	require.NoError(t, err)
	require.False(t, paid.Free)
	require.NotNil(t, paid.Payment)
	require.Equal(t, permit.PaymentAuthorised, paid.Payment.Status)
	require.True(t, c.Till.Taken().IsZero())
	paid, err = svc.Approve(ctx, officer, paid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentCaptured, paid.Payment.Status)
	require.True(t, c.Till.Taken().Equal(paid.Price), "taken %s, price %s", c.Till.Taken(), paid.Price)

	// Renew the free permit ten days before it expires, and approve the
	// renewal: it starts the day after the old one ends.
	now = time.Date(free.ExpiresOn.Year(), free.ExpiresOn.Month(), free.ExpiresOn.Day()-10, 10, 0, 0, 0, london)
	renewal, err := svc.Renew(ctx, me, free.ID, permit.Renewal{Evidence: proof()})
	require.NoError(t, err)
	require.Equal(t, free.ID, renewal.RenewalOf)
	require.Equal(t, free.ExpiresOn.AddDate(0, 0, 1), renewal.StartsOn)
	renewal, err = svc.Approve(ctx, officer, renewal.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Upcoming, renewal.StatusOn(now))

	// Cancel the paid permit (Leicestershire refunds nothing).
	cancelled, err := svc.Cancel(ctx, me, paid.ID, "the second carer no longer visits")
	require.NoError(t, err)
	require.Equal(t, permit.Cancelled, cancelled.Status)
	require.True(t, cancelled.Cancellation.Refund.IsZero())

	require.Equal(t, []permit.MessageKind{
		permit.MessageApplicationReceived, permit.MessageApproved,
		permit.MessageApplicationReceived, permit.MessageApproved,
		permit.MessageApplicationReceived, permit.MessageApproved,
		permit.MessageCancelled,
	}, c.Outbox.Kinds())

	// Everything is in the database: a new process sees it.
	require.NoError(t, c.Store.Close())
	again, err := council.Open(ctx, dsn, clock, home(t))
	require.NoError(t, err)
	defer again.Store.Close()
	for id, want := range map[string]permit.Status{free.ID: permit.Approved, paid.ID: permit.Cancelled, renewal.ID: permit.Approved} {
		got, err := again.Service.Permit(ctx, me, id)
		require.NoError(t, err)
		require.Equal(t, want, got.Status, id)
	}
}
